"""Movement identity: the key that makes statement imports idempotent.

Layered, strongest first:

1. the bank's own id (``bank_reference``: AcctSvcrRef, FITID, MT940 bank reference), scoped by
   account, plus the end-to-end id when one bank entry was split into several movements;
2. the end-to-end id with amount and booking date, when the bank gives no id of its own;
3. a hash of the content (account, dates, amount, counterparty, text, references).

Two movements of one file with the same key get an occurrence number (``#2``, ``#3``...) in
file order: identical lines on one day are legitimate and must both stay, and an overlapping
file that holds the same lines gets the same keys.

Keys are stored: they must never change for a file, or a file imported by an earlier version
would be imported again. ``tests/test_identity.py`` pins the keys of the bundled samples.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

#: Bank and end-to-end references that identify nothing.
NO_REF = frozenset({"", "NOTPROVIDED", "NONREF", "NONE"})


def identifies(column: str) -> pl.Expr:
    """A reference in ``column`` that identifies something: present and not one of
    :data:`NO_REF` (case ignored)."""
    import polars as pl

    return pl.col(column).is_not_null() & ~pl.col(column).str.to_uppercase().is_in(NO_REF)


def identity_keys(movements: pl.DataFrame) -> pl.Series:
    """Keys for the movements of one file, in order, with occurrence numbers where
    repeated (see the module docstring).

    ``movements`` holds the store's movement columns, plus ``amount_text`` (``str`` of the
    ``Decimal`` amount; needed where the key holds the amount) and ``refs_text`` (the
    references as ``kind=value`` joined by ``\\x1e``)."""
    import polars as pl

    account = pl.col("account").fill_null("")
    e2e = pl.when(identifies("end_to_end_id")).then(pl.col("end_to_end_id"))
    split_entry = pl.col("entry_key").is_not_null() & e2e.is_not_null()
    bank = pl.concat_str([pl.lit("bank|"), account, pl.lit("|"), pl.col("bank_reference"),
                          pl.when(split_entry).then(pl.lit("|") + e2e).otherwise(pl.lit(""))])
    by_e2e = pl.concat_str([pl.lit("e2e|"), account, pl.lit("|"), e2e, pl.lit("|"),
                            pl.col("amount_text"), pl.lit("|"),
                            pl.col("booking_date").cast(pl.String)])
    content = pl.concat_str(
        [account, pl.col("booking_date").cast(pl.String),
         pl.col("value_date").cast(pl.String).fill_null(""), pl.col("amount_text"),
         pl.col("currency"), pl.col("counterparty_name").fill_null(""),
         pl.col("counterparty_iban").fill_null(""), pl.col("remittance"),
         pl.col("refs_text"), pl.col("bank_tx_code").fill_null("")], separator="\x1f")
    keyed = movements.select(
        key=pl.when(identifies("bank_reference")).then(bank)
        .when(e2e.is_not_null()).then(by_e2e),
        content=pl.when(~identifies("bank_reference") & e2e.is_null()).then(content))
    hashed = ["hash|" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
              if text is not None else None for text in keyed["content"].to_list()]
    base = keyed["key"].fill_null(pl.Series(hashed, dtype=pl.String))
    if base.null_count():
        raise ValueError("identity_keys: a movement keyed by its amount has no amount_text")
    occurrence = pl.int_range(1, pl.len() + 1).over("base")
    return pl.select(base=base).select(
        identity_key=pl.when(occurrence > 1)
        .then(pl.concat_str([pl.col("base"), pl.lit("#"), occurrence.cast(pl.String)]))
        .otherwise(pl.col("base"))).to_series()
