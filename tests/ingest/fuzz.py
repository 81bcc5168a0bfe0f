"""Seeded mutations of statement files, and what a parse of each must give.

A mutation is one of: a byte flipped (replaced by another byte), the file truncated at a
byte, a line duplicated, a line deleted; each is drawn from ``random.Random(seed)`` with the
seed derived from the file's name, the round and the kind, so a failure is replayed by its
seed alone (:func:`mutate`). Every outcome must be a parse or a
:class:`~cashmatch.errors.CashmatchError`: any other exception is a crash.

A truncation must never look like a shorter good statement: when the original parses and
its balances add up, a truncated parse whose figures differ (:func:`figures_changed`) must
report a problem the original did not have, or be refused.
"""

from __future__ import annotations

import hashlib
import json
import random
import traceback
from dataclasses import dataclass
from pathlib import Path

from cashmatch.errors import CashmatchError
from cashmatch.ingest.parsers.csv import CsvMapping, load_mapping
from cashmatch.ingest.statements import ParsedFile, parse_statement_file
from cashmatch.model import Statement

KINDS = ("flip", "truncate", "duplicate", "delete")


@dataclass(frozen=True, slots=True)
class Source:
    """A file to mutate, with the CSV mapping its golden case reads it with (if any)."""

    path: Path
    mapping: CsvMapping | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What parsing one mutated file gave: ``parsed`` or ``refused`` (a CashmatchError),
    or ``crash`` with the traceback; and, for a truncation whose figures changed without a
    new problem, ``unreported``."""

    seed: int
    kind: str
    source: Path
    result: str
    detail: str = ""


def seed_of(path: Path, round_: int, kind: str, base: int) -> int:
    """The seed of one mutation, from the file name (not its folder), round and kind."""
    text = f"{base}|{path.name}|{round_}|{kind}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def mutate(data: bytes, kind: str, seed: int) -> bytes:
    """``data`` with one mutation of ``kind`` drawn from ``seed``."""
    rng = random.Random(seed)
    if not data:
        return data
    if kind == "flip":
        at = rng.randrange(len(data))
        return data[:at] + bytes([(data[at] + rng.randrange(1, 256)) % 256]) + data[at + 1:]
    if kind == "truncate":
        return data[:rng.randrange(len(data))]
    lines = data.splitlines(keepends=True)
    at = rng.randrange(len(lines))
    if kind == "duplicate":
        return b"".join(lines[:at + 1] + lines[at:])
    return b"".join(lines[:at] + lines[at + 1:])


def parse(path: Path, mapping: CsvMapping | None) -> ParsedFile:
    return parse_statement_file(path, None, mapping)


def _figures(st: Statement) -> tuple[object, ...]:
    return (st.account, st.opening_balance, st.closing_balance)


def figures_changed(original: list[Statement], cut: list[Statement]) -> bool:
    """True when the truncated parse ``cut`` shows figures the original does not: a
    statement whose account or balances differ from the original's at the same position,
    a movement amount that differs, or fewer movements in a statement the original closes
    with a balance. (Whole statements or, without a closing balance, whole movements
    missing at the end are not figures that changed: a file cut between two records of a
    format without a trailer cannot tell; nor can the last statement of the cut, when the
    original does not close it with a balance, tell a header field cut short.)"""
    if len(cut) > len(original):
        return True
    for n, (before, after) in enumerate(zip(original, cut, strict=False), start=1):
        amounts = [m.amount for m in after.movements]
        unclosed_end = n == len(cut) and before.closing_balance is None
        if _figures(before) != _figures(after) and not unclosed_end:
            return True
        if amounts != [m.amount for m in before.movements][:len(amounts)]:
            return True
        if before.closing_balance is not None and len(amounts) != len(before.movements):
            return True
    return False


def run_one(source: Source, kind: str, seed: int, folder: Path,
            original: ParsedFile | None) -> Outcome:
    """Mutate ``source`` once, parse it, and judge the outcome."""
    mutated = folder / source.path.name
    mutated.write_bytes(mutate(source.path.read_bytes(), kind, seed))
    try:
        got = parse(mutated, source.mapping)
    except CashmatchError:
        return Outcome(seed, kind, source.path, "refused")
    except Exception:  # noqa: BLE001 - a crash is what this looks for
        return Outcome(seed, kind, source.path, "crash", traceback.format_exc(limit=-3))
    if kind == "truncate" and original is not None and hides_a_cut(got, original):
        return Outcome(seed, kind, source.path, "unreported",
                       f"{len(got.result.movements)} of {len(original.result.movements)} "
                       "movements, no new problem")
    return Outcome(seed, kind, source.path, "parsed")


def hides_a_cut(cut: ParsedFile, original: ParsedFile) -> bool:
    """True when the parse of a truncated file shows other figures than the original's
    and reports no problem (with its place) that the original's parse did not. An original
    whose balances do not add up has no figures to trust: it is not judged."""
    if any(p.message.startswith("balances do not add up") for p in original.result.problems):
        return False
    new = {str(p) for p in cut.result.problems} - {str(p) for p in original.result.problems}
    return not new and figures_changed(original.result.statements, cut.result.statements)


def original_of(source: Source, folder: Path) -> ParsedFile | None:
    """The unmutated file parsed under the same name the mutations get (None if refused)."""
    copy = folder / source.path.name
    copy.write_bytes(source.path.read_bytes())
    try:
        return parse(copy, source.mapping)
    except CashmatchError:
        return None


def golden_sources(data: Path) -> list[Source]:
    """The project's own statement files (``tests/data/<format>/``), with their mappings."""
    out = []
    for path in sorted(data.glob("*/*")):
        if path.name.endswith((".expected.json", ".args.json", ".toml")) or not path.is_file():
            continue
        args_file = path.with_name(path.name + ".args.json")
        args = json.loads(args_file.read_text()) if args_file.exists() else []
        mapping = None
        if "--mapping" in args:
            mapping = load_mapping(data.parents[1] / args[args.index("--mapping") + 1])
        out.append(Source(path, mapping))
    return out
