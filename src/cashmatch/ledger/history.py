"""The story of one movement: what it is, every decision about it, every review of it."""

from __future__ import annotations

import json
from typing import Any

from cashmatch.errors import ReviewError
from cashmatch.money import from_minor
from cashmatch.store import Store


def movement_story(store: Store, movement_id: int) -> dict[str, Any]:
    """Movement, decisions (with evidence) and review items (with candidates), oldest first."""
    rows = store.dicts("SELECT movement_id, booking_date, amount_minor, currency, "
                       "counterparty_name, counterparty_iban, remittance, bank_reference, "
                       "source_file, source_position FROM cm_movements WHERE movement_id = ?",
                       [movement_id])
    if not rows:
        raise ReviewError(f"no movement {movement_id}")
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
