import subprocess
import sys
import time
from pathlib import Path

import pytest

from cashmatch.errors import StoreError
from cashmatch.store import Store
from cashmatch.store.migrations import LATEST, MIGRATIONS


def test_new_store_is_migrated(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.duckdb") as s:
        assert s.schema_version() == LATEST
        tables = {r[0] for r in s.rows("SELECT table_name FROM information_schema.tables")}
        assert {"cm_movements", "cm_items", "cm_journal_entries", "cm_decisions"} <= tables
    with Store.open(tmp_path / "a.duckdb") as s:  # reopening is a no-op
        assert s.rows("SELECT count(*) FROM cm_migrations") == [(len(MIGRATIONS),)]


def test_newer_store_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.duckdb") as s:
        s.execute("INSERT INTO cm_migrations VALUES (?, 'from the future', now())", [LATEST + 1])
    with pytest.raises(StoreError, match="newer than this cashmatch"):
        Store.open(tmp_path / "a.duckdb")


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "nope" / "a.duckdb")


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("INSERT INTO cm_runs VALUES (1, now(), 'x', 'y', 0, 0, 0, 0)")
        raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM cm_runs") == 0


def test_store_held_by_another_process_gets_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    Store.open(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); "
         "time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        time.sleep(0.2)
        with pytest.raises(StoreError, match="in use by another process"):
            Store.open(db)
    finally:
        holder.kill()
        holder.wait()


def test_working_memory_is_bounded_and_configurable(tmp_path: Path, monkeypatch) -> None:
    with Store.open(tmp_path / "a.duckdb") as s:
        assert s.rows("SELECT current_setting('memory_limit')") == [("1.8 GiB",)]
    monkeypatch.setenv("CASHMATCH_DB_MEMORY", "512MB")
    with Store.open(tmp_path / "a.duckdb") as s:
        assert s.rows("SELECT current_setting('memory_limit')") == [("488.2 MiB",)]
    monkeypatch.setenv("CASHMATCH_DB_MEMORY", "lots")
    with pytest.raises(StoreError, match="CASHMATCH_DB_MEMORY='lots' is not a memory size"):
        Store.open(tmp_path / "a.duckdb")
