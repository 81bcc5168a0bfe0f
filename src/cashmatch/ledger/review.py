"""The review queue: what the engine was not sure enough to post, with ranked suggestions.

A run queues every movement it did not apply (:func:`queue`), with the reason and up to
``max_suggestions`` ranked candidates, and supersedes the open items of the movements it
considered again (:func:`supersede`). People list and read the queue here
(:func:`list_reviews`, :func:`show_review`) and act on it through
:mod:`cashmatch.ledger.actions`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.errors import NotFound
from cashmatch.model import BP, ReviewStatus
from cashmatch.money import from_minor
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl

REASONS = {
    "conflict": "another movement claims the same item",
    "ambiguous": "several readings fit about equally well",
    "amount_differs": "the reference is found but the amount differs",
    "no_reference": "the amount fits but nothing tells the payer or the invoice",
    "other_party": "the payer's IBAN belongs to another party",
    "weak": "only weak evidence",
    "no_candidate": "no candidate",
    "reopened": "a decision was undone",
    "duplicate": "possibly a second payment of an item already settled (see the evidence)",
    "mismatch": "the amount cannot settle the item",
    "over": "the payment is larger than what it settles: an unexplained excess",
    "rival_exact": "another open item of the party is exactly the amount paid",
    "discount_unearned": "an early-payment discount the item's terms do not grant (its "
                         "period is over, or it has none)",
    "partial": "a part payment that nothing in the text explains",
    "before_issue": "paid before the item was issued",
    "other_period": "the text names another period",
    "other_reference": "the text quotes another item",
    "ambiguous_set": "several sets of items add up to the payment",
    "unquoted_set": "items add up to the payment, but nothing says which",
}


def reason_text(code: str) -> str:
    """A person's words for a review reason code."""
    return REASONS.get(code, code)


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Filters of ``review list``; None means no filter."""

    status: str | None = ReviewStatus.OPEN
    reason: str | None = None
    party: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    date_from: date | None = None
    date_to: date | None = None


_SUPERSEDE_SQL = ("UPDATE cm_review_items SET status = 'superseded', closed_at = ? "
                  "WHERE status = 'open' AND movement_id IN "
                  "(SELECT movement_id FROM __cm_superseded)")

_WAITING_SQL = ("SELECT count(DISTINCT movement_id) FROM cm_review_items WHERE status = 'open' "
                "AND movement_id IN (SELECT movement_id FROM __cm_superseded)")

_LIST_SQL = """
SELECT r.review_id, r.movement_id, r.reason, r.status, r.created_at,
       m.booking_date, m.amount_minor, m.currency, m.counterparty_name, m.remittance,
       m.bank_reference,
       (SELECT count(*) FROM cm_candidates c WHERE c.review_id = r.review_id) AS n_candidates,
       c1.confidence AS top_confidence,
       (SELECT string_agg(l.item_id, '+' ORDER BY l.item_id) FROM cm_candidate_lines l
         WHERE l.candidate_id = c1.candidate_id) AS top_items,
       (SELECT string_agg(DISTINCT i.party_id, ',') FROM cm_candidates c
         JOIN cm_candidate_lines l USING (candidate_id) JOIN cm_items i USING (item_id)
         WHERE c.review_id = r.review_id) AS parties
