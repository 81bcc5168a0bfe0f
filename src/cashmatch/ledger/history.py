"""What happened: the story of one movement (what it is, every decision about it, every
review of it), the decision log, and the movements and items as they stand."""

from __future__ import annotations

import json
from typing import Any

from cashmatch.errors import NotFound
from cashmatch.money import from_minor
from cashmatch.store import Store


def movement_story(store: Store, movement_id: int) -> dict[str, Any]:
    """Movement, decisions (with evidence) and review items (with candidates), oldest first."""
    rows = store.dicts("SELECT movement_id, booking_date, amount_minor, currency, "
                       "counterparty_name, counterparty_iban, remittance, bank_reference, "
                       "source_file, source_position FROM cm_movements WHERE movement_id = ?",
                       [movement_id])
    if not rows:
        raise NotFound(f"no movement {movement_id}")
    mv = rows[0]
    mv["amount"] = from_minor(mv.pop("amount_minor"), mv["currency"])
    decisions = store.dicts(
        "SELECT decision_id, action, actor, rule, confidence, threshold, explanation, "
        "evidence_json, reason, rules_version, engine_version, created_at "
        "FROM cm_decisions WHERE movement_id = ? ORDER BY decision_id", [movement_id])
    for d in decisions:
        d["evidence"] = json.loads(d.pop("evidence_json"))
    reviews = store.dicts("SELECT review_id, run_id, reason, status, created_at, closed_at "
                          "FROM cm_review_items WHERE movement_id = ? ORDER BY review_id",
                          [movement_id])
    for r in reviews:
        r["candidates"] = store.dicts(
            "SELECT c.rank, c.confidence, c.rule, c.explanation, "
            "string_agg(l.item_id, '+' ORDER BY l.item_id) AS items "
            "FROM cm_candidates c JOIN cm_candidate_lines l USING (candidate_id) "
            "WHERE c.review_id = ? GROUP BY ALL ORDER BY c.rank", [r["review_id"]])
    return {"movement": mv, "decisions": decisions, "reviews": reviews}


_DECISIONS_SQL = """
SELECT decision_id, movement_id, review_id, run_id, action, actor, rule, confidence, threshold,
       explanation, evidence_json, reason, reverses_decision_id, rules_version, created_at
FROM cm_decisions
"""


def decision_log(store: Store, movement_id: int | None = None) -> list[dict[str, Any]]:
    """The decision log (every decision, or a movement's), oldest first, evidence parsed."""
    where, params = ("", []) if movement_id is None else (" WHERE movement_id = ?",
                                                          [movement_id])
    rows = store.dicts(_DECISIONS_SQL + where + " ORDER BY decision_id", params)
    for d in rows:
        d["evidence"] = json.loads(d.pop("evidence_json"))
    return rows


_MOVEMENTS_SQL = """
SELECT movement_id, booking_date, value_date, amount_minor, currency, account,
       counterparty_name, counterparty_iban, remittance, bank_reference, status, duplicate_of,
       source_file, source_position
FROM cm_movements ORDER BY movement_id
"""


def list_movements(store: Store) -> list[dict[str, Any]]:
    """Every stored movement, with its amount as a ``Decimal``."""
    rows = store.dicts(_MOVEMENTS_SQL)
    for r in rows:
        r["amount"] = from_minor(r.pop("amount_minor"), r["currency"])
    return rows


_ITEMS_SQL = """
SELECT i.item_id, i.kind, i.account, i.party_id, i.party_name, i.party_iban, i.reference,
       i.issue_date, i.due_date, i.currency, i.amount_minor, i.book_minor, i.book_currency,
       i.amount_minor - i.settled_outside_minor - coalesce(
           (SELECT CAST(sum(a.amount_minor) AS BIGINT) FROM cm_allocations a
            WHERE a.item_id = i.item_id), 0) AS open_minor,
       l.code AS lettrage_code
FROM cm_items i LEFT JOIN cm_lettrage l USING (item_id) ORDER BY i.item_id
"""


def list_items(store: Store) -> list[dict[str, Any]]:
    """Every open item as imported, with what is still open on it and its lettrage code
    (amounts as ``Decimal``)."""
    rows = store.dicts(_ITEMS_SQL)
    for r in rows:
        ccy = r["currency"]
        r["amount"] = from_minor(r.pop("amount_minor"), ccy)
        r["open_amount"] = from_minor(r.pop("open_minor"), ccy)
        book = r.pop("book_minor")
        r["book_amount"] = None if book is None else from_minor(book, r["book_currency"])
    return rows
