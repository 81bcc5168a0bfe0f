"""CFONB 120: the French banks' fixed-width statement ("relevé de compte 120 caractères").

Records of 120 characters (REFERENCE.md §1): ``01`` opening balance, ``04`` movement, ``05``
details of the movement before it (a qualifier and 70 characters), ``07`` closing balance.
A file holds any number of statements, one per ``01 … 07`` block (an account, a day).

- Line breaks: CRLF, LF, CR or none at all (the whole file one line, cut every 120
  characters as it is read, after checking it is a whole number of records); blank lines
  are tolerated. A record of another length is refused with its line number. The file is
  read as it streams by, never whole, and errors are reported in file order.
- Text is Latin-1 (some banks send accents); a file that is valid UTF-8 is read as UTF-8.
- Amounts: 14 characters, the last one overpunched with the sign (``{ A…I`` positive 0–9,
  ``} J…R`` negative 0–9), with the number of decimals of position 20, which must agree
  with the currency (blank: the currency's own; currency blank on 01/07: the block's, else
  EUR). Dates ``JJMMAA`` (YY > 60 → 19YY).
- ``05`` qualifiers: LIB (labels, joined), LCC/LC2 (remittance cut at 70 characters, joined
  without a space), LCS (structured remittance, an RF reference → ``creditor_ref``), NPY/IPY
  (payer: the counterparty of a credit), NBE/IBE (beneficiary: of a debit), NPO/NBU
  (ultimate parties), RCN (client reference → ``end_to_end`` unless NOTPROVIDED, then the
  purpose), REF (the bank's reference → ``bank_reference``), MMO (original amount →
  instructed amount), FEE (fees → charges). Unknown qualifiers stay in the text, reported once.
- Grammar (as pennylane-hq/cfonb checks it): a ``01`` while a block is open, a ``04``/``07``
  outside a block, a ``05`` before any ``04`` of its block, an account that changes inside a
  block, or an unknown record code are refused with the line. A file made only of ``04``/``05``
  records (an operations extract) is read as one statement without balances, with a problem.

The ``04`` entry number is not unique: a movement's identity comes from its content
(``cashmatch.ingest.identity``) unless a ``REF`` detail gives the bank's reference.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

from cashmatch.errors import Location, ParseError, Problem
from cashmatch.model import Movement, ParseResult, Reference, Source, Statement
from cashmatch.money import exponent, is_currency

FORMAT = "cfonb120"
PRIORITY = 40

_POS = {c: i for i, c in enumerate("{ABCDEFGHI")}
_NEG = {c: i for i, c in enumerate("}JKLMNOPQR")}
_RECORD = re.compile(rb"^(01|04|05|07)\d{5}")


def identify(head: bytes, path: Path) -> str | None:
    """Claims text whose first record is a CFONB 120 record of 120 characters."""
    text = head.lstrip(b"\xef\xbb\xbf")
    lines = [ln for ln in text.replace(b"\r", b"").split(b"\n") if ln.strip()]
    if not lines or not _RECORD.match(lines[0]):
        return None
    first = lines[0]
    whole = b"".join(lines)
    if len(first) == 120 or (len(lines) == 1 and len(whole) >= 120 and whole[120:122] in
                             (b"01", b"04", b"05", b"07")):
        return f"CFONB 120 record {first[:2].decode()} of 120 characters"
    return None


class _NotUtf8(Exception):
    """The file is not UTF-8: it is read again as Latin-1."""


def _records(name: str, fh: IO[bytes], encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, record) pairs read as the file streams by; lines are physical lines, or
    record numbers for a file without line breaks (its one line cut every 120 characters)."""
    text = io.TextIOWrapper(fh, encoding=encoding, errors="strict", newline=None)
    try:
        n = 0
        while True:  # blank lines before the first record
            first = text.readline(121)
            if first.startswith("\ufeff") and not first.endswith("\n"):
                first += text.readline(1)  # the byte-order mark is not a character of it
            n += 1
            if not first or first.strip("\ufeff \t\n"):
                break
        first = first.lstrip("\ufeff")
        if len(first) > 120 and not first.endswith("\n"):  # no line breaks
            _check_unbroken_length(name, n, first, text)
            raw = text.detach()
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline=None)
            head = text.read(1).lstrip("\ufeff")
            while not head.strip():
                head = text.read(1)
            yield from _unbroken(name, n, head, text)
            return
        for line in itertools.chain([first], text):
            line = line.rstrip("\n")
            if line.strip():
                yield n, _record(name, n, line)
            n += 1
    except UnicodeDecodeError as exc:
        raise _NotUtf8 from exc


