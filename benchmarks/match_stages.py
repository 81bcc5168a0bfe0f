"""Where a matching run spends its time and memory, stage by stage.

Generates the scale benchmark's files (:func:`foundation_bench.generate`), imports the items
into a fresh store, then imports the statement and runs the match in this process with each
stage's function wrapped: calls, total seconds and the largest resident memory seen when one
returns. Stages nest (``_scores`` holds ``Workspace.pairs`` and ``score``; ``plan`` holds the
batches, ``rank`` and ``decide``; ``_record`` holds ``journal.post`` and ``review.requeue``), so
the seconds do not add up. Not a unit test: run it by hand to decide what to make faster.

    .venv/bin/python benchmarks/match_stages.py --movements 1000000 --items 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from foundation_bench import generate  # noqa: E402

SECONDS: dict[str, float] = {}
CALLS: dict[str, int] = {}
PEAK_MB: dict[str, int] = {}


def rss_mb() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 // 2**20


def timed(owner: Any, name: str, label: str | None = None) -> None:
    """Replace ``owner.name`` by a wrapper that accounts its calls under ``label``."""
    inner: Callable[..., Any] = getattr(owner, name)
    key = label or name

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SECONDS[key] = SECONDS.get(key, 0.0) + time.perf_counter() - start
            CALLS[key] = CALLS.get(key, 0) + 1
            PEAK_MB[key] = max(PEAK_MB.get(key, 0), rss_mb())

    setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--movements", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from cashmatch.config import default_rules_path, load_rules
    from cashmatch.ingest.items import import_items
    from cashmatch.ingest.statements import import_statements
    from cashmatch.ledger import journal, review
    from cashmatch.match import run as matching
    from cashmatch.match.workspace import Workspace
    from cashmatch.store import Store

    for name in ("plan", "score", "rank", "decide", "_scores", "postings", "learn_payers",
                 "_record"):
        timed(matching, name)
    timed(Workspace, "pairs", "workspace.pairs (candidates)")
    timed(journal, "post", "journal.post")
    timed(review, "requeue", "review.requeue")
    timed(Store, "frame", "frame (DuckDB to polars)")
    rules = load_rules(default_rules_path())
    with tempfile.TemporaryDirectory() as tmp:
        items, bank = generate(Path(tmp), args.items, args.movements, args.seed)
        with Store.open(Path(tmp) / "s.duckdb") as store:
            import_items(store, items)
            for table in (SECONDS, CALLS, PEAK_MB):
                table.clear()
            start = time.perf_counter()
            import_statements(store, [bank])
            SECONDS["import_statements"] = time.perf_counter() - start
            PEAK_MB["import_statements"] = rss_mb()
            start = time.perf_counter()
            summary = matching.run_match(store, rules)
            SECONDS["run_match"] = time.perf_counter() - start
            PEAK_MB["run_match"] = rss_mb()
    print(f"{args.movements} movements against {args.items} open items: {summary.auto} auto, "
          f"{summary.review} review, {summary.unmatched} unmatched")
    print(f"{'stage':<26} {'calls':>6} {'seconds':>9} {'MB':>7}")
    for key, seconds in sorted(SECONDS.items(), key=lambda kv: -kv[1]):
        print(f"{key:<26} {CALLS.get(key, 1):>6} {seconds:>9.2f} {PEAK_MB.get(key, 0):>7}")


if __name__ == "__main__":
    main()
