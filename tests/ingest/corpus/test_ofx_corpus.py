"""OFX conformance over the shared corpus (skipped when the corpus is absent).

Every file parses, or is refused with a ParseError naming the file and a place in it when it
is genuinely broken (``REFUSED``); files with no bank or card statement parse to zero
statements with a Problem (``NO_STATEMENT``). Movement counts equal the manifest's
``N <STMTTRN>``; amounts, dates, FITIDs, memos and balances equal the beancount dumps beside
five files; the OCA files' opening/closing balances are checked (opening derived as closing
minus the movements, which OFX does not state). The pass rate is in the terminal summary.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.errors import ParseError
from cashmatch.model import ParseResult
from cashmatch.money import is_currency, to_minor
from cashmatch.ingest.parsers import identify, ofx
from tests.ingest.corpus.manifest import Entry, entries, requires_corpus

ENTRIES = entries("ofx")

#: Genuinely broken files: the reason the refusal must give, and why the file is broken.
REFUSED: dict[str, tuple[str, str]] = {
    "tests__fixtures__fail_nice__date_missing.ofx": (
        "the transaction has no DTPOSTED",
        "transactions without DTPOSTED, with an empty one and with 2012-02-31"),
    "tests__fixtures__fail_nice__decimal_error.ofx": (
        "'201120000000' is not a valid date",
        "DTPOSTED with month 20 and TRNAMT '$120'"),
    "14.0__account_statement_import_ofx_by_acctid__tests__test_ofx_file__test_ofx_wrong.ofx": (
        "the transaction has no DTPOSTED",
        "CURDEF, the account and a DTPOSTED/TRNAMT pair are commented out (negative test)"),
    "16.0__account_statement_import_ofx__tests__test_ofx_file__test_ofx_wrong.ofx": (
        "the transaction has no DTPOSTED",
        "CURDEF, the account and a DTPOSTED/TRNAMT pair are commented out (negative test)"),
    "tests__fixtures__ofxdata-banking-xml200.ofx": (
        "unexpected text '*snipped*' after <STMTTRN>",
        "the transaction's content was replaced by the text '*snipped*'"),
    "tests__fixtures__fidelity-savings.ofx": (
        "TRNAMT: 115.8331 has more than 2 decimals for USD",
        "an investment cash line of 115.8331 USD: cashmatch keeps money exact and does not "
        "round (the beancount dump rounds it to 115.83)"),
}

#: Valid OFX with no bank or credit-card statement: zero statements and a Problem.
NO_STATEMENT: dict[str, str] = {
    "tests__fixtures__ofxdata-google.ofx": "investment statement",
    "tests__fixtures__ofxdata-investments-multiple-accounts-xml.ofx": "investment statement",
    "tests__fixtures__ofxdata-investments-oneline-xml.ofx": "investment statement",
    "tests__data__profrs.ofx": "profile response",
    "tests__fixtures__account_listing_aggregation.ofx": "account list",
    "tests__fixtures__bank_small.ofx": "an empty <OFX> element",
    "tests__fixtures__error_message.ofx": "sign-on or status response",
    "tests__fixtures__investment_401k.ofx": "investment statement",
    "tests__fixtures__signon_fail.ofx": "sign-on or status response",
    "tests__fixtures__signon_success.ofx": "sign-on or status response",
    "tests__fixtures__signon_success_no_message.ofx": "sign-on or status response",
    "tests__fixtures__td_ameritrade.ofx": "investment statement",
    "tests__fixtures__tiaacref.ofx": "investment statement",
    "tests__fixtures__vanguard.ofx": "investment statement",
    "tests__fixtures__vanguard401k.ofx": "investment statement",
}

#: Files the manifest flags as possibly malformed (by name) that are valid edge cases.
EDGE_VALID: dict[str, str] = {
    "tests__fixtures__ofxdata-emptyDateTime.ofx":
        "no DTSTART/DTEND, no BANKACCTFROM, no LEDGERBAL: optional data, warned about",
    "tests__fixtures__ofx-v102-empty-tags.ofx":
        "empty CURDEF/FITID/BALAMT leaves; the currency comes from the transaction's CURRENCY",
    "tests__fixtures__signon_fail.ofx":
        "a well-formed sign-on refusal: zero statements and an error Problem",
    "tests__fixtures__fail_nice__empty_balance.ofx":
        "only the LEDGERBAL/AVAILBAL amounts are empty: the transaction is fine, balance warned",
}

#: Investment statements whose cash lines (INVBANKTRAN) are read as movements (issue 20).
INVESTMENT_CASH = {"tests__fixtures__ofxdata-investments-xml.ofx", "tests__data__invstmtrs.ofx",
                   "tests__fixtures__fidelity.ofx", "tests__fixtures__investment_medium.ofx"}

#: Bank/card files whose error STATUS or oddities must show as Problems (substring).
PROBLEMS: dict[str, str] = {
    "tests__fixtures__error_message.ofx": "General Server Error",
    "tests__fixtures__signon_fail.ofx": "refused the sign-on (code 15500",
    "tests__fixtures__ofxdata-bb.ofx":
        "declares CHARSET:1252 but its accented characters are UTF-8",
    "tests__fixtures__fail_nice__empty_balance.ofx": "LEDGERBAL has an empty BALAMT",
    "tests__fixtures__ofx-v102-empty-tags.ofx": "CURDEF is missing or empty",
    "tests__fixtures__ofxdata-emptyDateTime.ofx": "no LEDGERBAL",
}

_BEAN_TXN = re.compile(r'^(\d{4}-\d{2}-\d{2}) \* "', re.M)
_BEAN_POSTING = re.compile(r"^  \S+\s+(-?[\d.]+) ([A-Z]{3})$", re.M)
_BEAN_BALANCE = re.compile(r"^(\d{4}-\d{2}-\d{2}) balance \S+\s+(-?[\d.]+) ([A-Z]{3})$", re.M)
_BEAN_META = re.compile(r'^    (ofx_fitid|ofx_memo|ofx_type): "((?:[^"\\]|\\.)*)"$', re.M)


def beancount(path: Path) -> tuple[list[dict[str, str]], list[tuple[date, Decimal, str]]]:
    """(transactions with date/amount/currency/fitid/memo, balances) of a beancount dump."""
    text = path.read_text(encoding="utf-8")
    txns = []
    for block in re.split(r"\n\n", text):
        m = _BEAN_TXN.search(block)
        if not m:
            continue
        posting = _BEAN_POSTING.search(block)
        assert posting is not None, block
        meta = {k: v.replace('\\"', '"') for k, v in _BEAN_META.findall(block)}
        txns.append({"date": m.group(1), "amount": posting.group(1),
                     "currency": posting.group(2), **meta})
    balances = [(date.fromisoformat(d), Decimal(a), c) for d, a, c in _BEAN_BALANCE.findall(text)]
    return txns, balances


def _expected_balances(entry: Entry) -> dict[str, Decimal]:
    m = re.search(r"expected: open=([-\d.]+), close=([-\d.]+)", entry.notes)
    return {"open": Decimal(m.group(1)), "close": Decimal(m.group(2))} if m else {}


def _stmttrn_count(entry: Entry) -> int | None:
    m = re.search(r"(\d+) <STMTTRN>", entry.notes)
    return int(m.group(1)) if m else None


def _check_invariants(res: ParseResult) -> None:
    for s in res.statements:
        assert s.format.startswith("ofx")
        if s.currency is not None:
            assert is_currency(s.currency)
        for m in s.movements:
            assert is_currency(m.currency)
            to_minor(m.amount, m.currency)
            assert m.status in ("booked", "pending")
            assert m.source.file == s.file and m.source.position
            assert m.remittance == " ".join(m.remittance.split())


@requires_corpus
def test_every_flagged_file_has_a_decision() -> None:
    flagged = {e.id for e in ENTRIES if e.maybe_malformed or "negative test" in e.notes}
    decided = set(REFUSED) | set(EDGE_VALID)
    assert flagged <= decided, flagged - decided
    assert not set(REFUSED) & set(EDGE_VALID)


@requires_corpus
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_ofx_corpus_file(entry: Entry, record_property: pytest.RecordProperty) -> None:
    assert identify(entry.path).format == "ofx"
    if entry.id in REFUSED:
        reason, _why = REFUSED[entry.id]
        with pytest.raises(ParseError) as err:
            ofx.parse(entry.path)
        assert reason in err.value.reason
        assert err.value.location.file == str(entry.path)
        assert err.value.location.line is not None
    else:
        _check_file(entry, ofx.parse(entry.path))
    record_property("outcome", "refused" if entry.id in REFUSED else
                    "no statement" if entry.id in NO_STATEMENT else "parsed")


def _check_file(entry: Entry, res: ParseResult) -> None:
    _check_invariants(res)
    messages = " | ".join(p.message for p in res.problems)
    if entry.id in PROBLEMS:
        assert PROBLEMS[entry.id] in messages
    if entry.id in NO_STATEMENT:
        assert res.statements == []
        assert NO_STATEMENT[entry.id] in messages and "nothing to import" in messages
        return
    assert res.statements
    if entry.id in INVESTMENT_CASH:
        assert all(s.movements and s.closing_balance is None for s in res.statements)
        assert "cash transactions (INVBANKTRAN)" in messages
    count = _stmttrn_count(entry)
    if count is not None:
        assert len(res.movements) == count
    balances = _expected_balances(entry)
    if balances:
        first = res.statements[0]
        assert first.closing_balance == balances["close"]
        assert first.closing_balance - sum(m.amount for m in first.movements) == balances["open"]
    for exp in entry.expected_files:
        if exp.suffix == ".beancount":
            _check_beancount(res, exp)


def _check_beancount(res: ParseResult, expected: Path) -> None:
    """The movements and balances equal the dump's; of an investment statement's dump,
    only the cash lines (``ofx_type: INVBANKTRAN``) are movements and no balance is read."""
    txns, balances = beancount(expected)
    if any(t.get("ofx_type") == "INVBANKTRAN" for t in txns):
        txns, balances = [t for t in txns if t["ofx_type"] == "INVBANKTRAN"], []
    movements = res.movements
    assert len(movements) == len(txns)
    for m, t in zip(movements, txns, strict=True):
        assert m.booking_date.isoformat() == t["date"]
        assert m.amount == Decimal(t["amount"]) and m.currency == t["currency"]
        assert m.bank_reference == t["ofx_fitid"]
        assert m.remittance == " ".join(t["ofx_memo"].split())
    got = [(s.closing_date, s.closing_balance, s.currency) for s in res.statements
           if s.closing_balance is not None]
    assert got == balances
