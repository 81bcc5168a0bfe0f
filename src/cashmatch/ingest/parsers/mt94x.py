"""SWIFT MT940 (statement) and MT942 (interim report), with the banks' ``:86:`` dialects.

Own tokenizer rather than a library: the design card's ``mt940`` package keeps ``:86:`` as
one raw string and raises AttributeError without a line number on a malformed ``:61:``; the
``mt-940`` package is slower and drops the ``:61:`` customer reference when ``:86:`` carries
SEPA keywords (DEPENDENCIES.md). Here one pass over the lines splits fields (``:TAG:`` at
the start of a line, continuation lines joined), every error names the line, and the
``:86:`` dialects are split into fields:

- German structured (``GGG?00…?63``): ``?20–?29`` and ``?60–?63`` purpose joined without
  spaces, ``?30`` BIC, ``?31`` IBAN, ``?32/?33`` name, ``?00`` posting text; inside the
  purpose the SEPA keywords ``EREF+ KREF+ MREF+ CRED+ DEBT+ SVWZ+ ABWA+ ABWE+ IBAN+ BIC+``;
- slash-keyed (``/EREF/ /REMI/ /NAME/ /IBAN/ /BIC/ /ORDP//NAME/ /BENM//NAME/ /CNTP/``…), split
  only on known keys since remittance text may contain slashes;
- SEPA keywords on their own (``EREF+… SVWZ+…``), and plain text.

``:61:``: value date, optional entry date MMDD (its year taken from the value date, shifted
by one when the two are 330 days or more apart), ``C``/``D``/``RC``/``RD``/``EC``/``ED``
(``CR`` is a credit with funds code R, not a reversal), amount with a decimal comma,
transaction type, customer reference (``NONREF`` = none; kept even when ``:86:`` has SEPA
keywords), ``//`` bank reference, and the supplementary details line (``/OCMT/`` → instructed
amount). SWIFT envelopes ``{1:}{2:}{4:`` … ``-}``, bank header lines and ``-`` separators
are skipped; every ``:20:`` starts a statement. A file without ``:60:`` but with ``:34F:`` is
an MT942.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from cashmatch.errors import Location, ParseError, Problem
from cashmatch.ingest import normalize
from cashmatch.model import Movement, ParseResult, Reference, Source, Statement
from cashmatch.money import AmountError, is_currency, to_minor

FORMAT = "mt940"
PRIORITY = 20

_TAG = re.compile(r"^:(\d{2}[A-Z]?):(.*)$")
_BALANCE = re.compile(r"^\s*(?P<dc>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})?(?P<amount>[\d,.]+)\s*$")
_LINE61 = re.compile(
    r"^(?P<vdate>\d{6})(?P<edate>\d{4})?\s{0,4}(?P<dc>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,.]*)(?:\s?(?P<type>[A-Z][A-Z0-9 ]{3}))?(?P<cref>.*?)"
    r"(?://(?P<bref>.*))?$")
#: The tags of MT940/MT942 (and the usual non-SWIFT extensions); a line that starts like
#: another ``:NN:`` inside a text field (``:86:``, ``:61:``) continues that field.
_KNOWN_TAGS = frozenset({"20", "21", "25", "28", "28C", "60F", "60M", "61", "62F", "62M", "64",
                         "65", "86", "34F", "13", "13D", "90D", "90C"})
_TEXT_TAGS = ("61", "86")
#: Tags that close a statement: after a ``-`` line, they show the ``-`` was text.
_TAIL_TAGS = frozenset({"62F", "62M", "64", "65", "86"})
_GERMAN = re.compile(r"^\d{3}\?")
_SUBFIELD = re.compile(r"\?(\d{2})")
_SEPA = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP|COAM|OAMT|SQTP|"
                   r"MDAT|DDAT)\+")
_SLASH_KEYS = ("EREF", "REMI", "NAME", "IBAN", "BIC", "ORDP", "BENM", "CNTP", "MARF", "TRCD",
               "CSID", "PURP", "ISDT", "RTRN", "ULTD", "ULTC", "ULTB", "SVCL", "IREF", "PREF",
               "OCMT", "COAM", "EXCH", "CHGS", "ID", "ADDR", "BUSP", "RETI", "SRC", "ACCW")
_SLASH = re.compile(r"/(" + "|".join(_SLASH_KEYS) + r")/")
_OCMT = re.compile(r"/OCMT/([A-Z]{3})([\d,]+)/?")


def identify(head: bytes, path: Path) -> str | None:
    """Claims text with MT940/MT942 tags (:20: then :25:, :60x: or :61:), or a SWIFT
    envelope of message type 940/942."""
    text = head.decode("latin-1")
    if re.search(r"\{2:[IO]94[02]", text):
        return "SWIFT envelope of message type 940/942"
    if re.search(r"(^|\n):20:", text) and re.search(r"\n:(25|60[FM]|61|28C?):", text):
        return "SWIFT MT940/MT942 tags (:20:, :25:, :60F:/:61:)"
    first = next((ln for ln in text.replace("\r", "").split("\n") if ln.strip()), "")
    if re.match(r"^:(25|28C?|60[FM]|61|62[FM]|86):", first):
        return f"SWIFT MT940 tags without a :20: header (starts with {first[:5]})"
    return None


def _amount(text: str, where: Location) -> Decimal:
    """A SWIFT amount: digits and a decimal comma (some banks write a dot)."""
    value = text.strip().replace(",", ".")
    if value.count(".") > 1 or not value.replace(".", "").isascii() \
            or not value.replace(".", "").isdigit():
        raise ParseError(where, f"amount {text!r} is not a SWIFT amount (digits and a comma)")
    try:
        return Decimal(value.rstrip(".") or "0")
    except InvalidOperation:
        raise ParseError(where, f"amount {text!r} is not a SWIFT amount") from None


def _yymmdd(text: str, where: Location) -> date:
    if not text.isascii() or not text.isdigit() or len(text) != 6:
        raise ParseError(where, f"date {text!r} is not a YYMMDD date")
    year = int(text[:2])
    got = _clamped(2000 + year if year < 80 else 1900 + year, int(text[2:4]), int(text[4:6]))
    if got is None:
        raise ParseError(where, f"date {text!r} is not a valid YYMMDD date")
    return got


@dataclass
class _Field:
    """A tagged field, continuation lines joined; ``tag_like``: the lines of its text that
    start like an unknown tag (``:12:11 uur``), kept as text and reported."""

    tag: str
    value: str
    line: int
    tag_like: list[tuple[int, str]] | None = None


@dataclass
class _Statement:
    """One message as read: its fields, each ``:61:`` with the ``:86:`` fields after it, and
    whether a trailer (``-`` or ``-}``) ended it."""

    line: int
    reference: str = ""
    account: str | None = None
    has_account: bool = False
    number: str | None = None
    opening: tuple[Decimal, date, str | None] | None = None
    closing: tuple[Decimal, date, str | None] | None = None
    closing_line: int | None = None
    floor_limit: bool = False
    ended: bool = False
    movements: list[tuple[_Field, list[_Field]]] = field(default_factory=list)


def _lines(fh: IO[bytes], end: list[bool]) -> Iterator[tuple[int, str]]:
    """(line number, text) of the file read line by line: UTF-8 where a line is valid UTF-8,
    else Windows-1252; CRLF, LF or CR line ends; end-of-file characters dropped. ``end[0]``
    tells, once read, whether the last line had a line end."""
    n = 0
    for raw in fh:
        end[0] = raw.endswith((b"\n", b"\r", b"\x1a"))
        raw = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        for piece in text.replace("\x1a", "").split("\r"):
            n += 1
            yield n, piece


def _fields(lines: Iterator[tuple[int, str]]) -> Iterator[_Field]:
    """The tagged fields of the file, each yielded once complete (its continuation lines
    joined), envelopes removed; the end of a message (``-``, ``-}``) is a field of tag
    ``-``. A lone ``-`` after a text field goes on as its text when more text or a tag of
    the statement's tail (:data:`_TAIL_TAGS`) follows it: banks break ``:86:`` text on a
    dash."""
    current: _Field | None = None
    held: str | None = None  # ":" (a tag broken after its colon) or "-" (see above)
    held_at = 0
    for n, raw in lines:
        line = raw.rstrip()
        if held == "-" and not line:
            continue
        if held is not None:
            line, ended = _settle(held, line, current)
            held = None
            if ended:
                assert current is not None
                yield current
                current = None
                yield _Field("-", "", held_at)
        if line == ":" or (line == "-" and current is not None and current.tag in _TEXT_TAGS):
            held, held_at = line, n
            continue
        if line.startswith("{"):  # "{1:...}{2:...}{4:" may sit on the line of the first tag
            inner = line.split("{4:", 1)
            line = inner[1] if len(inner) == 2 else ""
        if line == "-" or line.startswith("-}"):  # end of a message
            if current is not None:
                yield current
            current = None
            yield _Field("-", "", n)
            continue
        m = _TAG.match(line)
        if m and m.group(1) not in _KNOWN_TAGS and current is not None \
                and current.tag in _TEXT_TAGS:
            if current.tag_like is None:
                current.tag_like = []
            current.tag_like.append((n, m.group(1)))  # ":12:11 uur" on a :86: line
            m = None
        if m:
            if current is not None:
                yield current
            current = _Field(m.group(1), m.group(2), n)
        elif current is not None and line:
            current.value += "\n" + line
    if current is not None:
        if held == ":":
            current.value += "\n:"
        yield current
        if held == "-":
            yield _Field("-", "", held_at)


def _settle(held: str, line: str, current: _Field | None) -> tuple[str, bool]:
    """The line after a held ``:`` or ``-`` line, and whether the ``-`` ended a message: a
    ``:`` followed by ``NN:`` was a tag cut after its colon; a ``-`` followed by text or a
    tail tag was text of the field."""
    if held == ":":
        if re.match(r"^\d{2}[A-Z]?:", line):
            return ":" + line, False
        if current is not None:
            current.value += "\n:"
        return line, False
    tag = _TAG.match(line)
    if line.startswith("{") or (tag is not None and tag.group(1) not in _TAIL_TAGS):
        return line, True
    assert current is not None
    current.value += "\n-"
    return line, False


def parse(path: Path, currency: str | None = None) -> ParseResult:
    """Parse an MT940/MT942 file into one statement per ``:20:`` message, reading it line by
    line and building each statement as soon as the next one starts. ``currency`` is the
    account currency where no balance gives one (else EUR, with a problem)."""
    name = str(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ParseError(Location(name), f"cannot read the file: {exc.strerror}") from exc
    read: list[_Statement] = []
    out: list[Statement] = []
    problems: list[Problem] = []
    line_end = [True]
    last: _Field | None = None
    with fh:
        for last in _fields(_lines(fh, line_end)):
            _take(name, last, read, problems)
            if len(read) > len(out) + 1:  # a statement began: the one before is complete
                out.append(_build(name, len(out), read[len(out)], problems, currency))
    # a file that ends inside a field may be cut there: said when no balance check can tell
    if not line_end[0] and last is not None and last.tag != "-" \
            and not (read and read[-1].opening and read[-1].closing):
        problems.append(Problem(Location(name, last.line, f":{last.tag}:"),
                                "the file ends inside this field, without a line end: it may "
                                "be truncated"))
    if read:
        out.append(_build(name, len(out), read[-1], problems, currency))
    if not any(st.movements for st in out) and not any(
            st.opening or st.closing or st.reference for st in read):
        raise ParseError(Location(name), "no MT940 statement: no :20:, balance or :61: tag")
    problems.extend(_completeness(name, read))
    problems.sort(key=lambda p: p.location.line or 0)  # in file order
    return ParseResult(out, problems)


def _take(name: str, f: _Field, read: list[_Statement], problems: list[Problem]) -> None:
    """Files one field into the statement being read (``read[-1]``)."""
    current = read[-1] if read else None
    if f.tag == "-":
        if current is not None:
            current.ended = True
        return
    if f.tag == "20":
        read.append(_Statement(f.line, f.value.strip()))
        return
    where = Location(name, f.line, f":{f.tag}:")
    if current is not None and current.ended:  # no :20: after the end: still this message
        problems.append(Problem(where, f":{f.tag}: after the end of its message ('-') "
                                       "without a new :20:: read as part of it"))
        current.ended = False
    if current is None:  # an export without the :20: header: one implicit statement
        problems.append(Problem(where, "no :20: before this field: read as the start of a "
                                       "statement"))
        current = _Statement(f.line)
        read.append(current)
    last = current.movements[-1] if current.movements else None
    for line, tag in f.tag_like or ():
        problems.append(Problem(Location(name, line, f":{f.tag}:"),
                                f"a line starting like the unknown tag :{tag}: is kept as "
                                f"text of the :{f.tag}: field"))
    if f.tag == "86":
        if last is not None and current.closing is None:
            last[1].append(f)
        else:
            problems.append(Problem(where, ":86: information not attached to a movement: "
                                           "ignored"))
    elif f.tag == "61":
        if current.closing is not None:
            problems.append(Problem(where, "a :61: after the closing balance (:62F:)"))
        current.movements.append((f, []))
    else:
        _take_statement_field(f, where, current, problems)


def _take_statement_field(f: _Field, where: Location, current: _Statement,
                          problems: list[Problem]) -> None:
    if f.tag == "25":
        current.account = normalize.iban(f.value)
        current.has_account = True
    elif f.tag in ("28", "28C"):
        current.number = f.value.strip()
    elif f.tag == "60F" or (f.tag == "60M" and current.opening is None):
        current.opening = _balance(f.value, where)
    elif f.tag in ("62F", "62M"):
        current.closing = _balance(f.value, where)
        current.closing_line = f.line
    elif f.tag == "34F":
        current.floor_limit = True
    elif f.tag not in _KNOWN_TAGS:
        problems.append(Problem(where, f"unknown tag :{f.tag}: (not MT940): ignored"))


def _completeness(name: str, read: list[_Statement]) -> list[Problem]:
    """A statement must not look complete when it is not: its account, both balances (an
    MT942 has none) and, when the file's messages end with a trailer, its trailer."""
    out = []
    trailers = any(st.ended for st in read)
    for st in read:
        where = Location(name, st.line, ":20:")
        if not st.has_account:
            out.append(Problem(where, "the statement has no :25: (account identification)"))
        if st.opening is None and st.floor_limit:
            continue  # an MT942 interim report
        if st.opening is None:
            out.append(Problem(where, "the statement has no opening balance (:60F:): the file "
                                      "may be truncated or damaged"))
        if st.closing is None:
            out.append(Problem(where, "the statement has no closing balance (:62F:): the file "
                                      "may be truncated or damaged"))
        if trailers and not st.ended:
            out.append(Problem(Location(name, st.closing_line or st.line),
                               "the message has no end ('-' or '-}') as the file's other "
                               "messages have: the file may be truncated"))
    return out


