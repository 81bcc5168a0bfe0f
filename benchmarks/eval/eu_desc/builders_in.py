"""Money in from customers: each builder makes one movement and its truth, or returns None."""

import re
from datetime import timedelta
from decimal import Decimal

import langdata as L
from core import Mv, fill, ref_form, join_refs, count_subsets, dig_edit, osa, key_core
from world import q, ZERO

IBAN_SHOW = {"de": 0.35, "es": 0.12, "it": 0.45, "nl": 1.0}


def T(ctx, key):
    return L.TPL[ctx.lang][key]


def no_cust(lst):
    return [t for t in lst if "{cust}" not in t]


def eref(ctx, single_ref=None):
    r = ctx.rng
    x = r.random()
    if ctx.lang == "de" and single_ref and x < 0.15:
        return single_ref
    if x < 0.55:
        return "NOTPROVIDED"
    return r.choice([f"ZV{ctx.day:%Y%m%d}{r.randint(100, 9999)}", f"{r.randint(10 ** 9, 10 ** 10 - 1)}",
                     f"P{r.randint(10 ** 5, 10 ** 6 - 1)}-{r.randint(1, 99)}", f"E2E{r.randint(10 ** 7, 10 ** 8 - 1)}"])


def payer(ctx, p, mode="full"):
    """Displayed payer name and the mode to check it with (the bank cuts long names)."""
    shown = ctx.name_variant(p, mode)
    if shown is None:
        return None, None
    lim = ctx.w.W["name_limit"]
    if len(shown) > lim:
        if mode not in ("full", "cut"):
            return None, None
        shown = shown[:lim].rstrip()
        mode = "cut"
    return shown, mode


def tx_in(ctx, p, shown, purpose, single_ref=None, kind="ct_in", extra="", iban=None):
    r = ctx.rng
    if iban is None:
        iban = p.iban if (ctx.lang == "nl" or r.random() < IBAN_SHOW[ctx.lang]) else ""
    d = dict(kind=kind, name=shown, iban=iban, bic=p.bic if iban else "", purpose=purpose[:140],
             eref=eref(ctx, single_ref), extra=extra)
    if ctx.lang == "de" and r.random() < 0.15:
        d["kref"] = r.choice(["NONREF", f"{ctx.day:%Y%m%d}{r.randint(10 ** 7, 10 ** 8 - 1)}",
                              f"DTA{r.randint(10 ** 5, 10 ** 6 - 1)}"])
    return d


def dd(ctx, it):
    return L.fmt_date(ctx.lang, it.issue)


def plain_ok(it):
    p = it.party
    return (it.kind == "invoice" and p.role == "customer" and not p.swift and "month" not in it.meta
            and "instal" not in it.meta)


def mk(ctx, amount, tx, expected, outcome, ident, phen, note, vd=None):
    mv = Mv(ctx.day, amount, tx, {k.id: v for k, v in expected.items()}, outcome, ident, phen, note,
            vd or ctx.day)
    for it, v in expected.items():
        ctx.settle(it, v)
    return mv


def _word_before(tpl, ph):
    head = [w for w in re.split(r"[^A-Za-z]+", tpl.split(ph)[0]) if w]
    return head[-1].upper() if head else ""


def no_stutter(tpls, txt, ph="{r}"):
    """Drop templates whose word before the reference repeats the reference's own prefix ('FT FT 2026/1')."""
    first = re.split(r"[^A-Za-z]+", txt.strip())[0].upper() if txt.strip() else ""
    if not first:
        return tpls
    keep = [t for t in tpls if _word_before(t, ph) != first and not (first == "RE" and _word_before(t, ph) == "RG")]
    return keep or tpls


def single_text(ctx, it, txt, form):
    lang = ctx.lang
    r = ctx.rng
    if form in ("number_only",):
        tpls = T(ctx, "single_word")
    elif form in ("prefix_dropped",) and lang in ("de", "it", "es"):
        tpls = T(ctx, "single_word") + T(ctx, "single_pref")
    else:
        tpls = T(ctx, "single_pref") + T(ctx, "single_pref") + T(ctx, "single_word")
    tpl = r.choice(no_stutter(tpls, txt))
    return fill(tpl, r=txt, cust=it.party.pid, idate=dd(ctx, it), idate_s=L.fmt_date(lang, it.issue, True))


# ------------------------------------------------------------------------------------------
# references
# ------------------------------------------------------------------------------------------
REF_NOTES = {
    "exact": "exact invoice number and exact amount",
    "reformatted": "invoice number written with other separators / spacing / year format",
    "prefix_dropped": "invoice number without its series prefix",
    "zeros_dropped": "invoice number with its leading zeros dropped",
    "number_only": "only the bare sequence number after a word ('Rg. 123')",
    "swapped": "two adjacent digits of the invoice number swapped",
    "typo": "one digit of the invoice number mistyped",
}


def b_ref(ctx, form, label):
    r, lang = ctx.rng, ctx.lang
    for attempt in range(40):
        want_rival = form in ("swapped", "typo") and attempt < 25
        it = ctx.pick(ctx.customer_invoices, plain_ok)
        if it is None:
            return None
        p = it.party
        amt = ctx.open[it.id]
        rivals = ctx.same_amount_rivals(p, it)
        if want_rival and not rivals:
            continue
        txt, lit = ref_form(lang, r, it, form)
        if txt is None:
            continue
        outcome, note = "auto", REF_NOTES[form]
        if form in ("swapped", "typo"):
            other = [o for o in ctx.inv_by_num.get(lit, []) if o.year == it.year and o.kind == it.kind
                     and ctx.sod[o.id] != 0]
            if other:
                if attempt < 35:
                    continue
                outcome = "review"
                note += f"; the damaged number is itself the open item {other[0].id} of another party"
            near = [o for o in ctx.party_open(p) if o is not it and o.kind == it.kind
                    and dig_edit(f"{lit}", f"{o.num}") <= 1]
            if near:
                continue
            if rivals:
                note += f"; the payer also has {len(rivals)} other open item(s) of exactly this amount"
        if form == "number_only":
            cands = [o for o in ctx.inv_by_num.get(it.num, []) if o is not it and ctx.sod[o.id] != 0]
            if any(o.party is p for o in cands):
                continue
        shown, mode = payer(ctx, p)
        if shown is None:
            continue
        purpose = single_text(ctx, it, txt, form)
        tx = tx_in(ctx, p, shown, purpose, single_ref=it.reference if form == "exact" else None)
        return mk(ctx, amt, tx, {it: amt}, outcome, True, label, note + ".")
    return None


