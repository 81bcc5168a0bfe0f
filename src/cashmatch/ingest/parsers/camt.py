"""ISO 20022 bank-to-customer cash management: camt.052, camt.053 and camt.054, every version.

One streaming parser for all of them. The message type comes from the document's root child
(``BkToCstmrAcctRpt`` 052 / ``BkToCstmrStmt`` 053 / ``BkToCstmrDbtCdtNtfctn`` 054), the
version from the namespace, which is otherwise ignored: elements are looked up in whatever
namespace the document uses (some banks use none). lxml ``iterparse`` reports each ``Ntry``
when it ends; the entry is turned into movements and cleared at once, so memory stays flat
however large the file is (measured in ``benchmarks/parse_bench.py``).

Version differences handled (REFERENCE.md §4.2):

- ``Sts`` is text up to .06 and ``Sts/Cd`` (or ``Sts/Prtry``) from .07; ``BOOK`` → booked,
  ``PDNG`` → pending, anything else (``INFO``) is skipped with a problem;
- ``BookgDt``/``ValDt`` hold ``Dt`` or ``DtTm``: the local date as written is kept (never
  shifted to UTC);
- ``Dbtr/Nm`` (≤ .06) vs ``Dbtr/Pty/Nm`` (.08+); the counterparty of a credit is the debtor,
  of a debit the creditor (the other way round for a reversal, ``RvslInd``);
- ``TxDtls/Amt`` exists from .03; before, ``AmtDtls/TxAmt/Amt`` or the entry's amount;
- charges: repeated ``Chrgs`` (.02/.03) or one ``Chrgs`` with ``TtlChrgsAndTaxAmt``/``Rcrd``.

A batch entry with several ``TxDtls`` becomes one movement per transaction detail, each
keeping the entry's identity (``entry_key``) and reference; a problem is reported when the
details do not add up to the entry. Remittance text joins every ``Ustrd``, the structured
creditor references (``Strd/CdtrRefInf/Ref``), referred document numbers, ``AddtlTxInf`` and
``AddtlNtryInf``.

Untrusted XML: DTDs and entity declarations are refused before parsing, and lxml runs with
entity resolution, DTD loading and network access off. Zip files of camt messages are read
member by member.
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from lxml import etree

from cashmatch.errors import Location, ParseError, Problem
from cashmatch.ingest import normalize
from cashmatch.model import Movement, ParseResult, Reference, Source, Statement
from cashmatch.money import AmountError, to_minor

FORMAT = "camt"
PRIORITY = 10

_ROOTS = {"BkToCstmrStmt": ("camt.053", "Stmt"), "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
          "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn")}
_NS_RE = re.compile(rb"""xmlns(?::\w+)?=["']([^"']*camt\.05[234][^"']*)["']""")
_VERSION_RE = re.compile(r"camt\.(05[234])\.001\.(\d{2})")
_HOSTILE_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_VSUFFIX_RE = re.compile(r"V\d\d$")
#: What reading a damaged zip archive or member raises.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError)


