"""MT940/MT942: the :61: line in full, the :86: dialects, and the refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.errors import ParseError
from cashmatch.ingest.parsers import identify
from cashmatch.ingest.parsers.mt94x import parse

EXAMPLE = """:20:STMT240103001
:25:FR7630004001230001234567805
:28C:00002/001
:60F:C240102EUR12345,67
:61:2401030103CR1250,00NTRFFA-2024-0012//BQ240103-88412
/OCMT/EUR1250,00/
:86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-77812?21SVWZ+FACT FA-2024-0012 FA-2?22024-0015?30BNPAFRPPXXX?31FR7630004000031234567890143?32DUPONT SARL
:61:2401030103D5,00NCHGNONREF//BQ240103-88413
:86:FRAIS VIREMENT ETRANGER
:62F:C240103EUR13590,67
:64:C240103EUR13590,67
"""


def write(tmp: Path, text: str, name: str = "s.sta") -> Path:
    p = tmp / name
    p.write_bytes(text.replace("\n", "\r\n").encode("latin-1"))
    return p


def test_reference_example(tmp_path: Path) -> None:
    f = write(tmp_path, EXAMPLE)
    assert identify(f).format == "mt940"
    (st,) = parse(f).statements
    assert (st.opening_balance, st.closing_balance, st.currency) == (
        Decimal("12345.67"), Decimal("13590.67"), "EUR")
    credit, fee = st.movements
    assert (credit.amount, credit.booking_date, credit.bank_reference) == (
        Decimal("1250.00"), date(2024, 1, 3), "BQ240103-88412")
    assert credit.reference("customer_ref") == "FA-2024-0012"  # kept despite SEPA keywords
    assert credit.reference("end_to_end") == "E2E-77812"
    assert credit.remittance.endswith("FACT FA-2024-0012 FA-2024-0015")  # ?21/?22 rejoined
    assert (credit.counterparty_name, credit.counterparty_iban, credit.counterparty_bic) == (
        "DUPONT SARL", "FR7630004000031234567890143", "BNPAFRPPXXX")
    assert (credit.instructed_amount, credit.instructed_currency) == (Decimal("1250.00"), "EUR")
    assert (fee.amount, fee.remittance, fee.references) == (Decimal("-5.00"),
                                                            "FRAIS VIREMENT ETRANGER", ())


def test_year_boundary_reversals_and_slash_dialect(tmp_path: Path) -> None:
    text = """{1:F01INGBNL2AAXXX0000000000}{2:I940INGBNL2AXXXN}{4:
:20:P140220000000001
:25:NL20INGB0001234567EUR
:28C:00000
:60F:C231231EUR100,00
:61:2312310102C25,00NTRFNONREF//B1
:86:/EREF/E2E-9//CNTP/NL86INGB0002445588/INGBNL2A/J. JANSEN/AMSTERDAM//REMI/USTD//INV 2024/0012 OK/
:61:231231RC10,00NTRFNONREF
:86:RETOUR
:62F:C240102EUR115,00
-}"""
    (st,) = parse(write(tmp_path, text)).statements
    first, reversal = st.movements
    assert (first.value_date, first.booking_date) == (date(2023, 12, 31), date(2024, 1, 2))
    assert (first.counterparty_name, first.counterparty_iban) == ("J. JANSEN", "NL86INGB0002445588")
    assert first.remittance == "INV 2024/0012 OK" and first.reference("end_to_end") == "E2E-9"
    assert reversal.amount == Decimal("-10.00")  # RC: reversal of a credit


@pytest.mark.parametrize("text, message", [
    (":20:X\n:25:A\n:60F:C240102EUR1,00\n:61:24010X C5,00NTRF\n:62F:C240103EUR6,00\n",
     "line 4, :61:: not a :61: statement line"),
    (":20:X\n:25:A\n:60F:C24010EUR1,00\n", "line 3, :60F:: balance"),
    (":20:X\n:25:A\n:60F:C240102EUR1,00\n:61:240103C5,5,0NTRF\n", "line 4, :61:: amount"),
])
def test_refusals_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    f = write(tmp_path, text)
    with pytest.raises(ParseError) as exc:
        parse(f)
    assert message in str(exc.value) and str(f) in str(exc.value)
