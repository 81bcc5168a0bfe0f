"""The ledger side of one language world: parties and open items.

Everything here is decided before any bank movement exists.  The movement builders
(`scenarios.py`) only pick from what this module creates; the one exception is that they
read (never change) the `meta` tags set here (instalment plans, contracts, weekly lines...).
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, ROUND_HALF_UP

import langdata as L

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q(x):
    return Decimal(x).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Party:
    pid: str
    role: str                 # customer supplier creditor employee authority holding
    name: str                 # how the ledger spells it (may carry a typo)
    true_name: str            # how the party spells itself (what its bank sends)
    base: str = ""
    form: str = ""
    iban: str = ""
    bic: str = ""
    cc: str = ""
    ledger_iban: bool = False
    parent: "Party" = None
    subs: list = field(default_factory=list)
    our_no: str = ""          # our customer number with a supplier
    swift: bool = False       # pays through correspondent banks (fees deducted)
    style: str = ""           # supplier invoice numbering style / creditor ref style
    tags: set = field(default_factory=set)
    upper: bool = False       # its bank upper-cases names
    translit: bool = False    # its bank strips umlauts / accents

    def __hash__(self):
        return hash(self.pid)


@dataclass
class Item:
    id: str
    kind: str
    account: str
    party: Party
    reference: str
    issue: date
    due: date
    amount: Decimal
    description: str = ""
    open0: Decimal = None
    disc_until: date = None
    disc_rate: Decimal = None
    num: int = 0
    year: int = 0
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.open0 is None:
            self.open0 = self.amount

    def __hash__(self):
        return hash(self.id)


ACCOUNTS = {
    "de": dict(invoice="1400", credit_note="1400", supplier_invoice="1600", supplier_credit_note="1600",
               payroll="1740", tax="1780", social="1742", cheque="1550", transit="1360"),
    "es": dict(invoice="430000", credit_note="430000", supplier_invoice="400000", supplier_credit_note="400000",
               payroll="465000", tax="475000", social="476000", cheque="431000", transit="572900"),
    "it": dict(invoice="110100", credit_note="110100", supplier_invoice="210100", supplier_credit_note="210100",
               payroll="230100", tax="240100", social="240500", cheque="110300", transit="180900"),
    "nl": dict(invoice="1300", credit_note="1300", supplier_invoice="1600", supplier_credit_note="1600",
               payroll="4000", tax="1520", social="1560", cheque="1310", transit="2000"),
}

GOODS = {
    "de": ["Lieferung Antriebswellen", "Ersatzteile Getriebe", "Wartung Kompressoranlage", "Reparatur Förderband",
           "Lieferung Zahnräder", "Montage Hydraulikaggregat", "Servicepauschale", "Lieferung Kugellager",
           "Prüfung UVV", "Lieferung Kupplungen", "Fracht und Verpackung", "Reparatur Motorspindel"],
    "es": ["Suministro rodamientos", "Material eléctrico", "Reparación bomba", "Suministro tornillería",
           "Mantenimiento compresor", "Suministro correas", "Portes", "Recambios maquinaria",
           "Suministro válvulas", "Revisión instalación"],
    "it": ["Fornitura cuscinetti", "Lavorazione alberi", "Ricambi pompe", "Riparazione riduttore",
           "Fornitura bulloneria", "Manutenzione impianto", "Trasporto", "Tornitura particolari",
           "Fornitura guarnizioni", "Assistenza tecnica"],
    "nl": ["Levering installatiemateriaal", "Onderhoud cv-ketel", "Reparatie warmtepomp", "Montage luchtbehandeling",
           "Levering leidingwerk", "Service contract", "Storingsdienst", "Materialen project",
           "Levering radiatoren", "Inregelen installatie"],
}
ORDER_WORD = {"de": "Auftrag AB-{y}-{n:04d}", "es": "Pedido PED-{yy}/{n:04d}", "it": "Ordine n. {n} del {d}",
              "nl": "Order {yy}{n:04d}"}
CN_WORD = {"de": "Gutschrift zu {r}", "es": "Factura rectificativa (abono) de {r}", "it": "Nota di credito su {r}",
           "nl": "Creditnota op {r}"}
CN_STANDALONE = {"de": ["Bonusgutschrift 2025", "Gutschrift Preisdifferenz", "Gutschrift Rücksendung"],
                 "es": ["Abono rappel 2025", "Abono diferencia de precio", "Abono devolución material"],
                 "it": ["Nota di credito premio 2025", "Nota di credito differenza prezzo", "Nota di credito reso"],
                 "nl": ["Creditnota bonus 2025", "Creditnota prijsverschil", "Creditnota retour"]}
SKONTO_TEXT = {
    "de": "Zahlbar bis {due} netto, bei Zahlung bis {du} abzgl. {p} % Skonto",
    "es": "Vencimiento {due}. Descuento pronto pago {p} % si se paga antes del {du}",
    "it": "Scadenza {due}. Sconto cassa {p}% per pagamento entro il {du}",
    "nl": "Betaling binnen {days} dagen: {p}% kredietbeperking, uiterlijk {du}; netto voor {due}",
}
SKONTO_TEXT_ONLY = {
    "de": "{p} % Skonto bei Zahlung innerhalb {days} Tagen, {net} Tage netto",
    "es": "Dto. pronto pago {p} % pagando en {days} días, neto {net} días",
    "it": "Sconto {p}% per pagamento entro {days} giorni, netto {net} giorni",
    "nl": "Bij betaling binnen {days} dagen {p}% korting, netto {net} dagen",
}
INSTAL_TEXT = {"de": "Ratenzahlung vereinbart: {n} Raten", "es": "Pago fraccionado en {n} plazos",
               "it": "Pagamento in {n} rate", "nl": "Betalingsregeling {n} termijnen"}
PARTIAL_BEFORE = {"de": "Teilzahlung erhalten", "es": "Pago parcial recibido", "it": "Acconto ricevuto",
                  "nl": "Deelbetaling ontvangen"}

FOREIGN_CUSTOMERS = {
    "GB": ["Hadley Engineering Ltd", "Brightwater Components Ltd", "Kestrel Drives Ltd", "Pennine Fluid Power Ltd",
           "Thornbury Machine Tools Ltd", "Calder Valley Pumps Ltd", "Ashcombe Packaging Ltd", "Mersey Bearings Ltd"],
    "CH": ["Keller Präzisionstechnik AG", "Bühler Antriebe AG", "Zürcher Maschinen AG", "Meili Fördertechnik AG",
           "Suter Verpackungen AG", "Ammann Gerätebau AG"],
    "NO": ["Nordvik Maskin AS", "Fjordteknikk AS", "Haugland Industri AS", "Solberg Hydraulikk AS"],
    "TR": ["Yilmaz Makina San. ve Tic. A.S.", "Demir Endustri A.S.", "Kaya Otomotiv Ltd. Sti.",
           "Aydin Dokum San. A.S."],
}
FOREIGN_SUPPLIERS = {
    "GB": ["Harwood Bearings Ltd", "Castleford Seals Ltd", "Northgate Instruments Ltd", "Ashby Gear Cutting Ltd",
           "Redhill Fasteners Ltd"],
    "CH": ["Brunner Sensorik AG", "Huber Präzisionsteile AG", "Rheintal Messtechnik AG", "Gisler Hydraulik AG"],
}
NEIGHBOURS = {"de": ["AT", "AT", "FR", "NL", "BE"], "es": ["FR", "FR", "BE", "DE"], "it": ["FR", "AT", "DE", "CH"],
              "nl": ["BE", "BE", "DE", "FR"]}
SUPPLIER_STYLES = {
    "de": ["{y}-{n:04d}", "R{yy}{n:05d}", "RE{n:06d}", "{n:07d}", "RG-{y}/{n:03d}", "VR{y}{n:05d}", "INV-{n:05d}"],
    "es": ["A-{y}-{n:04d}", "F{yy}/{n:05d}", "{n:06d}", "FV{y}{n:04d}", "{yy}-{n:04d}", "FRA{n:05d}"],
    "it": ["{n}/{y}", "{n}/{yy}", "FPR {n}/{yy}", "{y}/{n:05d}", "V{n:04d}", "{n}/E"],
    "nl": ["{y}{n:04d}", "F{y}-{n:04d}", "INV{n:06d}", "{n:07d}", "{yy}.{n:04d}", "VF{n:05d}"],
}
SUPPLIER_TRADES = {
    "de": ["Stahlhandel", "Kunststofftechnik", "Elektrogroßhandel", "Spedition", "Werkzeugbau", "Industrieservice",
           "Gebäudereinigung", "Verpackungstechnik", "Hydraulik", "Oberflächentechnik"],
}


def fmt_inv(lang, year, num, kind="invoice"):
    if lang == "de":
        return f"{'RE' if kind == 'invoice' else 'GS'}-{year}-{num:05d}"
    if lang == "es":
        return f"{'FRA' if kind == 'invoice' else 'ABO'}-{year % 100:02d}/{num:04d}"
    if lang == "it":
        return f"{'FT' if kind == 'invoice' else 'NC'} {year}/{num}"
    return f"{'FACT' if kind == 'invoice' else 'CRN'}-{year % 100:02d}-{num:05d}"


def rf_of(ref):
    """ISO 11649 creditor reference built on a document number."""
    body = "".join(ch for ch in ref.upper() if ch.isalnum())
    num = "".join(str(int(ch, 36)) for ch in body + "RF00")
    return f"RF{98 - int(num) % 97:02d}{body}"


def business_days(start, n):
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def month_end(d):
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def typo(rng, s):
    """One realistic keyboard slip inside a word of at least five letters."""
    words = [i for i, w in enumerate(s.split(" ")) if len(w) >= 5 and w.isalpha()]
    if not words:
        return s
    parts = s.split(" ")
    wi = rng.choice(words)
    w = parts[wi]
    i = rng.randint(1, len(w) - 2)
    op = rng.choice(["swap", "swap", "drop", "double", "sub"])
    if op == "swap" and w[i] != w[i + 1]:
        w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
    elif op == "drop":
        w = w[:i] + w[i + 1:]
    elif op == "double":
        w = w[:i] + w[i] + w[i:]
    else:
        nb = {"a": "s", "e": "r", "i": "o", "o": "i", "u": "i", "n": "m", "m": "n", "r": "t", "t": "r", "s": "a",
              "l": "k", "k": "l", "c": "v", "d": "f", "g": "h", "h": "g", "b": "v", "z": "t", "p": "o"}
        c = w[i].lower()
        r = nb.get(c, "e")
        w = w[:i] + (r.upper() if w[i].isupper() else r) + w[i + 1:]
    parts[wi] = w
    return " ".join(parts)


class World:
    """Parties and open items of one company; `build()` fills everything."""

    def __init__(self, lang, rng, n_items, n_days=10):
        self.lang = lang
        self.rng = rng
        self.n_items = n_items
        self.W = L.WORLD[lang]
        self.days = business_days(self.W["start"], n_days)
        self.start = self.days[0]
        self.end = self.days[-1]
        self.acc = ACCOUNTS[lang]
        self.parties = []
        self.items = []
        self.by_party = {}
        self._keys = set()
        self._pid = {"customer": 0, "supplier": 0, "creditor": 0, "employee": 0, "authority": 0, "holding": 0}
        self.company_iban, self.company_bic = L.gen_iban(rng, self.W["cc"])
        self.contracts = []
        self.weekly = []

    # ---------------------------------------------------------------- parties
    def _new_pid(self, role):
        self._pid[role] += 1
        n = self._pid[role]
        lang = self.lang
        if role == "customer":
            return {"de": f"{10000 + n * 3}", "es": f"C{n:05d}", "it": f"CLI{n:04d}", "nl": f"{20000 + n * 7}"}[lang]
        if role in ("supplier", "creditor"):
            m = self._pid["supplier"] + self._pid["creditor"]
            return {"de": f"{70000 + m * 3}", "es": f"P{m:05d}", "it": f"FOR{m:04d}", "nl": f"{80000 + m * 7}"}[lang]
        if role == "employee":
            return f"PN{n:03d}"
        if role == "holding":
            return f"H{n:03d}"
        return f"AUT{n:02d}"

    def _bank_habits(self, p):
        r = self.rng
        lang = self.lang
        p.upper = r.random() < {"de": 0.45, "es": 0.85, "it": 0.9, "nl": 0.35}[lang]
        p.translit = r.random() < {"de": 0.55, "es": 0.7, "it": 0.85, "nl": 0.9}[lang]

    def add_party(self, role, base, form, cc=None, key_check=True):
        name = f"{base} {form}".strip()
        k = L.key_ue(name)
        if key_check and k in self._keys:
            return None
        self._keys.add(k)
        cc = cc or self.W["cc"]
        iban, bic = L.gen_iban(self.rng, cc) if cc in L.BANKS else ("", "")
        p = Party(self._new_pid(role), role, name, name, base, form, iban, bic, cc)
        self._bank_habits(p)
        self.parties.append(p)
        self.by_party[p.pid] = []
        return p

    def make_customers(self, n):
        r, lang = self.rng, self.lang
        custs = []
        tries = 0
        while len(custs) < n and tries < n * 20:
            tries += 1
            base, form, _holder = L.company_name(lang, r)
            p = self.add_party("customer", base, form)
            if p:
                custs.append(p)
        # sister companies with confusable names
        for src in r.sample(custs, max(2, n // 30)):
            v = r.random()
            if v < 0.4:
                alt_forms = [f for f, _ in L.LEGAL[lang] if f != src.form]
                p = self.add_party("customer", src.base, r.choice(alt_forms))
            elif v < 0.8:
                p = self.add_party("customer", f"{src.base} {r.choice(L.PLACES[lang])}", src.form)
            else:
                p = self.add_party("customer", src.base + " " + {"de": "Service", "es": "Servicios",
                                                                 "it": "Servizi", "nl": "Service"}[lang], src.form)
            if p:
                p.tags.add("sister")
                src.tags.add("sister")
                custs.append(p)
        # groups: a holding pays for its subsidiaries
        for _ in range(max(2, n // 25)):
            sn = r.choice(L.SURNAMES[lang])
            hb, hf = L.holding_name(lang, r, sn.split(" ")[-1] if lang != "nl" else sn)
            h = Party(self._new_pid("holding"), "holding", f"{hb} {hf}", f"{hb} {hf}", hb, hf)
            h.iban, h.bic = L.gen_iban(r, self.W["cc"])
            h.cc = self.W["cc"]
            self._bank_habits(h)
            for _ in range(r.choice([2, 2, 3])):
                t = r.choice(L.TRADES[lang])
                base = r.choice([f"{sn} {t}", f"{t} {sn}", f"{sn} {t} {r.choice(L.PLACES[lang])}"])
                if lang == "nl":
                    base = base[0].upper() + base[1:]
                form = r.choice([f for f, _ in L.LEGAL[lang][:4]])
                p = self.add_party("customer", base, form)
                if p:
                    p.parent = h
                    h.subs.append(p)
                    custs.append(p)
            if h.subs:
                self.parties.append(h)
        # foreign customers
        for _ in range(max(3, n // 14)):
            cc = r.choice(NEIGHBOURS[lang]) if r.random() < 0.55 else r.choice(["GB", "CH", "NO", "TR"])
            if cc in FOREIGN_CUSTOMERS:
                nm = r.choice(FOREIGN_CUSTOMERS[cc])
                base, form = nm.rsplit(" ", 1) if " " in nm else (nm, "")
            else:
                base, form, _ = L.company_name(lang, r)
            p = self.add_party("customer", base, form, cc=cc)
            if p:
                p.swift = cc in ("GB", "CH", "NO", "TR")
                p.tags.add("foreign")
                custs.append(p)
        for p in custs:
            p.ledger_iban = r.random() < 0.5
            if r.random() < 0.035 and "sister" not in p.tags:
                t = typo(r, p.base)
                if t != p.base:
                    p.name = f"{t} {p.form}".strip()
                    p.tags.add("ledger_typo")
        return custs

    def make_suppliers(self, n):
        r, lang = self.rng, self.lang
        sups = []
        tries = 0
        while len(sups) < n and tries < n * 20:
            tries += 1
            cc = self.W["cc"] if r.random() < 0.85 else r.choice(NEIGHBOURS[lang] + ["GB", "CH"])
            if cc in FOREIGN_SUPPLIERS:
                base, form = r.choice(FOREIGN_SUPPLIERS[cc]).rsplit(" ", 1)
            else:
                base, form, _ = L.company_name(lang, r)
            p = self.add_party("supplier", base, form, cc=cc)
            if p:
                p.style = r.choice(SUPPLIER_STYLES[lang])
                p.our_no = str(r.randint(10000, 999999))
                p.ledger_iban = r.random() < 0.92
                p.swift = cc in ("GB", "CH")
                p.tags.add("skonto" if r.random() < 0.25 else "net")
                sups.append(p)
        return sups

    # ---------------------------------------------------------------- items
    def _add(self, it):
        self.items.append(it)
        self.by_party.setdefault(it.party.pid, []).append(it)
        return it

    def _amount(self):
        r = self.rng
        if r.random() < 0.28:
            return Decimal(r.choice(self.W["price_list"]))
        net = Decimal(str(round(math.exp(r.uniform(math.log(35), math.log(14000))), 2)))
        if r.random() < 0.25:
            net = Decimal(int(net / 10) * 10 or 10)
        return q(net * (1 + Decimal(self.W["vat"])))

    def _issue_date(self):
        r = self.rng
        x = r.random()
        if x < 0.07:
            return r.choice(self.days[:-2])
        if x < 0.52:
            age = r.randint(1, 30)
        elif x < 0.77:
            age = r.randint(31, 60)
        elif x < 0.92:
            age = r.randint(61, 100)
        else:
            age = r.randint(101, 200)
        d = self.start - timedelta(days=age)
        while d.weekday() >= 5:
            d -= timedelta(days=1)
        return d

    def _due(self, issue, term):
        if self.lang == "it":
            return month_end(issue + timedelta(days=term))
        return issue + timedelta(days=term)

    def _order_text(self, issue):
        r = self.rng
        n = r.randint(100, 2999)
        return ORDER_WORD[self.lang].format(y=issue.year, yy=issue.year % 100, n=n, d=L.fmt_date(self.lang, issue))

    def make_customer_items(self, custs, n_inv, n_cn):
        r, lang = self.rng, self.lang
        weights = [min(r.paretovariate(1.15), 60) * (3 if p.swift else 1) for p in custs]
        terms = {p.pid: r.choice(self.W["terms"]) for p in custs}
        skonto_mode = {}
        for p in custs:
            x = r.random()
            if x < self.W["skonto_share"]:
                skonto_mode[p.pid] = "cols"
            elif x < self.W["skonto_share"] * 1.35:
                skonto_mode[p.pid] = "text"
        invs = []
        picks = r.choices(custs, weights, k=n_inv)
        for p in picks:
            issue = self._issue_date()
            amt = self._amount()
            term = terms[p.pid]
            it = Item("", "invoice", self.acc["invoice"], p, "", issue, self._due(issue, term), amt)
            order = self._order_text(issue)
            it.meta["order"] = order
            desc = f"{r.choice(GOODS[lang])} {order}"
            mode = skonto_mode.get(p.pid)
            if mode:
                days = r.choice([10, 10, 10, 14, 8])
                rate = Decimal("0.02") if r.random() < 0.85 else Decimal("0.03")
                du = issue + timedelta(days=days)
                p_txt = str((rate * 100).normalize())
                if mode == "cols":
                    it.disc_until, it.disc_rate = du, rate
                    desc += ". " + SKONTO_TEXT[lang].format(due=L.fmt_date(lang, it.due), du=L.fmt_date(lang, du),
                                                           p=p_txt, days=days)
                else:
                    desc += ". " + SKONTO_TEXT_ONLY[lang].format(p=p_txt, days=days, net=term)
                it.meta["skonto"] = (du, rate, mode)
            it.description = desc
            invs.append(it)
        # earlier partial payments and instalment plans (before the window)
        older = [i for i in invs if i.issue < self.start - timedelta(days=20)]
        for it in r.sample(older, min(len(older), max(1, n_inv // 40))):
            paid = q(it.amount * Decimal(r.choice(["0.5", "0.3", "0.25", "0.6"])))
            if r.random() < 0.4:
                paid = Decimal(max(50, int(it.amount / 2 / 100) * 100))
            if paid < it.amount:
                it.open0 = it.amount - paid
                it.description += f". {PARTIAL_BEFORE[lang]} {L.fmt_num(lang, paid)}"
                it.meta["prior_partial"] = True
        for it in r.sample(older, min(len(older), max(1, n_inv // 90))):
            if it.meta.get("prior_partial") or it.amount < 300 or "skonto" in it.meta:
                continue
            n = r.choice([2, 3, 3, 4, 6])
            k = r.randint(2, n)
            rate = q(it.amount / n)
            it.open0 = it.amount - rate * (k - 1)
            it.meta["instal"] = (k, n, rate)
            it.description += ". " + INSTAL_TEXT[lang].format(n=n)
        # credit notes
        cns = []
        for _ in range(n_cn):
            if r.random() < 0.65:
                inv = r.choice(invs)
                p = inv.party
                issue = min(max(inv.issue + timedelta(days=r.randint(2, 25)), inv.issue), self.end)
                if issue > self.end - timedelta(days=2):
                    issue = inv.issue
                amt = -q(inv.amount * Decimal(r.choice(["0.1", "0.2", "0.25", "0.5", "0.15", "1"])))
                if inv.amount == -amt:
                    amt = -q(inv.amount * Decimal("0.4"))
                cn = Item("", "credit_note", self.acc["credit_note"], p, "", issue, issue, amt)
                cn.meta["for"] = inv
            else:
                p = r.choices(custs, weights)[0]
                issue = self._issue_date()
                amt = -q(Decimal(r.choice(["50", "75", "100", "119", "150", "200", "238", "250", "300", "500"]))
                         * (Decimal(1) if r.random() < 0.5 else 1 + Decimal(self.W["vat"])))
                cn = Item("", "credit_note", self.acc["credit_note"], p, "", issue, issue, amt)
                cn.meta["standalone"] = True
            cns.append(cn)
        self._number(invs, "invoice")
        self._number(cns, "credit_note")
        for cn in cns:
            if "for" in cn.meta:
                cn.description = CN_WORD[lang].format(r=cn.meta["for"].reference)
            else:
                cn.description = r.choice(CN_STANDALONE[lang])
        for it in invs + cns:
            self._add(it)
        return invs, cns

    def _number(self, docs, kind):
        """Sequential numbers per year in issue order, with the gaps of documents already paid."""
        r = self.rng
        docs.sort(key=lambda d: d.issue)
        # documents per day the company issues in total (paid ones included)
        span = max(1, (self.end - min(d.issue for d in docs)).days) if docs else 1
        rate = max(2, int(len(docs) / span * 2.4)) if kind == "invoice" else max(1, int(len(docs) / span * 2))
        byday = {}
        for d in docs:
            byday.setdefault(d.issue, []).append(d)
        last = {}
        for day in sorted(byday):
            lst = byday[day]
            y = day.year
            doy = (day - date(y, 1, 1)).days
            lo = max(last.get(y, 0) + 1, rate * doy + 1)
            hi = max(lo + len(lst) * 2, rate * (doy + 1))
            nums = sorted(r.sample(range(lo, hi + 1), len(lst)))
            for d, n in zip(lst, nums):
                d.num, d.year = n, y
                d.reference = fmt_inv(self.lang, y, n, kind)
                d.id = d.reference
            last[y] = nums[-1]

    def make_supplier_items(self, sups, n_inv, n_cn):
        r, lang = self.rng, self.lang
        out = []
        counters = {p.pid: r.randint(20, 9000) for p in sups}
        for i in range(n_inv):
            p = r.choice(sups)
            issue = self._issue_date()
            if issue > self.days[5]:
                issue = self.days[r.randint(0, 4)]
            counters[p.pid] += r.randint(1, 40)
            n = counters[p.pid]
            ref = p.style.format(y=issue.year, yy=issue.year % 100, n=n)
            amt = -self._amount()
            term = r.choice([14, 30, 30, 30, 60]) if lang in ("de", "nl") else r.choice([30, 60, 60, 90])
            it = Item(f"{self.W['sup_id']}-{issue.year}-{i + 1:05d}", "supplier_invoice", self.acc["supplier_invoice"],
                      p, ref, issue, self._due(issue, term), amt)
            it.description = f"{r.choice(GOODS[lang])}"
            if "skonto" in p.tags:
                it.disc_until = issue + timedelta(days=10)
                it.disc_rate = Decimal("0.02")
            out.append(it)
        for i in range(n_cn):
            p = r.choice(sups)
            issue = self._issue_date()
            counters[p.pid] += 1
            amt = q(Decimal(r.randint(20, 900)) * (1 + Decimal(self.W["vat"])))
            it = Item(f"{self.W['sup_id']}G-{issue.year}-{i + 1:04d}", "supplier_credit_note",
                      self.acc["supplier_credit_note"], p, "G" + p.style.format(y=issue.year, yy=issue.year % 100,
                                                                                  n=counters[p.pid]),
                      issue, issue + timedelta(days=14), amt)
            it.description = CN_STANDALONE[lang][0]
            out.append(it)
        for it in out:
            self._add(it)
        return out

    def make_dd_creditors(self):
        r, lang = self.rng, self.lang
        creds = []
        for name, has_items, style, (lo, hi) in L.DD_CREDITORS[lang]:
            base, form = name, ""
            for f, _ in L.LEGAL.get(lang, []):
                if name.endswith(" " + f):
                    base, form = name[: -len(f) - 1], f
                    break
            p = self.add_party("creditor", base, form, key_check=False)
            p.name = p.true_name = name
            p.style = style
            p.tags.add("items" if has_items else "noitems")
            p.our_no = str(r.randint(10 ** 9, 10 ** 10 - 1))
            p.meta_range = (lo, hi)
            p.cred_id = self._cred_id(p)
            p.mandate = f"{r.choice(['M', 'MR', 'SEPA', ''])}{r.randint(10 ** 6, 10 ** 9)}"
            creds.append(p)
        return creds

    def _cred_id(self, p):
        r = self.rng
        cc = self.W["cc"]
        body = {"DE": f"ZZZ0000{r.randint(10 ** 6, 10 ** 7 - 1)}", "ES": f"000B{r.randint(10 ** 7, 10 ** 8 - 1)}",
                "IT": f"0010000{r.randint(10 ** 9, 10 ** 10 - 1)}", "NL": f"ZZZ{r.randint(10 ** 11, 10 ** 12 - 1)}"}[cc]
        return f"{cc}{r.randint(10, 98)}{body}"

    def creditor_ref(self, p, period):
        r = self.rng
        s = p.style
        if s == "num12":
            return f"{r.randint(10 ** 11, 10 ** 12 - 1)}"
        if s == "num10":
            return f"{r.randint(10 ** 9, 10 ** 10 - 1)}"
        if s == "num8":
            return f"{r.randint(10 ** 7, 10 ** 8 - 1)}"
        if s == "tf":
            return f"TA{r.choice('ABCDEFGH')}{r.randint(1, 9)}C{r.randint(10 ** 6, 10 ** 7 - 1)}"
        if s == "tim":
            return f"8A{r.randint(10 ** 7, 10 ** 8 - 1)}"
        if s == "lv":
            return f"LV-{r.randint(1000, 9999)}-{period}"
        if s == "sw":
            return f"VK{r.randint(10 ** 8, 10 ** 9 - 1)}/{period}"
        return f"{r.randint(10 ** 7, 10 ** 8 - 1)}"

    def make_dd_items(self, creds):
        r = self.rng
        out = []
        for p in creds:
            if "items" not in p.tags:
                continue
            lo, hi = p.meta_range
            for k in range(r.choice([1, 1, 2])):
                due = r.choice(self.days) if k == 0 else self.end + timedelta(days=r.randint(5, 20))
                issue = due - timedelta(days=r.randint(7, 14))
                period = f"{issue.month:02d}/{issue.year % 100:02d}"
                ref = self.creditor_ref(p, period)
                amt = -q(Decimal(r.randint(lo, hi)) / 100)
                it = Item(f"{self.W['sup_id']}-DD-{len(out) + 1:04d}", "supplier_invoice", self.acc["supplier_invoice"],
                          p, ref, issue, due, amt)
                it.description = f"{p.name} {period}"
                it.meta["dd"] = True
                out.append(self._add(it))
        return out

    def make_weekly(self, sups):
        """A few suppliers billing an identical amount every week; several weeks still open."""
        r, lang = self.rng, self.lang
        out = []
        for p in r.sample(sups, min(len(sups), max(3, self.n_items // 1200))):
            p.tags.add("weekly")
            amt = -q(Decimal(r.choice([1190, 1428, 595, 833, 2380, 714])) * (Decimal(1) if lang == "de" else
                                                                             Decimal("1.05")))
            nweeks = r.choice([3, 4])
            fridays = [self.start - timedelta(days=3 + 7 * k) for k in range(nweeks)][::-1]
            fridays.append(self.start + timedelta(days=4))
            for fr in fridays:
                kw = fr.isocalendar()[1]
                ref = {"de": f"WA-{fr.year}-KW{kw:02d}", "es": f"S{kw:02d}-{fr.year}",
                       "it": f"SETT. {kw:02d}/{fr.year}", "nl": f"WK{fr.year}{kw:02d}"}[lang]
                desc = L.TPL[lang]["weekly_kw"].format(kw=kw, Y=fr.year)
                it = Item(f"{self.W['sup_id']}-W{p.pid}-{kw:02d}", "supplier_invoice", self.acc["supplier_invoice"],
                          p, ref, fr, fr + timedelta(days=4), amt, desc)
                it.meta["kw"] = kw
                out.append(self._add(it))
            self.weekly.append(p)
        return out

    def make_contracts(self, custs, n):
        """Customers renting a machine or paying a service fee: identical monthly invoices."""
        r, lang = self.rng, self.lang
        out = []
        months = []
        m = date(self.start.year, self.start.month, 1)
        for k in range(4):
            months.append(m)
            m = date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)
        months.reverse()       # oldest first, current month last
        nxt = date(self.start.year + (self.start.month == 12), self.start.month % 12 + 1, 1)
        if (nxt - self.end).days <= 6:
            months.append(nxt)
        for p in r.sample(custs, min(len(custs), n)):
            if p.parent or "foreign" in p.tags:
                continue
            cno = r.randint(1000, 9899)
            labels = [x for x in self.W["contract_items"] if lang not in ("de", "nl") or x.startswith(("Miet", "Huur"))]
            label = r.choice(labels).format(n=cno)
            cid = next((t for t in label.split() if str(cno) in t), str(cno))
            word = self.W["contract_word"]
            amt = Decimal(r.choice(["238.00", "357.00", "476.00", "595.00", "1190.00", "714.00", "892.50", "1785.00"]))
            if lang != "de":
                amt = q(amt / Decimal("1.19") * (1 + Decimal(self.W["vat"])))
            k_open = r.choice([2, 2, 3, 3, 4])
            open_months = months[-k_open:]
            for mo in open_months:
                issue = mo - timedelta(days=r.randint(3, 8))
                it = Item("", "invoice", self.acc["invoice"], p, "", issue, mo + timedelta(days=2), amt)
                mname = L.MONTHS[lang][mo.month - 1]
                it.description = f"{word[0].upper() + word[1:]} {mname} {mo.year} - {label}"
                it.meta["month"] = mo
                it.meta["contract"] = cid
                out.append(it)
            p.tags.add("contract")
            self.contracts.append(p)
        return out

    def make_employees(self, n):
        r, lang = self.rng, self.lang
        out = []
        pd = self.W["payroll_day"]
        period = pd if lang != "it" else date(pd.year, pd.month - 1, 1)
        pns = r.sample(range(1, 480), n)
        for i in range(n):
            fn, sn = L.person_name(lang, r)
            name = f"{fn} {sn}" if lang != "nl" else f"{fn} {sn[0].upper() + sn[1:]}"
            p = self.add_party("employee", name, "", key_check=False)
            p.pn = f"{pns[i]:03d}"
            amt = -q(Decimal(r.randint(145000, 420000)) / 100)
            mm = f"{period.month:02d}/{period.year}"
            ref = {"de": f"LG-{period.year}-{period.month:02d}-{p.pn}", "es": f"NOM-{period.year % 100}{period.month:02d}-{p.pn}",
                   "it": f"CED-{period.year}-{period.month:02d}-{p.pn}", "nl": f"SAL-{period.year}{period.month:02d}-{p.pn}"}[lang]
            desc = {"de": f"Lohn/Gehalt {mm} {name} PNr {p.pn}", "es": f"Nómina {L.MONTHS[lang][period.month - 1]} {period.year} {name}",
                    "it": f"Stipendio {L.MONTHS[lang][period.month - 1]} {period.year} {name}",
                    "nl": f"Salaris {L.MONTHS[lang][period.month - 1]} {period.year} {name}"}[lang]
            it = Item(ref, "entry", self.acc["payroll"], p, ref, pd - timedelta(days=2), pd, amt, desc)
            it.meta["period"] = period
            out.append(self._add(it))
        return out

    def make_authority_items(self):
        """Taxes and social charges; most are booked as entries waiting for the bank, some are not."""
        r, lang = self.rng, self.lang
        out = []
        known = {}
        self.obligations = []

        def authority(name):
            if name not in known:
                known[name] = self.add_party("authority", name, "", key_check=False)
            return known[name]
        specs = [("tax", n, t) for n, t in L.TAX[lang]] + [("social", n, t) for n, t in L.SOCIAL[lang]]
        for i, (kind, name, text) in enumerate(specs):
            p = authority(name)
            if kind == "tax":
                booked = i < len(L.TAX[lang]) - 1 or r.random() < 0.5
                amount = -q(Decimal(r.randint(80000, 2400000)) / 100)
                day = r.choice(self.W["tax_days"])
            else:
                booked = r.random() < 0.6
                amount = -q(Decimal(r.randint(150000, 1800000)) / 100)
                day = r.choice(self.W["social_days"])
            item = None
            if booked:
                ref = f"{'TAX' if kind == 'tax' else 'SV'}-{self.start.year}-{i + 1:02d}"
                item = Item(ref, "entry", self.acc[kind], p, ref, self.start - timedelta(days=r.randint(1, 6)), day,
                            amount, f"{name} {text.split('{')[0].strip()}")
                out.append(self._add(item))
            self.obligations.append((kind, p, text, amount, day, item))
        return out

    def make_cheques(self, custs, n):
        """Cheques / pagarés / assegni received from customers, recorded, waiting to be credited."""
        r, lang = self.rng, self.lang
        out = []
        custs = [c for c in custs if c.cc == self.W["cc"]]
        for i in range(n):
            p = r.choice(custs)
            num = r.randint(10 ** 6, 10 ** 8) if lang != "de" else r.randint(1000, 99999)
            amt = self._amount()
            recv = self.start - timedelta(days=r.randint(3, 60))
            due = r.choice(self.days) if lang == "es" else recv
            pref = {"de": "SCK", "es": "PAG", "it": "ASS", "nl": "CHQ"}[lang]
            ref = f"{pref}-{num}"
            desc = {"de": f"Scheck Nr. {num} von {p.name}", "es": f"Pagaré nº {num} de {p.name} vto. {L.fmt_date(lang, due)}",
                    "it": f"Assegno n. {num} ricevuto da {p.name}", "nl": f"Cheque {num} {p.name}"}[lang]
            it = Item(ref, "entry", self.acc["cheque"], p, ref, recv, due, amt, desc)
            it.meta["cheque"] = num
            out.append(self._add(it))
        return out

    def make_batches(self):
        """Our own collection runs and payment runs, booked as one transit entry each."""
        r, lang = self.rng, self.lang
        out = []
        for k in range(2):
            n = r.randint(12, 60)
            amt = q(Decimal(r.randint(800000, 6500000)) / 100)
            d = self.days[2 + 4 * k]
            no = r.randint(10, 99) + 40 * k
            ref = {"de": f"LS-{d.year}-{no:04d}", "es": f"REM-{d.year}-{no:04d}", "it": f"DIST-RIBA-{no}",
                   "nl": f"INC-{d.year}-{no:04d}"}[lang]
            desc = {"de": f"SEPA-Lastschrifteinzug {n} Posten", "es": f"Remesa recibos SEPA {n} recibos",
                    "it": f"Distinta RiBa n. {no} - {n} effetti", "nl": f"Incassobatch {n} posten"}[lang]
            it = Item(ref, "entry", self.acc["transit"], self._self_party(), ref, d - timedelta(days=3), d, amt, desc)
            it.meta["batch_in"] = (no, n)
            out.append(self._add(it))
        for k in range(2):
            n = r.randint(8, 40)
            amt = -q(Decimal(r.randint(1500000, 9500000)) / 100)
            d = self.days[1 + 5 * k]
            ref = {"de": f"ZL-{d:%Y%m%d}", "es": f"ORD-{d:%Y%m%d}", "it": f"DISP-{d:%Y%m%d}", "nl": f"BATCH-{d:%Y%m%d}"}[lang]
            desc = {"de": f"Zahllauf {L.fmt_date(lang, d)} {n} Posten", "es": f"Remesa transferencias {n} órdenes",
                    "it": f"Disposizione cumulativa {n} bonifici", "nl": f"Betaalbatch {n} posten"}[lang]
            it = Item(ref, "entry", self.acc["transit"], self._self_party(), ref, d - timedelta(days=1), d, amt, desc)
            it.meta["batch_out"] = (d, n)
            out.append(self._add(it))
        return out

    def _self_party(self):
        if not hasattr(self, "_me"):
            self._me = Party("", "self", "", "", "")
        return self._me

    # ---------------------------------------------------------------- all
    def build(self):
        n = self.n_items
        lang = self.lang
        r = self.rng
        n_cust = max(40, int(n / 5.2))
        custs = self.make_customers(n_cust)
        sups = self.make_suppliers(max(15, n // 26))
        creds = self.make_dd_creditors()
        n_emp = max(8, min(40, n // 90))
        self.make_employees(n_emp)
        self.make_authority_items()
        self.make_batches()
        n_chq = {"de": n // 400, "es": n // 110, "it": n // 170, "nl": 0}[lang]
        if n_chq:
            self.make_cheques(custs, n_chq)
        self.make_dd_items(creds)
        self.make_weekly(sups)
        contract_items = self.make_contracts([c for c in custs if "sister" not in c.tags], max(6, n // 70))
        n_sup_inv = int(n * 0.14)
        n_sup_cn = max(2, n // 160)
        self.make_supplier_items(sups, n_sup_inv, n_sup_cn)
        n_cn = max(6, int(n * 0.03))
        n_inv = n - len(self.items) - n_cn - len(contract_items)
        invs, cns = self.make_customer_items(custs, max(30, n_inv), n_cn)
        # contract invoices get their numbers with the others (numbering is by issue date)
        allinv = invs + contract_items
        for it in invs:
            it.num = 0
        self._renumber(allinv)
        for it in contract_items:
            self._add(it)
        for cn in cns:
            if "for" in cn.meta:
                cn.description = CN_WORD[lang].format(r=cn.meta["for"].reference)
        if lang in ("de", "nl"):
            rf_parties = set(p.pid for p in custs if r.random() < 0.12)
            for it in allinv:
                if it.party.pid in rf_parties:
                    it.meta["rf"] = rf_of(it.reference)
                    it.description += {"de": f". Zahlungsreferenz {it.meta['rf']}",
                                       "nl": f". Betalingskenmerk {it.meta['rf']}"}[lang]
        self.customers = [c for c in custs if self.by_party.get(c.pid)]
        self.suppliers = sups
        self.creditors = creds
        self.holdings = [p for p in self.parties if p.role == "holding"]
        return self

    def _renumber(self, invs):
        for it in invs:
            it.reference = it.id = ""
        self._number(invs, "invoice")
