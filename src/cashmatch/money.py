"""Exact money: ``Decimal`` in Python, integer minor units in storage.

Every amount that enters cashmatch goes through :func:`parse_amount` (text from a file) or
:func:`to_minor` (a ``Decimal`` bound for the store); every amount that leaves the store goes
through :func:`from_minor`. Floats are refused everywhere.

The number of decimals per currency follows ISO 4217. Only the currencies that differ from the
usual two decimals are listed: the list is short, stable and public, which is why it is kept
here rather than pulling in a locale library for it.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from cashmatch.errors import CashmatchError

if TYPE_CHECKING:
    import polars as pl

# ISO 4217 minor-unit exponents that are not 2.
EXPONENTS: dict[str, int] = {
    # no minor unit
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    # three decimals
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four decimals (units of account)
    "CLF": 4, "UYW": 4,
}

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_AMOUNT_RE = re.compile(r"^[+-]?(\d+)(?:\.(\d+))?$")

ZERO = Decimal(0)

#: The largest amount in minor units: the store and the exports hold 18 digits
#: (``DECIMAL(18, scale)`` in Parquet, 64-bit integers in DuckDB).
MAX_MINOR = 10**18 - 1


class AmountError(CashmatchError, ValueError):
    """Text or value that is not an exact amount in the expected shape."""


def is_currency(code: str) -> bool:
    """True when ``code`` has the shape of an ISO 4217 alphabetic code."""
    return bool(_CURRENCY_RE.match(code))


@functools.lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217 minor unit)."""
    return EXPONENTS.get(currency.upper(), 2)


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Parse a signed decimal written with a dot (or a comma with ``decimal_comma``).

    No thousands separators, no exponent, no spaces inside: ambiguity is refused rather than
    guessed. Raises :class:`AmountError` with the offending text.
    """
    raw = text.strip()
    if decimal_comma:
        if "." in raw:
            raise AmountError(f"{text!r} is not an amount (expected a decimal comma)")
        raw = raw.replace(",", ".")
    if not _AMOUNT_RE.match(raw):
        raise AmountError(f"{text!r} is not an amount (expected digits with an optional "
                          f"{'comma' if decimal_comma else 'dot'} and decimals)")
    try:
        return Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards
        raise AmountError(f"{text!r} is not an amount") from exc


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact integer minor units; refuses amounts with more decimals than the currency has."""
    if isinstance(amount, float):  # type: ignore[unreachable]
        raise AmountError("floats are not amounts; use Decimal")
    exp = exponent(currency)
    scaled = amount.scaleb(exp)
    try:
        units = int(scaled)
    except (ValueError, OverflowError):  # NaN, infinity
        raise AmountError(f"{amount} is not an amount") from None
    if scaled != units:
        raise AmountError(f"{amount} has more than {exp} decimals for {currency}")
    if abs(units) > MAX_MINOR:
        raise AmountError(f"{amount} is too large: amounts have at most 18 digits "
                          f"({exp} of them decimals for {currency})")
    return units


def from_minor(units: int, currency: str) -> Decimal:
    """The ``Decimal`` for ``units`` minor units of ``currency``, at the currency's scale."""
    exp = exponent(currency)
    return Decimal(int(units)).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def format_amount(amount: Decimal, currency: str | None = None) -> str:
    """Plain signed decimal string (``-1250.00``), at the currency's scale when given."""
    if currency is not None:
        amount = amount.quantize(Decimal(1).scaleb(-exponent(currency)))
    return format(amount, "f")


def exponent_sql(currency: str) -> str:
    """:func:`exponent` of the currency column ``currency``, as a SQL expression."""
    whens = " ".join(f"WHEN '{c}' THEN {e}" for c, e in sorted(EXPONENTS.items()))
    return f"(CASE upper({currency}) {whens} ELSE 2 END)"


def ten_thousandths(amount: Decimal) -> int:
    """``amount`` in ten-thousandths (the finest unit of any currency), exactly: a bound
    that SQL compares with ``amount_minor * 10^(4 - exponent)`` in integers."""
    scaled = amount.scaleb(4)
    if scaled != scaled.to_integral_value():
        raise AmountError(f"{amount} has more than 4 decimals")
    return int(scaled)


# -- the same over frames ---------------------------------------------------------------------


def exponent_expr(currency: pl.Expr) -> pl.Expr:
    """:func:`exponent` of each currency of a column."""
    import polars as pl

    return currency.str.to_uppercase().replace_strict(EXPONENTS, default=2,
                                                      return_dtype=pl.Int64)


def amount_text_expr(minor: pl.Expr, currency: pl.Expr) -> pl.Expr:
    """Minor units written as :func:`format_amount` writes the amount at its currency's scale
    (``-1234.50``; no decimal point for a currency without minor unit); null stays null."""
    import polars as pl

    exp = exponent_expr(currency)
    scale = pl.lit(10, dtype=pl.Int64).pow(exp)
    units = minor.abs()
    whole = (units // scale).cast(pl.String)
    # the fraction zero-padded: 10^e + fraction written, its leading 1 dropped
    fraction = (units % scale + scale).cast(pl.String).str.slice(1)
    sign = pl.when(minor < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    text = (pl.when(exp == 0).then(pl.concat_str(sign, whole))
            .otherwise(pl.concat_str(sign, whole, pl.lit("."), fraction)))
    return pl.when(minor.is_null()).then(None).otherwise(text)


def decimals_expr(text: pl.Expr) -> pl.Expr:
    """How many decimals each amount written in a column of texts has."""
    import polars as pl

    return text.str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0).cast(pl.Int64)


def minor_units_expr(text: pl.Expr, exp: pl.Expr) -> pl.Expr:
    """Exact minor units of amounts written as text (``-1250.5``: sign, digits, a dot and
    decimals), at ``exp`` decimals, with integer arithmetic only. An amount with more decimals
    than ``exp`` must be refused by the caller (:func:`decimals_expr`): its extra digits are
    dropped here so that the expression stays defined."""
    import polars as pl

    negative = text.str.starts_with("-")
    digits = text.str.replace(r"^[+-]", "")
    whole = digits.str.extract(r"^(\d+)", 1).cast(pl.Int64)
    frac = digits.str.extract(r"\.(\d+)$", 1)
    frac_len = frac.str.len_chars().fill_null(0).cast(pl.Int64)
    kept = frac.str.slice(0, exp).fill_null("0").cast(pl.Int64)
    frac_minor = kept * pl.lit(10, pl.Int64).pow(
        (exp - frac_len.clip(upper_bound=exp)).clip(lower_bound=0))
    units = whole * pl.lit(10, pl.Int64).pow(exp) + frac_minor
    return pl.when(negative).then(-units).otherwise(units)

