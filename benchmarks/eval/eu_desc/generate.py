"""European companies in four languages, description-only bank CSV exports.

    python generate.py --seed 1 --out DIR [--lang de|es|it|nl|all] [--movements 600] [--items 3000]

Writes DIR/items.csv, DIR/statements/NN.csv, DIR/mapping.toml, DIR/truth.jsonl for one language
(default de); with --lang all, one complete set in each of DIR/de, DIR/es, DIR/it, DIR/nl.
Standard library only, Decimal amounts, deterministic for a given seed.
"""

import argparse
import os
import random
import sys
from collections import Counter
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import render                      # noqa: E402
import scenarios                   # noqa: E402
from world import World             # noqa: E402

LANGS = ("de", "es", "it", "nl")


def check(world, mvs):
    """Every expected amount has the item's sign and never exceeds what is open; refs unique."""
    problems = []
    by_id = {it.id: it for it in world.items}
    if len(by_id) != len(world.items):
        problems.append("duplicate item ids")
    left = {it.id: it.open0 for it in world.items}
    refs = Counter(mv.bank_ref for mv in mvs)
    problems += [f"bank reference used twice: {r}" for r, n in refs.items() if n > 1]
    for mv in mvs:
        if mv.amount == 0:
            problems.append(f"{mv.bank_ref}: zero amount")
        for iid, v in mv.expected.items():
            it = by_id.get(iid)
            if it is None:
                problems.append(f"{mv.bank_ref}: unknown item {iid}")
                continue
            if (v > 0) != (it.amount > 0) or v == 0:
                problems.append(f"{mv.bank_ref}: sign of {iid}")
            left[iid] -= v
            if (it.amount > 0 and left[iid] < 0) or (it.amount < 0 and left[iid] > 0):
                problems.append(f"{mv.bank_ref}: {iid} settled beyond its open amount")
        if mv.outcome not in ("auto", "review", "none"):
            problems.append(f"{mv.bank_ref}: outcome {mv.outcome}")
        if mv.outcome == "none" and mv.expected:
            problems.append(f"{mv.bank_ref}: outcome none with expected items")
        if mv.outcome == "auto" and not mv.expected:
            problems.append(f"{mv.bank_ref}: auto without items")
    return problems


def generate(lang, seed, out, n_mv, n_items, quiet=False):
    rng = random.Random(f"eu_desc/{lang}/{seed}")
    world = World(lang, rng, n_items).build()
    ctx, failed = scenarios.run(world, rng, n_mv)
    mvs = sorted(ctx.mvs, key=lambda m: m.day)
    render.assign_bank_refs(lang, mvs, rng)
    problems = check(world, mvs)
    if problems:
        raise SystemExit(f"[{lang}] self-check failed:\n  " + "\n  ".join(problems[:30]))
    os.makedirs(out, exist_ok=True)
    render.write_items(os.path.join(out, "items.csv"), world.items)
    render.write_statements(lang, world, mvs, rng, out)
    render.write_truth(os.path.join(out, "truth.jsonl"), mvs)
    if not quiet:
        c = Counter(mv.phenomenon for mv in mvs)
        o = Counter(mv.outcome for mv in mvs)
        print(f"[{lang}] {len(mvs)} movements over {len({m.day for m in mvs})} days, {len(world.items)} open items, "
              f"outcomes {dict(o)} -> {out}")
        if failed:
            print(f"[{lang}] builders replaced by a fallback on the last day: {failed}")
    return world, mvs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lang", default="de", choices=LANGS + ("all",),
                    help="one language world (default de: DIR/items.csv ...) or all four into DIR/de, DIR/es, ...")
    ap.add_argument("--movements", type=int, default=600, help="movements per language (default 600)")
    ap.add_argument("--items", type=int, default=3000, help="open items per language (default 3000)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.movements < 40 or a.items < 300:
        ap.error("use at least 40 movements and 300 items")
    if a.lang == "all":
        for lang in LANGS:
            generate(lang, a.seed, os.path.join(a.out, lang), a.movements, a.items, a.quiet)
    else:
        generate(a.lang, a.seed, a.out, a.movements, a.items, a.quiet)


if __name__ == "__main__":
    main()
