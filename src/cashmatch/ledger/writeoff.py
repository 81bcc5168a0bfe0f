"""Write-offs: settle items in full and post the small difference (658 for a shortfall, 758
for an excess), with four eyes above a set amount.

A person may write off a difference up to ``tolerances.manual_writeoff_max``. Above
``tolerances.writeoff_approval_above`` nothing is posted yet: the write-off is filed as a
request that an approver other than the person who asked approves (it is then posted, the
decision naming both) or rejects. While a request waits, its review item takes no other
action; a run that settles the movement meanwhile voids the request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cashmatch.config import Rules
from cashmatch.errors import Conflict, NotFound, ReviewError
from cashmatch.ledger.actions import (
    Decision,
    allocations_frame,
    check_open,
    current_user,
    entry_frame,
    evidence_of,
    items_of,
    open_review,
    record,
)
from cashmatch.model import Action, ReviewStatus
from cashmatch.money import format_amount, from_minor
from cashmatch.store import Store, local_time, now

if TYPE_CHECKING:
    import polars as pl

_FILE_SQL = """
INSERT INTO cm_approvals (approval_id, review_id, movement_id, action, items_json,
                          difference_minor, currency, reason, requested_by, requested_at, status)
VALUES (?, ?, ?, 'writeoff', ?, ?, ?, ?, ?, ?, 'pending')
"""
_REQUEST_SQL = "SELECT * FROM cm_approvals WHERE approval_id = ?"
_DECIDE_SQL = ("UPDATE cm_approvals SET status = ?, decided_by = ?, decided_at = ?, "
               "decision_id = ?, note = ? WHERE approval_id = ?")
_LIST_SQL = """
SELECT a.approval_id, a.review_id, a.movement_id, a.items_json, a.difference_minor,
       a.currency, a.reason, a.requested_by, a.requested_at, a.status, a.decided_by,
       a.decided_at, a.decision_id, a.note, m.booking_date, m.amount_minor,
       m.counterparty_name, m.remittance
