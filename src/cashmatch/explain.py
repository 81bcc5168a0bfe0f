"""One-line explanations of proposals, built from their evidence only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cashmatch.money import format_amount, from_minor


def _amt(minor: int, currency: str) -> str:
    return format_amount(from_minor(minor, currency))


_REF = {
    "exact": "reference {ref} found in the remittance",
    "rf": "RF creditor reference encodes {ref}",
    "tail": "number {tail} of the text ends reference {ref}",
    "fuzzy": "reference {ref} found with a typo ({sim}% similar)",
}
_PARTY = {
    "iban": "payer IBAN known for {party}",
    "name": "payer name matches {party}",
    "other": "payer IBAN belongs to another party than {party}",
}


def describe(ev: Mapping[str, Any]) -> str:
    """Explain a one-item proposal from its levels and amounts."""
    ref = ev.get("i_reference") or ev["item_id"]
    ccy = ev["m_currency"]
    parts = []
    level = ev.get("ref_level", "none")
    if level in _REF:
        parts.append(_REF[level].format(ref=ref, tail=ev.get("i_ref_tail"),
                                        sim=ev.get("ref_similarity")))
    else:
        parts.append(f"no reference to {ref}")
    m, o = ev["m_amount_minor"], ev["i_open_minor"]
    diff = abs(o - m)
    amount = ev.get("amount_level")
    if amount == "exact":
        parts.append(f"amount {_amt(m, ccy)} {ccy} equals the open amount")
    elif amount == "mismatch":
        parts.append(f"amount {_amt(m, ccy)} {ccy} cannot settle the open "
                     f"{_amt(o, ev['i_currency'])} {ev['i_currency']}")
    elif amount in ("fee", "discount", "rounding"):
        what = {"fee": "a bank fee", "discount": "an early-payment discount",
                "rounding": "a rounding difference"}[amount]
        parts.append(f"{_amt(diff, ccy)} short of the open {_amt(o, ccy)} {ccy}, read as {what}"
                     if abs(m) < abs(o) else
                     f"{_amt(diff, ccy)} over the open {_amt(o, ccy)} {ccy}, read as {what}")
    elif amount == "partial":
        parts.append(f"part payment of {_amt(m, ccy)} on the open {_amt(o, ccy)} {ccy}")
    elif amount == "over":
        parts.append(f"{_amt(diff, ccy)} {ccy} more than the open {_amt(o, ccy)}: the excess "
                     "stays on the party's account")
    party = ev.get("party_level", "none")
    if party in _PARTY:
        parts.append(_PARTY[party].format(party=ev.get("i_party") or ev.get("i_party_id") or "?"))
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def describe_subset(rows: Sequence[Mapping[str, Any]], n_ref: int, party: str) -> str:
    """Explain a several-items proposal."""
    ccy = rows[0]["m_currency"]
    items = " + ".join(f"{r.get('i_reference') or r['item_id']} ({_amt(r['i_open_minor'], ccy)})"
                       for r in rows)
    who = rows[0].get("i_party") or rows[0].get("i_party_id")
    text = f"{len(rows)} open items of {who} add up to the amount: {items}"
    text += f"; references found for {n_ref} of {len(rows)}" if n_ref else "; no reference found"
    if party in _PARTY:
        text += "; " + _PARTY[party].format(party=who)
    return text
