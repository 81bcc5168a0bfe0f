"""Bulk posting of one-item applications (exact, or with one line for a difference) writes
what posting them one by one writes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from cashmatch.config import Ledger, Rules
from cashmatch.ingest.items import import_items
from cashmatch.ledger.journal import Applier
from cashmatch.match.run import (
    MatchSummary,
    _apply_in_bulk,
    apply_proposals,
    movement_rows,
    plan,
    run_match,
)
from cashmatch.ledger.review import assign
from cashmatch.ingest.statements import import_statements
from cashmatch.store import Store
from tests.conftest import item, movement

TABLES = {
    "cm_decisions": "decision_id",
    "cm_journal_entries": "entry_id",
    "cm_journal_lines": "entry_id, line_no",
    "cm_allocations": "allocation_id",
    "cm_lettrage": "item_id",
}


def _store(path: Path, statements_file, items_file,  # type: ignore[no-untyped-def]
           rules: Rules) -> Store:
    store = Store.open(path)
    import_items(store, items_file(
        item("FA-1", "100.00"), item("FA-2", "250.00", party="C2", name="DEUX SA"),
        item("FA-3", "80.00"), item("FA-4", "40.00", party="C3", name="TROIS"),
        item("FF-7", "-412.80", kind="supplier_invoice", party="F1", name="FOURNISSEUR"),
        item("FA-5", "60.00", ref=""),
        item("FA-6", "200.00", party="C6", name="SIX SARL"),
        item("FA-8", "100.00", party="C8", name="HUIT SA"),
        item("FA-9", "300.00", party="C9", name="NEUF SAS"),
        item("FA-10", "1000.00", party="C10", name="DIX ET CIE", ref="FA-10-2026")))
    # FA-3 is partly paid (and lettered) by an earlier run; its balance is paid below
    import_statements(store, [statements_file(movement("30.00", "acompte FA-3", day="2026-02-01"))])
    run_match(store, rules)
    review_id = store.scalar("SELECT review_id FROM cm_review_items WHERE status = 'open'")
    assign(store, rules, review_id, [("FA-3", Decimal("30.00"))], user="test")
    import_statements(store, [statements_file(
        movement("100.00", "FACT FA-1", bank_ref="B1"),
        movement("250.00", "  virement   FA-2 \t  " + "x" * 120, name="Deux  SA"),
        movement("50.00", "solde FA-3"),
        movement("40.00", "FA-4"),
        movement("-412.80", "VIR EMIS FACTURE FF-7"),
        movement("60.00", "FA-5", name="CLIENT UN"),
        # a fee deducted, a rounding gain, an over-payment, an early-payment discount
        movement("185.00", "FACT FA-6", name="SIX SARL", bank_ref="B6"),
        movement("100.03", "FACT FA-8", name="HUIT SA"),
        movement("350.00", "FACT FA-9", name="NEUF SAS"),
        movement("980.00", "ESCOMPTE FA-10-2026", name="DIX ET CIE"))])
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


def _written(tmp_path: Path, statements_file, items_file,  # type: ignore[no-untyped-def]
             rules: Rules, bulk: bool) -> tuple[object, ...]:
    with _store(tmp_path / f"{bulk}.duckdb", statements_file, items_file, rules) as store:
        with store.transaction():
            result = plan(store, rules).result
            # applied or sent to review, never both
            assert not set(result.reasons) & {p.movement_id for p in result.all_auto()}
            summary = MatchSummary(2)
            applier = Applier(store, rules, 2)
            if bulk:
                _apply_in_bulk(store, applier, result.bulk, summary)
                apply_proposals(store, applier, result.auto, movement_rows(store), summary)
            else:
                apply_proposals(store, applier, result.all_auto(), movement_rows(store),
                                summary)
            applier.flush()
        assert summary.auto == 10
        return (0 if result.bulk is None else result.bulk.height, len(result.auto),
                _tables(store), summary.amounts)


def test_bulk_posting_writes_what_posting_one_by_one_writes(tmp_path, statements_file,
                                                             items_file) -> None:
    rules = Rules()
    (tmp_path / "bulk").mkdir()
    (tmp_path / "one").mkdir()
    bulk = _written(tmp_path / "bulk", statements_file, items_file, rules, True)
    one_by_one = _written(tmp_path / "one", statements_file, items_file, rules, False)
    assert bulk[:2] == (10, 0)  # every one of them is posted in bulk
    assert bulk[2:] == one_by_one[2:]
    tables = bulk[2]
    assert len(tables["cm_journal_lines"]) == 2 * 7 + 3 * 4  # the earlier payment, 6, 4
    # (account, aux account, debit, credit) of the lines of differences
    differences = [(ln[2], ln[3], ln[6], ln[7]) for ln in tables["cm_journal_lines"]
                   if ln[9] is None and ln[2] != "512000"]
    assert sorted(differences) == [("411000", "C9", 0, 5000), ("627000", None, 1500, 0),
                                   ("665000", None, 2000, 0), ("758000", None, 0, 3)]
    assert tables["cm_lettrage"] == [
        ("FA-1", "411000", "C1", "AAB"), ("FA-10", "411000", "C10", "AAA"),
        ("FA-2", "411000", "C2", "AAA"),
        ("FA-3", "411000", "C1", "AAA"), ("FA-4", "411000", "C3", "AAA"),
        ("FA-5", "411000", "C1", "AAC"), ("FA-6", "411000", "C6", "AAA"),
        ("FA-8", "411000", "C8", "AAA"), ("FA-9", "411000", "C9", "AAA"),
        ("FF-7", "401000", "F1", "AAA")]


def test_a_discount_split_with_its_vat_is_posted_one_by_one(tmp_path, statements_file,
                                                            items_file) -> None:
    """A discount whose VAT the ledger splits off takes two lines: it is not posted in bulk,
    and what is posted is the same either way."""
    rules = Rules(ledger=Ledger(discount_vat_rate=Decimal("20")))
    (tmp_path / "bulk").mkdir()
    (tmp_path / "one").mkdir()
    bulk = _written(tmp_path / "bulk", statements_file, items_file, rules, True)
    one_by_one = _written(tmp_path / "one", statements_file, items_file, rules, False)
    assert bulk[:2] == (9, 1)
    assert bulk[2:] == one_by_one[2:]
    vat = [ln for ln in bulk[2]["cm_journal_lines"] if ln[2] == "445710"]
    assert [(ln[6], ln[7]) for ln in vat] == [(333, 0)]  # 20.00 * 20 / 120
