"""Open items import: CSV, Parquet or JSON → validated rows → upsert by ``id``.

Columns: ``id, kind, account, party_id, party_name, party_iban, reference, issue_date,
due_date, amount, currency, description`` and optional ``open_amount``. Only ``id``,
``amount`` and one of the dates are required. ``amount`` is the signed movement expected on
the bank account (invoice positive, credit note negative, supplier invoice negative...).

Validation is vectorised with polars over the whole file; every bad cell is reported with
file, row and column, and a file with any bad cell imports nothing. Re-importing updates
items in place of duplicating them; an update that would leave an item with less than what
cashmatch has already applied to it is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from cashmatch.errors import ItemsError, Location, Problem
from cashmatch.ingest.normalize import ITEM_KEYS, iban_expr, typo_keys_sql
from cashmatch.model import DEFAULT_ACCOUNT, EXPECTED_SIGN, ItemKind
from cashmatch.money import decimals_expr, exponent_expr, minor_units_expr
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("id", "kind", "account", "party_id", "party_name", "party_iban", "reference",
           "issue_date", "due_date", "amount", "currency", "description", "open_amount",
           "book_amount", "book_currency")
DEFAULT_CURRENCY = "EUR"
_AMOUNT_RE = r"^[+-]?\d{1,15}(\.\d+)?$"


@dataclass(frozen=True, slots=True)
class ItemsImport:
    """What an items import did."""

    file: str
    rows: int
    new: int
    updated: int
    unchanged: int


def read_items(path: Path) -> tuple[pl.DataFrame, int]:
    """Read an items file as an all-text frame; returns it and the row number of its first
    data row (2 for CSV with a header, 1 for JSON and Parquet)."""
    name = str(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise ItemsError(name, [Problem(Location(name), "the file does not exist", "error")])
    if suffix == ".csv":
        return _read_csv(path), 2
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path), 1
    if suffix in (".json", ".jsonl", ".ndjson"):
        return _read_json(path), 1
    raise ItemsError(name, [Problem(Location(name), f"unknown items file type {suffix!r} "
                                    "(expected .csv, .parquet or .json)", "error")])


def _fail(path: Path, message: str, line: int | None = None, element: str | None = None) -> ItemsError:
    return ItemsError(str(path), [Problem(Location(str(path), line, element), message, "error")])


def _read_csv(path: Path) -> pl.DataFrame:
    import polars as pl

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(path, f"not valid UTF-8 text (byte {exc.start})", line) from exc
    if not text.strip():
        raise _fail(path, "the file is empty")
    try:
        return pl.read_csv(text.encode("utf-8"), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise _fail(path, f"not a readable CSV file: {str(exc).splitlines()[0]}") from exc


def _read_parquet(path: Path) -> pl.DataFrame:
    import polars as pl

    try:
        df = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise _fail(path, f"not a readable Parquet file: {str(exc).splitlines()[0]}") from exc
    problems = []
    casts = []
    for col, dtype in df.schema.items():
        if dtype.is_float():
            problems.append(Problem(Location(str(path), element=f"column {col}"),
                                    f"is a floating-point column ({dtype}); amounts must be "
                                    "exact: use a decimal or text column", "error"))
        elif dtype == pl.Date:
            casts.append(pl.col(col).dt.strftime("%Y-%m-%d"))
        else:
            casts.append(pl.col(col).cast(pl.String))
    if problems:
        raise ItemsError(str(path), problems)
    return df.select(casts)


def _read_json(path: Path) -> pl.DataFrame:
    import polars as pl

    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            records = [json.loads(ln, parse_float=Decimal) for ln in text.splitlines() if ln.strip()]
        else:
            data = json.loads(text, parse_float=Decimal)
            records = data.get("items") if isinstance(data, dict) else data
    except UnicodeDecodeError as exc:
        raise _fail(path, f"not valid UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not valid JSON: {exc.msg}", exc.lineno) from exc
    if not isinstance(records, list):
        raise _fail(path, "expected a JSON array of items (or an object with an \"items\" array)")
    rows: dict[str, list[str | None]] = {}
    problems = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            problems.append(Problem(Location(str(path), element=f"item {i + 1}"),
                                    "is not a JSON object", "error"))
            continue
        for key, value in rec.items():
            if isinstance(value, (dict, list)):
                problems.append(Problem(Location(str(path), element=f"item {i + 1}, field {key}"),
                                        "must be a plain value, not an object or array", "error"))
                continue
            rows.setdefault(key, [None] * i)
            rows[key].append(None if value is None else str(value))
        for col in rows.values():
            if len(col) < i + 1:
                col.append(None)
    if problems:
        raise ItemsError(str(path), problems)
    return pl.DataFrame(rows, schema={k: pl.String for k in rows})


def validate(df: pl.DataFrame, file: str, first_row: int) -> pl.DataFrame:
    """Check every cell; return the typed frame ready for the store, or raise ItemsError
    listing every bad cell."""
    import polars as pl

    df = _with_columns(df, file).with_row_index("_row", offset=first_row)
    found = _Problems(file)
    found.check_text(df)
    found.raise_any()
    df = _typed(df)
    found.check_amounts(df)
    df = df.with_columns(pl.col("kind").fill_null(
        pl.when(pl.col("amount_minor") < 0).then(pl.lit("credit_note"))
        .otherwise(pl.lit("invoice"))))
    found.check_signs(df)
    found.problems.extend(_iban_problems(df, file))
    found.raise_any()
    accounts = {k.value: v for k, v in DEFAULT_ACCOUNT.items()}
    return df.select(
        pl.col("id").alias("item_id"), "kind",
        pl.col("account").fill_null(pl.col("kind").replace_strict(accounts,
                                                                   return_dtype=pl.String)),
        "party_id", "party_name", iban_expr(pl.col("party_iban")).alias("party_iban"),
        "reference", "issue_date", "due_date", "amount_minor",
        (pl.col("amount_minor") - pl.col("open_minor").fill_null(pl.col("amount_minor")))
        .alias("settled_outside_minor"),
        "currency", "description", "book_minor", "book_currency", "_row")


def _with_columns(df: pl.DataFrame, file: str) -> pl.DataFrame:
    """``df`` with exactly :data:`COLUMNS` (missing optional ones null, cells stripped, blank
    cells null); unknown or missing required columns, or no rows, are an ItemsError."""
    import polars as pl

    cols = [c.strip().lower() for c in df.columns]
    df = df.rename(dict(zip(df.columns, cols, strict=True)))
    problems = [Problem(Location(file, element=f"column {c}"),
                        f"unknown column (expected some of: {', '.join(COLUMNS)})", "error")
                for c in cols if c not in COLUMNS]
    problems += [Problem(Location(file, element=f"column {c}"), "required column is missing",
                         "error") for c in ("id", "amount") if c not in cols]
    if "issue_date" not in cols and "due_date" not in cols:
        problems.append(Problem(Location(file, element="column issue_date/due_date"),
                                "one date column is required", "error"))
    if problems:
        raise ItemsError(file, problems)
    if df.height == 0:
        raise ItemsError(file, [Problem(Location(file), "the file has no item rows", "error")])
    df = df.with_columns(pl.lit(None, pl.String).alias(c) for c in COLUMNS if c not in cols)
    return df.select(COLUMNS).with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in COLUMNS).with_columns(
        pl.col("currency").fill_null(DEFAULT_CURRENCY).str.to_uppercase(),
        pl.col("book_currency").str.to_uppercase())


def _typed(df: pl.DataFrame) -> pl.DataFrame:
    """Amounts in minor units (with how many decimals each was written with) and dates."""
    import polars as pl

    exp, book_exp = exponent_expr(pl.col("currency")), exponent_expr(pl.col("book_currency"))
    return df.with_columns(
        minor_units_expr(pl.col("book_amount"), book_exp).alias("book_minor"),
        (decimals_expr(pl.col("book_amount")) > book_exp).alias("_book_bad"),
        minor_units_expr(pl.col("amount"), exp).alias("amount_minor"),
        minor_units_expr(pl.col("open_amount"), exp).alias("open_minor"),
        decimals_expr(pl.col("amount")).alias("_amount_dec"),
        decimals_expr(pl.col("open_amount")).alias("_open_dec"),
        exp.alias("_exp"),
        pl.col("issue_date").str.to_date("%Y-%m-%d"),
        pl.col("due_date").str.to_date("%Y-%m-%d"))


class _Problems:
    """The bad cells of an items file, collected check by check."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def raise_any(self) -> None:
        if self.problems:
            raise ItemsError(self.file, _in_file_order(self.problems))

    def bad(self, df: pl.DataFrame, mask: pl.Expr, column: str,
            message: str | pl.Expr) -> None:
        import polars as pl

        msg = message if isinstance(message, pl.Expr) else pl.lit(message)
        for row, m in df.filter(mask).select("_row", msg.alias("m")).iter_rows():
            self.problems.append(Problem(Location(self.file, int(row), f"column {column}"), m,
                                         "error"))

    def check_text(self, df: pl.DataFrame) -> None:
        """Cells as written: ids, currencies, amounts, dates and kinds."""
        import polars as pl

        col = pl.col
        self.bad(df, col("id").is_null(), "id", "an id is required")
        self.bad(df, col("id").is_duplicated() & col("id").is_not_null(), "id",
                 pl.format("id {} appears more than once in the file", col("id")))
        for c in ("currency", "book_currency"):
            self.bad(df, col(c).is_not_null() & ~col(c).str.contains(r"^[A-Z]{3}$"), c,
                     pl.format("{} is not an ISO 4217 currency code", col(c)))
        self.bad(df, col("book_amount").is_not_null() & col("book_currency").is_null(),
                 "book_currency", "a book_amount needs its book_currency (the ledger's currency)")
        for c in ("amount", "open_amount", "book_amount"):
            self.bad(df, col(c).is_not_null() & ~col(c).str.contains(_AMOUNT_RE), c,
                     pl.format("{} is not an amount (digits, optional dot and decimals)", col(c)))
        self.bad(df, col("amount").is_null(), "amount", "an amount is required")
        for c in ("issue_date", "due_date"):
            parsed = col(c).str.to_date("%Y-%m-%d", strict=False)
            self.bad(df, col(c).is_not_null() & parsed.is_null(), c,
                     pl.format("{} is not a date (YYYY-MM-DD)", col(c)))
        self.bad(df, col("issue_date").is_null() & col("due_date").is_null(), "issue_date",
                 "an issue_date or a due_date is required")
        kinds = [k.value for k in ItemKind]
        self.bad(df, col("kind").is_not_null() & ~col("kind").is_in(kinds), "kind",
                 pl.format("{} is not a kind (" + ", ".join(kinds) + ")", col("kind")))

    def check_amounts(self, df: pl.DataFrame) -> None:
        """Decimals allowed by each currency; no zero amount; a book amount of its sign."""
        import polars as pl

        col = pl.col
        for c, d in (("amount", "_amount_dec"), ("open_amount", "_open_dec")):
            self.bad(df, col(d) > col("_exp"), c,
                     pl.format("{} has more decimals than {} allows", col(c), col("currency")))
        self.bad(df, col("amount_minor") == 0, "amount", "an amount of zero is not an open item")
        self.bad(df, col("_book_bad").fill_null(False), "book_amount",
                 pl.format("{} has more decimals than {} allows", col("book_amount"),
                           col("book_currency")))
        self.bad(df, col("book_minor").is_not_null()
                 & (col("book_minor").sign() != col("amount_minor").sign()), "book_amount",
                 pl.format("{} must have the sign of the amount {}", col("book_amount"),
                           col("amount")))

    def check_signs(self, df: pl.DataFrame) -> None:
        """The sign each kind must have; an open amount between 0 and the amount."""
        import polars as pl

        col = pl.col
        sign = col("kind").replace_strict({k.value: v for k, v in EXPECTED_SIGN.items()},
                                          return_dtype=pl.Int64)
        self.bad(df, (sign != 0) & (col("amount_minor").sign() != sign), "amount",
                 pl.format("{} has the wrong sign for a {} (amount is the signed movement "
                           "expected on the bank account)", col("amount"), col("kind")))
        open_bad = col("open_minor").is_not_null() & (
            (col("open_minor").sign() * col("amount_minor").sign() < 0)
            | (col("open_minor").abs() > col("amount_minor").abs()))
        self.bad(df, open_bad, "open_amount", pl.format(
            "{} must lie between 0 and the amount {}", col("open_amount"), col("amount")))


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.location.line or 0)


