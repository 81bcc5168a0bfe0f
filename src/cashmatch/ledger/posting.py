"""Posting: applications → balanced journal lines, for any number of entries at once.

This is the one line-builder of cashmatch: a run's thousands of automatic applications, a
person's single decision (a one-row frame) and reversals all become lines here and pass
:func:`check_entries` before anything is written. For a movement of amount ``m`` applied to
items with allocations ``a1..an`` (same signs as the items' amounts, which are the movements
expected on the bank), with an optional difference ``x`` that explains why the items settled
are worth more (or less) than the money received::

    512 bank account      debit m                (credit -m for a payment)
    627/665/658 or 758    debit x                (a fee, a discount, a rounding loss; credit
                                                  -x for a rounding gain)
    411/401 item account  credit a_i             (debit -a_i for a credit note or supplier item)
    411/401 + party       credit -x              (an over-payment: the excess stays on the
                                                  party's account, lettered to nothing)
    656 / 756             the exchange difference, when an item is in another currency
    6xx / 4xx / 580 ...   credit b_j - v_j       a part b_j of the movement booked straight to
    4456x / 4457x         credit v_j             an account (a posting rule, a person), with
                                                  the VAT v_j it includes when it has a rate
    471 suspense          credit m + x - Σ a_i - Σ b_j   what is left unallocated

so every entry balances by construction, and :func:`check_entries` proves it. An item never
receives more than its open amount; an excess is always an explicit line.

Frames (amounts in integer minor units):

- **entries**, one row per entry: :data:`ENTRY_COLUMNS` — ``k`` identifies the entry in the
  batch; ``cash_account`` replaces the bank account (money reclassified from suspense);
  ``adjust_kind`` is ``fee``, ``discount``, ``rounding`` or ``over`` and ``adjust_minor`` the
  difference, debit-positive.
- **allocations**, in allocation order: :data:`ALLOCATION_COLUMNS` — the item's facts and
  ``applied_minor``, in the item's own currency.
- **account lines** (optional), in order: :data:`ACCOUNT_LINE_COLUMNS` — ``amount_minor``
  is the part of the movement booked to ``account`` (signed like the movement, VAT
  included), ``vat_bp`` the VAT rate it includes in basis points (2000 for 20 %; null or 0
  for none) and ``vat_account`` where that VAT goes; ``item_id`` ties the line to an item
  (a refund owed) for lettrage.
- **lines**: :data:`LINE_COLUMNS`, numbered from 1 within each entry.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.config import Ledger
from cashmatch.errors import PostingError
from cashmatch.money import exponent, format_amount, from_minor

if TYPE_CHECKING:
    import polars as pl

ENTRY_COLUMNS = ("k", "movement_id", "booking_date", "amount_minor", "currency",
                 "bank_reference", "counterparty_name", "remittance", "cash_account",
                 "adjust_kind", "adjust_minor")
ALLOCATION_COLUMNS = ("k", "item_id", "account", "party_id", "party_name", "reference",
                      "item_currency", "applied_minor", "open_minor", "item_amount_minor",
                      "book_minor", "book_currency")
ACCOUNT_LINE_COLUMNS = ("k", "account", "aux_account", "aux_label", "label", "amount_minor",
                        "vat_bp", "vat_account", "item_id")
LINE_COLUMNS = ("k", "line_no", "account", "aux_account", "aux_label", "label", "debit_minor",
                "credit_minor", "currency", "item_id")

#: The label of the line posting each kind of difference.
ADJUST_LABELS = {"fee": "Frais bancaires déduits", "discount": "Escompte accordé",
                 "rounding": "Écart de règlement", "over": "Trop-perçu"}
LABEL_LIMIT = 100


def one_line_differences(ledger: Ledger) -> tuple[str, ...]:
    """The kinds of difference posted as a single line: all but a discount the ledger splits
    into its net part and VAT."""
    return tuple(k for k in ADJUST_LABELS if k != "discount" or not ledger.discount_vat_rate)


# -- labels ----------------------------------------------------------------------------------


@functools.cache
def _spaces() -> str:
    """The characters :meth:`str.split` splits on (none above U+3000), as a
    regular-expression class: polars' ``\\s`` is Unicode's White_Space, which leaves out
    U+001C to U+001F."""
    spaces = [c for c in map(chr, range(0x3001)) if c.isspace()]
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in spaces) + "]"


def label_expr(text: pl.Expr, limit: int = LABEL_LIMIT) -> pl.Expr:
    """A journal label of each text: whitespace runs made one space, at most ``limit``
    characters, "-" when nothing is left."""
    import polars as pl

    clean = text.fill_null("").str.replace_all(_spaces() + "+", " ").str.strip_chars(" ")
    return pl.when(clean == "").then(pl.lit("-")).otherwise(clean.str.slice(0, limit))


# -- checks ----------------------------------------------------------------------------------


def check_allocations(entries: pl.DataFrame, allocations: pl.DataFrame,
                      accounts: pl.DataFrame | None = None) -> None:
    """Refuse allocations that over-apply an item (alone or with others of the batch), flip a
    sign, value a foreign item without its book amount, or exceed their movement (plus the
    explained difference) with its account lines: :class:`PostingError` names the first."""
    import polars as pl

    rows = allocations.join(entries.select("k", "movement_id", "currency"), on="k",
                            maintain_order="left")
    applied, open_ = pl.col("applied_minor"), pl.col("open_minor")
    foreign = pl.col("item_currency") != pl.col("currency")
    problems = [
        (foreign & ((pl.col("book_currency").ne_missing(pl.col("currency")))
                    | pl.col("book_minor").is_null()
                    | (pl.col("item_amount_minor").fill_null(0) == 0)),
         ("item {item_id} is in {item_currency}, the movement in {currency}, and the item "
          "has no book amount in {currency} to value it")),
        (applied == 0, "allocation to item {item_id} is zero"),
        ((applied > 0).ne(open_ > 0) | (open_ == 0),
         ("allocation {applied} to item {item_id} does not have the sign of its open "
          "amount {open}")),
        ((applied.abs() > open_.abs())
         | (applied.sum().over("item_id").abs() > open_.abs()),
         "allocation {applied} exceeds the open amount {open} of item {item_id}"),
    ]
    for mask, message in problems:
        _refuse_first(rows.filter(mask), message)
    _check_totals(entries, rows, _account_totals(entries, accounts))


def _account_totals(entries: pl.DataFrame, accounts: pl.DataFrame | None) -> pl.DataFrame:
    """``k``, ``_booked``: what each entry books straight to accounts; a line that is zero
    or has not its movement's sign is refused."""
    import polars as pl

    if accounts is None or accounts.height == 0:
        return pl.DataFrame(schema={"k": pl.Int64, "_booked": pl.Int64})
    rows = accounts.join(entries.select("k", "amount_minor", "currency"), on="k",
                         maintain_order="left")
    wrong = rows.filter((pl.col("amount_minor_right") == 0) | (pl.col("amount_minor") == 0)
                        | ((pl.col("amount_minor") > 0) != (pl.col("amount_minor_right") > 0)))
    if wrong.height:
        row = wrong.row(0, named=True)
        raise PostingError(f"a line of {_text(row['amount_minor'], row['currency'])} on "
                           f"{row['account']} does not have the sign of its movement "
                           f"{_text(row['amount_minor_right'], row['currency'])}")
    bad_rate = rows.filter((pl.col("vat_bp").fill_null(0) < 0)
                           | (pl.col("vat_bp").fill_null(0) >= 10_000))
    if bad_rate.height:
        raise PostingError(f"a VAT rate of {bad_rate.item(0, 'vat_bp')} basis points is not "
                           "a rate below 100 %")
    return rows.group_by("k").agg(pl.col("amount_minor").sum().alias("_booked"))