def b_line_wrap(ctx):
    """German MT940-style exports join 27-character lines with a blank, cutting the reference."""
    r = ctx.rng
    prefixes = ["Ihre Rechnung Nr. ", "Ausgleich Rechnung ", "Zahlung zu Rechnung ", "Kd-Nr. {cust} Rechnung ",
                "Kundennr {cust} Rg-Nr. ", "Begleichung Rechnung ", "Rechnungsausgleich "]
    for _ in range(30):
        it = ctx.pick(ctx.customer_invoices, plain_ok)
        if it is None:
            return None
        ref = it.reference
        good = [pf for pf in prefixes if 26 - len(ref) < len(fill(pf, cust=it.party.pid)) < 26]
        if not good:
            continue
        purpose = fill(r.choice(good), cust=it.party.pid) + " " + ref + r.choice(["", " vom " + dd(ctx, it),
                                                                               " Danke"])
        chunks = [purpose[i:i + 27] for i in range(0, len(purpose), 27)]
        wrapped = " ".join(chunks)
        if ref in wrapped:
            continue
        shown, mode = payer(ctx, it.party)
        if shown is None:
            continue
        amt = ctx.open[it.id]
        tx = tx_in(ctx, it.party, shown, wrapped)
        tx["wrapped"] = True
        return mk(ctx, amt, tx, {it: amt}, "auto", True, "ref_split_line_wrap",
                  "exact invoice number cut in two by the bank's 27-character line joining.")
    return None


def b_rf(ctx):
    r = ctx.rng
    it = ctx.pick(ctx.customer_invoices, lambda i: plain_ok(i) and "rf" in i.meta)
    if it is None:
        return None
    rf = it.meta["rf"]
    shown = r.choice([" ".join(rf[i:i + 4] for i in range(0, len(rf), 4)), rf, rf.lower()])
    purpose = r.choice([shown, f"{shown}", f"{L.TPL[ctx.lang]['words_invoice']} {shown}"])
    if ctx.lang == "nl" and r.random() < 0.6:
        purpose = f"STRD/CUR/ISSR/CUR/REF/{rf}"
    nm, mode = payer(ctx, it.party)
    amt = ctx.open[it.id]
    tx = tx_in(ctx, it.party, nm, purpose)
    return mk(ctx, amt, tx, {it: amt}, "auto", True, "ref_rf_creditor_reference",
              "ISO 11649 RF creditor reference printed on the invoice, written in groups of four.")


# ------------------------------------------------------------------------------------------
# names only
# ------------------------------------------------------------------------------------------
NAME_NOTES = {
    "full": "no reference; the payer's name (legal form as its bank writes it) and the single open item of that amount",
    "cut": "no reference; payer name cut short by the bank; the single open item of that amount",
    "nospace": "no reference; payer name written without spaces; the single open item of that amount",
    "typo": "no reference; payer name with a typo on the bank side; the single open item of that amount",
    "abbrev": "no reference; payer name abbreviated; the single open item of that amount",
    "ledger_typo": "no reference; the ledger misspells the customer's name, the bank has it right",
    "cust_no": "no invoice number; our customer number (the ledger's party id) and the single open item of that amount",
}


def b_name(ctx, mode, label):
    r = ctx.rng
    for attempt in range(80):
        if mode == "ledger_typo":
            cond = lambda i: plain_ok(i) and "ledger_typo" in i.party.tags
        elif mode == "cut":
            cond = lambda i: plain_ok(i) and len(i.party.base) >= 14 and "ledger_typo" not in i.party.tags
        elif mode == "cust_no":
            cond = plain_ok
        else:
            cond = lambda i: plain_ok(i) and "ledger_typo" not in i.party.tags
        it = ctx.pick(ctx.customer_invoices, cond, near_due=attempt < 40)
        if it is None:
            return None
        p = it.party
        if ctx.same_amount_rivals(p, it):
            continue
        shown, eff = payer(ctx, p, "full" if mode in ("ledger_typo", "cust_no") else mode)
        if shown is None:
            continue
        if mode != "cust_no" and not ctx.name_designates(shown, p, eff):
            continue
        amt = ctx.open[it.id]
        if mode == "cust_no":
            purpose = fill(r.choice([t for t in T(ctx, "generic") if "{cust}" in t]), cust=p.pid)
        else:
            purpose = fill(r.choice(no_cust(T(ctx, "generic"))))
        tx = tx_in(ctx, p, shown, purpose)
        note = NAME_NOTES[mode]
        if eff == "cut" and mode != "cut":
            note += " (name also cut by the bank)"
        return mk(ctx, amt, tx, {it: amt}, "auto", True, label, note + ".")
    return None


def b_date_named(ctx):
    r = ctx.rng
    for attempt in range(60):
        it = ctx.pick(ctx.customer_invoices, plain_ok)
        if it is None:
            return None
        p = it.party
        rivals = ctx.same_amount_rivals(p, it)
        if attempt < 45 and not rivals:
            continue
        if any(o.issue == it.issue for o in rivals):
            continue
        shown, mode = payer(ctx, p)
        if not shown or not ctx.name_designates(shown, p, mode):
            continue
        amt = ctx.open[it.id]
        purpose = fill(r.choice(T(ctx, "date_named")), idate=dd(ctx, it),
                       idate_s=L.fmt_date(ctx.lang, it.issue, True))
        note = "no number; the invoice date is named"
        note += (f" and separates it from {len(rivals)} other open item(s) of the same amount" if rivals
                 else " and the amount is unique for the payer")
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {it: amt}, "auto", True, "date_named", note + ".")
    return None


