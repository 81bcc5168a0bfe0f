"""Open items import: CSV, Parquet or JSON → validated rows → upsert by ``id``.

Columns: ``id, kind, account, party_id, party_name, party_iban, reference, issue_date,
due_date, amount, currency, description`` and optional ``open_amount``, ``book_amount``,
``book_currency`` and ``last_lettrage`` (the last lettrage code the ERP used on the item's
account and party: cashmatch's codes continue after it). Only ``id``, ``amount`` and one of
the dates are required. ``amount`` is the signed movement expected on the bank account
(invoice positive, credit note negative, supplier invoice negative...). An ERP's own CSV
export is read through a column mapping (:mod:`cashmatch.ingest.items_mapping`).

A snapshot import says the file is the complete list of open items: the items it does not
list are closed as settled outside cashmatch (kept, with the closure recorded and reported).

Validation is vectorised with polars over the whole file; every bad cell is reported with
file, row and column, and a file with any bad cell imports nothing. Re-importing updates
items in place of duplicating them; an update that would leave an item with less than what
cashmatch has already applied to it is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from cashmatch.errors import ItemsError, Location, Problem
from cashmatch.ingest.items_mapping import ItemsMapping
from cashmatch.ingest.normalize import ITEM_KEYS, iban_expr, typo_keys_sql
from cashmatch.model import DEFAULT_ACCOUNT, EXPECTED_SIGN, ItemKind
from cashmatch.money import decimals_expr, exponent_expr, minor_units_expr
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("id", "kind", "account", "party_id", "party_name", "party_iban", "reference",
           "issue_date", "due_date", "amount", "currency", "description", "open_amount",
           "book_amount", "book_currency", "discount_until", "discount_rate", "last_lettrage")
DEFAULT_CURRENCY = "EUR"
#: The columns of ``cm_items`` an import writes (the rest of the row is its identity).
_STORED = ("item_id", "kind", "account", "party_id", "party_name", "party_iban", "reference",
           "issue_date", "due_date", "amount_minor", "settled_outside_minor", "currency",
           "description", "book_minor", "book_currency", "import_id", "updated_at",
           "discount_until", "discount_rate", *ITEM_KEYS)
_AMOUNT_RE = r"^[+-]?\d{1,15}(\.\d+)?$"


@dataclass(frozen=True, slots=True)
class ItemsImport:
    """What an items import did; ``closed``: the items a snapshot closed as settled outside
    cashmatch (``item_id``, ``open_amount`` that was left, ``currency``)."""

    file: str
    rows: int
    new: int
    updated: int
    unchanged: int
    closed: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Hints:
    """How an items file writes its dates (said in the messages about bad cells) and its
    amounts (``decimal``: ``.`` or ``,``)."""

    date: str = "YYYY-MM-DD"
    decimal: str = "."

    @property
    def amount(self) -> str:
        return f"digits, optional {'comma' if self.decimal == ',' else 'dot'} and decimals"

    @property
    def amount_re(self) -> str:
        return _AMOUNT_RE.replace(r"\.", "," if self.decimal == "," else r"\.")


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


def validate(df: pl.DataFrame, file: str, first_row: int,
             hints: Hints = Hints()) -> pl.DataFrame:
    """Check every cell; return the typed frame ready for the store, or raise ItemsError
    listing every bad cell at once."""
    import polars as pl

    df = _with_columns(df, file).with_row_index("_row", offset=first_row)
    found = _Problems(file)
    found.check_text(df, hints)
    df = _typed(df, hints)
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
        "currency", "description", "book_minor", "book_currency", "discount_until",
        "discount_rate", pl.col("last_lettrage").str.to_uppercase(), "_row")


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


def _typed(df: pl.DataFrame, hints: Hints) -> pl.DataFrame:
    """Amounts in minor units (with how many decimals each was written with) and dates; a
    cell that is not an amount or a date (reported by :meth:`_Problems.check_text`) is
    null."""
    import polars as pl

    def amount(c: str) -> pl.Expr:
        return pl.when(pl.col(c).str.contains(hints.amount_re)).then(
            pl.col(c).str.replace(",", ".", literal=True))

    exp, book_exp = exponent_expr(pl.col("currency")), exponent_expr(pl.col("book_currency"))
    return df.with_columns(
        minor_units_expr(amount("book_amount"), book_exp).alias("book_minor"),
        (decimals_expr(amount("book_amount")) > book_exp).alias("_book_bad"),
        minor_units_expr(amount("amount"), exp).alias("amount_minor"),
        minor_units_expr(amount("open_amount"), exp).alias("open_minor"),
        decimals_expr(amount("amount")).alias("_amount_dec"),
        decimals_expr(amount("open_amount")).alias("_open_dec"),
        exp.alias("_exp"),
        pl.col("issue_date").str.to_date("%Y-%m-%d", strict=False),
        pl.col("due_date").str.to_date("%Y-%m-%d", strict=False),
        pl.col("discount_until").str.to_date("%Y-%m-%d", strict=False),
        pl.col("discount_rate").cast(pl.Decimal(7, 6), strict=False))


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

    def check_text(self, df: pl.DataFrame, hints: Hints) -> None:
        """Cells as written: ids, currencies, amounts, dates, kinds and lettrage codes."""
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
            self.bad(df, col(c).is_not_null() & ~col(c).str.contains(hints.amount_re), c,
                     pl.format("{} is not an amount (" + hints.amount + ")", col(c)))
        self.bad(df, col("amount").is_null(), "amount", "an amount is required")
        rate = col("discount_rate").cast(pl.Decimal(12, 6), strict=False)
        self.bad(df, col("discount_rate").is_not_null()
                 & (~col("discount_rate").str.contains(r"^0?\.\d{1,6}$") | rate.is_null()),
                 "discount_rate", pl.format("{} is not a rate between 0 and 1 (0.02 for 2 %)",
                                            col("discount_rate")))
        for c in ("issue_date", "due_date", "discount_until"):
            parsed = col(c).str.to_date("%Y-%m-%d", strict=False)
            self.bad(df, col(c).is_not_null() & parsed.is_null(), c,
                     pl.format("{} is not a date (" + hints.date + ")", col(c)))
        self.bad(df, col("issue_date").is_null() & col("due_date").is_null(), "issue_date",
                 "an issue_date or a due_date is required")
        kinds = [k.value for k in ItemKind]
        self.bad(df, col("kind").is_not_null() & ~col("kind").is_in(kinds), "kind",
                 pl.format("{} is not a kind (" + ", ".join(kinds) + ")", col("kind")))
        self.bad(df, col("last_lettrage").is_not_null()
                 & ~col("last_lettrage").str.contains(r"^[A-Za-z]{3,}$"), "last_lettrage",
                 pl.format("{} is not a lettrage code (three letters or more)",
                           col("last_lettrage")))

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
                                          default=0, return_dtype=pl.Int64)  # bad kinds: 0
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


def import_items(store: Store, path: Path, mapping: ItemsMapping | None = None,
                 snapshot: bool = False) -> ItemsImport:
    """Validate ``path`` (an ERP's CSV read through ``mapping`` when given) and upsert its
    items in one transaction; a ``snapshot`` closes the items it does not list."""
    if mapping is not None:
        from cashmatch.ingest.items_mapping import read_mapped

        df = validate(read_mapped(path, mapping), str(path), 2, mapping.hints())
    else:
        raw, first_row = read_items(path)
        df = validate(raw, str(path), first_row)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return store_items(store, df, str(path), digest, path.suffix.lstrip(".").lower(),
                       snapshot=snapshot)


def import_items_upload(store: Store, name: str, data: bytes,
                        snapshot: bool = False) -> ItemsImport:
    """Import an items file received as ``name`` and its content (an HTTP upload; a
    ``snapshot`` closes the items it does not list); errors and the summary name it as
    sent."""
    from cashmatch.ingest.uploads import received

    with received([(name, data)]) as got:
        path = got.paths[0]
        raw, first_row = read_items(path)
        df = validate(raw, got.name(str(path)), first_row)
        digest = hashlib.sha256(data).hexdigest()
        return store_items(store, df, got.name(str(path)), digest,
                           path.suffix.lstrip(".").lower(), snapshot=snapshot)


def upsert_items(store: Store, records: list[dict[str, object]],
                 source: str = "records", origin: str = "import") -> ItemsImport:
    """Validate item records (dicts with the columns of an items file; amounts as decimal
    strings or ``Decimal``) and upsert them, like a file import (``origin``: see
    :func:`store_items`)."""
    import polars as pl

    rows = [{k: (None if v is None else str(v)) for k, v in r.items()} for r in records]
    names = sorted({k for r in rows for k in r})
    frame = pl.DataFrame(rows, schema={c: pl.String for c in names})
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    return store_items(store, validate(frame, source, 1), source, digest, "records", origin)


def store_items(store: Store, df: pl.DataFrame, source: str, digest: str,
                fmt: str, origin: str = "import", snapshot: bool = False) -> ItemsImport:
    """Upsert validated items (from :func:`validate`) in one transaction; ``origin`` says
    who made them (``import``: the ERP's files; ``cashmatch``: a person's decision). A
    ``snapshot`` closes the ERP's items it does not list (:func:`close_items`); the ERP's
    last lettrage codes are kept (:func:`cashmatch.ledger.lettrage.new_codes` continues
    them)."""
    path = Path(source)
    with store.transaction():
        with store.registered("__cm_new_items", df):
            _refuse_over_applied(store, path)
            counts = store.row("""
                SELECT count(*) FILTER (WHERE i.item_id IS NULL),
                       count(*) FILTER (WHERE i.item_id IS NOT NULL AND (
                           n.kind, n.account, n.party_id, n.party_name, n.party_iban,
                           n.reference, n.issue_date, n.due_date, n.amount_minor,
                           n.settled_outside_minor, n.currency, n.description, n.book_minor,
                           n.book_currency, n.discount_until, n.discount_rate)
                           IS DISTINCT FROM (
                           i.kind, i.account, i.party_id, i.party_name, i.party_iban,
                           i.reference, i.issue_date, i.due_date, i.amount_minor,
                           i.settled_outside_minor, i.currency, i.description, i.book_minor,
                           i.book_currency, i.discount_until, i.discount_rate))
                FROM __cm_new_items n LEFT JOIN cm_items i USING (item_id)""")
            assert counts is not None
            import_id = store.next_id("cm_imports", "import_id")
            stamp = now()
            keys = ", ".join(f"{sql} AS {col}" for col, sql in ITEM_KEYS.items())
            updates = ", ".join(f"{c} = excluded.{c}" for c in _STORED if c != "item_id")
            store.execute(f"""
                INSERT INTO cm_items BY NAME
                SELECT i.item_id, i.kind, i.account, i.party_id, i.party_name, i.party_iban,
                       i.reference, {keys}, i.issue_date, i.due_date,
                       i.amount_minor, i.settled_outside_minor, i.currency, i.description,
                       i.book_minor, i.book_currency, ? AS import_id, ? AS updated_at,
                       i.discount_until, i.discount_rate, ? AS origin
                FROM __cm_new_items i
                ON CONFLICT (item_id) DO UPDATE SET {updates}""",
                          [import_id, stamp, origin])
            store.execute("DELETE FROM cm_item_keys WHERE item_id IN "
                          "(SELECT item_id FROM __cm_new_items)")
            store.execute("INSERT INTO cm_item_keys " + typo_keys_sql(
                "(SELECT item_id, ref_norm FROM cm_items SEMI JOIN __cm_new_items "
                "USING (item_id))"))
            closed = _close_missing(store, import_id) if snapshot else None
        _keep_seeds(store, df, import_id, stamp)
        new, updated = int(counts[0]), int(counts[1])
        store.execute("INSERT INTO cm_imports VALUES (?, 'items', ?, ?, ?, ?, ?, ?, ?)",
                      [import_id, source, digest, fmt, stamp, df.height, new, df.height - new])
    return ItemsImport(str(path), df.height, new, updated, df.height - new - updated,
                       [] if closed is None else _closed_rows(closed))


def _refuse_over_applied(store: Store, path: Path) -> None:
    """Refuse updates of ``__cm_new_items`` that would leave an item with less than what is
    already applied to it (or change its currency or sign)."""
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


#: The ERP's open items the snapshot ``__cm_new_items`` does not list.
_MISSING_SQL = ("SELECT item_id FROM cm_items WHERE origin = 'import' "
                "AND item_id NOT IN (SELECT item_id FROM __cm_new_items)")


def _close_missing(store: Store, import_id: int) -> pl.DataFrame:
    """Close the ERP's items the snapshot does not list (within the upsert's block)."""
    missing = [r[0] for r in store.rows(_MISSING_SQL)]
    return close_items(store, missing, "snapshot", import_id)


def _closed_rows(closed: pl.DataFrame) -> list[dict[str, object]]:
    from cashmatch.money import from_minor

    return [{"item_id": i, "open_amount": from_minor(o, c), "currency": c}
            for i, o, c in closed.iter_rows()]


def _keep_seeds(store: Store, df: pl.DataFrame, import_id: int, stamp: object) -> None:
    """The ERP's last lettrage code per account and party ('' for the whole account)."""
    import polars as pl

    seeds = df.filter(pl.col("last_lettrage").is_not_null()).select(
        "account", pl.col("party_id").fill_null("").alias("aux_account"),
        pl.col("last_lettrage").alias("code")).unique()
    store.insert_frame("cm_lettrage_seeds", seeds.with_columns(
        pl.lit(import_id, pl.Int64).alias("import_id"), pl.lit(stamp).alias("created_at")))


