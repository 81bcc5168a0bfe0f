"""Bank CSV exports, read through a column mapping, a column at a time.

A :class:`CsvMapping` says how one bank writes its CSV: delimiter, decimal separator, date
format, encoding, header, which columns hold the date, the amount (or debit and credit), the
text, the counterparty and the references, and the sign convention. Mappings are TOML files
(:func:`load_mapping`); the canonical cashmatch CSV is the built-in :data:`CANONICAL`::

    booking_date,value_date,amount,currency,description,counterparty_name,
    counterparty_iban,reference,bank_reference,account_iban

(signed amount with a dot, ISO dates; only ``booking_date`` and ``amount`` are required).

There is one reader. The cells of every row are read into a polars frame (split at the
delimiter, or by ``csv.reader`` when the file holds quotes), then checked and converted a
column at a time: every bad cell is reported with its line and column, all of them at once
(:class:`CsvCellsError`), and nothing is read from a file with one. The import stores the
frame's columns (:func:`read_columns`); ``statements parse`` builds its
:class:`~cashmatch.model.Movement` records from the same frame (:func:`parse`).

Amounts are exact: digits, an optional sign, the mapping's decimal mark; decimals beyond the
currency's must be zeros; at most 18 digits in minor units (``money.MAX_MINOR``). Cells are
trimmed and texts folded with Python's whitespace; IBANs go through ``normalize``.
"""

from __future__ import annotations

import csv
import functools
import io
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashmatch.errors import ConfigError, Location, ParseError, Problem
from cashmatch.ingest import normalize
from cashmatch.model import Movement, ParseResult, Reference, Source, Statement
from cashmatch.money import EXPONENTS, MAX_MINOR, exponent, is_currency

if TYPE_CHECKING:
    import polars as pl

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


def looks_like_csv(head: bytes) -> str | None:
    """What to do with a file no parser claims that looks like a bank's own CSV export (its
    first lines cut by one delimiter into as many cells, two or more), else None."""
    text = head.lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
    lines = [ln for ln in text.replace("\r", "").split("\n")[:6] if ln.strip()]
    for delimiter in (";", ",", "\t", "|"):
        counts = {ln.count(delimiter) for ln in lines[:-1] or lines}
        if len(lines) >= 2 and len(counts) == 1 and counts.pop() >= 1:
            shown = {"\t": "tab"}.get(delimiter, repr(delimiter))
            return (f"it looks like a bank's own CSV export (delimiter {shown}), not the "
                    "canonical cashmatch CSV: give its column mapping with --mapping FILE "
                    "(an example: rules/csv/example_bank.toml)")
    return None


def identify(head: bytes, path: Path) -> str | None:
    """Claims a file whose first line is the canonical header (booking_date and amount)."""
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip(b"\r").decode("utf-8", "replace")
    cols = [c.strip().strip('"').lower() for c in first.split(",")]
    if "booking_date" in cols and "amount" in cols:
        return "CSV header with booking_date and amount columns (canonical cashmatch CSV)"
    return None


class CsvCellsError(ParseError):
    """A CSV export with bad cells; ``problems`` holds every one, with its line and column.

    One bad cell reads as any ParseError (its location, its reason); several are listed
    under the file's name, as :class:`~cashmatch.errors.ItemsError` lists bad items."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        if len(problems) == 1:
            super().__init__(problems[0].location, problems[0].message)
        else:
            shown = "".join(f"\n  line {p.location.line}, {p.location.element}: {p.message}"
                            for p in problems[:50])
            more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
            super().__init__(Location(file), f"{len(problems)} bad cells, nothing read:"
                                             f"{shown}{more}")
        self.file, self.problems = file, problems


@dataclass(frozen=True, slots=True)
class CsvColumns:
    """A CSV export read a column at a time.

    Attributes:
        statements: one per account, in order of first appearance, without movements.
        movements: the store's movement columns (see ``statements._movement_frame``), by
            statement then by line, plus ``statement`` (the position of the movement's
            statement in ``statements``), ``amount_text`` (``str`` of the amount's
            ``Decimal`` as written) and ``refs_text``: what
            :func:`cashmatch.ingest.identity.identity_keys` reads.
    """

    statements: list[Statement]
    movements: pl.DataFrame
    problems: list[Problem]


def read_columns(path: Path, mp: CsvMapping = CANONICAL,
                 currency: str | None = None) -> CsvColumns:
    """``path`` read with ``mp`` into the store's columns; raises :class:`CsvCellsError`
    naming every bad cell, or :class:`ParseError` for a file that is not CSV as mapped.
    ``currency`` stated replaces the mapping's default currency."""
    name, frame, problems = _frame(path, mp, currency)
    statements, frame = _by_account(name, frame)
    return CsvColumns(statements, frame.select(*_STORED, "amount_text", "refs_text"), problems)