def _refuse_first(bad: pl.DataFrame, message: str) -> None:
    if bad.height == 0:
        return
    row = bad.row(0, named=True)
    ccy = row["item_currency"]
    raise PostingError(message.format(
        applied=format_amount(from_minor(row["applied_minor"], ccy)),
        open=format_amount(from_minor(row["open_minor"], ccy)), **row))


def _check_totals(entries: pl.DataFrame, rows: pl.DataFrame, booked: pl.DataFrame) -> None:
    """Each entry's allocations and account lines within its movement plus the explained
    difference (allocations are not checked where an item is in another currency: the
    exchange line balances those)."""
    import polars as pl

    totals = rows.group_by("k").agg(
        pl.col("applied_minor").sum().alias("_total"),
        (pl.col("item_currency") != pl.col("currency")).any().alias("_foreign"))
    checked = (entries.join(totals, on="k", how="left", maintain_order="left")
               .join(booked, on="k", how="left", maintain_order="left").with_columns(
        (pl.col("_total").fill_null(0) + pl.col("_booked").fill_null(0)).alias("_total"),
        pl.col("_foreign").fill_null(False),
        (pl.col("amount_minor") + pl.col("adjust_minor").fill_null(0)).alias("_available")))
    for row in checked.iter_rows(named=True):
        ccy, adjust = row["currency"], row["adjust_minor"] or 0
        if row["_foreign"]:
            if adjust:
                raise PostingError("an exchange difference cannot be combined with another "
                                   "difference in one entry")
            continue
        available, total = row["_available"], row["_total"]
        if adjust and (available > 0) != (row["amount_minor"] > 0):
            raise PostingError(f"a {row['adjust_kind']} of {_text(adjust, ccy)} cannot exceed "
                               f"the movement {_text(row['amount_minor'], ccy)}")
        if not (0 <= total <= available if available >= 0 else available <= total <= 0):
            raise PostingError(f"allocations total {_text(total, ccy)} but movement "
                               f"{row['movement_id']} is {_text(row['amount_minor'], ccy)}: a "
                               "movement cannot be applied beyond its amount")


