"""CLI tests: run commands with CliRunner, then check the store through the library."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cashmatch
from cashmatch.cli import cli
from cashmatch.store import Store
from tests.conftest import applied, item, movement

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "cli.duckdb"

    def invoke(*args: str, ok: bool = True) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code != 0, result.output
        return result.output
    invoke.db = db  # type: ignore[attr-defined]
    return invoke


def test_daily_run_review_and_exports(run, statements_file, items_file, tmp_path) -> None:
    items = items_file(item("FA-1", "100.00"), item("FA-2", "250.00"))
    bank = statements_file(movement("100.00", "FACT FA-1", bank_ref="B1"),
                           movement("200.00", "FACT FA-2", bank_ref="B2"),
                           movement("-9.00", "FRAIS", bank_ref="B3"))
    out = run("run", str(bank), "--items", str(items))
    assert "applied automatically:      1" in out and "to review:                  1" in out
    assert "posted by rules:            1" in out  # the bank fee, by rules/default.toml
    assert "3 movement(s) considered: 3 new, 0 back from review" in out
    assert "receipts 100.00 EUR   payments 0.00 EUR" in out
    assert "already known" in run("statements", "import", str(bank))
    listing = json.loads(run("review", "list", "--json"))
    by_movement = {r["movement_id"]: r["review_id"] for r in listing}
    assert listing[0]["amount"] == "200.00"
    assert "FA-2" in run("review", "show", str(by_movement[2]))
    run("review", "accept", str(by_movement[2]), "--user", "carol")
    assert "no review items" in run("review", "list")
    run("export", "matches", "-o", str(tmp_path / "m.json"))
    statuses = [r["status"] for r in json.loads((tmp_path / "m.json").read_text())]
    assert statuses == ["auto", "manual", "posted"]
    run("export", "journal", "-o", str(tmp_path / "j.csv"))
    with Store.open(run.db, read_only=True) as s:
        assert [(d["action"], d["actor"]) for d in cashmatch.decision_log(s)] == [
            ("post", "engine"), ("auto", "engine"), ("accept", "carol")]
        assert cashmatch.journal_frame(s).get_column("entry_number").n_unique() == 3
    assert "decision" in run("explain", "1")


def test_assign_from_the_cli(run, statements_file, items_file) -> None:
    run("items", "import", str(items_file(item("FA-1", "100.00"), item("FA-2", "100.00"))))
    run("statements", "import", str(statements_file(movement("150.00", "deux factures"))))
    run("match")
    out = run("review", "assign", "1", "--item", "FA-1", "--item", "FA-2", "--amount", "100.00",
              "--amount", "50")
    assert "assigned to FA-1, FA-2" in out
    with Store.open(run.db, read_only=True) as s:
        assert applied(s) == {1: {"FA-1": 10000, "FA-2": 5000}}


def test_errors_are_clear_and_store_nothing(run, tmp_path) -> None:
    bad = tmp_path / "items.csv"
    bad.write_text("id,amount,issue_date\nX,1.234,2026-01-01\n")
    out = run("items", "import", str(bad), ok=False)
    assert "line 2, column amount" in out and "nothing imported" in out
    assert "no review item 42" in run("review", "show", "42", ok=False)
    with Store.open(run.db, read_only=True) as s:
        assert cashmatch.list_items(s) == []


def test_parse_prints_json_without_storing(run, statements_file) -> None:
    f = statements_file(movement("12.50", "FACT FA-1", bank_ref="B9", name="X"))
    data = json.loads(run("statements", "parse", str(f), "--json"))
    mv = data["statements"][0]["movements"][0]
    assert mv["amount"] == "12.50" and mv["bank_reference"] == "B9" and data["problems"] == []
    assert not run.db.exists()
    assert "csv" in run("identify", str(f))


def test_demo_runs_on_the_bundled_samples(run, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = run("demo", "--out", str(tmp_path / "demo"))
    assert "applied automatically" in out and (tmp_path / "demo" / "journal.csv").exists()


def test_every_command_has_help() -> None:
    import click

    def walk(cmd: click.Command, path: str) -> None:
        assert cmd.help, f"{path} has no help text"
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}")
    walk(cli, "cashmatch")


def test_python_dash_m_and_fast_help() -> None:
    out = subprocess.run([sys.executable, "-m", "cashmatch", "--help"], capture_output=True,
                         text=True, check=True)
    assert "statements" in out.stdout
    heavy = subprocess.run([sys.executable, "-c", "import cashmatch.cli, sys; "
                            "print(sorted(m for m in ('duckdb', 'polars', 'lxml') if m in sys.modules))"],
                           capture_output=True, text=True, check=True)
    assert heavy.stdout.strip() == "[]"


def test_listings_users_and_four_eyes_from_the_cli(run, statements_file, items_file) -> None:
    items = items_file(item("FA-1", "100.00"), item("FA-2", "80.00", party="C2", name="DEUX"))
    bank = statements_file(movement("100.00", "FACT FA-1", bank_ref="B1"),
                           movement("55.00", "VIREMENT", bank_ref="B2"))
    run("run", str(bank), "--items", str(items))
    assert "FA-2" in run("items", "list", "--open", "--party", "C2")
    assert json.loads(run("items", "list", "--json", "--limit", "1"))[0]["item_id"] == "FA-1"
    assert "1-1 of 2" in run("movements", "list", "--limit", "1")
    assert [m["state"] for m in json.loads(run("movements", "list", "--json"))] == [
        "settled", "review"]
    assert "FA-1" in run("customer", "C1")
    assert json.loads(run("statements", "list", "--json"))[0]["movements"] == 2
    assert "engine" in run("history")
    assert "auto" in run("report", "today")
    (line,) = json.loads(run("review", "list", "--json", "--direction", "in"))
    out = run("review", "writeoff", str(line["review_id"]), "--item", "FA-2", "--reason",
              "agreed", "--user", "fay")
    assert "waits for an approver (request 1" in out
    assert "25.00" in run("review", "approvals")
    assert "four eyes" in run("review", "approve", "1", "--user", "fay", ok=False)
    assert "approved and posted" in run("review", "approve", "1", "--user", "gus")
    assert "no pending write-off requests" in run("review", "approvals")
    result = CliRunner().invoke(cli, ["--db", str(run.db), "users", "add", "rita", "--role",
                                      "reviewer", "--password", "--token"],
                                input="a long password\na long password\n")
    assert result.exit_code == 0 and "personal token (shown once): " in result.output
    assert "rita                 reviewer  password yes token yes active" in run("users", "list")
    run("users", "disable", "rita")
    assert "disabled" in run("users", "list")
    assert "Invalid value for '--role'" in run("users", "add", "x", "--role", "boss", ok=False)
