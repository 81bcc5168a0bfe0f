"""Every golden case gives exactly its expected file (see ``tests/ingest/golden.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.golden import ROOT, cases, expected_path, render


def test_every_format_has_cases() -> None:
    formats = {case.parts[2] for case in cases()}
    assert formats == {"camt", "cfonb120", "csv", "mt940", "ofx"}


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{c.parts[2]}/{c.name}")
def test_golden(case: Path) -> None:
    expected = expected_path(case)
    assert expected.exists(), (f"{case} has no expected file: write it on purpose with "
                               f"`.venv/bin/python -m tests.ingest.golden {case}` and read it")
    assert render(case) == expected.read_text(encoding="utf-8"), (
        f"{case} no longer gives {expected.relative_to(ROOT)}; if the change is meant, "
        f"rewrite it with `.venv/bin/python -m tests.ingest.golden --force {case}` and review "
        "the diff")
