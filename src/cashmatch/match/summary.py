"""What a matching run did, for a person: how many movements it considered (new ones, and
ones back from the review queue) and, per outcome, how many and how much, receipts apart from
payments, in every currency of the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cashmatch.money import from_minor

if TYPE_CHECKING:
    import polars as pl

#: What a run does with a movement: applied to items, posted by a rule, queued for review
#: (with candidates, or ``unmatched`` without any), or set aside by an ignore rule.
OUTCOMES = ("auto", "posted", "review", "unmatched", "ignored")


@dataclass(slots=True)
class MatchSummary:
    """What a run did.

    Attributes:
        considered: movements the run looked at; ``new`` of them for the first time,
            ``returning`` back from the review queue (queued by an earlier run, or reopened).
        auto, posted, review, unmatched, ignored: movements per outcome (see
            :data:`OUTCOMES`).
        currencies: the currencies of the movements considered.
        receipts / payments: outcome → currency → total of its receipts (positive) / its
            payments (negative), every currency of the run present.
        amounts: outcome → currency → receipts and payments together.
    """

    run_id: int
    considered: int = 0
    new: int = 0
    returning: int = 0
    auto: int = 0
    posted: int = 0
    review: int = 0
    unmatched: int = 0
    ignored: int = 0
    currencies: list[str] = field(default_factory=list)
    receipts: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    payments: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)


def summarise(run_id: int, outcomes: pl.DataFrame, facts: pl.DataFrame,
              returning: int) -> MatchSummary:
    """The summary of a run from the outcome of each movement it considered
    (``movement_id``, ``outcome``), the movements' ``amount_minor`` and ``currency``
    (``facts``) and how many came back from review."""
    import polars as pl

    rows = outcomes.join(facts.select("movement_id", "amount_minor", "currency"),
                         on="movement_id")
    amount = pl.col("amount_minor")
    totals = rows.group_by("outcome", "currency").agg(
        pl.len().alias("n"), amount.filter(amount > 0).sum().alias("in"),
        amount.filter(amount < 0).sum().alias("out"))
    currencies = sorted(rows.get_column("currency").unique().to_list())
    summary = MatchSummary(run_id, considered=rows.height, returning=returning,
                           new=rows.height - returning, currencies=currencies)
    for outcome in OUTCOMES:
        for table in (summary.receipts, summary.payments, summary.amounts):
            table[outcome] = {c: from_minor(0, c) for c in currencies}
    for outcome, currency, n, received, paid in totals.iter_rows():
        setattr(summary, outcome, getattr(summary, outcome) + n)
        summary.receipts[outcome][currency] = from_minor(received or 0, currency)
        summary.payments[outcome][currency] = from_minor(paid or 0, currency)
        summary.amounts[outcome][currency] = from_minor((received or 0) + (paid or 0),
                                                        currency)
    return summary
