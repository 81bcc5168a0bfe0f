"""The review queue: what the engine was not sure enough to post, with ranked suggestions.

A run hands every movement it did not apply to :func:`requeue`, with the reason and up to
``max_suggestions`` ranked candidates. A movement keeps its review item, and the item its id,
for as long as the movement stays unresolved: a later run refreshes the item's reason and
candidates in place (and counts a new ``revision`` when the candidates changed; every run
that queued it is listed in ``cm_review_runs``); only a
movement the run settled (applied, or set aside by a rule) has its item closed as
``superseded``. People read the queue a page at a time (:func:`queue_page`, filtered and
sorted in SQL), move along it (:func:`queue_position`) and read one item
(:func:`show_review`); they act on it through :mod:`cashmatch.ledger.actions`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.errors import InputError, Location, NotFound
from cashmatch.ledger.history import items_by_id
from cashmatch.model import BP, Page, ReviewStatus
from cashmatch.money import exponent_sql, from_minor, ten_thousandths
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

#: How the queue sorts: key → SQL expression (ties are broken by review id).
SORTS = {
    "date": "m.booking_date",
    "amount": "m.amount_minor",
    "confidence": "c1.confidence",
    "payer": "lower(m.counterparty_name)",
    "reason": "r.reason",
    "id": "r.review_id",
}
DIRECTIONS = ("in", "out")


def reason_text(code: str) -> str:
    """A person's words for a review reason code."""
    return REASONS.get(code, code)


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Which review items, in which order; None means no filter.

    ``party``: a party id among the candidates' items; ``text``: words found in the payer's
    name, the remittance text or the bank reference; ``direction``: ``in`` (receipts) or
    ``out`` (payments); amounts are signed, like the movements."""

    status: str | None = ReviewStatus.OPEN
    reason: str | None = None
    party: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None
    direction: str | None = None
    sort: str = "date"
    descending: bool = False

    def check(self) -> None:
        """Refuse values the queue does not know (an unknown filter is an error, never an
        empty queue): :class:`InputError` naming the field."""
        known = {"status": (self.status, [s.value for s in ReviewStatus]),
                 "reason": (self.reason, list(REASONS)),
                 "direction": (self.direction, list(DIRECTIONS)),
                 "sort": (self.sort, list(SORTS))}
        for name, (value, allowed) in known.items():
            if value is not None and value not in allowed:
                raise InputError(Location("query", element=name),
                                 f"unknown {name} {value!r} (known: {', '.join(allowed)})")


_ROWS_SQL = """
SELECT r.review_id, r.movement_id, r.reason, r.status, r.created_at, r.revision,
       m.booking_date, m.amount_minor, m.currency, m.counterparty_name, m.remittance,
       m.bank_reference, c1.confidence AS top_confidence, count(*) OVER () AS total