# ------------------------------------------------------------------------------------------
# several items
# ------------------------------------------------------------------------------------------
def _payer_pool(ctx, it, kinds=("invoice",)):
    return [o for o in ctx.party_open(it.party) if o.kind in kinds and ctx.avail(o) and "month" not in o.meta
            and "instal" not in o.meta and ctx.open[o.id] == ctx.sod[o.id]]


def b_multi_all(ctx):
    r, lang = ctx.rng, ctx.lang
    for _ in range(80):
        it = ctx.pick(ctx.customer_invoices, plain_ok, near_due=False)
        if it is None:
            return None
        pool = _payer_pool(ctx, it)
        if len(pool) < 2:
            continue
        k = min(len(pool), r.choice([2, 2, 2, 3, 3, 4, 5, 6]))
        chosen = sorted(r.sample(pool, k), key=lambda o: (o.year, o.num))
        style = r.random()
        if len({o.year for o in chosen}) > 1:
            style = 0.0          # across years a payer writes every number in full
        if style < 0.45:
            refs = [ref_form(lang, r, o, "exact")[0] for o in chosen]
            tpl = r.choice(T(ctx, "multi"))
        elif style < 0.75:
            refs = [ref_form(lang, r, chosen[0], "exact")[0]] + [str(o.num) for o in chosen[1:]]
            tpl = r.choice(T(ctx, "multi"))
        else:
            refs = [str(o.num) for o in chosen]
            tpl = r.choice(T(ctx, "multi_word"))
            if len(set(refs)) < len(refs):
                continue
        if style >= 0.45:
            nums = {o.num for o in chosen[1 if style < 0.75 else 0:]}
            if any(o.num in nums and o not in chosen for o in ctx.party_open(it.party)):
                continue
        if style < 0.75:
            tpl = r.choice(no_stutter(T(ctx, "multi"), refs[0], "{rs}"))
        purpose = fill(tpl, rs=join_refs(lang, r, refs), cust=it.party.pid)
        if len(purpose) > 140:       # SEPA unstructured remittance holds 140 characters
            continue
        shown, mode = payer(ctx, it.party)
        amt = sum(ctx.open[o.id] for o in chosen)
        return mk(ctx, amt, tx_in(ctx, it.party, shown, purpose), {o: ctx.open[o.id] for o in chosen}, "auto", True,
                  "several_invoices_all_quoted", f"{k} invoices quoted, the amount is exactly their sum.")
    return None


def b_multi_one(ctx):
    r, lang = ctx.rng, ctx.lang
    for attempt in range(120):
        it = ctx.pick(ctx.customer_invoices, plain_ok, near_due=False)
        if it is None:
            return None
        pool = _payer_pool(ctx, it)
        if len(pool) < 3 or len(pool) > 28:
            continue
        k = min(len(pool) - 1, r.choice([2, 2, 3, 3, 4, 5, 6]))
        chosen = r.sample(pool, k)
        quoted = chosen[0]
        amt = sum(ctx.open[o.id] for o in chosen)
        others = [o for o in ctx.party_open(it.party) if o is not quoted]
        n = count_subsets([ctx.sod[o.id] for o in others], amt - ctx.sod[quoted.id])
        if n != 1 and attempt < 80:
            continue
        txt = ref_form(lang, r, quoted, r.choice(["exact", "exact", "reformatted"]))[0]
        purpose = fill(r.choice(no_stutter(T(ctx, "one_quoted"), txt)), r=txt, cust=it.party.pid)
        shown, mode = payer(ctx, it.party)
        outcome = "auto" if n == 1 else "review"
        note = (f"one invoice quoted; {k - 1} other open item(s) of the same customer make up the rest, and no "
                f"other combination of its open items does" if n == 1 else
                f"one invoice quoted; {k - 1} other open items make up the rest but other combinations fit too")
        return mk(ctx, amt, tx_in(ctx, it.party, shown, purpose), {o: ctx.open[o.id] for o in chosen}, outcome, True,
                  "several_invoices_one_quoted", note + ".")
    return None


def b_multi_none(ctx):
    r = ctx.rng
    for attempt in range(120):
        it = ctx.pick(ctx.customer_invoices, plain_ok, near_due=False)
        if it is None:
            return None
        p = it.party
        allopen = ctx.party_open(p)
        pool = _payer_pool(ctx, it, ("invoice", "credit_note"))
        if len(allopen) > 24 or len(allopen) < 2:
            continue
        everything = len(pool) == len(allopen) and r.random() < 0.6
        chosen = pool if everything else r.sample([o for o in pool if o.kind == "invoice"],
                                                   min(len([o for o in pool if o.kind == "invoice"]),
                                                       r.choice([2, 3, 4])))
        if len(chosen) < 2:
            continue
        amt = sum(ctx.open[o.id] for o in chosen)
        if amt <= 0:
            continue
        n = count_subsets([ctx.sod[o.id] for o in allopen], amt)
        outcome = "auto" if (everything and n == 1) else "review"
        if not everything and attempt < 60 and r.random() < 0.5:
            continue
        shown, mode = payer(ctx, p)
        if not ctx.name_designates(shown, p, mode):
            continue
        mon = L.MONTHS[ctx.lang][(ctx.day.month - 2) % 12]
        purpose = fill(r.choice(T(ctx, "none_quoted")), cust=p.pid, mon=mon, avis=r.randint(1000, 99999),
                       adate=L.fmt_date(ctx.lang, ctx.day - timedelta(days=r.randint(1, 4))))
        if everything:
            note = (f"no reference; the amount is the sum of all {len(chosen)} open items of the payer"
                    + ("" if n == 1 else ", but other combinations fit too"))
        else:
            note = f"no reference; {len(chosen)} of the payer's open invoices make the amount (remittance advice not at hand)"
            if n > 1:
                note += "; other combinations fit too"
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {o: ctx.open[o.id] for o in chosen}, outcome, True,
                  "several_invoices_none_quoted", note + ".")
    return None


