"""MT940/MT942 conformance over the shared corpus (skipped when it is absent).

Expected values come from the manifest (python-mt940 dumps and source tests). python-mt940
merges the tags of a multi-statement file (a later statement's :60F:/:62F: overwrites an
earlier one's), so an expected opening or closing balance must be one of the file's
statements' balances; counts and first amounts are compared as they are.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cashmatch.errors import ParseError
from cashmatch.ingest.parsers import identify, parse_file
from tests.ingest.corpus.manifest import Entry, entries, requires_corpus

#: Library unit-test fragments with neither a movement nor a balance: not statement files.
FRAGMENTS = {
    "mt940_tests__betterplace__currency_in_25.sta", "mt940_tests__betterplace__empty_86.sta",
    "mt940_tests__betterplace__empty_line.sta",
    "mt940_tests__cmxl__account_identification_iban.sta",
    "mt940_tests__cmxl__account_identification_legacy.sta",
    "mt940_tests__cmxl__available_balance.sta", "mt940_tests__cmxl__reference.sta",
    "mt940_tests__cmxl__statement_number.sta", "mt940_tests__self-provided__empty_non_swift.sta",
    "mt940_tests__self-provided__invalid_statement.sta",
}
#: Files a source refuses for reasons of its own, that are valid MT940.
ACCEPTED = {
    "11.0__account_bank_statement_import_mt940_base__test_files__test-wrong-file.940":
        "a valid Rabobank MT940: the source's test feeds it to another bank's importer",
}


#: Expected values that are another library's misreading, with why.
DIVERGENT = {
    ("mt940_tests__self-provided__raphaelm.sta", "close"):
        "':62M:C020315105000,00' has no currency; python-mt940 reads '105' as the currency "
        "and 0.00 as the amount, cashmatch reads 105000.00",
}


@requires_corpus
@pytest.mark.parametrize("entry", entries("mt940"), ids=lambda e: e.id)
def test_mt940_corpus_file(entry: Entry, record_property: pytest.RecordProperty) -> None:
    exp = {k: v for k, v in entry.expected.items() if (entry.id, k) not in DIVERGENT}
    refused = entry.id in FRAGMENTS or ("test_asserts_raises" in exp
                                        and entry.id not in ACCEPTED)
    try:
        if identify(entry.path).format != "mt940":
            raise ParseError(entry.path, "not identified as MT940")  # type: ignore[arg-type]
        _, result = parse_file(entry.path, "mt940")
    except ParseError as exc:
        assert refused, f"refused: {exc}"
        record_property("outcome", "refused")
        return
    assert not refused, "should have been refused"
    movements = result.movements
    if "n_tx" in exp:
        assert len(movements) == int(exp["n_tx"])
    if "first_amt" in exp and movements:
        assert movements[0].amount == Decimal(exp["first_amt"])
    if "open" in exp:
        assert Decimal(exp["open"]) in {s.opening_balance for s in result.statements}
    if "close" in exp:
        assert Decimal(exp["close"]) in {s.closing_balance for s in result.statements}
    record_property("outcome", "parsed")
