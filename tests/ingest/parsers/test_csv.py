"""The CSV reader: one column-wise reader for the import and for ``statements parse``.

Amounts are checked against the project's one definition of an amount (``money.parse_amount``
and ``to_minor``, ``str`` of the ``Decimal``) on the same cells; ``parse`` gives what the
import stores; every bad cell of a file is reported with its line and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cashmatch.errors import ParseError
from cashmatch.ingest.identity import identity_keys
from cashmatch.ingest.parsers.csv import CANONICAL, CsvCellsError, CsvMapping, parse, read_columns
from cashmatch.ingest.statements import _movement_frame, import_statements
from cashmatch.money import AmountError, parse_amount, to_minor
from cashmatch.store import Store

#: The stored columns (``statements._schemas``), plus the statement.
COMPARED = ["statement", "account", "booking_date", "value_date", "amount_minor", "currency",
            "counterparty_name", "counterparty_iban", "counterparty_bic", "remittance",
            "refs_json", "end_to_end_id", "bank_reference", "bank_tx_code", "status",
            "charges_minor", "instructed_minor", "instructed_currency", "entry_key",
            "source_file", "source_position"]

# Text with what trips readers up: separators, quotes, accents, every kind of space.
WORDS = st.text(alphabet=st.sampled_from(list("aZé0 9-/.,;|\"'\t") + ["\u00a0", "\u2003",
                                                                      "\u00df", "\u0131"]),
                max_size=10)
PLAIN_WORDS = st.text(alphabet=st.sampled_from(list("aZé0 9-/") + ["\u00a0", "\u2003"]),
                      max_size=10)
AMOUNTS = st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False).map(str)
ODD_AMOUNTS = st.sampled_from(["", "0", "-0.00", "+12.5", "007.10", "1.2345", "1.230", "12.",
                               " 5 ", "1,50", "1 234,56", "1.234,56", "12e3", "\u0663.\u0665",
                               "99999999999999999.99", "-1.000", "abc"])
DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)).map(str)
ODD_DATES = st.sampled_from(["", "2026-3-5", "2026-02-30", "05/03/2026", " 2026-03-05"])
CURRENCIES = st.sampled_from(["", "EUR", "eur", " usd "])
ODD_CURRENCIES = st.sampled_from(["E1R", "EURO", "\u00e9ur", "JPY", "KWD"])
BANK_REFS = st.one_of(WORDS, st.sampled_from(["", "NONREF", "none", "B1", "B1"]))


def _mostly(draw: st.DrawFn, usual: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> str:
    """A usual value, or one time in forty an odd one (most files must be readable)."""
    return draw(odd if draw(st.integers(0, 39)) == 23 else usual)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, CsvMapping]:
    """A CSV text and the mapping to read it, in the shapes banks write."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    decimal = draw(st.sampled_from([".", ","]))
    thousands = draw(st.sampled_from(["", " "] + (["."] if decimal == "," else [])))
    debit_credit = draw(st.booleans())
    mapping = replace(CANONICAL, name="t", delimiter=delimiter, decimal=decimal,
                      thousands=thousands, sign=draw(st.sampled_from(["as_is", "inverted"])),
                      default_account=draw(st.sampled_from([None, "FR76ACCT"])),
                      text=("description", "extra"))
    header = ["booking_date", "value_date", "currency", "description", "extra",
              "counterparty_name", "counterparty_iban", "reference", "bank_reference",
              "account_iban"]
    header += ["debit", "credit"] if debit_credit else ["amount"]
    if debit_credit:
        mapping = replace(mapping, amount=None, debit="debit", credit="credit")
    words = draw(st.sampled_from([WORDS, PLAIN_WORDS]))
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(1, 6))):
        row = [_mostly(draw, DATES, ODD_DATES),
               draw(st.one_of(st.just(""), DATES)), _mostly(draw, CURRENCIES, ODD_CURRENCIES),
               draw(words), draw(words), draw(words),
               draw(st.sampled_from(["", "fr76 1234", "DE89x", "\u00df1"])),
               draw(st.sampled_from(["", "FA-1", " FA-1 ", "a\u00a0b"])), draw(BANK_REFS),
               draw(st.sampled_from(["", "FR76 A", "FR76A", "  "]))]
        row += [_mostly(draw, AMOUNTS.map(lambda a: a.replace(".", decimal)), ODD_AMOUNTS)
                for _ in range(2 if debit_credit else 1)]
        if debit_credit and draw(st.booleans()):
            row[-draw(st.integers(1, 2))] = ""  # a debit or a credit, not both
        if draw(st.integers(0, 19)) == 13:
            row = row[:draw(st.integers(len(row) - 2, len(row)))]  # short rows too
        rows.append(row)
        if draw(st.integers(0, 9)) == 7:
            rows.append(draw(st.sampled_from([[], ["  "], ["", ""]])))  # blank rows
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    csv.writer(out, delimiter=delimiter, quoting=quoting,
               lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *rows])
    return out.getvalue(), mapping



