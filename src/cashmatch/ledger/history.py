"""What happened: the story of one movement (what it is, every decision about it, every
review of it), the decision log, and the movements and items as they stand, a page at a
time (filtered and counted in SQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from cashmatch.errors import InputError, Location, NotFound
from cashmatch.ledger.journal import SETTLED_SQL
from cashmatch.model import SETTLING, Action, Page, sql_list
from cashmatch.money import from_minor
from cashmatch.store import Store

_STORY_SQL = """
SELECT movement_id, booking_date, value_date, amount_minor, currency, account,
       counterparty_name, counterparty_iban, counterparty_bic, remittance, refs_json,
       end_to_end_id, bank_reference, bank_tx_code, status, charges_minor, instructed_minor,
       instructed_currency, duplicate_of, source_file, source_position
FROM cm_movements WHERE movement_id = ?
"""


def movement_story(store: Store, movement_id: int) -> dict[str, Any]:
    """Movement (every field the bank gave), decisions (with evidence) and review items
    (with candidates), oldest first."""
    rows = store.dicts(_STORY_SQL, [movement_id])
    if not rows:
        raise NotFound(f"no movement {movement_id}")
    mv = rows[0]
    ccy = mv["currency"]
    mv["amount"] = from_minor(mv.pop("amount_minor"), ccy)
    mv["references"] = json.loads(mv.pop("refs_json"))
    charges = mv.pop("charges_minor")
    mv["charges"] = None if charges is None else from_minor(charges, ccy)
    instructed = mv.pop("instructed_minor")
    mv["instructed_amount"] = (None if instructed is None
                               else from_minor(instructed, mv["instructed_currency"] or ccy))
    decisions = decision_log(store, movement_id)
    reviews = store.dicts("SELECT review_id, run_id, reason, status, revision, created_at, "
                          "closed_at FROM cm_review_items WHERE movement_id = ? "
                          "ORDER BY review_id", [movement_id])
    for r in reviews:
        r["candidates"] = store.dicts(
            "SELECT c.rank, c.confidence, c.rule, c.explanation, "
            "string_agg(l.item_id, '+' ORDER BY l.item_id) AS items "
            "FROM cm_candidates c JOIN cm_candidate_lines l USING (candidate_id) "
            "WHERE c.review_id = ? GROUP BY ALL ORDER BY c.rank", [r["review_id"]])
    return {"movement": mv, "decisions": decisions, "reviews": reviews}


# -- the decision log ------------------------------------------------------------------------

_DECISIONS_SQL = f"""
SELECT d.decision_id, d.movement_id, d.review_id, d.run_id, d.action, d.actor, d.rule,
       d.confidence, d.threshold, d.explanation, d.evidence_json, d.reason,
       d.reverses_decision_id, d.rules_version, d.created_at,
       m.booking_date, m.amount_minor, m.currency, m.counterparty_name,
       u.decision_id AS undone_by,
       d.action IN {sql_list((*SETTLING, Action.RECLASS))} AND u.decision_id IS NULL
           AS undoable,
       count(*) OVER () AS total
