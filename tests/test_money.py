from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashmatch.money import AmountError, exponent, format_amount, from_minor, parse_amount, to_minor


def test_parse_amount_dot_and_comma() -> None:
    assert parse_amount("-1250.50") == Decimal("-1250.50")
    assert parse_amount("+3") == Decimal(3)
    assert parse_amount("1250,5", decimal_comma=True) == Decimal("1250.5")


@pytest.mark.parametrize("text", ["1,250.00", "1e3", "", "12.", ".5", "1 000", "abc", "--1"])
def test_parse_amount_refuses_ambiguity(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_minor_units_follow_iso_4217() -> None:
    assert exponent("EUR") == 2 and exponent("JPY") == 0 and exponent("KWD") == 3
    assert to_minor(Decimal("12.34"), "EUR") == 1234
    assert to_minor(Decimal(1234), "JPY") == 1234
    assert from_minor(-1234, "EUR") == Decimal("-12.34")
    assert str(from_minor(5, "KWD")) == "0.005"
    with pytest.raises(AmountError):
        to_minor(Decimal("12.345"), "EUR")
    with pytest.raises(AmountError):
        to_minor(Decimal("1.5"), "JPY")


def test_floats_are_refused() -> None:
    with pytest.raises(AmountError):
        to_minor(12.5, "EUR")  # type: ignore[arg-type]


@given(st.integers(min_value=-10**15, max_value=10**15), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_minor_round_trip(units: int, ccy: str) -> None:
    amount = from_minor(units, ccy)
    assert to_minor(amount, ccy) == units
    assert parse_amount(format_amount(amount, ccy)) == amount


def test_an_amount_beyond_eighteen_digits_is_refused() -> None:
    """The store and the exports hold 18 digits: a larger amount is an error, not a crash
    later in the import."""
    assert to_minor(Decimal("9999999999999999.99"), "EUR") == 999999999999999999
    with pytest.raises(AmountError, match="too large"):
        to_minor(Decimal("10000000000000000.00"), "EUR")
    with pytest.raises(AmountError, match="too large"):
        to_minor(Decimal(-10**18), "JPY")


@given(st.lists(st.tuples(st.integers(-10**15, 10**15),
                          st.sampled_from(["EUR", "eur", "JPY", "KWD", "CLF", "XXX", "GBP"])),
                min_size=1, max_size=20))
def test_amounts_over_a_frame_are_written_as_format_amount_writes_them(values) -> None:
    import polars as pl

    from cashmatch.money import amount_text_expr

    frame = pl.DataFrame(values, schema={"m": pl.Int64, "c": pl.String}, orient="row")
    got = frame.select(amount_text_expr(pl.col("m"), pl.col("c"))).to_series().to_list()
    assert got == [format_amount(from_minor(m, c)) for m, c in values]


@given(st.lists(st.tuples(st.integers(-10**14, 10**14), st.integers(0, 4),
                          st.sampled_from(["EUR", "JPY", "KWD", "CLF"]), st.booleans()),
                min_size=1, max_size=20))
def test_minor_units_over_a_frame_are_those_of_parse_amount(values) -> None:
    """The column parser reads every amount the scalar one reads, to the same minor units
    (amounts written with at most the currency's decimals, a + or - sign or none)."""
    import polars as pl

    from cashmatch.money import decimals_expr, exponent, exponent_expr, minor_units_expr

    texts, ccys = [], []
    for units, decimals, ccy, plus in values:
        d = min(decimals, exponent(ccy))
        text = format_amount(from_minor(units, ccy).quantize(Decimal(1).scaleb(-d)))
        texts.append(("+" + text) if plus and not text.startswith("-") else text)
        ccys.append(ccy)
    frame = pl.DataFrame({"t": texts, "c": ccys})
    got = frame.select(minor_units_expr(pl.col("t"), exponent_expr(pl.col("c"))),
                       decimals_expr(pl.col("t")).alias("d"))
    assert got.to_series(0).to_list() == [to_minor(parse_amount(t), c)
                                         for t, c in zip(texts, ccys, strict=True)]
    assert all(d <= exponent(c) for d, c in zip(got["d"], ccys, strict=True))

