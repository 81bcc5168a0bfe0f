"""Markdown table of phenomena x outcome per language from generated sets.

    python summary.py DIR        (DIR holds de/ es/ it/ nl/ sets, or is one set)
"""

import json
import os
import sys
from collections import Counter, defaultdict


def main(d):
    sets = [(x, os.path.join(d, x)) for x in ("de", "es", "it", "nl") if os.path.exists(os.path.join(d, x, "truth.jsonl"))]
    if not sets:
        sets = [(os.path.basename(os.path.abspath(d)), d)]
    table = defaultdict(Counter)
    outcome = {}
    ident = defaultdict(Counter)
    for lang, p in sets:
        for line in open(os.path.join(p, "truth.jsonl"), encoding="utf-8"):
            t = json.loads(line)
            table[t["phenomenon"]][lang] += 1
            outcome.setdefault(t["phenomenon"], Counter())[t["outcome"]] += 1
            ident[lang][(t["outcome"], t["identifiable"])] += 1
    langs = [lang for lang, _ in sets]
    print("| phenomenon | outcome(s) | " + " | ".join(langs) + " |")
    print("|---|---|" + "---|" * len(langs))
    for ph in sorted(table):
        oc = "/".join(f"{k}" for k, _ in outcome[ph].most_common())
        print(f"| {ph} | {oc} | " + " | ".join(str(table[ph][lang]) for lang in langs) + " |")
    print("| **total** | | " + " | ".join(str(sum(table[ph][lang] for ph in table)) for lang in langs) + " |")
    print()
    for lang in langs:
        c = ident[lang]
        print(f"- {lang}: " + ", ".join(f"{o}{'' if i else ' (not identifiable)'} {n}" for (o, i), n in sorted(c.items())))


if __name__ == "__main__":
    main(sys.argv[1])
