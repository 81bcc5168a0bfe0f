"""An ERP's own items export, read through a column mapping (as bank CSVs are).

An :class:`ItemsMapping` says how one ERP writes its open items as CSV: delimiter, decimal
comma, thousands separator, date formats, encoding, which of its columns holds each of the
items file's columns (``[columns]``, in French or any language) and how it names the kinds
of item (``[kinds]``). Mappings are TOML files (:func:`load_items_mapping`;
``rules/csv/example_items.toml`` documents every key). :func:`read_mapped` gives the frame of
the canonical columns, as text, for :func:`cashmatch.ingest.items.validate`: amounts with a
their decimal separator as written, dates in ISO form; a cell the mapping cannot read is left
as written, so that the validation reports it, with every other bad cell, at once.
"""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashmatch.errors import ConfigError, ItemsError, Location, Problem

if TYPE_CHECKING:
    import polars as pl

    from cashmatch.ingest.items import Hints

_AMOUNTS = ("amount", "open_amount", "book_amount")
_DATES = ("issue_date", "due_date")


@dataclass(frozen=True, slots=True)
class ItemsMapping:
    """How to read one ERP's items CSV.

    Attributes:
        name: the mapping's name (its file name by default).
        delimiter, quotechar, encoding: the CSV dialect and the text encoding.
        decimal: ``.`` or ``,``; ``thousands``: a separator removed from amounts ("" none).
        date_formats: ``strptime`` formats tried in order on every date cell.
        columns: items-file column → the ERP's header (only these columns are read).
        kinds: the ERP's word for a kind of item → cashmatch's kind.
    """

    name: str
    columns: dict[str, str]
    delimiter: str = ";"
    quotechar: str = '"'
    encoding: str = "utf-8-sig"
    decimal: str = ","
    thousands: str = ""
    date_formats: tuple[str, ...] = ("%d/%m/%Y",)
    kinds: dict[str, str] = field(default_factory=dict)

    def hints(self) -> Hints:
        from cashmatch.ingest.items import Hints

        return Hints(date=" or ".join(self.date_formats), decimal=self.decimal)


def load_items_mapping(path: Path) -> ItemsMapping:
    """Read an items mapping (TOML); every error is reported with its key."""
    from cashmatch.ingest.items import COLUMNS
    from cashmatch.model import ItemKind

    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read the mapping: {exc}"]) from exc
    known = {f.name for f in fields(ItemsMapping)}
    errors = [f"{k}: unknown key (known: {', '.join(sorted(known))})" for k in data
              if k not in known]
    columns = data.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        errors.append("columns: a table of items-file column = \"the file's header\"")
        columns = {}
    errors += [f"columns.{k}: unknown column (known: {', '.join(COLUMNS)})" for k in columns
               if k not in COLUMNS]
    errors += [f"columns.{k}: required" for k in ("id", "amount") if k not in columns]
    kinds = data.get("kinds", {})
    valid = [k.value for k in ItemKind]
    if not isinstance(kinds, dict):
        errors.append("kinds: a table of \"the file's word\" = \"kind\"")
        kinds = {}
    errors += [f"kinds.{k}: {v!r} is not a kind ({', '.join(valid)})" for k, v in kinds.items()
               if v not in valid]
    if data.get("decimal", ",") not in (".", ","):
        errors.append("decimal: must be '.' or ','")
    for key, default in (("delimiter", ";"), ("quotechar", '"')):
        value = data.get(key, default)
        if not isinstance(value, str) or len(value.encode()) != 1:
            errors.append(f"{key}: one character, e.g. {default!r}")
    try:
        codecs.lookup(str(data.get("encoding", "utf-8-sig")))
    except LookupError:
        errors.append(f"encoding: {data['encoding']!r} is not a text encoding (utf-8, "
                      "latin-1, cp1252...)")
    formats = data.get("date_formats", ["%d/%m/%Y"])
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not formats or not all(
            isinstance(f, str) and "%" in f for f in formats):
        errors.append("date_formats: a list of strptime formats, e.g. [\"%d/%m/%Y\"]")
    if errors:
        raise ConfigError(str(path), errors)
    kwargs = {k: v for k, v in data.items() if k in known}
    kwargs |= {"name": data.get("name", path.stem), "columns": columns, "kinds": kinds,
               "date_formats": tuple(formats)}
    return ItemsMapping(**kwargs)


def read_mapped(path: Path, mapping: ItemsMapping) -> pl.DataFrame:
    """The items file's columns of ``path`` as text (see the module docstring)."""
    import polars as pl

    name = str(path)
    try:
        text = path.read_bytes().decode(mapping.encoding)
    except UnicodeDecodeError as exc:
        raise ItemsError(name, [Problem(Location(name), f"not valid {mapping.encoding} text "
                                                        f"(byte {exc.start})", "error")]) from exc
    try:
        raw = pl.read_csv(text.encode("utf-8"), separator=mapping.delimiter,
                          quote_char=mapping.quotechar, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ItemsError(name, [Problem(Location(name), "not a readable CSV file: "
                                        f"{str(exc).splitlines()[0]}", "error")]) from exc
    headers = {h.strip(): h for h in raw.columns}
    missing = [Problem(Location(name, 1, f"column {header}"), f"the mapping's column for "
                       f"{column} is not in the file (columns: {', '.join(headers)})", "error")
               for column, header in mapping.columns.items() if header.strip() not in headers]
    if missing:
        raise ItemsError(name, missing)
    frame = raw.select(pl.col(headers[h.strip()]).str.strip_chars().alias(c)
                       for c, h in mapping.columns.items())
    return frame.with_columns(
        *[_amount(pl.col(c), mapping).alias(c) for c in _AMOUNTS if c in frame.columns],
        *[_date(pl.col(c), mapping).alias(c) for c in _DATES if c in frame.columns],
        *([pl.col("kind").replace(mapping.kinds)] if "kind" in frame.columns else []))


def _amount(cell: pl.Expr, mapping: ItemsMapping) -> pl.Expr:
    """An amount without its thousands separators (its decimal comma is read by the
    validation, which reports a cell written otherwise)."""
    if not mapping.thousands:
        return cell
    return cell.str.replace_all(mapping.thousands, "", literal=True)


def _date(cell: pl.Expr, mapping: ItemsMapping) -> pl.Expr:
    """A date in the first of the mapping's formats that reads it, as YYYY-MM-DD; a cell none
    reads is left as it is (the validation reports it)."""
    import polars as pl

    def read(fmt: str) -> pl.Expr:  # %Y reads "26" as the year 26: not a date of ours
        day = cell.str.to_date(fmt, strict=False)
        return pl.when(day.dt.year() >= 1900).then(day)

    parsed = pl.coalesce([read(f) for f in mapping.date_formats])
    return pl.when(parsed.is_not_null()).then(parsed.dt.strftime("%Y-%m-%d")).otherwise(cell)