def _record(name: str, n: int, line: str) -> str:
    if len(line) != 120:
        padded = line.rstrip()
        if len(line) < 120 and line == padded and len(line) >= 104:
            return line.ljust(120)  # some banks trim the trailing blanks of a record
        raise ParseError(Location(name, n), f"a CFONB 120 record has {len(line)} characters "
                                            "instead of 120")
    return line


def _check_unbroken_length(name: str, line_no: int, head: str, text: IO[str]) -> None:
    """A file without line breaks must be a whole number of records: counted before any is
    read, so that a cut file is refused for what it is."""
    total = len(head)
    tail = ""
    while chunk := text.read(1 << 16):
        total += len(chunk)
        tail = chunk[-2:]
    total -= len(tail) - len(tail.rstrip("\n"))
    if total % 120:
        raise ParseError(Location(name, line_no), f"the file is one line of {total} characters, "
                                                  "not a multiple of 120: records cannot be "
                                                  "told apart")


def _unbroken(name: str, line_no: int, head: str, text: IO[str]) -> Iterator[tuple[int, str]]:
    """Records of a file that is one line, cut every 120 characters as it is read (its length
    was checked first: only trailing line breaks can be left over)."""
    buffer = head
    number = 0
    while chunk := text.read(120 * 512):
        buffer += chunk
        cut = len(buffer) - len(buffer) % 120
        for i in range(0, cut, 120):
            number += 1
            record = buffer[i:i + 120]
            if "\n" in record:
                raise ParseError(Location(name, line_no), "a CFONB 120 record is longer than "
                                                          "120 characters")
            yield number, record
        buffer = buffer[cut:]


def _digits(text: str) -> bool:
    """True for ASCII digits only: ``str.isdigit`` also takes superscripts (Latin-1 ``²``,
    ``³``, ``¹``), which ``int`` and ``Decimal`` then refuse."""
    return text.isascii() and text.isdigit()


def _amount(zone: str, decimals: int, where: Location) -> Decimal:
    digits, last = zone[:-1], zone[-1:]
    if not _digits(digits) or (last not in _POS and last not in _NEG):
        raise ParseError(where, f"amount {zone!r} is not a CFONB signed amount")
    if last in _POS:
        return Decimal(digits + str(_POS[last])).scaleb(-decimals)
    return -Decimal(digits + str(_NEG[last])).scaleb(-decimals)


def _date(text: str, where: Location, *, required: bool = True) -> date | None:
    if not text.strip():
        if required:
            raise ParseError(where, "the date is blank")
        return None
    if not _digits(text):
        raise ParseError(where, f"date {text!r} is not JJMMAA")
    day, month, year = int(text[:2]), int(text[2:4]), int(text[4:6])
    try:
        return date(1900 + year if year > 60 else 2000 + year, month, day)
    except ValueError:
        raise ParseError(where, f"date {text!r} does not exist") from None


@dataclass
class _Block:
    line: int
    bank: str
    branch: str
    account: str
    currency: str
    opening: Decimal | None
    opening_date: date | None
    movements: list[Movement] = field(default_factory=list)
    other_banks: set[str] = field(default_factory=set)


@dataclass
class _Operation:
    line: int
    booking: date
    value: date | None
    amount: Decimal
    currency: str
    label: str
    entry_no: str
    reference_zone: str
    op_code: str
    details: list[tuple[str, str]] = field(default_factory=list)


def _currency_and_decimals(rec: str, where: Location, default: str | None) -> tuple[str, int]:
    currency = rec[16:19].strip() or default or "EUR"
    if not is_currency(currency):
        raise ParseError(where, f"currency {currency!r} is not an ISO 4217 code")
    field_ = rec[19:20].strip()
    if field_ and not _digits(field_):
        raise ParseError(where, f"the number of decimals {field_!r} is not a digit")
    decimals = int(field_) if field_ else exponent(currency)
    if decimals != exponent(currency):
        raise ParseError(where, f"{decimals} decimals declared for {currency}, which has "
                                f"{exponent(currency)}")
    return currency, decimals


def parse(path: Path, currency: str | None = None) -> ParseResult:
    """Parse a CFONB 120 file into one statement per 01…07 block, reading it as it streams
    (first as UTF-8; a file that is not UTF-8 is read again as Latin-1). ``currency`` is
    the account currency where a balance record leaves it blank (else EUR, with a
    problem)."""
    try:
        return _parse(path, "utf-8", currency)
    except _NotUtf8:
        return _parse(path, "latin-1", currency)


