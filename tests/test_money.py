from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashmatch.money import AmountError, exponent, format_amount, from_minor, parse_amount, to_minor


def test_parse_amount_dot_and_comma() -> None:
    assert parse_amount("-1250.50") == Decimal("-1250.50")
    assert parse_amount("+3") == Decimal("3")
    assert parse_amount("1250,5", decimal_comma=True) == Decimal("1250.5")


@pytest.mark.parametrize("text", ["1,250.00", "1e3", "", "12.", ".5", "1 000", "abc", "--1"])
def test_parse_amount_refuses_ambiguity(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_minor_units_follow_iso_4217() -> None:
    assert exponent("EUR") == 2 and exponent("JPY") == 0 and exponent("KWD") == 3
    assert to_minor(Decimal("12.34"), "EUR") == 1234
    assert to_minor(Decimal("1234"), "JPY") == 1234
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