FROM cm_review_items r
JOIN cm_movements m USING (movement_id)
LEFT JOIN cm_candidates c1 ON c1.review_id = r.review_id AND c1.rank = 1
"""

_CANDIDATES_SQL = ("SELECT candidate_id, rank, confidence, rule, explanation, evidence_json "
                   "FROM cm_candidates WHERE review_id = ? ORDER BY rank")
_CANDIDATE_LINES_SQL = ("SELECT l.item_id, l.amount_minor, i.party_id, i.party_name, "
                        "i.reference, i.currency FROM cm_candidate_lines l "
                        "JOIN cm_items i USING (item_id) WHERE l.candidate_id = ? "
                        "ORDER BY l.item_id")


def supersede(store: Store, movement_ids: list[int]) -> int:
    """Close the open review items of ``movement_ids`` (a run queues them afresh); returns
    how many of those movements had one (they come back from review)."""
    import polars as pl

    with store.registered("__cm_superseded", pl.DataFrame(
            {"movement_id": movement_ids}, schema={"movement_id": pl.Int64})):
        waiting = int(store.scalar(_WAITING_SQL))
        store.execute(_SUPERSEDE_SQL, [now()])
    return waiting


def queue(store: Store, run_id: int, reasons: dict[int, str],
          suggestions: pl.DataFrame | None) -> None:
    """Open a review item for every movement of ``reasons`` with its ranked ``suggestions``
    (rows of :func:`cashmatch.match.assign.review_schema`), all written from frames: a run
    may send hundreds of thousands."""
    import polars as pl

    if not reasons:
        return
    review_id = store.next_id("cm_review_items", "review_id")
    reviews = (pl.DataFrame({"movement_id": list(reasons), "reason": list(reasons.values())},
                            schema={"movement_id": pl.Int64, "reason": pl.String})
               .sort("movement_id")
               .with_columns((review_id + pl.int_range(pl.len(), dtype=pl.Int64))
                             .alias("review_id")))
    store.insert_frame("cm_review_items", reviews.select(
        "review_id", "movement_id", pl.lit(run_id, pl.Int64).alias("run_id"), "reason",
        pl.lit(ReviewStatus.OPEN.value).alias("status"), pl.lit(now()).alias("created_at"),
        pl.lit(None, pl.Datetime("us")).alias("closed_at"),
        pl.lit(None, pl.Int64).alias("decision_id")))
    if suggestions is not None and suggestions.height:
        _write_candidates(store, suggestions, reviews)


def _write_candidates(store: Store, suggestions: pl.DataFrame, reviews: pl.DataFrame) -> None:
    """The ranked candidates of the review items, numbered in (movement, rank) order where
    they are: sorting the frame would copy every explanation and evidence."""
    import polars as pl

    candidate_id = store.next_id("cm_candidates", "candidate_id")
    cands = suggestions.with_columns(
        pl.col("movement_id").replace_strict(reviews["movement_id"], reviews["review_id"])
        .alias("review_id"),
        (candidate_id + pl.arg_sort_by("movement_id", "rank").arg_sort().cast(pl.Int64))
        .alias("candidate_id"))
    adjusted = pl.col("adjust_kind").is_not_null() & (pl.col("adjust_minor").fill_null(0) != 0)
    store.insert_frame("cm_candidates", cands.select(
        "candidate_id", "review_id", "rank",
        (pl.col("confidence_bp").cast(pl.Decimal(18, 4)) / pl.lit(BP).cast(pl.Decimal(18, 4)))
        .cast(pl.Decimal(5, 4)).alias("confidence"),
        "rule", "explanation", "evidence_json",
        pl.when(adjusted).then(pl.format('[{{"kind": "{}", "amount_minor": {}}}]',
                                         "adjust_kind", "adjust_minor"))
        .otherwise(pl.lit("[]")).alias("adjustments_json")))
    store.insert_frame("cm_candidate_lines", cands.select("candidate_id", "lines")
                       .explode("lines").unnest("lines"))


def list_reviews(store: Store, flt: ReviewFilter = ReviewFilter()) -> list[dict[str, Any]]:
    """Review items matching ``flt``, oldest movement first."""
    where, params = [], []
    for clause, value in (("r.status = ?", flt.status), ("r.reason = ?", flt.reason),
                          ("m.booking_date >= ?", flt.date_from),
                          ("m.booking_date <= ?", flt.date_to)):
        if value:
            where.append(clause)
            params.append(value)
    sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
    out = []
    for row in store.dicts(sql + " ORDER BY m.booking_date, r.review_id", params):
        amount = from_minor(row.pop("amount_minor"), row["currency"])
        if flt.min_amount is not None and amount < flt.min_amount:
            continue
        if flt.max_amount is not None and amount > flt.max_amount:
            continue
        if flt.party and flt.party not in (row["parties"] or "").split(","):
            continue
        row["amount"] = amount
        row["reason_text"] = reason_text(row["reason"])
        out.append(row)
    return out


def show_review(store: Store, review_id: int) -> dict[str, Any]:
    """A review item with its movement and ranked candidates (items, amounts, evidence)."""
    rows = store.dicts(_LIST_SQL + " WHERE r.review_id = ?", [review_id])
    if not rows:
        raise NotFound(f"no review item {review_id}")
    item = rows[0]
    item["amount"] = from_minor(item.pop("amount_minor"), item["currency"])
    item["reason_text"] = reason_text(item["reason"])
    candidates = store.dicts(_CANDIDATES_SQL, [review_id])
    for cand in candidates:
        cand["evidence"] = json.loads(cand.pop("evidence_json"))
        cand["allocations"] = [
            {"item_id": r["item_id"], "party_id": r["party_id"], "party_name": r["party_name"],
             "reference": r["reference"], "amount": from_minor(r["amount_minor"], r["currency"])}
            for r in store.dicts(_CANDIDATE_LINES_SQL, [cand["candidate_id"]])]
    item["candidates"] = candidates
    return item
