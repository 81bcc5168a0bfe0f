"""Scoring: the evidence of each candidate pair, in levels, and a confidence built from it.

Three features, each measured as a level (kept as evidence and shown in explanations):

- **reference**: ``exact`` (the item's reference is in the text, separators ignored),
  ``rf`` (a valid ISO 11649 reference encodes it), ``tail`` (its numeric tail, 4+ digits, is a
  number of the text), ``fuzzy`` (a word of the text is one typo away, rapidfuzz similarity ≥
  ``fuzzy_reference_min``), ``none``;
- **amount** (movement vs the item's open amount, same currency and sign): ``exact``,
  ``rounding`` (|difference| ≤ ``rounding_max``), ``discount`` (short by 0.5–3.5 %, or any
  such shortfall when the text says escompte/discount), ``fee`` (short by ≤ ``fee_max`` and
  ≤ ``fee_max_percent`` of the item),
  ``partial`` (less than open), ``over`` (more than open), ``mismatch``;
- **party**: ``iban`` (the payer's IBAN is known for the item's party, from the ledger, the
  payer memory or an ``[[alias]]`` rule), ``name`` (the payer's name matches the party's, or the memory knows the name),
  ``other`` (the payer's IBAN belongs to another party), ``none``.

Each level adds evidence points (log-odds, ``[weights]`` of the rules file) to a prior; the
confidence is ``1 / (1 + exp(-points))``. Points are kept in tenths as integers and the
confidence in basis points, so decisions are identical on every machine.

Everything is computed over the whole pair table at once (polars expressions, rapidfuzz
``cpdist``); no Python loop runs over pairs.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from cashmatch.config import Rules
from cashmatch.model import BP

if TYPE_CHECKING:
    import polars as pl

#: A near reference counts only from this length on: one typo in "FA2" is another invoice.
FUZZY_MIN_LENGTH = 6
#: A numeric tail counts as a reference from this many digits on.
TAIL_MIN_DIGITS = 4


def tenths(value: Decimal) -> int:
    return int(value * 10)


def confidence_bp(points_tenths: int) -> int:
    """Logistic of the evidence points, in basis points (deterministic)."""
    return round(BP / (1 + math.exp(-points_tenths / 10)))


def confidence_expr(points: pl.Expr) -> pl.Expr:
    import polars as pl

    return (pl.lit(BP) / (1 + (-points.cast(pl.Float64) / 10).exp())).round(0).cast(pl.Int64)


def score(pairs: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Add the levels, ``points`` (tenths), ``confidence_bp``, ``applied_minor`` and the
    difference to post (``adjust_kind``, ``adjust_minor``) to every pair.

    ``pairs`` needs: ``rules`` (blocking rules that found the pair), ``m_amount_minor``,
    ``m_currency``, ``m_compact`` (the movement's text without separators, upper case, for
    the pairs a reference rule found; null for the others), ``m_name``, ``m_discount_word``,
    ``booking_date``,
    ``i_ref_norm`` (null where ``m_compact`` is), ``i_ref_tail_len``, ``i_open_minor``,
    ``i_currency``, ``i_name``, ``due_date``,
    ``payer_vias`` (how the payer is known to be the item's party) and ``payer_other`` (the
    payer's IBAN is known for some party).
    """
    import polars as pl
    from rapidfuzz import fuzz, process

    if pairs.height == 0:
        return pairs.with_columns(
            pl.lit(None, pl.String).alias(c) for c in
            ("ref_level", "amount_level", "party_level", "adjust_kind")).with_columns(
            pl.lit(None, pl.Boolean).alias("name_same")).with_columns(
            pl.lit(None, pl.Int64).alias(c) for c in (
                "ref_similarity", "name_similarity", "amount_diff_minor", "days_after_due",
                "points", "confidence_bp", "applied_minor", "adjust_minor"))
    w, m, tol = rules.weights, rules.matching, rules.tolerances
    # how much of the item's reference the text holds, where a reference rule found the pair
    # (the others are found by payer or amount: their similarity is left unmeasured)
    rows = pairs.get_column("m_compact").is_not_null().arg_true()
    measured = process.cpdist(pairs.get_column("i_ref_norm").gather(rows).to_list(),
                              pairs.get_column("m_compact").gather(rows).to_list(),
                              scorer=fuzz.partial_ratio, workers=1)
    ref_sim = pl.repeat(None, pairs.height, dtype=pl.Int64, eager=True).alias(
        "ref_similarity").scatter(rows, pl.Series(measured).round(0).cast(pl.Int64))
    # a payer's name meets each of a party's items: compare each pair of names once
    couples = pairs.select(pl.col("m_name").fill_null(""), pl.col("i_name").fill_null(""))
    names = couples.unique(maintain_order=True)
    names = names.with_columns(pl.Series("_name_sim", process.cpdist(
        names.get_column("m_name").to_list(), names.get_column("i_name").to_list(),
        scorer=fuzz.token_set_ratio, workers=1)).round(0).cast(pl.Int64))
    has = pl.col("rules").list.contains
    vias = pl.col("payer_vias").fill_null(pl.lit([], pl.List(pl.String)))
    df = pairs.with_columns(
        ref_sim,
        couples.join(names, on=["m_name", "i_name"], how="left", maintain_order="left")
        .get_column("_name_sim"),
        (pl.col("m_amount_minor") - pl.col("i_open_minor")).alias("amount_diff_minor"),
        (pl.col("booking_date") - pl.col("due_date")).dt.total_days().alias("days_after_due"),
    ).with_columns(
        # a payer name cut at 35/70 characters is a prefix of the ledger name
        pl.when((pl.col("m_name").str.len_chars() >= 12)
                & pl.col("i_name").str.starts_with(pl.col("m_name"))).then(100)
        .when((pl.col("m_name") == "") | (pl.col("i_name") == "")).then(0)
        .otherwise(pl.col("_name_sim")).alias("name_similarity"),
        # the payer's name is the party's own name: the same once normalised (case, accents,
        # legal form), or that name cut at a bank's field limit (SWIFT lines of 35
        # characters, SEPA names of 70). A name that only contains the party's name, or is
        # contained in it ("ACME" in "ACME TRADING"), matches without being the same.
        ((pl.col("m_name").fill_null("") != "")
         & ((pl.col("m_name") == pl.col("i_name"))
            | ((pl.col("m_name").str.len_chars() >= 30)
               & pl.col("i_name").str.starts_with(pl.col("m_name")))))
        .fill_null(False).alias("name_same"),
    ).drop("_name_sim")

    ref_level = (
        pl.when(has("ref_exact")).then(pl.lit("exact"))
        .when(has("ref_rf")).then(pl.lit("rf"))
        .when(has("ref_tail") & (pl.col("i_ref_tail_len").fill_null(0) >= TAIL_MIN_DIGITS))
        .then(pl.lit("tail"))
        .when(has("ref_typo") & (pl.col("ref_similarity") >= m.fuzzy_reference_min)
              & (pl.col("i_ref_norm").str.len_chars() >= FUZZY_MIN_LENGTH)).then(pl.lit("fuzzy"))
        .otherwise(pl.lit("none")))

    sign = pl.col("i_open_minor").sign()
    comparable = (pl.col("m_currency") == pl.col("i_currency")) & (
        pl.col("m_amount_minor").sign() == sign)
    short = (pl.col("i_open_minor") - pl.col("m_amount_minor")) * sign  # > 0: paid less
    open_abs = pl.col("i_open_minor").abs()
    rounding = cents(tol.rounding_max)
    fee = cents(tol.fee_max)
    # discount share in hundredths of a percent, with a cent of rounding either way
    pct_lo = int(tol.discount_min_percent * 100)
    pct_hi = int(tol.discount_max_percent * 100)
    in_discount = ((short + 1) * 10_000 >= open_abs * pct_lo) & ((short - 1) * 10_000 <= open_abs * pct_hi)
    receipt = sign > 0
    # a foreign-currency item paid through the instructed amount: exact or partial only (the
    # difference in the ledger currency is an exchange difference, posted as such)
    fx = pl.col("fx").fill_null(False) if "fx" in pairs.columns else pl.lit(False)
    amount_level = (
        pl.when(fx & comparable & (short == 0)).then(pl.lit("exact"))
        .when(fx & comparable & (short > 0)).then(pl.lit("partial"))
        .when(fx).then(pl.lit("mismatch"))
        .when(~comparable).then(pl.lit("mismatch"))
        .when(short == 0).then(pl.lit("exact"))
        .when(short.abs() <= rounding).then(pl.lit("rounding"))
        .when(receipt & (short > 0) & pl.col("m_discount_word") & in_discount).then(pl.lit("discount"))
        .when(receipt & (short > 0) & (short <= fee)
              & (short * 10_000 <= open_abs * int(tol.fee_max_percent * 100))).then(pl.lit("fee"))
        .when(receipt & (short > 0) & in_discount).then(pl.lit("discount"))
        .when(short > 0).then(pl.lit("partial"))
        .otherwise(pl.lit("over")))

    party_level = (
        pl.when(vias.list.contains("iban") | vias.list.contains("iban_memory")
                | vias.list.contains("rule")).then(pl.lit("iban"))
        .when(pl.col("payer_other").fill_null(False)).then(pl.lit("other"))
        .when(vias.list.contains("name_memory")
              | (pl.col("name_similarity") >= m.name_similarity_min)).then(pl.lit("name"))
        .otherwise(pl.lit("none")))

    df = df.with_columns(ref_level.alias("ref_level"), amount_level.alias("amount_level"),
                         party_level.alias("party_level"))
    ref_pts = {"exact": w.ref_exact, "rf": w.ref_rf, "tail": w.ref_tail, "fuzzy": w.ref_fuzzy,
               "none": Decimal(0)}
    amount_pts = {"exact": w.amount_exact, "rounding": w.amount_rounding, "fee": w.amount_fee,
                  "discount": w.amount_discount, "partial": w.amount_partial,
                  "over": w.amount_over, "mismatch": w.amount_mismatch}
    party_pts = {"iban": w.party_iban, "name": w.party_name, "other": w.party_other,
                 "none": Decimal(0)}

    def pts(col: str, table: dict[str, Decimal]) -> pl.Expr:
        return pl.col(col).replace_strict({k: tenths(v) for k, v in table.items()},
                                          return_dtype=pl.Int64)

    party = (pl.when((pl.col("party_level") == "name") & pl.col("name_same"))
             .then(pl.lit(tenths(w.party_name_same))).otherwise(pts("party_level", party_pts)))
    points = (pl.lit(tenths(w.prior)) + pts("ref_level", ref_pts) + pts("amount_level", amount_pts)
              + party)
    full = pl.col("amount_level").is_in(["exact", "rounding", "fee", "discount", "over"])
    applied = (pl.when(full).then(pl.col("i_open_minor"))
               .when(pl.col("amount_level") == "partial").then(pl.col("m_amount_minor"))
               .otherwise(pl.min_horizontal(pl.col("m_amount_minor").abs(), open_abs) * sign))
    return df.with_columns(points.alias("points")).with_columns(
        confidence_expr(pl.col("points")).alias("confidence_bp"),
        applied.alias("applied_minor"),
        pl.when(pl.col("amount_level").is_in(["rounding", "fee", "discount", "over"]))
        .then(pl.col("amount_level")).otherwise(None).alias("adjust_kind"),
        pl.when(pl.col("amount_level").is_in(["rounding", "fee", "discount", "over"]))
        .then(pl.col("i_open_minor") - pl.col("m_amount_minor")).otherwise(0)
        .alias("adjust_minor"),
    )


def cents(amount: Decimal) -> int:
    """A tolerance in the account currency's cents (tolerances are written for 2-decimal
    currencies)."""
    return int(amount * 100)
