"""Fuzz: seeded mutations of the shared corpus and of the project's own statement files.

Issue 20: every outcome is a parse or a ``CashmatchError`` (no other exception reaches a
user), and a truncation that changes the figures is reported. The run is bounded in time
(``CASHMATCH_FUZZ_SECONDS``, default 45): the files are taken round after round in a fixed
order, each round one mutation of each kind per file, until the time is up; every case is
replayed from its seed (``tests/ingest/fuzz.py``). ``CASHMATCH_FUZZ_BASE`` picks another set
of seeds.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from tests.ingest.corpus.manifest import CORPUS, entries
from tests.ingest.fuzz import (
    KINDS,
    Outcome,
    Source,
    figures_changed,
    golden_sources,
    hides_a_cut,
    original_of,
    parse,
    run_one,
    seed_of,
)

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("CASHMATCH_FUZZ_SECONDS", "45"))
BASE = int(os.environ.get("CASHMATCH_FUZZ_BASE", "0"))


def _sources() -> list[Source]:
    own = golden_sources(ROOT / "tests" / "data")
    own += [Source(p) for p in sorted((ROOT / "sample_statements").glob("*"))
            if p.name != "open_items.csv"]
    corpus = [Source(e.path) for fmt in ("camt", "cfonb", "mt940", "ofx") for e in entries(fmt)]
    return own + corpus


def test_mutated_files_parse_or_are_refused_and_truncations_are_reported(tmp_path: Path) -> None:
    sources = _sources()
    assert len(sources) >= 40, "the project's own files at least"
    originals = {s.path: original_of(s, tmp_path) for s in sources}
    deadline = time.monotonic() + SECONDS
    tally: Counter[str] = Counter()
    failures: list[Outcome] = []
    round_ = 0
    while time.monotonic() < deadline or round_ == 0:
        for source in sources:
            for kind in KINDS:
                seed = seed_of(source.path, round_, kind, BASE)
                outcome = run_one(source, kind, seed, tmp_path, originals[source.path])
                tally[f"{kind} {outcome.result}"] += 1
                if outcome.result in ("crash", "unreported"):
                    failures.append(outcome)
        round_ += 1
    print(f"\nfuzz: {sum(tally.values())} mutations of {len(sources)} files in {round_} "
          f"round(s) (corpus {'present' if CORPUS.exists() else 'absent'}): "
          + ", ".join(f"{k}: {n}" for k, n in sorted(tally.items())))
    assert tally["truncate refused"] and tally["truncate parsed"], tally
    shown = "\n".join(f"{o.result} {o.kind} seed={o.seed} {o.source}: {o.detail}"
                      for o in failures[:10])
    assert not failures, f"{len(failures)} mutated files crashed or hid a truncation:\n{shown}"



def test_the_judge_sees_a_cut_statement(tmp_path: Path) -> None:
    """Not vacuous: a file cut inside its last closing balance has other figures, and is
    judged hidden when its parse reports nothing new; a cut between two statements is not
    a change of figures."""
    whole = tmp_path / "two_days.sta"
    text = (ROOT / "tests/data/mt940/truncated_statement.sta").read_bytes()
    whole.write_bytes(text.split(b":61:2401040104C3")[0] + b":62F:C240104EUR115,00\n-\n")
    original = parse(whole, None)
    assert len(original.result.statements) == 2 and not original.result.problems
    cut = tmp_path / "cut.sta"
    cut.write_bytes(whole.read_bytes()[:-len(b"5,00\n-\n")])  # closing 11 instead of 115
    cut_parse = parse(cut, None)
    assert figures_changed(original.result.statements, cut_parse.result.statements)
    assert not hides_a_cut(cut_parse, original)  # the parse reports it
    silent = replace(cut_parse, result=replace(cut_parse.result, problems=[]))
    assert hides_a_cut(silent, original)
    assert not figures_changed(original.result.statements, original.result.statements[:1])
