"""Explanations of one-item proposals, computed over a frame (polars)."""

from __future__ import annotations

from typing import Any

import polars as pl

from cashmatch.match.explain import describe_expr


def _pair(**over: Any) -> dict[str, Any]:
    row = {"item_id": "I1", "i_reference": "FA-2026-0012", "i_ref_tail": "12",
           "ref_level": "exact", "ref_similarity": 100, "amount_level": "exact",
           "m_amount_minor": 12000, "m_currency": "EUR", "i_open_minor": 12000,
           "i_currency": "EUR", "party_level": "iban", "i_party": "ACME SA", "i_party_id": "C1",
           "same_name": False}
    return row | over


def _describe(*rows: dict[str, Any]) -> list[str]:
    return pl.DataFrame(list(rows), schema={
        "item_id": pl.String, "i_reference": pl.String, "i_ref_tail": pl.String,
        "ref_level": pl.String, "ref_similarity": pl.Int64, "amount_level": pl.String,
        "m_amount_minor": pl.Int64, "m_currency": pl.String, "i_open_minor": pl.Int64,
        "i_currency": pl.String, "party_level": pl.String, "i_party": pl.String,
        "i_party_id": pl.String, "same_name": pl.Boolean}).select(describe_expr()).to_series().to_list()


def test_each_level_reads_as_a_sentence() -> None:
    assert _describe(
        _pair(),
        _pair(ref_level="rf", amount_level="fee", m_amount_minor=11985, party_level="none"),
        _pair(ref_level="tail", amount_level="discount", m_amount_minor=11760,
              party_level="name", i_party=""),
        _pair(ref_level="fuzzy", ref_similarity=91, amount_level="partial", m_amount_minor=5000,
              party_level="other"),
        _pair(ref_level="none", i_reference=None, amount_level="over", m_amount_minor=12500,
              i_party=None, i_party_id=None, party_level="name"),
        _pair(amount_level="mismatch", i_currency="JPY", i_open_minor=15000,
              party_level="none"),
        _pair(amount_level="rounding", m_amount_minor=12001, party_level="none"),
        _pair(ref_level="none", party_level="name", same_name=True),
        _pair(ref_level="none", party_level="name", same_name=None),
    ) == [
        ("Reference FA-2026-0012 found in the remittance; amount 120.00 EUR equals the open "
         "amount; payer IBAN known for ACME SA"),
        ("RF creditor reference encodes FA-2026-0012; 0.15 short of the open 120.00 EUR, read "
         "as a bank fee"),
        ("Number 12 of the text ends reference FA-2026-0012; 2.40 short of the open 120.00 EUR, "
         "read as an early-payment discount; payer name matches C1"),
        ("Reference FA-2026-0012 found with a typo (91% similar); part payment of 50.00 on the "
         "open 120.00 EUR; payer IBAN belongs to another party than ACME SA"),
        ("No reference to I1; 5.00 EUR more than the open 120.00: the excess stays on the "
         "party's account; payer name matches ?"),
        ("Reference FA-2026-0012 found in the remittance; amount 120.00 EUR cannot settle the "
         "open 15000 JPY"),
        ("Reference FA-2026-0012 found in the remittance; 0.01 over the open 120.00 EUR, read "
         "as a rounding difference"),
        ("No reference to FA-2026-0012; amount 120.00 EUR equals the open amount; payer name is "
         "that of ACME SA"),
        ("No reference to FA-2026-0012; amount 120.00 EUR equals the open amount; payer name "
         "matches ACME SA"),
    ]
