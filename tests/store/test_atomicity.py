"""A kill in the middle of an import or a matching run leaves the store as it was.

The command runs in a child process with the store's public fault hook
(``$CASHMATCH_FAULT=kill-before-commit``): it kills itself after its writes, just before the
commit. The child must die of that signal (so the hook really fired), and the store must read
as it did before.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import cashmatch
from cashmatch.store import FAULT_VAR, Store
from tests.conftest import ITEM_HEADER, STATEMENT_HEADER, item, movement, write_csv


@pytest.mark.parametrize("args", [
    ["statements", "import", "{bank}"],
    ["items", "import", "{items}"],
    ["match"],
])
def test_kill_mid_transaction(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "k.duckdb"
    bank = write_csv(tmp_path / "bank.csv", STATEMENT_HEADER,
                     [movement("10.00", "FACT FA-1"), movement("20.00", "FACT FA-2")])
    items = write_csv(tmp_path / "items.csv", ITEM_HEADER, [item("FA-1", "10.00")])
    with Store.open(db) as s:
        if args == ["match"]:
            cashmatch.import_items(s, items)
            cashmatch.import_statements(s, [bank])
        before = _snapshot(s)
    cmd = [sys.executable, "-m", "cashmatch", "--db", str(db),
           *[a.format(bank=bank, items=items) for a in args]]
    done = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, FAULT_VAR: "kill-before-commit"})
    assert done.returncode == -9, done.stderr
    with Store.open(db) as s:
        assert _snapshot(s) == before


def _snapshot(s: Store) -> tuple[object, ...]:
    """What the store holds, read through the library."""
    return (cashmatch.list_movements(s), cashmatch.list_items(s), cashmatch.decision_log(s),
            cashmatch.journal_frame(s).rows(), cashmatch.list_reviews(s))
