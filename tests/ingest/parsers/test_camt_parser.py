"""camt.052/053/054: golden values on small files written here, and every refusal path."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.errors import ParseError
from cashmatch.ingest.parsers import identify
from cashmatch.ingest.parsers.camt import parse

V02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
V08 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def doc(ns: str, entries: str, root: str = "BkToCstmrStmt", stmt: str = "Stmt",
        balances: bool = True) -> str:
    bal = ("<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>100.00</Amt>"
           "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-02-01</Dt></Dt></Bal>"
           "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>1340.00</Amt>"
           "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-02-02</Dt></Dt></Bal>") if balances else ""
    return (f"<?xml version='1.0' encoding='UTF-8'?><Document xmlns='{ns}'><{root}>"
            "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-02-03T06:00:00+01:00</CreDtTm></GrpHdr>"
            f"<{stmt}><Id>S1</Id><CreDtTm>2026-02-03T06:00:00</CreDtTm>"
            "<Acct><Id><IBAN>FR76 3000 4001 2300 0123 4567 805</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            f"{bal}{entries}</{stmt}></{root}></Document>")


V02_ENTRY = """<Ntry><Amt Ccy="EUR">1250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><DtTm>2026-02-02T00:30:00+01:00</DtTm></BookgDt><ValDt><Dt>2026-02-02</Dt></ValDt>
<AcctSvcrRef>BQ-1</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>
<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-1</EndToEndId></Refs>
<AmtDtls><InstdAmt><Amt Ccy="EUR">1262.00</Amt></InstdAmt><TxAmt><Amt Ccy="EUR">1250.00</Amt></TxAmt></AmtDtls>
<Chrgs><Amt Ccy="EUR">12.00</Amt></Chrgs>
<RltdPties><Dbtr><Nm>DUPONT SARL</Nm></Dbtr><DbtrAcct><Id><IBAN>FR7630004000031234567890143</IBAN></Id></DbtrAcct></RltdPties>
<RltdAgts><DbtrAgt><FinInstnId><BIC>BNPAFRPP</BIC></FinInstnId></DbtrAgt></RltdAgts>
<RmtInf><Ustrd>FACTURE FA-2026-0012</Ustrd><Ustrd>ET FA-2026-0013</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-02-02</Dt></BookgDt><AddtlNtryInf>FRAIS</AddtlNtryInf></Ntry>"""

V08_BATCH = """<Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-02-02</Dt></BookgDt><AcctSvcrRef>BATCH-7</AcctSvcrRef>
<NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
<TxDtls><Refs><EndToEndId>A</EndToEndId></Refs><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>ALPHA</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
<TxDtls><Refs><EndToEndId>B</EndToEndId></Refs><Amt Ccy="EUR">200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>BETA</Nm></Pty></Dbtr></RltdPties></TxDtls>
</NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
<ValDt><Dt>2026-02-03</Dt></ValDt></Ntry>"""


def write(tmp: Path, text: str, name: str = "s.xml") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_v02_entry(tmp_path: Path) -> None:
    f = write(tmp_path, doc(V02, V02_ENTRY, balances=False).replace("1340.00", "1340.00"))
    assert identify(f).format == "camt"
    (st,) = parse(f).statements
    assert (st.format, st.account, st.statement_id) == ("camt.053.001.02",
                                                        "FR7630004001230001234567805", "S1")
    m, fee = st.movements
    assert (m.booking_date.isoformat(), m.amount, m.currency) == ("2026-02-02", Decimal("1250.00"), "EUR")
    assert (m.counterparty_name, m.counterparty_iban, m.counterparty_bic) == (
        "DUPONT SARL", "FR7630004000031234567890143", "BNPAFRPP")
    assert m.remittance == "FACTURE FA-2026-0012 ET FA-2026-0013"
    assert m.reference("end_to_end") == "E2E-1" and m.bank_reference == "BQ-1"
    assert (m.bank_tx_code, m.charges, m.instructed_amount) == ("PMNT-RCDT-ESCT", Decimal("12.00"),
                                                                Decimal("1262.00"))
    assert (fee.amount, fee.remittance, fee.value_date) == (Decimal("-10.00"), "FRAIS", None)


def test_v08_batch_split_and_pending(tmp_path: Path) -> None:
    f = write(tmp_path, doc(V08, V08_BATCH, balances=False))
    (st,) = parse(f).statements
    a, b, pending = st.movements
    assert (a.amount, a.counterparty_name, b.amount, b.counterparty_name) == (
        Decimal("100.00"), "ALPHA", Decimal("200.00"), "BETA")
    assert a.entry_key == b.entry_key == "BATCH-7"
    assert a.reference("creditor_ref") == "RF18539007547034" and "RF18539007547034" in a.remittance
    assert (pending.status, pending.booking_date.isoformat()) == ("pending", "2026-02-03")


def test_details_that_do_not_add_up_stay_one_movement(tmp_path: Path) -> None:
    f = write(tmp_path, doc(V08, V08_BATCH.replace(">200.00<", ">250.00<"), balances=False))
    result = parse(f)
    assert [m.amount for m in result.movements][:1] == [Decimal("300.00")]
    assert any("do not add up" in p.message for p in result.problems)


MARKUP_ENTRY = """<Ntry><Amt Ccy="EUR">75.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<!-- a comment inside the entry --><?bank-pi keep?>
<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-02-02</Dt></BookgDt><NtryRef/>
<NtryDtls><TxDtls><Refs><EndToEndId>A&amp;B&lt;1&gt;</EndToEndId><InstrId></InstrId></Refs>
<RltdPties><Dbtr><Pty><Nm>Dupont &amp; Fils <![CDATA[<SARL>]]></Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>  FACTURE
   FA-1 échéance </Ustrd>
