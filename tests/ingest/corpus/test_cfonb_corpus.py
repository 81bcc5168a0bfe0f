"""CFONB 120 conformance over the shared corpus (skipped when it is absent).

The corpus has no expected dumps for CFONB: every valid file must parse with each block's
balances adding up (01 + Σ 04 = 07) and the record counts of the manifest; every file a
source uses as a negative test must be refused with a ParseError naming the file and line.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from cashmatch.errors import ParseError
from cashmatch.ingest.parsers import identify, parse_file
from tests.ingest.corpus.manifest import Entry, entries, requires_corpus

#: Refused on purpose, with why (the manifest's words checked against the content).
REFUSED = {
    "pr138__account_bank_statement_import_fr_cfonb__tests__test_cfonb_bad_decimal.txt":
        "3 decimals declared for EUR",
    "pr138__account_bank_statement_import_fr_cfonb__tests__test_cfonb_bad_lenght.txt":
        "a record of 119 characters",
    "pr138__account_bank_statement_import_fr_cfonb__tests__test_cfonb_iban_diff_04.txt":
        "a 04 of another account than its 01",
    "pr138__account_bank_statement_import_fr_cfonb__tests__test_cfonb_iban_diff_07.txt":
        "a 07 of another account than its 01",
    "pr138__account_bank_statement_import_fr_cfonb__tests__test_cfonb_inv_04_05.txt":
        "a 05 before its 04",
    "pr138__account_bank_statement_import_fr_cfonb__tests__test_cfonb_other_file.txt":
        "not a CFONB file",
    "spec__files__end_of_statement_without_beginning.txt": "a 07 with no 01",
    "spec__files__invalid_date.txt": "a record of 116 characters with a blank date",
    "spec__files__new_statement_without_previous_ended.txt": "a 01 before the 07",
    "spec__files__operation_detail_without_operation.txt": "a 05 with no 04",
    "spec__files__operation_out_of_statement.txt": "a 04 after the 07",
    "spec__files__operation_unstarted.txt": "05 records only",
}
#: Read with a warning (the problem's words), with why.
WARNED = {
    "spec__files__example.txt": (
        "bank code 15489 differs from the statement's 15589",
        "line 19 is a 04 of bank 15489 inside a statement of bank 15589, same branch and "
        "account: read as the statement's (issue 20), its 8 statements add up"),
}
#: Parsed, but the balances in the file do not add up (reported as a problem at import).
BALANCES_OFF = {
    "cfonb__tests__bank_statement.cfo":
        "synthetic fixture: opening 0.08, movements -10,000.00, closing 11,871.14",
}
#: Valid on purpose although a source uses them as negative tests, with why.
VALID = {
    "pr138__account_bank_statement_import_fr_cfonb__tests__test_cfonb_empty_line.txt":
        "a blank line between records is tolerated (REFERENCE.md §1.6)",
    "spec__files__operation_already_defined.txt":
        "an operations extract (04/05 only) with two operations; the source's error is about "
        "its single-operation parser",
}


def _cases() -> list[Entry]:
    return entries("cfonb")


@requires_corpus
@pytest.mark.parametrize("entry", _cases(), ids=lambda e: e.id)
def test_cfonb_corpus_file(entry: Entry, record_property: pytest.RecordProperty) -> None:
    refused = entry.id in REFUSED
    try:
        if identify(entry.path).format != "cfonb120":
            raise ParseError(entry.path, "not identified as CFONB 120")  # type: ignore[arg-type]
        _, result = parse_file(entry.path, "cfonb120")
    except ParseError as exc:
        assert refused, f"refused: {exc}"
        record_property("outcome", "refused")
        return
    assert not refused, f"should have been refused: {REFUSED.get(entry.id)}"
    counts = dict(re.findall(r"(0[1457]):(\d+)", entry.notes))
    if "04" in counts:
        assert len(result.movements) == int(counts["04"])
    if "01" in counts:
        assert len(result.statements) == int(counts["01"])
    for st in result.statements:
        if entry.id in BALANCES_OFF:
            break
        if st.opening_balance is not None and st.closing_balance is not None:
            total = sum((m.amount for m in st.movements), Decimal(0))
            assert st.opening_balance + total == st.closing_balance, st.account
    if entry.id in WARNED:
        assert WARNED[entry.id][0] in " | ".join(p.message for p in result.problems)
    record_property("outcome", "parsed")