FROM cm_review_items r
JOIN cm_movements m USING (movement_id)
LEFT JOIN cm_candidates c1 ON c1.review_id = r.review_id AND c1.rank = 1
"""
#: The candidates' items of review items (the page's), best candidate first.
_LINES_OF_SQL = """
SELECT c.review_id, c.rank, c.candidate_id, l.item_id, l.amount_minor
FROM cm_candidates c JOIN cm_candidate_lines l USING (candidate_id)
WHERE list_contains(?, c.review_id) ORDER BY c.review_id, c.rank, l.item_id
"""
_AWAITING_SQL = ("SELECT review_id, approval_id FROM cm_approvals "
                 "WHERE status = 'pending' AND list_contains(?, review_id)")
_PARTY_SQL = """r.review_id IN (
    SELECT c.review_id FROM cm_candidates c JOIN cm_candidate_lines l USING (candidate_id)
    JOIN cm_items i USING (item_id) WHERE i.party_id = ?)"""
_TEXT_SQL = ("(m.counterparty_name ILIKE ? OR m.remittance ILIKE ? "
             "OR m.bank_reference ILIKE ?)")
_SCALED = f"m.amount_minor * CAST(power(10, 4 - {exponent_sql('m.currency')}) AS BIGINT)"


def _where(flt: ReviewFilter) -> tuple[list[str], list[Any]]:
    """The SQL conditions of ``flt`` and their parameters."""
    flt.check()
    where: list[str] = []
    params: list[Any] = []
    pattern = None if not flt.text else f"%{flt.text.strip()}%"
    for clause, values in (
            ("r.status = ?", [flt.status]), ("r.reason = ?", [flt.reason]),
            ("m.booking_date >= ?", [flt.date_from]), ("m.booking_date <= ?", [flt.date_to]),
            (_PARTY_SQL, [flt.party]), (_TEXT_SQL, [pattern] * 3),
            (f"{_SCALED} >= ?", [_bound(flt.min_amount, "min_amount")]),
            (f"{_SCALED} <= ?", [_bound(flt.max_amount, "max_amount")])):
        if values[0] is not None:
            where.append(clause)
            params.extend(values)
    if flt.direction:
        where.append("m.amount_minor > 0" if flt.direction == "in" else "m.amount_minor < 0")
    return where, params


def _bound(amount: Decimal | None, name: str) -> int | None:
    if amount is None:
        return None
    try:
        return ten_thousandths(amount)
    except ValueError as exc:
        raise InputError(Location("query", element=name), str(exc)) from None


def _order(flt: ReviewFilter) -> str:
    way = "DESC" if flt.descending else "ASC"
    return f"{SORTS[flt.sort]} {way} NULLS LAST, r.review_id {way}"


def queue_page(store: Store, flt: ReviewFilter = ReviewFilter(), limit: int | None = 50,
               offset: int = 0) -> Page:
    """The review items ``flt`` keeps, in its order, ``limit`` of them from ``offset`` (all
    with ``limit=None``), each with its movement, best suggestion and confidence."""
    where, params = _where(flt)
    sql = (_ROWS_SQL + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {_order(flt)}")
    rows, total = store.page(sql, params, limit, offset)
    ids = [r["review_id"] for r in rows]
    details = _details(store, ids)
    awaiting = dict(store.rows(_AWAITING_SQL, [ids])) if ids else {}
    for row in rows:
        row["amount"] = from_minor(row.pop("amount_minor"), row["currency"])
        row["reason_text"] = reason_text(row["reason"])
        row |= details.get(row["review_id"], {"n_candidates": 0, "top_items": None,
                                              "top_party": None})
        row["awaiting_approval"] = awaiting.get(row["review_id"])
    return Page(rows, total, offset, limit)


def _details(store: Store, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per review item: how many candidates, and the best one's items and party."""
    if not ids:
        return {}
    lines = store.dicts(_LINES_OF_SQL, [ids])
    items = items_by_id(store, sorted({r["item_id"] for r in lines if r["rank"] == 1}))
    out: dict[int, dict[str, Any]] = {}
    for r in lines:
        got = out.setdefault(r["review_id"], {"candidates": set(), "top": [], "party": None})
        got["candidates"].add(r["candidate_id"])
        if r["rank"] == 1:
            got["top"].append(r["item_id"])
            got["party"] = got["party"] or items.get(r["item_id"], {}).get("party_name")
    return {rid: {"n_candidates": len(d["candidates"]), "top_items": "+".join(d["top"]) or None,
                  "top_party": d["party"]} for rid, d in out.items()}


def list_reviews(store: Store, flt: ReviewFilter = ReviewFilter()) -> list[dict[str, Any]]:
    """Every review item ``flt`` keeps, in its order (oldest movement first by default)."""
    return queue_page(store, flt, limit=None).rows


_POSITION_SQL = """
WITH q AS (SELECT r.review_id, {key} AS sort_key FROM cm_review_items r
           JOIN cm_movements m USING (movement_id)
           LEFT JOIN cm_candidates c1 ON c1.review_id = r.review_id AND c1.rank = 1
           WHERE ({where}) OR r.review_id = ?),
o AS (SELECT review_id, row_number() OVER w AS position, lag(review_id) OVER w AS previous,
             lead(review_id) OVER w AS next
      FROM q WINDOW w AS (ORDER BY sort_key {way} NULLS LAST, review_id {way}))
SELECT position, previous, next, (SELECT count(*) FROM q) AS total FROM o WHERE review_id = ?
"""


def queue_position(store: Store, flt: ReviewFilter, review_id: int) -> dict[str, Any]:
    """Where review item ``review_id`` stands in the queue ``flt`` gives: its ``position``
    (from 1) of ``total``, and the ``previous`` and ``next`` item ids (None at the ends).
    An item the filter no longer keeps (just decided) is placed where its order puts it, so
    that ``next`` is the line after it."""
    where, params = _where(flt)
    sql = _POSITION_SQL.format(key=SORTS[flt.sort], where=" AND ".join(where) or "TRUE",
                               way="DESC" if flt.descending else "ASC")
    found = store.dicts(sql, [*params, review_id, review_id])
    if not found:
        raise NotFound(f"no review item {review_id}")
    return found[0]