<Strd><CdtrRefInf><Ref>RF-FIRST</Ref></CdtrRefInf></Strd>
<Strd><CdtrRefInf><Ref>RF-SECOND</Ref></CdtrRefInf></Strd></RmtInf>
</TxDtls></NtryDtls><AddtlNtryInf>VIR SEPA</AddtlNtryInf></Ntry>"""


def test_markup_details_are_read_as_text(tmp_path: Path) -> None:
    """Entities, CDATA, comments, processing instructions, empty elements, accents and
    repeated blocks in document order."""
    (m,) = parse(write(tmp_path, doc(V08, MARKUP_ENTRY, balances=False))).movements
    assert m.reference("end_to_end") == "A&B<1>" and m.reference("instruction") is None
    assert m.counterparty_name == "Dupont & Fils <SARL>"
    assert m.remittance == ("FACTURE FA-1 échéance RF-FIRST RF-SECOND VIR SEPA")
    assert [r.value for r in m.references if r.kind == "creditor_ref"] == ["RF-FIRST",
                                                                           "RF-SECOND"]


def test_prefixed_namespace(tmp_path: Path) -> None:
    """Some banks write every element with a prefix (``ns2:Ntry``); the fields are the same."""
    plain = parse(write(tmp_path, doc(V02, V02_ENTRY), "plain.xml"))
    text = doc(V02, V02_ENTRY).replace(f"xmlns='{V02}'", f"xmlns:ns2='{V02}'")
    text = re.sub(r"<(/?)(?!\?|!)", r"<\1ns2:", text)
    prefixed = parse(write(tmp_path, text, "prefixed.xml"))
    assert [m.amount for m in prefixed.movements] == [Decimal("1250.00"), Decimal("-10.00")]
    assert [(m.counterparty_name, m.remittance, m.references, m.charges, m.bank_tx_code)
            for m in prefixed.movements] == [
        (m.counterparty_name, m.remittance, m.references, m.charges, m.bank_tx_code)
        for m in plain.movements]


def test_transaction_details_with_their_own_namespace_declaration(tmp_path: Path) -> None:
    """A TxDtls that redeclares the namespace (or carries another prefix) is still a
    transaction detail."""
    entry = V08_BATCH.replace("<TxDtls>", f'<TxDtls xmlns="{V08}">', 1)
    a, b, _ = parse(write(tmp_path, doc(V08, entry, balances=False))).statements[0].movements
    assert (a.counterparty_name, b.counterparty_name) == ("ALPHA", "BETA")
    text = doc(V08, V08_BATCH, balances=False).replace(
        "<TxDtls>", f"<t:TxDtls xmlns:t='{V08}'>", 1).replace("</TxDtls>", "</t:TxDtls>", 1)
    a, b, _ = parse(write(tmp_path, text, "prefix.xml")).statements[0].movements
    assert (a.amount, a.counterparty_name, b.counterparty_name) == (Decimal("100.00"), "ALPHA",
                                                                    "BETA")


def test_balances(tmp_path: Path) -> None:
    (st,) = parse(write(tmp_path, doc(V02, V02_ENTRY))).statements
    assert (st.opening_balance, st.closing_balance) == (Decimal("100.00"), Decimal("1340.00"))


def test_camt054_and_zip(tmp_path: Path) -> None:
    text = doc("urn:iso:std:iso:20022:tech:xsd:camt.054.001.04", V02_ENTRY,
               root="BkToCstmrDbtCdtNtfctn", stmt="Ntfctn", balances=False)
    z = tmp_path / "camt.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.xml", text)
        zf.writestr("b.xml", text.replace("BQ-1", "BQ-2"))
    assert identify(z).format == "camt"
    result = parse(z)
    assert [s.format for s in result.statements] == ["camt.054.001.04"] * 2
    assert result.statements[1].file.endswith("camt.zip!b.xml")


@pytest.mark.parametrize("text, message", [
    (("<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]>"
      f"<Document xmlns='{V02}'><BkToCstmrStmt/></Document>"), "DTDs and entity declarations"),
    (("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
      f"<Document xmlns='{V02}'><BkToCstmrStmt>&x;</BkToCstmrStmt></Document>"), "DTDs"),
    (doc(V02, V02_ENTRY)[:900], "not well-formed XML"),
    (doc(V02, V02_ENTRY.replace("<Amt Ccy=\"EUR\">1250.00</Amt><CdtDbtInd>CRDT",
                                "<CdtDbtInd>CRDT", 1)), "Stmt[1]/Ntry[1]: the entry has no Amt"),
    (doc(V02, V02_ENTRY.replace("1250.00</Amt><CdtDbtInd>", "12,50</Amt><CdtDbtInd>", 1)),
     "'12,50' is not an amount"),
    (doc(V02, V02_ENTRY.replace(">CRDT<", ">CREDIT<", 1)), "is not CRDT or DBIT"),
    (doc(V02, V02_ENTRY.replace("1250.00</Amt><CdtDbtInd>", "1250.001</Amt><CdtDbtInd>", 1)),
     "more than 2 decimals"),
    (f"<Document xmlns='{V02}'><Other/></Document>", "not a camt message"),
])
def test_refusals_name_the_place(tmp_path: Path, text: str, message: str) -> None:
    f = write(tmp_path, text)
    with pytest.raises(ParseError) as exc:
        parse(f)
    assert message in str(exc.value) and str(f) in str(exc.value)