def identify(head: bytes, path: Path) -> str | None:
    """Claims camt XML (by root element or namespace), and zip files of camt messages."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                for name in names[:20]:
                    with zf.open(name) as fh:
                        inner = fh.read(4096)
                    if _camt_reason(inner):
                        return f"zip archive of camt messages ({len(names)} member(s))"
        except (*_ZIP_ERRORS, RuntimeError):  # RuntimeError: an encrypted member
            return None
        return None
    return _camt_reason(head)


def _camt_reason(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return None
    m = _NS_RE.search(head)
    if m:
        return f"XML namespace {m.group(1).decode('ascii', 'replace')}"
    for root in _ROOTS:
        if f"<{root}".encode() in head or f":{root}".encode() in head:
            return f"XML document with a {root} element"
    return None


def parse(path: Path, currency: str | None = None) -> ParseResult:
    """Parse a camt file (or a zip of them). ``currency`` is the currency of an amount
    without ``Ccy`` (else EUR, with a problem)."""
    name = str(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ParseError(Location(name), f"cannot read the file: {exc.strerror}") from exc
    if head.startswith(b"PK\x03\x04"):
        return _parse_zip(path, currency)
    with path.open("rb") as fh:
        return _parse_stream(fh, name, currency)


def _parse_zip(path: Path, currency: str | None) -> ParseResult:
    statements: list[Statement] = []
    problems: list[Problem] = []
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ParseError(Location(str(path)), f"not a readable zip archive: {exc}") from exc
    with zf:
        members = sorted(n for n in zf.namelist() if not n.endswith("/"))
        if not members:
            raise ParseError(Location(str(path)), "the zip archive is empty")
        for member in members:
            label = f"{path}!{member}"
            if zf.getinfo(member).flag_bits & 0x1:
                raise ParseError(Location(label), "the zip member is encrypted")
            try:
                result = _parse_member(zf, member, label, currency)
            except _ZIP_ERRORS as exc:
                raise ParseError(Location(label), f"the zip member cannot be read: "
                                                  f"{_one_line(str(exc))}") from exc
            if result is None:
                problems.append(Problem(Location(label), "not a camt message: skipped"))
                continue
            statements.extend(result.statements)
            problems.extend(result.problems)
    if not statements and problems:
        raise ParseError(Location(str(path)), "the zip archive holds no camt message")
    return ParseResult(statements, problems)


@dataclass
class _Names:
    """Namespaced element paths of one document (its namespace, or none)."""

    ns: str

    def __post_init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        got = self._cache.get(path)
        if got is None:
            if self.ns:
                got = "/".join(f"{{{self.ns}}}{p}" if p not in (".", "..") else p
                               for p in path.split("/"))
            else:
                got = path
            self._cache[path] = got
        return got


def _parse_member(zf: zipfile.ZipFile, member: str, label: str,
                  currency: str | None) -> ParseResult | None:
    """One member of a zip archive parsed, or None when it is not a camt message."""
    with zf.open(member) as fh:
        head = fh.read(4096)
    if not _camt_reason(head):
        return None
    with zf.open(member) as fh:
        return _parse_stream(fh, label, currency)


def _one_line(message: str) -> str:
    """lxml's messages may hold line breaks: one line, whitespace runs folded."""
    return " ".join(message.split()).replace(" ,", ",")


def _parse_stream(fh: IO[bytes], name: str, currency: str | None) -> ParseResult:
    head = fh.read(65536)
    if _HOSTILE_RE.search(head):
        raise ParseError(Location(name, _line_of(head, _HOSTILE_RE)),
                         "DTDs and entity declarations are refused in statement files "
                         "(they are how XML bombs and external entity attacks work)")
    fh.seek(0)
    ns, kind, version = _document_kind(head, name)
    n = _Names(ns)
    stmt_tag = n(_ROOTS_BY_KIND[kind])
    entry_tag = n("Ntry")
    statements: list[Statement] = []
    problems: list[Problem] = []
    movements: list[Movement] = []
    entry_no = 0
    stmt_index = 0
    account: str | None = None
    prefix = ""
    try:
        context = etree.iterparse(fh, events=("end",), tag=(entry_tag, stmt_tag),
                                  resolve_entities=False, no_network=True, load_dtd=False,
                                  huge_tree=False, remove_comments=True)
        for _, elem in context:
            if elem.tag == entry_tag:
                entry_no += 1
                if entry_no == 1:  # the statement's Acct precedes its entries
                    parent = elem.getparent()
                    account = _account(parent, n) if parent is not None else None
                    prefix = elem.prefix or ""
                where = f"{_ROOTS_BY_KIND[kind]}[{stmt_index + 1}]/Ntry[{entry_no}]"
                movements.extend(_entry(elem, n, prefix, name, stmt_index, where, problems,
                                        (account, currency)))
                elem.clear(keep_tail=False)
                # drop the entries already read; keep the statement's Id, Acct and Bal
                prev = elem.getprevious()
                while prev is not None and prev.tag == entry_tag:
                    owner = prev.getparent()
                    assert owner is not None
                    owner.remove(prev)
                    prev = elem.getprevious()
            else:
                statements.append(_statement(elem, n, name, f"{kind}.001.{version}",
                                             stmt_index, movements, problems))
                stmt_index += 1
                entry_no = 0
                movements = []
                elem.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise ParseError(Location(name, line),
                         f"not well-formed XML: {_one_line(exc.msg)}") from exc
    if not statements and not problems:
        raise ParseError(Location(name), f"no {_ROOTS_BY_KIND[kind]} element in the document")
    return ParseResult(statements, problems)