_SHOW_SQL = _ROWS_SQL.replace(", count(*) OVER () AS total", "") + " WHERE r.review_id = ?"
_CANDIDATES_SQL = ("SELECT candidate_id, rank, confidence, rule, explanation, evidence_json, "
                   "adjustments_json FROM cm_candidates WHERE review_id = ? ORDER BY rank")
_CANDIDATE_LINES_SQL = ("SELECT candidate_id, item_id, amount_minor FROM cm_candidate_lines "
                        "WHERE list_contains(?, candidate_id) ORDER BY item_id")


def show_review(store: Store, review_id: int) -> dict[str, Any]:
    """A review item with its movement and ranked candidates (items, amounts, evidence,
    adjustments; ``stale`` when an item no longer has what the candidate applies to it,
    settled meanwhile, with each item's ``open_amount``), and the pending write-off request
    it waits on, if any."""
    rows = store.dicts(_SHOW_SQL, [review_id])
    if not rows:
        raise NotFound(f"no review item {review_id}")
    item = rows[0]
    item["amount"] = from_minor(item.pop("amount_minor"), item["currency"])
    item["reason_text"] = reason_text(item["reason"])
    candidates = store.dicts(_CANDIDATES_SQL, [review_id])
    lines: dict[int, list[dict[str, Any]]] = {}
    found = store.dicts(_CANDIDATE_LINES_SQL, [[c["candidate_id"] for c in candidates]])
    items = items_by_id(store, sorted({r["item_id"] for r in found}))
    for r in found:
        facts = dict(items[r["item_id"]])
        wanted, left, ccy = r["amount_minor"], facts.pop("open_minor"), facts.pop("currency")
        lines.setdefault(r["candidate_id"], []).append(facts | {
            "amount": from_minor(wanted, ccy), "open_amount": from_minor(left, ccy),
            "stale": wanted != 0 and (left == 0 or (wanted > 0) != (left > 0)
                                      or abs(wanted) > abs(left))})
    for cand in candidates:
        cand["evidence"] = json.loads(cand.pop("evidence_json"))
        cand["adjustments"] = [
            {"kind": a["kind"], "amount": from_minor(a["amount_minor"], item["currency"])}
            for a in json.loads(cand.pop("adjustments_json"))]
        cand["allocations"] = lines.get(cand["candidate_id"], [])
        cand["stale"] = any(a["stale"] for a in cand["allocations"])
    item["candidates"] = candidates
    item["awaiting_approval"] = dict(store.rows(_AWAITING_SQL, [[review_id]])).get(review_id)
    return item


# -- what a run writes ---------------------------------------------------------------------

_CLOSE_SQL = """
UPDATE cm_review_items SET status = 'superseded', closed_at = ?
WHERE status = 'open' AND movement_id IN (SELECT movement_id FROM __cm_considered)
  AND movement_id NOT IN (SELECT movement_id FROM __cm_queued)
"""
_VOID_SQL = """
UPDATE cm_approvals SET status = 'void', decided_at = ?, note = 'the movement was settled by a run'
WHERE status = 'pending'
  AND review_id IN (SELECT review_id FROM cm_review_items WHERE status = 'superseded')
"""
#: Movements of the run that were waiting in the queue (queued earlier, or reopened).
_WAITING_SQL = ("SELECT count(DISTINCT movement_id) FROM cm_review_items WHERE status = 'open' "
                "AND movement_id IN (SELECT movement_id FROM __cm_considered)")
_KEPT_SQL = ("SELECT review_id, movement_id FROM cm_review_items WHERE status = 'open' "
             "AND movement_id IN (SELECT movement_id FROM __cm_queued)")
#: What a person sees of an item's candidates: a change counts a new revision.
_SIGNATURES_SQL = """
SELECT c.review_id, string_agg(c.rank || ':' || c.confidence || ':' || c.adjustments_json
                               || ':' || l.item_id || '=' || l.amount_minor, ';'
                               ORDER BY c.rank, l.item_id) AS signature
FROM cm_candidates c JOIN cm_candidate_lines l USING (candidate_id)
WHERE c.review_id IN (SELECT review_id FROM __cm_kept) GROUP BY c.review_id
"""
_DROP_LINES_SQL = ("DELETE FROM cm_candidate_lines WHERE candidate_id IN (SELECT candidate_id "
                   "FROM cm_candidates WHERE review_id IN (SELECT review_id FROM __cm_kept))")
