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
expressions, run once per movement (a run's movements, not its items).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cashmatch.config import IgnoreRule, PostRule, Rules
from cashmatch.money import from_minor

if TYPE_CHECKING:
    import polars as pl


def ignored(texts: pl.DataFrame, rules: Rules) -> dict[int, IgnoreRule]:
    """Movements an ``[[ignore]]`` rule sets aside, with the first rule that does."""
    if not rules.ignore:
        return {}
    compiled = [(r, re.compile(r.pattern)) for r in rules.ignore]
    out = {}
    for mid, amount, text in texts.select("movement_id", "amount_minor", "text").iter_rows():
        direction = "in" if amount > 0 else "out"
        for rule, rx in compiled:
            if rule.direction in ("any", direction) and rx.search(text):
                out[mid] = rule
                break
    return out


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
    alone)."""
    if not rules.postings:
        return {}
    own = {bank.iban for bank in rules.banks}
    compiled = [(r, re.compile(r.pattern) if r.pattern else None) for r in rules.postings]
    rows = texts.join(facts().select("movement_id", "currency"), on="movement_id",
                      maintain_order="left")
    out = {}
    for mid, amount, iban, text, currency in rows.select(
            "movement_id", "amount_minor", "counterparty_iban", "text", "currency").iter_rows():
        if mid in skip:
            continue
        for rule, rx in compiled:
            evidence = _fits(rule, rx, amount, currency, iban, text, own)
            if evidence is not None:
                out[mid] = RulePosting(rule, evidence)
                break
    return out


def _fits(rule: PostRule, rx: re.Pattern[str] | None, amount: int, currency: str,
          iban: str | None, text: str, own: set[str]) -> dict[str, Any] | None:
    """What of ``rule`` a movement meets (its evidence), or None when a condition fails."""
    direction = "in" if amount > 0 else "out"
    if rule.direction not in ("any", direction):
        return None
    size = abs(from_minor(amount, currency))
    if rule.min_amount is not None and size < rule.min_amount:
        return None
    if rule.max_amount is not None and size > rule.max_amount:
        return None
    if rule.counterparty_iban and iban not in rule.counterparty_iban:
        return None
    if rule.own_account and iban not in own:
        return None
    found = rx.search(text) if rx is not None else None
    if rx is not None and found is None:
        return None
    evidence: dict[str, Any] = {"rule": rule.name, "account": rule.account,
                                "direction": direction}
    if found is not None:
        evidence |= {"pattern": rule.pattern, "matched": found.group(0).strip()}
    if rule.min_amount is not None or rule.max_amount is not None:
        evidence["amount_range"] = [str(rule.min_amount or ""), str(rule.max_amount or "")]
    if rule.counterparty_iban or rule.own_account:
        evidence["counterparty_iban"] = iban
    if rule.own_account:
        evidence["own_account"] = True
    if rule.vat_rate:
        evidence["vat_rate"] = str(rule.vat_rate)
    return evidence


def named_payers(texts: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """``movement_id``, ``party_id``: the parties ``[[alias]]`` rules say pay each movement
    (by its payer IBAN, or a name pattern found in its text)."""
    import polars as pl

    found: list[tuple[int, str]] = []
    if rules.aliases:
        by_iban = {r.iban: r.party for r in rules.aliases if r.iban}
        patterns = [(re.compile(r.name_pattern), r.party) for r in rules.aliases
                    if r.name_pattern]
        for mid, iban, text in texts.select("movement_id", "counterparty_iban",
                                            "text").iter_rows():
            if iban and iban in by_iban:
                found.append((mid, by_iban[iban]))
            found.extend((mid, party) for rx, party in patterns if rx.search(text))
    return pl.DataFrame(found, schema={"movement_id": pl.Int64, "party_id": pl.String},
                        orient="row")
