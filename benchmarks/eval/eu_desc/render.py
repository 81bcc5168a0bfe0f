"""Files: the items CSV, each bank's own CSV export with its mapping TOML, the truth."""

import csv
import io
import json
import os
from datetime import timedelta
from decimal import Decimal

import langdata as L

ITEM_COLS = ["id", "kind", "account", "party_id", "party_name", "party_iban", "reference", "issue_date", "due_date",
             "amount", "currency", "description", "open_amount", "discount_until", "discount_rate"]


def write_items(path, items):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(ITEM_COLS)
        for it in sorted(items, key=lambda i: (i.kind, i.issue, i.id)):
            p = it.party
            w.writerow([it.id, it.kind, it.account, p.pid if p else "", p.name if p else "",
                        p.iban if (p and p.ledger_iban) else "", it.reference, it.issue.isoformat(),
                        it.due.isoformat() if it.due else "", f"{it.amount:.2f}", "EUR", it.description,
                        f"{it.open0:.2f}" if it.open0 != it.amount else "",
                        it.disc_until.isoformat() if it.disc_until else "",
                        f"{it.disc_rate:.2f}" if it.disc_rate is not None else ""])


def write_truth(path, mvs):
    with open(path, "w", encoding="utf-8") as f:
        for mv in mvs:
            f.write(json.dumps({"bank_reference": mv.bank_ref, "phenomenon": mv.phenomenon, "outcome": mv.outcome,
                                "identifiable": mv.identifiable,
                                "expected": {k: f"{v:.2f}" for k, v in mv.expected.items()},
                                "note": mv.note}, ensure_ascii=False) + "\n")


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


