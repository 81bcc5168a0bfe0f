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

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from lxml import etree

from cashmatch.errors import Location, ParseError, Problem
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
        except (zipfile.BadZipFile, OSError):
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


def parse(path: Path) -> ParseResult:
    """Parse a camt file (or a zip of them)."""
    name = str(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ParseError(Location(name), f"cannot read the file: {exc.strerror}") from exc
    if head.startswith(b"PK\x03\x04"):
        return _parse_zip(path)
    with path.open("rb") as fh:
        return _parse_stream(fh, name)


def _parse_zip(path: Path) -> ParseResult:
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
            with zf.open(member) as fh:
                head = fh.read(4096)
            if not _camt_reason(head):
                problems.append(Problem(Location(label), "not a camt message: skipped"))
                continue
            with zf.open(member) as fh:
                result = _parse_stream(fh, label)
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


def _parse_stream(fh: IO[bytes], name: str) -> ParseResult:
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
                where = f"{_ROOTS_BY_KIND[kind]}[{stmt_index + 1}]/Ntry[{entry_no}]"
                movements.extend(_entry(elem, n, name, stmt_index, where, problems, account))
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
        raise ParseError(Location(name, line), f"not well-formed XML: {exc.msg}") from exc
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
                         f"not well-formed XML: {exc.msg}") from exc
    if root_tag is None:
        raise ParseError(Location(name), "not a camt message: no BkToCstmrStmt, "
                                         "BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn element")
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
        local = _VSUFFIX_RE.sub("", etree.QName(el).localname)  # version 1: BkToCstmrStmtV01
        if local in _ROOTS:
            return local, etree.QName(el).namespace
    return None, None


# -- entries -------------------------------------------------------------------------------

class _Tree:
    """An element's subtree indexed by relative path, walked once: looking a field up is then
    a dict access instead of an ElementPath search (ten times faster on real statements)."""

    __slots__ = ("elem", "nodes")

    def __init__(self, elem: Any, skip: str | None = None) -> None:
        self.elem = elem
        nodes: dict[str, list[Any]] = {}
        self.nodes = nodes
        stack: list[tuple[Any, str]] = [(elem, "")]
        pop, push, get = stack.pop, stack.append, nodes.get
        while stack:
            node, prefix = pop()
            for child in node:
                tag = child.tag
                if tag.__class__ is not str or tag == skip:
                    continue
                path = prefix + "/" + tag if prefix else tag
                found = get(path)
                if found is None:
                    nodes[path] = [child]
                else:
                    found.append(child)
                if len(child):
                    push((child, path))

    def find(self, path: str) -> Any | None:
        found = self.nodes.get(path)
        return found[0] if found else None

    def findall(self, path: str) -> list[Any]:
        return self.nodes.get(path, [])

    def findtext(self, path: str) -> str | None:
        found = self.nodes.get(path)
        return (found[0].text or "") if found else None

    @property
    def sourceline(self) -> int | None:
        return self.elem.sourceline  # type: ignore[no-any-return]


def _text(elem: Any, path: str) -> str | None:
    value = elem.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _decimal(text: str | None, where: Location) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ParseError(where, f"{text!r} is not an amount") from None


def _date(elem: Any, n: _Names, path: str, where: Location) -> date | None:
    raw = _text(elem, n(f"{path}/Dt")) or _text(elem, n(f"{path}/DtTm"))
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])  # the local date as written
    except ValueError:
        raise ParseError(where, f"{raw!r} is not a date") from None


def _creation_date(entry: Any, n: _Names) -> date | None:
    """The statement's (or else the message's) creation date, for undated entries."""
    stmt = entry.elem.getparent()
    raw = _text(stmt, n("CreDtTm")) if stmt is not None else None
    if raw is None and stmt is not None and stmt.getparent() is not None:
        raw = _text(stmt.getparent(), n("GrpHdr/CreDtTm"))
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _status(elem: Any, n: _Names) -> str | None:
    sts = elem.find(n("Sts"))
    if sts is None:
        return None
    code = _text(sts, n("Cd")) or _text(sts, n("Prtry")) or (sts.text or "").strip()
    return code.upper() or None


def _bank_code(elem: Any, n: _Names) -> str | None:
    dom = _text(elem, n("BkTxCd/Domn/Cd"))
    if dom:
        fam = _text(elem, n("BkTxCd/Domn/Fmly/Cd")) or ""
        sub = _text(elem, n("BkTxCd/Domn/Fmly/SubFmlyCd")) or ""
        return "-".join(x for x in (dom, fam, sub) if x)
    return _text(elem, n("BkTxCd/Prtry/Cd"))


def _signed(amount: Decimal, indicator: str | None, where: Location) -> Decimal:
    if indicator == "CRDT":
        return amount
    if indicator == "DBIT":
        return -amount
    raise ParseError(where, f"credit/debit indicator {indicator!r} is not CRDT or DBIT")


