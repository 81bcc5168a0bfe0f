"""Money out (suppliers, direct debits, payroll, taxes, fees) and the other fixed-date movements."""

from datetime import timedelta
from decimal import Decimal

import langdata as L
from core import fill
from builders_in import T, mk, eref, ref_form, no_stutter as bi_no_stutter
from world import q


def our_name(ctx, p):
    """How our own banking software sends a payee name: the ledger spelling, cut to the bank's limit."""
    s = p.name
    if ctx.lang in ("de", "nl"):
        s = L.translit(ctx.lang, s) if ctx.rng.random() < 0.6 else s
    if ctx.lang in ("es", "it"):
        s = L.strip_acc(s).upper()
    return s[: ctx.w.W["name_limit"]].rstrip()


def tx_out(ctx, p, purpose, kind="ct_out", extra=""):
    return dict(kind=kind, name=our_name(ctx, p), iban=p.iban, bic=p.bic, purpose=purpose,
                eref=f"{ctx.w.W['sup_id']}{ctx.day:%y%m%d}{ctx.rng.randint(100, 999)}", extra=extra)


def sup_ok(it):
    return (it.kind == "supplier_invoice" and "dd" not in it.meta and "kw" not in it.meta
            and it.party.role == "supplier")


def b_supplier(ctx, variant):
    """variant: single, multi, skonto, fee_explained, fee_unexplained."""
    r, lang = ctx.rng, ctx.lang
    sups = [i for i in ctx.items if sup_ok(i)]
    day = ctx.day
    if variant == "skonto":
        cond = lambda i: i.disc_until is not None and day <= i.disc_until and ctx.open[i.id] == i.amount
    elif variant.startswith("fee"):
        cond = lambda i: i.party.swift
    else:
        cond = lambda i: not i.party.swift
    it = ctx.pick(sups, cond, tries=800, near_due=variant != "skonto")
    if it is None:
        return None
    p = it.party
    o = ctx.open[it.id]
    if variant == "multi":
        pool = [x for x in ctx.items if x.party is p and sup_ok(x) and ctx.avail(x) and x is not it]
        if not pool:
            return None
        chosen = [it] + r.sample(pool, min(len(pool), r.choice([1, 1, 2, 3])))
        purpose = fill(r.choice(T(ctx, "sup_multi")), rs=", ".join(x.reference for x in chosen), ourno=p.our_no)
        amt = sum(ctx.open[x.id] for x in chosen)
        return mk(ctx, amt, tx_out(ctx, p, purpose), {x: ctx.open[x.id] for x in chosen}, "auto", True,
                  "supplier_payment_several", f"our transfer paying {len(chosen)} invoices of one supplier, all quoted.")
    if variant == "skonto":
        disc = q(-o * it.disc_rate)
        purpose = fill(r.choice(T(ctx, "sup_skonto")), r=it.reference, pct=L.fmt_pct(r, it.disc_rate),
                       damt=L.fmt_num(lang, disc), ourno=p.our_no)
        return mk(ctx, o + disc, tx_out(ctx, p, purpose), {it: o}, "auto", True, "supplier_skonto",
                  "we pay a supplier invoice within its discount period, less the discount recorded on the item.")
    purpose = fill(r.choice(T(ctx, "sup_single")), r=it.reference, ourno=p.our_no)
    if variant.startswith("fee"):
        fee = Decimal(r.choice(["15.00", "20.00", "25.00", "12.50"]))
        extra = fill(T(ctx, "out_fee"), fee=L.fmt_num(lang, fee)) if variant == "fee_explained" else ""
        tx = tx_out(ctx, p, purpose, kind="swift_out", extra=extra)
        if variant == "fee_explained":
            return mk(ctx, o - fee, tx, {it: o}, "auto", True, "outgoing_fee_added",
                      f"foreign transfer debited with the bank's {fee} charge included, stated in the text.")
        return mk(ctx, o - fee, tx, {it: o}, "review", True, "outgoing_fee_added_unstated",
                  f"foreign transfer debited {fee} more than the invoice; the charge is not stated.")
    return mk(ctx, o, tx_out(ctx, p, purpose), {it: o}, "auto", True, "supplier_payment",
              "our transfer to a supplier quoting its invoice number.")


