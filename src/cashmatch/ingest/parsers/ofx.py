"""OFX bank and credit-card statements: OFX 1.x (SGML) and OFX 2.x (XML), one own tokenizer.

Format facts relied on
----------------------
* OFX 1.x starts with ``KEY:VALUE`` header lines (``OFXHEADER:100``, ``VERSION:102``,
  ``ENCODING:USASCII|UTF-8|UNICODE``, ``CHARSET:1252|ISO-8859-1|8859-1|NONE``...), then an SGML
  body where *leaf* elements have no closing tag (``<TRNAMT>-6.60``) and aggregates are closed
  (``</STMTTRN>``). Real files mix closed and unclosed leaves, put everything on one line, or
  have no header at all (a bare ``<OFX>``).
* OFX 2.x is XML: ``<?xml ... encoding="..."?>`` then ``<?OFX OFXHEADER="200" VERSION="211"
  ...?>``; every element is closed; no attributes.
* Statements: ``BANKMSGSRSV1/STMTTRNRS/STMTRS`` (bank) and ``CREDITCARDMSGSRSV1/CCSTMTTRNRS/
  CCSTMTRS`` (card), several per file. In a statement: ``CURDEF``, ``BANKACCTFROM/ACCTID`` or
  ``CCACCTFROM/ACCTID``, one or more ``BANKTRANLIST`` (``DTSTART``, ``DTEND``, ``STMTTRN*``),
  ``LEDGERBAL`` (``BALAMT``, ``DTASOF``). OFX 2.2 pending transactions sit in
  ``BANKTRANLISTP/STMTTRNP`` and are read with ``status="pending"``.
* ``STMTTRN``: ``TRNTYPE`` (→ ``bank_tx_code``), ``DTPOSTED`` (required, → booking date),
  ``DTAVAIL`` (→ value date; the non-standard ``VALUEDATE`` is used when there is no
  ``DTAVAIL``), ``TRNAMT`` (required, signed, positive = received), ``FITID`` (→
  ``bank_reference``), ``CHECKNUM``/``REFNUM`` (→ ``reference`` references), ``SRVRTID`` (→
  ``bank_ref``), ``NAME``/``PAYEE/NAME``/``EXTDNAME`` (→ counterparty), ``MEMO`` (→ remittance),
  ``CURRENCY/CURSYM`` (the amount is in that currency) or ``ORIGCURRENCY/CURSYM`` (the amount is
  in ``CURDEF``; the original currency goes to ``instructed_currency``).
* Dates are ``YYYYMMDD[HHMMSS[.XXX]][[+-]h[.mm]:TZ]``. The booking date is the LOCAL date as
  written (the first 8 characters); converting to UTC, as both ofxparse and ofxtools do, moves
  ``20241015220000[-5:EST]`` to 16 October, which is wrong for accounting.
* Amounts: a dot or a decimal comma, optional leading ``+``; no thousands separators (refused
  rather than guessed). Decimals are checked against the currency (``money.to_minor``).

Choices
-------
* Own code rather than a library (ofxparse, ofxtools) or lxml: the reasons and the figures
  are in ``docs/adr/0004-ofx-own-tokenizer.md``. One tokenizer reads both versions with one
  set of rules.
* The tokenizer is one compiled regex (``_TOKEN``) applied to 1 MiB decoded chunks, so memory
  stays flat in file size; per token the Python work is a few dict/list operations
  (:class:`_Scanner`). Leaf vs aggregate is decided by the element's text (non-blank text =
  leaf) and, for empty elements, by the list of known OFX aggregates; an unclosed empty leaf is
  closed implicitly by its parent's closing tag, as SGML does. Movements are built when their
  statement closes.
* Charset: decode by the declared charset, deciding on the first chunk that holds a non-ASCII
  byte: a file declared single-byte (1252, ISO-8859-1, USASCII/NONE) whose non-ASCII bytes form
  valid UTF-8 is read as UTF-8, and a file declared UTF-8 whose bytes are not valid UTF-8 is read
  as Windows-1252; both with a warning Problem. Later undecodable bytes are replaced, with a
  warning naming the byte offset. NUL bytes (UTF-16, binary) are refused.
* Hostile input: DTD declarations (``<!DOCTYPE``, ``<!ENTITY``) are refused (no entity
  expansion at all; only the five XML entities and numeric character references are decoded),
  as are nesting deeper than 64 and text runs longer than 4 MiB without a tag.
* Investment statements (``INVSTMTRS``): their cash lines (``STMTTRN`` inside ``INVBANKTRAN``)
  are movements of the investment account's cash (``INVACCTFROM/ACCTID``); trades and
  positions are not read, and no balance is taken (``INVBAL`` moves with the trades too).
* No ``CURDEF``: the currency stated by the caller (``--currency``), else EUR with a warning,
  as for MT940; a transaction's own ``CURRENCY`` still wins.
* Files with no bank, card or investment cash statement (sign-on, profile or account
  list responses, a statement response with an error STATUS) parse to zero statements with a
  Problem that says why; the bank's error STATUS is an ``error`` Problem. They are never refused,
  so a batch import can go on.
* No opening balance: OFX gives only ``LEDGERBAL`` (closing). ``opening_date`` is the period
  start ``DTSTART``; ``closing_date`` the ``LEDGERBAL/DTASOF`` (else ``DTEND``).
* ``statement_id`` is None: OFX has no statement id (``TRNUID`` identifies the request).
* Remittance: ``MEMO`` with whitespace runs collapsed. When ``MEMO`` already contains ``NAME``
  (banks truncate ``NAME`` to 32 characters and repeat the whole text in ``MEMO``) the memo
  alone is used; when ``NAME`` has the full 32 characters and ``MEMO`` does not contain it, the
  name spilled into the memo and the two are joined without a space; otherwise a short ``NAME``
  stays the counterparty only, and a ``NAME`` with no ``MEMO`` (French banks put the
  operation label there) is also the remittance.
* Position of a movement: ``STMTRS[i]/STMTTRN[j]`` (``CCSTMTRS`` for cards, ``STMTTRNP`` for
  pending), both 1-based in file order; errors carry the line number too.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from cashmatch.errors import Location, ParseError, Problem
from cashmatch.ingest import normalize
from cashmatch.model import Movement, ParseResult, Reference, Source, Statement
from cashmatch.money import AmountError, exponent, is_currency, to_minor

FORMAT = "ofx"
PRIORITY = 30

CHUNK = 1 << 20
MAX_TEXT = 4 << 20
HEADER_MAX = 64 << 10
MAX_DEPTH = 64
NAME_LIMIT = 32  # OFX 1.x NAME is A-32: banks cut there and continue in MEMO

_TOKEN = re.compile(
    r"<(?:(/)?([A-Za-z][A-Za-z0-9._]*)\s*(/)?>|(\?.*?\?>)|(!--.*?-->)|(![^>]*>))([^<]*)", re.DOTALL)
_HEADER_LINE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$")
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_OFX_PI_VERSION = re.compile(rb"""<\?OFX[^>]*?VERSION\s*=\s*["']?(\d+)""", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{2}(?:\d{2}(?:\d{2})?)?(?:[.:]\d{1,6})?)?"
                   r"\s*(?:\[[^\]]*\])?\s*\Z")
