"""The daily run (import + match + summary) and the demo on the bundled samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cashmatch.config import Rules
from cashmatch.ingest.items import ItemsImport, import_items
from cashmatch.match.run import MatchSummary, run_match
from cashmatch.ingest.parsers.csv import CsvMapping
from cashmatch.ingest.statements import ImportSummary, import_statements
from cashmatch.store import Store


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