def b_weekly(ctx, named):
    r, lang = ctx.rng, ctx.lang
    lines = [i for i in ctx.items if "kw" in i.meta]
    cands = [i for i in lines if ctx.avail(i) and i.issue < ctx.day]
    if not cands:
        return None
    if named:
        it = r.choice(cands)
        purpose = fill(T(ctx, "weekly_kw"), kw=it.meta["kw"], Y=it.issue.year)
        purpose += " " + it.party.our_no if r.random() < 0.3 else ""
        o = ctx.open[it.id]
        return mk(ctx, o, tx_out(ctx, it.party, purpose), {it: o}, "auto", True, "weekly_identical_named",
                  "weekly invoice of an identical amount, the week number is in the text.")
    p = r.choice(sorted({i.party.pid: i.party for i in cands}.values(), key=lambda x: x.pid))
    mine = sorted([i for i in cands if i.party is p], key=lambda i: i.issue)
    if len([i for i in lines if i.party is p and ctx.sod[i.id] != 0 and i.issue < ctx.day]) < 2:
        return None
    it = mine[-1]
    o = ctx.open[it.id]
    purpose = fill(T(ctx, "weekly_plain"))
    return mk(ctx, o, tx_out(ctx, p, purpose), {it: o}, "review", True, "weekly_identical_unnamed",
              "weekly supplier paid without week number; several open lines of the identical amount; the one "
              f"of {it.issue.isoformat()} (the latest) is the one paid, but only dates tell.")


# ------------------------------------------------------------------------------------------
# direct debits
# ------------------------------------------------------------------------------------------
DD_TEXT = {
    "de": ["Rechnung {period} Kundennr. {no} RgNr. {ref}", "{ref} Kd {no} Abrechnung {period}",
           "Ihre Rechnung vom {idate} Nr {ref}", "Beitrag/Rechnung {ref} Vertragskonto {no}"],
    "es": ["FACTURA {ref} PERIODO {period}", "RECIBO {ref} CLIENTE {no}", "FRA {ref} CONTRATO {no}"],
    "it": ["FATTURA {ref} PERIODO {period} CODICE CLIENTE {no}", "BOLLETTA N. {ref} DEL {idate}", "FT {ref} CONTRATTO {no}"],
    "nl": ["Factuur {ref} klantnummer {no}", "Nota {ref} periode {period}", "{ref} klantnr {no}"],
}
DD_NOITEM = {
    "de": {"ins": ["Beitrag {period} VSNR {no}", "Versicherungsbeitrag {period} Vertrag {no}"],
           "fuel": ["Tankkarte Abrechnung {period} Kd {no}", "Kartenabrechnung {period} Kunde {no}"],
           "other": ["Rundfunkbeitrag {period} BNR {no}", "Beitragsrechnung {period} Mitgl-Nr {no}",
                     "Beitrag {period} Mitgliedsnr {no}"]},
    "es": {"ins": ["RECIBO POLIZA {no} PERIODO {period}", "PRIMA SEGURO POLIZA {no}"],
           "fuel": ["CARGO TARJETA SOLRED {period}", "LIQUIDACION TARJETAS {period} CLIENTE {no}"],
           "other": ["CUOTA ALARMA {period} CONTRATO {no}", "CUOTA SERVICIO {period}"]},
    "it": {"ins": ["ADDEBITO POLIZZA {no} RATA {period}", "PREMIO POLIZZA N. {no}"],
           "fuel": ["ADDEBITO TELEPASS {period}", "FORNITURA CARBURANTE {period} CLIENTE {no}"],
           "other": ["CANONE SERVIZIO {period}"]},
    "nl": {"ins": ["Premie {period} polisnr {no}", "Verzekeringspremie {period} polis {no}"],
           "fuel": ["Tankpas {period} klant {no}", "Brandstof {period} pasnr {no}"],
           "other": ["Abonnement Exact Online {period}", "Licentie {period} klant {no}"]},
}


def _dd_tx(ctx, p, purpose, ref):
    return dict(kind="dd_out", name=p.name[: ctx.w.W["name_limit"]], iban=p.iban, bic=p.bic, purpose=purpose,
                eref=ref, extra="", mref=p.mandate, cred=p.cred_id)


