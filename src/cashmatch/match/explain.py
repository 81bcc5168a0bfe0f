"""One-line explanations of proposals, built from their evidence only.

One-item proposals are explained over a whole frame of scored pairs at once
(:func:`describe_expr`, polars); several-items proposals, which are few, one at a time
(:func:`describe_subset`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cashmatch.money import amount_text_expr, format_amount, from_minor

if TYPE_CHECKING:
    import polars as pl


def _amt(minor: int, currency: str) -> str:
    return format_amount(from_minor(minor, currency))


_PARTY = {
    "iban": "payer IBAN known for {party}",
    "name": "payer name matches {party}",
    "other": "payer IBAN belongs to another party than {party}",
}
_ADJUSTED = {"fee": "a bank fee", "discount": "an early-payment discount",
             "rounding": "a rounding difference"}


def describe_expr() -> pl.Expr:
    """The explanation of each one-item proposal of a frame of scored pairs (columns
    ``item_id``, ``i_reference``, ``i_ref_tail``, ``ref_level``, ``ref_similarity``,
    ``amount_level``, ``m_amount_minor``, ``m_currency``, ``i_open_minor``, ``i_currency``,
    ``party_level``, ``name_same``, ``i_party``, ``i_party_id``): what was found of the
    reference, how the amount compares with what is open, and who the payer is."""
    import polars as pl

    col, lit = pl.col, pl.lit

    def text(*parts: pl.Expr | str) -> pl.Expr:
        return pl.concat_str([lit(p) if isinstance(p, str) else p for p in parts])

    def blank(c: str) -> pl.Expr:
        return col(c).is_null() | (col(c) == "")

    ref = pl.when(blank("i_reference")).then(col("item_id")).otherwise(col("i_reference"))
    level = col("ref_level")
    # the explanation opens with what was found of the reference, capitalised
    reference = (
        pl.when(level == "exact").then(text("Reference ", ref, " found in the remittance"))
        .when(level == "rf").then(text("RF creditor reference encodes ", ref))
        .when(level == "tail").then(text("Number ", col("i_ref_tail").fill_null("None"),
                                         " of the text ends reference ", ref))
        .when(level == "fuzzy").then(text("Reference ", ref, " found with a typo (",
                                          col("ref_similarity").cast(pl.String)
                                          .fill_null("None"), "% similar)"))
        .otherwise(text("No reference to ", ref)))
    ccy, m, o = col("m_currency"), col("m_amount_minor"), col("i_open_minor")
    paid, open_, diff = (amount_text_expr(m, ccy), amount_text_expr(o, ccy),
                         amount_text_expr((o - m).abs(), ccy))
    kind = col("amount_level")
    adjusted = pl.concat_str(
        diff,
        pl.when(m.abs() < o.abs()).then(lit(" short of the open ")).otherwise(
            lit(" over the open ")),
        open_, lit(" "), ccy, lit(", read as "),
        kind.replace_strict(_ADJUSTED, default=None, return_dtype=pl.String))
    amount = (
        pl.when(kind == "exact").then(text("amount ", paid, " ", ccy, " equals the open amount"))
        .when(kind == "mismatch").then(text(
            "amount ", paid, " ", ccy, " cannot settle the open ",
            amount_text_expr(o, col("i_currency")), " ", col("i_currency")))
        .when(kind.is_in(list(_ADJUSTED))).then(adjusted)
        .when(kind == "partial").then(text("part payment of ", paid, " on the open ", open_,
                                           " ", ccy))
        .when(kind == "over").then(text(diff, " ", ccy, " more than the open ", open_,
                                        ": the excess stays on the party's account")))
    who = (pl.when(~blank("i_party")).then(col("i_party"))
           .when(~blank("i_party_id")).then(col("i_party_id")).otherwise(lit("?")))
    party = pl.when(col("same_name").fill_null(False)).then(
        text("payer name is that of ", who))
    for key, template in _PARTY.items():
        before, after = template.split("{party}")
        party = party.when(col("party_level") == key).then(text(before, who, after))
    return pl.concat_str([reference, text("; ", amount), text("; ", party.otherwise(None))],
                         ignore_nulls=True)


def describe_subset(rows: Sequence[Mapping[str, Any]], n_ref: int, party: str) -> str:
    """Explain a several-items proposal."""
    ccy = rows[0]["m_currency"]
    items = " + ".join(f"{r.get('i_reference') or r['item_id']} ({_amt(r['i_open_minor'], ccy)})"
                       for r in rows)
    names = list(dict.fromkeys(r.get("i_party") or r.get("i_party_id") for r in rows))
    who = names[0] if len(names) == 1 else f"{len(names)} parties ({', '.join(map(str, names))})"
    text = f"{len(rows)} open items of {who} add up to the amount: {items}"
    text += f"; references found for {n_ref} of {len(rows)}" if n_ref else "; no reference found"
    if party in _PARTY:
        text += "; " + _PARTY[party].format(party=who)
    return text
