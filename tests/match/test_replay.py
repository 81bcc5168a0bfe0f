from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from cashmatch.cli import cli
from cashmatch.config import load_rules
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.match.replay import replay
from cashmatch.match.run import run_match
from tests.conftest import item, movement


def _day(store, rules, statements_file, items_file) -> None:
    import_items(store, items_file(item("FA-1", "100.00"), item("FA-2", "250.00"),
                                   item("FA-3", "80.00")))
    import_statements(store, [statements_file(movement("100.00", "FACT FA-1"),
                                              movement("245.00", "FACT FA-2"),
                                              movement("80.00", "FACT FA-3 "))])
    assert run_match(store, rules).auto == 3


def test_same_rules_same_decisions(store, rules, statements_file, items_file) -> None:
    _day(store, rules, statements_file, items_file)
    # later activity must not disturb the replay of the earlier run
    import_statements(store, [statements_file(movement("12.00", "DIVERS", bank_ref="X"))])
    run_match(store, rules)
    report = replay(store, rules)
    assert (report.runs, report.decisions, report.differences) == (1, 3, [])


def test_stricter_rules_show_what_would_change(store, rules, statements_file, items_file,
                                               tmp_path: Path) -> None:
    _day(store, rules, statements_file, items_file)
    strict = tmp_path / "strict.toml"
    strict.write_text('[tolerances]\nfee_max = "1.00"\ndiscount_max_percent = "1"\n')
    report = replay(store, load_rules(strict))
    (diff,) = report.differences  # 245.00 for 250.00: no longer a fee nor a discount
    assert (diff.movement_id, diff.why) == (2, "would now go to the review queue")
    assert diff.recorded == {"FA-2": Decimal("250.00")} and diff.now is None
    db = store.path
    store.close()
    result = CliRunner().invoke(cli, ["--db", db, "replay", "--rules", str(strict)])
    assert result.exit_code == 1 and "1 would differ" in result.output