def parse(path: Path, mapping: CsvMapping = CANONICAL,
          currency: str | None = None) -> ParseResult:
    """Statements and movements (what ``statements parse`` shows), built from the very frame
    :func:`read_columns` gives the import: one statement per account. ``currency`` stated
    replaces the mapping's default currency."""
    name, frame, problems = _frame(path, mapping, currency)
    statements, frame = _by_account(name, frame)
    movements: list[list[Movement]] = [[] for _ in statements]
    for row in frame.select("statement", "booking_date", "value_date", "amount_text",
                            "currency", "account", "counterparty_name", "counterparty_iban",
                            "remittance", "ref", "bank_reference", "line").iter_rows():
        (index, booking, value, amount, currency, account, cp_name, cp_iban, remittance, ref,
         bank_ref, line) = row
        movements[index].append(Movement(
            booking_date=booking, value_date=value, amount=Decimal(amount), currency=currency,
            source=Source(name, index, f"line {line}"), account=account,
            counterparty_name=cp_name, counterparty_iban=cp_iban, remittance=remittance,
            references=(Reference("reference", ref),) if ref else (), bank_reference=bank_ref))
    return ParseResult([replace(st, movements=tuple(mvs))
                        for st, mvs in zip(statements, movements, strict=True)], problems)


def read_text(path: Path, mp: CsvMapping) -> tuple[str, str]:
    """The file's name and its text, decoded as the mapping says."""
    name = str(path)
    try:
        return name, path.read_bytes().decode(mp.encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(Location(name), f"not valid {mp.encoding} text at byte {exc.start}") from exc
    except LookupError:
        raise ParseError(Location(name), f"unknown encoding {mp.encoding!r} in the mapping") from None
    except OSError as exc:
        raise ParseError(Location(name), f"cannot read the file: {exc.strerror}") from exc


#: What Python's ``str.split``/``str.strip`` take for whitespace (polars' own set lacks
#: ``\x1c``-``\x1f``): cells are trimmed and texts folded with exactly this set.
_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_SPACE_RUN = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in _SPACES) + "]+"

#: The largest number of decimals of any currency (ISO 4217).
_MAX_EXPONENT = max(2, *EXPONENTS.values())

#: Digits an amount may have, decimals included (``money.MAX_MINOR``).
_MAX_DIGITS = len(str(MAX_MINOR))

#: The stored movement columns, in the store's order, plus the statement's position.
_STORED = ("statement", "account", "booking_date", "value_date", "amount_minor", "currency",
           "counterparty_name", "counterparty_iban", "counterparty_bic", "remittance",
           "refs_json", "end_to_end_id", "bank_reference", "bank_tx_code", "status",
           "charges_minor", "instructed_minor", "instructed_currency", "entry_key",
           "source_file", "source_position")


@dataclass(frozen=True, slots=True)
class Layout:
    """Cell index of each mapped field (-1: the mapping has no such column)."""

    width: int
    fields: dict[str, int]
    has_amount: bool


