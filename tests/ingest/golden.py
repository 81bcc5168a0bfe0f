"""Golden files: statement files the project writes itself, each beside what it must give.

A case is ``tests/data/<format>/<source>.<ext>``; beside it ``<source>.<ext>.expected.json``
holds what ``cashmatch statements parse --json`` prints for it (statements, movements and
problems, or the refusal as an ``error`` problem), run from the project's root so that paths
are relative. ``<source>.<ext>.args.json``, when present, lists more arguments for the
command (``["--mapping", "tests/data/csv/bank_fr.toml"]``, ``["--currency", "USD"]``).

The test (``tests/ingest/test_golden.py``) only compares. Expected files are written on
purpose, never by a test run (beangulp's ``testing`` style)::

    .venv/bin/python -m tests.ingest.golden                  # every case without an expected file
    .venv/bin/python -m tests.ingest.golden --force FILE...  # these cases, after checking the change
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FORMATS = ("camt", "cfonb120", "csv", "mt940", "ofx")
SIDECARS = (".expected.json", ".args.json", ".toml")


def cases() -> list[Path]:
    """Every statement file of ``tests/data/<format>/``, relative to the root, sorted."""
    out = []
    for fmt in FORMATS:
        for path in sorted((DATA / fmt).glob("*")):
            if path.is_file() and not path.name.endswith(SIDECARS):
                out.append(path.relative_to(ROOT))
    return out


def expected_path(case: Path) -> Path:
    return ROOT / f"{case}.expected.json"


@contextmanager
def _at_root() -> Iterator[None]:
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(here)


def run(case: Path) -> tuple[int, Any]:
    """Exit status and parsed JSON output of ``statements parse --json`` on ``case``."""
    from click.testing import CliRunner

    from cashmatch.cli import cli

    args_file = ROOT / f"{case}.args.json"
    extra = json.loads(args_file.read_text(encoding="utf-8")) if args_file.exists() else []
    with _at_root():
        result = CliRunner().invoke(cli, ["statements", "parse", "--json", str(case), *extra],
                                    obj={})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout)


def render(case: Path) -> str:
    """The expected file's text for ``case``, as it is now."""
    status, output = run(case)
    return json.dumps({"exit_status": status, **output}, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write golden expected files on purpose.")
    ap.add_argument("files", nargs="*", type=Path, help="cases to write (default: every case "
                                                        "without an expected file)")
    ap.add_argument("--force", action="store_true", help="overwrite existing expected files")
    args = ap.parse_args(argv)
    chosen = [Path(os.path.relpath(f.resolve(), ROOT)) for f in args.files] or cases()
    for case in chosen:
        target = expected_path(case)
        if target.exists() and not args.force:
            print(f"{target.relative_to(ROOT)}: kept (use --force to overwrite)")
            continue
        target.write_text(render(case), encoding="utf-8")
        print(f"{target.relative_to(ROOT)}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
