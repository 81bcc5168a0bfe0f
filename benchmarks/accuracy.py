"""Matching accuracy on generated cases with ground truth, through the real CLI.

For each seed and language: generate open items and two days of bank movements covering every
phenomenon of `synth_cases.py`, write them as camt.053 statements (or canonical CSV with
``--format csv``) and an items CSV, run ``cashmatch run`` for day 1 then day 2 into a fresh
store, export the matches, and score them against the truth:

- auto rate: movements with a truth applied automatically / movements with a truth;
- auto precision: automatic applications whose items *and* amounts equal the truth;
- false auto on non-receipts: automatic applications of movements that must not be applied;
- review top-3 recall: movements with a truth that were not applied automatically and whose
  truth is among their first three candidates (same items);
- a table per phenomenon, and the precision of each confidence band (calibration): how
  often the best reading of a movement (applied, or first suggestion) was the truth, any
  reading of a movement that must not be applied counting as wrong; from it, the lowest band
  at which a rules file's ``auto_threshold`` keeps 99.9% precision (``--rules`` measures
  another rules file).

    .venv/bin/python benchmarks/accuracy.py --seeds 1 2 3 --langs fr en --cases 600
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import synth_camt  # noqa: E402
from synth_cases import Case, World, build  # noqa: E402

from cashmatch.config import default_rules_path, load_rules  # noqa: E402

ACCOUNT = "FR7630004001230001234567805"
CLI = [sys.executable, "-m", "cashmatch"]
#: The auto precision the matching issue asks for.
TARGET_PRECISION = 0.999


def write_items(world: World, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "kind", "party_id", "party_name", "party_iban", "reference",
                    "issue_date", "due_date", "amount", "currency"])
        for it in world.items:
            w.writerow([it.id, it.kind, it.party_id, it.party_name, it.party_iban, it.reference,
                        it.issue_date, it.due_date, it.amount, "EUR"])


def write_csv_statement(cases: list[Case], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["booking_date", "value_date", "amount", "currency", "description",
                    "counterparty_name", "counterparty_iban", "reference", "bank_reference",
                    "account_iban"])
        for c in cases:
            m = c.movement
            w.writerow([m.booking_date, m.booking_date, m.amount, "EUR",
                        " ".join([*m.ustrd, m.additional]).strip(), m.name, m.iban,
                        m.creditor_ref, m.bank_ref, ACCOUNT])


def run_world(world: World, folder: Path, fmt: str, rules: Path | None = None) -> list[dict]:
    items = folder / "items.csv"
    write_items(world, items)
    db = folder / "store.duckdb"
    for day in (1, 2):
        cases = [c for c in world.cases if c.day == day]
        stmt = folder / f"day{day}.{'xml' if fmt == 'camt' else 'csv'}"
        if fmt == "camt":
            synth_camt.write(stmt, ACCOUNT, [c.movement for c in cases], statement_id=f"D{day}")
        else:
            write_csv_statement(cases, stmt)
        args = [*CLI, "--db", str(db), "run", str(stmt)]
        if day == 1:
            args += ["--items", str(items)]
        if rules is not None:
            args += ["--rules", str(rules)]
        subprocess.run(args, check=True, capture_output=True, text=True)
    out = folder / "matches.json"
    subprocess.run([*CLI, "--db", str(db), "export", "matches", "-o", str(out)], check=True,
                   capture_output=True)
    return json.loads(out.read_text())


def score(world: World, rows: list[dict]) -> dict:
    by_ref: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_ref[r["bank_reference"]].append(r)
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    bands: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in world.cases:
        st = stats[case.phenomenon]
        mine = by_ref.get(case.movement.bank_ref, [])
        auto = {r["item_id"]: Decimal(r["applied_amount"]) for r in mine if r["status"] == "auto"}
        st["movements"] += 1
        ranks: dict[int, set[str]] = defaultdict(set)
        top_conf = None
        for r in mine:
            if r["status"] == "suggested" and r["rank"] is not None:
                ranks[int(r["rank"])].add(r["item_id"])
                if int(r["rank"]) == 1:
                    top_conf = Decimal(r["confidence"])
        if auto:
            top_conf = max(Decimal(r["confidence"] or 0) for r in mine if r["status"] == "auto")
        if case.truth is None:
            st["no_truth"] += 1
            st["false_auto_nonreceipt"] += bool(auto)
            if top_conf is not None:  # any reading of a non-receipt is a wrong one
                _band(bands, top_conf, False)
            continue
        st["with_truth"] += 1
        if auto:
            st["auto"] += 1
            good = auto == case.truth
            st["auto_correct"] += good
            _band(bands, top_conf, good)
            continue
        if top_conf is not None:
            _band(bands, top_conf, ranks[1] == set(case.truth))
        if any(items == set(case.truth) for rank, items in ranks.items() if rank <= 3):
            st["top3"] += 1
    return {"stats": stats, "bands": bands}


def _band(bands: dict[str, list[int]], conf: Decimal, good: bool) -> None:
    """Calibration: the best proposal of each movement (applied or first suggestion) by
    confidence band (tenths below 0.9, hundredths above)."""
    step = 100 if conf >= Decimal("0.9") else 10
    band = f"{(conf * step).to_integral_value(rounding='ROUND_FLOOR') / step:.2f}"
    bands[band][0] += 1
    bands[band][1] += good


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--langs", nargs="+", default=["fr", "en"])
    ap.add_argument("--cases", type=int, default=600)
    ap.add_argument("--format", choices=["camt", "csv"], default="camt")
    ap.add_argument("--rules", type=Path, help="rules file to measure (default: rules/default"
                    ".toml): its bands tell where its auto_threshold can be set")
    args = ap.parse_args()
    total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    bands: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    runs = []
    for seed in args.seeds:
        for lang in args.langs:
            world = build(seed, lang, args.cases)
            with tempfile.TemporaryDirectory() as tmp:
                result = score(world, run_world(world, Path(tmp), args.format, args.rules))
            line = _totals(result["stats"])
            runs.append((seed, lang, line))
            for ph, st in result["stats"].items():
                for k, v in st.items():
                    total[ph][k] += v
            for b, (n, good) in result["bands"].items():
                bands[b][0] += n
                bands[b][1] += good
    print(f"{'seed':>4} {'lang':4} {'moves':>6} {'auto rate':>9} {'precision':>9} "
          f"{'false auto':>10} {'top-3':>7}")
    for seed, lang, t in runs:
        print(f"{seed:>4} {lang:4} {t['movements']:>6} {t['auto_rate']:>9.1%} "
              f"{t['precision']:>9.2%} {t['false_auto']:>10} {_share(t['top3']):>7}")
    t = _totals(total)
    print(f"{'all':>9} {t['movements']:>6} {t['auto_rate']:>9.1%} {t['precision']:>9.2%} "
          f"{t['false_auto']:>10} {_share(t['top3']):>7}")
    print(f"\n{'phenomenon':28} {'moves':>6} {'auto':>6} {'correct':>7} {'top-3':>6} {'false':>6}")
    for ph in sorted(total):
        st = total[ph]
        print(f"{ph:28} {st['movements']:>6} {st['auto']:>6} {st['auto_correct']:>7} "
              f"{st['top3']:>6} {st['false_auto_nonreceipt']:>6}")
    print(f"\n{'confidence band':16} {'best':>6} {'precision':>9} {'at or above':>11}  "
          "(best reading of each movement: applied or first suggestion; any reading of a "
          "non-receipt is wrong)")
    above_n = above_good = 0
    cumulative: dict[str, float] = {}
    for b in sorted(bands, reverse=True):
        n, good = bands[b]
        above_n, above_good = above_n + n, above_good + good
        cumulative[b] = above_good / above_n
    for b in sorted(bands):
        n, good = bands[b]
        print(f"{b:16} {n:>6} {good / n if n else 0:>9.2%} {cumulative[b]:>11.2%}")
    holding = [b for b, share in cumulative.items() if share >= TARGET_PRECISION
               and all(cumulative[c] >= TARGET_PRECISION for c in cumulative if c > b)]
    rules = args.rules or default_rules_path()
    print(f"\nauto_threshold of {rules or 'the built-in rules'}: "
          f"{load_rules(rules).matching.auto_threshold}; lowest band whose best readings, with all bands above "
          f"it, are right >= {TARGET_PRECISION:.1%} of the time: "
          f"{min(holding) if holding else 'none'} (the auto_margin applies as well)")


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _totals(stats: dict[str, dict[str, int]]) -> dict[str, float | None]:
    agg: dict[str, int] = defaultdict(int)
    for st in stats.values():
        for k, v in st.items():
            agg[k] += v
    with_truth = agg["with_truth"] or 1
    autos = agg["auto"] or 1
    not_auto = agg["with_truth"] - agg["auto"]
    wrong_auto = agg["auto"] - agg["auto_correct"]
    return {"movements": agg["movements"], "auto_rate": agg["auto"] / with_truth,
            "precision": agg["auto_correct"] / autos,
            "false_auto": agg["false_auto_nonreceipt"], "wrong_auto": wrong_auto,
            # None when every movement with a truth was applied: nothing to recall
            "top3": agg["top3"] / not_auto if not_auto else None}


if __name__ == "__main__":
    main()