# ------------------------------------------------------------------------------------------
# credit notes, discounts, partials
# ------------------------------------------------------------------------------------------
def _cn_pair(ctx):
    r = ctx.rng
    for _ in range(80):
        cn = ctx.pick([i for i in ctx.items if i.kind == "credit_note"],
                      lambda c: not c.party.swift and c.party.role == "customer", near_due=False)
        if cn is None:
            return None, None
        inv = cn.meta.get("for")
        if inv is None or not ctx.avail(inv) or ctx.open[inv.id] != ctx.sod[inv.id] or not plain_ok(inv):
            pool = [o for o in _payer_pool(ctx, cn) if ctx.open[o.id] > -ctx.open[cn.id]]
            if not pool:
                continue
            inv = r.choice(pool)
        if ctx.open[inv.id] + ctx.open[cn.id] <= 0:
            continue
        return inv, cn
    return None, None


def b_cn_quoted(ctx):
    r, lang = ctx.rng, ctx.lang
    inv, cn = _cn_pair(ctx)
    if inv is None:
        return None
    p = inv.party
    amt = ctx.open[inv.id] + ctx.open[cn.id]
    rt = ref_form(lang, r, inv, r.choice(["exact", "exact", "reformatted", "prefix_dropped"]))[0]
    ct = ref_form(lang, r, cn, r.choice(["exact", "exact", "reformatted"]))[0]
    purpose = fill(r.choice(no_stutter(T(ctx, "cn_num"), rt)), r=rt, c=ct)
    shown, mode = payer(ctx, p)
    return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {inv: ctx.open[inv.id], cn: ctx.open[cn.id]}, "auto", True,
              "credit_note_deducted_quoted", "invoice and the credit note deducted from it are both quoted.")


def b_cn_unquoted(ctx):
    r, lang = ctx.rng, ctx.lang
    for _ in range(20):
        inv, cn = _cn_pair(ctx)
        if inv is None:
            return None
        p = inv.party
        amt = ctx.open[inv.id] + ctx.open[cn.id]
        alt = [c for c in ctx.party_open(p) if c.kind == "credit_note" and c is not cn
               and ctx.sod[c.id] + ctx.sod[inv.id] == amt]
        rt = ref_form(lang, r, inv, r.choice(["exact", "exact", "reformatted"]))[0]
        purpose = fill(r.choice(no_stutter(T(ctx, "cn_nonum"), rt)), r=rt)
        shown, mode = payer(ctx, p)
        outcome = "review" if alt else "auto"
        note = ("invoice quoted, 'minus credit note' without its number; the customer's only open credit note "
                "explains the shortfall exactly" if not alt else
                "invoice quoted, credit note deducted without number; two credit notes of the same amount fit")
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {inv: ctx.open[inv.id], cn: ctx.open[cn.id]}, outcome,
                  True, "credit_note_deducted_unquoted", note + ".")
    return None


def _skonto_text(ctx, it, rate, disc, mention):
    r, lang = ctx.rng, ctx.lang
    txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted", "number_only"]))
    form = "number_only" if txt[0].isdigit() and len(txt[0]) < 6 else "exact"
    if mention:
        tpl = r.choice(no_stutter(T(ctx, "skonto"), txt[0]))
        ref_txt = txt[0] if form == "exact" else f"{L.TPL[lang]['words_invoice']} {txt[0]}"
        return fill(tpl, r=ref_txt, pct=L.fmt_pct(r, rate), damt=L.fmt_num(lang, disc))
    return single_text(ctx, it, txt[0], form)


def b_skonto(ctx, variant):
    """variant: in_period (ledger columns), text_terms (terms only in the description), late, wrong_rate."""
    r, lang = ctx.rng, ctx.lang
    day = ctx.day

    def cond(i):
        s = i.meta.get("skonto")
        if not plain_ok(i) or ctx.open[i.id] != i.amount:
            return False
        if variant == "wrong_rate" and s is None:
            return r.random() < 0.3 and (day - i.issue).days <= 12
        if s is None:
            return False
        du, rate, mode = s
        if variant == "in_period":
            return mode == "cols" and day <= du
        if variant == "text_terms":
            return mode == "text" and day <= du
        if variant == "late":
            return 4 <= (day - du).days <= 45
        return day <= du
    it = ctx.pick(ctx.customer_invoices, cond, tries=1500, near_due=False)
    if it is None:
        return None
    s = it.meta.get("skonto")
    rate = s[1] if s else Decimal("0.02")
    if variant == "wrong_rate":
        rate = rate + Decimal("0.01") if s else Decimal("0.02")
    amt0 = ctx.open[it.id]
    disc = q(amt0 * rate)
    paid = amt0 - disc
    mention = r.random() < {"in_period": 0.55, "text_terms": 0.6, "late": 0.75, "wrong_rate": 0.8}[variant]
    purpose = _skonto_text(ctx, it, rate, disc, mention)
    shown, mode = payer(ctx, it.party)
    tx = tx_in(ctx, it.party, shown, purpose)
    if variant == "in_period":
        return mk(ctx, paid, tx, {it: amt0}, "auto", True, "skonto_in_period",
                  f"{rate * 100:.0f}% early-payment discount taken within the period recorded on the item "
                  f"({'mentioned' if mention else 'not mentioned'} in the text); the invoice is settled in full.")
    if variant == "text_terms":
        return mk(ctx, paid, tx, {it: amt0}, "auto", True, "skonto_terms_in_text",
                  f"{rate * 100:.0f}% discount taken in time; the terms are only written in the invoice description; "
                  "the invoice is settled in full.")
    if variant == "late":
        return mk(ctx, paid, tx, {it: paid}, "review", True, "skonto_taken_late",
                  f"discount deducted {(ctx.day - s[0]).days} days after the discount period ended; the deduction "
                  "is not owed, so the remainder stays open to be claimed.")
    return mk(ctx, paid, tx, {it: paid}, "review", True, "skonto_wrong_rate",
              f"{rate * 100:.0f}% deducted where " + (f"{s[1] * 100:.0f}% was agreed" if s else
                                                        "no discount was agreed") + "; the difference stays open.")


