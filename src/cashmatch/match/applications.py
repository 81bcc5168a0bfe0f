"""A run's decisions as the journal takes them: decisions, entries and allocations frames.

The assignment gives its automatic applications in two shapes (a frame of one-item
applications, and :class:`~cashmatch.match.assign.Proposal` objects for the others); here
both become rows of the same frames (:data:`cashmatch.ledger.journal.DECISION_COLUMNS`,
:data:`cashmatch.ledger.posting.ENTRY_COLUMNS` and ``ALLOCATION_COLUMNS``), ignore
decisions first, then applications in movement order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cashmatch.config import IgnoreRule
from cashmatch.ledger.journal import decisions_frame
from cashmatch.match.assign import Assignment, Proposal, evidence_json_expr
from cashmatch.model import BP, Action

if TYPE_CHECKING:
    import polars as pl

_LINE = {"item_id": "String", "applied_minor": "Int64"}


def postings(result: Assignment, ignored: dict[int, IgnoreRule], facts: pl.DataFrame,
             item_facts: Callable[[list[str]], pl.DataFrame]
             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Decisions, entries and allocations of a run (``facts``: the run's movements as
    :meth:`~cashmatch.match.workspace.Workspace.posting_facts` gives them; ``item_facts``
    reads the open items posted)."""
    import polars as pl

    autos = _applications(result, facts)
    skipped = decisions_frame([_ignore_row(k, mid, rule) for k, mid in
                               enumerate(sorted(ignored)) for rule in [ignored[mid]]])
    autos = (autos.sort("movement_id")
             .with_columns((pl.int_range(pl.len()) + len(ignored)).cast(pl.Int64).alias("k"))
             .join(facts, on="movement_id", maintain_order="left"))
    decisions = pl.concat([skipped, autos.select(
        "k", "movement_id", pl.lit(None, pl.Int64).alias("review_id"),
        pl.lit(Action.AUTO.value).alias("action"), pl.lit("engine").alias("actor"),
        pl.concat_str(pl.lit("auto:"), "rule").alias("rule"),
        (pl.col("confidence_bp").cast(pl.Decimal(18, 4))
         / pl.lit(BP).cast(pl.Decimal(18, 4))).cast(pl.Decimal(5, 4)).alias("confidence"),
        "explanation", "evidence_json", pl.lit(None, pl.String).alias("reason"),
        pl.lit(None, pl.Int64).alias("reverses_decision_id"))])
    entries = autos.select(
        "k", "movement_id", "booking_date", "amount_minor", "currency", "bank_reference",
        "counterparty_name", "remittance", pl.lit(None, pl.String).alias("cash_account"),
        "adjust_kind", pl.col("adjust_minor").fill_null(0))
    lines = autos.select("k", "lines").explode("lines").unnest("lines")
    items = item_facts(lines.get_column("item_id").unique().to_list())
    allocations = lines.join(items, on="item_id", maintain_order="left").select(
        "k", "item_id", "account", "party_id", "party_name", "reference", "item_currency",
        "applied_minor", "open_minor", "item_amount_minor", "book_minor", "book_currency")
    return decisions, entries, allocations


def _applications(result: Assignment, facts: pl.DataFrame) -> pl.DataFrame:
    """One row per automatic application: ``movement_id``, ``rule``, ``explanation``,
    ``confidence_bp``, ``evidence_json`` (with the movement's input hash), ``adjust_kind``,
    ``adjust_minor`` and ``lines`` (``item_id``, ``applied_minor``)."""
    import polars as pl

    schema = {"movement_id": pl.Int64, "rule": pl.String, "explanation": pl.String,
              "confidence_bp": pl.Int64, "evidence_json": pl.String, "adjust_kind": pl.String,
              "adjust_minor": pl.Int64,
              "lines": pl.List(pl.Struct({"item_id": pl.String, "applied_minor": pl.Int64}))}
    parts = [pl.DataFrame(schema=schema)]
    if result.bulk is not None and result.bulk.height:
        parts.append(result.bulk.join(facts.select("movement_id", "input_hash"),
                                      on="movement_id", maintain_order="left").select(
            "movement_id", "rule", "explanation", "confidence_bp",
            evidence_json_expr("input_hash").alias("evidence_json"), "adjust_kind",
            "adjust_minor",
            pl.concat_list(pl.struct("item_id", "applied_minor")).alias("lines")))
    if result.auto:
        hashes = dict(facts.filter(pl.col("movement_id").is_in(
            [p.movement_id for p in result.auto])).select("movement_id", "input_hash")
            .iter_rows())
        parts.append(pl.DataFrame([_proposal_row(p, hashes[p.movement_id])
                                   for p in result.auto], schema=schema, orient="row"))
    return pl.concat(parts, how="vertical_relaxed")


def _proposal_row(p: Proposal, input_hash: str) -> tuple[Any, ...]:
    evidence = json.dumps(p.evidence | {"input_hash": input_hash}, ensure_ascii=False,
                          default=str, sort_keys=True, separators=(",", ":"))
    return (p.movement_id, p.rule, p.explanation, p.confidence_bp, evidence, p.adjust_kind,
            p.adjust_minor if p.adjust_kind else 0,
            [{"item_id": i, "applied_minor": a} for i, a in p.lines])


def _ignore_row(k: int, movement_id: int, rule: IgnoreRule) -> dict[str, Any]:
    return {"k": k, "movement_id": movement_id, "action": Action.IGNORE.value,
            "actor": "engine", "rule": f"ignore:{rule.name}",
            "explanation": f"Not a receipt to apply: matches ignore rule {rule.name}",
            "evidence_json": json.dumps({"pattern": rule.pattern, "rule": rule.name},
                                        ensure_ascii=False, separators=(",", ":")),
            "reason": rule.name}
