"""Identity keys never change: a file imported by an earlier version must be known again.

The expected keys were computed by the per-movement implementation that the column-wise
one replaced (``git show 0251653:src/cashmatch/identity.py``): the bundled files' keys in
full (``tests/data/identity_keys.json``), the shared corpus's as a digest per file
(``tests/ingest/corpus/identity_keys.json``, checked when the corpus is beside the project).

Five corpus digests were renewed on purpose with issue 20, where the MT940 parser stopped
losing data that content-hash keys read: every ``:86:`` after a ``:61:`` is kept
(``jejik__rabobank``, ``spec__fixtures__rabobank``, ``two_accounts``), a ``:86:`` line
starting ``:12:11`` is no longer cut (``transaction_details_wrapped``), and ``:25:`` goes
through ``normalize.iban`` (``sepa_snippet_broken``, whose ``:25:`` holds ``:86:`` text).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.ingest.identity import identity_keys
from cashmatch.model import Movement, Reference, Source, Statement
from cashmatch.ingest.parsers import parse_file
from cashmatch.ingest.statements import _movement_frame, read_for_import
from tests.ingest.corpus.manifest import CORPUS

ROOT = Path(__file__).resolve().parents[2]
BUNDLED: dict[str, list[str]] = json.loads((ROOT / "tests/data/identity_keys.json").read_text())
CORPUS_DIGESTS: dict[str, str] = json.loads(
    (ROOT / "tests/ingest/corpus/identity_keys.json").read_text())


def _keys(statements: list[Statement]) -> list[str]:
    return identity_keys(_movement_frame(statements)).to_list()


def test_every_kind_of_key() -> None:
    s = Source("f")
    tax = {"value_date": date(2026, 3, 3), "counterparty_name": "ACME",
           "counterparty_iban": "FR7630006", "remittance": "FACTURE FA-1",
           "bank_tx_code": "PMNT-RCDT-ESCT", "bank_reference": "NONE",
           "references": (Reference("end_to_end", "NOTPROVIDED"), Reference("reference", "FA-1"))}
    movements = (
        # a bank id, and the end-to-end id of one part of a split entry
        Movement(date(2026, 3, 2), Decimal("120.50"), "EUR", s, account="FR76A",
                 bank_reference="AB1", references=(Reference("end_to_end", "E2E-1"),),
                 entry_key="ENTRY-7"),
        # a bank id that identifies nothing: the end-to-end id, amount and date
        Movement(date(2026, 3, 2), Decimal("120.50"), "EUR", s, account="FR76A",
                 bank_reference="nonref", references=(Reference("end_to_end", "E2E-1"),)),
        # neither: the content's hash; the same content twice is numbered
        Movement(date(2026, 3, 2), Decimal("-7.5"), "EUR", s, **tax),  # type: ignore[arg-type]
        Movement(date(2026, 3, 2), Decimal("-7.5"), "EUR", s, **tax),  # type: ignore[arg-type]
        Movement(date(2026, 3, 2), Decimal("120.50"), "EUR", s, account="FR76A",
                 bank_reference="AB1"),
    )
    assert _keys([Statement("f", "test", movements)]) == [
        "bank|FR76A|AB1|E2E-1",
        "e2e|FR76A|E2E-1|120.50|2026-03-02",
        "hash|663490add20e7250a28ab2837b16bcbe",
        "hash|663490add20e7250a28ab2837b16bcbe#2",
        "bank|FR76A|AB1",
    ]


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_the_bundled_files_keep_their_keys(name: str) -> None:
    path = ROOT / name
    assert _keys(parse_file(path)[1].statements) == BUNDLED[name]
    read = read_for_import(path)
    if read.columns is not None:
        assert identity_keys(read.columns).to_list() == BUNDLED[name]


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not beside the project")
def test_the_corpus_files_keep_their_keys() -> None:
    changed = []
    for name, digest in CORPUS_DIGESTS.items():
        keys = _keys(parse_file(CORPUS / name)[1].statements)
        if hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16] != digest:
            changed.append(name)
    assert not changed, f"identity keys changed for {len(changed)} corpus files: {changed[:5]}"