def b_partial(ctx, worded):
    r, lang = ctx.rng, ctx.lang
    it = ctx.pick(ctx.customer_invoices, lambda i: plain_ok(i) and ctx.open[i.id] >= 180)
    if it is None:
        return None
    o = ctx.open[it.id]
    x = r.random()
    if x < 0.4:
        paid = q(o * Decimal(r.choice(["0.5", "0.3", "0.4", "0.25", "0.6"])))
    elif x < 0.8:
        paid = Decimal(max(50, int(o * Decimal(r.uniform(0.2, 0.8)) / 50) * 50))
    else:
        paid = q(o * Decimal(r.uniform(0.15, 0.85)))
    if paid >= o or paid <= 0:
        return None
    txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted"]))[0]
    if worded:
        purpose = fill(r.choice(no_stutter(T(ctx, "partial"), txt)), r=txt)
    else:
        purpose = single_text(ctx, it, txt, "exact")
    shown, mode = payer(ctx, it.party)
    tx = tx_in(ctx, it.party, shown, purpose)
    if worded:
        return mk(ctx, paid, tx, {it: paid}, "auto", True, "partial_payment_worded",
                  "partial payment announced as such in the text ('Teilzahlung', 'a cuenta', 'acconto', "
                  "'deelbetaling'); the rest stays open.")
    return mk(ctx, paid, tx, {it: paid}, "review", True, "partial_payment_unexplained",
              "the quoted invoice is paid only in part and nothing explains the shortfall.")


def b_instalment(ctx):
    r, lang = ctx.rng, ctx.lang
    pool = [i for i in ctx.customer_invoices if "instal" in i.meta and not i.party.swift]
    it = ctx.pick(pool, lambda i: True, near_due=False)
    if it is None:
        return None
    k, n, rate = it.meta["instal"]
    o = ctx.open[it.id]
    paid = o if k == n else rate
    txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted"]))[0]
    purpose = fill(r.choice(no_stutter(T(ctx, "instal"), txt)), r=txt, k=k, n=n)
    shown, mode = payer(ctx, it.party)
    return mk(ctx, paid, tx_in(ctx, it.party, shown, purpose), {it: paid}, "auto", True, "instalment",
              f"instalment {k} of {n} of an agreed payment plan (written in the invoice description).")


def b_overpay(ctx):
    r, lang = ctx.rng, ctx.lang
    for _ in range(30):
        prior = r.random() < 0.45
        it = ctx.pick(ctx.customer_invoices, lambda i: plain_ok(i) and (not prior or i.meta.get("prior_partial")),
                      near_due=False)
        if it is None:
            continue
        o = ctx.open[it.id]
        if prior:
            paid = it.amount
            why = "the customer paid the full invoice amount although part of it was paid before"
        else:
            x = r.random()
            if x < 0.4:
                paid = Decimal((int(o / 100) + 1) * 100)
                why = "the customer rounded the amount up"
            elif x < 0.7:
                paid = q(o * (1 + Decimal(ctx.w.W["vat"])))
                why = "the customer added VAT a second time"
            else:
                paid = o + Decimal(r.choice(["10.00", "20.00", "50.00", "100.00", "1.00"]))
                why = "the customer paid a little too much"
        if paid <= o:
            continue
        txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted"]))[0]
        purpose = single_text(ctx, it, txt, "exact")
        shown, mode = payer(ctx, it.party)
        return mk(ctx, paid, tx_in(ctx, it.party, shown, purpose), {it: o}, "review", True, "overpayment",
                  f"{why}; the invoice is settled, the excess {paid - o} needs a decision (refund or credit).")
    return None


def b_fee(ctx, explained):
    r, lang = ctx.rng, ctx.lang
    pool = [i for i in ctx.customer_invoices if i.party.swift and "month" not in i.meta]
    it = ctx.pick(pool, lambda i: ctx.open[i.id] > 120, near_due=False)
    if it is None:
        return None
    o = ctx.open[it.id]
    fee = Decimal(r.choice(["10.00", "12.50", "15.00", "18.00", "20.00", "25.00", "30.00"]))
    paid = o - fee
    txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted"]))[0]
    purpose = single_text(ctx, it, txt, "exact")
    shown, mode = payer(ctx, it.party)
    extra = ""
    if explained:
        extra = fill(T(ctx, "fx_info")[0], orig=L.fmt_num(lang, o), fee=L.fmt_num(lang, fee))
    else:
        extra = fill(T(ctx, "fx_info")[2], bic=it.party.bic or "BARCGB22")
    tx = tx_in(ctx, it.party, shown, purpose, kind="swift_in", extra=extra, iban=it.party.iban)
    if explained:
        return mk(ctx, paid, tx, {it: o}, "auto", True, "intermediary_fee_deducted",
                  f"international payment; the bank text states the original amount and the {fee} charge kept by "
                  "an intermediary bank; the invoice is settled in full.")
    return mk(ctx, paid, tx, {it: o}, "review", True, "intermediary_fee_unexplained",
              f"international payment short by {fee}, typical of a correspondent bank charge but not stated; "
              "a person confirms it as a bank charge.")