def _text(minor: int, currency: str) -> str:
    return format_amount(from_minor(minor, currency))


def check_entries(lines: pl.DataFrame) -> None:
    """Every line one-sided and non-negative; Σ debit = Σ credit in each entry."""
    import polars as pl

    debit, credit = pl.col("debit_minor"), pl.col("credit_minor")
    bad = lines.filter((debit < 0) | (credit < 0) | ((debit == 0) == (credit == 0)))
    if bad.height:
        row = bad.row(0, named=True)
        raise PostingError(
            f"line on {row['account']} must have exactly one positive side (debit "
            f"{_text(row['debit_minor'], row['currency'])}, credit "
            f"{_text(row['credit_minor'], row['currency'])})")
    sums = lines.group_by("k", maintain_order=True).agg(
        debit.sum(), credit.sum(), pl.col("currency").first()).filter(debit != credit)
    if sums.height:
        row = sums.row(0, named=True)
        raise PostingError(f"entry does not balance: debit "
                           f"{_text(row['debit_minor'], row['currency'])}, credit "
                           f"{_text(row['credit_minor'], row['currency'])}")


# -- the line-builder ------------------------------------------------------------------------


def entry_lines(entries: pl.DataFrame, allocations: pl.DataFrame, ledger: Ledger,
                accounts: pl.DataFrame | None = None) -> pl.DataFrame:
    """The lines of every entry (see the module docstring), checked."""
    import polars as pl

    check_allocations(entries, allocations, accounts)
    allocs = _valued(allocations.join(entries.select("k", "currency"), on="k",
                                      maintain_order="left").with_row_index("_pos"))
    booked = (accounts if accounts is not None else pl.DataFrame(
        schema={"k": pl.Int64, "amount_minor": pl.Int64})).join(
        entries.select("k", "currency"), on="k", maintain_order="left")
    parts = [_bank_lines(entries, ledger), _adjustment_lines(entries, allocs, ledger),
             _item_lines(allocs), _account_lines(booked),
             _remainder_lines(entries, allocs, booked, ledger)]
    lines = (pl.concat([p for p in parts if p.height], how="vertical_relaxed")
             .sort("k", "_order", maintain_order=True)
             .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("k")
                           .alias("line_no")))
    signed = pl.col("_signed")
    lines = lines.select(
        "k", "line_no", "account", "aux_account", "aux_label", "label",
        pl.when(signed > 0).then(signed).otherwise(0).alias("debit_minor"),
        pl.when(signed < 0).then(-signed).otherwise(0).alias("credit_minor"),
        "currency", "item_id")
    check_entries(lines)
    return lines


