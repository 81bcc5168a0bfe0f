"""Statement import: parse files, check them, store new movements once.

All files of one call are parsed before anything is written; then one transaction stores
every new movement. A file that fails to parse aborts the whole call and stores nothing.
Movements already in the store (same identity key, see :mod:`cashmatch.identity`) are
counted as known and skipped, so importing a file twice, or overlapping files, adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from cashmatch.bulk import collector_paused
from cashmatch.errors import Location, Problem
from cashmatch.identity import identity_keys
from cashmatch.model import Movement, ParseResult, Statement
from cashmatch.money import format_amount, from_minor, to_minor
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
    suspected_duplicates: int = 0
    pending: int = 0
    pending_superseded: int = 0
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
    summary = ImportSummary([])
    with collector_paused():
        parsed = [parse_statement_file(p, fmt, mapping) for p in paths]
        with store.transaction():
            for pf in parsed:
                summary.files.append(_store_file(store, pf))
    return summary


def _store_file(store: Store, pf: ParsedFile) -> FileImport:
    """Store one parsed file: new booked movements, pending ones apart, duplicates flagged."""
    import polars as pl

    movements = pf.result.movements
    keys = identity_keys(movements)
    known = _known_keys(store, keys)
    import_id = store.next_id("cm_imports", "import_id")
    statement_id = store.next_id("cm_statements", "statement_id")
    movement_id = store.next_id("cm_movements", "movement_id")
    booked: list[dict[str, object]] = []
    pending: list[dict[str, object]] = []
    key_iter = iter(keys)
    stmt_rows = []
    n_known = 0
    problems = list(pf.result.problems)
    for pos, st in enumerate(pf.result.statements):
        stmt_rows.append(_statement_row(st, statement_id, import_id, pos))
        problems.extend(_continuity_problems(store, st, pos))
        for m in st.movements:
            key = next(key_iter)
            if key in known:
                n_known += 1
                continue
            known.add(key)
            row = _movement_row(m, key, movement_id, statement_id, import_id)
            if m.status == "pending":
                pending.append(row)
            else:
                booked.append(row)
                movement_id += 1
        statement_id += 1
    suspected = _flag_suspected_duplicates(store, booked)
    superseded = _supersede_pending(store, booked)
    store.execute(
        "INSERT INTO cm_imports VALUES (?, 'statement', ?, ?, ?, ?, ?, ?, ?)",
        [import_id, str(pf.path), pf.sha256, pf.format, now(), len(movements),
         len(booked) + len(pending), n_known])
    store.insert_frame("cm_statements", pl.DataFrame(stmt_rows, schema=_schemas()[0]))
    store.insert_frame("cm_movements", pl.DataFrame(booked, schema=_schemas()[1]))
    if pending:
        store.execute("DELETE FROM cm_pending_movements WHERE list_contains(?, identity_key)",
                      [[r["identity_key"] for r in pending]])
        store.insert_frame("cm_pending_movements", pl.DataFrame(pending, schema=_schemas()[1])
                           .drop("movement_id", "duplicate_of"))
    return FileImport(str(pf.path), pf.format, len(pf.result.statements), len(movements),
                      len(booked) - suspected, n_known, suspected, len(pending), superseded,
                      problems)


def _known_keys(store: Store, keys: list[str]) -> set[str]:
    """Keys already stored, booked or pending (a pending key seen again is not new)."""
    import polars as pl

    if not keys:
        return set()
    with store.registered("__cm_keys", pl.DataFrame({"k": keys})):
        found = store.rows("SELECT m.identity_key FROM cm_movements m "
                           "JOIN __cm_keys k ON m.identity_key = k.k "
                           "UNION SELECT p.identity_key FROM cm_pending_movements p "
                           "JOIN __cm_keys k ON p.identity_key = k.k "
                           "WHERE p.identity_key NOT IN (SELECT identity_key FROM cm_movements)")
    return {r[0] for r in found}


_NOT_ALNUM = re.compile("[^A-Z0-9]")


def _text_key(text: object) -> str:
    """Upper case, letters A-Z and digits only: what the stored side's SQL compares."""
    return _NOT_ALNUM.sub("", str(text or "").upper())


