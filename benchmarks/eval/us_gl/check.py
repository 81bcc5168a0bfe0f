#!/usr/bin/env python3
"""Check a generated us_gl set: every statement parses with the mapping, the items import,
truth.jsonl has one line per movement, and no expected amount exceeds what is open.

    python check.py DIR [--cashmatch PATH]     (PATH defaults to cashmatch on $PATH)

Uses only `cashmatch statements parse` and `cashmatch items import` (into a throwaway store).
"""
import argparse
import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal as D


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--cashmatch", default="cashmatch")
    a = ap.parse_args()
    mapping = os.path.join(a.dir, "mapping.toml")
    files = sorted(glob.glob(os.path.join(a.dir, "statements", "*.csv")))
    refs = []
    for f in files:
        out = subprocess.run([a.cashmatch, "statements", "parse", f, "--mapping", mapping, "--json"],
                             capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"{f}: parse failed: {out.stderr}")
        doc = json.loads(out.stdout)
        with open(f, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        mv = [m for s in doc["statements"] for m in s["movements"]]
        if len(mv) != len(rows):
            sys.exit(f"{f}: {len(rows)} rows but {len(mv)} movements parsed")
        for m, r in zip(mv, rows):
            amt = D(r["Credit"].replace(",", "")) if r["Credit"] else -D(r["Debit"].replace(",", ""))
            if D(m["amount"]) != amt or m["bank_reference"] != r["Transaction ID"]:
                sys.exit(f"{f}: {r['Transaction ID']} parsed as {m['amount']} / {m['bank_reference']}")
            if not m["remittance"]:
                sys.exit(f"{f}: {r['Transaction ID']} lost its description")
            if "Counterparty Name" in r and (m["counterparty_name"] or "") != r["Counterparty Name"]:
                sys.exit(f"{f}: {r['Transaction ID']} counterparty not read")
        refs += [m["bank_reference"] for m in mv]
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "x.duckdb")
        out = subprocess.run([a.cashmatch, "--db", db, "items", "import",
                              os.path.join(a.dir, "items.csv")], capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"items import failed: {out.stderr}")
        print(out.stdout.strip())
    items = {}
    with open(os.path.join(a.dir, "items.csv"), newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            items[r["id"]] = D(r["amount"])
    truth = [json.loads(x) for x in open(os.path.join(a.dir, "truth.jsonl"), encoding="utf-8")]
    tref = [t["bank_reference"] for t in truth]
    assert len(set(refs)) == len(refs), "bank references not unique"
    assert sorted(tref) == sorted(refs), "truth.jsonl is not one line per movement"
    used = defaultdict(D)
    for t in truth:
        assert t["outcome"] in ("auto", "review", "none")
        for k, v in t["expected"].items():
            used[k] += D(v)
    for k, v in used.items():
        assert k in items, f"{k} not in items.csv"
        assert (v > 0) == (items[k] > 0) and abs(v) <= abs(items[k]), f"{k}: {v} > open {items[k]}"
    print(f"OK: {len(files)} statement files, {len(refs)} movements, {len(items)} items, "
          f"{len(used)} items expected")


if __name__ == "__main__":
    main()