def _iban_problems(df: pl.DataFrame, file: str) -> list[Problem]:
    import polars as pl

    ibans = df.filter(pl.col("party_iban").is_not_null()).select("_row", "party_iban")
    if ibans.height == 0:
        return []
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    verdict: dict[str, str | None] = {}
    for value in ibans.get_column("party_iban").unique().to_list():
        try:
            IBAN(value)
            verdict[value] = None
        except SchwiftyException as exc:
            verdict[value] = str(exc)
    out = []
    for row, value in ibans.iter_rows():
        if verdict[value]:
            out.append(Problem(Location(file, int(row), "column party_iban"),
                               f"{value} is not a valid IBAN: {verdict[value]}", "error"))
    return out


def import_items(store: Store, path: Path) -> ItemsImport:
    """Validate ``path`` and upsert its items in one transaction."""
    raw, first_row = read_items(path)
    df = validate(raw, str(path), first_row)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return store_items(store, df, str(path), digest, path.suffix.lstrip(".").lower())


def import_items_upload(store: Store, name: str, data: bytes) -> ItemsImport:
    """Import an items file received as ``name`` and its content (an HTTP upload); errors
    and the summary name it as sent."""
    from cashmatch.ingest.uploads import received

    with received([(name, data)]) as got:
        path = got.paths[0]
        raw, first_row = read_items(path)
        df = validate(raw, got.name(str(path)), first_row)
        digest = hashlib.sha256(data).hexdigest()
        return store_items(store, df, got.name(str(path)), digest,
                           path.suffix.lstrip(".").lower())


