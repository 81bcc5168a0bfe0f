import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from cashmatch.errors import StoreError
from cashmatch.store import Store
from cashmatch.store.migrations import LATEST, MIGRATIONS
from tests.conftest import item, movement


def test_new_store_is_migrated(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.duckdb") as s:
        assert s.schema_version() == LATEST
        tables = {r[0] for r in s.rows("SELECT table_name FROM information_schema.tables")}
        assert {"cm_movements", "cm_items", "cm_journal_entries", "cm_decisions"} <= tables
    with Store.open(tmp_path / "a.duckdb") as s:  # reopening is a no-op
        applied = s.rows("SELECT version FROM cm_migrations ORDER BY version")
        assert applied == [(m.version,) for m in MIGRATIONS]


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
        sql = ("INSERT INTO cm_runs (run_id, started_at, engine_version, rules_version, "
               "n_considered, n_auto, n_review, n_unmatched) VALUES (1, now(), 'x', 'y', 0, 0, "
               "0, 0)")
        store.execute(sql)
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


def test_a_store_of_schema_1_is_upgraded_and_its_journal_goes_on(tmp_path: Path, monkeypatch,
                                                                 statements_file,
                                                                 items_file) -> None:
    import cashmatch
    import cashmatch.store as store_module
    from cashmatch.store.migrations import MIGRATIONS

    db = tmp_path / "old.duckdb"
    with monkeypatch.context() as m:
        m.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
        m.setattr(store_module, "LATEST", 1)
        with Store.open(db) as old:
            old.execute("INSERT INTO cm_journal_entries VALUES (1, 'BQ000001', 'BQ', "
                        "DATE '2026-02-10', 'old', 'P', 'EUR', 99, 1, NULL, now())")
            for line in ("(1, 1, '512000', NULL, NULL, 'old', 500, 0, 'EUR', NULL)",
                         "(1, 2, '471000', NULL, NULL, 'old', 0, 500, 'EUR', NULL)"):
                old.execute(f"INSERT INTO cm_journal_lines VALUES {line}")
            old.execute("INSERT INTO cm_items (item_id, kind, account, ref_norm, amount_minor, "
                        "settled_outside_minor, currency, import_id, updated_at) VALUES "
                        "('OLD-1', 'invoice', '411000', 'OLD1', 500, 0, 'EUR', 1, now())")
    with Store.open(db) as store:
        assert store.schema_version() == LATEST
        cashmatch.import_items(store, items_file(item("FA-1", "10.00")), snapshot=True)
        cashmatch.import_statements(store, [statements_file(
            movement("10.00", "FA-1", day="2026-02-03"))])
        assert cashmatch.run_match(store, cashmatch.Rules()).auto == 1
        entries = cashmatch.journal_frame(store).filter(pl.col("line_no") == 1)
        assert entries.select("entry_number", pl.col("entry_date").cast(pl.String)).rows() == [
            ("BQ000001", "2026-02-10"), ("BQ000002", "2026-02-10")]  # after the old one
        assert {i["item_id"]: i["open_amount"] for i in cashmatch.list_items(store)}[
            "OLD-1"] == 0  # an item of the old store is the ERP's: the snapshot closed it