def _balance(value: str, where: Location) -> tuple[Decimal, date, str | None]:
    m = _BALANCE.match(value.split("\n", 1)[0])
    if not m:
        raise ParseError(where, f"balance {value.strip()!r} is not D/C, YYMMDD, currency and "
                                "amount")
    amount = _amount(m.group("amount"), where)
    return (amount if m.group("dc") == "C" else -amount, _yymmdd(m.group("date"), where),
            m.group("ccy"))


def _clamped(year: int, month: int, day: int) -> date | None:
    """Banks write value dates like 30 February (interest "on the 30th"): the month's end."""
    import calendar

    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _build(name: str, index: int, st: _Statement, problems: list[Problem],
           stated: str | None) -> Statement:
    currency = (st.opening or (None, None, None))[2] or (st.closing or (None, None, None))[2]
    if currency is None and st.account and re.search(r"[A-Z]{3}$", st.account):
        currency = st.account[-3:] if is_currency(st.account[-3:]) else None
    if currency is None and st.movements:
        currency = stated or "EUR"
        if stated is None:
            problems.append(Problem(Location(name, st.line, ":20:"),
                                    "no balance gives the currency: EUR assumed (state it "
                                    "with --currency)"))
    movements = [_movement(name, index, f61, f86, currency or "EUR", st.account, problems)
                 for f61, f86 in st.movements]
    st.movements.clear()  # the raw fields are not needed any more: memory stays flat
    kind = "mt942" if st.opening is None and st.floor_limit else "mt940"
    dates = [m.booking_date for m in movements]
    return Statement(
        file=name, format=kind, movements=tuple(movements), account=st.account,
        currency=currency, statement_id=st.number or st.reference or None,
        opening_balance=st.opening[0] if st.opening else None,
        closing_balance=st.closing[0] if st.closing else None,
        opening_date=st.opening[1] if st.opening else (min(dates) if dates else None),
        closing_date=st.closing[1] if st.closing else (max(dates) if dates else None))