_AMOUNT = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)\Z")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}\Z")

#: Elements that contain other elements (the ones this parser cares about, plus envelopes).
AGGREGATES = frozenset({
    "OFX", "SIGNONMSGSRSV1", "SONRS", "STATUS", "FI", "BANKMSGSRSV1", "STMTTRNRS", "STMTRS",
    "BANKACCTFROM", "BANKACCTTO", "CCACCTFROM", "CCACCTTO", "BANKTRANLIST", "BANKTRANLISTP",
    "STMTTRN", "STMTTRNP", "PAYEE", "CURRENCY", "ORIGCURRENCY", "LEDGERBAL", "AVAILBAL",
    "BALLIST", "BAL", "CREDITCARDMSGSRSV1", "CCSTMTTRNRS", "CCSTMTRS", "INVSTMTMSGSRSV1",
    "INVSTMTTRNRS", "INVSTMTRS", "INVACCTFROM", "SIGNUPMSGSRSV1", "PROFMSGSRSV1", "SECLISTMSGSRSV1",
    "IMAGEDATA", "INVBANKTRAN", "INVTRANLIST", "INVPOSLIST", "INVBAL", "SECLIST",
})
_STATEMENTS = {"STMTRS": "STMTRS", "CCSTMTRS": "CCSTMTRS", "INVSTMTRS": "INVSTMTRS"}
#: The account aggregate of each kind of statement.
_ACCOUNTS = {"STMTRS": "BANKACCTFROM", "CCSTMTRS": "CCACCTFROM", "INVSTMTRS": "INVACCTFROM"}
#: Where a statement's period is given.
_PERIOD_LISTS = ("BANKTRANLIST", "BANKTRANLISTP", "INVTRANLIST")
_TRANSACTIONS = {"STMTTRN": "booked", "STMTTRNP": "pending"}
_NO_STATEMENT_KINDS = {
    "INVSTMTRS": "an investment statement (INVSTMTRS) without cash transactions (INVBANKTRAN)",
    "PROFRS": "a profile response (PROFRS)",
    "ACCTINFORS": "an account list (ACCTINFORS)",
    "SECLIST": "a security list (SECLIST)",
}
TRNTYPES = frozenset({
    "CREDIT", "DEBIT", "INT", "DIV", "FEE", "SRVCHG", "DEP", "ATM", "POS", "XFER", "CHECK",
    "PAYMENT", "CASH", "DIRECTDEP", "DIRECTDEBIT", "REPEATPMT", "HOLD", "OTHER",
})
_CHARSETS = {
    "1252": "cp1252", "WINDOWS-1252": "cp1252", "CP1252": "cp1252",
    "ISO-8859-1": "latin-1", "8859-1": "latin-1", "ISO8859-1": "latin-1", "LATIN-1": "latin-1",
    "ISO-8859-15": "iso8859-15", "8859-15": "iso8859-15",
    "UTF-8": "utf-8", "UTF8": "utf-8", "CSUNICODE": "utf-8",
}


# --------------------------------------------------------------------------- identification