_DROP_CANDIDATES_SQL = ("DELETE FROM cm_candidates "
                        "WHERE review_id IN (SELECT review_id FROM __cm_kept)")
_REFRESH_SQL = """
UPDATE cm_review_items r SET reason = k.reason, refreshed_at = ?,
       revision = r.revision + CAST(k.changed AS INTEGER)
FROM __cm_refreshed k WHERE r.review_id = k.review_id
"""


def requeue(store: Store, run_id: int, considered: list[int], reasons: dict[int, str],
            suggestions: pl.DataFrame | None) -> int:
    """Queue every movement of ``reasons`` with its ranked ``suggestions`` (rows of
    :func:`cashmatch.match.assign.review_schema`), and close the open items of the other
    movements of ``considered`` (the run settled them). A movement already queued keeps its
    review item: reason and candidates are refreshed in place. All written from frames: a
    run may queue hundreds of thousands. Returns how many movements of ``considered`` had an
    open item before the run (they come back from review)."""
    import polars as pl

    queued = pl.DataFrame({"movement_id": list(reasons), "reason": list(reasons.values())},
                          schema={"movement_id": pl.Int64, "reason": pl.String})
    stamp = now()
    with store.registered("__cm_considered", pl.DataFrame(
            {"movement_id": considered}, schema={"movement_id": pl.Int64})), \
            store.registered("__cm_queued", queued):
        returning = int(store.scalar(_WAITING_SQL))
        store.execute(_CLOSE_SQL, [stamp])
        store.execute(_VOID_SQL, [stamp])
        kept = store.frame(_KEPT_SQL).cast({"review_id": pl.Int64, "movement_id": pl.Int64})
    if not reasons:
        return returning
    reviews = _review_ids(store, queued, kept, run_id, stamp)
    with store.registered("__cm_kept", kept.select("review_id")):
        before = store.frame(_SIGNATURES_SQL)
        store.execute(_DROP_LINES_SQL)
        store.execute(_DROP_CANDIDATES_SQL)
        if suggestions is not None and suggestions.height:
            _write_candidates(store, suggestions, reviews)
        after = store.frame(_SIGNATURES_SQL)
    _refresh(store, kept.join(queued, on="movement_id"), before, after, stamp)
    store.insert_frame("cm_review_runs", reviews.select(
        "review_id", pl.lit(run_id, pl.Int64).alias("run_id"), "reason"))
    return returning


def _review_ids(store: Store, queued: pl.DataFrame, kept: pl.DataFrame, run_id: int,
                stamp: object) -> pl.DataFrame:
    """``movement_id``, ``reason``, ``review_id`` of every queued movement: its open item's
    id when it has one, else a new item's (written here)."""
    import polars as pl

    fresh = (queued.join(kept, on="movement_id", how="anti").sort("movement_id")
             .with_columns((store.next_id("cm_review_items", "review_id")
                            + pl.int_range(pl.len(), dtype=pl.Int64)).alias("review_id")))
    store.insert_frame("cm_review_items", fresh.select(
        "review_id", "movement_id", pl.lit(run_id, pl.Int64).alias("run_id"), "reason",
        pl.lit(ReviewStatus.OPEN.value).alias("status"), pl.lit(stamp).alias("created_at"),
        pl.lit(1, pl.Int32).alias("revision")))
    return pl.concat([queued.join(kept, on="movement_id"), fresh], how="vertical_relaxed")


def _refresh(store: Store, kept: pl.DataFrame, before: pl.DataFrame, after: pl.DataFrame,
             stamp: object) -> None:
    """Kept items get the run's reason; those whose candidates changed, a new revision."""
    import polars as pl

    if kept.height == 0:
        return
    sig = {"review_id": pl.Int64, "signature": pl.String}
    changed = (kept.join(before.cast(sig), on="review_id", how="left")  # type: ignore[arg-type]
               .join(after.cast(sig).rename({"signature": "now"}),  # type: ignore[arg-type]
                     on="review_id", how="left")
               .select("review_id", "reason",
                       pl.col("signature").ne_missing(pl.col("now")).alias("changed")))
    with store.registered("__cm_refreshed", changed):
        store.execute(_REFRESH_SQL, [stamp])


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