# ------------------------------------------------------------------------------------------
# who pays, and wrong quotations
# ------------------------------------------------------------------------------------------
def b_parent(ctx):
    r, lang = ctx.rng, ctx.lang
    for attempt in range(60):
        it = ctx.pick(ctx.customer_invoices, lambda i: plain_ok(i) and i.party.parent is not None)
        if it is None:
            return None
        sub, h = it.party, it.party.parent
        amt = ctx.open[it.id]
        with_ref = r.random() < 0.7
        sub_shown = ctx.show(h, sub.true_name)
        if with_ref:
            txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted", "number_only"]))
            form = "number_only" if txt[0].isdigit() else "exact"
            tail = fill(r.choice(T(ctx, "parent_tail")), sub=sub_shown)
            purpose = (single_text(ctx, it, txt[0], form) + " " + tail).strip()
            note = "paid by the parent company (not in the ledger); the subsidiary's invoice is quoted"
        else:
            if ctx.same_amount_rivals(sub, it):
                continue
            tail = fill(r.choice([t for t in T(ctx, "parent_tail") if t]), sub=sub_shown)
            purpose = fill(r.choice(no_cust(T(ctx, "generic")))) + " " + tail
            note = ("paid by the parent company; no reference, the subsidiary is named and has exactly one open "
                    "item of that amount")
        shown = ctx.show(h, h.true_name)[: ctx.w.W["name_limit"]]
        tx = tx_in(ctx, h, shown, purpose)
        if lang == "de" and tail and r.random() < 0.5:
            tx["purpose"] = purpose.replace(tail, "").strip()
            tx["abwa"] = sub_shown[:27]
        return mk(ctx, amt, tx, {it: amt}, "auto", True, "parent_company_pays", note + ".")
    return None


def b_ref_other_party(ctx):
    r, lang = ctx.rng, ctx.lang
    for _ in range(200):
        it = ctx.pick(ctx.customer_invoices, plain_ok)
        if it is None:
            return None
        p = it.party
        amt = ctx.open[it.id]
        if ctx.same_amount_rivals(p, it):
            continue
        others = [o for o in ctx.customer_invoices if ctx.sod[o.id] == amt and o.party is not p and o.issue < ctx.day
                  and ctx.open[o.id] == amt and o.party.name != p.name]
        if not others:
            continue
        o = r.choice(others)
        shown, mode = payer(ctx, p)
        if not shown or not ctx.name_designates(shown, p, mode):
            continue
        txt = ref_form(lang, r, o, r.choice(["exact", "exact", "reformatted"]))[0]
        purpose = single_text(ctx, o, txt, "exact")
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {it: amt}, "review", True, "quoted_ref_of_other_customer",
                  f"the quoted number is {o.id}, another customer's invoice of the same amount; the payer named in "
                  "the text has its own open invoice of exactly this amount, which is what it pays.")
    return None


def b_ref_wrong_own(ctx):
    r, lang = ctx.rng, ctx.lang
    for _ in range(200):
        it = ctx.pick(ctx.customer_invoices, plain_ok)
        if it is None:
            return None
        p = it.party
        amt = ctx.open[it.id]
        if ctx.same_amount_rivals(p, it):
            continue
        pool = [o for o in _payer_pool(ctx, it) if o is not it and ctx.open[o.id] != amt]
        if not pool:
            continue
        o = r.choice(pool)
        shown, mode = payer(ctx, p)
        if not shown or not ctx.name_designates(shown, p, mode):
            continue
        txt = ref_form(lang, r, o, r.choice(["exact", "exact", "reformatted"]))[0]
        purpose = single_text(ctx, o, txt, "exact")
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {it: amt}, "review", True, "quoted_ref_wrong_own_invoice",
                  f"the payer quotes its invoice {o.id} (open {ctx.open[o.id]}) but pays exactly the amount of its "
                  f"other open invoice {it.id}.")
    return None


# ------------------------------------------------------------------------------------------
# months, duplicates, unknown payers, advances
# ------------------------------------------------------------------------------------------
def _month_kw(ctx, mo):
    lang = ctx.lang
    return dict(M=L.MONTHS[lang][mo.month - 1], MU=L.MONTHS[lang][mo.month - 1].upper(), MM=f"{mo.month:02d}",
                Y=mo.year, Mab=L.MONTHS_ABBR[lang][mo.month - 1], W=ctx.w.W["contract_word"].capitalize())


def b_monthly(ctx, named):
    r, lang = ctx.rng, ctx.lang
    for _ in range(60):
        it = ctx.pick(ctx.customer_invoices, lambda i: "month" in i.meta, near_due=False)
        if it is None:
            return None
        p = it.party
        same = [o for o in ctx.party_open(p) if "month" in o.meta and ctx.sod[o.id] == ctx.sod[it.id] and o is not it]
        if not same and (not named or _ < 45):
            continue
        if not named:
            # the month a standing order pays: the latest one already issued
            cands = sorted([it] + [o for o in same if ctx.avail(o)], key=lambda o: o.meta["month"])
            it = cands[-1]
        amt = ctx.open[it.id]
        kw = _month_kw(ctx, it.meta["month"])
        kw["contract"] = it.meta["contract"]
        shown, mode = payer(ctx, p)
        if named:
            purpose = fill(r.choice(T(ctx, "month")), **kw)
            note = (f"monthly fee named by month ({kw['M']}); the customer has {len(same)} other open item(s) of the "
                    "identical amount for other months")
            return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {it: amt}, "auto", True, "identical_monthly_named",
                      note + ".")
        purpose = fill(r.choice(T(ctx, "month_generic")), **kw)
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {it: amt}, "review", True, "identical_monthly_unnamed",
                  f"monthly fee without month; {len(same) + 1} open items of the identical amount; most likely the "
                  "latest month, a person confirms.")
    return None


def b_duplicate(ctx):
    r, lang = ctx.rng, ctx.lang
    cands = [(d, it) for d, it in ctx.paid_log if d < ctx.day and it.kind == "invoice" and plain_ok(it)]
    r.shuffle(cands)
    for d, it in cands:
        p = it.party
        amt = it.amount
        if any(ctx.sod[o.id] == amt for o in ctx.party_open(p)):
            continue
        txt = ref_form(lang, r, it, "exact")[0]
        purpose = single_text(ctx, it, txt, "exact")
        shown, mode = payer(ctx, p)
        ctx.paid_log.remove((d, it))
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {}, "review", True, "duplicate_payment",
                  f"the customer pays {it.id} a second time (already paid on {d.isoformat()}); nothing is open, "
                  "a refund or credit is decided by a person.")
    return None


