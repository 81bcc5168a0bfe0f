"""A kill in the middle of an import or a matching run leaves the store as it was."""

import subprocess
import sys
from pathlib import Path

import pytest

from cashmatch.store import Store
from tests.conftest import ITEM_HEADER, STATEMENT_HEADER, item, movement, write_csv

KILLER = """
import os, signal, sys
from pathlib import Path
import cashmatch.{module} as module
owner = getattr(module, "{owner}") if "{owner}" else module
original = getattr(owner, "{attr}")
def killed(*args, **kwargs):
    result = original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # after the writes, before the commit
    return result
setattr(owner, "{attr}", killed)
from cashmatch.cli import cli
cli(sys.argv[1:], obj={{}})
"""


@pytest.mark.parametrize("module, owner, attr, args", [
    ("statements", "", "_store_file", ["statements", "import", "{bank}"]),
    ("items", "Store", "unregister", ["items", "import", "{items}"]),  # after the upsert
    ("journal", "Applier", "flush", ["match"]),
])
def test_kill_mid_transaction(tmp_path: Path, module: str, owner: str, attr: str,
                              args: list[str]) -> None:
    db = tmp_path / "k.duckdb"
    bank = write_csv(tmp_path / "bank.csv", STATEMENT_HEADER,
                     [movement("10.00", "FACT FA-1"), movement("20.00", "FACT FA-2")])
    items = write_csv(tmp_path / "items.csv", ITEM_HEADER, [item("FA-1", "10.00")])
    with Store.open(db) as s:
        if module == "journal":
            from cashmatch.items import import_items
            from cashmatch.statements import import_statements

            import_items(s, items)
            import_statements(s, [bank])
        before = _snapshot(s)
    script = KILLER.format(module=module, owner=owner, attr=attr)
    cmd = [sys.executable, "-c", script, "--db", str(db),
           *[a.format(bank=bank, items=items) for a in args]]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    with Store.open(db) as s:
        assert _snapshot(s) == before


def _snapshot(s: Store) -> dict[str, int]:
    tables = ["cm_movements", "cm_items", "cm_imports", "cm_decisions", "cm_journal_entries",
              "cm_journal_lines", "cm_allocations", "cm_review_items", "cm_runs"]
    return {t: int(s.scalar(f"SELECT count(*) FROM {t}")) for t in tables}
