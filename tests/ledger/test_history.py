"""Listings a page at a time: movements with their state, items with what is open, the
decision log, a customer's account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashmatch.errors import InputError, NotFound
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.account import customer_account
from cashmatch.ledger.actions import accept, unmatch
from cashmatch.ledger.history import (
    DecisionFilter,
    ItemFilter,
    MovementFilter,
    decision_page,
    items_page,
    movements_page,
)
from cashmatch.ledger.review import list_reviews
from cashmatch.match.run import run_match
from tests.conftest import item, movement


@pytest.fixture
def day(store, rules, statements_file, items_file):
    import_items(store, items_file(item("FA-1", "100.00"), item("FA-2", "60.00"),
                                   item("FA-3", "40.00", party="C3", name="TROIS SA"),
                                   item("AV-1", "-10.00", kind="credit_note")))
    import_statements(store, [statements_file(movement("100.00", "FACTURE FA-1", bank_ref="A"),
                                              movement("30.00", "acompte FA-2", bank_ref="B"),
                                              movement("55.50", "DIVERS", bank_ref="C"))])
    run_match(store, rules)
    return {r["movement_id"]: r["review_id"] for r in list_reviews(store)}


def test_movements_with_their_state(store, rules, day) -> None:
    page = movements_page(store, limit=2)
    assert page.total == 3 and [m["movement_id"] for m in page.rows] == [1, 2]
    assert [m["state"] for m in movements_page(store).rows] == ["settled", "review", "review"]
    assert movements_page(store, MovementFilter(state="settled")).total == 1
    assert [m["movement_id"] for m in movements_page(store, MovementFilter(text="divers")).rows] \
        == [3]
    assert movements_page(store, limit=2, offset=5).total == 3
    with pytest.raises(InputError, match="unknown state 'lost'"):
        movements_page(store, MovementFilter(state="lost"))


def test_items_search_and_open_amounts(store, rules, day) -> None:
    accept(store, rules, day[2], user="ann")
    open_ = items_page(store, ItemFilter(party="C1", open_only=True))
    assert [(i["item_id"], i["open_amount"]) for i in open_.rows] == [
        ("AV-1", Decimal("-10.00")), ("FA-2", Decimal("30.00"))]
    assert [i["item_id"] for i in items_page(store, ItemFilter(text="trois")).rows] == ["FA-3"]
    assert items_page(store, ItemFilter(sort="id"), limit=1, offset=1).rows[0]["item_id"] == "FA-1"
    with pytest.raises(InputError):
        items_page(store, ItemFilter(sort="colour"))


def test_decision_log_pages_newest_first(store, rules, day) -> None:
    accept(store, rules, day[2], user="ann")
    unmatch(store, rules, 2, "wrong", user="bob")
    page = decision_page(store, DecisionFilter(newest_first=True), limit=2)
    assert page.total == 3
    assert [(d["action"], d["actor"]) for d in page.rows] == [("unmatch", "bob"), ("accept", "ann")]
    assert page.rows[1]["undone_by"] == page.rows[0]["decision_id"]
    assert page.rows[1]["undoable"] is False
    assert [d["actor"] for d in decision_page(store, DecisionFilter(actor="engine")).rows] == [
        "engine"]
    with pytest.raises(InputError, match="unknown action"):
        decision_page(store, DecisionFilter(action="shred"))


def test_customer_account(store, rules, day) -> None:
    accept(store, rules, day[2], user="ann")
    acct = customer_account(store, "C1", date(2026, 3, 31))
    assert acct["party_name"] == "CLIENT UN"
    assert [i["item_id"] for i in acct["open_items"]] == ["AV-1", "FA-2"]
    assert [i["item_id"] for i in acct["settled_items"]] == ["FA-1"]
    assert [(p["items"], p["applied"]) for p in acct["payments"]] == [
        ("FA-2", Decimal("30.00")), ("FA-1", Decimal("100.00"))]
    assert acct["open_total"] == {"EUR": Decimal("20.00")}
    assert acct["aged"][0]["total"] == Decimal("20.00")
    with pytest.raises(NotFound):
        customer_account(store, "C99", date(2026, 3, 31))
