"""CFONB 120: the worked example of REFERENCE.md, every qualifier, the grammar's refusals,
and the overpunch encoding as a property."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashmatch.errors import ParseError
from cashmatch.ingest.parsers import identify
from cashmatch.ingest.parsers.cfonb import _amount, parse

POS = "{ABCDEFGHI"
NEG = "}JKLMNOPQR"


def enc(amount: Decimal, dec: int = 2) -> str:
    digits = str(int(abs(amount) * 10**dec)).rjust(14, "0")
    table = POS if amount >= 0 else NEG
    return digits[:-1] + table[int(digits[-1])]


def rec(code: str, date_: str, amount: Decimal | None = None, *, label: str = "",
        vdate: str = "", num: str = "", ref: str = "", op: str = "0568", interb: str = "05",
        bank: str = "30004", account: str = "00012345678") -> str:
    if code in ("01", "07"):
        op, interb = "    ", "  "
    r = (code + bank + op + "00123" + "EUR2 " + account + interb + date_ + "  "
         + vdate.ljust(6) + label.ljust(31)[:31] + "  " + num.ljust(7) + "00"
         + enc(amount or Decimal(0)) + ref.ljust(16))
    assert len(r) == 120, len(r)
    return r


def det(qualifier: str, text: str, date_: str = "030424") -> str:
    r = ("05300040568" + "00123EUR2 00012345678" + "05" + date_ + " " * 5 + qualifier
         + text.ljust(70)[:70] + "  ")
    assert len(r) == 120, len(r)
    return r


EXAMPLE = [
    rec("01", "020424", Decimal("12345.67")),
    rec("04", "030424", Decimal("1250.00"), label="VIR SEPA RECU /DE DUPONT SARL",
        vdate="030424", num="0004512"),
    det("NPY", "DUPONT SARL"),
    det("LIB", "FACT FA-2024-0012 FA-2024-0015"),
    det("RCN", "E2E-77812".ljust(35) + "FACTURES MARS"),
    rec("07", "030424", Decimal("13595.67")),
]


def write(tmp: Path, lines: list[str], sep: str = "\r\n", name: str = "r.cfo",
          encoding: str = "latin-1") -> Path:
    p = tmp / name
    p.write_bytes(sep.join(lines).encode(encoding))
    return p


@pytest.mark.parametrize("sep", ["\r\n", "\n", "", "\r"])
def test_worked_example(tmp_path: Path, sep: str) -> None:
    f = write(tmp_path, EXAMPLE, sep)
    assert identify(f).format == "cfonb120"
    (st_,) = parse(f).statements
    assert (st_.opening_balance, st_.closing_balance) == (Decimal("12345.67"), Decimal("13595.67"))
    assert st_.account == "300040012300012345678" and st_.opening_date == date(2024, 4, 2)
    (m,) = st_.movements
    assert (m.amount, m.booking_date, m.value_date) == (Decimal("1250.00"), date(2024, 4, 3),
                                                        date(2024, 4, 3))
    assert m.counterparty_name == "DUPONT SARL" and m.reference("end_to_end") == "E2E-77812"
    assert m.remittance == ("VIR SEPA RECU /DE DUPONT SARL FACT FA-2024-0012 FA-2024-0015 "
                            "FACTURES MARS")
    assert m.bank_tx_code == "05"


def test_qualifiers(tmp_path: Path) -> None:
    first = "VIREMENT FACTURE FA-2026-004512 ET FA-2026-004513 ET FA-2026-0045" + "14 ET "
    lines = [rec("01", "020424", Decimal("0")),
             rec("04", "030424", Decimal("-99.50"), label="PRLV SEPA", op="0010"),
             det("NBE", "SOCIÉTÉ DES EAUX"),
             det("LCC", first[:70]), det("LC2", "FA-2026-004515"),
             det("LCS", "RF18 5390 0754 7034"), det("REF", "BQREF-001"),
             det("MMO", "USD2" + enc(Decimal("110.00")) + " 0,9045"),
             det("FEE", "EUR2" + enc(Decimal("1.50"))), det("XYZ", "PROPRIETAIRE"),
             rec("07", "030424", Decimal("-99.50"))]
    result = parse(write(tmp_path, lines, encoding="latin-1"))
    (m,) = result.movements
    assert m.counterparty_name == "SOCIÉTÉ DES EAUX" and m.bank_reference == "BQREF-001"
    assert first[:70] + "FA-2026-004515" in m.remittance.replace("  ", " ") or \
        (first[:70].rstrip() + "FA-2026-004515") in m.remittance
    assert m.reference("creditor_ref") == "RF18539007547034"
    assert (m.instructed_amount, m.instructed_currency, m.charges) == (
        Decimal("110.00"), "USD", Decimal("1.50"))
    assert "PROPRIETAIRE" in m.remittance
    assert any("'XYZ' unknown" in p.message for p in result.problems)


@pytest.mark.parametrize("lines, message", [
    ([rec("01", "020424", Decimal(0)), rec("01", "030424", Decimal(0))], "starts before"),
    ([rec("01", "020424", Decimal(0)), det("LIB", "x")], "no movement (04)"),
    ([rec("07", "020424", Decimal(0))], "no statement started"),
    ([rec("01", "020424", Decimal(0)), rec("04", "030424", Decimal(1), account="00012345679"),
      rec("07", "030424", Decimal(1))], "differs from the statement's"),
    ([rec("01", "020424", Decimal(0)), rec("04", "310224", Decimal(1)),
      rec("07", "030424", Decimal(1))], "date '310224' does not exist"),
    ([rec("01", "020424", Decimal(0)), rec("04", "030424", Decimal(1))], "truncated"),
    ([rec("01", "020424", Decimal(0)) + "EXTRA"], "not a multiple of 120"),
    ([rec("01", "020424", Decimal(0)), rec("07", "020424", Decimal(0))[:-3]],
     "117 characters instead of 120"),
])
def test_refusals(tmp_path: Path, lines: list[str], message: str) -> None:
    f = write(tmp_path, lines)
    with pytest.raises(ParseError) as exc:
        parse(f)
    assert message in str(exc.value) and str(f) in str(exc.value)


def test_another_bank_code_for_the_same_account_is_a_warning(tmp_path: Path) -> None:
    """Issue 20: 04/05 records with another bank code than their 01 (same branch and
    account) are the statement's, with one warning naming both codes."""
    f = write(tmp_path, [rec("01", "020424", Decimal(0)),
                         rec("04", "030424", Decimal(1), bank="30005"),
                         rec("04", "030424", Decimal(2), bank="30005"),
                         rec("07", "030424", Decimal(3))])
    result = parse(f)
    assert [m.account for m in result.movements] == ["300040012300012345678"] * 2
    warned = [p for p in result.problems if "bank code" in p.message]
    assert len(warned) == 1 and "30005" in warned[0].message and "30004" in warned[0].message
    assert warned[0].location.line == 2


