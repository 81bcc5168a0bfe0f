"""The reconciliation statement: on a generated month with several banks, statement balance =
ledger balance + not yet posted for every account and every day; a missing statement shows
as a gap; the FEC of the month passes the checker."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from click.testing import CliRunner

import cashmatch
from cashmatch.cli import cli
from cashmatch.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bank_month() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bank_month",
                                                  ROOT / "benchmarks" / "bank_month.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bank_month"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_month_of_three_banks_reconciles_every_day(tmp_path: Path, bank_month) -> None:
    month = bank_month.generate(tmp_path, banks=3, per_day=5, days=6, seed=7)
    with Store.open(tmp_path / "s.duckdb") as store:
        done = bank_month.process(store, month)
        checked = bank_month.check(store, month)
        journal = cashmatch.journal_frame(store)
    assert checked.account_days == 3 * 6 and checked.unequal == []
    assert checked.unposted > 0  # some movements wait for a person at some day's end
    assert checked.fec_problems == []
    assert done.decisions["unmatch"] == 6 and sum(r.posted for r in done.runs) > 0
    _check_journal(journal)


def _check_journal(journal: pl.DataFrame) -> None:
    """Every entry balances; each journal is numbered without a gap, in date order."""
    lines = journal.with_columns(pl.col("debit").cast(pl.Decimal(20, 2)),
                                 pl.col("credit").cast(pl.Decimal(20, 2)))
    entries = lines.group_by("journal", "entry_number", maintain_order=True).agg(
        pl.col("debit").sum(), pl.col("credit").sum(), pl.col("entry_date").first(),
        pl.col("created_at").first())
    assert entries.filter(pl.col("debit") != pl.col("credit")).height == 0
    for (code,), mine in entries.group_by("journal"):
        numbers = sorted(mine.get_column("entry_number").to_list(), key=lambda x: (len(x), x))
        assert numbers == [f"{code}{n:06d}" for n in range(1, len(numbers) + 1)]
        ordered = mine.sort(pl.col("entry_number").str.len_chars(), "entry_number")
        assert ordered.get_column("entry_date").is_sorted()
        assert ordered.get_column("created_at").is_sorted()


def test_a_missing_statement_shows_as_a_gap(tmp_path: Path, bank_month) -> None:
    month = bank_month.generate(tmp_path, banks=2, per_day=3, days=4, seed=3)
    missing = month.days[1]
    lost = [p for p in month.statements[missing] if p.name.startswith("bank2")]
    month.statements[missing] = [p for p in month.statements[missing] if p not in lost]
    rules = cashmatch.load_rules(month.rules)
    with Store.open(tmp_path / "s.duckdb") as store:
        bank_month.process(store, month)
        before = {a["journal"]: a for a in cashmatch.bank_reconciliation(
            store, rules, month.days[0])}
        after = {a["journal"]: a for a in cashmatch.bank_reconciliation(
            store, rules, month.days[-1])}
    assert before["BQ2"]["difference"] == 0 and before["BQ2"]["gaps"] == []
    (gap,) = after["BQ2"]["gaps"]
    assert gap["opening_date"] == month.days[2] and gap["gap"] != 0
    assert after["BQ2"]["difference"] == gap["gap"] and after["BQ2"]["state"] == "gaps"
    assert after["BQ1"]["difference"] == 0 and after["BQ1"]["state"] == "reconciled"


def test_the_demo_reconciles_on_the_command_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    db = str(tmp_path / "s.duckdb")
    samples = ROOT / "sample_statements"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "run", str(samples / "bank_2026-02.csv"),
                               str(samples / "camt053_2026-02-23.xml"), "--items",
                               str(samples / "open_items.csv")]).exit_code == 0
    out = runner.invoke(cli, ["--db", db, "report", "bankrec", "--as-of", "2026-02-28"])
    assert out.exit_code == 0 and "statement = ledger + not yet posted" in out.output
    import json

    (account,) = json.loads(runner.invoke(cli, ["--db", db, "report", "bankrec", "--as-of",
                                                "2026-02-28", "--json"]).output)
    assert Decimal(account["statement_balance"]) == (Decimal(account["ledger_balance"])
                                                     + Decimal(account["unposted_total"]))
    assert [u["review_id"] is not None for u in account["unposted"]] == [True] * 3
    assert account["as_of"] == str(date(2026, 2, 28))