def _line(order: pl.Expr | int, account: pl.Expr | str, signed: pl.Expr, text: pl.Expr,
          aux: pl.Expr | None = None, aux_label: pl.Expr | None = None,
          item: pl.Expr | None = None) -> list[pl.Expr]:
    """The columns of one line of each row of a frame (``k`` and ``currency`` carried)."""
    import polars as pl

    def given(x: pl.Expr | str | int | None, dtype: pl.DataType) -> pl.Expr:
        return x if isinstance(x, pl.Expr) else pl.lit(x, dtype)

    return ["k", given(order, pl.Int64()).cast(pl.Int64).alias("_order"),
            given(account, pl.String()).alias("account"),
            given(aux, pl.String()).alias("aux_account"),
            given(aux_label, pl.String()).alias("aux_label"),
            label_expr(text).alias("label"), signed.cast(pl.Int64).alias("_signed"),
            "currency", given(item, pl.String()).alias("item_id")]


def _who() -> pl.Expr:
    import polars as pl

    return pl.col("counterparty_name").fill_null("")


def _bank_lines(entries: pl.DataFrame, ledger: Ledger) -> pl.DataFrame:
    import polars as pl

    return entries.select(_line(
        0, pl.col("cash_account").fill_null(ledger.bank_account), pl.col("amount_minor"),
        pl.concat_str(_who(), pl.lit(" "), pl.col("remittance").fill_null(""))))


def _adjustment_lines(entries: pl.DataFrame, allocs: pl.DataFrame,
                      ledger: Ledger) -> pl.DataFrame:
    """The line posting each entry's difference (two for a discount split with its VAT),
    named after the entry's first item."""
    import polars as pl

    adjusted = entries.filter(pl.col("adjust_kind").is_not_null()
                              & (pl.col("adjust_minor").fill_null(0) != 0))
    if adjusted.height == 0:
        return adjusted.select(_line(0, "", pl.lit(0), pl.lit("")))
    first = allocs.group_by("k", maintain_order=True).first().select(
        "k", pl.col("account").alias("_item_account"), "party_id", "party_name",
        pl.coalesce("reference", "item_id").alias("_ref"))
    rows = adjusted.join(first, on="k", how="left", maintain_order="left")
    kind, amount = pl.col("adjust_kind"), pl.col("adjust_minor")
    vat = _vat(amount, ledger) if ledger.discount_vat_rate else pl.lit(0, pl.Int64)
    split = (kind == "discount") & (vat != 0)
    account = (pl.when(kind == "over")
               .then(pl.lit(ledger.overpayment_account or None, pl.String)
                     .fill_null(pl.col("_item_account")))
               .when(kind == "fee").then(pl.lit(ledger.fee_account))
               .when(kind == "discount").then(pl.lit(ledger.discount_account))
               .when(amount > 0).then(pl.lit(ledger.writeoff_loss_account))
               .otherwise(pl.lit(ledger.writeoff_gain_account)))
    over = kind == "over"
    title = kind.replace_strict(ADJUST_LABELS, default=kind)
    text = pl.concat_str(title, pl.lit(" "),
                         pl.when(over).then(pl.col("party_name").fill_null(""))
                         .otherwise(pl.col("_ref").fill_null("")))
    main = rows.select(_line(1, account, pl.when(split).then(amount - vat).otherwise(amount),
                             text, pl.when(over).then(pl.col("party_id")),
                             pl.when(over).then(pl.col("party_name"))))
    taxes = rows.filter(split).select(_line(
        2, ledger.vat_account, vat,
        pl.concat_str(pl.lit("TVA sur escompte "), pl.col("_ref").fill_null(""))))
    return pl.concat([main, taxes], how="vertical_relaxed")


