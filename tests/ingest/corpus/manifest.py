"""The shared corpus of real statement files (``../shared/corpus``), read from its manifest.

Conformance tests use :func:`entries` and skip when the corpus is not beside the project.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

CORPUS = Path(os.environ.get("CASHMATCH_CORPUS",
                             Path(__file__).resolve().parents[3].parent / "shared" / "corpus"))


@dataclass(frozen=True)
class Entry:
    """One corpus file and what the manifest says of it."""

    format: str  # camt | mt940 | ofx | cfonb
    path: Path
    has_expected: bool
    notes: str
    expected_files: tuple[Path, ...]

    @property
    def maybe_malformed(self) -> bool:
        return "deliberately malformed" in self.notes

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def expected(self) -> dict[str, str]:
        """The ``key=value`` pairs of the notes' ``expected:`` part (``n_tx=3, open=1.00``)."""
        m = re.search(r"expected: ([^;]*)", self.notes)
        return dict(re.findall(r"(\w+)=([^,]+?)(?:,|$)", m.group(1))) if m else {}


def entries(fmt: str) -> list[Entry]:
    """Manifest entries of one format (empty when the corpus is absent)."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    out = []
    with manifest.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["format"] != fmt:
                continue
            m = re.search(r"expected files: ([^;]*)", row["notes"])
            files: tuple[Path, ...] = ()
            if m and not m.group(1).startswith("none"):
                files = tuple(CORPUS / f.strip() for f in m.group(1).split("|") if f.strip())
            out.append(Entry(fmt, CORPUS / row["local_path"], row["has_expected"] == "yes",
                             row["notes"], files))
    return out


requires_corpus = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(),
                                     reason=f"corpus not found at {CORPUS}")
