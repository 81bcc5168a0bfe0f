"""Write camt.053.001.08 statements from plain records (for the benchmarks' generators).

Only what a bank writes for ordinary SEPA traffic: one ``Ntry`` per movement with one
``TxDtls``, the counterparty (debtor of a credit, creditor of a debit) with name and IBAN,
unstructured remittance lines, an optional ISO 11649 creditor reference, end-to-end id, the
bank's reference and the bank transaction code. Amounts are written from ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


@dataclass
class SynthMovement:
    booking_date: date
    amount: Decimal
    name: str = ""
    iban: str = ""
    ustrd: list[str] = field(default_factory=list)
    creditor_ref: str = ""
    end_to_end: str = ""
    bank_ref: str = ""
    tx_code: tuple[str, str, str] = ("PMNT", "RCDT", "ESCT")
    additional: str = ""


def _amount(a: Decimal) -> str:
    return format(abs(a).quantize(Decimal("0.01")), "f")


def _entry(m: SynthMovement) -> str:
    credit = m.amount > 0
    ind = "CRDT" if credit else "DBIT"
    party, acct = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    d = m.booking_date.isoformat()
    dom, fam, sub = m.tx_code
    parts = [f"<Ntry><Amt Ccy=\"EUR\">{_amount(m.amount)}</Amt><CdtDbtInd>{ind}</CdtDbtInd>",
             "<Sts><Cd>BOOK</Cd></Sts>",
             f"<BookgDt><Dt>{d}</Dt></BookgDt><ValDt><Dt>{d}</Dt></ValDt>"]
    if m.bank_ref:
        parts.append(f"<AcctSvcrRef>{escape(m.bank_ref)}</AcctSvcrRef>")
    parts.append(f"<BkTxCd><Domn><Cd>{dom}</Cd><Fmly><Cd>{fam}</Cd><SubFmlyCd>{sub}</SubFmlyCd>"
                 "</Fmly></Domn></BkTxCd>")
    tx = ["<NtryDtls><TxDtls>"]
    tx.append(f"<Refs><EndToEndId>{escape(m.end_to_end or 'NOTPROVIDED')}</EndToEndId></Refs>")
    tx.append(f"<Amt Ccy=\"EUR\">{_amount(m.amount)}</Amt><CdtDbtInd>{ind}</CdtDbtInd>")
    if m.name or m.iban:
        tx.append("<RltdPties>")
        if m.name:
            tx.append(f"<{party}><Pty><Nm>{escape(m.name[:140])}</Nm></Pty></{party}>")
        if m.iban:
            tx.append(f"<{acct}><Id><IBAN>{m.iban}</IBAN></Id></{acct}>")
        tx.append("</RltdPties>")
    if m.ustrd or m.creditor_ref:
        tx.append("<RmtInf>")
        for line in m.ustrd:
            tx.append(f"<Ustrd>{escape(line[:140])}</Ustrd>")
        if m.creditor_ref:
            tx.append("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr>"
                      f"</Tp><Ref>{m.creditor_ref}</Ref></CdtrRefInf></Strd>")
        tx.append("</RmtInf>")
    tx.append("</TxDtls></NtryDtls>")
    parts.extend(tx)
    if m.additional:
        parts.append(f"<AddtlNtryInf>{escape(m.additional)}</AddtlNtryInf>")
    parts.append("</Ntry>")
    return "".join(parts)


def write(path: Path, account: str, movements: Iterable[SynthMovement],
          opening: Decimal = Decimal("100000.00"), statement_id: str = "SYNTH") -> None:
    """One statement with every movement, balances computed from them."""
    mvs = sorted(movements, key=lambda m: m.booking_date)
    first = mvs[0].booking_date if mvs else date(2026, 1, 1)
    last = mvs[-1].booking_date if mvs else first
    closing = opening + sum((m.amount for m in mvs), Decimal(0))

    def bal(code: str, amount: Decimal, day: date) -> str:
        ind = "CRDT" if amount >= 0 else "DBIT"
        return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">"
                f"{_amount(amount)}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>{day.isoformat()}"
                "</Dt></Dt></Bal>")

    with path.open("w", encoding="utf-8") as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
                 f"<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{last.isoformat()}T06:00:00"
                 "</CreDtTm></GrpHdr>")
        fh.write(f"<Stmt><Id>{statement_id}</Id><CreDtTm>{last.isoformat()}T06:00:00</CreDtTm>"
                 f"<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>")
        fh.write(bal("OPBD", opening, first) + bal("CLBD", closing, last))
        for m in mvs:
            fh.write(_entry(m))
            fh.write("\n")
        fh.write("</Stmt></BkToCstmrStmt></Document>\n")
