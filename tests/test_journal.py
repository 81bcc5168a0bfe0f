"""Bulk posting of exact one-item applications writes what posting them one by one writes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from cashmatch.config import Rules
from cashmatch.items import import_items
from cashmatch.journal import Applier
from cashmatch.matching import (
    MatchSummary,
    _apply_in_kind,
    apply_proposals,
    movement_rows,
    plan,
    run_match,
)
from cashmatch.review import assign
from cashmatch.statements import import_statements
from cashmatch.store import Store
from tests.conftest import item, movement

TABLES = {
    "cm_decisions": "decision_id",
    "cm_journal_entries": "entry_id",
    "cm_journal_lines": "entry_id, line_no",
    "cm_allocations": "allocation_id",
    "cm_lettrage": "item_id",
}


def _store(path: Path, statements_file, items_file) -> Store:  # type: ignore[no-untyped-def]
    store = Store.open(path)
    import_items(store, items_file(
        item("FA-1", "100.00"), item("FA-2", "250.00", party="C2", name="DEUX SA"),
        item("FA-3", "80.00"), item("FA-4", "40.00", party="C3", name="TROIS"),
        item("FF-7", "-412.80", kind="supplier_invoice", party="F1", name="FOURNISSEUR"),
        item("FA-5", "60.00", ref="")))
    # FA-3 is partly paid (and lettered) by an earlier run; its balance is paid below
    import_statements(store, [statements_file(movement("30.00", "acompte FA-3", day="2026-02-01"))])
    run_match(store, Rules())
    review_id = store.scalar("SELECT review_id FROM cm_review_items WHERE status = 'open'")
    assign(store, Rules(), review_id, [("FA-3", Decimal("30.00"))], user="test")
    import_statements(store, [statements_file(
        movement("100.00", "FACT FA-1", bank_ref="B1"),
        movement("250.00", "  virement   FA-2 \t  " + "x" * 120, name="Deux  SA"),
        movement("50.00", "solde FA-3"),
        movement("40.00", "FA-4"),
        movement("-412.80", "VIR EMIS FACTURE FF-7"),
        movement("60.00", "FA-5", name="CLIENT UN"))])
    return store


def _tables(store: Store) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for table, order in TABLES.items():
        frame = store.frame(f"SELECT * FROM {table} ORDER BY {order}")
        frame = frame.drop("created_at", strict=False)
        if table == "cm_decisions":
            frame = frame.with_columns(frame["evidence_json"].map_elements(
                lambda text: json.dumps(json.loads(text), sort_keys=True), return_dtype=str))
        out[table] = frame.rows()
    return out


def test_bulk_posting_writes_what_posting_one_by_one_writes(tmp_path, statements_file,
                                                             items_file) -> None:
    written = []
    for bulk in (True, False):
        with _store(tmp_path / f"{bulk}.duckdb", statements_file, items_file) as store:
            rules = Rules()
            with store.transaction():
                planned = plan(store, rules)
                result = planned.result
                assert result.exact is not None and result.exact.height == 6
                assert result.auto == []
                summary = MatchSummary(2)
                applier = Applier(store, rules, 2)
                if bulk:
                    _apply_in_kind(store, applier, result.exact, summary)
                else:
                    apply_proposals(store, applier, result.all_auto(), movement_rows(store),
                                    summary)
                applier.flush()
            assert summary.auto == 6
            written.append((_tables(store), summary.amounts))
    assert written[0] == written[1]
    tables = written[0][0]
    assert len(tables["cm_journal_lines"]) == 2 * 7  # the earlier part payment, and 6 now
    # FA-3 keeps the code of its first payment; FA-5 is the second of C1's groups
    assert tables["cm_lettrage"] == [
        ("FA-1", "411000", "C1", "AAB"), ("FA-2", "411000", "C2", "AAA"),
        ("FA-3", "411000", "C1", "AAA"), ("FA-4", "411000", "C3", "AAA"),
        ("FA-5", "411000", "C1", "AAC"), ("FF-7", "401000", "F1", "AAA")]