_ROOTS_BY_KIND = {kind: tag for kind, tag in _ROOTS.values()}


def _line_of(head: bytes, rx: re.Pattern[bytes]) -> int | None:
    m = rx.search(head)
    return head[: m.start()].count(b"\n") + 1 if m else None


def _document_kind(head: bytes, name: str) -> tuple[str, str, str]:
    """(namespace, message kind, version) from the start of the document."""
    try:
        root_tag, ns = _first_elements(head)
    except etree.XMLSyntaxError as exc:
        raise ParseError(Location(name, exc.lineno or None),
                         f"not well-formed XML: {_one_line(exc.msg)}") from exc
    if root_tag is None:
        raise ParseError(Location(name), "not a camt message: no BkToCstmrStmt, "
                                         "BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn element")
    if ns and re.search(r"[{}\s]", ns):
        raise ParseError(Location(name), f"the XML namespace {ns!r} is not a valid URI")
    kind = _ROOTS[root_tag][0]
    m = _VERSION_RE.search(ns or "")
    version = m.group(2) if m else "??"
    return ns or "", kind, version


def _first_elements(head: bytes) -> tuple[str | None, str | None]:
    """The message root (BkToCstmr...) local name and its namespace, from the head only."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True,
                                 load_dtd=False)
    parser.feed(head)
    for _, el in parser.read_events():
        # "{namespace}local"; split by hand: QName refuses a namespace holding "}"
        namespace, _, local = el.tag[1:].rpartition("}") if el.tag[:1] == "{" else ("", "", el.tag)
        local = _VSUFFIX_RE.sub("", local)  # version 1: BkToCstmrStmtV01
        if local in _ROOTS:
            return local, namespace or None
    return None, None


# -- entries -------------------------------------------------------------------------------
#
# An entry is read from its serialisation rather than by walking its elements from Python:
# ``etree.tostring`` (C) gives the entry's canonical markup (comments already dropped, CDATA
# turned into escaped text, attributes double-quoted), and one ``str.split("<")`` cuts it into
# tags. A single loop then files every text under its path relative to the entry, or to its
# ``TxDtls`` for the transaction details. Why, with figures: docs/adr/0005-camt-entries-from-
# their-serialisation.md.

_Leaves = dict[str, list[str]]
_CCY_RE = re.compile(r'\bCcy="([^"]*)"')
_TXDTLS_TAG = re.compile(r"<(/?)(?:[\w.-]+:)?TxDtls(?:\s[^>]*)?>")


@dataclass(slots=True)
class _Flat:
    """One entry's texts, each path a list of texts in document order: ``entry`` by path from
    ``Ntry`` (``/BookgDt/Dt``; transaction details excluded), ``details`` one dict per
    ``TxDtls`` by path from it (``/RltdPties/Dbtr/Pty/Nm``). Attributes are kept under
    ``path + "@"`` as written (``Ccy="EUR"``)."""

    entry: _Leaves
    details: list[_Leaves]


_HEADS: dict[str, tuple[str, str | None] | None] = {}


_UNSEEN = ("", None)


def _head(head: str) -> tuple[str, str | None] | None:
    """("/" + local name, attributes or None) of a start tag's text; None for a tag that files
    nothing (empty element, processing instruction). Cached: a statement has few distinct tags."""
    got: tuple[str, str | None] | None = None
    if head[:1] not in ("?", "!", "") and head[-1] != "/":
        name, _, attrs = head.partition(" ")
        got = ("/" + name.rpartition(":")[2], attrs or None)
    if len(_HEADS) < 4096:
        _HEADS[head] = got
    return got


def _walk(markup: str, leaves: _Leaves) -> None:
    """File every text of ``markup`` (a run of sibling elements) under its path."""
    stack: list[str] = []
    push, pop = stack.append, stack.pop
    heads = _HEADS
    path = ""
    tokens = markup.split("<")
    for token in tokens[1:]:  # tokens[0] is the text before the first tag
        if token[0] == "/":
            path = pop()
            continue
        head, _, text = token.partition(">")
        info = heads.get(head, _UNSEEN)
        if info is _UNSEEN:
            info = _head(head)
        if info is None:
            continue
        push(path)
        path += info[0]
        if info[1]:
            leaves[path + "@"] = [info[1]]
        if text and not text.isspace():
            if "&" in text:
                text = html.unescape(text)
            got = leaves.get(path)
            if got is None:
                leaves[path] = [text]
            else:
                got.append(text)


def _flatten(node: Any, prefix: str) -> _Flat:
    markup = etree.tostring(node, encoding=str, with_tail=False)
    if prefix:
        markup = markup.replace(f"<{prefix}:", "<").replace(f"</{prefix}:", "</")
    start = markup.find(">") + 1
    end = markup.rfind("<")
    if end < start or markup[start - 2] == "/":  # an empty <Ntry/>
        return _Flat({}, [])
    body = markup[start:end]
    parts = body.split("<TxDtls>")
    if body.count("TxDtls") != 2 * (len(parts) - 1):  # a TxDtls with attributes or a prefix
        body = _TXDTLS_TAG.sub(lambda m: f"<{m.group(1)}TxDtls>", body)
        parts = body.split("<TxDtls>")
    details: list[_Leaves] = []
    rest = [parts[0]]
    for part in parts[1:]:
        tx, _, after = part.partition("</TxDtls>")
        leaves: _Leaves = {}
        _walk(tx, leaves)
        details.append(leaves)
        rest.append(after)
    entry: _Leaves = {}
    _walk("".join(rest), entry)
    return _Flat(entry, details)


def _one(leaves: _Leaves, path: str) -> str | None:
    """The first text at ``path``, stripped; None when absent or blank."""
    got = leaves.get(path)
    if got is None:
        return None
    return got[0].strip() or None


def _each(leaves: _Leaves, path: str) -> list[str]:
    """Every text at ``path`` with its whitespace runs folded, blanks dropped."""
    return [" ".join(t.split()) for t in leaves.get(path, ()) if t and not t.isspace()]


def _currency_of(leaves: _Leaves, path: str) -> str | None:
    got = leaves.get(path + "@")
    if got is None:
        return None
    m = _CCY_RE.search(got[0])
    return m.group(1).upper() if m else None


def _decimal(text: str | None, where: Location) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ParseError(where, f"{text!r} is not an amount") from None


def _day(raw: str | None, where: Location) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])  # the local date as written
    except ValueError:
        raise ParseError(where, f"{raw!r} is not a date") from None


def _leaf_date(leaves: _Leaves, path: str, where: Location) -> date | None:
    return _day(_one(leaves, f"{path}/Dt") or _one(leaves, f"{path}/DtTm"), where)


def _creation_date(node: Any, n: _Names) -> date | None:
    """The statement's (or else the message's) creation date, for undated entries."""
    stmt = node.getparent()
    raw = _text(stmt, n("CreDtTm")) if stmt is not None else None
    if raw is None and stmt is not None and stmt.getparent() is not None:
        raw = _text(stmt.getparent(), n("GrpHdr/CreDtTm"))
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _status(leaves: _Leaves) -> str | None:
    code = _one(leaves, "/Sts/Cd") or _one(leaves, "/Sts/Prtry") or _one(leaves, "/Sts")
    return code.upper() if code else None


def _bank_code(leaves: _Leaves) -> str | None:
    dom = _one(leaves, "/BkTxCd/Domn/Cd")
    if dom:
        fam = _one(leaves, "/BkTxCd/Domn/Fmly/Cd") or ""
        sub = _one(leaves, "/BkTxCd/Domn/Fmly/SubFmlyCd") or ""
        return "-".join(x for x in (dom, fam, sub) if x)
    return _one(leaves, "/BkTxCd/Prtry/Cd")


def _signed(amount: Decimal, indicator: str | None, where: Location) -> Decimal:
    if indicator == "CRDT":
        return amount
    if indicator == "DBIT":
        return -amount
    raise ParseError(where, f"credit/debit indicator {indicator!r} is not CRDT or DBIT")


def _party(tx: _Leaves, role: str) -> tuple[str | None, str | None, str | None]:
    """(name, IBAN, BIC) of the debtor or creditor of a transaction."""
    parties = f"/RltdPties/{role}"
    name = (_one(tx, f"{parties}/Nm") or _one(tx, f"{parties}/Pty/Nm")
            or _one(tx, f"/RltdPties/Ultmt{role}/Nm") or _one(tx, f"/RltdPties/Ultmt{role}/Pty/Nm"))
    iban = _one(tx, f"{parties}Acct/Id/IBAN") or _one(tx, f"{parties}Acct/Id/Othr/Id")
    bic = (_one(tx, f"/RltdAgts/{role}Agt/FinInstnId/BIC")
           or _one(tx, f"/RltdAgts/{role}Agt/FinInstnId/BICFI"))
    return name, normalize.iban(iban), bic


def _charges(leaves: _Leaves, where: Location) -> Decimal | None:
    total = _one(leaves, "/Chrgs/TtlChrgsAndTaxAmt")
    if total is not None:
        return _decimal(total, where)
    amounts = leaves.get("/Chrgs/Rcrd/Amt") or leaves.get("/Chrgs/Amt")  # .02/.03: Chrgs/Amt
    if not amounts:
        return None
    return sum((_decimal(a, where) or Decimal(0) for a in amounts), Decimal(0))


def _remittance(tx: _Leaves) -> tuple[list[str], list[Reference]]:
    texts = _each(tx, "/RmtInf/Ustrd")
    refs = [Reference("creditor_ref", r.strip()) for r in tx.get("/RmtInf/Strd/CdtrRefInf/Ref", ())
            if r.strip()]
    texts += [r.value for r in refs]
    texts += [r.strip() for r in tx.get("/RmtInf/Strd/RfrdDocInf/Nb", ()) if r.strip()]
    texts += _each(tx, "/RmtInf/Strd/AddtlRmtInf")
    extra = _one(tx, "/AddtlTxInf")
    if extra:
        texts.append(" ".join(extra.split()))
    return texts, refs


_REF_FIELDS = tuple((f"/Refs/{tag}", kind) for tag, kind in (
    ("EndToEndId", "end_to_end"), ("InstrId", "instruction"), ("TxId", "transaction"),
    ("MndtId", "mandate"), ("PmtInfId", "payment_info"), ("ChqNb", "cheque"),
    ("AcctSvcrRef", "bank_ref")))


def _refs(tx: _Leaves) -> list[Reference]:
    out = []
    for path, kind in _REF_FIELDS:
        value = _one(tx, path)
        if value and value.upper() != "NOTPROVIDED":
            out.append(Reference(kind, value))
    return out


@dataclass(slots=True)
class _EntryFacts:
    """What every movement of one entry shares."""

    file: str
    stmt_index: int
    booking: date
    value_date: date | None
    currency: str
    role: str
    entry_ref: str | None
    ntry_ref: str | None
    entry_code: str | None
    entry_info: str | None
    status: str | None
    account: str | None


def _entry(node: Any, n: _Names, prefix: str, file: str, stmt_index: int, where_path: str,
           problems: list[Problem], account_and_currency: tuple[str | None, str | None],
           ) -> Iterator[Movement]:
    """The movements of one ``Ntry`` (one per transaction detail of a batch that adds up);
    ``account_and_currency``: the statement's account and the currency stated by the user
    for an amount without ``Ccy``."""
    account, stated = account_and_currency
    where = Location(file, node.sourceline, where_path)
    flat = _flatten(node, prefix)
    elem = flat.entry
    raw_amount = _one(elem, "/Amt")
    if raw_amount is None:
        raise ParseError(where, "the entry has no Amt")
    currency = _currency_of(elem, "/Amt")
    if currency is None:
        currency = stated or "EUR"
        if stated is None:
            problems.append(Problem(where, "the entry's Amt has no Ccy: EUR assumed (state it "
                                           "with --currency)"))
    amount = _decimal(raw_amount, where)
    assert amount is not None
    indicator = _one(elem, "/CdtDbtInd")
    reversal = (_one(elem, "/RvslInd") or "").lower() == "true"
    signed = _signed(amount, indicator, where)
    status = _status(elem)
    if status not in ("BOOK", "PDNG", None):
        problems.append(Problem(where, f"entry with status {status} (not booked nor pending): "
                                       "skipped"))
        return
    booking = _leaf_date(elem, "/BookgDt", where) or _leaf_date(elem, "/ValDt", where)
    if booking is None:
        created = _creation_date(node, n)
        if created is None:
            raise ParseError(where, "the entry has neither a booking date nor a value date, "
                                    "and the message no creation date")
        booking = created
        problems.append(Problem(where, f"entry without a booking or value date: dated {booking} "
                                       "from the message's creation time"))
    credit_side = (indicator == "CRDT") != reversal
    facts = _EntryFacts(file, stmt_index, booking, _leaf_date(elem, "/ValDt", where), currency,
                        "Dbtr" if credit_side else "Cdtr", _one(elem, "/AcctSvcrRef"),
                        _one(elem, "/NtryRef"), _bank_code(elem), _one(elem, "/AddtlNtryInf"),
                        status, account)
    details = flat.details
    if len(details) > 1:
        places = [Location(file, node.sourceline, f"{where_path}/TxDtls[{i}]")
                  for i in range(1, len(details) + 1)]
        amounts = [_tx_amount(tx, indicator, at) for tx, at in zip(details, places, strict=True)]
        known = [a for a in amounts if a is not None]
        if len(known) == len(amounts) and sum(known, Decimal(0)) == signed:
            entry_key = facts.entry_ref or facts.ntry_ref or where_path
            for tx, tx_amount, at in zip(details, known, places, strict=True):
                yield _movement(facts, tx, at, tx_amount, _bank_code(tx) or facts.entry_code,
                                _charges(tx, at), entry_key)
            return
        problems.append(Problem(where, f"the {len(details)} transaction details do not add up "
                                       f"to the entry amount {signed}: kept as one movement"))
    # one movement for the entry: its amount is what the account was booked with (a detail's
    # own amount may be in another currency); all details' texts and references are kept
    first = details[0] if details else None
    yield _movement(facts, first, where, signed,
                    (_bank_code(first) if first else None) or facts.entry_code,
                    (_charges(first, where) if first else None) or _charges(elem, where),
                    None, details[1:])


def _tx_amount(tx: _Leaves, entry_indicator: str | None, where: Location) -> Decimal | None:
    indicator = _one(tx, "/CdtDbtInd") or entry_indicator
    raw = _one(tx, "/Amt")
    if raw is not None:
        value = _decimal(raw, where)
        assert value is not None
        return _signed(value, indicator, where)
    raw = _one(tx, "/AmtDtls/TxAmt/Amt")
    if raw is not None:
        value = _decimal(raw, where)
        assert value is not None
        return _signed(value, entry_indicator, where)
    return None


def _movement(facts: _EntryFacts, tx: _Leaves | None, where: Location, amount: Decimal,
              code: str | None, charges: Decimal | None, entry_key: str | None,
              more: list[_Leaves] | None = None) -> Movement:
    if tx is not None:
        name, iban, bic = _party(tx, facts.role)
        texts, structured = _remittance(tx)
        refs = _refs(tx)
    else:
        name = iban = bic = None
        texts, structured, refs = [], [], []
    for other in more or ():
        more_texts, more_structured = _remittance(other)
        texts += more_texts
        structured += more_structured
        refs += _refs(other)
    if facts.entry_info:
        texts.append(" ".join(facts.entry_info.split()))
    if facts.ntry_ref:
        refs.append(Reference("entry_ref", facts.ntry_ref))
    tx_ref = next((r.value for r in refs if r.kind == "bank_ref"), None)
    instructed = None
    instructed_ccy = None
    raw = _one(tx, "/AmtDtls/InstdAmt/Amt") if tx is not None else None
    if raw is not None and tx is not None:
        instructed = _decimal(raw, where)
        instructed_ccy = _currency_of(tx, "/AmtDtls/InstdAmt/Amt") or facts.currency
    try:
        to_minor(amount, facts.currency)
    except AmountError as exc:
        raise ParseError(where, str(exc)) from exc
    return Movement(
        booking_date=facts.booking, value_date=facts.value_date, amount=amount,
        currency=facts.currency, source=Source(facts.file, facts.stmt_index, where.element or ""),
        counterparty_name=name, counterparty_iban=iban, counterparty_bic=bic,
        remittance=" ".join(texts),
        references=tuple(structured + [r for r in refs if r.kind != "bank_ref"]),
        bank_reference=tx_ref or facts.entry_ref, bank_tx_code=code,
        status="pending" if facts.status == "PDNG" else "booked",
        charges=charges, account=facts.account,
        instructed_amount=instructed, instructed_currency=instructed_ccy, entry_key=entry_key)


# -- statements ----------------------------------------------------------------------------

def _text(elem: Any, path: str) -> str | None:
    value = elem.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _date(elem: Any, n: _Names, path: str, where: Location) -> date | None:
    return _day(_text(elem, n(f"{path}/Dt")) or _text(elem, n(f"{path}/DtTm")), where)


def _account(stmt: Any, n: _Names) -> str | None:
    iban = (_text(stmt, n("Acct/Id/IBAN")) or _text(stmt, n("Acct/Id/Othr/Id"))
            or _text(stmt, n("Acct/Id/PrtryAcct/Id")))  # version 1
    return normalize.iban(iban)


_OPENING = ("OPBD", "PRCD", "OPAV")
_CLOSING = ("CLBD", "CLAV")


def _statement(elem: Any, n: _Names, file: str, fmt: str, stmt_index: int,
               movements: list[Movement], problems: list[Problem]) -> Statement:
    where = Location(file, elem.sourceline, f"{elem.tag.split('}')[-1]}[{stmt_index + 1}]")
    account = _account(elem, n)
    currency = _text(elem, n("Acct/Ccy"))
    balances = []
    for bal in elem.findall(n("Bal")):
        code = (_text(bal, n("Tp/CdOrPrtry/Cd")) or _text(bal, n("Tp/CdOrPrtry/Prtry"))
                or "").upper()
        amt = bal.find(n("Amt"))
        if amt is None or amt.text is None:
            problems.append(Problem(where, f"balance {code} without an amount: ignored"))
            continue
        value = _signed(_decimal(amt.text, where) or Decimal(0),
                        _text(bal, n("CdtDbtInd")), where)
        ccy = (amt.get("Ccy") or currency or "EUR").upper()
        try:
            to_minor(value, ccy)
        except AmountError as exc:
            raise ParseError(Location(file, bal.sourceline, f"{where.element}/Bal {code}"),
                             f"balance {amt.text.strip()}: {exc}") from exc
        day = _date(bal, n, "Dt", where)
        balances.append((code, value, day, (amt.get("Ccy") or "").upper()))
        currency = currency or (amt.get("Ccy") or "").upper() or None
    opening = next((b for code in _OPENING for b in balances if b[0] == code), None)
    closing = next((b for code in _CLOSING for b in balances if b[0] == code), None)
    interim = [b for b in balances if b[0] == "ITBD"]
    if opening is None and closing is None and interim:
        opening, closing = interim[0], interim[-1]
    if currency is None and movements:
        currency = movements[0].currency
    fr = _text(elem, n("FrToDt/FrDtTm"))
    to = _text(elem, n("FrToDt/ToDtTm"))
    opening_date = opening[2] if opening else _day(fr, where)
    closing_date = closing[2] if closing else _day(to, where)
    if fmt.startswith("camt.053") and (opening is None or closing is None):
        missing = " and ".join(w for w, b in (("opening", opening), ("closing", closing))
                               if b is None)
        problems.append(Problem(where, f"the statement has no {missing} booked balance: the "
                                       "file may be truncated or damaged"))
    if movements:
        opening_date = opening_date or min(m.booking_date for m in movements)
        closing_date = closing_date or max(m.booking_date for m in movements)
    return Statement(
        file=file, format=fmt, movements=tuple(movements),
        account=account, currency=currency, statement_id=_text(elem, n("Id")),
        opening_balance=opening[1] if opening else None,
        closing_balance=closing[1] if closing else None,
        opening_date=opening_date, closing_date=closing_date)
