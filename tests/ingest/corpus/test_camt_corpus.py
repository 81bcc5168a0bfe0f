"""camt conformance over the shared corpus of real statement files (skipped when absent).

(The other formats have their own corpus tests beside this one.) Every file the manifest
does not call broken must parse; where the manifest states expected
values (statement count, balances, transaction count, first amount) they must match; files
known to be broken must be refused with a ParseError that names the file. The pass rate per
format is printed at the end of the run (``-s`` or the summary of ``-rA``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cashmatch.errors import ParseError
from cashmatch.ingest.parsers import identify, parse_file
from tests.ingest.corpus.manifest import Entry, entries, requires_corpus

FORMATS = {"camt": "camt"}

#: Files refused on purpose, with the reason (the manifest's word, checked against content).
BROKEN = {
    "pr213__account_bank_statement_import_camt_oca__test_files__test-camt053-more-than-one-xml":
        "two XML documents glued together",
    "pr426__account_statement_import_camt__test_files__test-camt053-wrong-amount":
        "an entry without an amount (the source expects an error)",
    "test__data__camt053.v2.wrong.xml": "no statement in the document",
    "src__test__resources__org__kapott__hbci4java__sepa__test-camt-parse-invalid.xml":
        "deliberately invalid XML (no report)",
    "src__test__resources__org__kapott__hbci4java__sepa__test-camt-parse-none.xml":
        "an empty document (negative test)",
    "src__test__resources__org__kapott__hbci4java__sepa__test-camt-parse-5200108-invalid-saldo.xml":
        "a balance with 13 decimals",
}


#: Files whose source refuses them for a limitation of its own, not because they are broken.
ACCEPTED = {
    "pr231__account_bank_statement_import_camt_oca__test_files__test-camt053-multiple-accounts.zip":
        "the source refuses several accounts in one upload; cashmatch reads each account",
}

#: Expected values that follow another library's reading of an inconsistent synthetic file.
DIVERGENT = {
    ("test__data__camt053.v2.all-balance-types.xml", "opening_minor"):
        "the file has OPBD 1.01 and PRCD 2.02; the source reads PRCD, cashmatch the opening "
        "booked balance OPBD",
}


def _cases() -> list[Entry]:
    out = []
    for fmt in FORMATS:
        if _parser_exists(FORMATS[fmt]):
            out.extend(entries(fmt))
    return out


def _parser_exists(name: str) -> bool:
    from cashmatch.ingest.parsers import parsers

    return any(p.FORMAT == name for p in parsers())


@requires_corpus
@pytest.mark.parametrize("entry", _cases(), ids=lambda e: f"{e.format}:{e.id}")
def test_corpus_file(entry: Entry, record_property: pytest.RecordProperty) -> None:
    exp = {k: v for k, v in entry.expected.items() if (entry.id, k) not in DIVERGENT}
    broken = entry.id in BROKEN or ("test_asserts_raises" in exp and entry.id not in ACCEPTED)
    try:
        ident = identify(entry.path)
        assert ident.format == FORMATS[entry.format] or broken, ident.reason
        _, result = parse_file(entry.path, FORMATS[entry.format])
    except ParseError as exc:
        assert broken, f"refused: {exc}"
        assert str(entry.path.name)[:20] in str(exc)
        record_property("outcome", "refused")
        return
    assert not broken, f"{entry.id} should have been refused: {BROKEN.get(entry.id)}"
    statements = result.statements
    movements = result.movements
    # n_stmt / n_tx / open / close / first_amt come from sources that count statements with
    # movements only (an empty statement is not imported there) over the whole file
    if "n_stmt" in exp:
        assert len([s for s in statements if s.movements]) == int(exp["n_stmt"])
    if "n_tx" in exp:
        assert len(movements) == int(exp["n_tx"])
    if "first_amt" in exp and movements:
        assert movements[0].amount == Decimal(exp["first_amt"])
    if statements:
        first, last = statements[0], statements[-1]
        if "open" in exp and first.opening_balance is not None:
            assert first.opening_balance == Decimal(exp["open"])
        if "close" in exp and last.closing_balance is not None:
            assert last.closing_balance == Decimal(exp["close"])
        # n_entries / first_amt_minor / opening_minor / closing_minor describe the last
        # statement of the file, its entries (a batch counts once) and balances in minor units
        entries_of_last = {m.entry_key or m.source.position for m in last.movements}
        if "n_entries" in exp:
            assert len(entries_of_last) == int(exp["n_entries"])
        if "first_amt_minor" in exp and last.movements:
            value = exp["first_amt_minor"].split()[0]
            first_entry = last.movements[0].entry_key
            amount = sum((m.amount for m in last.movements
                          if first_entry is not None and m.entry_key == first_entry),
                         Decimal(0)) if first_entry else last.movements[0].amount
            assert amount * 100 == Decimal(value)
        if "opening_minor" in exp:
            assert last.opening_balance is not None
            assert last.opening_balance * 100 == Decimal(exp["opening_minor"])
        if "closing_minor" in exp:
            assert last.closing_balance is not None
            assert last.closing_balance * 100 == Decimal(exp["closing_minor"])
    record_property("outcome", "parsed")
