from decimal import Decimal

import pytest

from cashmatch.errors import Conflict, NotFound, ReviewError
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.actions import accept, assign, ignore
from cashmatch.ledger.export import journal_frame
from cashmatch.ledger.history import decision_log, list_items
from cashmatch.ledger.review import ReviewFilter, list_reviews, show_review
from cashmatch.match.memory import list_aliases
from cashmatch.match.run import run_match
from tests.conftest import item, journal_lines, movement


@pytest.fixture
def queued(store, rules, statements_file, items_file):
    import_items(store, items_file(item("FA-1", "100.00"), item("FA-2", "60.00"),
                                   item("FA-3", "40.00", party="C3", name="TROIS SA")))
    import_statements(store, [statements_file(
        movement("60.00", "FACT FA-1"),
        movement("100.00", "REGLEMENT FACTURES"),
        movement("-20.00", "FRAIS"))])
    run_match(store, rules)
    return {r["movement_id"]: r["review_id"] for r in list_reviews(store)}


def _lines(store, movement_id):
    return journal_lines(store, movement_id)


def test_list_and_show(store, queued) -> None:
    assert len(queued) == 3
    shown = show_review(store, queued[1])
    assert shown["reason"] == "rival_exact"  # FA-2 owes exactly the 60.00 paid against FA-1
    assert shown["candidates"][0]["allocations"][0]["item_id"] == "FA-1"
    assert shown["candidates"][0]["allocations"][0]["amount"] == Decimal("60.00")
    only_big = list_reviews(store, ReviewFilter(min_amount=Decimal(96)))
    assert [r["movement_id"] for r in only_big] == [2]
    assert [r["movement_id"] for r in list_reviews(store, ReviewFilter(reason="no_candidate"))] == [3]


def test_accept_posts_a_partial_payment_and_logs_who(store, rules, queued) -> None:
    accept(store, rules, queued[1], user="alice")
    assert _lines(store, 1) == [("512000", None, 6000, 0, None), ("411000", "C1", 0, 6000, "FA-1")]
    assert [(d["action"], d["actor"]) for d in decision_log(store)] == [("accept", "alice")]
    with pytest.raises(Conflict, match="is accepted, not open"):
        accept(store, rules, queued[1])


def test_assign_several_items_with_a_remainder_to_suspense(store, rules, queued) -> None:
    assign(store, rules, queued[2], [("FA-2", None), ("FA-3", Decimal("30.00"))], user="bob",
           reason="per phone call")
    assert _lines(store, 2) == [("512000", None, 10000, 0, None),
                                ("411000", "C1", 0, 6000, "FA-2"),
                                ("411000", "C3", 0, 3000, "FA-3"),
                                ("471000", None, 0, 1000, None)]
    assert [d["reason"] for d in decision_log(store) if d["action"] == "assign"] == [
        "per phone call"]


def test_assign_refuses_over_application_and_changes_nothing(store, rules, queued) -> None:
    with pytest.raises(ReviewError, match="exceeds the open amount"):
        assign(store, rules, queued[2], [("FA-3", Decimal("50.00"))])
    with pytest.raises(ReviewError, match="beyond its amount"):
        assign(store, rules, queued[2], [("FA-1", Decimal("100.00")), ("FA-2", Decimal("10.00"))])
    with pytest.raises(NotFound, match="no open item with id NOPE"):
        assign(store, rules, queued[2], [("NOPE", None)])
    assert journal_lines(store) == [] and decision_log(store) == []


def test_ignore_needs_a_reason_and_settles_the_movement(store, rules, queued) -> None:
    with pytest.raises(ReviewError, match="give a reason"):
        ignore(store, rules, queued[3], "  ")
    ignore(store, rules, queued[3], "bank fee, booked by the bank feed")
    assert journal_lines(store) == []
    assert run_match(store, rules).considered == 2  # the ignored one is not matched again


def test_lettrage_codes_partial_then_full(store, rules, statements_file, items_file) -> None:

    import_items(store, items_file(item("FA-1", "100.00"), item("FA-2", "30.00")))
    import_statements(store, [statements_file(movement("30.00", "FACT FA-2"),
                                              movement("60.00", "acompte FA-1", bank_ref="B2"))])
    run_match(store, rules)  # FA-2 applied automatically; the FA-1 instalment goes to review
    (rv,) = [r["review_id"] for r in list_reviews(store)]
    accept(store, rules, rv)
    codes = {r["item_id"]: (r["lettrage_code"], r["lettrage_state"]) for r in
             journal_frame(store).to_dicts() if r["item_id"]}
    assert codes == {"FA-2": ("AAA", "full"), "FA-1": ("AAB", "partial")}
    import_statements(store, [statements_file(movement("40.00", "solde FA-1", bank_ref="B3"))])
    assert run_match(store, rules).auto == 1  # the balance quotes FA-1 and equals what is open
    rows = [r for r in journal_frame(store).to_dicts() if r["item_id"] == "FA-1"]
    assert [(r["lettrage_code"], r["lettrage_state"]) for r in rows] == [("AAB", "full")] * 2
    assert rows[0]["lettrage_date"] == rows[1]["entry_date"]


