"""Statement import: parse files, check them, store new movements once.

All files of one call are parsed before anything is written; then one transaction stores
every new movement. A file that fails to parse aborts the whole call and stores nothing.
Movements already in the store (same identity key, see :mod:`cashmatch.ingest.identity`) are
counted as known and skipped, so importing a file twice, or overlapping files, adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashmatch.bulk import collector_paused
from cashmatch.errors import InputError, Location, Problem
from cashmatch.ingest.identity import identity_keys
from cashmatch.ingest.normalize import text_key_sql
from cashmatch.ingest.parsers import parse_file
from cashmatch.ingest.parsers.csv import CANONICAL, CsvMapping, read_columns
from cashmatch.ingest.parsers.csv import parse as parse_csv
from cashmatch.model import Page, ParseResult, Statement
from cashmatch.money import format_amount, from_minor, to_minor
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One parsed input file: its statements with their movements, or, when read a column
    at a time (:func:`read_for_import`), its statements without movements and ``columns``,
    the movements as the store's columns (see :func:`_movement_frame`)."""

    path: Path
    format: str
    result: ParseResult
    sha256: str
    columns: pl.DataFrame | None = None


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
    known_from: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        """What to say of a file whose movements were all known already: from which files
        (the file itself may never have been imported: an overlapping export)."""
        if self.new or self.pending or not self.known or self.known != self.movements:
            return ""
        files = ", ".join(self.known_from[:3]) + ("…" if len(self.known_from) > 3 else "")
        what = "its movement is" if self.known == 1 else f"all {self.known} movements are"
        return f" ({what} already known, from {files})"


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
                         mapping: CsvMapping | None = None,
                         currency: str | None = None) -> ParsedFile:
    """Parse one file (format detected unless given; a CSV mapping forces the CSV parser);
    ``currency``: what the user states for amounts the file leaves without one."""
    if mapping is not None:
        fmt, result = "csv", parse_csv(path, mapping, currency)
    else:
        fmt, result = parse_file(path, fmt, currency)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    problems = list(result.problems) + balance_problems(result)
    return ParsedFile(path, fmt, ParseResult(result.statements, problems), digest)


def read_for_import(path: Path, fmt: str | None = None,
                    mapping: CsvMapping | None = None,
                    currency: str | None = None) -> ParsedFile:
    """Parse one file for the import: a CSV export into the store's columns
    (:func:`cashmatch.ingest.parsers.csv.read_columns`), any other file as
    :func:`parse_statement_file` does."""
    from cashmatch.ingest.parsers import identify

    if mapping is None and fmt is None:
        fmt = identify(path).format
    if mapping is not None or fmt == "csv":
        read = read_columns(path, mapping or CANONICAL, currency)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return ParsedFile(path, "csv", ParseResult(read.statements, read.problems), digest,
                          read.movements)
    return parse_statement_file(path, fmt, mapping, currency)


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
                      mapping: CsvMapping | None = None,
                      currency: str | None = None) -> ImportSummary:
    """Parse every file, then store all new movements in one transaction."""
    summary = ImportSummary([])
    with collector_paused():
        parsed = [read_for_import(p, fmt, mapping, currency) for p in paths]
        with store.transaction():
            for pf in parsed:
                summary.files.append(_store_file(store, pf))
    return summary


def store_statements(store: Store, statements: list[Statement], source: str) -> FileImport:
    """Store statements built in memory (not read from a file), as an import of ``source``."""
    parsed = ParsedFile(Path(source), "records", ParseResult(statements), "records")
    with store.transaction():
        return _store_file(store, parsed)