def b_dd_item(ctx, it):
    r, lang = ctx.rng, ctx.lang
    p = it.party
    period = f"{it.issue.month:02d}/{it.issue.year}"
    purpose = fill(r.choice(DD_TEXT[lang]), period=period, no=p.our_no, ref=it.reference,
                   idate=L.fmt_date(lang, it.issue))
    o = ctx.open[it.id]
    return mk(ctx, o, _dd_tx(ctx, p, purpose, it.reference), {it: o}, "auto", True, "direct_debit_with_item",
              "a supplier collects its invoice by SEPA direct debit; invoice number and customer number in the text.")


def b_dd_noitem(ctx):
    r, lang = ctx.rng, ctx.lang
    creds = [c for c in ctx.w.creditors if "noitems" in c.tags]
    if not creds:
        return None
    p = r.choice(creds)
    lo, hi = p.meta_range
    amt = -q(Decimal(r.randint(lo, hi)) / 100)
    period = f"{ctx.day.month:02d}/{ctx.day.year}"
    nm = p.name.lower()
    kind = ("ins" if any(w in nm for w in ("allianz", "mapfre", "generali", "achmea", "versicher", "securitas"))
            else "fuel" if any(w in nm for w in ("aral", "solred", "kuwait", "shell", "telepass"))
            else "other")
    opts = DD_NOITEM[lang][kind]
    purpose = fill(r.choice(opts), period=period, no=p.our_no)
    return mk(ctx, amt, _dd_tx(ctx, p, purpose, f"{r.randint(10 ** 9, 10 ** 10 - 1)}"), {}, "none", False,
              "direct_debit_no_item", "direct debit (insurance, fuel card, fees) with no open item in the ledger.")


def b_dd_return(ctx):
    r, lang = ctx.rng, ctx.lang
    custs = [c for c in ctx.w.customers if not c.swift and c.cc == ctx.w.W["cc"]]
    p = r.choice(custs)
    amt = -q(Decimal(r.randint(5000, 300000)) / 100)
    fee = Decimal(r.choice(["3.00", "4.50", "5.00", "8.50"]))
    reason = r.choice(["AC04", "MD06", "AM04", "MS03"])
    purpose = {"de": f"RUECKLASTSCHRIFT {reason} EREF+LS{ctx.day:%y%m}{r.randint(1000, 9999)} Entgelt {L.fmt_num(lang, fee)}",
               "es": f"DEVOLUCION RECIBO {reason} REMESA {r.randint(10, 99)} GASTOS {L.fmt_num(lang, fee)}",
               "it": f"RIBA INSOLUTA EFFETTO N. {r.randint(100, 999)} SPESE {L.fmt_num(lang, fee)}",
               "nl": f"Storno incasso reden {reason} kosten {L.fmt_num(lang, fee)}"}[lang]
    tx = dict(kind="dd_return", name=ctx.show(p, p.true_name)[: ctx.w.W["name_limit"]], iban=p.iban, bic=p.bic,
              purpose=purpose, eref="", extra="")
    return mk(ctx, amt - fee, tx, {}, "none", True, "direct_debit_returned",
              "one of our earlier collections comes back unpaid, plus a return fee; no open item is settled.")


# ------------------------------------------------------------------------------------------
# payroll, taxes, batches
# ------------------------------------------------------------------------------------------
def b_payroll(ctx, it):
    r, lang = ctx.rng, ctx.lang
    p = it.party
    per = it.meta["period"]
    purpose = fill(L.TPL[lang]["payroll"], MM=f"{per.month:02d}", Y=per.year, pn=p.pn, M=L.MONTHS[lang][per.month - 1],
                   MU=L.MONTHS[lang][per.month - 1].upper())
    if lang in ("es", "it") and r.random() < 0.4:
        purpose += f" {p.pn}"
    o = ctx.open[it.id]
    tx = dict(kind="salary_out", name=our_name(ctx, p), iban=p.iban, bic=p.bic, purpose=purpose,
              eref=f"SAL{per:%Y%m}{p.pn}", extra="")
    return mk(ctx, o, tx, {it: o}, "auto", True, "payroll_with_entry",
              "net salary transfer; the payroll entry for this employee is in the ledger.")


