"""The rules file's text rules, applied to a run's movements.

- ``[[ignore]]``: movements whose text matches are not receipts to apply and are not to be
  posted: the run records an ``ignore`` decision naming the rule.
- ``[[post]]``: movements that settle no open item (bank fees, taxes, salaries, internal
  transfers...) are posted straight to an account: the run records a ``post`` decision
  naming the rule, with the conditions that held as its evidence.
- ``[[alias]]``: a payer IBAN, or payer names matching a pattern, stand for a party (a parent
  group paying for a subsidiary, a trade name): evidence of who pays, like the payer memory.

Both read each movement's ``text`` (payer name, remittance and references) as
:meth:`cashmatch.match.workspace.Workspace.texts` gives it; the patterns are Python regular
expressions (:func:`found`), run over the run's movements as columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.config import IgnoreRule, PostRule, Rules
from cashmatch.money import exponent

if TYPE_CHECKING:
    import polars as pl


def found(texts: pl.Series, pattern: str) -> pl.Series:
    """Whether ``pattern`` is found in each of ``texts``, over the whole column at once
    (polars' regular expressions, whose syntax is Python's for everything but look-arounds
    and back-references; a pattern with those is run by Python's ``re``, text by text)."""
    import polars as pl

    try:
        out = texts.str.contains(pattern)
    except pl.exceptions.ComputeError:
        rx = re.compile(pattern)
        out = texts.map_elements(lambda t: rx.search(t) is not None, return_dtype=pl.Boolean)
    return out.fill_null(False)


def _first(masks: list[pl.Series], height: int) -> pl.Series:
    """The position of the first true mask of each row (null when none is)."""
    import polars as pl

    chosen = pl.Series("rule", [None] * height, dtype=pl.Int32)
    for k, mask in reversed(list(enumerate(masks))):
        chosen = pl.select(pl.when(mask).then(pl.lit(k, pl.Int32)).otherwise(chosen)).to_series()
    return chosen


def _direction(amounts: pl.Series, wanted: str) -> pl.Series:
    if wanted == "any":
        return amounts.is_not_null()
    return amounts > 0 if wanted == "in" else amounts <= 0


def ignored(texts: pl.DataFrame, rules: Rules) -> dict[int, IgnoreRule]:
    """Movements an ``[[ignore]]`` rule sets aside, with the first rule that does."""
    if not rules.ignore or texts.height == 0:
        return {}
    text, amounts = texts.get_column("text"), texts.get_column("amount_minor")
    chosen = _first([_direction(amounts, r.direction) & found(text, r.pattern)
                     for r in rules.ignore], texts.height)
    return {mid: rules.ignore[k] for mid, k in zip(texts.get_column("movement_id"), chosen,
                                                   strict=True) if k is not None}


@dataclass(frozen=True, slots=True)
class RulePosting:
    """A movement a ``[[post]]`` rule takes: the rule, and what held (the decision's
    evidence)."""

    rule: PostRule
    evidence: dict[str, Any]


def posted(texts: pl.DataFrame, facts: Callable[[], pl.DataFrame], rules: Rules,
           skip: dict[int, IgnoreRule]) -> dict[int, RulePosting]:
    """Movements a ``[[post]]`` rule posts, with the first rule that does (``facts`` reads
    the movements' ``currency``; movements of ``skip``, set aside by an ignore rule, are left
    alone). The conditions are columns over all the movements; only the movements a rule
    takes are read one by one, for their evidence."""
    import polars as pl

    if not rules.postings or texts.height == 0:
        return {}
    rows = (texts.join(facts().select("movement_id", "currency"), on="movement_id",
                       maintain_order="left")
            .filter(~pl.col("movement_id").is_in(list(skip))))
    masks = [_conditions(rows, rule, rules) for rule in rules.postings]
    rows = rows.with_columns(_first(masks, rows.height).alias("_rule")).filter(
        pl.col("_rule").is_not_null())
    own = {bank.iban for bank in rules.banks}
    out = {}
    for mid, amount, iban, text, k in rows.select(
            "movement_id", "amount_minor", "counterparty_iban", "text", "_rule").iter_rows():
        rule = rules.postings[k]
        out[mid] = RulePosting(rule, _evidence(rule, amount, iban, text, own))
    return out


def _conditions(rows: pl.DataFrame, rule: PostRule, rules: Rules) -> pl.Series:
    """Whether each movement meets every condition of ``rule``."""
    import polars as pl

    amounts, iban = rows.get_column("amount_minor"), rows.get_column("counterparty_iban")
    held = _direction(amounts, rule.direction)
    currencies = rows.get_column("currency")
    for limit, at_least in ((rule.min_amount, True), (rule.max_amount, False)):
        if limit is not None:  # in minor units of each currency, exactly
            bound = {c: _minor_bound(limit, c, at_least) for c in currencies.unique()}
            minor = currencies.replace_strict(bound, return_dtype=pl.Int64)
            held &= amounts.abs() >= minor if at_least else amounts.abs() <= minor
    if rule.counterparty_iban:
        held &= iban.is_in(list(rule.counterparty_iban)).fill_null(False)
    if rule.own_account:
        held &= iban.is_in([bank.iban for bank in rules.banks]).fill_null(False)
    if rule.pattern:
        held &= found(rows.get_column("text"), rule.pattern)
    return held


def _minor_bound(limit: Decimal, currency: str, at_least: bool) -> int:
    """The whole number of minor units an amount of ``currency`` must reach (``at_least``)
    or not pass to be ``limit`` or more (or at most ``limit``)."""
    return int(limit.scaleb(exponent(currency)).to_integral_value(
        ROUND_CEILING if at_least else ROUND_FLOOR))


def _evidence(rule: PostRule, amount: int, iban: str | None, text: str,
              own: set[str]) -> dict[str, Any]:
    """What of ``rule`` a movement it takes met: the decision's evidence."""
    evidence: dict[str, Any] = {"rule": rule.name, "account": rule.account,
                                "direction": "in" if amount > 0 else "out"}
    if rule.pattern:
        hit = re.search(rule.pattern, text)
        evidence |= {"pattern": rule.pattern,
                     "matched": hit.group(0).strip() if hit else text.strip()}
    if rule.min_amount is not None or rule.max_amount is not None:
        evidence["amount_range"] = [str(rule.min_amount or ""), str(rule.max_amount or "")]
    if rule.counterparty_iban or rule.own_account:
        evidence["counterparty_iban"] = iban
    if rule.own_account:
        evidence["own_account"] = iban in own
    if rule.vat_rate:
        evidence["vat_rate"] = str(rule.vat_rate)
    return evidence


def named_payers(texts: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """``movement_id``, ``party_id``: the parties ``[[alias]]`` rules say pay each movement
    (by its payer IBAN, or a name pattern found in its text)."""
    import polars as pl

    schema = {"movement_id": pl.Int64, "party_id": pl.String}
    parts = [pl.DataFrame(schema=schema)]
    for r in rules.aliases if texts.height else ():
        held = texts.get_column("counterparty_iban").eq(r.iban or "").fill_null(False)
        if r.name_pattern:
            held |= found(texts.get_column("text"), r.name_pattern)
        parts.append(texts.filter(held).select(
            "movement_id", pl.lit(r.party, pl.String).alias("party_id")))
    return pl.concat(parts).sort("movement_id", maintain_order=True)
