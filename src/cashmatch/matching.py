"""A matching run: the stages in order, in one transaction.

    open movements + open items
      → candidates   (:mod:`cashmatch.blocking`, SQL in DuckDB)
      → scores       (:mod:`cashmatch.scoring`, polars + rapidfuzz)
      → assignment   (:mod:`cashmatch.assign`, across the whole run)
      → decisions    (automatic applications posted through :mod:`cashmatch.journal`,
                      the rest queued for review with ranked candidates)

Each stage is a function of the previous stage's table, so any one of them can be replaced
without touching the others. A run considers every booked movement that is not settled yet
(not applied, not ignored); its earlier open review items are superseded by the new ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cashmatch import blocking
from cashmatch.assign import REASONS, assign
from cashmatch.config import Rules
from cashmatch.explain import describe
from cashmatch.journal import ENGINE_VERSION, Applier
from cashmatch.money import from_minor
from cashmatch.posting import ItemFacts, MovementFacts
from cashmatch.scoring import BP, score
from cashmatch.store import Store, now

#: Movements that are settled: applied or ignored by a decision that no later decision undid.
SETTLED_SQL = """
SELECT d.movement_id FROM cm_decisions d
WHERE d.action IN ('auto', 'accept', 'assign', 'ignore')
  AND NOT EXISTS (SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id)
"""

MOVEMENTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE cm_tmp_movements AS
SELECT m.movement_id, m.booking_date, m.amount_minor, m.currency, m.counterparty_name,
       m.counterparty_iban, m.remittance, m.bank_reference,
       array_to_string(json_extract_string(m.refs_json, '$[*].value'), ' ') AS refs_text,
       regexp_replace(upper(strip_accents(coalesce(m.counterparty_name, ''))), '[^A-Z0-9]', '', 'g')
           AS name_norm
FROM cm_movements m
WHERE m.status = 'booked' AND m.movement_id NOT IN ({SETTLED_SQL})
"""

PAIRS_WITH_FACTS_SQL = f"""
SELECT p.movement_id, p.item_id, p.match_key, p.rules,
       m.amount_minor AS m_amount_minor, m.currency AS m_currency,
       {blocking.MOVEMENT_TEXT} AS m_text,
       m.counterparty_iban AS m_iban,
       upper(strip_accents(coalesce(m.counterparty_name, ''))) AS m_name,
       m.booking_date,
       i.ref_norm AS i_ref_norm, i.reference AS i_reference, i.open_minor AS i_open_minor,
       i.currency AS i_currency, i.party_iban AS i_party_iban,
       upper(strip_accents(coalesce(i.party_name, ''))) AS i_name,
       i.party_name AS i_party, i.party_id AS i_party_id, i.account AS i_account,
       i.due_date
FROM cm_tmp_pairs p
JOIN cm_tmp_movements m USING (movement_id)
JOIN cm_tmp_open_items i USING (item_id)
ORDER BY p.movement_id, p.item_id
"""

EVIDENCE_COLUMNS = ("match_key", "rules", "ref_exact", "ref_similarity", "amount_exact",
                    "amount_diff_minor", "iban_match", "name_similarity", "days_after_due",
                    "ref_score", "amount_score", "party_score", "confidence_bp")


@dataclass(slots=True)
class MatchSummary:
    """What a run did: counts and amounts (per currency) by outcome."""

    run_id: int
    considered: int = 0
    auto: int = 0
    review: int = 0
    unmatched: int = 0
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def add_amount(self, outcome: str, currency: str, amount: Decimal) -> None:
        per = self.amounts.setdefault(outcome, {})
        per[currency] = per.get(currency, Decimal(0)) + amount


def evidence_of(row: dict[str, Any]) -> dict[str, Any]:
    """The evidence kept with a decision or candidate: blocking rules and features."""
    ev = {k: row[k] for k in EVIDENCE_COLUMNS if k in row}
    ev["rules"] = list(ev.get("rules") or [])
    return ev


def item_facts(row: dict[str, Any]) -> ItemFacts:
    ccy = row["i_currency"]
    return ItemFacts(row["item_id"], row["i_account"], row["i_party_id"], row["i_party"],
                     row["i_reference"], ccy, from_minor(row["i_open_minor"], ccy))


