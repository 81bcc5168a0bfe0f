import csv
import json
from decimal import Decimal

import polars as pl

from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.export import journal_frame, matches_frame, write
from cashmatch.match.run import run_match
from tests.conftest import item, movement


def _run(store, rules, statements_file, items_file) -> None:
    import_items(store, items_file(item("FA-1", "100.00"), item("FA-2", "50.00"),
                                   item("FA-3", "80.00")))
    import_statements(store, [statements_file(
        movement("100.00", "FACT FA-1", bank_ref="B1"),
        movement("30.00", "=HYPERLINK(\"x\") FA-2", name="=cmd", bank_ref="B2"),
        movement("-7.00", "FRAIS", bank_ref="B3"))])
    run_match(store, rules)


def test_matches_have_every_status(store, rules, statements_file, items_file, tmp_path) -> None:
    _run(store, rules, statements_file, items_file)
    frame = matches_frame(store)
    assert list(frame.columns) == ["transaction_id", "bank_reference", "booking_date", "amount",
                                   "currency", "item_id", "party_id", "applied_amount", "status",
                                   "rank", "confidence", "rule", "explanation", "evidence"]
    rows = frame.to_dicts()
    assert rows[0]["status"] == "auto" and rows[0]["applied_amount"] == "100.00"
    assert rows[0]["bank_reference"] == "B1"
    assert json.loads(rows[0]["evidence"])["ref_level"] == "exact"
    suggested = [r for r in rows if r["status"] == "suggested"]
    assert suggested[0]["item_id"] == "FA-2" and suggested[0]["rank"] == 1
    assert suggested[0]["applied_amount"] == "30.00"
    assert rows[-1]["status"] == "unmatched" and rows[-1]["amount"] == "-7.00"


def test_formats_keep_amounts_exact_and_defuse_formulas(store, rules, statements_file,
                                                         items_file, tmp_path) -> None:
    _run(store, rules, statements_file, items_file)
    frame = matches_frame(store)
    write(frame, tmp_path / "m.csv", "csv")
    with (tmp_path / "m.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[-1]["amount"] == "-7.00"  # amounts are not defused
    write(journal_frame(store), tmp_path / "j.csv", "csv")
    labels = [r["label"] for r in csv.DictReader((tmp_path / "j.csv").open())]
    assert all(not lb.startswith(("=", "+", "@")) for lb in labels)
    write(frame, tmp_path / "m.json", "json")
    data = json.loads((tmp_path / "m.json").read_text())
    assert data[0]["amount"] == "100.00" and isinstance(data[0]["amount"], str)
    write(frame, tmp_path / "m.parquet", "parquet")
    back = pl.read_parquet(tmp_path / "m.parquet")
    assert back.schema["amount"] == pl.Decimal(18, 2)
    assert back.get_column("amount").to_list()[0] == Decimal("100.00")


def test_journal_lines_with_lettrage(store, rules, statements_file, items_file) -> None:
    _run(store, rules, statements_file, items_file)
    rows = journal_frame(store).to_dicts()
    assert [(r["account"], r["debit"], r["credit"]) for r in rows] == [
        ("512000", "100.00", "0.00"), ("411000", "0.00", "100.00")]
    assert rows[1]["lettrage_code"] == "AAA" and rows[1]["lettrage_state"] == "full"
    assert rows[1]["rule"] == "auto:exact+exact+none" and rows[0]["entry_number"] == "BQ000001"


def test_csv_cells_cannot_start_a_formula(tmp_path) -> None:
    frame = pl.DataFrame({"label": ["=1+1", "+33 6", "@SUM(A1)", "-x", "ok"],
                          "amount": ["-1.00", "2.00", "3.00", "4.00", "5.00"]})
    write(frame, tmp_path / "f.csv", "csv")
    rows = list(csv.DictReader((tmp_path / "f.csv").open()))
    assert [r["label"] for r in rows] == ["'=1+1", "'+33 6", "'@SUM(A1)", "'-x", "ok"]
    assert rows[0]["amount"] == "-1.00"
