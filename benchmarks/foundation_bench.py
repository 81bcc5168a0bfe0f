"""Throughput of the foundation pipeline: items import, statement import, one matching run.

Generates N open items and M movements (canonical CSV; a share of them quote their invoice,
some with the wrong amount, some with no reference; each movement pays its own invoice, as in
a real day, except ``DOUBLE_PAYMENTS`` of them that pay one another movement pays), then times each step through the
library in a fresh store and prints one table. Not a unit test: run it by hand.

    .venv/bin/python benchmarks/foundation_bench.py --items 100000 --movements 10000
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from cashmatch.config import Rules
from cashmatch.ingest.items import import_items
from cashmatch.match.run import run_match
from cashmatch.ingest.statements import import_statements
from cashmatch.store import Store

LABELS = ["VIR SEPA RECU /DE {name} /MOTIF FACTURE {ref}", "Reglement {ref}", "PAIEMENT FACT {ref}",
          "INVOICE {ref} PAYMENT", "VIR {name}", "{ref}"]
#: Share of movements paying an invoice that another movement of the file pays as well.
DOUBLE_PAYMENTS = 0.01


def paid_items(rng: random.Random, n_items: int, n_movements: int) -> list[int]:
    """The invoice each movement pays: distinct invoices while there are enough of them
    (drawing with replacement would pay a third of them twice or more when movements are as
    many as items: no bank day looks like that), then a few paid twice."""
    doubles = int(n_movements * DOUBLE_PAYMENTS)
    distinct = n_movements - doubles
    picks = (rng.sample(range(n_items), distinct) if distinct <= n_items
             else [rng.randrange(n_items) for _ in range(distinct)])
    picks += [rng.choice(picks) for _ in range(doubles)] if picks else []
    rng.shuffle(picks)
    return picks


def generate(folder: Path, n_items: int, n_movements: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    items = folder / "items.csv"
    amounts = []
    with items.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "party_id", "party_name", "issue_date", "due_date", "amount"])
        for i in range(n_items):
            cents = rng.randint(1_000, 5_000_000)
            amounts.append(cents)
            w.writerow([f"FA-2026-{i:07d}", f"C{i % 5000:05d}", f"CLIENT {i % 5000} SAS",
                        "2026-01-01", "2026-02-01", f"{cents // 100}.{cents % 100:02d}"])
    bank = folder / "bank.csv"
    with bank.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["booking_date", "amount", "description", "counterparty_name", "bank_reference"])
        for j, i in enumerate(paid_items(rng, n_items, n_movements)):
            cents = amounts[i] if rng.random() < 0.85 else amounts[i] - rng.randint(1, 500)
            ref = f"FA-2026-{i:07d}" if rng.random() < 0.9 else ""
            text = rng.choice(LABELS).format(name=f"CLIENT {i % 5000}", ref=ref)
            w.writerow(["2026-02-10", f"{cents // 100}.{cents % 100:02d}", text,
                        f"CLIENT {i % 5000} SAS", f"B{j:08d}"])
    return items, bank


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--movements", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        items, bank = generate(folder, args.items, args.movements, args.seed)
        rows = []
        with Store.open(folder / "bench.duckdb") as store:
            t = time.perf_counter()
            import_items(store, items)
            rows.append(("items import", args.items, time.perf_counter() - t))
            t = time.perf_counter()
            import_statements(store, [bank])
            rows.append(("statement import", args.movements, time.perf_counter() - t))
            t = time.perf_counter()
            summary = run_match(store, Rules())
            rows.append(("match run", args.movements, time.perf_counter() - t))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'step':18} {'rows':>9} {'seconds':>8} {'rows/s':>9}")
    for name, n, secs in rows:
        print(f"{name:18} {n:>9} {secs:>8.2f} {n / secs:>9.0f}")
    print(f"auto {summary.auto}, review {summary.review}, unmatched {summary.unmatched}; "
          f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
