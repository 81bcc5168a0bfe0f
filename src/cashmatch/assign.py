"""Assignment: from scored pairs to decisions, across all movements of the run at once.

First version (one movement to one item):

- a movement is **applied automatically** when exactly one of its candidates has the exact
  reference *and* the exact open amount *and* reaches the auto threshold, and no other
  movement of the run claims that same item that way (conflicts are resolved over the whole
  run, never first-come-first-served: both claimants go to review);
- every other movement goes to the **review queue** with its best candidates, ranked, each
  with the amount it would apply (never more than the item's open amount);
- a movement without any candidate is **unmatched** (it is also queued for a person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cashmatch.config import Matching
from cashmatch.scoring import BP

if TYPE_CHECKING:
    import polars as pl

#: Deterministic order of candidates: best first, ties broken by evidence then age then id.
RANK_ORDER = (["confidence_bp", "ref_similarity", "_abs_diff", "due_date", "item_id"],
              [True, True, False, False, False])


@dataclass(frozen=True, slots=True)
class Assignment:
    """Output of :func:`assign`.

    Attributes:
        auto: one row per automatic application (movement_id, item_id, applied_minor and the
            pair's features).
        suggestions: ranked review candidates (movement_id, rank, item_id, applied_minor,
            features).
        reasons: movement_id → reason code for every movement that is not applied.
    """

    auto: pl.DataFrame
    suggestions: pl.DataFrame
    reasons: dict[int, str]


REASONS = {
    "conflict": "several movements claim the same item",
    "ambiguous": "several items fit equally well",
    "amount_differs": "the reference is found but the amount differs",
    "no_reference": "the amount fits but no reference is found",
    "weak": "only weak evidence",
    "no_candidate": "no candidate",
}


def assign(scored: pl.DataFrame, movement_ids: list[int], settings: Matching) -> Assignment:
    """Decide for every movement in ``movement_ids`` given its scored candidate pairs."""
    import polars as pl

    auto_bp = int(settings.auto_threshold * BP)
    min_bp = int(settings.review_min_confidence * BP)
    scored = scored.with_columns(pl.col("amount_diff_minor").abs().alias("_abs_diff"))
    strong = scored.filter(pl.col("ref_exact") & pl.col("amount_exact")
                           & (pl.col("confidence_bp") >= auto_bp))
    per_movement = strong.group_by("movement_id").agg(pl.len().alias("n"))
    unique = strong.join(per_movement.filter(pl.col("n") == 1), on="movement_id", how="semi")
    claims = unique.group_by("item_id").agg(pl.len().alias("claims"))
    auto = unique.join(claims.filter(pl.col("claims") == 1), on="item_id", how="semi")
    auto = auto.with_columns(pl.col("m_amount_minor").alias("applied_minor")).sort("movement_id")

    reasons: dict[int, str] = {}
    conflicted = set(unique.join(claims.filter(pl.col("claims") > 1), on="item_id", how="semi")
                     .get_column("movement_id").to_list())
    ambiguous = set(per_movement.filter(pl.col("n") > 1).get_column("movement_id").to_list())
    applied = set(auto.get_column("movement_id").to_list())

    usable = scored.filter(
        ~pl.col("movement_id").is_in(list(applied))
        & (pl.col("confidence_bp") >= min_bp)
        & (pl.col("m_currency") == pl.col("i_currency"))
        & (pl.col("m_amount_minor").sign() == pl.col("i_open_minor").sign()))
    suggestions = (
        usable.sort(RANK_ORDER[0], descending=RANK_ORDER[1], nulls_last=True)
        .with_columns(pl.col("item_id").cum_count().over("movement_id").alias("rank"))
        .filter(pl.col("rank") <= settings.max_suggestions)
        .with_columns(
            (pl.min_horizontal(pl.col("m_amount_minor").abs(), pl.col("i_open_minor").abs())
             * pl.col("i_open_minor").sign()).alias("applied_minor"))
        .sort(["movement_id", "rank"]))
    top = suggestions.filter(pl.col("rank") == 1)
    top_by_movement = {r["movement_id"]: r for r in top.iter_rows(named=True)}
    for mid in movement_ids:
        if mid in applied:
            continue
        if mid in conflicted:
            reasons[mid] = "conflict"
        elif mid in ambiguous:
            reasons[mid] = "ambiguous"
        elif mid not in top_by_movement:
            reasons[mid] = "no_candidate"
        else:
            row = top_by_movement[mid]
            if row["ref_exact"]:
                reasons[mid] = "amount_differs"
            elif row["amount_exact"]:
                reasons[mid] = "no_reference"
            else:
                reasons[mid] = "weak"
    return Assignment(auto=auto.drop("_abs_diff"), suggestions=suggestions.drop("_abs_diff"),
                      reasons=reasons)