def run_match(store: Store, rules: Rules) -> MatchSummary:
    """Match every unsettled movement against the open items, in one transaction."""
    with store.transaction():
        run_id = store.next_id("cm_runs", "run_id")
        summary = MatchSummary(run_id)
        store.execute(MOVEMENTS_SQL)
        store.execute(blocking.OPEN_ITEMS_SQL)
        store.execute(blocking.TOKENS_SQL)
        store.execute(blocking.pairs_sql(blocking.rules(rules.matching.candidates_per_rule)))
        movements = {r["movement_id"]: r for r in store.dicts(
            "SELECT * FROM cm_tmp_movements ORDER BY movement_id")}
        pairs = store.frame(PAIRS_WITH_FACTS_SQL)
        scored = score(pairs, rules.matching)
        result = assign(scored, list(movements), rules.matching)
        stamp = now()
        store.execute(
            "UPDATE cm_review_items SET status = 'superseded', closed_at = ? "
            "WHERE status = 'open' AND movement_id IN (SELECT movement_id FROM cm_tmp_movements)",
            [stamp])
        applier = Applier(store, rules, run_id)
        auto_rows = list(result.auto.iter_rows(named=True))
        applier.preload([item_facts(row) for row in auto_rows])
        for row in auto_rows:
            mv = movements[row["movement_id"]]
            explanation = describe(row)
            decision_id = applier.decide(
                mv["movement_id"], "auto", "engine", f"auto:{row['match_key']}", explanation,
                evidence_of(row), confidence=Decimal(row["confidence_bp"]) / BP)
            facts = MovementFacts.from_row(mv)
            applier.apply(facts, [(item_facts(row), facts.amount)], decision_id)
            summary.auto += 1
            summary.add_amount("auto", facts.currency, facts.amount)
        applier.flush()
        _queue_for_review(store, run_id, movements, result.reasons, result.suggestions, summary)
        summary.considered = len(movements)
        store.execute("INSERT INTO cm_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [run_id, stamp, ENGINE_VERSION, rules.version, summary.considered,
                       summary.auto, summary.review, summary.unmatched])
        for table in ("cm_tmp_movements", "cm_tmp_open_items", "cm_tmp_tokens", "cm_tmp_pairs"):
            store.execute(f"DROP TABLE IF EXISTS {table}")
    return summary


def _queue_for_review(store: Store, run_id: int, movements: dict[int, dict[str, Any]],
                      reasons: dict[int, str], suggestions: Any, summary: MatchSummary) -> None:
    import polars as pl

    by_movement: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in suggestions.iter_rows(named=True):
        by_movement[row["movement_id"]].append(row)
    review_id = store.next_id("cm_review_items", "review_id")
    candidate_id = store.next_id("cm_candidates", "candidate_id")
    stamp = now()
    reviews, candidates, lines = [], [], []
    for mid, reason in sorted(reasons.items()):
        mv = movements[mid]
        amount = from_minor(mv["amount_minor"], mv["currency"])
        if reason == "no_candidate":
            summary.unmatched += 1
            summary.add_amount("unmatched", mv["currency"], amount)
        else:
            summary.review += 1
            summary.add_amount("review", mv["currency"], amount)
        reviews.append({"review_id": review_id, "movement_id": mid, "run_id": run_id,
                        "reason": reason, "status": "open", "created_at": stamp,
                        "closed_at": None, "decision_id": None})
        for row in by_movement.get(mid, []):
            candidates.append({
                "candidate_id": candidate_id, "review_id": review_id, "rank": row["rank"],
                "confidence": Decimal(row["confidence_bp"]) / BP,
                "rule": f"{row['match_key']}", "explanation": describe(row),
                "evidence_json": json.dumps(evidence_of(row), sort_keys=True, default=str)})
            lines.append({"candidate_id": candidate_id, "item_id": row["item_id"],
                          "amount_minor": row["applied_minor"]})
            candidate_id += 1
        review_id += 1
    if reviews:
        store.insert_frame("cm_review_items", pl.DataFrame(reviews, infer_schema_length=None)
                           .with_columns(pl.col("closed_at").cast(pl.Datetime("us")),
                                         pl.col("decision_id").cast(pl.Int64)))
    if candidates:
        store.insert_frame("cm_candidates", pl.DataFrame(candidates)
                           .with_columns(pl.col("confidence").cast(pl.Decimal(5, 4))))
        store.insert_frame("cm_candidate_lines", pl.DataFrame(lines))


def reason_text(code: str) -> str:
    """A person's words for a review reason code."""
    return REASONS.get(code, code)