def _party(tx: Any, n: _Names, role: str) -> tuple[str | None, str | None, str | None]:
    """(name, IBAN, BIC) of the debtor or creditor of a transaction."""
    base = f"RltdPties/{role}"
    name = _text(tx, n(f"{base}/Nm")) or _text(tx, n(f"{base}/Pty/Nm"))
    ultimate = _text(tx, n(f"RltdPties/Ultmt{role}/Nm")) or _text(
        tx, n(f"RltdPties/Ultmt{role}/Pty/Nm"))
    iban = _text(tx, n(f"RltdPties/{role}Acct/Id/IBAN")) or _text(
        tx, n(f"RltdPties/{role}Acct/Id/Othr/Id"))
    bic = (_text(tx, n(f"RltdAgts/{role}Agt/FinInstnId/BIC"))
           or _text(tx, n(f"RltdAgts/{role}Agt/FinInstnId/BICFI")))
    if name is None:
        name = ultimate
    return name, iban.replace(" ", "").upper() if iban else None, bic


def _charges(elem: Any, n: _Names, where: Location) -> Decimal | None:
    total = _text(elem, n("Chrgs/TtlChrgsAndTaxAmt"))
    if total is not None:
        return _decimal(total, where)
    amounts = [_decimal(a.text, where) for a in elem.findall(n("Chrgs/Rcrd/Amt"))]
    if not amounts:  # .02/.03: repeated Chrgs/Amt
        amounts = [_decimal(a.text, where) for a in elem.findall(n("Chrgs/Amt"))]
    values = [a for a in amounts if a is not None]
    return sum(values, Decimal(0)) if values else None


def _remittance(tx: Any, n: _Names) -> tuple[list[str], list[Reference]]:
    texts: list[str] = []
    refs: list[Reference] = []
    for u in tx.findall(n("RmtInf/Ustrd")):
        if u.text and u.text.strip():
            texts.append(" ".join(u.text.split()))
    for r in tx.findall(n("RmtInf/Strd/CdtrRefInf/Ref")):
        if r.text and r.text.strip():
            value = r.text.strip()
            refs.append(Reference("creditor_ref", value))
            texts.append(value)
    for r in tx.findall(n("RmtInf/Strd/RfrdDocInf/Nb")):
        if r.text and r.text.strip():
            texts.append(r.text.strip())
    for r in tx.findall(n("RmtInf/Strd/AddtlRmtInf")):
        if r.text and r.text.strip():
            texts.append(" ".join(r.text.split()))
    extra = _text(tx, n("AddtlTxInf"))
    if extra:
        texts.append(" ".join(extra.split()))
    return texts, refs


_REF_FIELDS = (("EndToEndId", "end_to_end"), ("InstrId", "instruction"), ("TxId", "transaction"),
               ("MndtId", "mandate"), ("PmtInfId", "payment_info"), ("ChqNb", "cheque"),
               ("AcctSvcrRef", "bank_ref"))


def _refs(tx: Any, n: _Names) -> list[Reference]:
    out = []
    for tag, kind in _REF_FIELDS:
        value = _text(tx, n(f"Refs/{tag}"))
        if value and value.upper() != "NOTPROVIDED":
            out.append(Reference(kind, value))
    return out


def _entry(node: Any, n: _Names, file: str, stmt_index: int, where_path: str,
           problems: list[Problem], account: str | None) -> Iterator[Movement]:
    where = Location(file, node.sourceline, where_path)
    elem = _Tree(node, skip=n("NtryDtls"))
    amt = elem.find(n("Amt"))
    if amt is None or amt.text is None:
        raise ParseError(where, "the entry has no Amt")
    currency = (amt.get("Ccy") or "").upper()
    amount = _decimal(amt.text, where)
    assert amount is not None
    indicator = _text(elem, n("CdtDbtInd"))
    reversal = (_text(elem, n("RvslInd")) or "").lower() == "true"
    signed = _signed(amount, indicator, where)
    status = _status(elem, n)
    if status not in ("BOOK", "PDNG", None):
        problems.append(Problem(where, f"entry with status {status} (not booked nor pending): "
                                       "skipped"))
        return
    booking = _date(elem, n, "BookgDt", where) or _date(elem, n, "ValDt", where)
    if booking is None:
        created = _creation_date(elem, n)
        if created is None:
            raise ParseError(where, "the entry has neither a booking date nor a value date, "
                                    "and the message no creation date")
        booking = created
        problems.append(Problem(where, f"entry without a booking or value date: dated {booking} "
                                       "from the message's creation time"))
    value_date = _date(elem, n, "ValDt", where)
    entry_ref = _text(elem, n("AcctSvcrRef"))
    ntry_ref = _text(elem, n("NtryRef"))
    entry_code = _bank_code(elem, n)
    entry_info = _text(elem, n("AddtlNtryInf"))
    entry_charges = _charges(elem, n, where)
    details = [_Tree(tx) for tx in node.findall(n("NtryDtls/TxDtls"))]
    credit_side = (indicator == "CRDT") != reversal
    role = "Dbtr" if credit_side else "Cdtr"
    if len(details) > 1:
        amounts = [_tx_amount(tx, n, indicator, Location(file, tx.sourceline,
                                                          f"{where_path}/TxDtls[{i}]"))
                   for i, tx in enumerate(details, start=1)]
        if all(a is not None for a in amounts) and sum(amounts, Decimal(0)) == signed:  # type: ignore[arg-type]
            entry_key = entry_ref or ntry_ref or where_path
            for i, (tx, tx_amount) in enumerate(zip(details, amounts, strict=True), start=1):
                tx_where = Location(file, tx.sourceline, f"{where_path}/TxDtls[{i}]")
                assert tx_amount is not None
                yield _movement(tx, n, file, stmt_index, f"{where_path}/TxDtls[{i}]", booking,
                                value_date, tx_amount, currency, elem, role, entry_ref, ntry_ref,
                                _bank_code(tx, n) or entry_code, entry_info,
                                _charges(tx, n, tx_where), status, entry_key, tx_where, account)
            return
        problems.append(Problem(where, f"the {len(details)} transaction details do not add up "
                                       f"to the entry amount {signed}: kept as one movement"))
    # one movement for the entry: its amount is what the account was booked with (a detail's
    # own amount may be in another currency); all details' texts and references are kept
    yield _movement(details[0] if details else elem, n, file, stmt_index, where_path, booking,
                    value_date, signed, currency, elem if details else None, role, entry_ref,
                    ntry_ref, (_bank_code(details[0], n) if details else None) or entry_code,
                    entry_info, (_charges(details[0], n, where) if details else None)
                    or entry_charges, status, None, where, account, details[1:])