def open_rows(name: str, text: str, mp: CsvMapping) -> tuple[Any, int, Layout]:
    """A ``csv.reader`` positioned on the first data row, the number of lines skipped
    before the reader's first line, and the layout of the mapped columns."""
    lines = io.StringIO(text)
    for _ in range(mp.skip_rows):
        lines.readline()
    reader = csv.reader(lines, delimiter=mp.delimiter, quotechar=mp.quotechar)
    index: dict[str, int] = {}
    if mp.header:
        try:
            header = next(reader)
        except StopIteration:
            raise ParseError(Location(name), "the file has no header row") from None
        except csv.Error as exc:
            raise ParseError(Location(name, mp.skip_rows + 1), f"bad CSV: {exc}") from exc
        index = {h.strip().lower(): i for i, h in enumerate(header)}

    def col(key: str | None, required: bool = False) -> int:
        if key is None:
            return -1
        if not mp.header:
            if not key.isdigit() or int(key) < 1:
                raise ParseError(Location(name), f"column {key!r}: without a header row, "
                                                 "columns are numbered from 1 in the mapping")
            return int(key) - 1
        pos = index.get(key.lower())
        if pos is None and required:
            raise ParseError(Location(name, mp.skip_rows + 1, "header"),
                             f"required column {key!r} is missing (columns: {', '.join(index)})")
        return -1 if pos is None else pos

    no_amount = mp.amount is None
    fields = {"booking": col(mp.booking_date, True), "value": col(mp.value_date),
              "amount": col(mp.amount, not no_amount), "debit": col(mp.debit, no_amount),
              "credit": col(mp.credit, no_amount), "ccy": col(mp.currency),
              "name": col(mp.counterparty_name), "iban": col(mp.counterparty_iban),
              "ref": col(mp.reference), "bref": col(mp.bank_reference), "acct": col(mp.account),
              **{f"text_{k}": col(t) for k, t in enumerate(mp.text)}}
    return reader, mp.skip_rows, Layout(max(fields.values()) + 1, fields, not no_amount)


def _frame(path: Path, mp: CsvMapping, currency: str | None,
           ) -> tuple[str, pl.DataFrame, list[Problem]]:
    """Every row of ``path`` as the movement's columns, each cell checked: one
    :class:`CsvCellsError` lists all the bad ones. ``currency`` stated replaces the
    mapping's default currency. The problems: a last line without a line end (the file
    may have been cut inside that row)."""
    import polars as pl

    if currency is not None:
        mp = replace(mp, default_currency=currency)
    name, text = read_text(path, mp)
    reader, offset, lay = open_rows(name, text, mp)
    head_lines = reader.line_num + offset
    cells = (_plain_cells(text, head_lines, mp, lay.fields) if _is_plain(text, mp)
             else _quoted_cells(name, reader, offset, lay))
    if cells.height == 0:
        raise ParseError(Location(name), "no movement rows in the file")
    texts = [f for f in lay.fields if f.startswith("text_")]
    raw = cells.with_columns(pl.exclude("line", *texts).str.strip_chars(_SPACES),
                             text=pl.concat_str(texts, separator=" ") if texts else pl.lit(""))
    frame = raw.with_columns(**_dates(raw, mp), currency=_currencies(raw, mp))
    frame = frame.with_columns(**_amounts(mp, lay.has_amount))
    _refuse_bad_cells(name, frame, mp)
    problems = []
    if not text.endswith(("\n", "\r")):
        problems.append(Problem(Location(name, text.count("\n") + 1),
                                "the file ends inside this line, without a line end: it may be "
                                "truncated and its last row incomplete"))
    return name, _texts(frame, mp).with_columns(amount_text=_decimal_text(frame)), problems


def _is_plain(text: str, mp: CsvMapping) -> bool:
    """True when ``csv.reader`` would read ``text`` as lines split at the delimiter: no
    quote character, no NUL, no carriage return but before a line feed."""
    return (mp.quotechar not in text and "\x00" not in text
            and text.count("\r") == text.count("\r\n"))


def _plain_cells(text: str, head_lines: int, mp: CsvMapping,
                 fields: dict[str, int]) -> pl.DataFrame:
    """The cells of ``fields`` (name: cell index, -1 for none) of a plain text (see
    :func:`_is_plain`) after its first ``head_lines`` lines, with each row's line number;
    blank rows left out and short rows padded with empty cells, as ``csv.reader`` reads
    them."""
    import polars as pl

    body = text.split("\n", head_lines)[-1] if head_lines else text
    lines = pl.Series("row", body.split("\n"), dtype=pl.String).str.strip_suffix("\r")
    rows = (lines.to_frame()
            .with_columns(line=pl.int_range(head_lines + 1, head_lines + 1 + pl.len(),
                                            dtype=pl.Int64))
            .filter(pl.col("row").str.replace_all(mp.delimiter, "", literal=True)
                    .str.strip_chars(_SPACES) != "")
            .with_columns(pl.col("row").str.split(mp.delimiter)))
    return rows.select(
        *[(pl.col("row").list.get(c, null_on_oob=True).fill_null("") if c >= 0
           else pl.lit("")).alias(f) for f, c in fields.items()], "line")


