"""Scale: end-to-end time and peak memory of the CLI for growing volumes.

For each (movements, open items) size: generate an items file and a canonical CSV statement
(a share of payments quote their invoice, some are short, some carry no reference), then time
``cashmatch items import``, ``cashmatch run`` (import + match) as separate processes in a
fresh store, and report wall seconds, peak RSS and movements/s. Also times ``cashmatch
--help``. Not a unit test: run it by hand.

    .venv/bin/python benchmarks/scale.py --sizes 10000:500000 100000:1000000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from foundation_bench import generate  # noqa: E402

CLI = [sys.executable, "-m", "cashmatch"]


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, rusage = os.wait4(proc.pid, 0)[1:]
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, None) or (rusage is None):
        raise RuntimeError(f"{' '.join(args)} failed")
    return elapsed, rusage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["10000:500000"],
                    help="movements:items pairs")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    help_times = []
    for _ in range(5):
        t, _ = timed([*CLI, "--help"])
        help_times.append(t)
    print(f"cashmatch --help: best {min(help_times):.3f} s of 5")
    print(f"{'movements':>9} {'items':>9} {'items import':>13} {'run':>8} {'run MB':>7} "
          f"{'moves/s':>8}")
    for size in args.sizes:
        n_moves, n_items = (int(x) for x in size.split(":"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            items, bank = generate(folder, n_items, n_moves, args.seed)
            db = str(folder / "s.duckdb")
            t_items, _ = timed([*CLI, "--db", db, "items", "import", str(items)])
            t_run, mb = timed([*CLI, "--db", db, "run", str(bank)])
        print(f"{n_moves:>9} {n_items:>9} {t_items:>12.2f}s {t_run:>7.2f}s {mb:>7.0f} "
              f"{n_moves / t_run:>8.0f}")


if __name__ == "__main__":
    main()
