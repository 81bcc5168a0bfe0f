"""Evidence: each candidate pair measured feature by feature, in levels, and a confidence.

A feature (:class:`Feature`) measures one kind of evidence over the whole pair table at once
and gives each pair a level (kept as evidence and shown in explanations) worth some points
(log-odds, the ``[weights]`` of the rules file). :data:`FEATURES` lists them:

- **reference**: ``exact`` (the item's reference is in the text, separators ignored),
  ``rf`` (a valid ISO 11649 reference encodes it), ``number`` (every digit of it is a number
  of the text: "CHECK #4968" for CHK-4968), ``tail`` (its numeric tail, 4+ digits, is a
  number of the text), ``fuzzy`` (a word of the text is one typo away, rapidfuzz similarity ≥
  ``fuzzy_reference_min``), ``none``;
- **amount** (movement vs the item's open amount, same currency and sign): ``exact``,
  ``rounding`` (|difference| ≤ ``rounding_max``), ``discount`` (short by 0.5–3.5 %, or any
  such shortfall when the text says escompte/discount), ``fee`` (short by ≤ ``fee_max`` and
  ≤ ``fee_max_percent`` of the item), ``partial`` (less than open), ``over`` (more than
  open), ``mismatch``;
- **party**: ``iban`` (the payer's IBAN is known for the item's party, from the ledger, the
  payer memory or an ``[[alias]]`` rule), ``name`` (the payer's name matches the party's, or
  the memory knows the name), ``other`` (the payer is known, by its IBAN or its own name, as
  another party), ``none``;
- **date**: ``before_issue``, ``not_due``, ``due``, ``none`` (the payment's booking date
  against the item's issue and due dates); ``near`` or ``far`` for a ledger entry or a
  supplier's bill (the booking date against the item's own);
- **period**: ``match``, ``other``, ``none`` (months, weeks and dates the text names against
  the item's).

The points of the levels add up to a prior; the confidence is ``1 / (1 + exp(-points))``.
Points are kept in tenths as integers and the confidence in basis points, so decisions are
identical on every machine. No Python loop runs over pairs (polars expressions, rapidfuzz
``cpdist``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.config import Rules
from cashmatch.model import BP

if TYPE_CHECKING:
    import polars as pl

#: A near reference counts only from this length on: one typo in "FA2" is another invoice.
FUZZY_MIN_LENGTH = 6
#: A numeric tail counts as a reference from this many digits on.
TAIL_MIN_DIGITS = 4
#: Amount levels that settle the item in full, and those that post a difference.
FULL = ("exact", "rounding", "fee", "discount", "over")
ADJUSTED = ("rounding", "fee", "discount", "over")


def tenths(value: Decimal) -> int:
    return int(value * 10)


def cents(amount: Decimal) -> int:
    """A tolerance in the account currency's cents (tolerances are written for 2-decimal
    currencies)."""
    return int(amount * 100)


def confidence_bp(points_tenths: int) -> int:
    """Logistic of the evidence points, in basis points (deterministic)."""
    return round(BP / (1 + math.exp(-points_tenths / 10)))


def confidence_expr(points: pl.Expr) -> pl.Expr:
    """:func:`confidence_bp` over a column of points."""
    import polars as pl

    return (pl.lit(BP) / (1 + (-points.cast(pl.Float64) / 10).exp())).round(0).cast(pl.Int64)


@dataclass(frozen=True, slots=True)
class Feature:
    """One kind of evidence.

    Attributes:
        level_column: the column that holds a pair's level.
        measure: adds the measurements the level reads (may return the frame unchanged).
        level: the level of each pair, as an expression over the measured frame.
        points: the points of each pair (tenths), as an expression over the levels.
    """

    level_column: str
    measure: Callable[[pl.DataFrame, Rules], pl.DataFrame]
    level: Callable[[pl.DataFrame, Rules], pl.Expr]
    points: Callable[[Rules], pl.Expr]


#: The weight (a field of :class:`cashmatch.config.Weights`) each level of each feature adds;
#: None: no points. A payer named as the party's own scores ``party_name_same`` instead of
#: ``party_name`` (``same_name``), a text quoting another item ``ref_contradicted``
#: (``quotes_another``): :func:`weight_keys` says which weights a reading scored.
LEVEL_WEIGHTS: dict[str, dict[str, str | None]] = {
    "ref_level": {"exact": "ref_exact", "rf": "ref_rf", "number": "ref_number",
                  "tail": "ref_tail", "fuzzy": "ref_fuzzy", "none": None},
    "amount_level": {"exact": "amount_exact", "rounding": "amount_rounding",
                     "fee": "amount_fee", "discount": "amount_discount",
                     "partial": "amount_partial", "over": "amount_over",
                     "mismatch": "amount_mismatch"},
    "party_level": {"iban": "party_iban", "name": "party_name", "other": "party_other",
                    "none": None},
    "date_level": {"before_issue": "date_before_issue", "not_due": "date_not_due",
                   "due": None, "near": None, "far": None, "none": None},
    "period_level": {"match": "period_match", "other": "period_other", "none": None},
}


def weight_keys(evidence: dict[str, Any]) -> list[str]:
    """The weights a one-item reading scored, from its evidence (levels, ``same_name``,
    ``quotes_another``): its points are ``prior`` plus theirs."""
    keys = []
    for column, table in LEVEL_WEIGHTS.items():
        key = table.get(str(evidence.get(column)))
        if key == "party_name" and evidence.get("same_name"):
            key = "party_name_same"
        if key is not None:
            keys.append(key)
    if evidence.get("quotes_another"):
        keys.append("ref_contradicted")
    return keys


def _table_points(column: str, rules: Rules) -> pl.Expr:
    """The points of a feature's level (:data:`LEVEL_WEIGHTS`)."""
    import polars as pl

    w = rules.weights
    return pl.col(column).replace_strict(
        {level: 0 if key is None else tenths(getattr(w, key))
         for level, key in LEVEL_WEIGHTS[column].items()}, return_dtype=pl.Int64)