def _store_file(store: Store, pf: ParsedFile) -> FileImport:
    """Store one parsed file: new booked movements, pending ones apart, duplicates flagged."""
    import polars as pl

    statements = pf.result.statements
    movements = (_movement_frame(statements) if pf.columns is None else pf.columns)
    movements = movements.with_columns(identity_key=identity_keys(movements))
    known = _known_keys(store, movements["identity_key"])
    fresh = movements.filter(~pl.col("identity_key").is_in(known))
    import_id = store.next_id("cm_imports", "import_id")
    statement_id = store.next_id("cm_statements", "statement_id")
    problems = list(pf.result.problems)
    stmt_rows = []
    for pos, st in enumerate(statements):
        stmt_rows.append(_statement_row(st, statement_id + pos, import_id, pos))
        problems.extend(_continuity_problems(store, st, pos))
    is_pending = pl.col("status") == "pending"
    booked = fresh.filter(~is_pending)
    pending = fresh.filter(is_pending)
    first_id = store.next_id("cm_movements", "movement_id")
    new = _store_columns(booked, import_id, statement_id).with_columns(
        movement_id=pl.int_range(first_id, first_id + booked.height, dtype=pl.Int64),
        duplicate_of=pl.lit(None, pl.Int64)).select(list(_schemas()[1]))
    new, suspected = _flag_suspected_duplicates(store, new)
    superseded = _supersede_pending(store, new)
    store.execute(
        "INSERT INTO cm_imports VALUES (?, 'statement', ?, ?, ?, ?, ?, ?, ?)",
        [import_id, str(pf.path), pf.sha256, pf.format, now(), movements.height,
         fresh.height, movements.height - fresh.height])
    store.insert_frame("cm_statements", pl.DataFrame(stmt_rows, schema=_schemas()[0]))
    store.insert_frame("cm_movements", new)
    if pending.height:
        waiting = _store_columns(pending, import_id, statement_id)
        with store.registered("__cm_pending", waiting.select("identity_key")):
            store.execute("DELETE FROM cm_pending_movements WHERE identity_key IN "
                          "(SELECT identity_key FROM __cm_pending)")
        store.insert_frame("cm_pending_movements", waiting)
    known_from = (_known_from(store, movements["identity_key"])
                  if fresh.height == 0 and movements.height else [])
    return FileImport(str(pf.path), pf.format, len(statements), movements.height,
                      booked.height - suspected, movements.height - fresh.height, suspected,
                      pending.height, superseded, problems, known_from)


def _store_columns(movements: pl.DataFrame, import_id: int, first_statement_id: int
                   ) -> pl.DataFrame:
    """The store's columns of ``movements`` (without ``movement_id`` and ``duplicate_of``):
    ids of the import and of each movement's statement, working columns dropped."""
    import polars as pl

    schema = {k: v for k, v in _schemas()[1].items() if k not in ("movement_id", "duplicate_of")}
    return movements.with_columns(
        import_id=pl.lit(import_id, pl.Int64),
        statement_id=pl.col("statement").cast(pl.Int64) + first_statement_id,
    ).select([pl.col(k).cast(v) for k, v in schema.items()])


def _movement_frame(statements: list[Statement]) -> pl.DataFrame:
    """The store's columns of the statements' movements, in order, built a column at a time,
    plus ``statement`` (the position of the movement's statement) and the working columns
    :func:`cashmatch.ingest.identity.identity_keys` reads (``amount_text``, ``refs_text``)."""
    import polars as pl

    ms = [m for st in statements for m in st.movements]
    ccys = [m.currency for m in ms]
    columns: dict[str, Any] = {
        "statement": [pos for pos, st in enumerate(statements) for _ in st.movements],
        "account": [m.account for m in ms],
        "booking_date": [m.booking_date for m in ms],
        "value_date": [m.value_date for m in ms],
        "amount_minor": [to_minor(m.amount, c) for m, c in zip(ms, ccys, strict=True)],
        "currency": ccys,
        "counterparty_name": [m.counterparty_name for m in ms],
        "counterparty_iban": [m.counterparty_iban for m in ms],
        "counterparty_bic": [m.counterparty_bic for m in ms],
        "remittance": [m.remittance for m in ms],
        "refs_json": [json.dumps([{"kind": r.kind, "value": r.value} for r in m.references],
                                 ensure_ascii=False) if m.references else "[]" for m in ms],
        "end_to_end_id": [m.reference("end_to_end") if m.references else None for m in ms],
        "bank_reference": [m.bank_reference for m in ms],
        "bank_tx_code": [m.bank_tx_code for m in ms],
        "status": [m.status for m in ms],
        "charges_minor": [_minor(m.charges, m.currency) for m in ms],
        "instructed_minor": [_minor(m.instructed_amount, m.instructed_currency) for m in ms],
        "instructed_currency": [m.instructed_currency for m in ms],
        "entry_key": [m.entry_key for m in ms],
        "source_file": [m.source.file for m in ms],
        "source_position": [m.source.position for m in ms],
        "amount_text": [str(m.amount) for m in ms],
        "refs_text": ["\x1e".join(f"{r.kind}={r.value}" for r in m.references) for m in ms],
    }
    schema = {"statement": pl.Int64, **_schemas()[1], "amount_text": pl.String,
              "refs_text": pl.String}
    return pl.DataFrame(columns, schema={k: schema[k] for k in columns})


