"""Matching quality on evaluation sets written outside the engine (see benchmarks/eval/*/).

Each set's generator writes ``items.csv``, ``statements/NN.*`` (with ``mapping.toml`` for a
bank's own CSV export) and ``truth.jsonl`` (the SPEC the sets were written to is
benchmarks/eval/README.md). This script generates a set, imports the items, then imports and
matches each day's statement in turn in a fresh store, and scores the engine's automatic
applications and review suggestions against the truth:

- automatic precision: automatic applications whose items and amounts equal ``expected`` of a
  truth whose ``outcome`` is ``auto`` / all automatic applications;
- non-receipts posted: automatic applications of movements whose truth is ``none``;
- automatic rate: truths ``auto`` and ``identifiable`` applied automatically and rightly;
- review top-3: truths with ``expected`` items that were not applied automatically and whose
  items are the items of one of their first three suggestions;
- a table per phenomenon.

    .venv/bin/python benchmarks/eval/score.py --set fr_b2b --seeds 1 2 3
    .venv/bin/python benchmarks/eval/score.py --set us_gl --seeds 1 --option=--with-counterparty
    .venv/bin/python benchmarks/eval/score.py --set eu_desc --seeds 1 --option=--lang=de
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import cashmatch

HERE = Path(__file__).resolve().parent


@dataclass
class Tally:
    """Counts of one phenomenon (or of a whole set)."""

    movements: int = 0
    auto_truths: int = 0          # outcome auto and identifiable
    auto_right: int = 0           # ...applied automatically, rightly
    posted: int = 0               # automatic applications
    posted_wrong: int = 0
    posted_other_items: int = 0   # ...of which with items the truth does not expect
    posted_nonreceipt: int = 0    # automatic applications of a truth "none"
    reviewable: int = 0           # expected items, not applied automatically
    top3: int = 0
    wrong_examples: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("movements", "auto_truths", "auto_right", "posted", "posted_wrong",
                     "posted_other_items", "posted_nonreceipt", "reviewable", "top3"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wrong_examples += other.wrong_examples


def generate(set_name: str, seed: int, options: list[str], out: Path) -> None:
    cmd = [sys.executable, str(HERE / set_name / "generate.py"), "--seed", str(seed),
           "--out", str(out), *options]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def run_engine(folder: Path, rules: cashmatch.Rules) -> tuple[list[dict], float]:
    """Import and match the set day by day in a fresh store; the matches export and the
    seconds spent in the engine."""
    mapping_file = folder / "mapping.toml"
    mapping = cashmatch.load_mapping(mapping_file) if mapping_file.exists() else None
    start = time.perf_counter()
    with cashmatch.Store.open(folder / "store.duckdb") as store:
        cashmatch.import_items(store, folder / "items.csv")
        for statement in sorted((folder / "statements").iterdir()):
            cashmatch.import_statements(store, [statement], mapping=mapping)
            cashmatch.run_match(store, rules)
        rows = cashmatch.matches_frame(store).to_dicts()
    return rows, time.perf_counter() - start


def score(truths: list[dict], rows: list[dict]) -> dict[str, Tally]:
    by_ref: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_ref[r["bank_reference"]].append(r)
    out: dict[str, Tally] = defaultdict(Tally)
    for truth in truths:
        t = out[truth["phenomenon"]]
        t.movements += 1
        mine = by_ref.get(truth["bank_reference"], [])
        auto = {r["item_id"]: Decimal(r["applied_amount"]) for r in mine
                if r["status"] == "auto"}
        expected = {k: Decimal(v) for k, v in truth["expected"].items()}
        right = bool(auto) and auto == expected and truth["outcome"] == "auto"
        if truth["outcome"] == "auto" and truth["identifiable"]:
            t.auto_truths += 1
            t.auto_right += right
        if auto:
            t.posted += 1
            if not right:
                t.posted_wrong += 1
                t.posted_other_items += auto != expected
                t.posted_nonreceipt += truth["outcome"] == "none"
                t.wrong_examples.append(
                    f"{truth['bank_reference']} {truth['phenomenon']} ({truth['outcome']}): "
                    f"posted {_short(auto)}, expected {_short(expected)}")
        elif expected:
            t.reviewable += 1
            ranks: dict[int, set[str]] = defaultdict(set)
            for r in mine:
                if r["status"] == "suggested" and r["rank"] is not None:
                    ranks[int(r["rank"])].add(r["item_id"])
            t.top3 += any(items == set(expected) for rank, items in ranks.items() if rank <= 3)
    return out


def _short(lines: dict[str, Decimal]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(lines.items())) + "}"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:7.2%}" if whole else "    n/a"


def report(name: str, tallies: dict[str, Tally], seconds: float, examples: int) -> Tally:
    total = Tally()
    for t in tallies.values():
        total.add(t)
    print(f"\n== {name}: {total.movements} movements, engine {seconds:.1f} s")
    print(f"automatic precision {_share(total.posted - total.posted_wrong, total.posted)} "
          f"({total.posted_wrong} wrong of {total.posted}: {total.posted_other_items} with "
          f"other items, {total.posted_wrong - total.posted_other_items} the truth leaves to a "
          f"person); non-receipts posted "
          f"{total.posted_nonreceipt}; automatic rate "
          f"{_share(total.auto_right, total.auto_truths)} of {total.auto_truths}; "
          f"review top-3 {_share(total.top3, total.reviewable)} of {total.reviewable}")
    print(f"{'phenomenon':42} {'moves':>6} {'auto ok':>8} {'of':>5} {'wrong':>6} "
          f"{'top-3':>6} {'of':>5}")
    for ph in sorted(tallies):
        t = tallies[ph]
        print(f"{ph:42} {t.movements:>6} {t.auto_right:>8} {t.auto_truths:>5} "
              f"{t.posted_wrong:>6} {t.top3:>6} {t.reviewable:>5}")
    for line in total.wrong_examples[:examples]:
        print(f"  wrong: {line}")
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", required=True, help="a folder of benchmarks/eval")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--option", action="append", default=[],
                    help="an option for the set's generator (repeatable), e.g. --option=--lang=de")
    ap.add_argument("--rules", type=Path, help="rules file (default: rules/default.toml)")
    ap.add_argument("--examples", type=int, default=20, help="wrong postings to list")
    ap.add_argument("--keep", type=Path, help="keep the generated sets and stores here")
    args = ap.parse_args()
    rules = cashmatch.load_rules(args.rules or cashmatch.default_rules_path())
    options = [o for opt in args.option for o in opt.split("=", 1)]
    grand: dict[str, Tally] = defaultdict(Tally)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for seed in args.seeds:
            folder = base / f"{args.set}-{seed}"
            generate(args.set, seed, options, folder)
            truths = [json.loads(line) for line in
                      (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
            rows, seconds = run_engine(folder, rules)
            tallies = score(truths, rows)
            report(f"{args.set} seed {seed} {' '.join(options)}".strip(), tallies, seconds,
                   args.examples)
            for ph, t in tallies.items():
                grand[ph].add(t)
    if len(args.seeds) > 1:
        report(f"{args.set} seeds {args.seeds} (all)", grand, 0.0, 0)


if __name__ == "__main__":
    main()
