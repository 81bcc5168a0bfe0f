"""Bank CSV exports, read through a column mapping.

A :class:`CsvMapping` says how one bank writes its CSV: delimiter, decimal separator, date
format, encoding, header, which columns hold the date, the amount (or debit and credit), the
text, the counterparty and the references, and the sign convention. Mappings are TOML files
(:func:`load_mapping`); the canonical cashmatch CSV is the built-in :data:`CANONICAL`::

    booking_date,value_date,amount,currency,description,counterparty_name,
    counterparty_iban,reference,bank_reference,account_iban

(signed amount with a dot, ISO dates; only ``booking_date`` and ``amount`` are required).
"""

from __future__ import annotations

import csv
import functools
import io
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cashmatch.errors import ConfigError, Location, ParseError
from cashmatch.ingest import normalize
from cashmatch.model import Movement, ParseResult, Reference, Source, Statement
from cashmatch.money import AmountError, is_currency, parse_amount, to_minor

FORMAT = "csv"
PRIORITY = 90  # generic: asked after every format with a signature

_CANONICAL_COLUMNS = (
    "booking_date", "value_date", "amount", "currency", "description", "counterparty_name",
    "counterparty_iban", "reference", "bank_reference", "account_iban",
)


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """How to read one bank's CSV export.

    Column names refer to the header row; with ``header = false`` they are 1-based column
    numbers written as strings (``"3"``). ``text`` columns are joined with spaces into the
    remittance. ``sign = "inverted"`` flips the amount column (for banks that write payments as
    positive numbers); with ``debit``/``credit`` columns the debit is always money out.
    """

    name: str
    delimiter: str = ","
    quotechar: str = '"'
    decimal: str = "."
    thousands: str = ""
    date_format: str = "%Y-%m-%d"
    encoding: str = "utf-8-sig"
    header: bool = True
    skip_rows: int = 0
    booking_date: str = "booking_date"
    value_date: str | None = None
    amount: str | None = "amount"
    debit: str | None = None
    credit: str | None = None
    sign: str = "as_is"
    currency: str | None = None
    default_currency: str = "EUR"
    text: tuple[str, ...] = ()
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    reference: str | None = None
    bank_reference: str | None = None
    account: str | None = None
    default_account: str | None = None
    extra_required: tuple[str, ...] = field(default=())


CANONICAL = CsvMapping(
    name="cashmatch canonical CSV",
    value_date="value_date",
    currency="currency",
    text=("description",),
    counterparty_name="counterparty_name",
    counterparty_iban="counterparty_iban",
    reference="reference",
    bank_reference="bank_reference",
    account="account_iban",
)