def test_unmatch_posts_a_reversal_and_reopens(store, rules, statements_file, items_file) -> None:
    from cashmatch.ledger.actions import unmatch
    from cashmatch.ledger.export import matches_frame

    import_items(store, items_file(item("FA-1", "100.00", iban="FR7630004000031234567890143")))
    import_statements(store, [statements_file(movement("100.00", "FACT FA-1",
                                                       iban="FR7630004000031234567890143"))])
    assert run_match(store, rules).auto == 1
    assert len(list_aliases(store)) == 1
    unmatch(store, rules, 1, "wrong customer", user="erin")
    journal = journal_frame(store).to_dicts()
    assert list(dict.fromkeys(r["entry_number"] for r in journal)) == ["BQ000001", "BQ000002"]
    assert journal[2]["label"] == "Extourne FACT FA-1"
    assert journal_lines(store, entry_number="BQ000002") == [
        ("512000", None, 0, 10000, None), ("411000", "C1", 10000, 0, "FA-1")]
    assert [i["open_amount"] for i in list_items(store)] == [Decimal("100.00")]
    assert list_aliases(store) == []
    assert [r["status"] for r in matches_frame(store).to_dicts()] == ["unmatched"]
    assert list_reviews(store)[0]["reason"] == "reopened"
    with pytest.raises(Conflict, match="nothing to undo"):
        unmatch(store, rules, 1, "again")
    # matching again applies it again, with a new entry: the history stays whole
    assert run_match(store, rules).auto == 1
    assert [r["entry_number"] for r in journal_frame(store).to_dicts()][-1] == "BQ000003"


def test_writeoff_settles_with_a_difference_line(store, rules, statements_file,
                                                 items_file) -> None:
    from cashmatch.ledger.actions import writeoff

    import_items(store, items_file(item("FA-9", "100.00")))
    import_statements(store, [statements_file(movement("62.50", "VIREMENT", bank_ref="W1"),
                                              movement("180.00", "VIREMENT", bank_ref="W2"))])
    run_match(store, rules)
    reviews = {r["movement_id"]: r["review_id"] for r in list_reviews(store)}
    with pytest.raises(ReviewError, match="exceeds the write-off limit 50.00"):
        writeoff(store, rules, reviews[2], ["FA-9"], "too much")
    with pytest.raises(ReviewError, match="give a reason"):
        writeoff(store, rules, reviews[1], ["FA-9"], " ")
    writeoff(store, rules, reviews[1], ["FA-9"], "agreed with the customer", user="fay")
    assert _lines(store, 1) == [("512000", None, 6250, 0, None), ("658000", None, 3750, 0, None),
                                ("411000", "C1", 0, 10000, "FA-9")]


def test_bulk_accept_above_a_confidence(store, rules, queued) -> None:
    from cashmatch.ledger.actions import accept_above

    result = accept_above(store, rules, Decimal("0.5"), user="gil")
    assert result.accepted and all(r in queued.values() for r in result.accepted)
    assert len([d for d in decision_log(store) if d["actor"] == "gil"]) == len(result.accepted)


def test_suspense_then_reclass(store, rules, statements_file, items_file) -> None:
    from cashmatch.ledger.actions import in_suspense, reclass, suspense, unmatch

    import_items(store, items_file(item("FA-5", "70.00"), item("FA-6", "50.00")))
    import_statements(store, [statements_file(movement("100.00", "VIR INCONNU"))])
    run_match(store, rules)
    (rv,) = [r["review_id"] for r in list_reviews(store)]
    suspense(store, rules, rv, "payer unknown")
    assert _lines(store, 1) == [("512000", None, 10000, 0, None), ("471000", None, 0, 10000, None)]
    assert in_suspense(store, rules, 1) == Decimal("100.00")
    assert run_match(store, rules).considered == 0
    reclass(store, rules, 1, [("FA-5", None)], user="hal")
    assert in_suspense(store, rules, 1) == Decimal("30.00")
    with pytest.raises(ReviewError, match="cannot be taken from the 30.00 in suspense"):
        reclass(store, rules, 1, [("FA-6", Decimal("50.00"))])
    reclass(store, rules, 1, [("FA-6", Decimal("30.00"))])
    assert in_suspense(store, rules, 1) == 0
    assert journal_lines(store, entry_number="BQ000002") == [
        ("471000", None, 7000, 0, None), ("411000", "C1", 0, 7000, "FA-5")]
    assert sum(i["amount"] - i["open_amount"] for i in list_items(store)) == Decimal("100.00")
    unmatch(store, rules, 1, "wrong")  # undoes the last reclass only
    assert in_suspense(store, rules, 1) == Decimal("30.00")
    assert list_reviews(store) == []  # still booked in suspense: not back in the queue