def _parse(path: Path, encoding: str, currency: str | None) -> ParseResult:
    name = str(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ParseError(Location(name), f"cannot read the file: {exc.strerror}") from exc
    with fh:
        return _read(name, _records(name, fh, encoding), currency)


def _read(name: str, records: Iterator[tuple[int, str]], stated: str | None) -> ParseResult:
    problems: list[Problem] = []
    unknown: set[str] = set()
    statements: list[Statement] = []
    # an operations extract (only 04/05 records) is one statement without balances; it is
    # known to be one when the first record is a 04, until a 01 or 07 proves otherwise
    extract = False
    first_outside: ParseError | None = None
    seen = False
    block: _Block | None = None
    operation: _Operation | None = None

    def close_operation() -> None:
        nonlocal operation
        if operation is not None:
            assert block is not None
            block.movements.append(_movement(name, len(statements), operation,
                                             f"{block.bank}{block.branch}{block.account}",
                                             unknown, problems))
            operation = None

    for n, rec in records:
        where = Location(name, n, f"record {rec[:2]}")
        code = rec[:2]
        if not seen:
            seen = True
            extract = code == "04"
            if extract:
                first_outside = ParseError(where, "a movement (04) outside a statement (no 01 "
                                                  "before it, or after its 07)")
        if extract and code not in ("04", "05"):
            assert first_outside is not None
            raise first_outside
        if code == "01":
            if block is not None:
                raise ParseError(where, "a new statement (01) starts before the previous one "
                                        "ended (07)")
            if not rec[16:19].strip() and stated is None and not statements:
                problems.append(Problem(where, "the currency is blank: EUR assumed (state it "
                                               "with --currency)"))
            block = _opening(rec, n, where, stated)
        elif code == "04":
            if block is None:
                if not extract:
                    raise ParseError(where, "a movement (04) outside a statement (no 01 before "
                                            "it, or after its 07)")
                block = _Block(n, rec[2:7], rec[11:16], rec[21:32].strip(),
                               rec[16:19].strip() or stated or "EUR", None, None)
            close_operation()
            _same_account(rec, block, where, problems)
            operation = _operation(rec, n, where, block.currency)
        elif code == "05":
            if operation is None:
                raise ParseError(where, "a detail (05) with no movement (04) before it")
            operation.details.append((rec[45:48].strip(), rec[48:118]))
        elif code == "07":
            if block is None:
                raise ParseError(where, "a closing balance (07) with no statement started (01)")
            close_operation()
            currency, decimals = _currency_and_decimals(rec, where, block.currency)
            _same_account(rec, block, where, problems)
            statements.append(_statement(name, block, _amount(rec[90:104], decimals, where),
                                         _date(rec[34:40], where, required=False)))
            block = None
        else:
            raise ParseError(where, f"record code {code!r} is not 01, 04, 05 or 07")
    if not seen:
        raise ParseError(Location(name), "the file holds no CFONB record")
    if extract:
        problems.insert(0, Problem(Location(name), "operations without 01/07 balance records: "
                                                   "read as one statement without balances"))
    if block is not None:
        close_operation()
        if not extract:
            raise ParseError(Location(name, block.line, "record 01"),
                             "the last statement has no closing balance (07): the file is "
                             "truncated")
        statements.append(_statement(name, block, None, None))
    return ParseResult(statements, problems)


def _opening(rec: str, n: int, where: Location, stated: str | None) -> _Block:
    """The block a ``01`` record opens (``n``: its line)."""
    currency, decimals = _currency_and_decimals(rec, where, stated)
    return _Block(n, rec[2:7], rec[11:16], rec[21:32].strip(), currency,
                  _amount(rec[90:104], decimals, where), _date(rec[34:40], where, required=False))


def _operation(rec: str, n: int, where: Location, block_currency: str) -> _Operation:
    """The movement a ``04`` record gives (its ``05`` details follow)."""
    currency, decimals = _currency_and_decimals(rec, where, block_currency)
    return _Operation(
        n, _date(rec[34:40], where) or date.min, _date(rec[42:48], where, required=False),
        _amount(rec[90:104], decimals, where), currency, " ".join(rec[48:79].split()),
        rec[81:88].strip(), rec[104:120].strip(), rec[32:34].strip())


def _same_account(rec: str, block: _Block, where: Location, problems: list[Problem]) -> None:
    """A record belongs to its block's account: same branch and account number. Another
    bank code alone is read as the block's account, with one warning per code (banks that
    merged write the old and the new code in one file)."""
    got = (rec[2:7], rec[11:16], rec[21:32].strip())
    want = (block.bank, block.branch, block.account)
    if got[1:] == want[1:] and got[0] != want[0]:
        if got[0] not in block.other_banks:
            block.other_banks.add(got[0])
            problems.append(Problem(where, f"bank code {got[0]} differs from the statement's "
                                           f"{want[0]} (record 01, line {block.line}) for the "
                                           "same branch and account: read as the statement's "
                                           "account"))
        return
    if got != want:
        raise ParseError(where, f"account {''.join(got)} differs from the statement's "
                                f"{''.join(want)} (bank, branch and account number)")


def _statement(name: str, block: _Block, closing: Decimal | None,
               closing_date: date | None) -> Statement:
    movements = block.movements
    opening_date = block.opening_date or (min(m.booking_date for m in movements)
                                          if movements else None)
    return Statement(
        file=name, format=FORMAT, movements=tuple(movements),
        account=f"{block.bank}{block.branch}{block.account}", currency=block.currency,
        opening_balance=block.opening, closing_balance=closing, opening_date=opening_date,
        closing_date=closing_date or (max(m.booking_date for m in movements)
                                      if movements else opening_date))


def _movement(name: str, stmt_index: int, op: _Operation, account: str, unknown: set[str],
              problems: list[Problem]) -> Movement:
    labels: list[str] = [op.label] if op.label else []
    remittance = ""
    cut = False
    refs: list[Reference] = []
    payer = beneficiary = None
    bank_ref = None
    charges = instructed = None
    instructed_ccy = None
    for qualifier, text in op.details:
        value = " ".join(text.split())
        if qualifier == "LIB":
            labels.append(value)
        elif qualifier in ("LCC", "LC2"):
            # a 140-character SEPA remittance is cut at 70: the second half joins the first
            # without a space when the first filled its 70 characters
            piece = text.rstrip()
            joiner = "" if not remittance or cut else " "
            remittance += joiner + piece
            cut = len(text.rstrip("\n")) == 70 and not text.endswith(" ")
        elif qualifier == "LCS":
            structured = value.replace(" ", "") if value.upper().startswith("RF") else value
            refs.append(Reference("creditor_ref", structured))
            remittance = f"{remittance} {value}".strip()
        elif qualifier in ("NPY", "NPO"):
            payer = payer or value
        elif qualifier in ("NBE", "NBU"):
            beneficiary = beneficiary or value
        elif qualifier in ("IPY", "IBE"):
            refs.append(Reference("party_id", text[:35].strip()))
        elif qualifier == "RCN":
            e2e = text[:35].strip()
            if e2e and e2e.upper() != "NOTPROVIDED":
                refs.append(Reference("end_to_end", e2e))
            purpose = " ".join(text[35:].split())
            if purpose:
                labels.append(purpose)
        elif qualifier == "REF":
            bank_ref = value or None
        elif qualifier in ("MMO", "FEE"):
            ccy, dec, zone = text[:3], text[3:4], text[4:18]
            if is_currency(ccy) and _digits(dec):
                try:
                    value_amount = _amount(zone, int(dec), Location(name, op.line))
                except ParseError:
                    problems.append(Problem(Location(name, op.line, qualifier),
                                            f"unreadable {qualifier} amount {zone!r}"))
                    continue
                if qualifier == "MMO":
                    instructed, instructed_ccy = abs(value_amount), ccy
                else:
                    charges = abs(value_amount)
        else:
            if qualifier not in unknown:
                unknown.add(qualifier)
                problems.append(Problem(Location(name, op.line, f"05 {qualifier or 'blank'}"),
                                        f"detail qualifier {qualifier or '(blank)'!r} unknown: "
                                        "kept in the text"))
            labels.append(value)
    if op.reference_zone:
        refs.append(Reference("reference", op.reference_zone))
    text = " ".join(x for x in [*labels, remittance] if x)
    counterparty = payer if op.amount > 0 else beneficiary
    return Movement(
        booking_date=op.booking, value_date=op.value, amount=op.amount, currency=op.currency,
        source=Source(name, stmt_index, f"line {op.line}"), account=account,
        counterparty_name=counterparty or payer or beneficiary, remittance=text,
        references=tuple(refs), bank_reference=bank_ref, bank_tx_code=op.op_code or None,
        charges=charges, instructed_amount=instructed, instructed_currency=instructed_ccy)
