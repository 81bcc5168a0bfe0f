"""The public surface of ``import cashmatch``: explicit, sorted, complete, and lazy."""

import subprocess
import sys

import cashmatch


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert cashmatch.__all__ == sorted(cashmatch.__all__)
    for name in cashmatch.__all__:
        assert getattr(cashmatch, name) is not None, name


def test_unknown_names_fail_clearly() -> None:
    try:
        cashmatch.nothing_here  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "nothing_here" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_is_light() -> None:
    out = subprocess.run([sys.executable, "-c", "import sys, cashmatch; print(sorted(m for m in "
                          "('duckdb', 'polars', 'lxml', 'rapidfuzz') if m in sys.modules))"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_documented_example_runs(tmp_path) -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "sample_statements"
    store = cashmatch.Store.open(tmp_path / "s.duckdb")
    rules = cashmatch.load_rules(None)
    cashmatch.import_items(store, root / "open_items.csv")
    cashmatch.import_statements(store, [root / "bank_2026-02.csv"])
    summary = cashmatch.run_match(store, rules)
    assert summary.auto > 0
    review_id = cashmatch.list_reviews(store)[0]["review_id"]
    assert cashmatch.show_review(store, review_id)["review_id"] == review_id
    n = cashmatch.write(cashmatch.journal_frame(store), tmp_path / "j.csv", "csv")
    assert n > 0
    store.close()
