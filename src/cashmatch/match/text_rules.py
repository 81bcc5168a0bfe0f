"""The rules file's text rules, applied to a run's movements.

- ``[[ignore]]``: movements whose text matches are not receipts to apply (card settlements,
  fees, salaries...): the run records an ``ignore`` decision naming the rule.
- ``[[alias]]``: a payer IBAN, or payer names matching a pattern, stand for a party (a parent
  group paying for a subsidiary, a trade name): evidence of who pays, like the payer memory.

Both read each movement's ``text`` (payer name, remittance and references) as
:meth:`cashmatch.match.workspace.Workspace.texts` gives it; the patterns are Python regular
expressions, run once per movement (a run's movements, not its items).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cashmatch.config import IgnoreRule, Rules

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