def load_mapping(path: Path) -> CsvMapping:
    """Read a mapping TOML file; every error is reported with its key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read the mapping: {exc}"]) from exc
    known = {f.name for f in fields(CsvMapping)}
    errors = [f"{k}: unknown key (known: {', '.join(sorted(known))})" for k in data if k not in known]
    kwargs = {k: v for k, v in data.items() if k in known}
    kwargs.setdefault("name", path.stem)
    if "text" in kwargs:
        if isinstance(kwargs["text"], str):
            kwargs["text"] = (kwargs["text"],)
        kwargs["text"] = tuple(kwargs["text"])
    if kwargs.get("decimal", ".") not in (".", ","):
        errors.append("decimal: must be '.' or ','")
    if kwargs.get("sign", "as_is") not in ("as_is", "inverted"):
        errors.append("sign: must be 'as_is' or 'inverted'")
    if ("debit" in kwargs) != ("credit" in kwargs):
        errors.append("debit/credit: give both a debit and a credit column, or an amount column")
    elif "debit" in kwargs and "amount" not in kwargs:
        kwargs["amount"] = None  # debit and credit columns replace the amount column
    if errors:
        raise ConfigError(str(path), errors)
    return CsvMapping(**kwargs)


def identify(head: bytes, path: Path) -> str | None:
    """Claims a file whose first line is the canonical header (booking_date and amount)."""
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip(b"\r").decode("utf-8", "replace")
    cols = [c.strip().strip('"').lower() for c in first.split(",")]
    if "booking_date" in cols and "amount" in cols:
        return "CSV header with booking_date and amount columns (canonical cashmatch CSV)"
    return None


def parse(path: Path, mapping: CsvMapping = CANONICAL) -> ParseResult:
    """Read ``path`` with ``mapping``; one statement per account column value."""
    name, text = read_text(path, mapping)
    by_account: dict[str | None, list[Movement]] = {}
    for mv in _rows(name, text, mapping):
        by_account.setdefault(mv.account, []).append(mv)
    if not by_account:
        raise ParseError(Location(name), "no movement rows in the file")
    statements = [
        Statement(file=name, format=FORMAT, movements=tuple(mvs), account=acct,
                  currency=mvs[0].currency,
                  opening_date=min(m.booking_date for m in mvs),
                  closing_date=max(m.booking_date for m in mvs))
        for acct, mvs in by_account.items()
    ]
    return ParseResult(statements=statements)


def read_text(path: Path, mp: CsvMapping) -> tuple[str, str]:
    """The file's name and its text, decoded as the mapping says."""
    name = str(path)
    try:
        return name, path.read_bytes().decode(mp.encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(Location(name), f"not valid {mp.encoding} text at byte {exc.start}") from exc
    except OSError as exc:
        raise ParseError(Location(name), f"cannot read the file: {exc.strerror}") from exc


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each mapped field sits in a row padded by :func:`pad`: a cell index, or -1 (the
    empty cell :func:`pad` appends) for a column the mapping does not have."""

    width: int
    date: int
    value: int
    amount: int
    debit: int
    credit: int
    ccy: int
    name: int
    iban: int
    ref: int
    bref: int
    acct: int
    text: tuple[int, ...]
    has_amount: bool


def open_rows(name: str, text: str, mp: CsvMapping) -> tuple[Any, int, Layout]:
    """A ``csv.reader`` positioned on the first data row, the number of lines skipped
    before the reader's first line, and the layout of the mapped columns."""
    lines = io.StringIO(text)
    for _ in range(mp.skip_rows):
        lines.readline()
    reader = csv.reader(lines, delimiter=mp.delimiter, quotechar=mp.quotechar)
    offset = mp.skip_rows
    index: dict[str, int]
    if mp.header:
        try:
            header = next(reader)
        except StopIteration:
            raise ParseError(Location(name), "the file has no header row") from None
        except csv.Error as exc:
            raise ParseError(Location(name, offset + 1), f"bad CSV: {exc}") from exc
        index = {h.strip().lower(): i for i, h in enumerate(header)}
    else:
        index = {}

    def col(key: str | None, required: bool = False) -> int | None:
        if key is None:
            return None
        if not mp.header:
            return int(key) - 1
        pos = index.get(key.lower())
        if pos is None and required:
            raise ParseError(Location(name, offset + 1, "header"),
                             f"required column {key!r} is missing (columns: {', '.join(index)})")
        return pos

    cols = (col(mp.booking_date, True), col(mp.value_date), col(mp.amount, mp.debit is None),
            col(mp.debit, mp.amount is None), col(mp.credit, mp.amount is None),
            col(mp.currency), col(mp.counterparty_name), col(mp.counterparty_iban),
            col(mp.reference), col(mp.bank_reference), col(mp.account))
    c_text = tuple(c for c in (col(t) for t in mp.text) if c is not None)
    width = max(c for c in (*cols, *c_text) if c is not None) + 1
    return reader, offset, Layout(width, *(-1 if c is None else c for c in cols),
                                  text=c_text, has_amount=cols[2] is not None)


def pad(row: list[str], width: int) -> list[str]:
    """``row`` with at least ``width`` cells plus one empty cell, at index -1, that stands
    for every column the mapping does not have: each cell is then one index away."""
    if len(row) < width:
        row += [""] * (width - len(row))
    row.append("")
    return row


def signed_amount(amount: str | None, debit: str, credit: str, mp: CsvMapping,
                  where: Callable[[str | None], Location]) -> Decimal:
    """The movement's amount from the cell of the amount column (sign convention applied)
    or, without one (``amount`` None), from the debit and credit cells (the debit is money
    out)."""
    if amount is not None:
        value = _amount(amount.strip(), mp, where, mp.amount, required=True)
        assert value is not None
        return -value if mp.sign == "inverted" else value
    paid = _amount(debit.strip(), mp, where, mp.debit, required=False)
    received = _amount(credit.strip(), mp, where, mp.credit, required=False)
    if paid is None and received is None:
        raise ParseError(where(f"{mp.debit}/{mp.credit}"), "neither debit nor credit is filled")
    return (received or Decimal(0)) - abs(paid or Decimal(0))


def _rows(name: str, text: str, mp: CsvMapping) -> Iterator[Movement]:
    reader, offset, lay = open_rows(name, text, mp)
    stmt_order = 0
    for raw in _safe(reader, name):
        if not "".join(raw).strip():
            continue
        line = reader.line_num + offset
        row = pad(raw, lay.width)

        def where(column: str | None, line: int = line) -> Location:
            return Location(name, line, f"column {column}")

        booking = _date(row[lay.date].strip(), mp.date_format, where, mp.booking_date,
                        required=True)
        assert booking is not None
        value = _date(row[lay.value].strip(), mp.date_format, where, mp.value_date,
                      required=False)
        currency = (row[lay.ccy].strip() or mp.default_currency).upper()
        if not is_currency(currency):
            raise ParseError(where(mp.currency), f"{currency!r} is not an ISO 4217 currency code")
        amount = signed_amount(row[lay.amount] if lay.has_amount else None, row[lay.debit],
                               row[lay.credit], mp, where)
        try:
            to_minor(amount, currency)
        except AmountError as exc:
            raise ParseError(where(mp.amount), str(exc)) from exc
        ref = row[lay.ref].strip()
        remittance = " ".join(" ".join([row[c] for c in lay.text]).split())
        if ref and ref not in remittance:
            remittance = f"{remittance} {ref}".strip()
        yield Movement(
            booking_date=booking,
            value_date=value,
            amount=amount,
            currency=currency,
            source=Source(name, stmt_order, f"line {line}"),
            account=row[lay.acct].strip().replace(" ", "") or mp.default_account,
            counterparty_name=row[lay.name].strip() or None,
            counterparty_iban=normalize.iban(row[lay.iban]),
            remittance=remittance,
            references=(Reference("reference", ref),) if ref else (),
            bank_reference=row[lay.bref].strip() or None,
        )


def _safe(reader: Iterator[list[str]], name: str) -> Iterator[list[str]]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", None)
            raise ParseError(Location(name, line), f"bad CSV: {exc}") from exc
        yield row


@functools.lru_cache(maxsize=4096)
def _strptime(text: str, fmt: str) -> date:
    """A statement holds few distinct dates: each is parsed once."""
    return datetime.strptime(text, fmt).date()


def _date(text: str, fmt: str, where: Callable[[str | None], Location], column: str | None,
          *, required: bool) -> date | None:
    if not text:
        if required:
            raise ParseError(where(column), "a date is required here")
        return None
    try:
        return _strptime(text, fmt)
    except ValueError:
        raise ParseError(where(column), f"{text!r} is not a date in the format {fmt}") from None


def _amount(text: str, mp: CsvMapping, where: Callable[[str | None], Location],
            column: str | None, *, required: bool) -> Decimal | None:
    if not text:
        if required:
            raise ParseError(where(column), "an amount is required here")
        return None
    if mp.thousands:
        text = text.replace(mp.thousands, "")
    try:
        return parse_amount(text, decimal_comma=mp.decimal == ",")
    except AmountError as exc:
        raise ParseError(where(column), str(exc)) from exc