def b_authority(ctx, kind, p, text, amount, item):
    r, lang = ctx.rng, ctx.lang
    text = fill(text, nrc=f"{r.randint(10 ** 15, 10 ** 16 - 1)}", bk=f"{r.randint(10 ** 15, 10 ** 16 - 1)}")
    tx = dict(kind="tax_out", name=p.name, iban="", bic="", purpose=text, eref="", extra="")
    label = "tax" if kind == "tax" else "social_charges"
    if item is not None:
        o = ctx.open[item.id]
        return mk(ctx, o, tx, {item: o}, "auto", True, f"{label}_with_entry",
                  "tax / social charge already booked as an entry waiting for the bank; payee, period and amount "
                  "agree.")
    return mk(ctx, amount, tx, {}, "none", False, f"{label}_not_booked",
              "tax / social charge debited with nothing booked for it; nothing to settle.")


def b_batch(ctx, it):
    r, lang = ctx.rng, ctx.lang
    o = ctx.open[it.id]
    if "batch_in" in it.meta:
        no, n = it.meta["batch_in"]
        purpose = {"de": f"SEPA-Lastschrift-Sammler Einreichung {it.reference} {n} Posten",
                   "es": f"ABONO REMESA RECIBOS SEPA CORE N {no:04d} {n} RECIBOS",
                   "it": f"PRESENTAZIONE RI.BA. SBF DISTINTA N. {no} EFFETTI {n}",
                   "nl": f"SEPA Incasso batch {it.reference} {n} posten"}[lang]
        tx = dict(kind="batch_in", name="", iban="", bic="", purpose=purpose, eref=it.reference, extra="", n=n)
        return mk(ctx, o, tx, {it: o}, "auto", True, "collection_batch",
                  "credit for our own direct-debit / RiBa collection run, booked as one transit entry.")
    d, n = it.meta["batch_out"]
    purpose = fill(L.TPL[lang]["batch"], k=n, d=L.fmt_date(lang, d)) + f" {it.reference}"
    tx = dict(kind="batch_out", name="", iban="", bic="", purpose=purpose, eref=it.reference, extra="", n=n)
    return mk(ctx, o, tx, {it: o}, "auto", True, "payment_run_batch",
              "one debit for our payment run of several suppliers, booked as one transit entry.")


# ------------------------------------------------------------------------------------------
# no open item at all
# ------------------------------------------------------------------------------------------
def b_fee(ctx):
    r = ctx.rng
    text = r.choice(ctx.w.W["fees"])
    amt = -q(Decimal(r.choice([450, 890, 1250, 1990, 2500, 3870, 750, 1500, 6420])) / 100)
    tx = dict(kind="fee", name="", iban="", bic="", purpose=text, eref="", extra="")
    return mk(ctx, amt, tx, {}, "none", False, "bank_fee", "bank charges; no open item.")


def b_card(ctx):
    r, lang = ctx.rng, ctx.lang
    m = r.choice(L.CARD[lang])
    amt = -q(Decimal(r.randint(490, 89000)) / 100)
    tx = dict(kind="card_out", name=m, iban="", bic="", purpose=m, eref="", extra="",
              when=ctx.day - timedelta(days=r.choice([0, 1, 2, 3])))
    return mk(ctx, amt, tx, {}, "none", False, "card_purchase", "company card purchase; no open item.")


def b_refund_cn(ctx):
    r, lang = ctx.rng, ctx.lang
    it = ctx.pick([i for i in ctx.items if i.kind == "credit_note"],
                  lambda c: c.party.role == "customer" and not c.party.swift, near_due=False)
    if it is None:
        return None
    p = it.party
    txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted"]))[0]
    purpose = fill(r.choice(bi_no_stutter(T(ctx, "refund"), txt)), r=txt)
    o = ctx.open[it.id]
    return mk(ctx, o, tx_out(ctx, p, purpose), {it: o}, "auto", True, "credit_note_refunded",
              "we pay out a customer's credit note, quoting it.")