def _quoted_cells(name: str, reader: Any, offset: int, lay: Layout) -> pl.DataFrame:
    """As :func:`_plain_cells`, read by ``reader`` (``csv.reader`` past the header); a CSV
    syntax error is refused with its line."""
    import polars as pl

    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for raw in reader:
            if not "".join(raw).strip():
                continue
            if len(raw) < lay.width:
                raw += [""] * (lay.width - len(raw))
            rows.append(raw)
            lines.append(reader.line_num + offset)
    except csv.Error as exc:
        raise ParseError(Location(name, reader.line_num + offset), f"bad CSV: {exc}") from exc
    return pl.DataFrame({
        **{f: [r[c] for r in rows] if c >= 0 else [""] * len(rows)
           for f, c in lay.fields.items()},
        "line": pl.Series(lines, dtype=pl.Int64)})


@functools.lru_cache(maxsize=4096)
def _strptime(text: str, fmt: str) -> date | None:
    """A statement holds few distinct dates: each is parsed once; None when it is not a
    date in ``fmt``."""
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def _dates(raw: pl.DataFrame, mp: CsvMapping) -> dict[str, pl.Expr]:
    """``booking_date`` and ``value_date``: each distinct text parsed once with the mapping's
    format (null when blank or not a date)."""
    import polars as pl

    texts = pl.concat([raw["booking"], raw["value"]]).unique().to_list()
    dates = {t: _strptime(t, mp.date_format) if t else None for t in texts}
    return {"booking_date": pl.col("booking").replace_strict(dates, return_dtype=pl.Date),
            "value_date": pl.col("value").replace_strict(dates, return_dtype=pl.Date)}


def _currencies(raw: pl.DataFrame, mp: CsvMapping) -> pl.Expr:
    """The currency of each row: its cell, else the mapping's default, upper case."""
    import polars as pl

    codes = {cell: (cell or mp.default_currency).upper() for cell in raw["ccy"].unique()}
    return pl.col("ccy").replace_strict(codes, return_dtype=pl.String)


@dataclass(frozen=True, slots=True)
class _Cell:
    """What one amount cell holds, as expressions: ``fault`` (null when it is an amount;
    else ``blank``, ``mark``, ``shape``, ``large`` or ``decimals``), ``units`` (minor units
    of the row's currency, signed as written; 0 when faulty), ``scale`` (decimals as
    written) and ``negative`` (written with a minus sign)."""

    fault: pl.Expr
    units: pl.Expr
    scale: pl.Expr
    negative: pl.Expr


def _exponent() -> pl.Expr:
    """The number of decimals of each row's currency."""
    import polars as pl

    return pl.col("currency").replace_strict(EXPONENTS, default=2, return_dtype=pl.Int64)


def _cell(column: str, mp: CsvMapping) -> _Cell:
    """The amount in a (trimmed) cell: thousands separators removed, a dot (or the decimal
    comma) before the decimals, ASCII digits, an optional sign; exact in minor units."""
    import polars as pl

    cell = pl.col(column)
    text = (cell.str.replace_all(mp.thousands, "", literal=True).str.strip_chars(_SPACES)
            if mp.thousands else cell)
    wrong_mark = pl.lit(False)
    if mp.decimal == ",":
        wrong_mark = text.str.contains(".", literal=True)
        text = text.str.replace_all(",", ".", literal=True)
    parts = text.str.strip_chars_start("+-").str.split_exact(".", 1)
    whole = parts.struct.field("field_0").str.strip_chars_start("0")
    decimals = parts.struct.field("field_1").fill_null("")
    exp = _exponent()
    fault = (pl.when(cell == "").then(pl.lit("blank"))
             .when(wrong_mark).then(pl.lit("mark"))
             .when(~text.str.contains(r"^[+-]?[0-9]+(\.[0-9]+)?$")).then(pl.lit("shape"))
             .when(whole.str.len_chars() + exp > _MAX_DIGITS).then(pl.lit("large"))
             .when(~decimals.str.slice(exp).str.contains("^0*$")).then(pl.lit("decimals")))
    kept = decimals.str.pad_end(_MAX_EXPONENT, "0").str.slice(0, exp)
    magnitude = (pl.when(fault.is_null()).then(pl.concat_str([whole, kept]))
                 .cast(pl.Int64, strict=False).fill_null(0))
    negative = text.str.starts_with("-")
    return _Cell(fault, pl.when(negative).then(-magnitude).otherwise(magnitude),
                 decimals.str.len_chars(), negative)


