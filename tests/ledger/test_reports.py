from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from cashmatch.cli import cli
from cashmatch.config import Matching, Rules
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.reports import (
    aged_balance,
    dso,
    matching_kpis,
    payment_delays,
    review_backlog,
)
from cashmatch.match.run import run_match
from tests.conftest import ITEM_HEADER, item, movement, write_csv

AS_OF = date(2026, 3, 31)


def _items(tmp_path: Path) -> Path:
    rows = [
        item("FA-1", "100.00", party="C1", due="2026-04-15"),            # not due
        item("FA-2", "200.00", party="C1", due="2026-03-20"),            # 11 days
        item("FA-3", "300.00", party="C2", name="DEUX", due="2026-02-14"),  # 45 days
        item("FA-4", "400.00", party="C2", name="DEUX", due="2026-01-10"),  # 80 days
        item("FA-5", "500.00", party="C3", name="TROIS", due="2025-11-01"),  # 150 days
        item("AV-1", "-50.00", party="C1", kind="credit_note", due="2026-03-20"),
    ]
    for r, issued in zip(rows, ["2026-03-16", "2026-02-18", "2026-01-15", "2025-12-11",
                                "2025-10-02", "2026-02-20"], strict=True):
        r["issue_date"] = issued
    return write_csv(tmp_path / "items.csv", ITEM_HEADER, rows)


def test_aged_balance_buckets(store, tmp_path) -> None:
    import_items(store, _items(tmp_path))
    rows = {r["party_id"]: r for r in aged_balance(store, AS_OF)}
    assert rows["C1"]["not_due"] == Decimal("100.00")
    assert rows["C1"]["d1_30"] == Decimal("150.00")  # 200 less the 50 credit note
    assert (rows["C2"]["d31_60"], rows["C2"]["d61_90"]) == (Decimal("300.00"), Decimal("400.00"))
    assert rows["C3"]["over_90"] == Decimal("500.00") and rows["C3"]["total"] == Decimal("500.00")


def test_payments_reduce_the_aged_balance_from_their_booking_date(store, rules, tmp_path,
                                                                 statements_file) -> None:
    import_items(store, _items(tmp_path))
    import_statements(store, [statements_file(movement("300.00", "FACT FA-3", day="2026-04-02"))])
    assert run_match(store, rules).auto == 1
    before = {r["party_id"]: r for r in aged_balance(store, AS_OF)}
    after = {r["party_id"]: r for r in aged_balance(store, date(2026, 4, 2))}
    assert before["C2"]["total"] == Decimal("700.00") and after["C2"]["total"] == Decimal("400.00")
    (delay,) = [d for d in payment_delays(store) if d["party_id"] == "C2"]
    assert delay["average_delay_days"] == Decimal("47.0")  # due 14 Feb, paid 2 April


def test_dso_two_methods(store, tmp_path) -> None:
    import_items(store, _items(tmp_path))
    (d,) = dso(store, AS_OF, months=3)
    # receivables 1450.00; sales of the last 3 months: FA-1 100 (Mar), FA-2 200 (Feb),
    # FA-3 300 (Jan) = 600 over 90 days
    assert (d.receivables, d.sales) == (Decimal("1450.00"), Decimal("600.00"))
    assert d.simple_ratio == Decimal("217.5")
    assert d.countback is None  # receivables exceed three months of sales


def test_kpis_backlog_and_charts(store, rules, tmp_path, statements_file) -> None:
    import_items(store, _items(tmp_path))
    import_statements(store, [statements_file(movement("300.00", "FACT FA-3", day="2026-03-02"),
                                              movement("77.00", "DIVERS", day="2026-03-02"))])
    run_match(store, rules)
    (day,) = matching_kpis(store)
    assert (day["auto"], day["open"], day["auto_rate"]) == (1, 1, Decimal("0.500"))
    assert review_backlog(store, AS_OF)["open_items"] == 1
    db = store.path
    store.close()
    png = tmp_path / "aged.png"
    result = CliRunner().invoke(cli, ["--db", db, "report", "aged", "--as-of", "2026-03-31",
                                      "--png", str(png), "--csv"])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.stdout.splitlines()[0].startswith("party_id,party_name,currency,not_due")


def test_an_over_payment_counts_in_the_aged_balance_and_the_customer_account(
        store, rules, tmp_path, statements_file) -> None:
    import cashmatch

    import_items(store, _items(tmp_path))
    import_statements(store, [statements_file(movement("350.00", "FACT FA-3", name="DEUX",
                                                       day="2026-03-02"))])
    overpaid_auto = Rules(matching=Matching(auto_overpayment=True))  # by default: review
    assert run_match(store, overpaid_auto).auto == 1  # FA-3 settled, 50.00 left on C2's 411
    rows = {r["party_id"]: r for r in aged_balance(store, AS_OF)}
    assert (rows["C2"]["unapplied"], rows["C2"]["total"]) == (Decimal("-50.00"),
                                                              Decimal("350.00"))
    assert aged_balance(store, date(2026, 3, 1))[0]["unapplied"] == 0  # not yet paid
    account = cashmatch.customer_account(store, "C2", AS_OF)
    assert [i["item_id"] for i in account["open_items"]] == ["FA-4"]
    assert [c["amount"] for c in account["unapplied_credits"]] == [Decimal("-50.00")]
    assert account["balance"] == {"EUR": Decimal("350.00")}


def test_day_summary_counts_what_came_in_and_what_became_of_it(store, rules, tmp_path,
                                                                statements_file) -> None:
    from cashmatch.ledger.actions import suspense
    from cashmatch.ledger.reports import chart, day_summary
    from cashmatch.ledger.review import list_reviews

    import_items(store, _items(tmp_path))
    import_statements(store, [statements_file(movement("300.00", "FACT FA-3"),
                                              movement("77.00", "DIVERS", bank_ref="D1"),
                                              movement("150.00", "acompte FA-5", bank_ref="D2"),
                                              movement("-12.00", "FRAIS", bank_ref="D3"))])
    run_match(store, rules)
    by_movement = {r["movement_id"]: r["review_id"] for r in list_reviews(store)}
    suspense(store, rules, by_movement[2], "payer unknown", user="ann")
    today = day_summary(store, date.today())
    assert [(i["kind"], i["n_new"]) for i in today["imports"]] == [("items", 6), ("statement", 4)]
    got = {(o["outcome"], o["direction"]): (o["n"], o["total"]) for o in today["outcomes"]}
    assert got == {("auto", "in"): (1, Decimal("300.00")),
                   ("suspense", "in"): (1, Decimal("77.00")),
                   ("review", "in"): (1, Decimal("150.00")),
                   ("unmatched", "out"): (1, Decimal("-12.00"))}
    assert today["people"] == [{"actor": "ann", "action": "suspense", "n": 1}]
    assert day_summary(store, date(2020, 1, 1))["outcomes"] == []
    assert chart(store, "kpis", AS_OF)[:4] == b"\x89PNG"