def write_toml(path, d):
    lines = []
    for k, v in d.items():
        if isinstance(v, bool):
            lines.append(f"{k} = {'true' if v else 'false'}")
        elif isinstance(v, int):
            lines.append(f"{k} = {v}")
        elif isinstance(v, list):
            lines.append(f"{k} = [" + ", ".join(toml_str(x) for x in v) + "]")
        else:
            lines.append(f"{k} = {toml_str(v)}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def num(x, thousands=True):
    return L.fmt_num("de", x, thousands)


def _sep_words(parts):
    return " ".join(p for p in parts if p)


# ------------------------------------------------------------------------------------------
# description texts, one function per bank
# ------------------------------------------------------------------------------------------
def text_de(mv, rng):
    t = mv.tx
    k = t["kind"]
    name, purpose, extra = t.get("name", ""), t.get("purpose", ""), t.get("extra", "")
    ibanpart = f"IBAN: {t['iban']} BIC: {t['bic']}" if t.get("iban") else ""
    if k in ("ct_in", "other_in"):
        bt = "Echtzeit-Gutschrift" if rng.random() < 0.08 else "SEPA-Gutschrift"
        if not name:
            return "Gutschrift", purpose
        kref = f"KREF+{t['kref']}" if t.get("kref") else ""
        abwa = f"ABWA+{t['abwa']}" if t.get("abwa") else ""
        vz = _sep_words([name, f"EREF+{t['eref']}" if t.get("eref") else "", kref, f"SVWZ+{purpose}", abwa, ibanpart])
        return bt, vz
    if k == "swift_in":
        return "Auslandsgutschrift", _sep_words([name, purpose, extra, ibanpart])
    if k in ("ct_out", "salary_out", "tax_out"):
        bt = {"ct_out": "SEPA-Überweisung", "salary_out": "Lohn, Gehalt, Rente", "tax_out": "SEPA-Überweisung"}[k]
        return bt, _sep_words([name, f"EREF+{t['eref']}" if t.get("eref") else "", f"SVWZ+{purpose}",
                               f"IBAN: {t['iban']} BIC: {t['bic']}" if t.get("iban") else ""])
    if k == "swift_out":
        return "Auslandsüberweisung", _sep_words([name, purpose, extra])
    if k == "dd_out":
        bt = rng.choice(["SEPA-Basislastschrift", "SEPA-Basislastschrift", "SEPA-Firmenlastschrift"])
        return bt, _sep_words([name, f"EREF+{t['eref']}", f"MREF+{t['mref']}", f"CRED+{t['cred']}", f"SVWZ+{purpose}"])
    if k == "dd_return":
        return "Rücklastschrift", _sep_words([name, purpose])
    if k == "batch_in":
        return "Gutschrift Lastschrift", purpose
    if k == "batch_out":
        return "Sammelüberweisung", purpose
    if k == "fee":
        return "Entgelt", purpose
    if k == "interest":
        return "Abschluss", purpose
    if k == "card_out":
        when = t["when"]
        return "Kartenzahlung", f"{name}/{when:%d.%m.%Y} {rng.randint(7, 19):02d}:{rng.randint(0, 59):02d} " \
                                f"Karte 1 Girocard {rng.randint(10 ** 5, 10 ** 6 - 1)}"
    if k == "cheque_in":
        return "Scheckeinreichung", purpose
    raise ValueError(k)


def text_es(mv, rng):
    t = mv.tx
    k = t["kind"]
    name, purpose, extra = t.get("name", ""), t.get("purpose", ""), t.get("extra", "")
    if k in ("ct_in", "other_in"):
        if not name:
            s = purpose
        elif rng.random() < 0.85:
            s = f"TRANSFERENCIA DE {name}, CONCEPTO {purpose}."
        else:
            s = f"TRANSF INMEDIATA DE {name} CONCEPTO {purpose}"
    elif k == "swift_in":
        s = f"TRANSF. INTERNACIONAL RECIBIDA DE {name} {purpose} {extra}"
    elif k in ("ct_out", "salary_out"):
        s = f"TRANSFERENCIA A {name}, CONCEPTO {purpose}."
    elif k == "tax_out":
        s = f"{purpose} {name}"
    elif k == "swift_out":
        s = f"TRANSF. INTERNACIONAL EMITIDA A {name} {purpose} {extra}"
    elif k == "dd_out":
        s = f"RECIBO {name} Nº RECIBO {t['eref']} REF. MANDATO {t['mref']} {purpose}"
    elif k == "dd_return":
        s = f"{purpose} {name}"
    elif k == "card_out":
        s = f"COMPRA TARJ. 5540XXXXXXXX{rng.randint(1000, 9999)} {name}"
    else:
        s = purpose
    return " ".join(s.split()).upper()


def text_it(mv, rng):
    t = mv.tx
    k = t["kind"]
    name, purpose, extra = t.get("name", ""), t.get("purpose", ""), t.get("extra", "")
    trn = f"TRN {rng.randint(10 ** 15, 10 ** 16 - 1)}"
    if k in ("ct_in", "other_in"):
        if not name:
            s = purpose
        else:
            s = _sep_words([f"BONIFICO A VOSTRO FAVORE DA {name}",
                            f"IBAN ORD. {t['iban']}" if t.get("iban") else "", f"CAUSALE: {purpose}", trn])
    elif k == "swift_in":
        s = f"BONIFICO DALL'ESTERO ORD. {name} {extra} CAUSALE: {purpose}"
    elif k in ("ct_out", "salary_out"):
        s = f"BONIFICO DA VOI DISPOSTO A FAVORE DI {name} CAUSALE: {purpose} {trn}"
    elif k == "tax_out":
        s = f"{purpose} {name}"
    elif k == "swift_out":
        s = f"BONIFICO ESTERO A FAVORE DI {name} {extra} CAUSALE: {purpose}"
    elif k == "dd_out":
        s = f"ADDEBITO SDD CORE {name} MANDATO {t['mref']} CRED. {t['cred']} RIF. {t['eref']} {purpose}"
    elif k == "dd_return":
        s = f"{purpose} {name}"
    elif k == "card_out":
        s = f"PAGAMENTO POS {name} CARTA N.****{rng.randint(1000, 9999)} DEL {t['when']:%d/%m/%Y}"
    else:
        s = purpose
    s = L.translit("it", s)
    return " ".join(s.split()).upper()


def text_nl(mv, rng):
    t = mv.tx
    k = t["kind"]
    name, purpose, extra = t.get("name", ""), t.get("purpose", ""), t.get("extra", "")
    iban, bic = t.get("iban") or "", t.get("bic") or ""
    if k in ("ct_in", "other_in", "ct_out", "salary_out", "tax_out") and name:
        if not iban:
            iban, bic = L.gen_iban(rng, "NL")
        trtp = "SEPA OVERBOEKING" if rng.random() < 0.93 else "SEPA Overboeking"
        return f"/TRTP/{trtp}/IBAN/{iban}/BIC/{bic}/NAME/{name}/REMI/{purpose}/EREF/{t.get('eref') or 'NOTPROVIDED'}"
    if k in ("swift_in", "swift_out"):
        return (f"/TRTP/BUITENLANDSE OVERBOEKING/IBAN/{iban}/BIC/{bic}/NAME/{name}/REMI/{purpose} {extra}".rstrip()
                + "/")
    if k == "dd_out":
        return (f"/TRTP/SEPA Incasso algemeen doorlopend/CSID/{t['cred']}/NAME/{name}/MARF/{t['mref']}/REMI/"
                f"{purpose}/IBAN/{iban}/BIC/{bic}/EREF/{t['eref']}")
    if k == "dd_return":
        return f"/TRTP/SEPA Incasso terugboeking/IBAN/{iban}/BIC/{bic}/NAME/{name}/REMI/{purpose}/"
    if k == "batch_in":
        return f"/TRTP/SEPA Incasso batch/PREF/{t['eref']}/NRTX/{t['n']}/PIND/BRUTO/"
    if k == "batch_out":
        return f"/TRTP/SEPA OVERBOEKING BATCH/PREF/{t['eref']}/NRTX/{t['n']}/REMI/{purpose}/"
    if k in ("fee", "interest"):
        return f"ABN AMRO Bank N.V.               {purpose}"
    if k == "card_out":
        w = t["when"]
        return (f"BEA, Betaalpas                   {name},PAS{rng.randint(100, 999)}                "
                f"NR:{rng.choice('ABCDEFGHJK')}{rng.randint(10 ** 5, 10 ** 6 - 1)}, {w:%d.%m.%y}/"
                f"{rng.randint(7, 19):02d}:{rng.randint(0, 59):02d}")
    if k == "cheque_in":
        return purpose
    return f"/TRTP/SEPA OVERBOEKING/NAME/{name}/REMI/{purpose}/"


# ------------------------------------------------------------------------------------------
# the exports
# ------------------------------------------------------------------------------------------
def write_statements(lang, world, mvs, rng, outdir):
    sdir = os.path.join(outdir, "statements")
    os.makedirs(sdir, exist_ok=True)
    days = sorted({mv.day for mv in mvs})
    bal = Decimal(rng.randint(2500000, 25000000)) / 100
    seq = 0
    mapping = None
    for i, d in enumerate(days):
        rows = [mv for mv in mvs if mv.day == d]
        buf = io.StringIO()
        if lang == "de":
            w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
            w.writerow(["Umsatzanzeige", world.W["bank"]])
            w.writerow(["Konto", world.company_iban, "BIC", world.company_bic])
            w.writerow(["Zeitraum", f"{d:%d.%m.%Y}", "bis", f"{d:%d.%m.%Y}"])
            w.writerow(["Kontoinhaber", world.W["company"]])
            w.writerow([])
            w.writerow(["Buchungstag", "Valuta", "Buchungstext", "Verwendungszweck", "Soll", "Haben", "Währung",
                        "Saldo", "Buchungsreferenz"])
            for mv in rows:
                bal += mv.amount
                bt, vz = text_de(mv, rng)
                w.writerow([f"{d:%d.%m.%Y}", f"{mv.value_date:%d.%m.%Y}", bt, vz,
                            num(-mv.amount) if mv.amount < 0 else "", num(mv.amount) if mv.amount > 0 else "", "EUR",
                            num(bal) if bal >= 0 else "-" + num(-bal), mv.bank_ref])
            mapping = dict(delimiter=";", decimal=",", thousands=".", date_format="%d.%m.%Y", encoding="latin-1",
                           header=True, skip_rows=5, booking_date="Buchungstag", value_date="Valuta", debit="Soll",
                           credit="Haben", text=["Buchungstext", "Verwendungszweck"], currency="Währung",
                           bank_reference="Buchungsreferenz", default_account=world.company_iban)
            enc, ext = "latin-1", "csv"
        elif lang == "es":
            w = csv.writer(buf, delimiter=";", lineterminator="\n")
            w.writerow(["Fecha Operación", "Fecha Valor", "Concepto", "Debe", "Haber", "Saldo", "Nº Operación"])
            for mv in rows:
                bal += mv.amount
                w.writerow([f"{d:%d/%m/%Y}", f"{mv.value_date:%d/%m/%Y}", text_es(mv, rng),
                            num(-mv.amount) if mv.amount < 0 else "", num(mv.amount) if mv.amount > 0 else "",
                            num(bal) if bal >= 0 else "-" + num(-bal), mv.bank_ref])
            mapping = dict(delimiter=";", decimal=",", thousands=".", date_format="%d/%m/%Y", encoding="utf-8",
                           header=True, booking_date="Fecha Operación", value_date="Fecha Valor", debit="Debe",
                           credit="Haber", text="Concepto", bank_reference="Nº Operación", default_currency="EUR",
                           default_account=world.company_iban)
            enc, ext = "utf-8", "csv"
        elif lang == "it":
            w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
            w.writerow(["Data contabile", "Data valuta", "Importo", "Divisa", "Causale ABI", "Causale",
                        "Riferimento banca"])
            for mv in rows:
                abi = {"ct_in": "48", "swift_in": "48", "ct_out": "26", "salary_out": "27", "swift_out": "26",
                       "dd_out": "50", "fee": "66", "card_out": "43", "cheque_in": "15", "batch_in": "31",
                       "batch_out": "26", "tax_out": "Z1", "dd_return": "54", "interest": "16", "other_in": "48"}
                w.writerow([f"{d:%d/%m/%Y}", f"{mv.value_date:%d/%m/%Y}",
                            num(mv.amount) if mv.amount >= 0 else "-" + num(-mv.amount), "EUR",
                            abi.get(mv.tx["kind"], "48"), text_it(mv, rng), mv.bank_ref])
            mapping = dict(delimiter=";", decimal=",", thousands=".", date_format="%d/%m/%Y", encoding="utf-8",
                           header=True, booking_date="Data contabile", value_date="Data valuta", amount="Importo",
                           currency="Divisa", text="Causale", bank_reference="Riferimento banca",
                           default_account=world.company_iban)
            enc, ext = "utf-8", "csv"
        else:
            w = csv.writer(buf, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_NONE, escapechar=None)
            acct = world.company_iban[8:].lstrip("0")
            for mv in rows:
                before = bal
                bal += mv.amount
                amt = L.fmt_num("nl", mv.amount, thousands=False)
                txt = text_nl(mv, rng).replace("\t", " ")
                w.writerow([acct, "EUR", f"{d:%Y%m%d}", L.fmt_num("nl", before, False), L.fmt_num("nl", bal, False),
                            f"{mv.value_date:%Y%m%d}", amt, txt, mv.bank_ref])
            mapping = dict(delimiter="\t", decimal=",", thousands="", date_format="%Y%m%d", encoding="latin-1",
                           header=False, booking_date="3", value_date="6", amount="7", currency="2", text="8",
                           bank_reference="9", default_account=world.company_iban)
            enc, ext = "latin-1", "csv"
        with open(os.path.join(sdir, f"{i + 1:02d}.{ext}"), "w", encoding=enc, newline="") as f:
            f.write(buf.getvalue())
    write_toml(os.path.join(outdir, "mapping.toml"), mapping)


def assign_bank_refs(lang, mvs, rng):
    pref = {"de": "VB", "es": "", "it": "", "nl": "NL"}[lang]
    base = rng.randint(10 ** 5, 9 * 10 ** 5)
    for i, mv in enumerate(mvs):
        n = base + i
        if lang == "de":
            mv.bank_ref = f"{pref}{mv.day:%y%m%d}{n:07d}"
        elif lang == "es":
            mv.bank_ref = f"{mv.day:%Y%m%d}{n:08d}"
        elif lang == "it":
            mv.bank_ref = f"{mv.day:%y%m%d}CR{n:09d}"
        else:
            mv.bank_ref = f"{pref}{mv.day:%y%m%d}{n:07d}"