def _movement(name: str, index: int, f61: _Field, f86: list[_Field], currency: str,
              account: str | None, problems: list[Problem]) -> Movement:
    where = Location(name, f61.line, ":61:")
    first, _, supplementary = f61.value.partition("\n")
    m = _LINE61.match(first.strip())
    if not m and supplementary:  # a :61: line broken before its amount
        second, _, rest = supplementary.partition("\n")
        m = _LINE61.match(first.strip() + second.strip())
        supplementary = rest if m else supplementary
    if not m:
        raise ParseError(where, f"not a :61: statement line: {first.strip()!r}")
    value_date = _yymmdd(m.group("vdate"), where)
    booking = value_date
    if m.group("edate"):
        try:
            booking = date(value_date.year, int(m.group("edate")[:2]), int(m.group("edate")[2:]))
        except ValueError:
            raise ParseError(where, f"entry date {m.group('edate')!r} is not MMDD") from None
        if (booking - value_date) >= timedelta(days=330):
            booking = booking.replace(year=booking.year - 1)
        elif (value_date - booking) >= timedelta(days=330):
            booking = booking.replace(year=booking.year + 1)
    amount = _amount(m.group("amount"), where)
    dc = m.group("dc")
    signed = amount if dc in ("C", "EC", "RD") else -amount
    try:
        to_minor(signed, currency)
    except AmountError as exc:
        raise ParseError(where, str(exc)) from exc
    refs: list[Reference] = []
    cref = m.group("cref").strip()
    if cref and cref.upper() != "NONREF":
        refs.append(Reference("customer_ref", cref))
    bank_ref = (m.group("bref") or "").strip() or None
    instructed = instructed_ccy = None
    ocmt = _OCMT.search(supplementary)
    if ocmt:
        instructed_ccy, instructed = ocmt.group(1), _amount(ocmt.group(2), where)
    details = _details(f86[0].value if f86 else "")
    refs.extend(details.refs)
    # further :86: fields (old Rabobank: one per line of text) go on as plain text
    text_parts = [details.text, *(" ".join(more.value.split()) for more in f86[1:])]
    if supplementary.strip() and not ocmt and not _looks_like_iban(supplementary.strip()):
        text_parts.append(" ".join(supplementary.split()))
    iban = normalize.iban(details.iban or (supplementary if _looks_like_iban(supplementary.strip())
                                           else None))
    return Movement(
        booking_date=booking, value_date=value_date, amount=signed, currency=currency,
        source=Source(name, index, f"line {f61.line}"), account=account,
        counterparty_name=details.name, counterparty_iban=iban, counterparty_bic=details.bic,
        remittance=" ".join(p for p in text_parts if p), references=tuple(refs),
        bank_reference=bank_ref, bank_tx_code=details.code or m.group("type"),
        instructed_amount=instructed, instructed_currency=instructed_ccy,
        status="pending" if dc in ("EC", "ED") else "booked")


