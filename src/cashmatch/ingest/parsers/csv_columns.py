"""Bank CSV exports read a column at a time, for the statement import.

:func:`cashmatch.ingest.parsers.csv.parse` builds one :class:`~cashmatch.model.Movement` per row,
with a per-row Python cost that dominates the import of a large export. For the import,
:func:`read_columns` reads the same file with the same ``csv.reader`` and the same
:class:`~cashmatch.ingest.parsers.csv.CsvMapping`, then checks and converts whole columns with
polars: it gives the store's movement columns directly. It only takes files it can read
exactly as the row reader does; on any cell the row reader would refuse or that needs its
per-row rules (a bad date or amount, a blank date, a currency that is not three letters,
non-ASCII digits, more decimals than the currency has, a CSV syntax error...) it returns
``None`` and the caller parses the file row by row, which reports the first problem with its
line and column. Both readers give the same movements: ``tests/test_csv_columns.py`` pins it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashmatch.errors import Location
from cashmatch.ingest import normalize
from cashmatch.ingest.parsers.csv import (
    FORMAT as CSV_FORMAT,
)
from cashmatch.ingest.parsers.csv import (
    CsvMapping,
    _strptime,
    open_rows,
    read_text,
    signed_amount,
)
from cashmatch.model import Statement
from cashmatch.money import EXPONENTS, is_currency

if TYPE_CHECKING:
    import polars as pl

#: Characters Python's ``str.strip``/``str.split`` treat as spaces but polars does not: a
#: file holding one is read row by row.
_PYTHON_ONLY_SPACES = re.compile("[\x1c-\x1f]")

#: An amount cell the column reader converts itself (ASCII digits; at most 14 integer digits
#: so that ten-thousandths fit in 64 bits); any other goes to the row reader.
_AMOUNT = r"^[+-]?[0-9]{1,14}(\.[0-9]+)?$"

#: The largest number of decimals of any currency (ISO 4217).
_MAX_DECIMALS = max(4, *EXPONENTS.values())


@dataclass(frozen=True, slots=True)
class CsvColumns:
    """A CSV file read a column at a time.

    Attributes:
        statements: one per account, in order of first appearance, without movements.
        movements: the store's movement columns (see ``statements._movement_frame``) in the
            row reader's order (by statement, then by line), plus ``statement`` (the position
            of the movement's statement in ``statements``), ``refs_text`` and ``amount_text``
            (what :func:`cashmatch.ingest.identity.identity_keys` needs; ``amount_text`` is the
            amount as ``str(Decimal)`` where the key hashes it, else null).
    """

    statements: list[Statement]
    movements: pl.DataFrame


def read_columns(path: Path, mp: CsvMapping) -> CsvColumns | None:
    """``path`` read column-wise with ``mp``, or ``None`` when the row reader must read it."""
    import polars as pl

    name, text = read_text(path, mp)
    if _PYTHON_ONLY_SPACES.search(text):
        return None
    reader, offset, lay = open_rows(name, text, mp)
    texts = [f"t{k}" for k in range(len(lay.text))]
    fields = {"booking": lay.date, "value": lay.value, "amount": lay.amount,
              "debit": lay.debit, "credit": lay.credit, "ccy": lay.ccy, "name": lay.name,
              "iban": lay.iban, "ref": lay.ref, "bref": lay.bref, "acct": lay.acct,
              **dict(zip(texts, lay.text, strict=True))}
    head_lines = reader.line_num + offset
    cells = (_plain_cells(text, head_lines, mp, fields)
             if _is_plain(text, mp) else _quoted_cells(reader, offset, lay.width, fields))
    if cells is None or cells.height == 0:
        return None
    raw = cells.with_columns(pl.exclude("line", *texts).str.strip_chars(),
                             text=pl.concat_str(texts, separator=" ") if texts else pl.lit(""))
    dates = _dates(raw, mp)
    currencies = _currencies(raw, mp)
    if dates is None or currencies is None:
        return None
    frame = raw.with_columns(
        booking_date=pl.col("booking").replace_strict(dates, return_dtype=pl.Date),
        value_date=pl.col("value").replace_strict(dates, return_dtype=pl.Date),
        currency=pl.col("ccy").replace_strict(currencies, return_dtype=pl.String),
    )
    frame = _amounts(frame, mp, lay.has_amount)
    if frame is None:
        return None
    frame = _texts(frame, mp)
    frame = _amount_texts(frame, mp, lay.has_amount)
    return _by_account(name, frame)


def _is_plain(text: str, mp: CsvMapping) -> bool:
    """True when ``csv.reader`` would read ``text`` as lines split at the delimiter: no
    quote character, no NUL, no carriage return but before a line feed."""
    return (mp.quotechar not in text and "\x00" not in text
            and text.count("\r") == text.count("\r\n"))


def _plain_cells(text: str, head_lines: int, mp: CsvMapping,
                 fields: dict[str, int]) -> pl.DataFrame:
    """The cells of ``fields`` (name: cell index, -1 for none) of a plain text (see
    :func:`_is_plain`) after its first ``head_lines`` lines, with each row's line number;
    blank rows left out and short rows padded with empty cells, as ``csv.reader`` and the
    row reader do."""
    import polars as pl

    body = text.split("\n", head_lines)[-1] if head_lines else text
    lines = pl.Series("row", body.split("\n"), dtype=pl.String).str.strip_suffix("\r")
    rows = (lines.to_frame()
            .with_columns(line=pl.int_range(head_lines + 1, head_lines + 1 + pl.len(),
                                            dtype=pl.Int64))
            .filter(pl.col("row").str.replace_all(mp.delimiter, "", literal=True)
                    .str.strip_chars() != "")
            .with_columns(pl.col("row").str.split(mp.delimiter)))
    return rows.select(
        *[(pl.col("row").list.get(c, null_on_oob=True).fill_null("") if c >= 0
           else pl.lit("")).alias(f) for f, c in fields.items()], "line")


def _quoted_cells(reader: Any, offset: int, width: int,
                  fields: dict[str, int]) -> pl.DataFrame | None:
    """As :func:`_plain_cells`, read by ``reader`` (``csv.reader`` past the header); None
    on a CSV syntax error (the row reader reports it)."""
    import polars as pl

    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for raw in reader:
            if not "".join(raw).strip():
                continue
            if len(raw) < width:
                raw += [""] * (width - len(raw))
            rows.append(raw)
            lines.append(reader.line_num + offset)
    except csv.Error:
        return None
    return pl.DataFrame({
        **{f: [r[c] for r in rows] if c >= 0 else [""] * len(rows) for f, c in fields.items()},
        "line": pl.Series(lines, dtype=pl.Int64)})


def _dates(raw: pl.DataFrame, mp: CsvMapping) -> dict[str, object] | None:
    """Each distinct date text parsed once, exactly as the row reader does; ``None`` when a
    booking date is blank or a date does not parse."""
    import polars as pl

    if (raw["booking"] == "").any():
        return None
    texts = pl.concat([raw["booking"], raw["value"]]).unique().to_list()
    out: dict[str, object] = {"": None}
    for t in texts:
        if t:
            try:
                out[t] = _strptime(t, mp.date_format)
            except ValueError:
                return None
    return out


def _currencies(raw: pl.DataFrame, mp: CsvMapping) -> dict[str, str] | None:
    """Each distinct currency cell read once, as the row reader does; ``None`` when one is
    not an ISO 4217 code."""
    out = {}
    for cell in raw["ccy"].unique().to_list():
        code = (cell or mp.default_currency).upper()
        if not is_currency(code):
            return None
        out[cell] = code
    return out


def _minor(cell: pl.Expr, mp: CsvMapping) -> tuple[pl.Expr, pl.Expr]:
    """The amount in a (stripped) cell in minor units of the row's currency, and whether the
    column reader can read it (else null and false)."""
    import polars as pl

    text = cell.str.replace_all(mp.thousands, "", literal=True) if mp.thousands else cell
    text = text.str.strip_chars()
    if mp.decimal == ",":
        ok = ~text.str.contains(".", literal=True)
        text = text.str.replace_all(",", ".", literal=True)
    else:
        ok = pl.lit(True)
    ok = ok & text.str.contains(_AMOUNT)
    parts = text.str.strip_chars_start("+-").str.split_exact(".", 1)
    units, decimals = parts.struct.field("field_0"), parts.struct.field("field_1").fill_null("")
    scale = 10 ** _MAX_DECIMALS
    # Every amount in units of 10^-_MAX_DECIMALS; decimals beyond those must be zeros.
    fine = (units.cast(pl.Int64, strict=False) * scale
            + (decimals + "0" * _MAX_DECIMALS).str.slice(0, _MAX_DECIMALS).cast(pl.Int64,
                                                                                strict=False))
    ok = ok & decimals.str.slice(_MAX_DECIMALS).str.contains("^0*$")
    exp = pl.col("currency").replace_strict(EXPONENTS, default=2, return_dtype=pl.Int64)
    step = pl.lit(10, pl.Int64).pow(_MAX_DECIMALS - exp)
    ok = ok & (fine % step == 0)
    minor = pl.when(text.str.starts_with("-")).then(-fine).otherwise(fine) // step
    return pl.when(ok).then(minor), ok


def _amounts(frame: pl.DataFrame, mp: CsvMapping, has_amount: bool) -> pl.DataFrame | None:
    """``amount_minor`` as the row reader computes it; ``None`` when a cell needs the row
    reader."""
    import polars as pl

    if has_amount:
        minor, ok = _minor(pl.col("amount"), mp)
        if mp.sign == "inverted":
            minor = -minor
        checked = frame.with_columns(amount_minor=minor, ok=ok)
    else:
        debit, debit_ok = _minor(pl.col("debit"), mp)
        credit, credit_ok = _minor(pl.col("credit"), mp)
        debit_blank, credit_blank = pl.col("debit") == "", pl.col("credit") == ""
        checked = frame.with_columns(
            amount_minor=credit.fill_null(0) - debit.fill_null(0).abs(),
            ok=(debit_ok | debit_blank) & (credit_ok | credit_blank)
            & ~(debit_blank & credit_blank))
    if not checked["ok"].all():
        return None
    return checked.drop("ok")


def _texts(frame: pl.DataFrame, mp: CsvMapping) -> pl.DataFrame:
    """Remittance, counterparty, references and account as the row reader writes them."""
    import polars as pl

    words = pl.col("text").str.replace_all(r"\s+", " ").str.strip_chars()
    ref = pl.col("ref")
    remittance = (pl.when((ref != "") & ~words.str.contains(ref, literal=True))
                  .then(pl.concat_str([words, ref], separator=" ").str.strip_chars())
                  .otherwise(words))
    # json.dumps([{"kind": "reference", "value": ref}], ensure_ascii=False)
    quoted = pl.struct(v=ref).struct.json_encode().str.slice(5).str.strip_suffix("}")
    account = pl.col("acct").str.replace_all(" ", "", literal=True)
    return frame.with_columns(
        remittance=remittance,
        account=pl.when(account != "").then(account).otherwise(pl.lit(mp.default_account,
                                                                      pl.String)),
        counterparty_name=pl.when(pl.col("name") != "").then(pl.col("name")),
        counterparty_iban=normalize.iban_expr(pl.col("iban")),
        refs_json=pl.when(ref != "").then(
            pl.concat_str([pl.lit('[{"kind": "reference", "value": '), quoted, pl.lit("}]")]))
        .otherwise(pl.lit("[]")),
        bank_reference=pl.when(pl.col("bref") != "").then(pl.col("bref")),
        refs_text=pl.when(ref != "").then("reference=" + ref).otherwise(pl.lit("")),
    )


def _amount_texts(frame: pl.DataFrame, mp: CsvMapping, has_amount: bool) -> pl.DataFrame:
    """``amount_text``: ``str`` of the row reader's ``Decimal`` amount, for the rows whose
    identity key hashes the amount (no usable bank reference); null for the others."""
    import polars as pl

    from cashmatch.ingest.identity import identifies

    needed = frame.with_row_index("i").filter(~identifies("bank_reference")).select("i", "amount", "debit", "credit")
    if needed.height == 0:
        return frame.with_columns(amount_text=pl.lit(None, pl.String))

    def nowhere(column: str | None) -> Location:  # cells were checked: never called
        raise AssertionError(column)

    texts: list[str | None] = [None] * frame.height
    for i, amount, debit, credit in needed.iter_rows():
        texts[i] = str(signed_amount(amount if has_amount else None, debit, credit, mp,
                                     nowhere))
    return frame.with_columns(amount_text=pl.Series(texts, dtype=pl.String))


def _by_account(name: str, frame: pl.DataFrame) -> CsvColumns:
    """One statement per account in order of first appearance; rows by statement, then by
    line, as the row reader orders them."""
    import polars as pl

    order = (frame.select("account", first=pl.int_range(pl.len()))
             .group_by("account").agg(pl.col("first").min())
             .sort("first").select("account", statement=pl.int_range(pl.len())))
    frame = frame.join(order, on="account", how="left", nulls_equal=True)
    frame = frame.sort("statement", "line", maintain_order=True)
    heads = frame.group_by("statement", maintain_order=True).agg(
        pl.col("account").first(), pl.col("currency").first(),
        pl.col("booking_date").min().alias("opening"),
        pl.col("booking_date").max().alias("closing"))
    statements = [Statement(file=name, format=CSV_FORMAT, movements=(), account=h["account"],
                            currency=h["currency"], opening_date=h["opening"],
                            closing_date=h["closing"])
                  for h in heads.iter_rows(named=True)]
    movements = frame.select(
        "statement", "account", "booking_date", "value_date", "amount_minor", "currency",
        "counterparty_name", "counterparty_iban",
        pl.lit(None, pl.String).alias("counterparty_bic"), "remittance", "refs_json",
        pl.lit(None, pl.String).alias("end_to_end_id"), "bank_reference",
        pl.lit(None, pl.String).alias("bank_tx_code"), pl.lit("booked").alias("status"),
        pl.lit(None, pl.Int64).alias("charges_minor"),
        pl.lit(None, pl.Int64).alias("instructed_minor"),
        pl.lit(None, pl.String).alias("instructed_currency"),
        pl.lit(None, pl.String).alias("entry_key"), pl.lit(name).alias("source_file"),
        ("line " + pl.col("line").cast(pl.String)).alias("source_position"),
        "amount_text", "refs_text")
    return CsvColumns(statements, movements)
