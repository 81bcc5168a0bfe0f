from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.config import Rules, load_rules
from cashmatch.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_rules_state_the_builtin_defaults() -> None:
    shipped = load_rules(ROOT / "rules" / "default.toml")
    assert shipped.ledger == Rules().ledger and shipped.matching == Rules().matching
    assert len(shipped.version) == 12


def test_every_error_is_reported_with_its_key(tmp_path: Path) -> None:
    f = tmp_path / "r.toml"
    f.write_text('[matching]\nauto_threshold = 0.9\nmax_suggestions = 0\ncolour = "red"\n'
                 '[ledgr]\n')
    with pytest.raises(ConfigError) as exc:
        load_rules(f)
    errors = "\n".join(exc.value.errors)
    assert "matching.auto_threshold: write numbers as strings" in errors
    assert "matching.max_suggestions: must be a whole number of at least 1" in errors
    assert "matching.colour: unknown key" in errors
    assert "ledgr: unknown section" in errors


def test_tolerances_are_checked(tmp_path: Path) -> None:
    f = tmp_path / "r.toml"
    f.write_text('[tolerances]\ndiscount_min_percent = "4"\n[weights]\nref_exact = "x"\n')
    with pytest.raises(ConfigError) as exc:
        load_rules(f)
    assert "weights.ref_exact: 'x' is not a number" in str(exc.value)
    f.write_text('[tolerances]\ndiscount_min_percent = "4"\n')
    with pytest.raises(ConfigError, match="must not exceed discount_max_percent"):
        load_rules(f)


def test_version_changes_with_content(tmp_path: Path) -> None:
    f = tmp_path / "r.toml"
    f.write_text('[matching]\nauto_threshold = "0.97"\n')
    a = load_rules(f)
    f.write_text('[matching]\nauto_threshold = "0.98"\n')
    assert a.version != load_rules(f).version
    assert a.matching.auto_threshold == Decimal("0.97")