def identify(head: bytes, path: Path) -> str | None:
    """Claims OFX 1.x (``OFXHEADER:`` header), OFX 2.x (``<?OFX`` instruction) or a bare
    ``<OFX>`` body; never raises."""
    try:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start[:10].upper().startswith(b"OFXHEADER"):
            version = re.search(rb"VERSION\s*:\s*(\d+)", start[:2048])
            v = version.group(1).decode() if version else "?"
            return f"OFX 1.x SGML header (OFXHEADER, VERSION:{v})"
        if start.startswith(b"<?xml") or start.startswith(b"<?OFX"):
            m = _OFX_PI_VERSION.search(start[:4096])
            if m:
                return f'OFX 2.x XML header (<?OFX VERSION="{m.group(1).decode()}"?>)'
            return None
        if start[:5].upper() == b"<OFX>":
            return "OFX body (<OFX> root element) without header"
    except Exception:  # noqa: BLE001 - identify must never raise
        return None
    return None


# --------------------------------------------------------------------------- decoding

@dataclass
class _Header:
    version: str | None = None
    declared: str | None = None  # Python codec name, None when not declared (NONE/absent)
    label: str = "no charset declared"


def _read_header(first: bytes, name: str, problems: list[Problem]) -> tuple[_Header, int]:
    """The header of the file and the byte offset where the body starts."""
    hdr = _Header()
    if first.startswith(b"\xef\xbb\xbf"):
        hdr.declared, hdr.label = "utf-8", "a UTF-8 byte-order mark"
        return _read_header_body(first, 3, hdr, name, problems)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in first[:4096]:
        raise ParseError(Location(name, 1), "the file holds NUL bytes (UTF-16 or binary data), "
                                            "not an OFX text file; export it again as OFX")
    return _read_header_body(first, 0, hdr, name, problems)


def _read_header_body(first: bytes, start: int, hdr: _Header, name: str,
                      problems: list[Problem]) -> tuple[_Header, int]:
    lt = first.find(b"<", start)
    if lt < 0:
        raise ParseError(Location(name, 1), "no OFX element found: this is not an OFX file")
    text = first[start:lt].decode("latin-1")
    if first.startswith(b"<?xml", lt) or first.startswith(b"<?OFX", lt):
        if text.strip():
            raise ParseError(Location(name, 1), "text before the XML declaration: not an OFX file")
        enc = _XML_ENCODING.search(first, lt, lt + 4096)
        label = enc.group(1).decode("ascii").upper() if enc else "UTF-8"
        v = _OFX_PI_VERSION.search(first, lt, lt + 4096)
        hdr.version = v.group(1).decode("ascii") if v else None
        hdr.declared = _codec(label, name, problems)
        hdr.label = f'encoding="{label}"'
        return hdr, lt
    fields: dict[str, str] = {}
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            raise ParseError(Location(name, i), f"{line.strip()[:60]!r} is not an OFX header "
                                                "line (KEY:VALUE): not an OFX file")
        fields[m.group(1).upper()] = m.group(2).upper()
    if fields and "OFXHEADER" not in fields:
        problems.append(Problem(Location(name, 1), "the OFX header has no OFXHEADER line"))
    hdr.version = fields.get("VERSION")
    encoding = fields.get("ENCODING", "")
    charset = fields.get("CHARSET", "NONE")
    if encoding in ("UTF-8", "UNICODE", "UTF8"):
        hdr.declared, hdr.label = "utf-8", f"ENCODING:{encoding}"
    elif charset not in ("NONE", ""):
        hdr.declared, hdr.label = _codec(charset, name, problems), f"CHARSET:{charset}"
    elif encoding == "USASCII":
        hdr.declared, hdr.label = "ascii", "ENCODING:USASCII"
    return hdr, lt


def _codec(label: str, name: str, problems: list[Problem]) -> str | None:
    if label in _CHARSETS:
        return _CHARSETS[label]
    if label in ("US-ASCII", "ASCII", "USASCII"):
        return "ascii"
    try:
        return codecs.lookup(label).name
    except LookupError:
        problems.append(Problem(Location(name, 1), f"unknown charset {label!r}; the text is "
                                                   "read as UTF-8, else Windows-1252"))
        return None


class _Decoder:
    """Decodes byte chunks by the declared charset, settling on the first non-ASCII chunk."""

    def __init__(self, hdr: _Header, name: str, problems: list[Problem]) -> None:
        self.hdr = hdr
        self.name = name
        self.problems = problems
        self.codec: str | None = None
        self.dec: codecs.IncrementalDecoder | None = None
        self.offset = 0
        self.replaced = False

    def decode(self, data: bytes, final: bool) -> str:
        at = self.offset
        self.offset += len(data)
        if self.dec is None:
            if data.isascii():
                return data.decode("ascii")
            self._settle(data)
        assert self.dec is not None
        try:
            return self.dec.decode(data, final)
        except UnicodeDecodeError as exc:
            if not self.replaced:
                self.replaced = True
                self.problems.append(Problem(
                    Location(self.name, None, f"byte {at + exc.start}"),
                    f"bytes that are not valid {self.codec} were replaced by '\ufffd'"))
            self.dec = codecs.getincrementaldecoder(self.codec or "utf-8")("replace")
            return self.dec.decode(data, final)

    def _settle(self, data: bytes) -> None:
        declared = self.hdr.declared
        utf8_ok = _valid_utf8_prefix(data)
        if declared == "utf-8" or declared is None:
            codec = "utf-8" if utf8_ok else "cp1252"
            if declared == "utf-8" and not utf8_ok:
                self.problems.append(Problem(Location(self.name), f"the file declares "
                                     f"{self.hdr.label} but is not valid UTF-8; read as "
                                     "Windows-1252"))
        elif declared in ("cp1252", "latin-1", "ascii", "iso8859-15") and utf8_ok:
            codec = "utf-8"
            self.problems.append(Problem(Location(self.name), f"the file declares "
                                 f"{self.hdr.label} but its accented characters are UTF-8; "
                                 "read as UTF-8"))
        elif declared == "ascii":
            codec = "cp1252"
            self.problems.append(Problem(Location(self.name), f"the file declares "
                                 f"{self.hdr.label} but holds non-ASCII bytes; read as "
                                 "Windows-1252"))
        else:
            codec = declared
        self.codec = codec
        self.dec = codecs.getincrementaldecoder(codec)("strict")