def _vat(amount: pl.Expr, ledger: Ledger) -> pl.Expr:
    """The VAT inside a discount of ``amount`` (minor units) at ``ledger.discount_vat_rate``
    percent, rounded half away from zero to the minor unit."""
    num, den = Decimal(ledger.discount_vat_rate).as_integer_ratio()
    return _round_half_up(amount * num, 100 * den + num)


def _vat_bp(amount: pl.Expr, bp: pl.Expr) -> pl.Expr:
    """The VAT inside ``amount`` (minor units, VAT included) at ``bp`` basis points (null:
    none), rounded half away from zero to the minor unit."""
    import polars as pl

    rate = bp.fill_null(0).cast(pl.Int64)
    return _round_half_up(amount * rate, rate + 10_000)


def _round_half_up(numerator: pl.Expr, denominator: pl.Expr | int) -> pl.Expr:
    """``numerator / denominator`` (positive integers) rounded half away from zero."""
    import polars as pl

    magnitude = (numerator.abs() * 2 + denominator) // (2 * denominator)
    return pl.when(numerator < 0).then(-magnitude).otherwise(magnitude)


def _valued(allocs: pl.DataFrame) -> pl.DataFrame:
    """Each allocation's value in its entry's currency (``_value``): itself for an item in
    that currency; for a foreign item, its share of the booked value, rounded half up."""
    import polars as pl

    foreign = allocs.filter(pl.col("item_currency") != pl.col("currency"))
    values = {pos: _book_share(book, applied, whole, ccy) for pos, book, applied, whole, ccy in
              foreign.select("_pos", "book_minor", "applied_minor", "item_amount_minor",
                             "currency").iter_rows()}
    value = pl.col("applied_minor")
    if values:
        value = pl.col("_pos").replace_strict(values, default=value, return_dtype=pl.Int64)
    return allocs.with_columns(value.alias("_value"))


def _book_share(book_minor: int, applied_minor: int, amount_minor: int, currency: str) -> int:
    exact = Decimal(book_minor) * Decimal(applied_minor) / Decimal(amount_minor)
    del currency  # the share is already in the book currency's minor units
    return int(exact.quantize(Decimal(1), ROUND_HALF_UP))