def _looks_like_iban(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text.replace(" ", "")))


@dataclass
class _Details:
    text: str = ""
    name: str | None = None
    iban: str | None = None
    bic: str | None = None
    code: str | None = None
    refs: list[Reference] = field(default_factory=list)


_SEPA_REFS = {"EREF": "end_to_end", "KREF": "customer_ref", "MREF": "mandate",
              "CRED": "creditor_id", "DEBT": "debtor_id"}


def _details(raw: str) -> _Details:
    """Split an :86: field into text, counterparty and references, whatever its dialect."""
    joined = raw.replace("\n", "")
    if _GERMAN.match(joined):
        return _german(joined)
    if _SLASH.search(joined):
        return _slashed(joined)
    if _SEPA.search(joined):
        d = _Details()
        _sepa(joined, d)
        return d
    return _Details(text=" ".join(raw.split()))


def _german(joined: str) -> _Details:
    d = _Details(code=joined[:3])
    parts: dict[str, str] = {}
    pieces = _SUBFIELD.split(joined[3:])
    for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
        parts[key] = parts.get(key, "") + value
    purpose = "".join(parts.get(k, "") for k in [*(f"{i}" for i in range(20, 30)),
                                                   "60", "61", "62", "63"])
    d.name = ("".join(parts.get(k, "") for k in ("32", "33")).strip()) or None
    d.iban = parts.get("31", "").strip() or None
    d.bic = parts.get("30", "").strip() or None
    if _SEPA.search(purpose):
        _sepa(purpose, d)
        if not d.text:
            d.text = " ".join(purpose.split())
    else:
        d.text = " ".join(purpose.split())
    posting = parts.get("00", "").strip()
    if posting and posting not in d.text:
        d.text = f"{posting} {d.text}".strip()
    return d