FROM cm_approvals a JOIN cm_movements m USING (movement_id)
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a write-off did: posted (``decision_id``), or filed for an approver
    (``approval_id``)."""

    decision_id: int | None = None
    approval_id: int | None = None


def writeoff(store: Store, rules: Rules, review_id: int, item_ids: list[str], reason: str,
             user: str | None = None) -> Outcome:
    """Settle the items in full with the movement and write the difference off, within
    ``tolerances.manual_writeoff_max``; above ``tolerances.writeoff_approval_above``, file
    the write-off for an approver instead."""
    if not item_ids:
        raise ReviewError("name the items to settle")
    if not reason.strip():
        raise ReviewError("give a reason to write a difference off")
    actor = current_user(user)
    with store.transaction():
        rv = open_review(store, review_id)
        items, amounts, difference = _settlement(store, rules, rv, item_ids)
        if abs(from_minor(difference, rv["currency"])) > rules.tolerances.writeoff_approval_above:
            approval_id = store.next_id("cm_approvals", "approval_id")
            store.execute(_FILE_SQL, [approval_id, review_id, rv["movement_id"],
                                      json.dumps(item_ids), difference, rv["currency"], reason,
                                      actor, now()])
            return Outcome(approval_id=approval_id)
        return Outcome(decision_id=_post(store, rules, rv, items, amounts, difference, reason,
                                         actor))


def _settlement(store: Store, rules: Rules, rv: dict[str, Any], item_ids: list[str]
                ) -> tuple[pl.DataFrame, list[tuple[str, int]], int]:
    """The items, what settles each in full, and the difference to write off."""
    ccy = rv["currency"]
    items = items_of(store, item_ids)
    opens = dict(items.select("item_id", "open_minor").iter_rows())
    amounts = [(i, opens[i]) for i in item_ids]
    check_open(store, items, amounts)
    difference = sum(a for _, a in amounts) - rv["amount_minor"]
    limit = rules.tolerances.manual_writeoff_max
    if difference == 0:
        raise ReviewError("nothing to write off: the movement settles the items exactly "
                          "(use review accept or assign)")
    if abs(from_minor(difference, ccy)) > limit:
        raise ReviewError(f"the difference {format_amount(from_minor(difference, ccy))} "
                          f"exceeds the write-off limit {limit} "
                          "(tolerances.manual_writeoff_max)")
    return items, amounts, difference


def _post(store: Store, rules: Rules, rv: dict[str, Any], items: pl.DataFrame,
          amounts: list[tuple[str, int]], difference: int, reason: str, actor: str,
          approved_by: str | None = None) -> int:
    ccy = rv["currency"]
    text = format_amount(from_minor(difference, ccy))
    names = ", ".join(i for i, _ in amounts)
    evidence: dict[str, Any] = {"allocations": evidence_of(amounts, ccy), "writeoff": text}
    explanation = f"Settled {names} writing off {text} {ccy}"
    if approved_by is not None:
        evidence["approved_by"] = approved_by
        explanation += f", approved by {approved_by}"
    decision = Decision(Action.ASSIGN, actor, "manual:writeoff", explanation, evidence,
                        reason=reason, review_id=rv["review_id"])
    return record(store, rules, rv["movement_id"], decision,
                  entry_frame(rv, adjust=("rounding", difference)),
                  allocations_frame(items, amounts), ReviewStatus.ASSIGNED)


def _pending(store: Store, approval_id: int) -> dict[str, Any]:
    rows = store.dicts(_REQUEST_SQL, [approval_id])
    if not rows:
        raise NotFound(f"no write-off request {approval_id}")
    req = rows[0]
    if req["status"] != "pending":
        by = f" by {req['decided_by']}" if req["decided_by"] else ""
        when = f" at {local_time(req['decided_at'])}" if req["decided_at"] else ""
        raise Conflict(f"write-off request {approval_id} was already {req['status']}{by}{when}")
    return req


def approve_writeoff(store: Store, rules: Rules, approval_id: int,
                     user: str | None = None) -> int:
    """Post a filed write-off; the approver must not be the person who asked for it.
    Returns the decision id (its actor is the requester, its evidence names the approver)."""
    approver = current_user(user)
    with store.transaction():
        req = _pending(store, approval_id)
        if approver == req["requested_by"]:
            raise ReviewError("four eyes: a write-off is approved by someone other than "
                              f"{approver}, who asked for it")
        rv = open_review(store, req["review_id"], approval_id=approval_id)
        items, amounts, difference = _settlement(store, rules, rv, json.loads(req["items_json"]))
        if difference != req["difference_minor"]:
            ccy = req["currency"]
            raise Conflict(f"the difference is now {format_amount(from_minor(difference, ccy))}"
                           f", not the {format_amount(from_minor(req['difference_minor'], ccy))}"
                           " asked for: reject this request and ask again")
        decision_id = _post(store, rules, rv, items, amounts, difference, req["reason"],
                            req["requested_by"], approved_by=approver)
        store.execute(_DECIDE_SQL, ["approved", approver, now(), decision_id, None, approval_id])
    return decision_id


def reject_writeoff(store: Store, approval_id: int, reason: str,
                    user: str | None = None) -> None:
    """Turn a filed write-off down (or withdraw it), with a reason; its review item is open
    to any action again."""
    if not reason.strip():
        raise ReviewError("give a reason to reject a write-off")
    with store.transaction():
        _pending(store, approval_id)
        store.execute(_DECIDE_SQL, ["rejected", current_user(user), now(), None, reason,
                                    approval_id])


def list_approvals(store: Store, status: str | None = "pending") -> list[dict[str, Any]]:
    """Write-off requests (those waiting, by default), oldest first, with their movement."""
    where, params = ("", []) if status is None else (" WHERE a.status = ?", [status])
    rows = store.dicts(_LIST_SQL + where + " ORDER BY a.approval_id", params)
    for r in rows:
        ccy = r["currency"]
        r["items"] = json.loads(r.pop("items_json"))
        r["difference"] = from_minor(r.pop("difference_minor"), ccy)
        r["amount"] = from_minor(r.pop("amount_minor"), ccy)
    return rows