def _tx_amount(tx: Any, n: _Names, entry_indicator: str | None, where: Location) -> Decimal | None:
    amt = tx.find(n("Amt"))
    indicator = _text(tx, n("CdtDbtInd")) or entry_indicator
    if amt is not None and amt.text:
        value = _decimal(amt.text, where)
        assert value is not None
        return _signed(value, indicator, where)
    raw = _text(tx, n("AmtDtls/TxAmt/Amt"))
    if raw is not None:
        value = _decimal(raw, where)
        assert value is not None
        return _signed(value, entry_indicator, where)
    return None


def _movement(tx: Any, n: _Names, file: str, stmt_index: int, position: str, booking: date,
              value_date: date | None, amount: Decimal, currency: str, entry: Any | None,
              role: str, entry_ref: str | None, ntry_ref: str | None, code: str | None,
              entry_info: str | None, charges: Decimal | None, status: str | None,
              entry_key: str | None, where: Location, account: str | None,
              more: list[Any] | None = None) -> Movement:
    has_detail = entry is not None
    name, iban, bic = _party(tx, n, role) if has_detail else (None, None, None)
    texts, structured = _remittance(tx, n) if has_detail else ([], [])
    refs = _refs(tx, n) if has_detail else []
    for other in more or ():
        more_texts, more_structured = _remittance(other, n)
        texts += more_texts
        structured += more_structured
        refs += _refs(other, n)
    if entry_info:
        texts.append(" ".join(entry_info.split()))
    if ntry_ref:
        refs.append(Reference("entry_ref", ntry_ref))
    tx_ref = next((r.value for r in refs if r.kind == "bank_ref"), None)
    instructed = None
    instructed_ccy = None
    raw = tx.find(n("AmtDtls/InstdAmt/Amt"))
    if raw is not None and raw.text:
        instructed = _decimal(raw.text, where)
        instructed_ccy = (raw.get("Ccy") or currency).upper()
    try:
        to_minor(amount, currency)
    except AmountError as exc:
        raise ParseError(where, str(exc)) from exc
    return Movement(
        booking_date=booking, value_date=value_date, amount=amount, currency=currency,
        source=Source(file, stmt_index, position), counterparty_name=name,
        counterparty_iban=iban, counterparty_bic=bic, remittance=" ".join(texts),
        references=tuple(structured + [r for r in refs if r.kind != "bank_ref"]),
        bank_reference=tx_ref or entry_ref, bank_tx_code=code,
        status="pending" if status == "PDNG" else "booked",
        charges=charges, account=account,
        instructed_amount=instructed, instructed_currency=instructed_ccy, entry_key=entry_key)


# -- statements ----------------------------------------------------------------------------

def _account(stmt: Any, n: _Names) -> str | None:
    iban = (_text(stmt, n("Acct/Id/IBAN")) or _text(stmt, n("Acct/Id/Othr/Id"))
            or _text(stmt, n("Acct/Id/PrtryAcct/Id")))  # version 1
    return iban.replace(" ", "").upper() if iban else None


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
    opening_date = opening[2] if opening else (date.fromisoformat(fr[:10]) if fr else None)
    closing_date = closing[2] if closing else (date.fromisoformat(to[:10]) if to else None)
    if movements:
        opening_date = opening_date or min(m.booking_date for m in movements)
        closing_date = closing_date or max(m.booking_date for m in movements)
    return Statement(
        file=file, format=fmt, movements=tuple(movements),
        account=account, currency=currency, statement_id=_text(elem, n("Id")),
        opening_balance=opening[1] if opening else None,
        closing_balance=closing[1] if closing else None,
        opening_date=opening_date, closing_date=closing_date)
