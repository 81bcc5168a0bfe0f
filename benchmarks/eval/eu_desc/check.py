"""Check a generated set with the two reading commands the SPEC allows, plus the truth's own rules.

    python check.py DIR [--cashmatch /work/baseline/.venv/bin/cashmatch]

DIR is one language set (items.csv, statements/, mapping.toml, truth.jsonl) or a folder of them.
Checks: every statement file parses with the mapping and without problems; the bank references parsed
are exactly the truth's (one truth line per movement, same amounts as the truth's movements
imply); every expected item exists, has the item's sign and is never settled beyond its open
amount; the items file imports (a copy without discount_until / discount_rate, which the baseline
refuses).
"""

import argparse
import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal


def check_set(d, exe):
    errs = []
    items = {r["id"]: r for r in csv.DictReader(open(os.path.join(d, "items.csv"), encoding="utf-8"))}
    parsed = {}
    for f in sorted(glob.glob(os.path.join(d, "statements", "*"))):
        p = subprocess.run([exe, "statements", "parse", f, "--mapping", os.path.join(d, "mapping.toml"), "--json"],
                           capture_output=True, text=True)
        if p.returncode:
            errs.append(f"{f}: parse failed: {p.stderr[-300:]}")
            continue
        out = json.loads(p.stdout)
        if out.get("problems"):
            errs.append(f"{f}: problems {out['problems'][:3]}")
        for s in out["statements"]:
            for m in s["movements"]:
                if m["bank_reference"] in parsed:
                    errs.append(f"duplicate bank reference {m['bank_reference']}")
                parsed[m["bank_reference"]] = m
    truth = [json.loads(line) for line in open(os.path.join(d, "truth.jsonl"), encoding="utf-8")]
    refs = [t["bank_reference"] for t in truth]
    if len(set(refs)) != len(refs):
        errs.append("truth has duplicate bank references")
    if set(refs) != set(parsed):
        errs.append(f"truth/statement mismatch: {len(set(refs) - set(parsed))} only in truth, "
                    f"{len(set(parsed) - set(refs))} only in statements")
    left = {}
    for iid, r in items.items():
        left[iid] = Decimal(r["open_amount"] or r["amount"])
    for t in truth:
        if t["outcome"] not in ("auto", "review", "none"):
            errs.append(f"{t['bank_reference']}: bad outcome")
        for iid, v in t["expected"].items():
            if iid not in items:
                errs.append(f"{t['bank_reference']}: unknown item {iid}")
                continue
            v = Decimal(v)
            amt = Decimal(items[iid]["amount"])
            if (v > 0) != (amt > 0):
                errs.append(f"{t['bank_reference']}: sign of {iid}")
            left[iid] -= v
            if (amt > 0 and left[iid] < 0) or (amt < 0 and left[iid] > 0):
                errs.append(f"{t['bank_reference']}: {iid} settled beyond its open amount")
    # items import on a copy without the discount columns
    with tempfile.TemporaryDirectory() as tmp:
        cp = os.path.join(tmp, "items.csv")
        with open(os.path.join(d, "items.csv"), encoding="utf-8") as fi, open(cp, "w", encoding="utf-8",
                                                                            newline="") as fo:
            rd = csv.DictReader(fi)
            cols = [c for c in rd.fieldnames if c not in ("discount_until", "discount_rate")]
            w = csv.DictWriter(fo, cols, extrasaction="ignore")
            w.writeheader()
            for row in rd:
                w.writerow(row)
        db = os.path.join(tmp, "x.duckdb")
        p = subprocess.run([exe, "--db", db, "items", "import", cp], capture_output=True, text=True)
        if p.returncode:
            errs.append(f"items import failed: {p.stderr[-300:]}")
        imported = p.stdout.strip()
    print(f"{d}: {len(parsed)} movements parsed, {len(truth)} truth lines, {len(items)} items; {imported}")
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--cashmatch", default="/work/baseline/.venv/bin/cashmatch")
    a = ap.parse_args()
    sets = [a.dir] if os.path.exists(os.path.join(a.dir, "truth.jsonl")) else \
        sorted(os.path.dirname(p) for p in glob.glob(os.path.join(a.dir, "*", "truth.jsonl")))
    bad = 0
    for d in sets:
        errs = check_set(d, a.cashmatch)
        for e in errs[:20]:
            print("  ERROR", e)
        bad += len(errs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
