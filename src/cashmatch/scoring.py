"""Scoring: features of each candidate pair, and a confidence built from them.

Features (one column each, all kept as evidence):

- ``ref_exact``: the item's reference was found in the movement text (blocking ``ref_exact``).
- ``ref_similarity``: 0–100, rapidfuzz ``partial_ratio`` of the item reference against the
  movement text with separators removed (100 when exact); catches typos.
- ``amount_diff_minor``: movement amount minus the item's open amount (minor units).
- ``amount_exact``: same currency and no difference.
- ``iban_match``: the payer's IBAN is the one known for the item's party.
- ``name_similarity``: 0–100, rapidfuzz ``token_set_ratio`` of payer and party names.
- ``days_after_due``: booking date minus due date.

The confidence is a weighted sum of three component scores, computed in integer basis points
(0–10000) so it is the same on every machine::

    reference: 10000 exact | similarity×80 when ≥ fuzzy_reference_min (refs of 6+ chars) | 0
    amount:    10000 exact | 5000 within 2 % | 2000 part of the open amount | 0
    party:     10000 IBAN  | name similarity×100 when ≥ name_similarity_min | 0

All columns are computed over the whole pair table at once (polars expressions and
rapidfuzz ``cpdist``), never with a Python loop over pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cashmatch.config import Matching

if TYPE_CHECKING:
    import polars as pl

BP = 10_000  # basis points: 1.0 == 10000
#: A near reference counts only from this length on: one typo in "FA2" is another invoice.
FUZZY_MIN_LENGTH = 6


def _bp(weight: object) -> int:
    from decimal import Decimal

    assert isinstance(weight, Decimal)
    return int(weight * BP)


def score(pairs: pl.DataFrame, settings: Matching) -> pl.DataFrame:
    """Add feature columns and ``confidence_bp`` to ``pairs``.

    ``pairs`` needs: ``rules`` (list of blocking rule names), ``m_amount_minor``,
    ``m_currency``, ``m_text``, ``m_iban``, ``m_name``, ``booking_date``, ``i_ref_norm``,
    ``i_open_minor``, ``i_currency``, ``i_party_iban``, ``i_name``, ``due_date``.
    """
    import polars as pl
    from rapidfuzz import fuzz, process

    if pairs.height == 0:
        return pairs.with_columns(
            pl.lit(None, pl.Boolean).alias(c) for c in ("ref_exact", "amount_exact", "iban_match")
        ).with_columns(
            pl.lit(None, pl.Int64).alias(c) for c in (
                "ref_similarity", "name_similarity", "amount_diff_minor", "days_after_due",
                "ref_score", "amount_score", "party_score", "confidence_bp"))
    compact = pairs.get_column("m_text").str.replace_all(r"[^A-Z0-9]", "").to_list()
    refs = pairs.get_column("i_ref_norm").to_list()
    ref_sim = process.cpdist(refs, compact, scorer=fuzz.partial_ratio, workers=1)
    names_m = pairs.get_column("m_name").fill_null("").to_list()
    names_i = pairs.get_column("i_name").fill_null("").to_list()
    name_sim = process.cpdist(names_m, names_i, scorer=fuzz.token_set_ratio, workers=1)
    df = pairs.with_columns(
        pl.col("rules").list.contains("ref_exact").alias("ref_exact"),
        pl.Series("_ref_sim", ref_sim).round(0).cast(pl.Int64),
        pl.Series("_name_sim", name_sim).round(0).cast(pl.Int64),
        (pl.col("m_amount_minor") - pl.col("i_open_minor")).alias("amount_diff_minor"),
        (pl.col("m_iban").is_not_null() & (pl.col("m_iban") == pl.col("i_party_iban")))
        .fill_null(False).alias("iban_match"),
        (pl.col("booking_date") - pl.col("due_date")).dt.total_days().alias("days_after_due"),
    ).with_columns(
        pl.when(pl.col("ref_exact")).then(100).otherwise(pl.col("_ref_sim")).alias("ref_similarity"),
        pl.when((pl.col("m_name") == "") | (pl.col("i_name") == "")).then(0)
        .otherwise(pl.col("_name_sim")).alias("name_similarity"),
        ((pl.col("amount_diff_minor") == 0) & (pl.col("m_currency") == pl.col("i_currency")))
        .alias("amount_exact"),
    ).drop("_ref_sim", "_name_sim")
    same_sign = pl.col("m_amount_minor").sign() == pl.col("i_open_minor").sign()
    same_ccy = pl.col("m_currency") == pl.col("i_currency")
    within_2pct = pl.col("amount_diff_minor").abs() * 50 <= pl.col("i_open_minor").abs()
    partial = pl.col("m_amount_minor").abs() < pl.col("i_open_minor").abs()
    df = df.with_columns(
        pl.when(pl.col("ref_exact")).then(BP)
        .when((pl.col("ref_similarity") >= settings.fuzzy_reference_min)
              & (pl.col("i_ref_norm").str.len_chars() >= FUZZY_MIN_LENGTH))
        .then(pl.col("ref_similarity") * 80).otherwise(0).alias("ref_score"),
        pl.when(pl.col("amount_exact")).then(BP)
        .when(same_ccy & same_sign & within_2pct).then(5000)
        .when(same_ccy & same_sign & partial).then(2000).otherwise(0).alias("amount_score"),
        pl.when(pl.col("iban_match")).then(BP)
        .when(pl.col("name_similarity") >= settings.name_similarity_min)
        .then(pl.col("name_similarity") * 100).otherwise(0).alias("party_score"),
    )
    w_ref, w_amt, w_party = (_bp(settings.weight_reference), _bp(settings.weight_amount),
                             _bp(settings.weight_party))
    return df.with_columns(
        ((pl.col("ref_score") * w_ref + pl.col("amount_score") * w_amt
          + pl.col("party_score") * w_party) // BP).cast(pl.Int64).alias("confidence_bp"))
