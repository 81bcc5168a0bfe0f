"""A run's decisions as the journal takes them: decisions, entries, allocations and account
lines frames.

The assignment gives its automatic applications in two shapes (a frame of one-item
applications, and :class:`~cashmatch.match.assign.Proposal` objects for the others); here
both become rows of the same frames (:data:`cashmatch.ledger.journal.DECISION_COLUMNS`,
:data:`cashmatch.ledger.posting.ENTRY_COLUMNS` and ``ALLOCATION_COLUMNS``), ignore
decisions first, then the posting rules' decisions with their entries and account lines
(:data:`cashmatch.ledger.posting.ACCOUNT_LINE_COLUMNS`), then applications in movement
order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cashmatch.config import IgnoreRule, Ledger
from cashmatch.ledger.journal import decisions_frame
from cashmatch.ledger.posting import account_lines
from cashmatch.match.assign import Assignment, Proposal, evidence_json_expr
from cashmatch.match.text_rules import RulePosting
from cashmatch.model import BP, Action

if TYPE_CHECKING:
    import polars as pl

_LINE = {"item_id": "String", "applied_minor": "Int64"}


def postings(result: Assignment, ignored: dict[int, IgnoreRule],
             posted: dict[int, RulePosting], facts: pl.DataFrame,
             item_facts: Callable[[list[str]], pl.DataFrame], ledger: Ledger
             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Decisions, entries, allocations and account lines of a run (``facts``: the run's
    movements as :meth:`~cashmatch.match.workspace.Workspace.posting_facts` gives them;
    ``item_facts`` reads the open items posted)."""
    import polars as pl

    autos = _applications(result, facts)
    skipped = decisions_frame([_ignore_row(k, mid, rule) for k, mid in
                               enumerate(sorted(ignored)) for rule in [ignored[mid]]])
    by_rule = _rule_postings(posted, facts, len(ignored), ledger)
    first = len(ignored) + len(posted)
    autos = (autos.sort("movement_id")
             .with_columns((pl.int_range(pl.len()) + first).cast(pl.Int64).alias("k"))
             .join(facts, on="movement_id", maintain_order="left"))
    decisions = pl.concat([skipped, by_rule[0], autos.select(
        "k", "movement_id", pl.lit(None, pl.Int64).alias("review_id"),
        pl.lit(Action.AUTO.value).alias("action"), pl.lit("engine").alias("actor"),
        pl.concat_str(pl.lit("auto:"), "rule").alias("rule"),
        (pl.col("confidence_bp").cast(pl.Decimal(18, 4))
         / pl.lit(BP).cast(pl.Decimal(18, 4))).cast(pl.Decimal(5, 4)).alias("confidence"),
        "explanation", "evidence_json", pl.lit(None, pl.String).alias("reason"),
        pl.lit(None, pl.Int64).alias("reverses_decision_id"))])
    entries = pl.concat([by_rule[1], autos.select(
        "k", "movement_id", "booking_date", "amount_minor", "currency", "bank_reference",
        "counterparty_name", "remittance", pl.lit(None, pl.String).alias("cash_account"),
        "adjust_kind", pl.col("adjust_minor").fill_null(0))], how="vertical_relaxed")
    lines = autos.select("k", "lines").explode("lines").unnest("lines")
    items = item_facts(lines.get_column("item_id").unique().to_list())
    allocations = lines.join(items, on="item_id", maintain_order="left").select(
        "k", "item_id", "account", "party_id", "party_name", "reference", "item_currency",
        "applied_minor", "open_minor", "item_amount_minor", "book_minor", "book_currency")
    return decisions, entries, allocations, by_rule[2]


def _rule_postings(posted: dict[int, RulePosting], facts: pl.DataFrame, first: int,
                   ledger: Ledger) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Decisions, entries and account lines of the movements posting rules take, numbered
    ``k`` from ``first`` in movement order."""
    import polars as pl

    order = sorted(posted)
    keyed = pl.DataFrame({"movement_id": order, "k": range(first, first + len(order))},
                         schema={"movement_id": pl.Int64, "k": pl.Int64})
    rows = keyed.join(facts, on="movement_id", maintain_order="left")
    hashes = dict(rows.select("movement_id", "input_hash").iter_rows())
    decisions = decisions_frame([_post_row(k, mid, posted[mid], hashes[mid])
                                 for k, mid in enumerate(order, start=first)])
    entries = rows.select(
        "k", "movement_id", "booking_date", "amount_minor", "currency", "bank_reference",
        "counterparty_name", "remittance", pl.lit(None, pl.String).alias("cash_account"),
        pl.lit(None, pl.String).alias("adjust_kind"), pl.lit(0, pl.Int64).alias("adjust_minor"))
    lines = account_lines([
        {"k": k, "account": posted[mid].rule.account, "amount_minor": amount,
         "label": f"{posted[mid].rule.label} {name or text}",
         "vat_rate": posted[mid].rule.vat_rate, "vat_account": posted[mid].rule.vat_account}
        for k, mid, amount, name, text in rows.select(
            "k", "movement_id", "amount_minor", "counterparty_name", "remittance").iter_rows()],
        ledger)
    return decisions, entries, lines


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


def _post_row(k: int, movement_id: int, posting: RulePosting,
              input_hash: str) -> dict[str, Any]:
    rule = posting.rule
    evidence = posting.evidence | {"label": rule.label, "input_hash": input_hash}
    return {"k": k, "movement_id": movement_id, "action": Action.POST.value,
            "actor": "engine", "rule": f"post:{rule.name}",
            "explanation": f"Posted to {rule.account} ({rule.label}) by posting rule "
                           f"{rule.name}",
            "evidence_json": json.dumps(evidence, ensure_ascii=False, sort_keys=True,
                                        separators=(",", ":")),
            "reason": rule.name}


def _ignore_row(k: int, movement_id: int, rule: IgnoreRule) -> dict[str, Any]:
    return {"k": k, "movement_id": movement_id, "action": Action.IGNORE.value,
            "actor": "engine", "rule": f"ignore:{rule.name}",
            "explanation": f"Not a receipt to apply: matches ignore rule {rule.name}",
            "evidence_json": json.dumps({"pattern": rule.pattern, "rule": rule.name},
                                        ensure_ascii=False, separators=(",", ":")),
            "reason": rule.name}
