"""Write-offs and four eyes: a difference above tolerances.writeoff_approval_above waits for
an approver other than the person who asked."""

from __future__ import annotations

import pytest

from cashmatch.errors import Conflict, ReviewError
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.actions import ignore
from cashmatch.ledger.history import decision_log
from cashmatch.ledger.review import list_reviews
from cashmatch.ledger.writeoff import (
    approve_writeoff,
    list_approvals,
    reject_writeoff,
    writeoff,
)
from cashmatch.match.run import run_match
from tests.conftest import item, journal_lines, movement


@pytest.fixture
def reviews(store, rules, statements_file, items_file):
    import_items(store, items_file(item("FA-9", "100.00"), item("FA-8", "50.00", party="C8")))
    import_statements(store, [statements_file(movement("62.50", "VIREMENT", bank_ref="W1"),
                                              movement("180.00", "VIREMENT", bank_ref="W2"),
                                              movement("48.00", "VIREMENT", bank_ref="W3"))])
    run_match(store, rules)
    return {r["movement_id"]: r["review_id"] for r in list_reviews(store)}


def test_limits_and_reasons(store, rules, reviews) -> None:
    with pytest.raises(ReviewError, match="exceeds the write-off limit 50.00"):
        writeoff(store, rules, reviews[2], ["FA-9"], "too much")
    with pytest.raises(ReviewError, match="give a reason"):
        writeoff(store, rules, reviews[1], ["FA-9"], " ")
    assert journal_lines(store) == []


def test_a_small_difference_is_written_off_at_once(store, rules, reviews) -> None:
    done = writeoff(store, rules, reviews[3], ["FA-8"], "bank charges", user="fay")
    assert done.approval_id is None and done.decision_id == 1
    assert journal_lines(store, 3) == [("512000", None, 4800, 0, None),
                                       ("658000", None, 200, 0, None),
                                       ("411000", "C8", 0, 5000, "FA-8")]


def test_a_large_difference_waits_for_another_person(store, rules, reviews) -> None:
    asked = writeoff(store, rules, reviews[1], ["FA-9"], "agreed with the customer", user="fay")
    assert asked.decision_id is None and journal_lines(store) == []
    (pending,) = list_approvals(store)
    assert (pending["requested_by"], str(pending["difference"]), pending["items"]) == (
        "fay", "37.50", ["FA-9"])
    with pytest.raises(Conflict, match=r"waits for an approver: write-off request 1 by fay"):
        ignore(store, rules, reviews[1], "meanwhile", user="gus")
    with pytest.raises(ReviewError, match="four eyes"):
        approve_writeoff(store, rules, asked.approval_id, user="fay")
    decision_id = approve_writeoff(store, rules, asked.approval_id, user="gus")
    assert journal_lines(store, 1) == [("512000", None, 6250, 0, None),
                                       ("658000", None, 3750, 0, None),
                                       ("411000", "C1", 0, 10000, "FA-9")]
    (decision,) = decision_log(store)
    assert decision["decision_id"] == decision_id and decision["actor"] == "fay"
    assert decision["evidence"]["approved_by"] == "gus"
    with pytest.raises(Conflict, match="already approved by gus"):
        approve_writeoff(store, rules, asked.approval_id, user="hal")
    assert list_approvals(store) == []


def test_a_rejected_request_frees_the_line(store, rules, reviews) -> None:
    asked = writeoff(store, rules, reviews[1], ["FA-9"], "agreed", user="fay")
    with pytest.raises(ReviewError, match="give a reason"):
        reject_writeoff(store, asked.approval_id, " ", user="gus")
    reject_writeoff(store, asked.approval_id, "ask the customer first", user="gus")
    assert list_approvals(store, "rejected")[0]["note"] == "ask the customer first"
    ignore(store, rules, reviews[1], "not a receipt", user="gus")


def test_a_run_that_settles_the_movement_voids_the_request(store, rules, reviews,
                                                           items_file) -> None:
    asked = writeoff(store, rules, reviews[3], ["FA-8"], "x", user="fay")
    assert asked.decision_id is not None  # below the approval amount: posted
    asked = writeoff(store, rules, reviews[1], ["FA-9"], "agreed", user="fay")
    import_items(store, items_file(item("FA-62", "62.50", party="C6", ref="VIREMENT")))
    run_match(store, rules)
    if reviews[1] not in {r["review_id"] for r in list_reviews(store)}:  # applied by the run
        assert list_approvals(store, "void")[0]["approval_id"] == asked.approval_id
        with pytest.raises(Conflict):
            approve_writeoff(store, rules, asked.approval_id, user="gus")