def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bank.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _expected(cell: str, mp: CsvMapping, currency: str) -> Decimal | None:
    """The amount of a cell by ``money``'s definition; None when it is not one."""
    text = cell.strip().replace(mp.thousands, "") if mp.thousands else cell.strip()
    try:
        value = parse_amount(text, decimal_comma=mp.decimal == ",")
        to_minor(value, currency)
    except AmountError:
        return None
    return value


CELLS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: format(d, "f")),
    st.from_regex(r"\A[ +-]?0{0,3}[0-9]{0,20}([.,][0-9]{0,9})?0{0,9} ?\Z"),
    st.sampled_from(["", "1 234,56", "1.234,56", "12e3", "-0", "-0.00", "0.0000000", "+.5"]))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=CELLS, currency=st.sampled_from(["EUR", "JPY", "KWD", "CLF"]),
       decimal=st.sampled_from([".", ","]), inverted=st.booleans())
def test_an_amount_cell_is_read_as_money_reads_it(tmp_path: Path, cell: str, currency: str,
                                                    decimal: str, inverted: bool) -> None:
    mp = replace(CANONICAL, delimiter=";", decimal=decimal, currency="currency",
                 sign="inverted" if inverted else "as_is")
    path = _write(tmp_path, f"booking_date;amount;currency\n2026-03-02;{cell};{currency}\n")
    want = _expected(cell, mp, currency)
    if want is None:
        with pytest.raises(CsvCellsError) as err:
            read_columns(path, mp)
        assert [(p.location.line, p.location.element) for p in err.value.problems] == [
            (2, "column amount")]
        return
    got = read_columns(path, mp).movements.row(0, named=True)
    signed = -want if inverted else want
    assert got["amount_minor"] == to_minor(signed, currency)
    assert got["amount_text"] == str(signed)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(debit=CELLS, credit=CELLS)
def test_debit_and_credit_cells_are_read_as_money_reads_them(tmp_path: Path, debit: str,
                                                               credit: str) -> None:
    mp = replace(CANONICAL, delimiter=";", amount=None, debit="debit", credit="credit")
    path = _write(tmp_path, f"booking_date;debit;credit\n2026-03-02;{debit};{credit}\n")
    paid, received = _expected(debit, mp, "EUR"), _expected(credit, mp, "EUR")
    bad = [column for column, cell, value in (("debit", debit, paid), ("credit", credit, received))
           if cell.strip() and value is None]
    if not debit.strip() and not credit.strip():
        bad = ["debit/credit"]
    if bad:
        with pytest.raises(CsvCellsError) as err:
            read_columns(path, mp)
        assert [p.location.element for p in err.value.problems] == [f"column {c}" for c in bad]
        return
    want = (received or Decimal(0)) - abs(paid or Decimal(0))
    got = read_columns(path, mp).movements.row(0, named=True)
    assert (got["amount_minor"], got["amount_text"]) == (to_minor(want, "EUR"), str(want))


def _columns_and_keys(frame: pl.DataFrame) -> list[dict[str, object]]:
    return frame.select(COMPARED).with_columns(identity_keys(frame)).to_dicts()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(csv_files())
def test_parse_gives_what_the_import_stores(tmp_path: Path,
                                             case: tuple[str, CsvMapping]) -> None:
    """``statements parse`` and the import read one frame: the movements ``parse`` builds
    hold the stored columns and identity keys of ``read_columns``, or both refuse the file
    with the same cells."""
    text, mapping = case
    path = _write(tmp_path, text)
    try:
        columns = read_columns(path, mapping)
    except ParseError as refused:
        with pytest.raises(ParseError) as again:
            parse(path, mapping)
        assert str(again.value) == str(refused)
        return
    result = parse(path, mapping)
    assert _columns_and_keys(_movement_frame(result.statements)) == _columns_and_keys(
        columns.movements)
    assert [(s.account, s.currency, s.opening_date, s.closing_date) for s in result.statements] \
        == [(s.account, s.currency, s.opening_date, s.closing_date) for s in columns.statements]