def _amounts(mp: CsvMapping, has_amount: bool) -> dict[str, pl.Expr]:
    """``amount_minor`` and what the amount's text needs (``amount_scale``,
    ``amount_negative``), and the faults of the amount cells (``amount_fault``,
    ``debit_fault``, ``credit_fault``; ``neither_fault`` when both are blank). The amount
    column is signed as the mapping says; a debit is money out whatever its sign."""
    import polars as pl

    if has_amount:
        amount = _cell("amount", mp)
        if mp.sign == "inverted":  # as Decimal negation does: -(0.00) and -(-0.00) are 0.00
            return {"amount_minor": -amount.units, "amount_scale": amount.scale,
                    "amount_negative": amount.units > 0, "amount_fault": amount.fault}
        return {"amount_minor": amount.units, "amount_scale": amount.scale,
                "amount_negative": amount.negative, "amount_fault": amount.fault}
    debit, credit = _cell("debit", mp), _cell("credit", mp)
    paid, received = debit.units.abs(), credit.units
    # Decimal arithmetic: a zero debit or credit counts as Decimal(0), whatever its decimals
    scale = pl.max_horizontal(pl.when(paid != 0).then(debit.scale).otherwise(0),
                              pl.when(received != 0).then(credit.scale).otherwise(0))
    return {"amount_minor": received - paid, "amount_scale": scale,
            "amount_negative": received - paid < 0,
            "debit_fault": pl.when(debit.fault != "blank").then(debit.fault),
            "credit_fault": pl.when(credit.fault != "blank").then(credit.fault),
            "neither_fault": pl.when((debit.fault == "blank") & (credit.fault == "blank"))
            .then(pl.lit("neither"))}


def _decimal_text(frame: pl.DataFrame) -> pl.Expr:
    """``str`` of the amount's ``Decimal`` as written: its decimals kept (``1.230``), leading
    zeros and a plus sign dropped, a zero with more than six decimals as ``0E-7``."""
    import polars as pl

    exp, scale = _exponent(), pl.col("amount_scale")
    widest = max(int(frame["amount_scale"].max() or 0), _MAX_EXPONENT)
    digits = pl.col("amount_minor").abs().cast(pl.String).str.zfill(exp + 1)
    cut = digits.str.len_chars() - exp
    decimals = digits.str.slice(cut).str.pad_end(widest, "0").str.slice(0, scale)
    plain = (pl.when(scale > 0).then(pl.concat_str([digits.str.slice(0, cut), pl.lit("."),
                                                    decimals]))
             .otherwise(digits.str.slice(0, cut)))
    text = (pl.when((pl.col("amount_minor") == 0) & (scale > 6))
            .then(pl.lit("0E-") + scale.cast(pl.String)).otherwise(plain))
    return pl.when(pl.col("amount_negative")).then(pl.lit("-") + text).otherwise(text)


def _checks(mp: CsvMapping) -> list[tuple[str, str, str]]:
    """(fault column, cell column, column name for the user) of every check, in the order
    the problems of one row are listed."""
    checks = [("booking_fault", "booking", mp.booking_date), ("value_fault", "value",
                                                               mp.value_date or ""),
              ("currency_fault", "currency", mp.currency or "currency")]
    if mp.amount is not None:
        return [*checks, ("amount_fault", "amount", mp.amount)]
    return [*checks, ("debit_fault", "debit", mp.debit or ""),
            ("credit_fault", "credit", mp.credit or ""),
            ("neither_fault", "debit", f"{mp.debit}/{mp.credit}")]


def _refuse_bad_cells(name: str, frame: pl.DataFrame, mp: CsvMapping) -> None:
    """Raises :class:`CsvCellsError` listing every bad cell of ``frame``, by line."""
    import polars as pl

    bad_codes = [c for c in frame["currency"].unique() if not is_currency(c)]
    faults = frame.with_columns(
        booking_fault=pl.when(pl.col("booking") == "").then(pl.lit("date_required"))
        .when(pl.col("booking_date").is_null()).then(pl.lit("date")),
        value_fault=pl.when((pl.col("value") != "") & pl.col("value_date").is_null())
        .then(pl.lit("date")),
        currency_fault=pl.when(pl.col("currency").is_in(bad_codes)).then(pl.lit("currency")))
    checks = _checks(mp)
    bad = faults.filter(pl.any_horizontal(pl.col(f).is_not_null() for f, _, _ in checks))
    if bad.height == 0:
        return
    problems = []
    for row in bad.iter_rows(named=True):
        for fault, cell, column in checks:
            if row[fault] is not None:
                problems.append(Problem(Location(name, row["line"], f"column {column}"),
                                        _message(row[fault], row[cell], row["currency"], mp),
                                        "error"))
    raise CsvCellsError(name, problems)


