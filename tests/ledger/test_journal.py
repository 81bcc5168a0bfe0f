"""What a run writes to the journal: one entry per application, differences on their
accounts, lettrage codes per party, entry numbers without a gap."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import cashmatch
from cashmatch.config import Ledger, Matching, Rules
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.actions import assign
from cashmatch.match.run import run_match
from cashmatch.store import Store
from tests.conftest import item, movement


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
        item("FA-10", "1000.00", party="C10", name="DIX ET CIE", ref="FA-10-2026",
             discount_until="2026-03-01", discount_rate="0.02")))
    # FA-3 is partly paid (and lettered) by an earlier run; its balance is paid below
    import_statements(store, [statements_file(movement("30.00", "acompte FA-3", day="2026-02-01"))])
    run_match(store, rules)
    (review_id,) = [r["review_id"] for r in cashmatch.list_reviews(store)]
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


def _run(tmp_path: Path, statements_file, items_file,  # type: ignore[no-untyped-def]
         rules: Rules) -> tuple[cashmatch.run_match, list[dict[str, object]]]:
    with _store(tmp_path / "s.duckdb", statements_file, items_file, rules) as store:
        summary = run_match(store, rules)
        return summary, cashmatch.journal_frame(store).to_dicts()


def _differences(lines: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """(account, aux account, debit, credit) of the lines that are neither bank nor item."""
    return sorted((ln["account"], ln["aux_account"], ln["debit"], ln["credit"]) for ln in lines
                  if ln["item_id"] is None and ln["account"] != "512000")


#: Over-payments wait for a person unless the rules say otherwise; these tests post them.
OVERPAID_AUTO = Rules(matching=Matching(auto_overpayment=True))


def test_an_over_payment_waits_for_a_person_by_default(tmp_path, statements_file,
                                                      items_file) -> None:
    summary, lines = _run(tmp_path, statements_file, items_file, Rules())
    assert (summary.auto, summary.review) == (9, 1)
    assert summary.amounts["review"]["EUR"] == Decimal("350.00")
    assert not [ln for ln in lines if ln["aux_account"] == "C9"]


def test_a_run_posts_each_application_with_its_difference(tmp_path, statements_file,
                                                         items_file) -> None:
    summary, lines = _run(tmp_path, statements_file, items_file, OVERPAID_AUTO)
    assert summary.auto == 10 and summary.amounts["auto"]["EUR"] == Decimal("1702.23")
    assert len(lines) == 2 * 7 + 3 * 4  # the earlier payment and 6 exact ones; 4 with a line
    assert _differences(lines) == [("411000", "C9", "0.00", "50.00"),
                                   ("627000", None, "15.00", "0.00"),
                                   ("665000", None, "20.00", "0.00"),
                                   ("758000", None, "0.00", "0.03")]
    numbers = list(dict.fromkeys(ln["entry_number"] for ln in lines))
    assert numbers == [f"BQ{n:06d}" for n in range(1, 12)]
    codes = {ln["item_id"]: (ln["aux_account"], ln["lettrage_code"]) for ln in lines
             if ln["item_id"]}
    assert codes == {"FA-1": ("C1", "AAB"), "FA-10": ("C10", "AAA"), "FA-2": ("C2", "AAA"),
                     "FA-3": ("C1", "AAA"), "FA-4": ("C3", "AAA"), "FA-5": ("C1", "AAC"),
                     "FA-6": ("C6", "AAA"), "FA-8": ("C8", "AAA"), "FA-9": ("C9", "AAA"),
                     "FF-7": ("F1", "AAA")}
    labels = {ln["label"] for ln in lines if ln["account"] == "512000"}
    long = "Deux SA virement FA-2 " + "x" * 78  # whitespace made one, cut at 100 characters
    assert len(long) == 100 and long in labels


def test_a_discount_split_with_its_vat(tmp_path, statements_file, items_file) -> None:
    """A discount whose VAT the ledger splits off takes two lines."""
    rules = Rules(ledger=Ledger(discount_vat_rate=Decimal(20)),
                  matching=Matching(auto_overpayment=True))
    summary, lines = _run(tmp_path, statements_file, items_file, rules)
    assert summary.auto == 10
    assert [(ln["debit"], ln["credit"]) for ln in lines if ln["account"] == "445710"] == [
        ("3.33", "0.00")]  # 20.00 * 20 / 120
    assert [(ln["debit"], ln["credit"]) for ln in lines if ln["account"] == "665000"] == [
        ("16.67", "0.00")]


OTHER = "FR7610107001011234567890129"


def _two_banks(**ledger: object) -> Rules:
    from cashmatch.config import BankRule

    return Rules(ledger=Ledger(**ledger),  # type: ignore[arg-type]
                 banks=(BankRule("main", "FR7630004001230001234567805", "512100", "BQ1",
                                 "Banque principale"),
                        BankRule("other", OTHER, "512200", "BQ2")))


def _entries(store: Store) -> list[tuple[object, ...]]:
    """(entry number, journal, entry date, piece date, bank account) of each entry."""
    return [(r["entry_number"], r["journal"], str(r["entry_date"]), str(r["piece_date"]),
             r["account"]) for r in cashmatch.journal_frame(store).to_dicts()
            if r["line_no"] == 1]


def test_each_bank_its_journal_numbered_in_date_order(store, statements_file,
                                                      items_file) -> None:
    rules = _two_banks()
    import_items(store, items_file(*[item(f"FA-{n}", "10.00") for n in range(1, 7)]))
    other = {"account_iban": OTHER}
    # two files imported newest first: one run posts them in date order, per journal
    import_statements(store, [statements_file(
        movement("10.00", "FA-3", day="2026-02-20"), movement("10.00", "FA-4", day="2026-02-11"),
        movement("10.00", "FA-5", day="2026-02-15") | other,
        movement("10.00", "VIREMENT", day="2026-02-12"))])
    import_statements(store, [statements_file(movement("10.00", "FA-1", day="2026-02-05"),
                                              movement("10.00", "FA-2", day="2026-02-01") | other)])
    run_match(store, rules)
    assert _entries(store) == [
        ("BQ1000001", "BQ1", "2026-02-05", "2026-02-05", "512100"),
        ("BQ1000002", "BQ1", "2026-02-11", "2026-02-11", "512100"),
        ("BQ1000003", "BQ1", "2026-02-20", "2026-02-20", "512100"),
        ("BQ2000001", "BQ2", "2026-02-01", "2026-02-01", "512200"),
        ("BQ2000002", "BQ2", "2026-02-15", "2026-02-15", "512200")]
    # the 12 February receipt, decided later, is dated the journal's latest day
    (review_id,) = [r["review_id"] for r in cashmatch.list_reviews(store)]
    assign(store, rules, review_id, [("FA-6", None)], user="test")
    assert _entries(store)[-1] == ("BQ1000004", "BQ1", "2026-02-20", "2026-02-12", "512100")


@pytest.mark.parametrize("policy, expected", [("today", None), ("original", "2026-02-20")])
def test_reversals_keep_their_journal_and_follow_the_policy(store, statements_file,
                                                            items_file, policy: str,
                                                            expected: str | None) -> None:
    from datetime import date

    from cashmatch.ledger.actions import unmatch

    rules = _two_banks(reversal_date=policy)
    import_items(store, items_file(item("FA-1", "10.00"), item("FA-2", "10.00")))
    import_statements(store, [statements_file(
        movement("10.00", "FA-1", day="2026-02-05") | {"account_iban": OTHER},
        movement("10.00", "FA-2", day="2026-02-20") | {"account_iban": OTHER})])
    run_match(store, rules)
    unmatch(store, rules, 2, "wrong")
    unmatch(store, rules, 1, "wrong too")
    day = expected or str(date.today())
    assert _entries(store)[2:] == [("BQ2000003", "BQ2", day, "2026-02-20", "512200"),
                                   ("BQ2000004", "BQ2", day, "2026-02-05", "512200")]
