"""The DuckDB store: the one module that executes SQL.

Open it with :meth:`Store.open` (creates or upgrades the schema, refuses a store newer than
the code, and says clearly when another process holds it). Every write that belongs together
runs inside :meth:`Store.transaction`: a failure, or a kill, leaves the store as it was.

Table names carry the ``cm_`` prefix; see :mod:`cashmatch.store.migrations` for the schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from cashmatch.errors import StoreError, StoreInUse
from cashmatch.store.migrations import LATEST, MIGRATIONS

if TYPE_CHECKING:
    import polars as pl

DEFAULT_PATH = "cashmatch.duckdb"
ENV_VAR = "CASHMATCH_DB"
#: DuckDB's working memory (it spills to disk beyond it; its own default is 80 % of the
#: machine, kept as cache after each query). ``$CASHMATCH_DB_MEMORY`` changes it.
MEMORY_VAR = "CASHMATCH_DB_MEMORY"
DEFAULT_MEMORY = "2GB"
#: A fault to inject, for tests of atomicity from outside the process: with
#: ``$CASHMATCH_FAULT=kill-before-commit`` the process kills itself (SIGKILL) after the writes
#: of its first transaction, just before the commit.
FAULT_VAR = "CASHMATCH_FAULT"


def default_path() -> Path:
    """``$CASHMATCH_DB`` or ``./cashmatch.duckdb``."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def now() -> datetime:
    """Timestamps are stored as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def local_time(stamp: datetime) -> str:
    """A stored timestamp as people read it, in the machine's time zone: ``10:42`` today,
    ``2026-02-03 10:42`` another day."""
    local = stamp.replace(tzinfo=UTC).astimezone()
    today = datetime.now(UTC).astimezone().date()
    return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")


class Store:
    """A connection to one cashmatch store."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str) -> None:
        self.con = con
        self.path = path
        self._in_tx = False

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> Store:
        """Open (creating if needed) and upgrade the store at ``path``."""
        target = str(path if path is not None else default_path())
        if target != ":memory:":
            parent = Path(target).parent
            if not parent.exists():
                raise StoreError(f"{target}: the folder {parent} does not exist")
            if read_only and not Path(target).exists():
                raise StoreError(f"{target}: no store here (run `cashmatch init` first)")
        try:
            con = duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            msg = str(exc)
            if "lock" in msg.lower():
                raise StoreInUse(f"{target}: the store is in use by another process "
                                 f"(a running `cashmatch serve` or another command); "
                                 f"try again when it has finished") from exc
            raise StoreError(f"{target}: cannot open the store: {msg}") from exc
        except duckdb.Error as exc:
            raise StoreError(f"{target}: not a cashmatch store: {exc}") from exc
        memory = os.environ.get(MEMORY_VAR, DEFAULT_MEMORY)
        try:
            con.execute("SET memory_limit = ?", [memory])
        except duckdb.Error as exc:
            con.close()
            raise StoreError(f"${MEMORY_VAR}={memory!r} is not a memory size (e.g. 2GB): "
                             f"{exc}") from exc
        store = cls(con, target)
        store._migrate(read_only=read_only)
        return store

    def close(self) -> None:
        self.con.close()

    def reader(self) -> Store:
        """Another connection to the same store in this process, for another thread: it
        reads what is committed (DuckDB's snapshots), without waiting for a writer."""
        return Store(self.con.cursor(), self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        exists = self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'cm_migrations'")
        if not exists:
            return 0
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM cm_migrations"))

    def _applied(self) -> set[int]:
        if not self.schema_version():
            return set()
        return {int(r[0]) for r in self.rows("SELECT version FROM cm_migrations")}

    def _migrate(self, *, read_only: bool) -> None:
        """Apply every migration the store has not recorded, in order. Versions are
        checked one by one, not against the highest: migrations written on two branches at
        once (2 and 3) both reach a store that got the later one first."""
        version = self.schema_version()
        if version > LATEST:
            raise StoreError(
                f"{self.path}: the store has schema version {version}, newer than this "
                f"cashmatch knows ({LATEST}); upgrade cashmatch to use it")
        applied = self._applied()
        missing = [m for m in MIGRATIONS if m.version not in applied]
        if not missing:
            return
        if read_only:
            raise StoreError(f"{self.path}: the store needs an upgrade (schema {version} → "
                             f"{LATEST}); open it once for writing")
        with self.transaction():
            self.con.execute("""CREATE TABLE IF NOT EXISTS cm_migrations (
                version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)""")
            for mig in missing:
                for stmt in mig.statements:
                    self.con.execute(stmt)
                self.con.execute("INSERT INTO cm_migrations VALUES (?, ?, ?)",
                                 [mig.version, mig.name, now()])

    # -- transactions and plain SQL ------------------------------------------------------

    @contextmanager
    def _boundary(self) -> Iterator[None]:
        """DuckDB's errors become :class:`StoreError` naming the store: callers never see a
        database library's exception."""
        try:
            yield
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"{self.path}: {first}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All-or-nothing block; nested use joins the outer transaction."""
        if self._in_tx:
            yield self
            return
        self.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield self
        except BaseException:
            self._in_tx = False
            self.con.execute("ROLLBACK")
            raise
        else:
            self._in_tx = False
            if os.environ.get(FAULT_VAR) == "kill-before-commit":
                import signal

                os.kill(os.getpid(), signal.SIGKILL)
            self.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self._boundary():
            self.con.execute(sql, params or [])

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._boundary():
            return self.con.execute(sql, params or []).fetchall()

    def row(self, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
        result = self.rows(sql, params)
        return result[0] if result else None

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        r = self.row(sql, params)
        return r[0] if r else None

    def dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        with self._boundary():
            cur = self.con.execute(sql, params or [])
            names = [d[0] for d in cur.description or []]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def page(self, sql: str, params: Sequence[Any], limit: int | None,
             offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Rows of ``sql`` (which must select ``count(*) OVER () AS total``), ``limit`` of
        them from ``offset`` (all with None), and how many rows it matches in all; the
        ``total`` column is taken off the rows."""
        paged = sql if limit is None else sql + " LIMIT ? OFFSET ?"
        rows = self.dicts(paged, list(params) if limit is None else [*params, limit, offset])
        if rows:
            total = int(rows[0]["total"])
        elif offset:
            total = int(self.scalar(f"SELECT count(*) FROM ({sql})", params))
        else:
            total = 0
        for r in rows:
            r.pop("total")
        return rows, total

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        """Query result as a polars DataFrame (through Arrow, no copy of the data per row)."""
        import polars as pl

        with self._boundary():
            rel = self.con.sql(sql, params=list(params)) if params else self.con.sql(sql)
            table = rel.to_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def insert_frame(self, table: str, frame: pl.DataFrame) -> None:
        """Append a DataFrame whose columns are a subset of ``table``'s, by name."""
        if frame.height == 0:
            return
        view = f"__cm_insert_{table}"
        with self.registered(view, frame):
            cols = ", ".join(frame.columns)
            self.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")

    def temp_table(self, table: str, frame: pl.DataFrame, *, distinct: bool = False) -> None:
        """(Re)create the temporary table ``table`` holding ``frame``'s rows."""
        view = f"__cm_temp_{table}"
        with self.registered(view, frame):
            self.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                         f"SELECT {'DISTINCT ' if distinct else ''}* FROM {view}")

    @contextmanager
    def registered(self, name: str, frame: pl.DataFrame) -> Iterator[None]:
        """Make ``frame`` queryable as ``name`` for the block (joined to, rather than passed
        as a long list parameter)."""
        self.register(name, frame)
        try:
            yield
        finally:
            self.unregister(name)

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """Make ``frame`` queryable as ``name`` until :meth:`unregister`."""
        self.con.register(name, frame.to_arrow())

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def next_id(self, table: str, column: str) -> int:
        """Next id of a table: max + 1, gap-free since writes are serialised in transactions."""
        return int(self.scalar(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}"))