def _flag_suspected_duplicates(store: Store, rows: list[dict[str, object]]) -> int:
    """A new movement with another identity but the same account, date, amount, currency,
    counterparty and text as one already stored from another file is most likely the same
    movement delivered twice (another format, a re-export without bank ids). It is kept,
    marked ``suspected_duplicate`` with the id it duplicates, and never matched. Movements
    with the same identity before occurrence numbering are not suspects: identical lines of
    one day are told apart by their occurrence number already."""
    import polars as pl

    if not rows:
        return 0
    probe = pl.DataFrame({
        "i": list(range(len(rows))),
        "account": [r["account"] for r in rows], "booking_date": [r["booking_date"] for r in rows],
        "amount_minor": [r["amount_minor"] for r in rows], "currency": [r["currency"] for r in rows],
        "text": [_text_key(r["remittance"]) + "|" + _text_key(r["counterparty_name"])
                 for r in rows],
        "base": [str(r["identity_key"]).split("#")[0] for r in rows],
    }, schema={"i": pl.Int64, "account": pl.String, "booking_date": pl.Date,
               "amount_minor": pl.Int64, "currency": pl.String, "text": pl.String,
               "base": pl.String})
    with store.registered("__cm_probe", probe):
        hits = store.rows("""
            SELECT p.i, min(m.movement_id) FROM __cm_probe p
            JOIN cm_movements m
              ON m.account IS NOT DISTINCT FROM p.account AND m.booking_date = p.booking_date
             AND m.amount_minor = p.amount_minor AND m.currency = p.currency
             AND regexp_replace(upper(m.remittance), '[^A-Z0-9]', '', 'g') || '|' ||
                 regexp_replace(upper(coalesce(m.counterparty_name, '')), '[^A-Z0-9]', '', 'g')
                 = p.text
            WHERE m.status = 'booked'
              AND regexp_replace(m.identity_key, '#[0-9]+$', '') <> p.base
            GROUP BY p.i""")
    for i, original in hits:
        rows[i]["status"] = "suspected_duplicate"
        rows[i]["duplicate_of"] = original
    return len(hits)


def _supersede_pending(store: Store, booked: list[dict[str, object]]) -> int:
    """Booked movements replace the pending ones they confirm: same identity, or same
    account, amount and end-to-end id."""
    if not booked or not store.scalar("SELECT count(*) FROM cm_pending_movements"):
        return 0
    keys = [r["identity_key"] for r in booked]
    e2e = [f"{r['account'] or ''}|{r['amount_minor']}|{r['end_to_end_id']}" for r in booked
           if r["end_to_end_id"]]
    condition = ("list_contains(?, identity_key) OR (end_to_end_id IS NOT NULL AND "
                 "list_contains(?, coalesce(account, '') || '|' || amount_minor || '|' || "
                 "end_to_end_id))")
    n = int(store.scalar(f"SELECT count(*) FROM cm_pending_movements WHERE {condition}",
                         [keys, e2e]))
    store.execute(f"DELETE FROM cm_pending_movements WHERE {condition}", [keys, e2e])
    return n


def _continuity_problems(store: Store, st: Statement, pos: int) -> list[Problem]:
    """The opening balance must be the closing balance of the account's previous statement."""
    if st.account is None or st.opening_balance is None or st.opening_date is None:
        return []
    ccy = st.currency or (st.movements[0].currency if st.movements else None)
    if ccy is None:
        return []
    prev = store.row(
        "SELECT closing_minor, closing_date, file_name FROM cm_statements "
        "WHERE account = ? AND closing_minor IS NOT NULL AND closing_date <= ? "
        "ORDER BY closing_date DESC, statement_id DESC LIMIT 1", [st.account, st.opening_date])
    if prev is None:
        return []
    where = Location(st.file, element=f"statement {pos + 1} ({st.statement_id or st.account})")
    opening = to_minor(st.opening_balance, ccy)
    if prev[0] == opening:
        return []
    return [Problem(where, f"opening balance {format_amount(st.opening_balance, ccy)} on "
                           f"{st.opening_date} does not continue the closing balance "
                           f"{format_amount(from_minor(prev[0], ccy), ccy)} of {prev[1]} "
                           f"({prev[2]}): a statement may be missing or overlap")]


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
                                ensure_ascii=False) if m.references else "[]",
        "end_to_end_id": m.reference("end_to_end"), "bank_reference": m.bank_reference,
        "bank_tx_code": m.bank_tx_code, "status": m.status,
        "charges_minor": _minor(m.charges, m.currency),
        "instructed_minor": _minor(m.instructed_amount, m.instructed_currency),
        "instructed_currency": m.instructed_currency, "entry_key": m.entry_key,
        "source_file": m.source.file, "source_position": m.source.position,
        "duplicate_of": None,
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
        "source_position": pl.String, "duplicate_of": pl.Int64,
    }
    return statement, movement
