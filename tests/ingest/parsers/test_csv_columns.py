"""The column-wise CSV reader gives exactly what the row reader gives, or declines.

``read_columns`` serves the statement import; ``parse`` (row by row) stays the reference
and the reporter of errors. For any file and mapping: when the row reader refuses the file,
the column reader declines (returns None); when the column reader reads it, every stored
column, the statements and the identity keys equal the row reader's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cashmatch.errors import ParseError
from cashmatch.ingest.identity import identity_keys
from cashmatch.ingest.parsers.csv import CANONICAL, CsvMapping, parse
from cashmatch.ingest.parsers.csv_columns import read_columns
from cashmatch.ingest.statements import _movement_frame, import_statements
from cashmatch.ledger.history import list_movements
from cashmatch.store import Store

#: The stored columns both readers give (``statements._schemas``), plus the statement.
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


def _rows_view(path: Path, mapping: CsvMapping) -> tuple[pl.DataFrame, list[tuple]] | None:
    try:
        result = parse(path, mapping)
    except ParseError:
        return None
    frame = _movement_frame(result.statements)
    heads = [(s.account, s.currency, s.opening_date, s.closing_date) for s in result.statements]
    return frame.select(COMPARED).with_columns(identity_keys(frame)), heads


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(csv_files())
def test_the_column_reader_reads_as_the_row_reader_or_declines(tmp_path: Path,
                                                                 case: tuple[str, CsvMapping]) -> None:
    text, mapping = case
    path = tmp_path / "bank.csv"
    path.write_text(text, encoding="utf-8")
    expected = _rows_view(path, mapping)
    columns = read_columns(path, mapping)
    if expected is None:
        assert columns is None, "the row reader refuses this file; the column reader must decline"
        return
    if columns is None:
        return
    frame, heads = expected
    got = columns.movements.select(COMPARED).with_columns(identity_keys(columns.movements))
    assert got.to_dicts() == frame.to_dicts()
    assert [(s.account, s.currency, s.opening_date, s.closing_date)
            for s in columns.statements] == heads


@pytest.mark.parametrize("quoted", [False, True])
def test_an_ordinary_export_is_read_by_columns(tmp_path: Path, quoted: bool) -> None:
    """Not a vacuous property: plain and quoted exports of well-formed rows, with and
    without bank references, take the column reader, and agree with the row reader."""
    lines = ["booking_date;amount;description;counterparty_name;bank_reference;account_iban"]
    for i in range(40):
        ref = f"B{i % 30}" if i % 3 else ""  # repeated bank ids, and hashed rows
        lines.append(f"2026-03-{1 + i % 28:02d};{'-' if i % 4 == 0 else ''}{i * 37},{i % 100:02d};"
                     f"Facture FA-{i:04d}  reglement;CLIENT {i % 7};{ref};FR76 {i % 2}")
    text = "\r\n".join(lines) + "\r\n\r\n"
    if quoted:
        text = "\n".join(";".join(f'"{c}"' for c in line.split(";")) for line in lines) + "\n"
    path = tmp_path / "bank.csv"
    path.write_text(text, encoding="utf-8")
    mapping = replace(CANONICAL, delimiter=";", decimal=",", text=("description",))
    columns = read_columns(path, mapping)
    assert columns is not None
    expected = _rows_view(path, mapping)
    assert expected is not None
    frame, heads = expected
    got = columns.movements.select(COMPARED).with_columns(identity_keys(columns.movements))
    assert got.to_dicts() == frame.to_dicts()
    assert [(s.account, s.currency) for s in columns.statements] == [(a, c) for a, c, *_ in heads]
    assert len(heads) == 2 and frame["identity_key"].str.starts_with("hash|").sum() == 14


def test_a_bad_cell_is_reported_by_the_row_reader_with_its_line(tmp_path: Path) -> None:
    """The import of a file the column reader declines reports the row reader's error and
    stores nothing."""
    path = tmp_path / "bank.csv"
    path.write_text("booking_date,amount\n2026-03-01,10.00\n2026-03-02,1O.00\n", encoding="utf-8")
    assert read_columns(path, CANONICAL) is None
    with Store.open(tmp_path / "s.duckdb") as store:
        with pytest.raises(ParseError) as err:
            import_statements(store, [path])
        assert "line 3" in str(err.value.location) and "'1O.00'" in err.value.reason
        assert list_movements(store) == []
