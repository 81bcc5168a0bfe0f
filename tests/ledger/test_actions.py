"""People's decisions that post straight to an account: a fee no rule took, a customer's
payment kept as a credit, or owed back as a refund."""

from __future__ import annotations

from decimal import Decimal

import pytest

import cashmatch
from cashmatch.errors import Conflict, NotFound, ReviewError
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.match.run import run_match
from tests.conftest import item, journal_lines, movement

IBAN = "FR7630004000031234567890143"


@pytest.fixture
def paid_twice(store, rules, statements_file, items_file):  # type: ignore[no-untyped-def]
    """FA-1 paid on the 10th, and again on the 12th: the second payment is queued."""
    import_items(store, items_file(item("FA-1", "100.00", iban=IBAN), item("FA-2", "40.00")))
    import_statements(store, [statements_file(
        movement("100.00", "FACT FA-1", iban=IBAN, day="2026-02-10", bank_ref="A"),
        movement("-12.00", "LOYER TPE", day="2026-02-12", bank_ref="C"))])
    assert run_match(store, rules).auto == 1
    import_statements(store, [statements_file(
        movement("100.00", "FACT FA-1", iban=IBAN, day="2026-02-12", bank_ref="B"))])
    run_match(store, rules)
    return {r["movement_id"]: r["review_id"] for r in cashmatch.list_reviews(store)}


def test_post_by_hand_with_vat(store, rules, paid_twice) -> None:
    assert set(paid_twice) == {2, 3}
    decision = cashmatch.post_to_account(store, rules, paid_twice[2], "613500", "Loyer TPE",
                                         user="ann", reason="monthly", vat_rate=Decimal(20))
    assert journal_lines(store, 2) == [("512000", None, 0, 1200, None),
                                       ("613500", None, 1000, 0, None),
                                       ("445660", None, 200, 0, None)]
    (logged,) = [d for d in cashmatch.decision_log(store) if d["decision_id"] == decision]
    assert (logged["action"], logged["actor"], logged["rule"]) == ("post", "ann", "manual:post")
    assert cashmatch.list_reviews(store, cashmatch.ReviewFilter(status="posted"))[0][
        "review_id"] == paid_twice[2]
    assert run_match(store, rules).considered == 1  # only the second payment is left


@pytest.mark.parametrize("account, label, rate, message", [
    ("ABC", "x", None, "is not an account number"), ("627000", " ", None, "give the entry"),
    ("627000", "x", Decimal("5.555"), "at most two decimals"),
    ("512000", "x", None, "the movement's own bank account")])
def test_post_by_hand_refuses(store, rules, paid_twice, account, label, rate,
                              message) -> None:
    with pytest.raises(ReviewError, match=message):
        cashmatch.post_to_account(store, rules, paid_twice[2], account, label, vat_rate=rate)
    assert journal_lines(store, 2) == []


def test_keep_as_credit_counts_in_the_aged_balance(store, rules, paid_twice) -> None:
    from datetime import date

    cashmatch.keep_as_credit(store, rules, paid_twice[3], user="bob")  # party: from memory
    assert journal_lines(store, 3) == [("512000", None, 10000, 0, None),
                                       ("411000", "C1", 0, 10000, None)]
    (row,) = cashmatch.aged_balance(store, date(2026, 2, 28))
    assert (row["party_id"], row["unapplied"], row["total"]) == (
        "C1", Decimal("-100.00"), Decimal("-60.00"))  # FA-2 open, the credit kept


def test_refund_owes_an_item_that_the_refund_payment_settles(store, rules, paid_twice,
                                                             statements_file) -> None:
    cashmatch.refund(store, rules, paid_twice[3], party="C1", user="cid")
    owed = {i["item_id"]: i for i in cashmatch.list_items(store)}["RMB-M3"]
    assert (owed["kind"], owed["open_amount"], owed["party_iban"]) == (
        "credit_note", Decimal("-100.00"), IBAN)
    assert journal_lines(store, 3) == [("512000", None, 10000, 0, None),
                                       ("411000", "C1", 0, 10000, "RMB-M3")]
    import_statements(store, [statements_file(movement("-100.00", "REMBOURSEMENT RMB-M3",
                                                       iban=IBAN, day="2026-02-20"))])
    assert run_match(store, rules).auto == 1
    lines = [r for r in cashmatch.journal_frame(store).to_dicts() if r["item_id"] == "RMB-M3"]
    assert {(r["lettrage_code"], r["lettrage_state"]) for r in lines} == {("AAB", "full")}
    with pytest.raises(Conflict, match="was paid out"):
        cashmatch.unmatch(store, rules, 3, "not a duplicate after all")


def test_undoing_a_refund_closes_what_was_owed(store, rules, paid_twice) -> None:
    cashmatch.refund(store, rules, paid_twice[3], party="C1")
    cashmatch.unmatch(store, rules, 3, "wrong")
    owed = {i["item_id"]: i for i in cashmatch.list_items(store)}["RMB-M3"]
    assert owed["open_amount"] == 0
    assert sum(d - c for a, _, d, c, _ in journal_lines(store, 3) if a == "411000") == 0


def test_credit_and_refund_need_a_receipt_and_a_known_customer(store, rules, paid_twice,
                                                               statements_file) -> None:
    with pytest.raises(ReviewError, match="only a receipt"):
        cashmatch.keep_as_credit(store, rules, paid_twice[2])
    with pytest.raises(NotFound, match="no customer item of party C9"):
        cashmatch.refund(store, rules, paid_twice[3], party="C9")
    import_statements(store, [statements_file(movement("70.00", "VIR", name="NOBODY"))])
    run_match(store, rules)
    (unknown,) = [r["review_id"] for r in cashmatch.list_reviews(store) if r["movement_id"] == 4]
    with pytest.raises(ReviewError, match="name the customer"):
        cashmatch.keep_as_credit(store, rules, unknown)
    cashmatch.keep_as_credit(store, rules, unknown, party="C1")
    assert journal_lines(store, 4)[1] == ("411000", "C1", 0, 7000, None)
