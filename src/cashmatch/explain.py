"""One-line explanations of candidates and decisions, built from their evidence only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cashmatch.money import format_amount, from_minor


def _amt(minor: int, currency: str) -> str:
    return format_amount(from_minor(minor, currency))


def describe(ev: Mapping[str, Any]) -> str:
    """Explain a scored pair: which evidence was found and how the amount compares.

    ``ev`` holds the evidence columns (see :mod:`cashmatch.scoring`) plus ``item_id``,
    ``i_reference``, ``i_party``, ``m_currency``, ``i_currency``.
    """
    ref = ev.get("i_reference") or ev["item_id"]
    ccy = ev["m_currency"]
    parts: list[str] = []
    if ev["ref_exact"]:
        parts.append(f"reference {ref} found in the remittance")
    elif (ev.get("ref_similarity") or 0) >= 80:
        parts.append(f"near reference {ref} ({ev['ref_similarity']}% similar)")
    else:
        parts.append(f"no reference to {ref}")
    open_minor = ev["i_open_minor"]
    diff = ev["amount_diff_minor"]
    if ev["m_currency"] != ev["i_currency"]:
        parts.append(f"currency {ccy} differs from the item's {ev['i_currency']}")
    elif ev["amount_exact"]:
        parts.append(f"amount {_amt(ev['m_amount_minor'], ccy)} {ccy} equals the open amount")
    elif diff < 0 and open_minor > 0 or diff > 0 and open_minor < 0:
        parts.append(f"amount {_amt(ev['m_amount_minor'], ccy)} is {_amt(abs(diff), ccy)} "
                     f"short of the open {_amt(open_minor, ccy)} {ccy}")
    else:
        parts.append(f"amount {_amt(ev['m_amount_minor'], ccy)} exceeds the open "
                     f"{_amt(open_minor, ccy)} {ccy} by {_amt(abs(diff), ccy)}")
    party = ev.get("i_party")
    if ev.get("iban_match"):
        parts.append(f"payer IBAN is {party}'s")
    elif (ev.get("name_similarity") or 0) >= 85:
        parts.append(f"payer name matches {party} ({ev['name_similarity']}%)")
    text = "; ".join(parts)
    return text[0].upper() + text[1:]