FROM cm_decisions d
JOIN cm_movements m USING (movement_id)
LEFT JOIN cm_decisions u ON u.reverses_decision_id = d.decision_id
"""


@dataclass(frozen=True, slots=True)
class DecisionFilter:
    """Which decisions; None means no filter. ``actor`` ``engine`` keeps the automatic
    ones; ``newest_first`` orders the log from the latest decision."""

    actor: str | None = None
    action: str | None = None
    movement_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    newest_first: bool = False


def decision_page(store: Store, flt: DecisionFilter = DecisionFilter(),
                  limit: int | None = 50, offset: int = 0) -> Page:
    """Decisions with who, when, why and on which movement (``undone_by``: the decision
    that undid it; ``undoable``: whether an unmatch may undo it now)."""
    if flt.action is not None and flt.action not in {a.value for a in Action}:
        raise InputError(Location("query", element="action"),
                         f"unknown action {flt.action!r} (known: "
                         f"{', '.join(a.value for a in Action)})")
    where, params = _conditions((
        ("d.actor = ?", flt.actor), ("d.action = ?", flt.action),
        ("d.movement_id = ?", flt.movement_id),
        ("CAST(d.created_at AS DATE) >= ?", flt.date_from),
        ("CAST(d.created_at AS DATE) <= ?", flt.date_to)))
    order = "DESC" if flt.newest_first else "ASC"
    rows, total = store.page(_DECISIONS_SQL + where + f" ORDER BY d.decision_id {order}",
                        params, limit, offset)
    for d in rows:
        d["evidence"] = json.loads(d.pop("evidence_json"))
        d["amount"] = from_minor(d.pop("amount_minor"), d["currency"])
    return Page(rows, total, offset, limit)


def decision_log(store: Store, movement_id: int | None = None) -> list[dict[str, Any]]:
    """The decision log (every decision, or a movement's), oldest first, evidence parsed."""
    return decision_page(store, DecisionFilter(movement_id=movement_id), limit=None).rows


def _conditions(pairs: tuple[tuple[str, Any], ...]) -> tuple[str, list[Any]]:
    """`` WHERE …`` of the clauses whose value is given, and their parameters."""
    kept = [(clause, value) for clause, value in pairs if value is not None and value != ""]
    if not kept:
        return "", []
    params: list[Any] = []
    for clause, value in kept:
        params.extend([value] * clause.count("?"))
    return " WHERE " + " AND ".join(c for c, _ in kept), params


# -- movements -------------------------------------------------------------------------------

_MOVEMENTS_SQL = f"""
WITH settled AS ({SETTLED_SQL}),
live AS (SELECT movement_id, min(review_id) AS review_id FROM cm_review_items
         WHERE status = 'open' GROUP BY movement_id)
SELECT m.movement_id, m.booking_date, m.value_date, m.amount_minor, m.currency, m.account,
       m.counterparty_name, m.counterparty_iban, m.remittance, m.bank_reference, m.status,
       m.duplicate_of, m.source_file, m.source_position, l.review_id,
       CASE WHEN m.status <> 'booked' THEN 'duplicate'
            WHEN m.movement_id IN (SELECT movement_id FROM settled) THEN 'settled'
            WHEN l.review_id IS NOT NULL THEN 'review' ELSE 'new' END AS state,
       count(*) OVER () AS total
FROM cm_movements m LEFT JOIN live l USING (movement_id)
"""
MOVEMENT_STATES = ("settled", "review", "new", "duplicate")


@dataclass(frozen=True, slots=True)
class MovementFilter:
    """Which movements; None means no filter. ``state``: ``settled`` (a standing decision),
    ``review`` (an open review item), ``new`` (not matched yet) or ``duplicate``
    (suspected); ``text``: words of the payer's name, the remittance or the bank
    reference."""

    state: str | None = None
    text: str | None = None
    account: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def movements_page(store: Store, flt: MovementFilter = MovementFilter(),
                   limit: int | None = 50, offset: int = 0) -> Page:
    """Stored movements in id order with their ``state``, amounts as ``Decimal``."""
    if flt.state is not None and flt.state not in MOVEMENT_STATES:
        raise InputError(Location("query", element="state"),
                         f"unknown state {flt.state!r} (known: {', '.join(MOVEMENT_STATES)})")
    pattern = f"%{flt.text.strip()}%" if flt.text else None
    where, params = _conditions((
        ("m.account = ?", flt.account), ("m.booking_date >= ?", flt.date_from),
        ("m.booking_date <= ?", flt.date_to),
        ("(m.counterparty_name ILIKE ? OR m.remittance ILIKE ? OR m.bank_reference ILIKE ?)",
         pattern)))
    sql = f"SELECT * FROM ({_MOVEMENTS_SQL}{where})"
    if flt.state:
        sql = f"SELECT * EXCLUDE (total), count(*) OVER () AS total FROM ({sql}) WHERE state = ?"
        params.append(flt.state)
    rows, total = store.page(sql + " ORDER BY movement_id", params, limit, offset)
    for r in rows:
        r["amount"] = from_minor(r.pop("amount_minor"), r["currency"])
    return Page(rows, total, offset, limit)


def list_movements(store: Store) -> list[dict[str, Any]]:
    """Every stored movement, with its amount as a ``Decimal``."""
    return movements_page(store, limit=None).rows


# -- items -----------------------------------------------------------------------------------

_ITEMS_SQL = """
WITH applied AS (SELECT item_id, CAST(sum(amount_minor) AS BIGINT) AS applied_minor
                 FROM cm_allocations GROUP BY item_id),
items AS (
    SELECT i.item_id, i.kind, i.account, i.party_id, i.party_name, i.party_iban,
           i.reference, i.issue_date, i.due_date, i.currency, i.amount_minor, i.book_minor,
           i.book_currency,
           i.amount_minor - i.settled_outside_minor - coalesce(a.applied_minor, 0)
               AS open_minor,
           l.code AS lettrage_code
    FROM cm_items i LEFT JOIN applied a USING (item_id) LEFT JOIN cm_lettrage l USING (item_id)
    {where})
SELECT *, count(*) OVER () AS total FROM items {open}
"""
ITEM_SORTS = {"id": "item_id", "due": "due_date NULLS LAST, item_id",
              "amount": "amount_minor DESC, item_id"}


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Which open items; None means no filter. ``text``: found in the item's id, reference
    or party name; ``open_only``: only items with something still open."""

    party: str | None = None
    text: str | None = None
    open_only: bool = False
    kind: str | None = None
    sort: str = "due"


def items_page(store: Store, flt: ItemFilter = ItemFilter(), limit: int | None = 50,
               offset: int = 0) -> Page:
    """Items as imported, with what is still open on each and its lettrage code (amounts
    as ``Decimal``), in ``flt.sort`` order."""
    if flt.sort not in ITEM_SORTS:
        raise InputError(Location("query", element="sort"),
                         f"unknown sort {flt.sort!r} (known: {', '.join(ITEM_SORTS)})")
    pattern = f"%{flt.text.strip()}%" if flt.text else None
    where, params = _conditions((
        ("i.party_id = ?", flt.party), ("i.kind = ?", flt.kind),
        ("(i.item_id ILIKE ? OR i.reference ILIKE ? OR i.party_name ILIKE ?)", pattern)))
    sql = _ITEMS_SQL.format(where=where, open="WHERE open_minor <> 0" if flt.open_only else "")
    rows, total = store.page(sql + f" ORDER BY {ITEM_SORTS[flt.sort]}", params, limit, offset)
    for r in rows:
        ccy = r["currency"]
        r["amount"] = from_minor(r.pop("amount_minor"), ccy)
        r["open_amount"] = from_minor(r.pop("open_minor"), ccy)
        book = r.pop("book_minor")
        r["book_amount"] = None if book is None else from_minor(book, r["book_currency"])
    return Page(rows, total, offset, limit)


def list_items(store: Store) -> list[dict[str, Any]]:
    """Every open item as imported, with what is still open on it and its lettrage code
    (amounts as ``Decimal``)."""
    return items_page(store, ItemFilter(sort="id"), limit=None).rows


_BY_ID_SQL = """
SELECT i.item_id, i.party_id, i.party_name, i.reference, i.currency, i.due_date,
       i.amount_minor - i.settled_outside_minor - coalesce(a.applied_minor, 0) AS open_minor
FROM cm_items i
LEFT JOIN (SELECT item_id, CAST(sum(amount_minor) AS BIGINT) AS applied_minor
           FROM cm_allocations WHERE list_contains(?, item_id) GROUP BY item_id) a
     USING (item_id)
WHERE list_contains(?, i.item_id)
"""


def items_by_id(store: Store, item_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The items ``item_ids`` (those that exist): party, reference, currency, due date and
    ``open_minor``, what is still open on each. Looked up by id, so that a page showing a
    few items never reads them all."""
    if not item_ids:
        return {}
    return {r["item_id"]: r for r in store.dicts(_BY_ID_SQL, [item_ids, item_ids])}