def _known_sql(column: str) -> str:
    """``column`` of the stored movements whose identity key is in ``__cm_keys``: booked,
    or pending and not booked since."""
    return (f"SELECT m.{column} FROM cm_movements m JOIN __cm_keys k ON m.identity_key = k.k "
            f"UNION SELECT p.{column} FROM cm_pending_movements p "
            "JOIN __cm_keys k ON p.identity_key = k.k "
            "WHERE p.identity_key NOT IN (SELECT identity_key FROM cm_movements)")


def _known_keys(store: Store, keys: pl.Series) -> list[str]:
    """Keys already stored, booked or pending (a pending key seen again is not new)."""
    if keys.is_empty():
        return []
    with store.registered("__cm_keys", keys.to_frame("k")):
        found = store.rows(_known_sql("identity_key"))
    return [r[0] for r in found]


def _known_from(store: Store, keys: pl.Series) -> list[str]:
    """The files the movements of ``keys`` were first imported from, in import order."""
    with store.registered("__cm_keys", keys.to_frame("k")):
        found = store.rows(f"SELECT file_name FROM cm_imports WHERE import_id IN "
                           f"({_known_sql('import_id')}) ORDER BY import_id")
    return list(dict.fromkeys(r[0] for r in found))


def _flag_suspected_duplicates(store: Store, new: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """A new movement with another identity but the same account, date, amount, currency,
    counterparty and text as one already stored from another file is most likely the same
    movement delivered twice (another format, a re-export without bank ids). It is kept,
    marked ``suspected_duplicate`` with the id it duplicates, and never matched. Movements
    with the same identity before occurrence numbering are not suspects: identical lines of
    one day are told apart by their occurrence number already. Both sides' texts are
    compared through the same SQL expression. Returns the frame and the number flagged."""
    import polars as pl

    if new.height == 0:
        return new, 0
    probe = new.select("movement_id", "account", "booking_date", "amount_minor", "currency",
                       "remittance", "counterparty_name", "identity_key")
    with store.registered("__cm_probe", probe):
        hits = store.frame(f"""
            SELECT p.movement_id, min(m.movement_id) AS original FROM __cm_probe p
            JOIN cm_movements m
              ON m.account IS NOT DISTINCT FROM p.account AND m.booking_date = p.booking_date
             AND m.amount_minor = p.amount_minor AND m.currency = p.currency
             AND {text_key_sql('m.remittance')} = {text_key_sql('p.remittance')}
             AND {text_key_sql('m.counterparty_name')}
                 = {text_key_sql('p.counterparty_name')}
            WHERE m.status = 'booked'
              AND regexp_replace(m.identity_key, '#[0-9]+$', '')
                  <> regexp_replace(p.identity_key, '#[0-9]+$', '')
            GROUP BY p.movement_id""")
    if hits.height == 0:
        return new, 0
    flagged = (new.join(hits, on="movement_id", how="left")
               .with_columns(pl.when(pl.col("original").is_not_null())
                             .then(pl.lit("suspected_duplicate"))
                             .otherwise(pl.col("status")).alias("status"),
                             pl.col("original").alias("duplicate_of"))
               .drop("original"))
    return flagged, hits.height


def _supersede_pending(store: Store, booked: pl.DataFrame) -> int:
    """Booked movements replace the pending ones they confirm: same identity, or same
    account, amount and end-to-end id."""
    if booked.height == 0 or not store.scalar("SELECT count(*) FROM cm_pending_movements"):
        return 0
    confirmed = booked.select("identity_key", "account", "amount_minor", "end_to_end_id")
    condition = ("identity_key IN (SELECT identity_key FROM __cm_confirmed) OR "
                 "(end_to_end_id IS NOT NULL AND EXISTS (SELECT 1 FROM __cm_confirmed c "
                 "WHERE c.end_to_end_id = p.end_to_end_id AND c.end_to_end_id <> '' "
                 "AND c.amount_minor = p.amount_minor "
                 "AND coalesce(c.account, '') = coalesce(p.account, '')))")
    with store.registered("__cm_confirmed", confirmed):
        n = int(store.scalar(f"SELECT count(*) FROM cm_pending_movements p WHERE {condition}"))
        store.execute(f"DELETE FROM cm_pending_movements p WHERE {condition}")
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


def statement_dict(st: Statement) -> dict[str, Any]:
    """A parsed statement as plain data (amounts as decimal strings): what
    ``statements parse --json`` prints."""

    def amt(v: Decimal | None, ccy: str | None) -> str | None:
        return None if v is None else format_amount(v, ccy)

    return {
        "file": st.file, "format": st.format, "account": st.account, "currency": st.currency,
        "statement_id": st.statement_id,
        "opening_balance": amt(st.opening_balance, st.currency),
        "closing_balance": amt(st.closing_balance, st.currency),
        "opening_date": st.opening_date, "closing_date": st.closing_date,
        "movements": [{
            "bank_reference": m.bank_reference, "booking_date": m.booking_date,
            "value_date": m.value_date, "amount": format_amount(m.amount, m.currency),
            "currency": m.currency, "counterparty_name": m.counterparty_name,
            "counterparty_iban": m.counterparty_iban, "counterparty_bic": m.counterparty_bic,
            "remittance": m.remittance,
            "references": [{"kind": r.kind, "value": r.value} for r in m.references],
            "bank_tx_code": m.bank_tx_code, "status": m.status,
            "charges": amt(m.charges, m.currency),
            "instructed_amount": amt(m.instructed_amount, m.instructed_currency),
            "instructed_currency": m.instructed_currency, "entry_key": m.entry_key,
            "source": str(m.source),
        } for m in st.movements],
    }


def import_uploads(store: Store, uploads: list[tuple[str, bytes]], fmt: str | None = None,
                   mapping: CsvMapping | None = None,
                   currency: str | None = None) -> ImportSummary:
    """Import files received as (name, content) (an HTTP upload; ``currency`` as for
    :func:`import_statements`); every file named in the summary, its problems and its errors
    is the name it was sent under."""
    from cashmatch.ingest.uploads import received

    with received(uploads) as got:
        summary = import_statements(store, got.paths, fmt, mapping, currency)
    for f in summary.files:
        f.file = got.name(f.file)
        f.problems = [got.problem(p) for p in f.problems]
    return summary


def parse_uploads(uploads: list[tuple[str, bytes]], fmt: str | None = None,
                  currency: str | None = None) -> dict[str, Any]:
    """What files received as (name, content) hold, nothing stored: for each file the
    format detected and why, its statements (as :func:`statement_dict`) and problems; a file
    that cannot be read is a problem too. Files are named as sent. ``currency``: what the
    user states for amounts a file leaves without one."""
    from cashmatch.ingest.parsers import identify
    from cashmatch.ingest.uploads import received

    out: dict[str, Any] = {"files": [], "statements": [], "problems": []}
    with received(uploads) as got:
        for path in got.paths:
            found = identify(path)
            out["files"].append({"file": got.name(str(path)), "format": found.format,
                                 "reason": found.reason})
            try:
                parsed = parse_statement_file(path, fmt, currency=currency)
            except InputError as exc:
                exc = got.error(exc)
                assert isinstance(exc, InputError)
                out["problems"].append({"file": exc.location.file, "location": str(exc.location),
                                        "severity": "error", "message": exc.reason})
                continue
            for st in parsed.result.statements:
                out["statements"].append(statement_dict(st) | {"file": got.name(st.file)})
            out["problems"].extend(
                {"file": q.location.file, "location": str(q.location), "severity": q.severity,
                 "message": q.message}
                for q in (got.problem(p) for p in parsed.result.problems))
    return out


def file_import_dict(f: FileImport) -> dict[str, Any]:
    """What importing one file did, as plain data (the HTTP service's answer)."""
    return {"file": f.file, "format": f.format, "statements": f.statements,
            "movements": f.movements, "new": f.new, "known": f.known,
            "suspected_duplicates": f.suspected_duplicates, "pending": f.pending,
            "problems": [str(p) for p in f.problems]}



_LIST_SQL = """
WITH counted AS (
    SELECT statement_id, count(*) AS movements,
           CAST(sum(amount_minor) FILTER (WHERE status = 'booked') AS BIGINT) AS booked_minor
    FROM cm_movements GROUP BY statement_id),
listed AS (
    SELECT s.statement_id, s.import_id, s.file_name, s.format, s.account, s.currency,
           s.bank_statement_id, s.opening_minor, s.closing_minor, s.opening_date,
           s.closing_date, i.imported_at, i.n_known, i.n_new,
           coalesce(c.movements, 0) AS movements, coalesce(c.booked_minor, 0) AS booked_minor
    FROM cm_statements s JOIN cm_imports i USING (import_id)
    LEFT JOIN counted c USING (statement_id)),
chained AS (
    SELECT statement_id,
           lag(closing_minor) OVER w AS previous_closing_minor,
           lag(closing_date) OVER w AS previous_closing_date,
           lag(file_name) OVER w AS previous_file
    FROM listed WHERE n_new > 0 AND closing_minor IS NOT NULL AND account IS NOT NULL
    WINDOW w AS (PARTITION BY account ORDER BY closing_date, statement_id))
SELECT l.*, c.previous_closing_minor, c.previous_closing_date, c.previous_file,
       count(*) OVER () AS total
FROM listed l LEFT JOIN chained c USING (statement_id)
ORDER BY l.account NULLS LAST, l.closing_date DESC NULLS LAST, l.statement_id DESC
"""


def list_statements(store: Store, limit: int | None = 100, offset: int = 0) -> Page:
    """Imported statements, latest first per account, with their balances and two checks:
    ``balanced`` (opening balance + the booked movements stored from the statement = its
    closing balance; None when the file brought movements already known, which belong to
    the statement they came with first, or has no balances) and ``continuous`` (its opening
    balance is the closing balance of the account's previous statement; None for the
    first one, or a file imported again)."""
    rows, total = store.page(_LIST_SQL, [], limit, offset)
    for r in rows:
        ccy = r["currency"] or "EUR"
        opening, closing = r.pop("opening_minor"), r.pop("closing_minor")
        booked, previous = r.pop("booked_minor"), r.pop("previous_closing_minor")
        r["opening_balance"] = None if opening is None else from_minor(opening, ccy)
        r["closing_balance"] = None if closing is None else from_minor(closing, ccy)
        r["booked_total"] = from_minor(booked, ccy)
        r["previous_closing"] = None if previous is None else from_minor(previous, ccy)
        r["balanced"] = (None if opening is None or closing is None or r["n_known"]
                         else opening + booked == closing)
        r["continuous"] = None if previous is None or opening is None else previous == opening
    return Page(rows, total, offset, limit)
