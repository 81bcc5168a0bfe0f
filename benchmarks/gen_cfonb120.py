"""Write a realistic CFONB 120 file of n movements (one statement per day of 2,000
movements), for benchmarks/parse_bench.py; run it to time the parser on 100k movements.

    .venv/bin/python benchmarks/gen_cfonb120.py 100000
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

POS, NEG = "{ABCDEFGHI", "}JKLMNOPQR"
NAMES = ["DUPONT SARL", "MARTIN ET FILS", "BOULANGERIE LEFEVRE", "GARAGE DU CENTRE",
         "HOTEL DES ALPES", "ACME EUROPE GMBH", "PETIT CONSEIL"]


def _amount(value: Decimal) -> str:
    digits = str(int(abs(value) * 100)).rjust(14, "0")
    return digits[:-1] + (POS if value >= 0 else NEG)[int(digits[-1])]


def _head(code: str, day: date, interb: str = "  ", op: str = "    ") -> str:
    return f"{code}30004{op}00123EUR2 00012345678{interb}{day:%d%m%y}"


def write(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    balance = Decimal("100000.00")
    day = date(2026, 1, 1)
    lines: list[str] = []
    for start in range(0, n, 2000):
        lines.append(_head("01", day) + " " * 50 + _amount(balance) + " " * 16)
        for i in range(start, min(n, start + 2000)):
            amount = Decimal(rng.randint(-50000, 500000)) / 100 or Decimal(1)
            name = rng.choice(NAMES)
            label = f"VIR SEPA RECU /DE {name}"[:31] if amount > 0 else "PRLV SEPA FOURNISSEUR"
            head = _head("04", day, "05", "0568")
            lines.append(head + "  " + f"{day:%d%m%y}" + label.ljust(31) + "  " + f"{i:07d}"
                         + "00" + _amount(amount) + " " * 16)
            body = "05" + head[2:34] + f"{day:%d%m%y}" + " " * 5
            lines.append(body + "NPY" + name.ljust(70) + "  ")
            lines.append(body + "LCC" + f"FACTURE FA-2026-{i:06d} CLIENT {i % 997}".ljust(70)
                          + "  ")
            balance += amount
        lines.append(_head("07", day) + " " * 50 + _amount(balance) + " " * 16)
        day += timedelta(days=1)
    assert all(len(ln) == 120 for ln in lines)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")


if __name__ == "__main__":
    from cashmatch.ingest.parsers.cfonb import parse

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    target = Path("/tmp/bench.cfo")
    write(target, n)
    t = time.perf_counter()
    result = parse(target)
    secs = time.perf_counter() - t
    tracemalloc.start()  # a second pass for memory: tracing slows Python down several times
    parse(target)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    print(f"{len(result.movements)} movements in {secs:.2f} s = "
          f"{len(result.movements) / secs:.0f} movements/s, peak traced {peak:.0f} MiB "
          f"({target.stat().st_size / 2**20:.1f} MiB file)")