def _message(fault: str, cell: str, currency: str, mp: CsvMapping) -> str:
    """What is wrong with a cell, for a person."""
    if fault == "date_required":
        return "a date is required here"
    if fault == "date":
        return f"{cell!r} is not a date in the format {mp.date_format}"
    if fault == "currency":
        return f"{cell!r} is not an ISO 4217 currency code"
    if fault == "blank":
        return "an amount is required here"
    if fault == "neither":
        return "neither debit nor credit is filled"
    if fault == "mark":
        return f"{cell!r} is not an amount (expected a decimal comma)"
    if fault == "shape":
        mark = "comma" if mp.decimal == "," else "dot"
        return f"{cell!r} is not an amount (expected digits with an optional {mark} and decimals)"
    decimals = exponent(currency)
    if fault == "large":
        return (f"{cell!r} is too large: amounts have at most {_MAX_DIGITS} digits ({decimals} "
                f"of them decimals for {currency})")
    return f"{cell!r} has more than {decimals} decimals for {currency}"


def _texts(frame: pl.DataFrame, mp: CsvMapping) -> pl.DataFrame:
    """Remittance (the text columns, whitespace folded, and the reference when the text
    lacks it), counterparty, references and account; IBANs through ``normalize``."""
    import polars as pl

    words = pl.col("text").str.replace_all(_SPACE_RUN, " ").str.strip_chars(_SPACES)
    ref = pl.col("ref")
    remittance = (pl.when((ref != "") & ~words.str.contains(ref, literal=True))
                  .then(pl.concat_str([words, ref], separator=" ").str.strip_chars(_SPACES))
                  .otherwise(words))
    # json.dumps([{"kind": "reference", "value": ref}], ensure_ascii=False)
    quoted = pl.struct(v=ref).struct.json_encode().str.slice(5).str.strip_suffix("}")
    return frame.with_columns(
        remittance=remittance,
        account=normalize.iban_expr(pl.col("acct"))
        .fill_null(pl.lit(normalize.iban(mp.default_account), pl.String)),
        counterparty_name=pl.when(pl.col("name") != "").then(pl.col("name")),
        counterparty_iban=normalize.iban_expr(pl.col("iban")),
        refs_json=pl.when(ref != "").then(
            pl.concat_str([pl.lit('[{"kind": "reference", "value": '), quoted, pl.lit("}]")]))
        .otherwise(pl.lit("[]")),
        bank_reference=pl.when(pl.col("bref") != "").then(pl.col("bref")),
        refs_text=pl.when(ref != "").then("reference=" + ref).otherwise(pl.lit("")),
    )


def _by_account(name: str, frame: pl.DataFrame) -> tuple[list[Statement], pl.DataFrame]:
    """One statement (without movements) per account in order of first appearance, and the
    rows with the store's constant columns, by statement, then by line."""
    import polars as pl

    order = (frame.select("account", first=pl.int_range(pl.len()))
             .group_by("account").agg(pl.col("first").min())
             .sort("first").select("account", statement=pl.int_range(pl.len())))
    frame = (frame.join(order, on="account", how="left", nulls_equal=True)
             .sort("statement", "line", maintain_order=True))
    heads = frame.group_by("statement", maintain_order=True).agg(
        pl.col("account").first(), pl.col("currency").first(),
        pl.col("booking_date").min().alias("opening"),
        pl.col("booking_date").max().alias("closing"))
    statements = [Statement(file=name, format=FORMAT, movements=(), account=h["account"],
                            currency=h["currency"], opening_date=h["opening"],
                            closing_date=h["closing"])
                  for h in heads.iter_rows(named=True)]
    none = {"counterparty_bic": pl.String, "end_to_end_id": pl.String,
            "bank_tx_code": pl.String, "charges_minor": pl.Int64, "instructed_minor": pl.Int64,
            "instructed_currency": pl.String, "entry_key": pl.String}
    return statements, frame.with_columns(
        *[pl.lit(None, dtype).alias(column) for column, dtype in none.items()],
        status=pl.lit("booked"), source_file=pl.lit(name),
        source_position="line " + pl.col("line").cast(pl.String))
