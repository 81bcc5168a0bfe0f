"""Write a realistic MT940 file of n movements (German structured :86: with SEPA keywords,
one statement per 2,000 movements), for benchmarks/parse_bench.py; run it to time the parser.

    .venv/bin/python benchmarks/gen_mt940.py 100000
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

NAMES = ["DUPONT SARL", "MARTIN ET FILS", "MUELLER GMBH", "SCHMIDT KG", "ACME EUROPE GMBH"]


def _amount(value: Decimal) -> str:
    return format(abs(value), "f").replace(".", ",")


def write(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    balance = Decimal("100000.00")
    day = date(2026, 1, 1)
    out: list[str] = []
    for start in range(0, n, 2000):
        sign = "C" if balance >= 0 else "D"
        out += [f":20:STMT{start:08d}", ":25:DE89370400440532013000", f":28C:{start // 2000 + 1}",
                f":60F:{sign}{day:%y%m%d}EUR{_amount(balance)}"]
        for i in range(start, min(n, start + 2000)):
            amount = Decimal(rng.randint(-50000, 500000)) / 100 or Decimal(1)
            dc = "C" if amount > 0 else "D"
            name = rng.choice(NAMES)
            out.append(f":61:{day:%y%m%d}{day:%m%d}{dc}{_amount(amount)}NTRFNONREF//B{i:09d}")
            out.append(f":86:166?00SEPA-GUTSCHRIFT?20EREF+E2E{i}?21SVWZ+RECHNUNG FA-2026-{i:06d}"
                       f"?22 KUNDE {i % 997}?30COBADEFFXXX?31DE44500105175407324931?32{name}")
            balance += amount
        sign = "C" if balance >= 0 else "D"
        out += [f":62F:{sign}{day:%y%m%d}EUR{_amount(balance)}", "-"]
        day += timedelta(days=1)
    path.write_text("\r\n".join(out) + "\r\n", encoding="latin-1")


if __name__ == "__main__":
    from cashmatch.ingest.parsers.mt94x import parse

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    target = Path("/tmp/bench.sta")
    write(target, n)
    t = time.perf_counter()
    result = parse(target)
    secs = time.perf_counter() - t
    print(f"{len(result.movements)} movements in {secs:.2f} s = "
          f"{len(result.movements) / secs:.0f} movements/s ({target.stat().st_size / 2**20:.1f} "
          "MiB file)")