def b_paid_quoted(ctx):
    """A number that is no longer open (paid before the period) is quoted again."""
    r, lang = ctx.rng, ctx.lang
    for _ in range(100):
        it = ctx.pick(ctx.customer_invoices, plain_ok, near_due=False)
        if it is None:
            return None
        p = it.party
        n = it.num - r.randint(3, 60)
        if n <= 0 or any(o.year == it.year for o in ctx.inv_by_num.get(n, [])):
            continue
        amt = ctx.w._amount()
        if any(ctx.sod[o.id] == amt for o in ctx.party_open(p)):
            continue
        fake = type(it)("", "invoice", "", p, "", it.issue - timedelta(days=20), it.due, amt)
        fake.num, fake.year = n, it.year
        txt = ref_form(lang, r, fake, r.choice(["exact", "exact", "reformatted"]))[0]
        purpose = single_text(ctx, fake, txt, "exact")
        shown, mode = payer(ctx, p)
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {}, "review", True, "paid_invoice_quoted_again",
                  "the quoted invoice was settled before the period (not in the open items) and the payer has no "
                  "open item of this amount: a duplicate payment to refund or hold as credit.")
    return None


def _fresh_name(ctx):
    for _ in range(50):
        base, form, _ = L.company_name(ctx.lang, ctx.rng)
        nm = f"{base} {form}".strip()
        if not ctx.is_master_name(nm):
            return nm
    return None


def b_unknown(ctx):
    r, lang = ctx.rng, ctx.lang
    nm = _fresh_name(ctx)
    if nm is None:
        return None
    pool = [o for o in ctx.customer_invoices if ctx.sod[o.id] != 0 and o.issue < ctx.day]
    decoy = r.choice(pool)
    amt = ctx.sod[decoy.id]
    if r.random() < 0.5:
        amt = Decimal(r.choice(ctx.w.W["price_list"]))
    shown = nm.upper() if r.random() < 0.6 else nm
    shown = L.strip_acc(shown) if r.random() < 0.5 else shown
    purpose = fill(r.choice(T(ctx, "unknown")), idate=L.fmt_date(lang, ctx.day - timedelta(days=r.randint(10, 40))))
    iban, bic = L.gen_iban(r, ctx.w.W["cc"])
    tx = dict(kind="ct_in", name=shown[: ctx.w.W["name_limit"]], iban=iban if r.random() < 0.5 or lang == "nl" else "",
              bic=bic, purpose=purpose, eref=eref(ctx), extra="")
    n_same = sum(1 for o in pool if ctx.sod[o.id] == amt)
    return mk(ctx, amt, tx, {}, "review", False, "unknown_payer",
              f"a payer not in the ledger with a generic text; {n_same} open item(s) of other customers have this "
              "amount, none is designated.")


def b_prepayment(ctx, before_invoice):
    r, lang = ctx.rng, ctx.lang
    if before_invoice:
        it = None
        for _ in range(300):
            c = r.choice(ctx.customer_invoices)
            if (plain_ok(c) and c.issue > ctx.day and ctx.avail(c, issued_before=False)
                    and not ctx.same_amount_rivals(c.party, c)):
                it = c
                break
        if it is None:
            return None
        ab = it.meta["order"].split(" ")[-1] if lang != "it" else it.meta["order"].split(" ")[2]
        if lang == "de":
            ab = ab.split("AB-")[-1]
        purpose = fill(r.choice([t for t in T(ctx, "prepay") if "{ab}" in t]), ab=ab)
        shown, mode = payer(ctx, it.party)
        amt = ctx.open[it.id]
        return mk(ctx, amt, tx_in(ctx, it.party, shown, purpose), {it: amt}, "review", True,
                  "payment_before_invoice",
                  f"advance paid for order {ab} on {ctx.day.isoformat()}; the matching invoice {it.id} is issued "
                  f"only on {it.issue.isoformat()} (it names the same order); a person links them.")
    it = ctx.pick(ctx.customer_invoices, plain_ok, near_due=False)
    if it is None:
        return None
    p = it.party
    amt = q(ctx.w._amount() * Decimal(r.choice(["0.3", "0.5", "1"])))
    if any(ctx.sod[o.id] == amt for o in ctx.party_open(p)):
        return None
    ab = {"de": f"{ctx.day.year}-{r.randint(3000, 3999):04d}", "es": f"PED-{ctx.day.year % 100}/{r.randint(3000, 3999)}",
          "it": f"{r.randint(3000, 3999)}", "nl": f"{ctx.day.year % 100}{r.randint(3000, 3999)}"}[lang]
    purpose = fill(r.choice(T(ctx, "prepay")), ab=ab)
    shown, mode = payer(ctx, p)
    return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {}, "none", True, "prepayment_no_invoice",
              "advance payment for an order not yet invoiced; it is not applied to any open item.")


