"""Statement import: parse files, check them, store new movements once.

All files of one call are parsed before anything is written; then one transaction stores
every new movement. A file that fails to parse aborts the whole call and stores nothing.
Movements already in the store (same identity key, see :mod:`cashmatch.identity`) are
counted as known and skipped, so importing a file twice, or overlapping files, adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from cashmatch.errors import Location, Problem
from cashmatch.identity import identity_keys
from cashmatch.model import Movement, ParseResult, Statement
from cashmatch.money import format_amount, to_minor
from cashmatch.parsers import parse_file
from cashmatch.parsers.csv import CsvMapping
from cashmatch.parsers.csv import parse as parse_csv
from cashmatch.store import Store, now


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One parsed input file."""

    path: Path
    format: str
    result: ParseResult
    sha256: str


@dataclass(slots=True)
class FileImport:
    """What importing one file did."""

    file: str
    format: str
    statements: int
    movements: int
    new: int
    known: int
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class ImportSummary:
    """What an import call did, file by file."""

    files: list[FileImport]

    @property
    def new(self) -> int:
        return sum(f.new for f in self.files)

    @property
    def known(self) -> int:
        return sum(f.known for f in self.files)

    @property
    def movements(self) -> int:
        return sum(f.movements for f in self.files)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]


def parse_statement_file(path: Path, fmt: str | None = None,
                         mapping: CsvMapping | None = None) -> ParsedFile:
    """Parse one file (format detected unless given; a CSV mapping forces the CSV parser)."""
    if mapping is not None:
        fmt, result = "csv", parse_csv(path, mapping)
    else:
        fmt, result = parse_file(path, fmt)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    problems = list(result.problems) + balance_problems(result)
    return ParsedFile(path, fmt, ParseResult(result.statements, problems), digest)


def balance_problems(result: ParseResult) -> list[Problem]:
    """Opening balance + Σ booked movements must equal the closing balance."""
    out = []
    for i, st in enumerate(result.statements):
        if st.opening_balance is None or st.closing_balance is None:
            continue
        total = sum((m.amount for m in st.movements if m.status == "booked"), Decimal(0))
        if st.opening_balance + total != st.closing_balance:
            ccy = st.currency
            out.append(Problem(
                Location(st.file, element=f"statement {i + 1} ({st.statement_id or st.account or ''})"),
                f"balances do not add up: opening {format_amount(st.opening_balance, ccy)} + "
                f"movements {format_amount(total, ccy)} = "
                f"{format_amount(st.opening_balance + total, ccy)}, but the closing balance is "
                f"{format_amount(st.closing_balance, ccy)}"))
    return out


def import_statements(store: Store, paths: list[Path], fmt: str | None = None,
                      mapping: CsvMapping | None = None) -> ImportSummary:
    """Parse every file, then store all new movements in one transaction."""
    parsed = [parse_statement_file(p, fmt, mapping) for p in paths]
    summary = ImportSummary([])
    with store.transaction():
        for pf in parsed:
            summary.files.append(_store_file(store, pf))
    return summary


def _store_file(store: Store, pf: ParsedFile) -> FileImport:
    import polars as pl

    movements = pf.result.movements
    keys = identity_keys(movements)
    known = _known_keys(store, keys)
    import_id = store.next_id("cm_imports", "import_id")
    statement_id = store.next_id("cm_statements", "statement_id")
    movement_id = store.next_id("cm_movements", "movement_id")
    rows: list[dict[str, object]] = []
    key_iter = iter(keys)
    stmt_rows = []
    for pos, st in enumerate(pf.result.statements):
        stmt_rows.append(_statement_row(st, statement_id, import_id, pos))
        for m in st.movements:
            key = next(key_iter)
            if key in known:
                continue
            known.add(key)
            rows.append(_movement_row(m, key, movement_id, statement_id, import_id))
            movement_id += 1
        statement_id += 1
    new = len(rows)
    store.execute(
        "INSERT INTO cm_imports VALUES (?, 'statement', ?, ?, ?, ?, ?, ?, ?)",
        [import_id, str(pf.path), pf.sha256, pf.format, now(), len(movements), new,
         len(movements) - new])
    store.insert_frame("cm_statements", pl.DataFrame(stmt_rows, schema=_schemas()[0]))
    store.insert_frame("cm_movements", pl.DataFrame(rows, schema=_schemas()[1]))
    return FileImport(str(pf.path), pf.format, len(pf.result.statements), len(movements), new,
                      len(movements) - new, list(pf.result.problems))


