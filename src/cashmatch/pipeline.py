"""The daily run (import + match) and the demo on the bundled samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cashmatch.config import Rules
from cashmatch.ingest.items import ItemsImport, import_items
from cashmatch.ingest.parsers.csv import CsvMapping
from cashmatch.ingest.statements import ImportSummary, import_statements
from cashmatch.ledger import export
from cashmatch.match.run import MatchSummary, run_match
from cashmatch.store import Store

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What ``cashmatch run`` did."""

    imported: ImportSummary
    items: ItemsImport | None
    matched: MatchSummary


def daily_run(store: Store, rules: Rules, statements: list[Path], items: Path | None = None,
              fmt: str | None = None, mapping: CsvMapping | None = None) -> RunSummary:
    """Import the day's statements (and optionally an items file), then match.

    Each step is its own transaction: an import that succeeded stays even if matching fails,
    and matching can simply be run again.
    """
    items_result = import_items(store, items) if items is not None else None
    imported = import_statements(store, statements, fmt, mapping)
    matched = run_match(store, rules)
    return RunSummary(imported, items_result, matched)


@dataclass(frozen=True, slots=True)
class Demo:
    """What the demo did and wrote."""

    store: Path
    items_file: Path
    run: RunSummary
    matches: pl.DataFrame
    written: list[tuple[Path, int]]


def demo(rules: Rules, out: Path, samples: Path | None = None) -> Demo:
    """The whole pipeline on the bundled samples (or ``samples``) into a fresh store in
    ``out``, with the matches and the journal written there as CSV."""
    folder = samples or samples_dir()
    statements, items = sample_files(folder)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.duckdb"
    for stale in (db, out / "demo.duckdb.wal"):
        stale.unlink(missing_ok=True)
    with Store.open(db) as store:
        result = daily_run(store, rules, statements, items)
        matches = export.matches_frame(store)
        journal = export.journal_frame(store)
    written = []
    for what, frame in (("matches", matches), ("journal", journal)):
        path = out / f"{what}.csv"
        written.append((path, export.write(frame, path, "csv")))
    return Demo(db, items, result, matches, written)


def samples_dir() -> Path:
    """``./sample_statements`` when run from the project, else the one beside the sources."""
    here = Path("sample_statements")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "sample_statements"


def sample_files(folder: Path) -> tuple[list[Path], Path]:
    """Statement files of the samples folder, and its open-items file."""
    items = folder / "open_items.csv"
    statements = sorted(p for p in folder.iterdir()
                        if p.is_file() and p != items and not p.name.startswith(".")
                        and p.suffix.lower() not in (".md", ".toml"))
    return statements, items