@pytest.mark.parametrize("zone", [(19, "\u00b2"), (35, "\u00b3"), (43, "\u00b3"), (100, "\u00b9")])
def test_superscript_digits_are_refused_with_their_line(tmp_path: Path,
                                                        zone: tuple[int, str]) -> None:
    """Issue 20: Latin-1 superscripts pass ``str.isdigit`` but are not digits."""
    at, char = zone
    bad = rec("04", "030424", Decimal(1))
    bad = bad[:at] + char + bad[at + 1:]
    f = tmp_path / "s.cfo"
    f.write_bytes("\r\n".join([rec("01", "020424", Decimal(0)), bad,
                                rec("07", "030424", Decimal(1))]).encode("latin-1"))
    with pytest.raises(ParseError) as exc:
        parse(f)
    assert exc.value.location.line == 2


@given(st.integers(min_value=-(10**13) + 1, max_value=10**13 - 1))
def test_overpunch_round_trip(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    assert _amount(enc(amount), 2, None) == amount  # type: ignore[arg-type]


@pytest.mark.parametrize("sep", ["\n", ""])
def test_utf8_with_a_byte_order_mark(tmp_path: Path, sep: str) -> None:
    lines = [*EXAMPLE[:-1], det("LIB", "REGLEMENT \u00c9CH\u00c9ANCE"), EXAMPLE[-1]]
    f = tmp_path / "bom.cfo"
    f.write_bytes(b"\xef\xbb\xbf" + sep.join(lines).encode("utf-8"))
    (m,) = parse(f).movements
    assert m.remittance.endswith("REGLEMENT \u00c9CH\u00c9ANCE")


@pytest.mark.parametrize("sep", ["\r\n", ""])
def test_a_late_latin1_accent_makes_the_whole_file_latin1(tmp_path: Path, sep: str) -> None:
    """The file streams by: an accent far into the file that is not UTF-8 means the file is
    Latin-1, and it is read again as such from the start."""
    movement = [rec("04", "030424", Decimal("1.00"), label="VIR", vdate="030424",
                    num="0004512"), det("LIB", "FACTURE")]
    last = [rec("04", "030424", Decimal("1.00"), label="VIR", vdate="030424", num="0004513"),
            det("LIB", "REGLEMENT \u00c9CH\u00c9ANCE \u00c9T\u00c9")]
    lines = [EXAMPLE[0], *movement * 200, *last, rec("07", "030424", Decimal("12546.67"))]
    movements = parse(write(tmp_path, lines, sep)).movements
    assert len(movements) == 201
    assert movements[-1].remittance.endswith("REGLEMENT \u00c9CH\u00c9ANCE \u00c9T\u00c9")


def test_a_long_file_without_line_breaks_is_cut_as_it_is_read(tmp_path: Path) -> None:
    movement = [rec("04", "030424", Decimal("1.00"), label="VIR", vdate="030424",
                    num="0004512"), det("LIB", "FACTURE")]
    lines = [EXAMPLE[0], *movement * 700, rec("07", "030424", Decimal("12345.67")
                                              + Decimal(700))]
    (st_,) = parse(write(tmp_path, lines, "")).statements
    assert len(st_.movements) == 700 and st_.closing_balance == Decimal("13045.67")