def _known_keys(store: Store, keys: list[str]) -> set[str]:
    import polars as pl

    if not keys:
        return set()
    store.register("__cm_keys", pl.DataFrame({"k": keys}))
    try:
        found = store.rows("SELECT m.identity_key FROM cm_movements m "
                           "JOIN __cm_keys k ON m.identity_key = k.k")
    finally:
        store.unregister("__cm_keys")
    return {r[0] for r in found}


def _minor(amount: Decimal | None, currency: str | None) -> int | None:
    if amount is None or currency is None:
        return None
    return to_minor(amount, currency)


def _statement_row(st: Statement, statement_id: int, import_id: int, pos: int) -> dict[str, object]:
    ccy = st.currency or (st.movements[0].currency if st.movements else None)
    return {
        "statement_id": statement_id, "import_id": import_id, "file_name": st.file,
        "position": pos, "format": st.format, "account": st.account, "currency": ccy,
        "bank_statement_id": st.statement_id,
        "opening_minor": _minor(st.opening_balance, ccy),
        "closing_minor": _minor(st.closing_balance, ccy),
        "opening_date": st.opening_date, "closing_date": st.closing_date,
    }


def _movement_row(m: Movement, key: str, movement_id: int, statement_id: int,
                  import_id: int) -> dict[str, object]:
    return {
        "movement_id": movement_id, "identity_key": key, "statement_id": statement_id,
        "import_id": import_id, "account": m.account, "booking_date": m.booking_date,
        "value_date": m.value_date, "amount_minor": to_minor(m.amount, m.currency),
        "currency": m.currency, "counterparty_name": m.counterparty_name,
        "counterparty_iban": m.counterparty_iban, "counterparty_bic": m.counterparty_bic,
        "remittance": m.remittance,
        "refs_json": json.dumps([{"kind": r.kind, "value": r.value} for r in m.references],
                                ensure_ascii=False),
        "end_to_end_id": m.reference("end_to_end"), "bank_reference": m.bank_reference,
        "bank_tx_code": m.bank_tx_code, "status": m.status,
        "charges_minor": _minor(m.charges, m.currency),
        "instructed_minor": _minor(m.instructed_amount, m.instructed_currency),
        "instructed_currency": m.instructed_currency, "entry_key": m.entry_key,
        "source_file": m.source.file, "source_position": m.source.position,
    }


@cache
def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """polars schemas of the statement and movement rows (built on first use: polars is
    imported lazily to keep CLI start-up fast)."""
    import polars as pl

    statement = {
        "statement_id": pl.Int64, "import_id": pl.Int64, "file_name": pl.String,
        "position": pl.Int32, "format": pl.String, "account": pl.String, "currency": pl.String,
        "bank_statement_id": pl.String, "opening_minor": pl.Int64, "closing_minor": pl.Int64,
        "opening_date": pl.Date, "closing_date": pl.Date,
    }
    movement = {
        "movement_id": pl.Int64, "identity_key": pl.String, "statement_id": pl.Int64,
        "import_id": pl.Int64, "account": pl.String, "booking_date": pl.Date,
        "value_date": pl.Date, "amount_minor": pl.Int64, "currency": pl.String,
        "counterparty_name": pl.String, "counterparty_iban": pl.String,
        "counterparty_bic": pl.String, "remittance": pl.String, "refs_json": pl.String,
        "end_to_end_id": pl.String, "bank_reference": pl.String, "bank_tx_code": pl.String,
        "status": pl.String, "charges_minor": pl.Int64, "instructed_minor": pl.Int64,
        "instructed_currency": pl.String, "entry_key": pl.String, "source_file": pl.String,
        "source_position": pl.String,
    }
    return statement, movement
