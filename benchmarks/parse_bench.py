"""Statement parsing speed and memory per format, on generated 100k-movement files.

For each format with a generator (``benchmarks/gen_<module>.py`` exposing ``write(path, n,
seed)``, the camt.053 writer of ``synth_camt.py``, the CSV writer :func:`write_csv` here):
write the file, parse it with cashmatch in a fresh child process and report movements/s and
peak RSS. A CSV file is read twice: by ``parse`` (statements and movements, as ``statements
parse`` shows them) and by the import's ``read_for_import`` (the store's columns). For
camt.053, the same file is also walked by lxml alone (iterparse, nothing extracted: every
element, and only the Ntry elements as the parser asks for them: the practical ceilings) and
parsed by ``bankstatementparser`` when it is installed (it is not a project dependency:
``.venv/bin/pip install bankstatementparser`` to include it).

    .venv/bin/python benchmarks/parse_bench.py --movements 100000
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, path = sys.argv[1], Path(sys.argv[2])
t = time.perf_counter()
if kind == "lxml":
    from lxml import etree
    n = 0
    for _, el in etree.iterparse(str(path), events=("end",)):
        if el.tag.endswith("Ntry"):
            n += 1
        el.clear()
elif kind == "lxml-ntry":
    from lxml import etree
    ns = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.08}"
    n = 0
    for _, el in etree.iterparse(str(path), events=("end",), tag=ns + "Ntry"):
        n += 1
        el.clear()
elif kind == "csv-import":
    from cashmatch.ingest.statements import read_for_import
    n = read_for_import(path).columns.height
elif kind == "bankstatementparser":
    from bankstatementparser import CamtParser
    parser = CamtParser(str(path))
    n = len(parser.get_transactions())
else:
    from cashmatch.ingest.parsers import parser_for
    n = len(parser_for(kind).parse(path).movements)
secs = time.perf_counter() - t
print(json.dumps({"n": n, "secs": secs,
                  "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_camt(path: Path, n: int, seed: int) -> None:
    import synth_camt

    rng = random.Random(seed)
    movements = [synth_camt.SynthMovement(
        date(2026, 3, 1) + timedelta(days=i % 28),
        Decimal(rng.choice([-1, 1, 1, 1]) * rng.randint(100, 2_000_000)) / 100,
        name=f"CLIENT {i % 997} SARL", iban="FR7630004000031234567890143",
        ustrd=[f"FACTURE FA-2026-{i:06d}"], end_to_end=f"E2E{i}", bank_ref=f"B{i:08d}")
        for i in range(n)]
    synth_camt.write(path, "FR7630004001230001234567805", movements)


def write_csv(path: Path, n: int, seed: int) -> None:
    """A canonical cashmatch CSV of ``n`` rows; one in three has no bank reference (its
    identity key hashes the content)."""
    rng = random.Random(seed)
    lines = ["booking_date,value_date,amount,currency,description,counterparty_name,"
             "counterparty_iban,reference,bank_reference,account_iban"]
    for i in range(n):
        day = date(2026, 3, 1) + timedelta(days=i % 28)
        amount = Decimal(rng.choice([-1, 1, 1, 1]) * rng.randint(100, 2_000_000)) / 100
        lines.append(f"{day},{day},{amount},EUR,VIR SEPA RECU /DE CLIENT {i % 997} "
                     f"/MOTIF FACTURE FA-2026-{i:06d},CLIENT {i % 997} SARL,"
                     f"FR76 3000 4000 0312 3456 7890 143,FA-2026-{i:06d},"
                     f"{f'B{i:08d}' if i % 3 else ''},FR7630004001230001234567805")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(kind: str, path: Path) -> dict[str, float] | None:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"  {kind}: {last}", file=sys.stderr)
        return None
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--movements", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        camt = folder / "camt053.xml"
        write_camt(camt, args.movements, args.seed)
        for kind in ("camt", "lxml", "lxml-ntry", "bankstatementparser"):
            res = run(kind, camt)
            label = {"camt": "camt.053 (cashmatch)", "lxml": "camt.053 lxml walk, all elements",
                     "lxml-ntry": "camt.053 lxml walk, Ntry only",
                     "bankstatementparser": "camt.053 bankstatementparser"}[kind]
            rows.append((label, camt.stat().st_size, res))
        csv_path = folder / "bench.csv"
        write_csv(csv_path, args.movements, args.seed)
        for kind, label in (("csv", "csv parse (cashmatch)"),
                            ("csv-import", "csv import read (cashmatch)")):
            rows.append((label, csv_path.stat().st_size, run(kind, csv_path)))
        for module, fmt, suffix in (("gen_mt940", "mt940", "sta"), ("gen_ofx", "ofx", "ofx"),
                                    ("gen_cfonb120", "cfonb120", "cfo")):
            try:
                gen = importlib.import_module(module)
            except ImportError:
                continue
            path = folder / f"bench.{suffix}"
            gen.write(path, args.movements, args.seed)
            rows.append((f"{fmt} (cashmatch)", path.stat().st_size, run(fmt, path)))
    print(f"{'parser':32} {'MB':>6} {'movements':>9} {'seconds':>8} {'mvt/s':>8} {'peak MB':>8}")
    for label, size, res in rows:
        if res is None:
            print(f"{label:32} {size / 1e6:>6.1f}   (not run)")
            continue
        print(f"{label:32} {size / 1e6:>6.1f} {res['n']:>9} {res['secs']:>8.2f} "
              f"{res['n'] / res['secs']:>8.0f} {res['mb']:>8.0f}")


if __name__ == "__main__":
    main()