# -- reference --------------------------------------------------------------------------------


def _measure_reference(pairs: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """``ref_similarity``: how much of the item's reference the text holds, where a reference
    rule found the pair (the others are found by payer or amount: left unmeasured)."""
    import polars as pl
    from rapidfuzz import fuzz, process

    rows = pairs.get_column("m_compact").is_not_null().arg_true()
    measured = process.cpdist(pairs.get_column("i_ref_norm").gather(rows).to_list(),
                              pairs.get_column("m_compact").gather(rows).to_list(),
                              scorer=fuzz.partial_ratio, workers=1)
    return pairs.with_columns(pl.repeat(None, pairs.height, dtype=pl.Int64, eager=True)
                              .alias("ref_similarity")
                              .scatter(rows, pl.Series(measured).round(0).cast(pl.Int64)))


def _reference_level(pairs: pl.DataFrame, rules: Rules) -> pl.Expr:
    import polars as pl

    has = pl.col("rules").list.contains
    return (pl.when(has("ref_exact")).then(pl.lit("exact"))
            .when(has("ref_rf")).then(pl.lit("rf"))
            .when(has("ref_number")).then(pl.lit("number"))
            .when(has("ref_tail") & (pl.col("i_ref_tail_len").fill_null(0) >= TAIL_MIN_DIGITS))
            .then(pl.lit("tail"))
            .when(has("ref_typo")
                  & (pl.col("ref_similarity") >= rules.matching.fuzzy_reference_min)
                  & (pl.col("i_ref_norm").str.len_chars() >= FUZZY_MIN_LENGTH))
            .then(pl.lit("fuzzy"))
            .otherwise(pl.lit("none")))


def _reference_points(rules: Rules) -> pl.Expr:
    import polars as pl

    contradicted = tenths(rules.weights.ref_contradicted)
    return _table_points("ref_level", rules) + pl.when(pl.col("quotes_another")).then(
        contradicted).otherwise(0)


def _quotes_another() -> pl.Expr:
    """The text quotes another item than this one: it designates some (exactly, by RF or by
    every digit) and not this one, or it gives an invoice number that is not this item's
    and nothing else of the text designates it."""
    import polars as pl

    return (((pl.col("m_designated_n").fill_null(0) > 0)
             & ~pl.col("i_designated").fill_null(False))
            | ((pl.col("m_numbers_n").fill_null(0) > 0)
               & ~pl.col("i_number_quoted").fill_null(False)
               & (pl.col("ref_level") == "none")))


# -- amount -----------------------------------------------------------------------------------


def _measure_amount(pairs: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    import polars as pl

    return pairs.with_columns(
        (pl.col("m_amount_minor") - pl.col("i_open_minor")).alias("amount_diff_minor"),
        (pl.col("booking_date") - pl.col("due_date")).dt.total_days().alias("days_after_due"))


def _amount_level(pairs: pl.DataFrame, rules: Rules) -> pl.Expr:
    import polars as pl

    tol = rules.tolerances
    sign = pl.col("i_open_minor").sign()
    comparable = (pl.col("m_currency") == pl.col("i_currency")) & (
        pl.col("m_amount_minor").sign() == sign)
    short = (pl.col("i_open_minor") - pl.col("m_amount_minor")) * sign  # > 0: paid less
    # a foreign-currency item paid through the instructed amount: exact or partial only (the
    # difference in the ledger currency is an exchange difference, posted as such)
    fx = pl.col("fx").fill_null(False) if "fx" in pairs.columns else pl.lit(False)
    return (pl.when(fx & comparable & (short == 0)).then(pl.lit("exact"))
            .when(fx & comparable & (short > 0)).then(pl.lit("partial"))
            .when(fx | ~comparable).then(pl.lit("mismatch"))
            .when(short == 0).then(pl.lit("exact"))
            .when(short.abs() <= cents(tol.rounding_max)).then(pl.lit("rounding"))
            .when(_is_discount(short, rules)).then(pl.lit("discount"))
            .when(_is_fee(short, sign, rules)).then(pl.lit("fee"))
            .when(short > 0).then(pl.lit("partial"))
            .otherwise(pl.lit("over")))


def _is_discount(short: pl.Expr, rules: Rules) -> pl.Expr:
    """A receipt short by the early-payment discount of the item's terms (their rate, or a
    share between ``discount_min_percent`` and ``discount_max_percent`` when the terms give
    none), booked within the discount period (and ``discount_grace_days``)."""
    import polars as pl

    tol = rules.tolerances
    open_abs = pl.col("i_open_minor").abs()
    pct_lo, pct_hi = int(tol.discount_min_percent * 100), int(tol.discount_max_percent * 100)
    # the share in hundredths of a percent, with a cent of rounding either way
    in_range = ((short + 1) * 10_000 >= open_abs * pct_lo) & (
        (short - 1) * 10_000 <= open_abs * pct_hi)
    rate = pl.col("i_disc_rate_bp")
    at_rate = ((short * 10_000 - open_abs * rate).abs() <= 10_000 + open_abs)  # ±1 cent
    in_time = pl.col("booking_date") <= (
        pl.col("disc_until") + pl.duration(days=tol.discount_grace_days))
    return ((pl.col("i_open_minor") > 0) & (short > 0) & in_time.fill_null(False)
            & pl.when(rate.is_null()).then(in_range).otherwise(at_rate))


def _is_fee(short: pl.Expr, sign: pl.Expr, rules: Rules) -> pl.Expr:
    """A difference a bank kept (a receipt short) or added (a payment larger than the item):
    as much as the charges the bank states, or what the payer instructed was the item's
    amount; otherwise a whole number of currency units up to ``fee_max`` and
    ``fee_max_percent`` of the item, except on a receipt from an account of our own country
    (a domestic transfer passes no intermediary bank that could keep a charge)."""
    import polars as pl

    tol = rules.tolerances
    kept = short * sign                     # > 0: the bank took it (receipt short, payment more)
    open_abs = pl.col("i_open_minor").abs()
    stated = ((pl.col("m_charges_minor").fill_null(-1) == kept)
              | (pl.col("m_instructed_minor").fill_null(0) == pl.col("i_open_minor")))
    domestic_receipt = (sign > 0) & pl.col("m_domestic").fill_null(False)
    plain = ((kept % 100 == 0) & (kept * 10_000 <= open_abs * int(tol.fee_max_percent * 100))
             & ~domestic_receipt)
    return (kept > 0) & (kept <= cents(tol.fee_max)) & (stated | plain)


def _amount_points(rules: Rules) -> pl.Expr:
    return _table_points("amount_level", rules)


# -- party ------------------------------------------------------------------------------------


def _measure_party(pairs: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """``name_similarity`` of the payer's and the party's names (each couple of names
    compared once: a payer's name meets each of a party's items), and ``name_same``: the
    payer's name is the party's own — the same once normalised (case, accents, legal form),
    or that name cut at a bank's field limit (SWIFT lines of 35 characters, SEPA names of
    70). A name that only contains the party's name, or is contained in it ("ACME" in "ACME
    TRADING"), matches without being the same."""
    import polars as pl
    from rapidfuzz import fuzz, process

    couples = pairs.select(pl.col("m_name").fill_null(""), pl.col("i_name").fill_null(""))
    names = couples.unique(maintain_order=True)
    names = names.with_columns(pl.Series("_name_sim", process.cpdist(
        names.get_column("m_name").to_list(), names.get_column("i_name").to_list(),
        scorer=fuzz.token_set_ratio, workers=1)).round(0).cast(pl.Int64))
    m_name, i_name = pl.col("m_name"), pl.col("i_name")
    return pairs.with_columns(
        couples.join(names, on=["m_name", "i_name"], how="left", maintain_order="left")
        .get_column("_name_sim")).with_columns(
        # a payer name cut at 35/70 characters is a prefix of the ledger name
        pl.when((m_name.str.len_chars() >= 12) & i_name.str.starts_with(m_name)).then(100)
        .when((m_name == "") | (i_name == "")).then(0)
        .otherwise(pl.col("_name_sim")).alias("name_similarity"),
        ((m_name.fill_null("") != "")
         & ((m_name == i_name)
            | ((m_name.str.len_chars() >= 30) & i_name.str.starts_with(m_name))))
        .fill_null(False).alias("name_same"),
    ).drop("_name_sim")


def _party_level(pairs: pl.DataFrame, rules: Rules) -> pl.Expr:
    import polars as pl

    vias = pl.col("payer_vias").fill_null(pl.lit([], pl.List(pl.String)))
    return (pl.when(vias.list.contains("iban") | vias.list.contains("iban_memory")
                    | vias.list.contains("rule")).then(pl.lit("iban"))
            .when(pl.col("payer_other").fill_null(False) & (vias.list.len() == 0))
            .then(pl.lit("other"))
            .when(vias.list.contains("name_memory") | vias.list.contains("name_same")
                  | vias.list.contains("name_text")
                  | (pl.col("name_similarity") >= rules.matching.name_similarity_min))
            .then(pl.lit("name"))
            .otherwise(pl.lit("none")))


def _party_points(rules: Rules) -> pl.Expr:
    import polars as pl

    same = tenths(rules.weights.party_name_same)
    return pl.when(pl.col("same_name")).then(pl.lit(same)).otherwise(
        _table_points("party_level", rules))


# -- dates ------------------------------------------------------------------------------------

#: Days a ledger entry (a cheque written, a deposit recorded) may be booked by the bank
#: before the date the ledger gives it.
ENTRY_GRACE_DAYS = 3
#: Days before its due date from which an item is read as not due yet.
NOT_DUE_DAYS = 25
#: Days after a ledger entry's or a supplier bill's date within which the bank booking is
#: read as that entry's (a transfer or a card batch clears in days, a weekly bill is debited
#: in its week; a weekly line of the same amount is 7 days away).
ENTRY_NEAR_DAYS = 5
#: Kinds dated by the payment they wait for: a book entry (a cheque written, a payroll) or a
#: supplier's bill, paid from our side when it comes.
DATED_KINDS = ("entry", "supplier_invoice", "supplier_credit_note")


def _keep(pairs: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    return pairs


def _date_level(pairs: pl.DataFrame, rules: Rules) -> pl.Expr:
    """``before_issue`` (booked before the item existed: a payment cannot settle an invoice
    not issued yet, a cheque cannot clear before it is written), ``not_due`` (an invoice
    paid more than a few weeks before it falls due, while others are due), ``due``; for a
    ledger entry or a supplier's bill (:data:`DATED_KINDS`: its date is about the
    payment's own), ``near`` (booked within :data:`ENTRY_NEAR_DAYS` after it) or ``far``;
    ``none`` (no dates)."""
    import polars as pl

    booked, issued, due = pl.col("booking_date"), pl.col("issue_date"), pl.col("due_date")
    entry = pl.col("i_kind") == "entry"
    dated = pl.col("i_kind").is_in(DATED_KINDS)
    grace = pl.when(entry).then(pl.duration(days=ENTRY_GRACE_DAYS)).otherwise(
        pl.duration(days=0))
    return (pl.when(booked < issued - grace).then(pl.lit("before_issue"))
            .when(dated & ((booked - issued).dt.total_days() <= ENTRY_NEAR_DAYS)
                  & (entry | (booked > issued)))  # a bill is paid after the day it is dated
            .then(pl.lit("near"))
            .when(dated & issued.is_not_null()).then(pl.lit("far"))
            .when(~entry & ((due - booked).dt.total_days() > NOT_DUE_DAYS))
            .then(pl.lit("not_due"))
            .when(issued.is_not_null() | due.is_not_null()).then(pl.lit("due"))
            .otherwise(pl.lit("none")))


def _date_points(rules: Rules) -> pl.Expr:
    return _table_points("date_level", rules)


# -- periods ----------------------------------------------------------------------------------


def _period_level(pairs: pl.DataFrame, rules: Rules) -> pl.Expr:
    """``match`` (the text names a month, week or date of the item), ``other`` (it names
    some, none of them the item's) or ``none`` (it names none)."""
    import polars as pl

    return (pl.when(~pl.col("period_named").fill_null(False)).then(pl.lit("none"))
            .when(pl.col("period_match").fill_null(False)).then(pl.lit("match"))
            .otherwise(pl.lit("other")))


def _period_points(rules: Rules) -> pl.Expr:
    return _table_points("period_level", rules)


# -- what keeps a reading from being posted without a person -----------------------------------

#: Why a reading may not be posted automatically, whatever its confidence (see :func:`hold`;
#: the words for people are :data:`cashmatch.ledger.review.REASONS`).
HOLDS = ("duplicate", "mismatch", "over", "rival_exact", "discount_unearned", "partial",
         "other_party", "before_issue", "other_period", "other_reference")


def hold(rules: Rules) -> pl.Expr:
    """The first reason (a key of :data:`HOLDS`) that keeps each one-item reading from an
    automatic posting, or null: the evidence must designate the item, leave no unexplained
    remainder, and nothing may contradict it."""
    import polars as pl

    amount, m = pl.col("amount_level"), rules.matching
    quoted = pl.col("ref_level").is_in(["exact", "rf", "number", "tail", "fuzzy"])
    wanted_part = pl.col("m_partial_word").fill_null(False) & quoted
    # the text claims a discount the item's terms do not grant (none, or its period is over):
    # neither a part payment nor a bank fee
    unearned = amount.is_in(["partial", "fee"]) & pl.col("m_discount_word").fill_null(False)
    # a difference explained away while another item of the party is the amount paid
    rival_exact = (amount.is_in(ADJUSTED) | (amount == "partial")) & pl.col(
        "i_party_id").is_not_null() & (amount == "exact").any().over("movement_id", "i_party_id")
    return (pl.when(pl.col("m_duplicate_of").is_not_null()).then(pl.lit("duplicate"))
            .when(amount == "mismatch").then(pl.lit("mismatch"))
            .when((amount == "over") & pl.lit(not m.auto_overpayment)).then(pl.lit("over"))
            .when(rival_exact).then(pl.lit("rival_exact"))
            .when(unearned).then(pl.lit("discount_unearned"))
            .when((amount == "partial") & pl.lit(not m.auto_partial) & ~wanted_part)
            .then(pl.lit("partial"))
            .when(pl.col("party_level") == "other").then(pl.lit("other_party"))
            .when(pl.col("date_level") == "before_issue").then(pl.lit("before_issue"))
            # a period or date that is not the item's contradicts a weak designation; an
            # exact reference outweighs it (the date may be the transfer's own)
            .when((pl.col("period_level") == "other") & ~pl.col("ref_level").is_in(["exact", "rf"]))
            .then(pl.lit("other_period"))
            .when(_quotes_another()).then(pl.lit("other_reference"))
            .otherwise(pl.lit(None, pl.String)))


#: The features, in the order they are measured.
FEATURES = (
    Feature("ref_level", _measure_reference, _reference_level, _reference_points),
    Feature("amount_level", _measure_amount, _amount_level, _amount_points),
    Feature("party_level", _measure_party, _party_level, _party_points),
    Feature("date_level", _keep, _date_level, _date_points),
    Feature("period_level", _keep, _period_level, _period_points),
)

#: Columns :func:`score` adds.
SCORE_COLUMNS = {
    "ref_level": "String", "amount_level": "String", "party_level": "String",
    "date_level": "String", "period_level": "String", "hold": "String",
    "adjust_kind": "String", "name_same": "Boolean", "ref_similarity": "Int64",
    "name_similarity": "Int64", "same_name": "Boolean", "quotes_another": "Boolean",
    "amount_diff_minor": "Int64", "days_after_due": "Int64",
    "points": "Int64", "confidence_bp": "Int64", "applied_minor": "Int64",
    "adjust_minor": "Int64"}


def score(pairs: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Add every feature's measurements and level, ``points`` (tenths), ``confidence_bp``,
    ``applied_minor`` and the difference to post (``adjust_kind``, ``adjust_minor``).

    ``pairs`` needs: ``rules`` (blocking rules that found the pair), ``m_amount_minor``,
    ``m_currency``, ``m_compact`` (the movement's text key, for the pairs a reference rule
    found; null for the others), ``m_name``, ``m_discount_word``, ``booking_date``,
    ``i_ref_norm`` (null where ``m_compact`` is), ``i_ref_tail_len``, ``i_open_minor``,
    ``i_currency``, ``i_name``, ``due_date``, ``payer_vias`` (how the payer is known to be
    the item's party) and ``payer_other`` (the payer's IBAN is known for some party)."""
    import polars as pl

    if pairs.height == 0:
        return pairs.with_columns(pl.lit(None, getattr(pl, dtype)).alias(c)
                                  for c, dtype in SCORE_COLUMNS.items())
    for feature in FEATURES:
        pairs = feature.measure(pairs, rules)
    pairs = pairs.with_columns(f.level(pairs, rules).alias(f.level_column) for f in FEATURES)
    vias = pl.col("payer_vias").fill_null(pl.lit([], pl.List(pl.String)))
    pairs = pairs.with_columns(
        ((pl.col("party_level") == "name")
         & (pl.col("name_same") | vias.list.contains("name_same"))).alias("same_name"),
        _quotes_another().alias("quotes_another"))
    points = pl.lit(tenths(rules.weights.prior))
    for feature in FEATURES:
        points = points + feature.points(rules)
    return pairs.with_columns(points.alias("points"), hold(rules).alias("hold")).with_columns(
        confidence_expr(pl.col("points")).alias("confidence_bp"),
        _applied().alias("applied_minor"),
        pl.when(pl.col("amount_level").is_in(ADJUSTED))
        .then(pl.col("amount_level")).otherwise(None).alias("adjust_kind"),
        pl.when(pl.col("amount_level").is_in(ADJUSTED))
        .then(pl.col("i_open_minor") - pl.col("m_amount_minor")).otherwise(0)
        .alias("adjust_minor"))


def _applied() -> pl.Expr:
    """What a one-item proposal applies to its item: all that is open when the amount
    settles it in full, the payment when it pays part, else as much of either as fits."""
    import polars as pl

    open_ = pl.col("i_open_minor")
    return (pl.when(pl.col("amount_level").is_in(FULL)).then(open_)
            .when(pl.col("amount_level") == "partial").then(pl.col("m_amount_minor"))
            .otherwise(pl.min_horizontal(pl.col("m_amount_minor").abs(), open_.abs())
                       * open_.sign()))