def _valid_utf8_prefix(data: bytes) -> bool:
    """True when ``data`` is UTF-8 (a multi-byte character cut at the end is allowed)."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data, False)
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- scanning

@dataclass
class _Txn:
    fields: dict[str, str]
    line: int
    position: str
    status: str


@dataclass
class _Stmt:
    kind: str
    number: int
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    txns: list[_Txn] = field(default_factory=list)
    dtstart: list[str] = field(default_factory=list)
    dtend: list[str] = field(default_factory=list)
    pending: int = 0  # STMTTRNP seen so far (numbered apart from STMTTRN)


@dataclass
class _Scan:
    """What the token loop found, besides the statements it hands to the builder."""

    seen: set[str] = field(default_factory=set)
    ofx_root: bool = False


def parse(path: Path, currency: str | None = None) -> ParseResult:
    """Read an OFX file into statements; see the module docstring for the rules.
    ``currency``: the currency of a statement without ``CURDEF`` (else EUR, with a
    problem)."""
    name = str(path)
    problems: list[Problem] = []
    statements: list[Statement] = []
    try:
        with path.open("rb") as fh:
            scan = _scan(name, fh, problems, statements, currency)
    except OSError as exc:
        raise ParseError(Location(name), f"cannot read the file: {exc.strerror}") from exc
    if not scan.ofx_root:
        raise ParseError(Location(name), "no <OFX> element: this is not an OFX file")
    if not statements:
        kinds = [desc for tag, desc in _NO_STATEMENT_KINDS.items() if tag in scan.seen]
        what = (" and ".join(kinds) if kinds else "only a sign-on or status response"
                if scan.seen - {"OFX"} else "an empty <OFX> element")
        problems.append(Problem(Location(name), f"no bank or credit-card statement in this "
                                f"file: it holds {what}; nothing to import"))
    return ParseResult(statements=statements, problems=problems)


class _Body:
    """The decoded body of an OFX file, in chunks; ``label`` and ``first_line`` once opened."""

    def __init__(self, name: str, fh: BinaryIO, problems: list[Problem]) -> None:
        self.name = name
        self.fh = fh
        first = fh.read(CHUNK)
        while b"<" not in first and len(first) < HEADER_MAX:  # the header ends at the first '<'
            more = fh.read(CHUNK)
            if not more:
                break
            first += more
        if not first.strip():
            raise ParseError(Location(name), "the file is empty")
        hdr, body = _read_header(first, name, problems)
        self.label = f"ofx.{hdr.version}" if hdr.version else FORMAT
        self.first_line = 1 + first.count(b"\n", 0, body)
        self.decoder = _Decoder(hdr, name, problems)
        self.first = first[body:]

    def chunks(self) -> Iterator[tuple[str, bool]]:
        """Yields (text, is_last)."""
        data = self.first
        while True:
            nxt = self.fh.read(CHUNK)
            if b"\x00" in data:
                where = f"byte {self.decoder.offset + data.index(0)} of the body"
                raise ParseError(Location(self.name, None, where),
                                 "the file holds NUL bytes (UTF-16 or binary data), not OFX text")
            yield self.decoder.decode(data, not nxt), not nxt
            if not nxt:
                return
            data = nxt


def _scan(name: str, fh: BinaryIO, problems: list[Problem],
          statements: list[Statement], stated: str | None) -> _Scan:
    """Tokenize the body chunk by chunk, building each statement when it closes."""
    body = _Body(name, fh, problems)
    scanner = _Scanner(name, body.label, body.first_line, problems, statements, stated)
    carry = ""
    for piece, last in body.chunks():
        text = carry + piece if carry else piece
        end = len(text) if last else _cut(text, len(text))
        if "<![CDATA[" in text:
            text, end = _cdata(name, text, last, scanner.line_base)
        if len(text) - end > MAX_TEXT:
            raise ParseError(Location(name, scanner.line_base + text.count("\n", 0, end)),
                             "more than 4 MiB of text without a tag: not an OFX file")
        scanner.tokens(text, end, last)
        carry = text[end:]
    if scanner.stack:
        inner = scanner.stack[-1]
        raise ParseError(Location(name, scanner.line_base, inner),
                         f"the file ends before </{inner}>: it is truncated or not well formed")
    return scanner.scan


class _Scanner:
    """The token loop's state: the open elements (``stack``), the statement, transaction
    and STATUS being read (with the depth where each opened), the last leaf opened (its
    closing tag is optional), and the line number at the start of the current text."""

    def __init__(self, name: str, label: str, first_line: int, problems: list[Problem],
                 statements: list[Statement], stated: str | None) -> None:
        self.name, self.label, self.stated = name, label, stated
        self.problems, self.statements = problems, statements
        self.scan = _Scan()
        self.stack: list[str] = []
        self.stmt: _Stmt | None = None
        self.stmt_depth = -1
        self.txn: dict[str, str] | None = None
        self.txn_depth = -1
        self.status: dict[str, str] | None = None
        self.last_leaf: str | None = None
        self.line_base = first_line
        self.stmt_number = 0
        self.text = ""
        self.line_pos, self.line_here = 0, first_line

    def tokens(self, text: str, end: int, last: bool) -> None:
        """Every token of ``text[:end]``; text between tokens is refused."""
        self.text = text
        self.line_pos, self.line_here = 0, self.line_base
        pos = 0
        for m in _TOKEN.finditer(text, 0, end):
            if m.start() != pos:
                _garbage(self.name, text, pos, self.line_base, last)
            pos = m.end()
            close, tag, selfclose, _pi, _comment, decl, value = m.groups()
            if tag is None:
                if decl is not None:
                    _declaration(self.name, text, m.start(), self.line_base, decl)
                if value and not value.isspace():
                    _stray(self.name, text, m, self.line_base)
                continue
            tag = tag.upper()
            if close:
                if value and not value.isspace():
                    _stray(self.name, text, m, self.line_base)
                self.close(tag, m.start())
                continue
            v = value.strip() if value else ""
            if v and not selfclose:
                if tag in AGGREGATES:
                    _stray(self.name, text, m, self.line_base)
                self.leaf(tag, _unescape(v) if "&" in v else v)
            elif selfclose or tag in LEAVES:
                self.empty_leaf(tag, bool(selfclose))
            else:
                self.open(tag, m.start())
        if pos != end:
            _garbage(self.name, text, pos, self.line_base, last)
        self.line_base += text.count("\n", 0, end)

    def close(self, tag: str, at: int) -> None:
        """``</tag>``: closes the last leaf, or the elements up to ``tag``, building the
        statement or reporting the STATUS that closes with them."""
        if tag == self.last_leaf:
            self.last_leaf = None
            return
        self.last_leaf = None
        if tag not in self.stack:
            if tag in AGGREGATES:
                raise ParseError(self.where(at), f"closing tag </{tag}> without a matching "
                                                 f"<{tag}>")
            return
        while True:
            top = self.stack.pop()
            depth = len(self.stack)
            if depth == self.txn_depth:
                self.txn, self.txn_depth = None, -1
            elif depth == self.stmt_depth:
                stmt = self.stmt
                assert stmt is not None
                if stmt.txns or stmt.kind != "INVSTMTRS":
                    self.statements.append(_statement(self.name, self.label, stmt,
                                                      len(self.statements), self.problems,
                                                      self.stated))
                self.stmt, self.stmt_depth = None, -1
            elif top == "STATUS" and self.status is not None:
                _status(self.name, self.text, at, self.line_base, self.stack, self.status,
                        self.problems)
                self.status = None
            if top == tag:
                return

    def leaf(self, tag: str, v: str) -> None:
        """``<tag>text``: filed in the transaction, the statement or the STATUS."""
        self.last_leaf = tag
        stack = self.stack
        if self.txn is not None:
            depth = self.txn_depth
            self.txn[tag if len(stack) == depth + 1 else _key(stack, depth, tag)] = v
        elif self.stmt is not None:
            depth = self.stmt_depth
            key = tag if len(stack) == depth + 1 else _key(stack, depth, tag)
            period_list, _, leaf = key.partition("/")
            if leaf == "DTSTART" and period_list in _PERIOD_LISTS:
                self.stmt.dtstart.append(v)
            elif leaf == "DTEND" and period_list in _PERIOD_LISTS:
                self.stmt.dtend.append(v)
            else:
                self.stmt.fields[key] = v
        elif self.status is not None and stack[-1] == "STATUS":
            self.status[tag] = v

    def empty_leaf(self, tag: str, selfclose: bool) -> None:
        """``<NAME/>``, ``<NAME></NAME>``, or SGML ``<BALAMT>`` with no text."""
        self.last_leaf = None if selfclose else tag
        stack = self.stack
        if self.txn is not None and len(stack) == self.txn_depth + 1:
            self.txn.setdefault(tag, "")
        elif self.stmt is not None:
            depth = self.stmt_depth
            self.stmt.fields.setdefault(
                tag if len(stack) == depth + 1 else _key(stack, depth, tag), "")

    def open(self, tag: str, at: int) -> None:
        """An aggregate opens: a transaction, a statement, a STATUS or the OFX root."""
        self.last_leaf = None
        if len(self.stack) >= MAX_DEPTH:
            raise ParseError(self.where(at), f"elements nested deeper than {MAX_DEPTH}: not an "
                                             "OFX file")
        if tag in _TRANSACTIONS:
            self.open_transaction(tag, at)
        elif tag in _STATEMENTS:
            if self.stmt is not None:
                raise ParseError(self.where(at), f"<{tag}> opened inside another statement: a "
                                                 f"</{self.stmt.kind}> is missing")
            self.stmt_number += 1
            self.stmt = _Stmt(tag, self.stmt_number, self.where(at).line or 0)
            self.stmt_depth = len(self.stack)
        elif tag == "STATUS":
            self.status = {}
        elif tag == "OFX":
            if self.stack:
                raise ParseError(self.where(at), "<OFX> opened inside another element")
            self.scan.ofx_root = True
        self.scan.seen.add(tag)
        self.stack.append(tag)

    def open_transaction(self, tag: str, at: int) -> None:
        stmt = self.stmt
        if stmt is None:
            return
        if self.txn is not None:
            raise ParseError(self.where(at), f"<{tag}> opened inside another transaction: a "
                                             f"</{self.stack[self.txn_depth]}> is missing")
        self.line_here += self.text.count("\n", self.line_pos, at)
        self.line_pos = at
        self.txn = {}
        self.txn_depth = len(self.stack)
        if tag == "STMTTRNP":
            stmt.pending += 1
            nth = stmt.pending
        else:
            nth = len(stmt.txns) + 1 - stmt.pending
        stmt.txns.append(_Txn(self.txn, self.line_here,
                              f"{stmt.kind}[{stmt.number}]/{tag}[{nth}]", _TRANSACTIONS[tag]))

    def where(self, at: int) -> Location:
        return _where(self.name, self.text, at, self.line_base)


_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


def _cut(text: str, limit: int) -> int:
    """Where to stop tokenizing a chunk: at its last '<' before ``limit`` (that token may be
    cut), or one tag earlier when that '<' may open a CDATA section, so that a tag and its
    CDATA text are always read together."""
    end = text.rfind("<", 0, limit)
    if end > 0 and "<![CDATA[".startswith(text[end:end + 9]):
        end = text.rfind("<", 0, end)
    return max(end, 0)


def _cdata(name: str, text: str, last: bool, line_base: int) -> tuple[str, int]:
    """Replaces CDATA sections by escaped text (``&``/``<`` as entities, lines kept); returns
    the new text and where tokenizing must stop (before a section cut by the chunk end)."""
    closed = text.rfind("]]>")
    cut = text.find("<![CDATA[", closed + 1 if closed >= 0 else 0)
    if cut >= 0 and _CDATA.match(text, cut) is not None:
        cut = -1
    if cut >= 0 and last:
        raise ParseError(_where(name, text, cut, line_base),
                         "the file ends inside a CDATA section: it is truncated")
    head, tail = (text[:cut], text[cut:]) if cut >= 0 else (text, "")
    head = _CDATA.sub(lambda m: m.group(1).replace("&", "&amp;").replace("<", "&lt;"), head)
    new = head + tail
    if last:
        return new, len(new)
    # stop before the last tag of the settled part, so that a tag and its CDATA text (which
    # may be the cut section) are tokenized together
    return new, _cut(new, len(head))


def _declaration(name: str, text: str, offset: int, line_base: int, decl: str) -> None:
    if decl[1:].upper().startswith(("DOCTYPE", "ENTITY", "ELEMENT", "ATTLIST")):
        raise ParseError(_where(name, text, offset, line_base),
                         "DTD declarations are not allowed in OFX (entity expansion is refused)")
    raise ParseError(_where(name, text, offset, line_base),
                     f"unexpected markup <{decl[:30]} (CDATA and declarations are not OFX)")


_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] != "#":
        return _ENTITIES[ref]
    code = int(ref[2:], 16) if ref[1] == "x" else int(ref[1:])
    return chr(code) if 0 < code < 0x110000 else m.group(0)


def _unescape(text: str) -> str:
    """The five XML entities and numeric references; a bare '&' (SGML files) stays as is."""
    return _ENTITY.sub(_entity, text)


#: Leaves whose empty SGML form (``<BALAMT>`` then a newline) must not swallow the next element.
LEAVES = frozenset({
    "TRNTYPE", "DTPOSTED", "DTUSER", "DTAVAIL", "TRNAMT", "FITID", "CORRECTFITID",
    "CORRECTACTION", "SRVRTID", "CHECKNUM", "REFNUM", "SIC", "PAYEEID", "NAME", "EXTDNAME",
    "MEMO", "CURSYM", "CURRATE", "BALAMT", "DTASOF", "DTSTART", "DTEND", "CURDEF", "BANKID",
    "BRANCHID", "ACCTID", "ACCTTYPE", "ACCTKEY", "CODE", "SEVERITY", "MESSAGE", "DTSERVER",
    "LANGUAGE", "TRNUID", "VALUEDATE", "ORG", "FID", "DTPROFUP", "DTACCTUP", "MKTGINFO",
    "INV401KSOURCE", "ADDR1", "ADDR2", "ADDR3", "CITY", "STATE", "POSTALCODE", "COUNTRY",
    "PHONE", "CLTCOOKIE", "SESSCOOKIE", "ACCTBAL", "CATEGORY", "TRANSACTIONSPLIT",
})


def _key(stack: list[str], base: int, tag: str) -> str:
    parts = [t for t in stack[base + 1:] if t in AGGREGATES]
    parts.append(tag)
    return "/".join(parts)


def _where(name: str, text: str, offset: int, line_base: int, element: str | None = None,
           ) -> Location:
    return Location(name, line_base + text.count("\n", 0, offset), element)


def _garbage(name: str, text: str, pos: int, line_base: int, last: bool) -> None:
    snippet = text[pos:pos + 40].split("\n")[0]
    if last and ">" not in text[pos:]:
        raise ParseError(_where(name, text, pos, line_base),
                         f"the file ends inside the tag {snippet!r}: it is truncated")
    raise ParseError(_where(name, text, pos, line_base),
                     f"unexpected text {snippet!r}: a '<' that does not open an OFX tag "
                     "(not an OFX file, or an unescaped '<' in a text field)")


def _stray(name: str, text: str, m: re.Match[str], line_base: int) -> None:
    snippet = m.group(7).strip()[:40]
    raise ParseError(_where(name, text, m.start(7), line_base),
                     f"unexpected text {snippet!r} after {m.group(0).split('>')[0]}>")


def _status(name: str, text: str, offset: int, line_base: int, stack: list[str],
            status: dict[str, str], problems: list[Problem]) -> None:
    code = status.get("CODE", "0")
    if code in ("0", ""):
        return
    owner = stack[-1] if stack else "OFX"
    severity = status.get("SEVERITY", "ERROR").upper()
    message = status.get("MESSAGE", "no message")
    what = {"SONRS": "the bank refused the sign-on", "STMTTRNRS": "the bank returned an error "
            "for a statement", "CCSTMTTRNRS": "the bank returned an error for a card statement"
            }.get(owner, f"the bank returned status {code} in {owner}")
    problems.append(Problem(_where(name, text, offset, line_base, f"{owner}/STATUS"),
                            f"{what} (code {code}, {severity}): {message}",
                            "error" if severity == "ERROR" else "warning"))


# --------------------------------------------------------------------------- building

class _Bad(Exception):
    """A bad field: ``tag`` (relative element path) and ``reason``; located by the caller."""

    def __init__(self, tag: str, reason: str) -> None:
        super().__init__(reason)
        self.tag = tag
        self.reason = reason


_DATES: dict[str, date] = {}


def _date(text: str, tag: str) -> date:
    got = _DATES.get(text)
    if got is not None:
        return got
    m = _DATE.match(text)
    if m is None:
        raise _Bad(tag, f"{text!r} is not an OFX date ({tag.rsplit('/', 1)[-1]}; expected "
                        "YYYYMMDD[HHMMSS[.XXX]][[+-]h:TZ])")
    try:
        got = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise _Bad(tag, f"{text!r} is not a valid date ({tag.rsplit('/', 1)[-1]})") from None
    if len(_DATES) < 100_000:
        _DATES[text] = got
    return got


def _amount(text: str, currency: str | None, tag: str) -> Decimal:
    if not _AMOUNT.match(text):
        raise _Bad(tag, f"{text!r} is not an amount ({tag.rsplit('/', 1)[-1]}; expected digits "
                        "with an optional sign and a decimal dot or comma)")
    if "," in text:
        text = text.replace(",", ".")
    value = Decimal(text)
    dot = text.find(".")
    # more decimals than the currency has: only trailing zeros are allowed (to_minor checks)
    if currency is not None and dot >= 0 and len(text) - dot - 1 > exponent(currency):
        try:
            to_minor(value, currency)
        except AmountError as exc:
            raise _Bad(tag, f"{tag.rsplit('/', 1)[-1]}: {exc}") from None
    return value


def _statement(name: str, label: str, st: _Stmt, index: int, problems: list[Problem],
               stated: str | None) -> Statement:
    here = f"{st.kind}[{st.number}]"
    try:
        return _statement_fields(name, label, st, index, problems, stated)
    except _Bad as bad:
        raise ParseError(Location(name, st.line, f"{here}/{bad.tag}"), bad.reason) from None


def _statement_fields(name: str, label: str, st: _Stmt, index: int, problems: list[Problem],
                      stated: str | None) -> Statement:
    f = st.fields
    where = Location(name, st.line, f"{st.kind}[{st.number}]")
    acct_agg = _ACCOUNTS[st.kind]
    account = normalize.iban(f.get(f"{acct_agg}/ACCTID"))
    if account is None:
        problems.append(Problem(where, f"no {acct_agg}/ACCTID: the statement has no account"))
    currency = _curdef(f.get("CURDEF", "").upper() or None, st, stated, where, problems)
    movements = tuple(_movement(name, index, t, account, currency, problems) for t in st.txns)
    _check_fitids(name, st, movements, problems)
    closing = closing_date = None
    balamt = f.get("LEDGERBAL/BALAMT")
    if st.kind == "INVSTMTRS":
        problems.append(Problem(where, "an investment statement: its cash transactions "
                                       "(INVBANKTRAN) are read as movements of the account's "
                                       "cash; trades, positions and balances are not"))
    elif "LEDGERBAL/BALAMT" not in f and "LEDGERBAL/DTASOF" not in f:
        problems.append(Problem(where, "no LEDGERBAL: the statement has no closing balance"))
    elif not balamt:
        problems.append(Problem(Location(name, st.line, f"{where.element}/LEDGERBAL/BALAMT"),
                                "LEDGERBAL has an empty BALAMT: no closing balance"))
    else:
        closing = _amount(balamt, currency, "LEDGERBAL/BALAMT")
    if f.get("LEDGERBAL/DTASOF"):
        closing_date = _date(f["LEDGERBAL/DTASOF"], "LEDGERBAL/DTASOF")
    ends = [_date(d, "BANKTRANLIST/DTEND") for d in st.dtend]
    starts = [_date(d, "BANKTRANLIST/DTSTART") for d in st.dtstart]
    if closing_date is None and ends:
        closing_date = max(ends)
    if currency is None and movements:
        currency = movements[0].currency
    return Statement(file=name, format=label, movements=movements, account=account,
                     currency=currency, statement_id=None, opening_balance=None,
                     closing_balance=closing, opening_date=min(starts) if starts else None,
                     closing_date=closing_date)


def _curdef(curdef: str | None, st: _Stmt, stated: str | None, where: Location,
            problems: list[Problem]) -> str | None:
    """The statement's currency: ``CURDEF``; without it, None when every transaction has
    its own ``CURRENCY`` (their currency is used), else the stated one or EUR (with a
    problem)."""
    if curdef is not None:
        if not is_currency(curdef):
            raise _Bad("CURDEF", f"{curdef!r} is not an ISO 4217 currency code")
        return curdef
    if all(t.fields.get("CURRENCY/CURSYM") for t in st.txns):
        problems.append(Problem(where, "CURDEF is missing or empty: the statement currency is "
                                       "unknown; the transactions' CURRENCY is used"))
        return None
    if stated is None:
        problems.append(Problem(where, "CURDEF is missing or empty: EUR assumed (state it with "
                                       "--currency)"))
    return stated or "EUR"


def _check_fitids(name: str, st: _Stmt, movements: tuple[Movement, ...],
                  problems: list[Problem]) -> None:
    seen: set[str] = set()
    for mv in movements:
        ref = mv.bank_reference
        if ref is None:
            continue
        if ref in seen:
            problems.append(Problem(Location(name, None, mv.source.position),
                                    f"FITID {ref!r} is used twice in {st.kind}[{st.number}]"))
        seen.add(ref)


def _movement(name: str, index: int, t: _Txn, account: str | None, curdef: str | None,
              problems: list[Problem]) -> Movement:
    try:
        return _movement_fields(name, index, t, account, curdef, problems)
    except _Bad as bad:
        raise ParseError(Location(name, t.line, f"{t.position}/{bad.tag}"), bad.reason) from None


def _movement_fields(name: str, index: int, t: _Txn, account: str | None, curdef: str | None,
                     problems: list[Problem]) -> Movement:
    f = t.fields
    pos = t.position
    posted = f.get("DTPOSTED")
    if not posted:
        raise _Bad("DTPOSTED", "the transaction has no DTPOSTED (posting date)")
    booking = _date(posted, "DTPOSTED")
    avail = f.get("DTAVAIL") or f.get("VALUEDATE")
    value_date = _date(avail, "DTAVAIL" if "DTAVAIL" in f else "VALUEDATE") if avail else None
    currency = (f.get("CURRENCY/CURSYM") or curdef or "").upper()
    if not currency:
        raise _Bad("CURRENCY", "no currency: CURDEF is missing or empty and the transaction "
                               "has no CURRENCY/CURSYM")
    if not is_currency(currency):
        raise _Bad("CURRENCY/CURSYM", f"{currency!r} is not an ISO 4217 currency code")
    raw = f.get("TRNAMT")
    if not raw:
        raise _Bad("TRNAMT", "the transaction has no TRNAMT (amount)")
    amount = _amount(raw, currency, "TRNAMT")
    trntype = f.get("TRNTYPE", "").upper() or None
    if trntype is None:
        problems.append(Problem(Location(name, t.line, f"{pos}/TRNTYPE"),
                                "the transaction has no TRNTYPE"))
    elif trntype not in TRNTYPES:
        problems.append(Problem(Location(name, t.line, f"{pos}/TRNTYPE"),
                                f"unknown TRNTYPE {trntype!r}; kept as the bank transaction code"))
    fitid = f.get("FITID")
    if not fitid and t.status == "booked":
        problems.append(Problem(Location(name, t.line, f"{pos}/FITID"), "the transaction has no "
                                "FITID: its identity falls back to its content"))
    if "CORRECTFITID" in f:
        problems.append(Problem(Location(name, t.line, f"{pos}/CORRECTFITID"),
                                f"the transaction corrects FITID {f['CORRECTFITID']!r} "
                                f"({f.get('CORRECTACTION', '?')}); imported as a movement of "
                                "its own"))
    counterparty, remittance = _texts(f)
    refs: list[Reference] = []
    for tag, kind in (("CHECKNUM", "reference"), ("REFNUM", "reference"),
                      ("SRVRTID", "bank_ref")):
        val = f.get(tag)
        if val and val.strip("0"):
            refs.append(Reference(kind, val))
    iban = normalize.iban(f.get("BANKACCTTO/ACCTID") or f.get("CCACCTTO/ACCTID"))
    orig = f.get("ORIGCURRENCY/CURSYM", "").upper() or None
    return Movement(
        booking_date=booking, value_date=value_date, amount=amount, currency=currency,
        source=Source(name, index, pos), account=account, counterparty_name=counterparty,
        counterparty_iban=iban if iban and _IBAN.match(iban) else None,
        remittance=remittance, references=tuple(refs), bank_reference=fitid or None,
        bank_tx_code=trntype, status=t.status, instructed_currency=orig,
    )


def _texts(f: dict[str, str]) -> tuple[str | None, str]:
    """(counterparty name, remittance) from NAME/PAYEE/EXTDNAME and MEMO."""
    name = f.get("NAME") or f.get("PAYEE/NAME") or ""
    memo = f.get("MEMO", "")
    memo = " ".join(memo.split()) if memo else ""
    name = " ".join(name.split()) if name else ""
    full = f.get("EXTDNAME")
    if not memo:
        remittance = name
    elif not name or name in memo:
        remittance = memo
    elif len(f.get("NAME", "")) == NAME_LIMIT and not full:
        remittance = f["NAME"] + memo  # the name was cut at 32 characters and goes on in MEMO
    else:
        remittance = memo
    return (" ".join(full.split()) if full else name) or None, remittance