def _item_lines(allocs: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    return allocs.select(_line(
        pl.col("_pos") + 10, pl.col("account"), -pl.col("_value"),
        pl.concat_str(pl.lit("Règlement "), pl.coalesce("reference", "item_id")),
        pl.col("party_id"), pl.col("party_name"), pl.col("item_id")))


def _account_lines(booked: pl.DataFrame) -> pl.DataFrame:
    """Each account line, net of the VAT it includes, and that VAT on its own line."""
    import polars as pl

    if booked.height == 0:
        return pl.DataFrame()
    rows = booked.with_row_index("_pos").with_columns(
        _vat_bp(pl.col("amount_minor"), pl.col("vat_bp")).alias("_vat"))
    order = (pl.col("_pos").cast(pl.Int64) * 2) + (1 << 39)
    net = rows.select(_line(order, pl.col("account"),
                            -(pl.col("amount_minor") - pl.col("_vat")), pl.col("label"),
                            pl.col("aux_account"), pl.col("aux_label"), pl.col("item_id")))
    taxes = rows.filter(pl.col("_vat") != 0).select(_line(
        order + 1, pl.col("vat_account"), -pl.col("_vat"),
        pl.concat_str(pl.lit("TVA "), pl.col("label"))))
    return pl.concat([net, taxes], how="vertical_relaxed")


def _remainder_lines(entries: pl.DataFrame, allocs: pl.DataFrame, booked: pl.DataFrame,
                     ledger: Ledger) -> pl.DataFrame:
    """What the allocations and account lines leave of each movement and its difference:
    an exchange difference when an item is in another currency, else the suspense
    account."""
    import polars as pl

    totals = allocs.group_by("k").agg(
        pl.col("_value").sum().alias("_valued"),
        (pl.col("item_currency") != pl.col("currency")).any().alias("_foreign"))
    direct = booked.group_by("k").agg(pl.col("amount_minor").sum().alias("_booked"))
    rest = (entries.join(totals, on="k", how="left", maintain_order="left")
            .join(direct, on="k", how="left", maintain_order="left")
            .with_columns((pl.col("amount_minor") + pl.col("adjust_minor").fill_null(0)
                           - pl.col("_valued").fill_null(0)
                           - pl.col("_booked").fill_null(0)).alias("_rest"),
                          pl.col("_foreign").fill_null(False))
            .filter(pl.col("_rest") != 0))
    gain = pl.col("_rest") > 0
    account = (pl.when(~pl.col("_foreign")).then(pl.lit(ledger.suspense_account))
               .when(gain).then(pl.lit(ledger.fx_gain_account))
               .otherwise(pl.lit(ledger.fx_loss_account)))
    text = (pl.when(~pl.col("_foreign")).then(pl.lit("Non affecté "))
            .when(gain).then(pl.lit("Gain de change ")).otherwise(pl.lit("Perte de change ")))
    return rest.select(_line(1 << 40, account, -pl.col("_rest"),
                             pl.concat_str(text, _who())))


def account_lines(rows: list[dict[str, Any]], ledger: Ledger) -> pl.DataFrame:
    """The account-lines frame (:data:`ACCOUNT_LINE_COLUMNS`) of dicts with ``k``,
    ``account``, ``amount_minor`` and ``label``, and optionally ``aux_account``,
    ``aux_label``, ``item_id``, ``vat_rate`` (a percentage, ``Decimal``) and ``vat_account``
    (default: the ledger's deductible VAT account for a payment, its collected VAT account
    for a receipt)."""
    import polars as pl

    def vat_account(row: dict[str, Any]) -> str | None:
        if not row.get("vat_rate"):
            return None
        return row.get("vat_account") or (ledger.vat_deductible_account
                                          if row["amount_minor"] < 0 else ledger.vat_account)

    schema = {"k": pl.Int64, "account": pl.String, "aux_account": pl.String,
              "aux_label": pl.String, "label": pl.String, "amount_minor": pl.Int64,
              "vat_bp": pl.Int64, "vat_account": pl.String, "item_id": pl.String}
    return pl.DataFrame([{
        "k": r["k"], "account": r["account"], "aux_account": r.get("aux_account"),
        "aux_label": r.get("aux_label"), "label": r["label"], "amount_minor": r["amount_minor"],
        "vat_bp": int(r["vat_rate"] * 100) if r.get("vat_rate") else None,
        "vat_account": vat_account(r), "item_id": r.get("item_id")} for r in rows],
        schema=schema)


def reversal_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """The lines that cancel ``lines``: the same accounts and amounts, sides swapped, labels
    prefixed with "Extourne"; checked like any other."""
    import polars as pl

    swapped = lines.with_columns(
        pl.col("credit_minor").alias("debit_minor"), pl.col("debit_minor").alias("credit_minor"),
        label_expr(pl.concat_str(pl.lit("Extourne "), pl.col("label")), 1 << 20).alias("label"))
    check_entries(swapped)
    return swapped


def entry_headers(entries: pl.DataFrame) -> pl.DataFrame:
    """What each entry says of itself: date and piece date (the booking date; the journal may
    date the entry later, see :mod:`cashmatch.ledger.journal`), label and supporting piece
    (the bank reference, else ``M<movement id>``)."""
    import polars as pl

    return entries.select(
        "k", pl.col("booking_date").alias("entry_date"),
        pl.col("booking_date").alias("piece_date"),
        label_expr(pl.concat_str(_who(), pl.lit(" "), pl.col("remittance").fill_null("")))
        .alias("label"),
        pl.when(pl.col("bank_reference").fill_null("") == "")
        .then(pl.format("M{}", "movement_id")).otherwise(pl.col("bank_reference"))
        .alias("piece_ref"),
        "currency", "movement_id")


def exponent_of(currency: str) -> int:
    """Decimals of ``currency`` (re-exported for the callers that build frames)."""
    return exponent(currency)
