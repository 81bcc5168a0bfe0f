"""The hand-written cases (``handwritten/cases``, written from issue 19 by someone who had not
read the engine): each runs alone through import, memory and a run, and is judged against its
truth (:mod:`tests.match.handwritten.runner`). The cases the engine misses today are listed
in ``handwritten/known_misses.toml`` and expected to fail, strictly: a fix shows as a pass to
take off the list, a regression as a failure."""

import tomllib
from pathlib import Path

import pytest

from tests.match.handwritten.runner import HERE, load_cases, run_case

CASES = load_cases()
MISSES = {m["case"]: m for m in tomllib.loads(
    (HERE / "known_misses.toml").read_text(encoding="utf-8"))["miss"]}


def _param(case):  # type: ignore[no-untyped-def]
    miss = MISSES.get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=f"known miss: engine {miss['engine']}")
             ] if miss else []
    return pytest.param(case, id=case.id, marks=marks)


def test_the_set_is_whole() -> None:
    assert len(CASES) >= 200
    assert len({c.id for c in CASES}) == len(CASES)
    assert set(MISSES) <= {c.id for c in CASES}, "a known miss names no case"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    verdict = run_case(case, tmp_path)
    assert verdict.passed, verdict.detail