def b_cheque(ctx):
    r, lang = ctx.rng, ctx.lang
    pool = [i for i in ctx.items if "cheque" in i.meta]
    it = ctx.pick(pool, lambda i: i.due <= ctx.day, near_due=False)
    if it is None:
        return None
    num = it.meta["cheque"]
    p = it.party
    drawer = ctx.show(p, p.true_name).upper()[:30]
    bank = r.choice(["BANCO SANTANDER", "CAIXABANK", "BBVA", "BANKINTER", "IBERCAJA"] if lang == "es" else
                    ["INTESA SANPAOLO", "UNICREDIT", "BPER BANCA", "BANCO BPM", "CREDEM"] if lang == "it" else
                    ["Sparkasse", "Commerzbank", "Deutsche Bank", "Volksbank"])
    numtxt = r.choice([f"{num:010d}", str(num), f"{num}"])
    if lang == "es":
        purpose = r.choice([f"INGRESO PAGARE N {numtxt} VTO {L.fmt_date(lang, it.due)} LIBRADOR {drawer}",
                            f"ABONO EFECTO PAGARE {numtxt} {bank} {drawer}",
                            f"COMPENSACION PAGARE {numtxt} LIBRADO POR {drawer}"])
    elif lang == "it":
        purpose = r.choice([f"VERSAMENTO ASSEGNI N. 1 ASS. {numtxt} {bank} TRAENTE {drawer}",
                            f"VERS. ASSEGNO BANCARIO N. {numtxt} SU {bank}",
                            f"ACCREDITO ASSEGNO {numtxt} {drawer}"])
    else:
        purpose = r.choice([f"Scheckeinreichung Scheck-Nr. {numtxt} {bank}", f"SCHECKGUTSCHRIFT NR {numtxt} E.V.",
                            f"Scheck {numtxt} {drawer}"])
    tx = dict(kind="cheque_in", name="", iban="", bic="", purpose=purpose, eref="", extra="")
    amt = ctx.open[it.id]
    return mk(ctx, amt, tx, {it: amt}, "auto", True, "cheque_or_bill_deposit",
              "a cheque / promissory note recorded in the ledger is credited; its document number appears in the text "
              "in another format.", vd=ctx.day + timedelta(days=r.choice([0, 1, 2])))


def b_card_payout(ctx):
    r = ctx.rng
    name, tpl = r.choice(L.ACQUIRER[ctx.lang])
    amt = q(Decimal(r.randint(9000, 480000)) / 100)
    purpose = fill(tpl, d=L.fmt_date(ctx.lang, ctx.day - timedelta(days=1)), id=r.randint(10 ** 6, 10 ** 8))
    tx = dict(kind="ct_in", name=name, iban="", bic="", purpose=purpose, eref="", extra="")
    return mk(ctx, amt, tx, {}, "none", False, "card_settlement",
              "payout of card takings by the acquirer; no open item.")


def b_other_in(ctx):
    r = ctx.rng
    name, text = r.choice(L.OTHER_IN[ctx.lang])
    amt = q(Decimal(r.randint(300, 900000)) / 100)
    if "zinsen" in text.lower() or "INTERES" in text.upper():
        amt = q(Decimal(r.randint(10, 9000)) / 100)
    tx = dict(kind="other_in" if name else "interest", name=name, iban="", bic="", purpose=text, eref="", extra="")
    return mk(ctx, amt, tx, {}, "none", False, "other_income",
              "insurance claim, tax refund, interest or cash deposit; no open item.")


def b_supplier_refund(ctx):
    r, lang = ctx.rng, ctx.lang
    it = ctx.pick([i for i in ctx.items if i.kind == "supplier_credit_note"], lambda i: True, near_due=False)
    if it is None:
        return None
    p = it.party
    kd = {"de": "Kd-Nr.", "es": "CLIENTE", "it": "COD. CLIENTE", "nl": "klantnr"}[lang]
    purpose = fill(r.choice(T(ctx, "refund")), r=it.reference) + f" {kd} {p.our_no}"
    shown = ctx.show(p, p.true_name)[: ctx.w.W["name_limit"]]
    amt = ctx.open[it.id]
    return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {it: amt}, "auto", True, "supplier_refund",
              "a supplier pays out its credit note, quoting it.")


def b_other_known_payer(ctx):
    """A related company that is itself a customer pays another customer's invoice."""
    r, lang = ctx.rng, ctx.lang
    for _ in range(150):
        it = ctx.pick(ctx.customer_invoices, lambda i: plain_ok(i) and ("sister" in i.party.tags or i.party.parent))
        if it is None:
            return None
        p = it.party
        if p.parent:
            rel = [s for s in p.parent.subs if s is not p and ctx.cust_items.get(s.pid)]
        else:
            k = key_core(lang, p.base)[:6]
            rel = [c for c in ctx.w.customers if c is not p and "sister" in c.tags and key_core(lang, c.base)[:6] == k]
        if not rel:
            continue
        payer_p = r.choice(rel)
        amt = ctx.open[it.id]
        if any(ctx.sod[o.id] == amt for o in ctx.party_open(payer_p)):
            continue
        shown, mode = payer(ctx, payer_p)
        if not shown or not ctx.name_designates(shown, payer_p, mode):
            continue
        txt = ref_form(lang, r, it, r.choice(["exact", "exact", "reformatted"]))[0]
        purpose = single_text(ctx, it, txt, "exact")
        return mk(ctx, amt, tx_in(ctx, payer_p, shown, purpose), {it: amt}, "review", True,
                  "paid_by_related_customer",
                  f"{payer_p.name}, itself a customer with its own open items, pays the quoted invoice of the related "
                  f"company {p.name}; the reference is right but the payer is another known party.")
    return None


def b_same_amount_no_hint(ctx):
    """The payer has several open invoices of the same amount and says nothing about which one."""
    r = ctx.rng
    for _ in range(200):
        it = ctx.pick(ctx.customer_invoices, plain_ok, near_due=False)
        if it is None:
            return None
        p = it.party
        rivals = [o for o in ctx.same_amount_rivals(p, it) if o.kind == "invoice"]
        if not rivals:
            continue
        group = sorted([it] + rivals, key=lambda o: (o.due, o.issue, o.id))
        target = group[0]
        if not ctx.avail(target) or ctx.open[target.id] != ctx.sod[target.id]:
            continue
        shown, mode = payer(ctx, p)
        if not shown or not ctx.name_designates(shown, p, mode):
            continue
        amt = ctx.open[target.id]
        purpose = fill(r.choice(no_cust(T(ctx, "generic"))))
        return mk(ctx, amt, tx_in(ctx, p, shown, purpose), {target: amt}, "review", True, "identical_amounts_no_hint",
                  f"no reference; the payer has {len(group)} open invoices of exactly this amount and gives no hint; "
                  "it paid the oldest due, which a person would pick, but nothing in the data designates it.")
    return None