def upsert_items(store: Store, records: list[dict[str, object]],
                 source: str = "records") -> ItemsImport:
    """Validate item records (dicts with the columns of an items file; amounts as decimal
    strings or ``Decimal``) and upsert them, like a file import."""
    import polars as pl

    rows = [{k: (None if v is None else str(v)) for k, v in r.items()} for r in records]
    names = sorted({k for r in rows for k in r})
    frame = pl.DataFrame(rows, schema={c: pl.String for c in names})
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    return store_items(store, validate(frame, source, 1), source, digest, "records")


def store_items(store: Store, df: pl.DataFrame, source: str, digest: str,
                fmt: str) -> ItemsImport:
    """Upsert validated items (from :func:`validate`) in one transaction."""
    path = Path(source)
    with store.transaction():
        with store.registered("__cm_new_items", df):
            conflicts = store.rows("""
                SELECT n._row, n.item_id, n.amount_minor, n.currency, i.currency,
                       i.settled_outside_minor + coalesce(a.applied, 0) AS applied
                FROM __cm_new_items n
                JOIN cm_items i USING (item_id)
                LEFT JOIN (SELECT item_id, sum(amount_minor) AS applied FROM cm_allocations
                           GROUP BY item_id) a USING (item_id)
                WHERE coalesce(a.applied, 0) <> 0
                  AND (n.currency <> i.currency
                       OR sign(n.amount_minor) <> sign(i.amount_minor)
                       OR abs(n.amount_minor) < abs(n.settled_outside_minor + a.applied))
                ORDER BY n._row""")
            if conflicts:
                raise ItemsError(str(path), [
                    Problem(Location(str(path), int(r[0]), "column amount"),
                            f"item {r[1]} already has {_fmt(r[5], r[4])} {r[4]} applied; "
                            f"the new amount {_fmt(r[2], r[3])} {r[3]} would leave it over-applied",
                            "error") for r in conflicts])
            counts = store.row("""
                SELECT count(*) FILTER (WHERE i.item_id IS NULL),
                       count(*) FILTER (WHERE i.item_id IS NOT NULL AND (
                           n.kind, n.account, n.party_id, n.party_name, n.party_iban,
                           n.reference, n.issue_date, n.due_date, n.amount_minor,
                           n.settled_outside_minor, n.currency, n.description, n.book_minor,
                           n.book_currency)
                           IS DISTINCT FROM (
                           i.kind, i.account, i.party_id, i.party_name, i.party_iban,
                           i.reference, i.issue_date, i.due_date, i.amount_minor,
                           i.settled_outside_minor, i.currency, i.description, i.book_minor,
                           i.book_currency))
                FROM __cm_new_items n LEFT JOIN cm_items i USING (item_id)""")
            assert counts is not None
            import_id = store.next_id("cm_imports", "import_id")
            stamp = now()
            keys = ", ".join(f"{sql} AS {col}" for col, sql in ITEM_KEYS.items())
            store.execute(f"""
                INSERT INTO cm_items
                SELECT i.item_id, i.kind, i.account, i.party_id, i.party_name, i.party_iban,
                       i.reference, {keys}, i.issue_date, i.due_date,
                       i.amount_minor, i.settled_outside_minor, i.currency, i.description,
                       i.book_minor, i.book_currency, ? AS import_id, ? AS updated_at
                FROM __cm_new_items i
                ON CONFLICT (item_id) DO UPDATE SET
                    kind = excluded.kind, account = excluded.account,
                    party_id = excluded.party_id, party_name = excluded.party_name,
                    party_iban = excluded.party_iban, reference = excluded.reference,
                    ref_norm = excluded.ref_norm, ref_tail = excluded.ref_tail,
                    ref_tail_short = excluded.ref_tail_short, name_norm = excluded.name_norm,
                    issue_date = excluded.issue_date,
                    due_date = excluded.due_date, amount_minor = excluded.amount_minor,
                    settled_outside_minor = excluded.settled_outside_minor,
                    currency = excluded.currency, description = excluded.description,
                    book_minor = excluded.book_minor, book_currency = excluded.book_currency,
                    import_id = excluded.import_id, updated_at = excluded.updated_at""",
                          [import_id, stamp])
            store.execute("DELETE FROM cm_item_keys WHERE item_id IN "
                          "(SELECT item_id FROM __cm_new_items)")
            store.execute("INSERT INTO cm_item_keys " + typo_keys_sql(
                "(SELECT item_id, ref_norm FROM cm_items SEMI JOIN __cm_new_items "
                "USING (item_id))"))
        new, updated = int(counts[0]), int(counts[1])
        store.execute("INSERT INTO cm_imports VALUES (?, 'items', ?, ?, ?, ?, ?, ?, ?)",
                      [import_id, source, digest, fmt, stamp, df.height, new, df.height - new])
    return ItemsImport(str(path), df.height, new, updated, df.height - new - updated)


def _fmt(minor: int, currency: str) -> str:
    from cashmatch.money import format_amount, from_minor

    return format_amount(from_minor(minor, currency))

