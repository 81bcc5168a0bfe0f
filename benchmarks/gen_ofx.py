"""Write realistic OFX statements (French bank style) and time the OFX parser on them.

``write(path, n, seed)`` writes an OFX 1.02 SGML file in Windows-1252 (``CHARSET:1252``, the
usual French bank export): one bank statement per 25,000 movements, unclosed leaves, French and
English remittances with invoice numbers (``FA-2026-004512``), payer names, IBANs in the memo,
cheques with ``CHECKNUM``, card payments, decimal commas now and then, local timestamps with a
``[+1:CET]`` offset. ``write(..., xml=True)`` writes the same data as OFX 2.11 XML (UTF-8).

Run ``python benchmarks/gen_ofx.py [n]`` to write a 100k file (both variants), parse it and
print movements/s and peak memory.
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

PER_STATEMENT = 25_000

_NAMES = [
    "SARL Boulangerie Lefèvre", "SAS Dupont & Fils", "Société Générale des Eaux",
    "Crédit Agricole",
    "ACME Industries Ltd", "Martin Électricité", "Garage Hénaut", "Café de la Gare",
    "Pharmacie Sainte-Anne", "Durand Frères SA", "Global Supplies GmbH", "Orange SA",
    "URSSAF Île-de-France", "DGFIP Impôts", "Leroy Merlin France", "Cabinet Müller & Associés",
]
_RECEIPTS = [
    "VIR SEPA RECU /DE {name} /MOTIF Règlement facture {inv} /REF {ref}",
    "VIR RECU {name} FACTURE {inv}",
    "Payment for invoice {inv} - thank you",
    "VIREMENT DE {name} REGLEMENT {inv} ET {inv2}",
    "REMISE CHEQUE N° {chq} {name}",
    "Acompte commande {ref} / facture {inv}",
]
_PAYMENTS = [
    "PRLV SEPA {name} ECH/{day} RUM {ref}",
    "CB {name} {day} CARTE 4974XXXXXXXX1234",
    "VIR SEPA EMIS /A {name} /MOTIF Paiement {inv}",
    "FRAIS TENUE DE COMPTE",
    "CHEQUE {chq}",
    "Supplier payment {inv} {name}",
]


def _iban(rng: random.Random) -> str:
    bban = "".join(rng.choice("0123456789") for _ in range(23))
    return f"FR76{bban}"


def _invoice(rng: random.Random) -> str:
    return f"FA-2026-{rng.randrange(1, 999999):06d}"


def _movements(n: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    start = date(2026, 1, 2)
    out = []
    for i in range(n):
        day = start + timedelta(days=i * 365 // max(n, 1))
        receipt = rng.random() < 0.55
        name = rng.choice(_NAMES)
        cents = rng.randrange(100, 2_500_000) if receipt else -rng.randrange(100, 800_000)
        amount = f"{Decimal(cents).scaleb(-2):f}"
        if rng.random() < 0.05:
            amount = amount.replace(".", ",")
        if receipt and rng.random() < 0.1:
            amount = "+" + amount
        chq = f"{rng.randrange(1000000, 9999999)}"
        memo = rng.choice(_RECEIPTS if receipt else _PAYMENTS).format(
            name=name.upper(), inv=_invoice(rng), inv2=_invoice(rng),
            ref=f"R{rng.randrange(10**9)}", day=day.strftime("%d%m%y"), chq=chq)
        if rng.random() < 0.3:
            memo += f" IBAN {_iban(rng)}"
        trntype = ("CHECK" if "CHEQUE" in memo and not receipt else
                   "POS" if memo.startswith("CB ") else
                   "DIRECTDEBIT" if memo.startswith("PRLV") else
                   "FEE" if memo.startswith("FRAIS") else
                   "CREDIT" if receipt else "DEBIT")
        hour = rng.randrange(0, 24)
        out.append({
            "TRNTYPE": trntype,
            "DTPOSTED": f"{day:%Y%m%d}{hour:02d}0000.000[+1:CET]",
            "DTAVAIL": f"{day + timedelta(days=rng.choice((0, 0, 1, 2))):%Y%m%d}",
            "TRNAMT": amount,
            "FITID": f"{day:%Y%m%d}{i:08d}",
            "CHECKNUM": chq if trntype == "CHECK" else "",
            "NAME": name.upper()[:32],
            "MEMO": memo,
        })
    return out


def _stmt_sgml(acct: str, mvs: list[dict[str, str]]) -> str:
    parts = ["<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR",
             f"<BANKACCTFROM><BANKID>30004<BRANCHID>00123<ACCTID>{acct}<ACCTTYPE>CHECKING"
             "</BANKACCTFROM>",
             f"<BANKTRANLIST><DTSTART>{mvs[0]['DTPOSTED'][:8]}<DTEND>{mvs[-1]['DTPOSTED'][:8]}"]
    for m in mvs:
        parts.append("<STMTTRN>")
        for tag, val in m.items():
            if val:
                parts.append(f"\n<{tag}>{escape(val)}")
        parts.append("\n</STMTTRN>\n")
    parts.append(f"</BANKTRANLIST><LEDGERBAL><BALAMT>{_total(mvs)}<DTASOF>"
                 f"{mvs[-1]['DTPOSTED'][:8]}</LEDGERBAL></STMTRS></STMTTRNRS>\n")
    return "".join(parts)


def _stmt_xml(acct: str, mvs: list[dict[str, str]]) -> str:
    parts = ["<STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY>"
             "</STATUS><STMTRS><CURDEF>EUR</CURDEF>",
             f"<BANKACCTFROM><BANKID>30004</BANKID><BRANCHID>00123</BRANCHID><ACCTID>{acct}"
             "</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>",
             f"<BANKTRANLIST><DTSTART>{mvs[0]['DTPOSTED'][:8]}</DTSTART><DTEND>"
             f"{mvs[-1]['DTPOSTED'][:8]}</DTEND>\n"]
    for m in mvs:
        parts.append("<STMTTRN>")
        for tag, val in m.items():
            if val:
                parts.append(f"<{tag}>{escape(val)}</{tag}>")
        parts.append("</STMTTRN>\n")
    parts.append(f"</BANKTRANLIST><LEDGERBAL><BALAMT>{_total(mvs)}</BALAMT><DTASOF>"
                 f"{mvs[-1]['DTPOSTED'][:8]}</DTASOF></LEDGERBAL></STMTRS></STMTTRNRS>\n")
    return "".join(parts)


def _total(mvs: list[dict[str, str]]) -> str:
    return f"{sum(Decimal(m['TRNAMT'].replace(',', '.')) for m in mvs) + Decimal('10000.00'):f}"


def write(path: Path, n: int, seed: int = 0, *, xml: bool = False) -> None:
    """Write an ``n``-movement OFX file (1.02 SGML cp1252, or 2.11 XML UTF-8 with ``xml``)."""
    mvs = _movements(n, seed)
    rng = random.Random(seed + 1)
    if xml:
        head = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                '<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" '
                'NEWFILEUID="NONE"?>\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE>'
                "<SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>20270101120000</DTSERVER>"
                "<LANGUAGE>FRA</LANGUAGE></SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1>\n")
        tail, encoding, stmt = "</BANKMSGSRSV1></OFX>\n", "utf-8", _stmt_xml
    else:
        head = ("OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\n"
                "ENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\n"
                "NEWFILEUID:NONE\r\n\r\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0"
                "<SEVERITY>INFO</STATUS><DTSERVER>20270101120000<LANGUAGE>FRA</SONRS>"
                "</SIGNONMSGSRSV1><BANKMSGSRSV1>\n")
        tail, encoding, stmt = "</BANKMSGSRSV1></OFX>\n", "cp1252", _stmt_sgml
    with path.open("w", encoding=encoding, newline="\n") as fh:
        fh.write(head)
        for at in range(0, max(n, 1), PER_STATEMENT):
            chunk = mvs[at:at + PER_STATEMENT]
            if chunk:
                fh.write(stmt(f"{rng.randrange(10**10, 10**11)}", chunk))
        fh.write(tail)


def _measure(path: Path) -> tuple[int, float, float]:
    from cashmatch.ingest.parsers import ofx

    t0 = time.perf_counter()
    count = len(ofx.parse(path).movements)
    elapsed = time.perf_counter() - t0
    tracemalloc.start()
    ofx.parse(path)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return count, elapsed, peak


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp")
    for xml in (False, True):
        path = out / f"bench_{n}.{'xml.' if xml else ''}ofx"
        write(path, n, xml=xml)
        count, elapsed, peak = _measure(path)
        size = path.stat().st_size / 2**20
        print(f"{'OFX 2.11 XML ' if xml else 'OFX 1.02 SGML'} {path} ({size:.1f} MiB): "
              f"{count} movements in {elapsed:.2f} s = {count / elapsed:,.0f} movements/s; "
              f"peak traced memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
