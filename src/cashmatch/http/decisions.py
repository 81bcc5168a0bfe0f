"""Routes of the review queue and of decisions on movements: every action of ``cashmatch
review`` (posting to an account, keeping a credit and owing a refund included), ``reclass``
and ``unmatch``, and the four-eyes approvals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

import cashmatch
from cashmatch.http import schemas as s
from cashmatch.http.encoding import ExactRoute
from cashmatch.http.problems import PROBLEMS
from cashmatch.http.service import Approver, Key, Reviewer, Service, Svc, Viewer

router = APIRouter(responses=PROBLEMS, route_class=ExactRoute, tags=["review and decisions"])
Reason = Literal["conflict", "ambiguous", "amount_differs", "no_reference", "other_party",
                 "weak", "no_candidate", "reopened", "duplicate", "mismatch", "over",
                 "rival_exact", "discount_unearned", "partial", "before_issue", "other_period",
                 "other_reference", "ambiguous_set", "unquoted_set"]
Status = Literal["open", "accepted", "assigned", "ignored", "suspense", "posted", "superseded",
                 "all"]
Bound = Annotated[str | None, Query(pattern=s.AMOUNT)]


def review_filter(status: Status = "open", reason: Reason | None = None,
                  party: str | None = None, min_amount: Bound = None, max_amount: Bound = None,
                  date_from: date | None = None, date_to: date | None = None,
                  text: str | None = None, direction: Literal["in", "out"] | None = None,
                  sort: Literal["date", "amount", "confidence", "payer", "reason", "id"] = "date",
                  descending: bool = False) -> cashmatch.ReviewFilter:
    """The queue's filters from the query string (an unknown value is a 422)."""
    return cashmatch.ReviewFilter(
        None if status == "all" else status, reason, party,
        None if min_amount is None else Decimal(min_amount),
        None if max_amount is None else Decimal(max_amount), date_from, date_to, text,
        direction, sort, descending)


