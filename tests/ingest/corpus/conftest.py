"""The corpus pass rates, reported at the end of the run (a report, not a test).

Each corpus test records what it found with ``record_property("outcome", ...)`` (``parsed``,
``refused``, ``no statement``...); this plugin counts the outcomes of the tests of each
format's module and prints one line per format in pytest's terminal summary.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

#: format -> counts of "pass", "fail" and of each recorded outcome of passing tests
TALLY: defaultdict[str, Counter[str]] = defaultdict(Counter)


def _format_of(nodeid: str) -> str | None:
    """``camt`` for ``tests/ingest/corpus/test_camt_corpus.py::test_...[...]``."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    if module.startswith("test_") and module.endswith("_corpus.py"):
        return module[len("test_"):-len("_corpus.py")]
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    fmt = _format_of(report.nodeid)
    if fmt is None or "[" not in report.nodeid or report.when != "call":
        return
    TALLY[fmt]["pass" if report.passed else "fail"] += 1
    if report.passed:
        for key, value in report.user_properties:
            if key == "outcome":
                TALLY[fmt][str(value)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    terminalreporter.section("statement corpus")
    for fmt, counts in sorted(TALLY.items()):
        total = counts["pass"] + counts["fail"]
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())
                          if k not in ("pass", "fail"))
        terminalreporter.write_line(f"{fmt} corpus: {counts['pass']}/{total} files pass"
                                    + (f" ({kinds})" if kinds else ""))