@pytest.mark.parametrize("quoted", [False, True])
def test_an_ordinary_export_is_read(tmp_path: Path, quoted: bool) -> None:
    """Plain and quoted exports of well-formed rows, with and without bank references:
    two accounts, rows keyed by bank id and by content."""
    lines = ["booking_date;amount;description;counterparty_name;bank_reference;account_iban"]
    for i in range(40):
        ref = f"B{i % 30}" if i % 3 else ""  # repeated bank ids, and hashed rows
        lines.append(f"2026-03-{1 + i % 28:02d};{'-' if i % 4 == 0 else ''}{i * 37},{i % 100:02d};"
                     f"Facture FA-{i:04d}  reglement;CLIENT {i % 7};{ref};FR76 {i % 2}")
    text = "\r\n".join(lines) + "\r\n\r\n"
    if quoted:
        text = "\n".join(";".join(f'"{c}"' for c in line.split(";")) for line in lines) + "\n"
    mapping = replace(CANONICAL, delimiter=";", decimal=",", text=("description",))
    columns = read_columns(_write(tmp_path, text), mapping)
    frame = columns.movements.with_columns(identity_keys(columns.movements))
    assert [(s.account, s.currency) for s in columns.statements] == [("FR760", "EUR"),
                                                                     ("FR761", "EUR")]
    assert frame["identity_key"].str.starts_with("hash|").sum() == 14
    assert frame.row(0, named=True)["amount_minor"] == 0 and frame["remittance"][1] == (
        "Facture FA-0002 reglement")
    assert frame["source_position"].to_list()[:2] == ["line 2", "line 4"]


def test_every_bad_cell_is_reported_and_nothing_is_stored(tmp_path: Path) -> None:
    """Issue 20: with a mapping, every bad row is reported (file, line, column)."""
    mapping = replace(CANONICAL, delimiter=";", decimal=",", amount=None, debit="debit",
                      credit="credit", currency="currency")
    path = _write(tmp_path, "booking_date;debit;credit;currency\n"
                            "2026-03-01;10,00;;EUR\n"
                            "2026-03-02;1O,00;;EUR\n"
                            "2026-02-30;;;E1R\n"
                            "\n"
                            ";;5.00;EUR\n")
    with Store.open(tmp_path / "s.duckdb") as store:
        with pytest.raises(CsvCellsError) as err:
            import_statements(store, [path], mapping=mapping)
        assert store.scalar("SELECT count(*) FROM cm_movements") == 0
    got = [(p.location.file, p.location.line, p.location.element, p.message)
           for p in err.value.problems]
    assert got == [
        (str(path), 3, "column debit", "'1O,00' is not an amount (expected digits with an "
                                       "optional comma and decimals)"),
        (str(path), 4, "column booking_date", "'2026-02-30' is not a date in the format "
                                              "%Y-%m-%d"),
        (str(path), 4, "column currency", "'E1R' is not an ISO 4217 currency code"),
        (str(path), 4, "column debit/credit", "neither debit nor credit is filled"),
        (str(path), 6, "column booking_date", "a date is required here"),
        (str(path), 6, "column credit", "'5.00' is not an amount (expected a decimal comma)"),
    ]
    assert str(err.value).startswith(f"{path}: 6 bad cells, nothing read:\n  line 3, column debit")


def test_one_bad_cell_reads_as_its_place(tmp_path: Path) -> None:
    path = _write(tmp_path, "booking_date,amount\n2026-03-01,10.00\n2026-03-02,10.001\n")
    with pytest.raises(CsvCellsError) as err:
        read_columns(path)
    assert str(err.value) == f"{path}, line 3, column amount: '10.001' has more than 2 " \
                             "decimals for EUR"


def test_a_csv_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, 'booking_date,amount\n2026-03-01,1.00\n2026-03-01,"' + "9" * 200_000)
    with pytest.raises(ParseError) as err:
        read_columns(path)
    assert err.value.location.line == 3 and "bad CSV: field larger than field limit" in str(
        err.value)


def test_columns_without_a_header_are_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "2026-03-01;12,50;Loyer\n")
    numbered = CsvMapping(name="t", header=False, delimiter=";", decimal=",",
                          booking_date="1", amount="2", text=("3",))
    assert read_columns(path, numbered).movements["amount_minor"].to_list() == [1250]
    with pytest.raises(ParseError) as err:
        read_columns(path, replace(numbered, amount="amount"))
    assert "columns are numbered from 1" in err.value.reason


def test_cells_are_trimmed_of_what_python_calls_whitespace(tmp_path: Path) -> None:
    """``\\x1c``-``\\x1f`` are whitespace to Python, not to polars: trimmed all the same."""
    path = _write(tmp_path, "booking_date,amount,description,counterparty_iban\n"
                            "2026-03-01,\x1f10.00\x1c,a\x1d\x1eb ,fr76 3000\n")
    row = read_columns(path).movements.row(0, named=True)
    assert (row["amount_minor"], row["remittance"], row["counterparty_iban"]) == (
        1000, "a b", "FR763000")