@router.get("/review", response_model=s.ReviewPage)
def review_list(svc: Svc, _: Viewer,
                flt: Annotated[cashmatch.ReviewFilter, Depends(review_filter)],
                limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> Any:
    """Review items a page at a time, with the filters of `cashmatch review list`."""
    page = svc.read(lambda st: cashmatch.queue_page(st, flt, limit, offset))
    return {"items": page.rows, "total": page.total, "offset": offset, "limit": limit}


async def _decided(request: Request, svc: Service, key: str | None,
                   work: Callable[[], int]) -> Response:
    """One decision, at most once per idempotency key: its id."""
    return svc.once(key, await request.body(), request.url.path,
                    lambda: {"decision_id": work()})


def _lines(body: s.AssignIn) -> list[tuple[str, Decimal | None]]:
    return [(a.item_id, None if a.amount is None else Decimal(a.amount)) for a in body.items]


@router.get("/review/{review_id}", response_model=s.ReviewOut)
def review_show(review_id: int, svc: Svc, _: Viewer) -> Any:
    """A review item with its ranked candidates and their evidence."""
    return svc.read(lambda st: cashmatch.show_review(st, review_id))


@router.post("/review/accept-above", response_model=s.BulkOut)
def review_accept_above(body: s.AcceptAboveIn, svc: Svc, who: Reviewer) -> Any:
    """Accept the first candidate of every open item at or above a confidence."""
    done = svc.locked(lambda: cashmatch.accept_above(svc.store, svc.rules,
                                                     Decimal(body.minimum), who.name))
    return {"accepted": done.accepted,
            "refused": [{"review_id": r, "why": why} for r, why in done.refused]}


@router.post("/review/{review_id}/accept", responses={200: {"model": s.DecisionOut}})
async def review_accept(review_id: int, request: Request, svc: Svc, who: Reviewer,
                        body: s.AcceptIn | None = None, key: Key = None) -> Response:
    """Apply a ranked candidate (refused if the item changed since ``revision``)."""
    rank, revision = (body.candidate, body.revision) if body else (1, None)
    return await _decided(request, svc, key, lambda: cashmatch.accept(
        svc.store, svc.rules, review_id, rank, who.name, revision))


@router.post("/review/{review_id}/assign", responses={200: {"model": s.DecisionOut}})
async def review_assign(review_id: int, body: s.AssignIn, request: Request, svc: Svc,
                        who: Reviewer, key: Key = None) -> Response:
    """Apply the movement to items chosen by hand (remainder to suspense)."""
    return await _decided(request, svc, key, lambda: cashmatch.assign(
        svc.store, svc.rules, review_id, _lines(body), who.name, body.reason))


@router.post("/review/{review_id}/writeoff",
             responses={200: {"model": s.WriteoffOut}, 202: {"model": s.WriteoffOut}})
async def review_writeoff(review_id: int, body: s.WriteoffIn, request: Request, svc: Svc,
                          who: Reviewer, key: Key = None) -> Response:
    """Settle items in full, writing the difference off: 200 when posted, 202 when it waits
    for an approver (above tolerances.writeoff_approval_above)."""
    return svc.once(key, await request.body(), f"/review/{review_id}/writeoff",
                    lambda: asdict(cashmatch.writeoff(svc.store, svc.rules, review_id,
                                                      body.items, body.reason, who.name)),
                    status=lambda done: 200 if done["decision_id"] is not None else 202)


@router.post("/review/{review_id}/suspense", responses={200: {"model": s.DecisionOut}})
async def review_suspense(review_id: int, body: s.ReasonIn, request: Request, svc: Svc,
                          who: Reviewer, key: Key = None) -> Response:
    """Book an unidentified movement on the suspense account until it is known."""
    return await _decided(request, svc, key, lambda: cashmatch.suspense(
        svc.store, svc.rules, review_id, body.reason, who.name))


@router.post("/review/{review_id}/ignore", responses={200: {"model": s.DecisionOut}})
async def review_ignore(review_id: int, body: s.ReasonIn, request: Request, svc: Svc,
                        who: Reviewer, key: Key = None) -> Response:
    """Take a movement out of matching, with a reason."""
    return await _decided(request, svc, key, lambda: cashmatch.ignore(
        svc.store, svc.rules, review_id, body.reason, who.name))


@router.post("/review/{review_id}/post", responses={200: {"model": s.DecisionOut}})
async def review_post(review_id: int, body: s.PostIn, request: Request, svc: Svc,
                      who: Reviewer, key: Key = None) -> Response:
    """Post a movement straight to an account (a fee, a tax, a salary no posting rule
    took), net of the VAT it includes when ``vat_rate`` is given."""
    rate = None if body.vat_rate is None else Decimal(body.vat_rate)
    return await _decided(request, svc, key, lambda: cashmatch.post_to_account(
        svc.store, svc.rules, review_id, body.account, body.label, who.name, body.reason,
        rate))


@router.post("/review/{review_id}/credit", responses={200: {"model": s.DecisionOut}})
async def review_credit(review_id: int, request: Request, svc: Svc, who: Reviewer,
                        body: s.CustomerIn | None = None, key: Key = None) -> Response:
    """Keep a receipt that settles nothing (paid twice, an advance) as the customer's
    credit."""
    given = body or s.CustomerIn()
    return await _decided(request, svc, key, lambda: cashmatch.keep_as_credit(
        svc.store, svc.rules, review_id, given.party, who.name, given.reason))


@router.post("/review/{review_id}/refund", responses={200: {"model": s.DecisionOut}})
async def review_refund(review_id: int, request: Request, svc: Svc, who: Reviewer,
                        body: s.CustomerIn | None = None, key: Key = None) -> Response:
    """Owe a receipt back to the customer: an open item ``RMB-M<movement>`` that the
    refund, once paid out, settles."""
    given = body or s.CustomerIn()
    return await _decided(request, svc, key, lambda: cashmatch.refund(
        svc.store, svc.rules, review_id, given.party, who.name, given.reason))


@router.post("/review/{review_id}/reopen", responses={200: {"model": s.DecisionOut}})
async def review_reopen(review_id: int, body: s.ReasonIn, request: Request, svc: Svc,
                        who: Reviewer, key: Key = None) -> Response:
    """Undo the decision taken on a review item (a reversal entry is posted)."""
    return await _decided(request, svc, key, lambda: cashmatch.reopen(
        svc.store, svc.rules, review_id, body.reason, who.name))


@router.post("/movements/{movement_id}/unmatch", responses={200: {"model": s.DecisionOut}})
async def unmatch(movement_id: int, body: s.ReasonIn, request: Request, svc: Svc,
                  who: Reviewer, key: Key = None) -> Response:
    """Undo what was decided for a movement: reversal posted, items reopened, queued again."""
    return await _decided(request, svc, key, lambda: cashmatch.unmatch(
        svc.store, svc.rules, movement_id, body.reason, who.name))


@router.post("/movements/{movement_id}/reclass", responses={200: {"model": s.DecisionOut}})
async def reclass(movement_id: int, body: s.AssignIn, request: Request, svc: Svc,
                  who: Reviewer, key: Key = None) -> Response:
    """Move money booked in suspense to the items it pays, once identified."""
    return await _decided(request, svc, key, lambda: cashmatch.reclass(
        svc.store, svc.rules, movement_id, _lines(body), who.name, body.reason))


@router.get("/approvals", response_model=s.ApprovalsOut)
def approvals(svc: Svc, _: Viewer, status: Literal["pending", "approved", "rejected", "void",
                                                   "all"] = "pending") -> Any:
    """Write-off requests waiting for an approver, or decided ones."""
    rows = svc.read(lambda st: cashmatch.list_approvals(st,
                                                       None if status == "all" else status))
    return {"approvals": rows}


@router.post("/approvals/{approval_id}/approve", responses={200: {"model": s.DecisionOut}})
async def approve(approval_id: int, request: Request, svc: Svc, who: Approver,
                  key: Key = None) -> Response:
    """Approve a write-off someone else asked for: it is posted."""
    return await _decided(request, svc, key, lambda: cashmatch.approve_writeoff(
        svc.store, svc.rules, approval_id, who.name))


@router.post("/approvals/{approval_id}/reject", response_model=s.RejectedOut)
def reject(approval_id: int, body: s.ReasonIn, svc: Svc, who: Approver) -> Any:
    """Turn a write-off request down (its line is open to any action again)."""
    svc.locked(lambda: cashmatch.reject_writeoff(svc.store, approval_id, body.reason, who.name))
    return {"approval_id": approval_id, "status": "rejected"}