#: What is open on the items of ``__cm_closing`` (``item_id``), and their currency.
_OPEN_OF_SQL = """
SELECT i.item_id, i.amount_minor - i.settled_outside_minor - coalesce(
           (SELECT CAST(sum(a.amount_minor) AS BIGINT) FROM cm_allocations a
            WHERE a.item_id = i.item_id), 0) AS open_minor, i.currency
FROM cm_items i SEMI JOIN __cm_closing USING (item_id)
"""


def close_items(store: Store, item_ids: list[str], reason: str,
                import_id: int | None = None) -> pl.DataFrame:
    """Close the items ``item_ids`` as settled outside cashmatch: what is open on each
    becomes settled outside (the item stays), and each closure is recorded with ``reason``
    (and the import that closed it). Returns ``item_id``, ``open_minor`` (what was open),
    ``currency`` of the items closed (those with something open), by id."""
    import polars as pl

    with store.registered("__cm_closing", pl.DataFrame({"item_id": item_ids},
                                                        schema={"item_id": pl.String})):
        closing = store.frame(_OPEN_OF_SQL).filter(pl.col("open_minor") != 0).sort("item_id")
    if closing.height == 0:
        return closing
    stamp = now()
    with store.registered("__cm_closed", closing):
        store.execute("UPDATE cm_items SET settled_outside_minor = settled_outside_minor "
                      "+ c.open_minor, updated_at = ? FROM __cm_closed c "
                      "WHERE cm_items.item_id = c.item_id", [stamp])
    store.insert_frame("cm_item_closures", closing.select(
        "item_id", pl.lit(reason).alias("reason"), pl.lit(import_id, pl.Int64).alias("import_id"),
        "open_minor", "currency", pl.lit(stamp).alias("closed_at")))
    return closing


def _fmt(minor: int, currency: str) -> str:
    from cashmatch.money import format_amount, from_minor

    return format_amount(from_minor(minor, currency))