def _sepa(text: str, d: _Details) -> None:
    pieces = _SEPA.split(text)
    head = pieces[0].strip()
    values: dict[str, str] = {}
    for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
        values[key] = values.get(key, "") + value
    for key, kind in _SEPA_REFS.items():
        value = values.get(key, "").strip()
        if value and value.upper() not in ("NOTPROVIDED", "NONREF"):
            d.refs.append(Reference(kind, value))
    d.iban = d.iban or values.get("IBAN", "").strip() or None
    d.bic = d.bic or values.get("BIC", "").strip() or None
    if values.get("ABWA") and not d.name:
        d.name = values["ABWA"].strip()
    remittance = values.get("SVWZ", "").strip()
    d.text = " ".join(x for x in (head, " ".join(remittance.split())) if x)


def _slashed(joined: str) -> _Details:
    d = _Details()
    pieces = _SLASH.split(joined)
    head = pieces[0].strip()
    values: dict[str, str] = {}
    for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
        values.setdefault(key, value)
    remi = values.get("REMI", "")
    if remi.startswith(("USTD//", "STRD/")):
        remi = remi.split("/", 2)[-1] if remi.startswith("STRD/") else remi[6:]
    eref = values.get("EREF", "").strip("/ ")
    if eref and eref.upper() != "NOTPROVIDED":
        d.refs.append(Reference("end_to_end", eref))
    for party in ("ORDP", "BENM"):
        if party in values and "NAME" in values:
            d.name = values["NAME"].strip("/ ")
    if "NAME" in values and d.name is None:
        d.name = values["NAME"].strip("/ ")
    if "CNTP" in values:  # /CNTP/IBAN/BIC/NAME/CITY/
        cntp = values["CNTP"].split("/")
        d.iban = d.iban or (cntp[0].strip() or None)
        d.bic = d.bic or (cntp[1].strip() if len(cntp) > 1 and cntp[1].strip() else None)
        d.name = d.name or (cntp[2].strip() if len(cntp) > 2 and cntp[2].strip() else None)
    d.iban = d.iban or values.get("IBAN", "").strip("/ ") or None
    d.bic = d.bic or values.get("BIC", "").strip("/ ") or None
    d.text = " ".join(x for x in (head, " ".join(remi.strip("/ ").split())) if x)
    return d
