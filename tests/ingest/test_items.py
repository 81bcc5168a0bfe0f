import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from cashmatch.errors import ItemsError
from cashmatch.ingest.items import import_items
from cashmatch.ledger.history import list_items
from cashmatch.store import Store
from tests.conftest import item


def _items(store: Store) -> dict[str, dict]:
    return {r["item_id"]: r for r in list_items(store)}


def test_csv_import_with_defaults(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "i.csv"
    f.write_text("id,amount,due_date\nFA-1,1200.00,2026-03-01\nAV-1,-100,2026-03-02\n"
                 "FF-1,-50.5,2026-03-03\n")
    r = import_items(store, f)
    assert (r.rows, r.new, r.updated) == (3, 3, 0)
    got = _items(store)
    assert got["FA-1"]["kind"] == "invoice" and got["FA-1"]["account"] == "411000"
    assert got["FA-1"]["amount"] == Decimal("1200.00") and got["FA-1"]["currency"] == "EUR"
    assert got["AV-1"]["kind"] == "credit_note" and got["AV-1"]["amount"] == Decimal("-100.00")


def test_reimport_updates_never_duplicates(store: Store, items_file) -> None:
    f1 = items_file(item("FA-1", "100.00"), item("FA-2", "200.00"))
    import_items(store, f1)
    f2 = items_file(item("FA-1", "150.00"), item("FA-2", "200.00"), item("FA-3", "1.00"))
    r = import_items(store, f2)
    assert (r.new, r.updated, r.unchanged) == (1, 1, 1)
    got = _items(store)
    assert len(got) == 3 and got["FA-1"]["amount"] == Decimal("150.00")


def test_open_amount_records_what_was_settled_elsewhere(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "i.csv"
    f.write_text("id,amount,open_amount,issue_date\nFA-1,1200.00,200.00,2026-01-01\n")
    import_items(store, f)
    assert _items(store)["FA-1"]["open_amount"] == Decimal("200.00")


def test_json_and_parquet(store: Store, tmp_path: Path) -> None:
    j = tmp_path / "i.json"
    j.write_text(json.dumps({"items": [{"id": "FA-9", "amount": 12.3, "issue_date": "2026-01-01",
                                       "party_id": "C9"}]}))
    import_items(store, j)
    p = tmp_path / "i.parquet"
    pl.DataFrame({"id": ["FA-10"],
                  "amount": pl.Series([Decimal("99.99")], dtype=pl.Decimal(18, 2)),
                  "issue_date": ["2026-01-02"]}).write_parquet(p)
    import_items(store, p)
    got = _items(store)
    assert got["FA-9"]["amount"] == Decimal("12.30") and got["FA-10"]["amount"] == Decimal("99.99")


def test_parquet_float_amount_is_refused(store: Store, tmp_path: Path) -> None:
    p = tmp_path / "i.parquet"
    pl.DataFrame({"id": ["X"], "amount": [1.1], "issue_date": ["2026-01-01"]}).write_parquet(p)
    with pytest.raises(ItemsError, match="floating-point"):
        import_items(store, p)
    assert _items(store) == {}


@pytest.mark.parametrize("content, expected", [
    ("id,amount,issue_date\nX,12.345,2026-01-01\n", "line 2, column amount: 12.345 has more decimals"),
    ("id,amount,issue_date\nX,abc,2026-01-01\n", "line 2, column amount: abc is not an amount"),
    ("id,amount,issue_date\nX,1,2026-13-01\n", "line 2, column issue_date: 2026-13-01 is not a date"),
    ("id,amount,issue_date\nX,1,2026-01-01\nX,2,2026-01-01\n", "id X appears more than once"),
    ("id,amount\nX,1\n", "one date column is required"),
    ("id,amount,issue_date,colour\nX,1,2026-01-01,red\n", "column colour: unknown column"),
    ("id,amount,issue_date,kind\nX,-5,2026-01-01,invoice\n", "wrong sign for a invoice"),
    ("id,amount,issue_date\nX,0,2026-01-01\n", "zero is not an open item"),
    ("id,amount,issue_date,currency\nX,1,2026-01-01,EURO\n", "EURO is not an ISO 4217"),
    ("id,amount,issue_date,party_iban\nX,1,2026-01-01,FR7630004000031234567890144\n",
     "is not a valid IBAN"),
    ("id,amount,issue_date,open_amount\nX,10,2026-01-01,11\n", "must lie between 0 and the amount"),
])
def test_bad_rows_are_named_and_nothing_is_imported(store: Store, tmp_path: Path, content: str,
                                                     expected: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("id,amount,issue_date\nGOOD,1,2026-01-01\n")
    import_items(store, f)
    f.write_text(content)
    with pytest.raises(ItemsError) as exc:
        import_items(store, f)
    assert str(f) in str(exc.value) and expected in str(exc.value)
    assert list(_items(store)) == ["GOOD"]


def test_update_below_applied_amount_is_refused(store: Store, rules, statements_file,
                                                items_file) -> None:
    from cashmatch.match.run import run_match
    from cashmatch.ingest.statements import import_statements
    from tests.conftest import movement

    import_items(store, items_file(item("FA-1", "100.00")))
    import_statements(store, [statements_file(movement("100.00", "FACT FA-1"))])
    assert run_match(store, rules).auto == 1
    with pytest.raises(ItemsError, match="already has 100.00 EUR applied"):
        import_items(store, items_file(item("FA-1", "90.00")))
    assert _items(store)["FA-1"]["amount"] == Decimal("100.00")
    import_items(store, items_file(item("FA-1", "120.00")))  # growing is fine


def test_book_amount_of_a_foreign_item(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "i.csv"
    f.write_text("id,amount,currency,book_amount,book_currency,issue_date\n"
                 "US-1,1000.00,USD,920.00,EUR,2026-01-01\n")
    import_items(store, f)
    assert [(i["book_amount"], i["book_currency"]) for i in list_items(store)] == [
        (Decimal("920.00"), "EUR")]
    f.write_text("id,amount,currency,book_amount,issue_date\nUS-2,10.00,USD,-9.20,2026-01-01\n")
    with pytest.raises(ItemsError) as exc:
        import_items(store, f)
    assert "needs its book_currency" in str(exc.value)


def test_a_snapshot_closes_what_it_does_not_list(store: Store, rules, items_file,
                                                statements_file) -> None:
    import cashmatch
    from cashmatch.ingest.statements import import_statements
    from cashmatch.match.run import run_match
    from tests.conftest import movement

    import_items(store, items_file(item("FA-1", "100.00"), item("FA-2", "200.00"),
                                   item("FA-3", "300.00"), item("FA-4", "40.00")))
    import_statements(store, [statements_file(movement("40.00", "FACT FA-4"),
                                              movement("120.00", "acompte FA-3"))])
    run_match(store, rules)
    (review_id,) = [r["review_id"] for r in cashmatch.list_reviews(store)]
    cashmatch.accept(store, rules, review_id)  # FA-3 partly paid by cashmatch
    r = import_items(store, items_file(item("FA-1", "100.00")), snapshot=True)
    assert [(c["item_id"], c["open_amount"]) for c in r.closed] == [
        ("FA-2", Decimal("200.00")), ("FA-3", Decimal("180.00"))]  # FA-4 was settled already
    got = _items(store)
    assert set(got) == {"FA-1", "FA-2", "FA-3", "FA-4"}  # kept, not deleted
    assert [got[i]["open_amount"] for i in ("FA-1", "FA-2", "FA-3")] == [
        Decimal("100.00"), 0, 0]
    assert import_items(store, items_file(item("FA-1", "100.00"))).closed == []  # no snapshot


def test_lettrage_continues_the_erp_sequence(store: Store, rules, items_file,
                                            statements_file) -> None:
    import cashmatch
    from cashmatch.ingest.statements import import_statements
    from cashmatch.match.run import run_match
    from tests.conftest import movement

    rows = [item("FA-1", "10.00") | {"last_lettrage": "aaz"}, item("FA-2", "20.00"),
            item("FB-1", "30.00", party="C2", name="DEUX")]
    f = items_file()
    pl.DataFrame(rows).write_csv(f)
    import_items(store, f)
    import_statements(store, [statements_file(movement("10.00", "FA-1"),
                                              movement("20.00", "FA-2"),
                                              movement("30.00", "FB-1"))])
    assert run_match(store, rules).auto == 3
    codes = {r["item_id"]: r["lettrage_code"] for r in cashmatch.list_items(store)}
    assert codes == {"FA-1": "ABA", "FA-2": "ABB", "FB-1": "AAA"}  # C1 after AAZ
