#!/usr/bin/env python3
"""French B2B cash application — adversarial evaluation set.

    python generate.py --seed 1 --out DIR [--movements 2000] [--items 15000]
                       [--days 10] [--format camt|csv]

Writes DIR/items.csv, DIR/statements/NN.xml (camt.053.001.08, one file per
business day) or DIR/statements/NN.csv (canonical CSV), DIR/truth.jsonl.

Standard library only; every amount is a Decimal; deterministic for a seed.
The world: a French company (customers C..., suppliers F...) with one bank
account receiving SEPA transfers, cheque remittances, LCR, card settlements,
and paying suppliers, taxes, payroll, loans.  See PHENOMENA.md and README.md.
"""
from __future__ import annotations

import argparse
import bisect
import csv
import json
import os
import random
import unicodedata
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

D = Decimal
CENT = D("0.01")
ZERO = D("0.00")


def q(x) -> Decimal:
    return D(x).quantize(CENT, ROUND_HALF_UP)


def cents(x: Decimal) -> int:
    return int((x * 100).to_integral_value())


def fmt_amt(x: Decimal) -> str:
    return str(q(x))


def fr_amt(x: Decimal) -> str:
    """1234.5 -> '1 234,50' (how a payer types an amount in French)."""
    s = "{:,.2f}".format(abs(x)).replace(",", " ").replace(".", ",")
    return s


# ---------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------

MONTHS = ["JANVIER", "FEVRIER", "MARS", "AVRIL", "MAI", "JUIN", "JUILLET",
          "AOUT", "SEPTEMBRE", "OCTOBRE", "NOVEMBRE", "DECEMBRE"]
MONTHS_LEDGER = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
                 "août", "septembre", "octobre", "novembre", "décembre"]
MONTHS_SHORT = ["JANV", "FEV", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOUT",
                "SEPT", "OCT", "NOV", "DEC"]


FR_HOLIDAYS = {date(2025, 1, 1), date(2025, 4, 21), date(2025, 5, 1), date(2025, 5, 8), date(2025, 5, 29),
               date(2025, 6, 9), date(2025, 7, 14), date(2025, 8, 15), date(2025, 11, 1), date(2025, 11, 11),
               date(2025, 12, 25), date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8),
               date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15), date(2026, 11, 1),
               date(2026, 11, 11), date(2026, 12, 25)}


def is_bday(d: date) -> bool:
    return d.weekday() < 5 and d not in FR_HOLIDAYS


def add_bdays(d: date, n: int) -> date:
    step = 1 if n >= 0 else -1
    while n:
        d += timedelta(days=step)
        if is_bday(d):
            n -= step
    return d


def next_bday(d: date) -> date:
    while not is_bday(d):
        d += timedelta(days=1)
    return d


def end_of_month(d: date) -> date:
    nm = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nm - timedelta(days=1)


def month_start(y: int, m: int) -> date:
    return date(y, m, 1)


def add_months(y: int, m: int, k: int):
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

def ascii_upper(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("'", " ").replace("’", " ").replace("&", "ET")
    s = s.upper()
    out = []
    for c in s:
        out.append(c if (c.isalnum() or c in " -./") else " ")
    return " ".join("".join(out).split())


LEGAL_FORMS = {"SAS", "SARL", "SA", "EURL", "SASU", "SNC", "SCI", "SELARL", "SCOP", "SCA",
               "LTD", "PLC", "GMBH", "AG", "NV", "SRL", "BV", "SPRL"}


def name_key(s: str) -> str:
    """Normalised name without legal forms and without spaces (for checks)."""
    s = ascii_upper(s).replace("-", " ").replace(".", " ").replace("/", " ")
    toks = [t for t in s.split() if t not in LEGAL_FORMS]
    return "".join(toks)


def levenshtein(a: str, b: str, cap: int = 3) -> int:
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > cap:
            return cap + 1
        prev = cur
    return prev[-1]


def maybe_close(a: str, b: str) -> bool:
    """Necessary condition for an edit distance <= 2: one of three chunks of a is
    untouched and appears in b (pigeonhole)."""
    t = max(1, len(a) // 3)
    return a[:t] in b or a[t:2 * t] in b or a[2 * t:] in b


def damerau1(a: str, b: str) -> bool:
    """True when a and b differ by exactly one substitution or adjacent swap."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        i = diff[0]
        return a[i] == b[i + 1] and a[i + 1] == b[i]
    return False


# ---------------------------------------------------------------------------
# IBAN / RF
# ---------------------------------------------------------------------------

def _mod97(s: str) -> int:
    num = "".join(str(int(c, 36)) for c in s)
    return int(num) % 97


def make_iban(country: str, bban: str) -> str:
    chk = 98 - _mod97(bban + country + "00")
    return "%s%02d%s" % (country, chk, bban)


FR_BANKS = [30004, 30003, 30002, 30066, 10278, 11315, 13335, 14505, 16606, 17515,
            18206, 20041, 10107, 10057, 12506, 13507, 15589, 16958, 11306, 13825]


def fr_iban(rng) -> str:
    bank = rng.choice(FR_BANKS)
    guichet = rng.randrange(100, 99999)
    acct = rng.randrange(10 ** 9, 10 ** 11)
    key = 97 - ((89 * bank + 15 * guichet + 3 * acct) % 97)
    return make_iban("FR", "%05d%05d%011d%02d" % (bank, guichet, acct, key))


def foreign_iban(rng, country: str) -> str:
    if country == "BE":
        first = rng.randrange(10 ** 8, 10 ** 10)
        chk = first % 97 or 97
        return make_iban("BE", "%010d%02d" % (first, chk))
    if country == "DE":
        return make_iban("DE", "%08d%010d" % (rng.randrange(10 ** 7, 10 ** 8), rng.randrange(10 ** 9)))
    if country == "CH":
        return make_iban("CH", "%05d%012d" % (rng.randrange(100, 99999), rng.randrange(10 ** 11)))
    if country == "GB":
        bank = rng.choice(["NWBK", "BARC", "LOYD", "MIDL", "HBUK"])
        return make_iban("GB", "%s%06d%08d" % (bank, rng.randrange(10 ** 5, 10 ** 6), rng.randrange(10 ** 7, 10 ** 8)))
    if country == "LU":
        return make_iban("LU", "%03d%013d" % (rng.randrange(1, 999), rng.randrange(10 ** 12)))
    return fr_iban(rng)


def rf_reference(body: str) -> str:
    body = body.upper()
    chk = 98 - _mod97(body + "RF00")
    return "RF%02d%s" % (chk, body)


def rf_spaced(rf: str) -> str:
    return " ".join(rf[i:i + 4] for i in range(0, len(rf), 4))


# ---------------------------------------------------------------------------
# Subset counting with big-int bitsets (0, 1 or 2 = "two or more")
# ---------------------------------------------------------------------------

def count_subsets(amounts, target) -> int:
    """How many sub-multisets of `amounts` (Decimals, any sign) sum to target.
    Returns 0, 1 or 2 (2 meaning at least two)."""
    vals = [cents(a) for a in amounts if a != 0]
    t = cents(target)
    neg = sum(-v for v in vals if v < 0)
    pos = sum(v for v in vals if v > 0)
    if t + neg < 0 or t > pos:
        return 0
    once, twice = 1 << neg, 0
    for v in vals:
        if v > 0:
            so, st = once << v, twice << v
        else:
            so, st = once >> (-v), twice >> (-v)
        twice = twice | st | (once & so)
        once = once | so
    bit = t + neg
    if (twice >> bit) & 1:
        return 2
    return (once >> bit) & 1


# ---------------------------------------------------------------------------
# Name material
# ---------------------------------------------------------------------------

SURNAMES = """Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon
Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André
Lefèvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau
Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont
Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval
Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Pérez Marchand Dufour
Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard
Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard
Gaillard Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Hubert Louis Charles
Guillot Rivière Guillaume Adam Rey Moulin Gonzalez Berger Lecomte Ménard Fleury
Deschamps Carpentier Julien Benoît Maillard Marchal Aubry Vasseur Renault Jacquet
Collet Prévost Poirier Charpentier Royer Huet Baron Dupuy Pons Paul Laine Carré Breton
Rémy Schneider Perrot Guyot Barre Marty Cousin Martineau Dupré Lebrun Texier Besson
Hamon Chauvin Tessier Millet Bailly Hoarau Pasquier Bouvier Ledoux Gilbert Weber Klein
Marchetti Langlois Riviere Bertin Delmas Fabre Pichon Chauvet Bouchet Lagarde Gomez
Benard Ferrand Camus Briand Cordier Rousset Tanguy Le_Goff Kerjean Le_Bihan Cadiou""".split()
SURNAMES = list(dict.fromkeys(x.replace("_", " ") for x in SURNAMES))

ACTIVITIES = ["Transports", "Boulangerie", "Garage", "Plomberie", "Menuiserie", "Électricité",
              "Bâtiment", "Pharmacie", "Cabinet", "Imprimerie", "Charpente", "Couverture",
              "Peinture", "Nettoyage", "Logistique", "Informatique", "Conseil", "Distribution",
              "Maintenance", "Froid Industriel", "Chauffage", "Travaux Publics", "Paysages",
              "Hôtel", "Restaurant", "Boucherie", "Fromagerie", "Librairie", "Optique",
              "Ambulances", "Taxis", "Architecture", "Laboratoire", "Serrurerie",
              "Carrosserie", "Métallerie", "Terrassement", "Isolation", "Vitrerie",
              "Climatisation", "Déménagements", "Traiteur", "Fleurs", "Primeurs",
              "Matériaux", "Outillage", "Emballages", "Sécurité", "Formation", "Pneus"]

BRAND_PRE = ["Nova", "Techni", "Bati", "Agro", "Eco", "Proxi", "Hydro", "Electro", "Logi",
             "Info", "Medi", "Trans", "Alti", "Euro", "Inter", "Multi", "Digi", "Optim",
             "Sigma", "Delta", "Omega", "Atlas", "Azur", "Cap", "Vert", "Alpi", "Armor",
             "Océa", "Sola", "Therm", "Flexi", "Quali", "Provi", "Metal", "Plasti", "Ambre",
             "Iron", "Cristal", "Orbi", "Vecto", "Neo", "Ultra", "Sud", "Nord", "Ouest", "Est"]
BRAND_SUF = ["tec", "log", "com", "plus", "serv", "bat", "med", "net", "sys", "pro", "vision",
             "concept", "wood", "line", "form", "flux", "tech", "nova", "data", "sol", "ma",
             "gaz", "lux", "dis", "pack", "fer", "par", "ic", "eo", "ia"]
BRAND_TAIL = ["Solutions", "Services", "Industrie", "Équipement", "Distribution", "Énergie",
              "Ingénierie", "Systèmes", "Conseil", "Networks", "Technologies", "Environnement",
              "Développement", "Engineering", "Matériaux", "Logistique", "Santé", "Immobilier"]
CITIES = ["Lyon", "Marseille", "Bordeaux", "Nantes", "Lille", "Rennes", "Toulouse", "Grenoble",
          "Strasbourg", "Montpellier", "Dijon", "Angers", "Tours", "Limoges", "Normandie",
          "Bretagne", "Provence", "Alsace", "Auvergne", "Atlantique", "Méditerranée",
          "Val de Loire", "Île-de-France", "Rouen", "Reims", "Metz", "Nancy", "Brest",
          "Poitiers", "Clermont", "Annecy", "Pau", "Bayonne", "Caen", "Le Mans", "Nîmes"]
LONG_PATTERNS = [
    "Société d'Exploitation des {act} {sur}",
    "Société Nouvelle des Établissements {sur}",
    "Compagnie Générale de {act} de {city}",
    "Société Coopérative Agricole de Collecte et d'Approvisionnement du {region}",
    "Groupement des Professionnels de {act} de {city}",
    "Société Industrielle de {act} et de {act2} {sur}",
    "Établissements {sur} et Fils {act} et {act2}",
    "Union Régionale des Coopératives de {act} de {city}",
    "Entreprise Générale de {act} {sur}-{sur2} et Associés",
]
REGIONS = ["Val de Loire Centre", "Sud-Ouest Atlantique", "Grand Est Champagne",
           "Haut-Rhin et des Vosges", "Bassin Parisien Nord", "Massif Central Auvergne"]
FIRSTNAMES = ["JEAN", "MARIE", "PIERRE", "SOPHIE", "NICOLAS", "ISABELLE", "JULIEN", "CAMILLE",
              "THOMAS", "LAURA", "ANTOINE", "CELINE", "KARIM", "NADIA", "LUC", "EMILIE",
              "OLIVIER", "SANDRINE", "YANNICK", "AURELIE", "MEHDI", "FATIMA", "HUGO", "LEA"]
FACTORS = ["ALTIOR FACTORING SA", "FINANCIERE DE L AFFACTURAGE", "CREDIT COMMERCIAL AFFACTURAGE",
           "EUROPEENNE DE FACTORING SA", "OMNIUM FINANCEMENT POSTE CLIENTS",
           "SUPPLY CHAIN FINANCE PLATEFORME SA"]
SUBSCRIPTION_HT = [D("29.00"), D("95.00"), D("145.00"), D("219.00"), D("369.00"), D("499.00"),
                   D("920.00"), D("59.90"), D("1150.00")]
PRICE_LIST_HT = [D(x) for x in """19.90 29.00 34.50 39.00 45.00 49.00 59.00 69.00 79.00 89.00
95.00 99.00 120.00 145.00 149.00 180.00 199.00 219.00 240.00 249.00 299.00 345.00 369.00
399.00 450.00 499.00 590.00 650.00 799.00 850.00 920.00 990.00 1200.00 1250.00 1490.00
1500.00 1990.00 2400.00 2500.00 2990.00 3500.00 4200.00 4990.00 6000.00 7500.00
9900.00""".split()]
SERVICES = ["logiciel GESTIPRO", "maintenance parc", "hébergement serveur", "location matériel",
            "télésurveillance", "contrat entretien", "licence CRM", "location véhicule",
            "infogérance", "flux de données"]
SERVICE_WORD = {"logiciel GESTIPRO": ["ABONNEMENT", "ABT", "LICENCE"],
                "maintenance parc": ["MAINTENANCE", "CONTRAT MAINTENANCE", "ABONNEMENT"],
                "hébergement serveur": ["HEBERGEMENT", "ABONNEMENT"],
                "location matériel": ["LOYER", "LOCATION", "ECHEANCE"],
                "télésurveillance": ["TELESURVEILLANCE", "ABONNEMENT"],
                "contrat entretien": ["ENTRETIEN", "CONTRAT", "ECHEANCE"],
                "licence CRM": ["LICENCE", "ABONNEMENT"],
                "location véhicule": ["LOYER", "LOCATION VEHICULE", "ECHEANCE"],
                "infogérance": ["INFOGERANCE", "FORFAIT"],
                "flux de données": ["ABONNEMENT", "ABT", "DONNEES"]}
CN_REASONS = ["retour marchandise", "geste commercial", "erreur de facturation",
              "remise quantitative", "litige livraison", "produit défectueux"]


# ---------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------

class World:
    def __init__(self, seed: int, n_mov: int, n_items: int, n_days: int, start: date):
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_mov = n_mov
        self.n_items = n_items
        d = next_bday(start)
        self.days = []
        while len(self.days) < n_days:
            self.days.append(d)
            d = add_bdays(d, 1)
        self.first, self.last = self.days[0], self.days[-1]
        self.parties = {}
        self.customers = []
        self.suppliers = []
        self.items = {}
        self.by_party = defaultdict(list)
        self.ref_index = defaultdict(list)   # normalised (prefix, year, int) -> item ids
        self.claim = {}
        self.used_items = set()
        self.used_numbers = defaultdict(set)
        self.ibans = set()
        self.keys = {}                       # name_key -> party id
        self.movements = []
        self.company_iban = make_iban("FR", "%05d%05d%011d%02d" % (30004, 819, 12345678, 97 - (
            (89 * 30004 + 15 * 819 + 3 * 12345678) % 97)))
        self.fa_rate = max(40, round(n_items / 60))
        self.av_rate = max(2, self.fa_rate // 25)
        self.ach_rate = max(4, self.fa_rate // 10)
        self.entry_seq = 0
        self.chq_seq = 4900 + self.rng.randrange(0, 50)
        self.rem_seq = self.rng.randrange(4510000, 4520000)
        self.sub_seq = 0

    # ---- numbering -------------------------------------------------------
    def _bday_index(self, d: date) -> int:
        n = 0
        x = date(d.year, 1, 1)
        # fast: count weekdays between Jan 1 and d
        days = (d - x).days
        full, rem = divmod(days, 7)
        n = full * 5
        for i in range(rem):
            if (x + timedelta(days=full * 7 + i)).weekday() < 5:
                n += 1
        return n

    def alloc_number(self, prefix: str, d: date, rate: int, exact: int | None = None) -> str:
        year = d.year
        used = self.used_numbers[(prefix, year)]
        if exact is not None:
            if exact in used:
                return ""
            n = exact
        else:
            base = self._bday_index(d) * rate
            n = None
            for _ in range(12):
                c = base + 1 + self.rng.randrange(rate)
                if c not in used:
                    n = c
                    break
            if n is None:
                lo = max(1, base - 2 * rate)
                for _ in range(30):
                    c = lo + self.rng.randrange(5 * rate)
                    if c not in used:
                        n = c
                        break
            if n is None:
                c = base + 1
                while c in used:
                    c += 1
                n = c
        used.add(n)
        width = 6 if n < 10 ** 6 else 7
        return "%s-%d-%0*d" % (prefix, year, width, n)

    def fresh_closed_ref(self, d: date) -> str:
        """A number in our sequence that is not open (an invoice paid long ago
        or not yet booked): allocated but no item created."""
        return self.alloc_number("FA", d, self.fa_rate)

    # ---- parties ---------------------------------------------------------
    def _unique_iban(self, country="FR"):
        while True:
            ib = fr_iban(self.rng) if country == "FR" else foreign_iban(self.rng, country)
            if ib not in self.ibans:
                self.ibans.add(ib)
                return ib

    def _make_core(self, long=False):
        rng = self.rng
        if long:
            pat = rng.choice(LONG_PATTERNS)
            return pat.format(act=rng.choice(ACTIVITIES), act2=rng.choice(ACTIVITIES),
                              sur=rng.choice(SURNAMES), sur2=rng.choice(SURNAMES),
                              city=rng.choice(CITIES), region=rng.choice(REGIONS))
        r = rng.random()
        if r < 0.30:
            return "%s %s" % (rng.choice(ACTIVITIES), rng.choice(SURNAMES))
        if r < 0.50:
            return rng.choice(BRAND_PRE) + rng.choice(BRAND_SUF) + (
                " " + rng.choice(BRAND_TAIL) if rng.random() < 0.6 else "")
        if r < 0.62:
            return "%s%s %s" % (rng.choice(BRAND_PRE), rng.choice(BRAND_SUF), rng.choice(CITIES))
        if r < 0.72:
            return rng.choice(["%s et Fils", "Ets %s", "Établissements %s", "%s & Associés",
                               "Maison %s", "Atelier %s"]) % rng.choice(SURNAMES)
        if r < 0.82:
            return "%s-%s %s" % (rng.choice(SURNAMES), rng.choice(SURNAMES), rng.choice(ACTIVITIES))
        if r < 0.92:
            return "%s %s %s" % (rng.choice(ACTIVITIES), rng.choice(SURNAMES), rng.choice(CITIES))
        return "%s %s" % (rng.choice(BRAND_TAIL), rng.choice(CITIES))

    def new_party(self, kind: str, core: str | None = None, long=False, country="FR",
                  iban_known=None, form=None, register=True):
        rng = self.rng
        for _ in range(200):
            c = core or (self._make_core(long) if country == "FR" else (
                rng.choice(BRAND_PRE) + rng.choice(BRAND_SUF) + " " + rng.choice(
                    ["Trading", "Industries", "Logistics", "Engineering", "Systems", "Handel", "Technik",
                     "Components", "Services", "International"])))
            k = name_key(c)
            if k not in self.keys:
                break
            core = None
        else:
            c = c + " " + rng.choice(CITIES)
            k = name_key(c)
        if form is None and country != "FR":
            form = rng.choice({"GB": ["LTD", "LTD", "PLC"], "DE": ["GMBH", "GMBH", "AG"], "CH": ["AG", "SA", "GMBH"],
                               "BE": ["SRL", "SA", "NV"], "LU": ["SARL", "SA"]}[country])
        if form is None:
            form = rng.choices(["SAS", "SARL", "SA", "EURL", "SASU", "SNC", "SCI", ""],
                               [35, 28, 8, 7, 9, 3, 2, 8])[0]
            if c.startswith(("Société Coopérative", "Union", "Groupement")):
                form = ""
        prefix_form = form and rng.random() < 0.25
        legal = ((form + " " + c) if prefix_form else (c + " " + form)).strip() if form else c
        style = rng.random()
        if style < 0.40:
            ledger = c
        elif style < 0.65:
            ledger = ascii_upper(c)
        elif style < 0.90:
            ledger = legal
        else:
            ledger = ascii_upper(legal)
        pid = ("C%06d" % (len(self.customers) + 1)) if kind == "customer" else (
            "F%05d" % (len(self.suppliers) + 1))
        if iban_known is None:
            iban_known = rng.random() < (0.62 if kind == "customer" else 0.97)
        p = {"id": pid, "kind": kind, "core": c, "form": form, "legal": legal,
             "bank_name": ascii_upper(legal)[:70], "ledger_name": ledger,
             "iban": self._unique_iban(country), "country": country,
             "iban_known": iban_known, "key": k, "typo": False, "type": "small",
             "sub": None, "group": None}
        self.parties[pid] = p
        if register:
            self.keys[k] = pid
        (self.customers if kind == "customer" else self.suppliers).append(pid)
        return p

    def outsider_name(self, long=False):
        """A name that is not in the party master and not close to one."""
        for _ in range(500):
            c = self._make_core(long)
            k = name_key(c)
            if k not in self.keys and not self.name_ambiguous(k, None, typo=True):
                return ascii_upper(c + " " + self.rng.choice(["SAS", "SARL", "", "SA"])).strip()
        return "ENTREPRISE INCONNUE %d SAS" % self.rng.randrange(1000, 9999)

    def _name_index(self):
        if getattr(self, "_nidx_n", -1) != len(self.keys):
            self._sorted_keys = sorted(self.keys)
            self._buckets = defaultdict(list)
            for k in self.keys:
                self._buckets[(k[:1], len(k))].append(k)
            self._nidx_n = len(self.keys)

    def name_ambiguous(self, shown_key: str, owner: str | None, truncated=False, typo=False) -> bool:
        """Would a name (as shown by the bank) point to a party other than owner?
        Exact key, any longer name it is a prefix of (truncated), or a name one or
        two edits away (typo) belonging to another party."""
        if len(shown_key) < 6:
            return True
        self._name_index()
        other = self.keys.get(shown_key)
        if other is not None and other != owner:
            return True
        if truncated:
            sk = self._sorted_keys
            i = bisect.bisect_left(sk, shown_key)
            while i < len(sk) and sk[i].startswith(shown_key):
                if self.keys[sk[i]] != owner:
                    return True
                i += 1
        if typo:
            for ln in range(len(shown_key) - 2, len(shown_key) + 3):
                for k in self._buckets.get((shown_key[:1], ln), ()):
                    if self.keys[k] != owner and maybe_close(shown_key, k) and levenshtein(k, shown_key, 2) <= 2:
                        return True
        return False

    # ---- items -----------------------------------------------------------
    def add_item(self, kind, party, reference, issue, due, amount, description,
                 open_amount=None, disc_until=None, disc_rate=None, item_id=None,
                 account=None, tags=()):
        iid = item_id or reference
        assert iid not in self.items, iid
        if account is None:
            account = {"invoice": "411000", "credit_note": "411000",
                       "supplier_invoice": "401000", "supplier_credit_note": "401000",
                       "entry": "471000"}[kind]
        it = {"id": iid, "kind": kind, "account": account,
              "party": party["id"] if party else None, "reference": reference,
              "issue": issue, "due": due, "amount": q(amount), "description": description,
              "open_amount": q(open_amount) if open_amount is not None else None,
              "disc_until": disc_until, "disc_rate": disc_rate, "tags": set(tags)}
        it["open"] = it["open_amount"] if it["open_amount"] is not None else it["amount"]
        it["left"] = it["open"]
        self.items[iid] = it
        if party:
            self.by_party[party["id"]].append(iid)
        nk = ref_norm(reference)
        if nk:
            self.ref_index[nk].append(iid)
        return it

    def invoice_amount(self, ptype="small") -> Decimal:
        rng = self.rng
        if rng.random() < 0.30:
            ht = rng.choice(PRICE_LIST_HT)
        else:
            lo, hi = {"small": (15, 4000), "medium": (30, 8000), "large": (40, 15000),
                      "key": (40, 12000)}[ptype]
            x = lo * (hi / lo) ** rng.random()
            ht = D(int(x)) if rng.random() < 0.55 else q(D(str(round(x, 2))))
            if ht <= 0:
                ht = D("10.00")
        vat = rng.choices([D("1.20"), D("1.10"), D("1.055")], [90, 8, 2])[0]
        return q(ht * vat)

    def new_invoice(self, party, issue: date, amount=None, desc=None, tags=(), **kw):
        ref = self.alloc_number("FA", issue, self.fa_rate)
        terms = self.rng.choices(["30", "45FM", "60", "RECEP", "30FM"], [40, 25, 15, 10, 10])[0]
        due = {"30": issue + timedelta(days=30), "60": issue + timedelta(days=60),
               "45FM": end_of_month(issue + timedelta(days=45)),
               "30FM": end_of_month(issue + timedelta(days=30)), "RECEP": issue}[terms]
        amount = amount if amount is not None else self.invoice_amount(party.get("type", "small"))
        if desc is None:
            desc = self.rng.choice(["Facture", "Facture de vente", "Prestations", "Livraison",
                                    "Fournitures", "Travaux", "Commande"]) + (
                " %s %d" % (MONTHS_LEDGER[issue.month - 1], issue.year))
        return self.add_item("invoice", party, ref, issue, due, amount, desc, tags=tags, **kw)

    def new_credit_note(self, party, issue: date, amount: Decimal, about: str | None = None):
        ref = self.alloc_number("AV", issue, self.av_rate)
        desc = "Avoir %s%s" % (self.rng.choice(CN_REASONS), (" sur " + about) if about else "")
        return self.add_item("credit_note", party, ref, issue, issue, -abs(q(amount)), desc)

    def rand_issue(self) -> date:
        """Issue date of a background open invoice (relative to the first day)."""
        rng = self.rng
        r = rng.random()
        if r < 0.05:
            d = self.first + timedelta(days=rng.randrange(0, (self.last - self.first).days + 1))
        elif r < 0.45:
            d = self.first - timedelta(days=rng.randrange(1, 31))
        elif r < 0.73:
            d = self.first - timedelta(days=rng.randrange(31, 61))
        elif r < 0.87:
            d = self.first - timedelta(days=rng.randrange(61, 91))
        elif r < 0.96:
            d = self.first - timedelta(days=rng.randrange(91, 181))
        else:
            d = self.first - timedelta(days=rng.randrange(181, 300))
        while not is_bday(d):
            d -= timedelta(days=1)
        return d

    def open_of(self, pid, exclude=()):
        return [self.items[i] for i in self.by_party[pid]
                if self.items[i]["left"] != 0 and i not in exclude]

    def is_free(self, pid):
        return self.claim.get(pid, "free") == "free"

    def take(self, pid, mode):
        cur = self.claim.get(pid, "free")
        assert cur == "free" or (mode == "shared" and cur == "shared"), (pid, cur, mode)
        self.claim[pid] = mode


def ref_norm(ref: str):
    """Our own FA/AV numbers normalised as (prefix, year, int); others upper."""
    if not ref:
        return None
    r = ref.upper()
    parts = r.split("-")
    if len(parts) == 3 and parts[0] in ("FA", "AV") and parts[1].isdigit() and parts[2].isdigit():
        return (parts[0], int(parts[1]), int(parts[2]))
    return ("X", r)


# ---------------------------------------------------------------------------
# Reference formatting (exact forms and damaged forms)
# ---------------------------------------------------------------------------

def split_ref(ref):
    p, y, n = ref.split("-")
    return p, y, n


def fmt_ref(ref: str, style: str) -> str:
    p, y, n = split_ref(ref)
    return {"exact": ref,
            "space": "%s %s %s" % (p, y, n),
            "compact": p + y + n,
            "slash": "%s/%s/%s" % (p, y, n),
            "dot": "%s.%s.%s" % (p, y, n),
            "mixed": "%s-%s%s" % (p, y, n),
            "mixed2": "%s %s-%s" % (p, y, n),
            "lower": ref.lower()}[style]


SEP_STYLES = ["space", "compact", "slash", "dot", "mixed", "mixed2", "lower"]


def digits_of(n: str) -> str:
    return n.lstrip("0") or "0"


class Gen(World):
    """Background world + scenario builders."""

    # ---- background --------------------------------------------------------
    def build_background(self):
        rng = self.rng
        T = self.n_items
        cust_target = int(T * 0.855)
        sup_target = int(T * 0.07)
        chk_target = max(10, int(T * 0.006))
        # groups (subsidiaries share a brand; the parent may or may not be a customer)
        n_groups = max(3, T // 1200)
        self.groups = []
        for g in range(n_groups):
            for _ in range(50):
                brand = rng.choice(BRAND_PRE) + rng.choice(BRAND_SUF)
                if not any(name_key(brand) in k for k in self.keys):
                    break
            cities = rng.sample(CITIES, rng.randint(2, 4))
            subs = []
            for c in cities:
                p = self.new_party("customer", core="%s %s" % (brand, c))
                p["group"] = g
                subs.append(p["id"])
            parent_in_master = rng.random() < 0.4
            pname = rng.choice(["Groupe %s", "%s Holding", "%s Participations", "Financière %s"]) % brand
            parent = None
            if parent_in_master:
                parent = self.new_party("customer", core=pname, form="SA")
                parent["group"] = g
            else:
                parent = {"bank_name": ascii_upper(pname + " SA"), "iban": self._unique_iban(),
                          "key": name_key(pname)}
            self.groups.append({"brand": brand, "subs": subs, "parent": parent,
                                "parent_in_master": parent_in_master})
        n_items = 0
        # customers
        while n_items < cust_target:
            r = rng.random()
            long = r < 0.12
            country = "FR"
            if rng.random() < 0.05:
                country = rng.choice(["BE", "CH", "GB", "DE", "LU"])
            p = self.new_party("customer", long=long, country=country)
            n_items += self.fill_customer(p)
        for g in self.groups:
            for pid in g["subs"]:
                n_items += self.fill_customer(self.parties[pid])
            if g["parent_in_master"]:
                n_items += self.fill_customer(g["parent"])
        # ledger typos (the ledger misspells some names)
        for pid in rng.sample(self.customers, max(3, len(self.customers) // 33)):
            p = self.parties[pid]
            words = p["ledger_name"].split()
            cand = [i for i, wd in enumerate(words) if len(wd) >= 6 and wd.isalpha()]
            if not cand:
                continue
            i = rng.choice(cand)
            wd = words[i]
            j = rng.randrange(1, len(wd) - 2)
            wd2 = wd[:j] + wd[j + 1] + wd[j] + wd[j + 2:] if rng.random() < 0.6 else wd[:j] + wd[j + 1:]
            if wd2 == wd:
                continue
            words[i] = wd2
            p["ledger_name"] = " ".join(words)
            p["typo"] = True
            self.keys[name_key(p["ledger_name"])] = pid
        # suppliers
        self.utility = []
        n_sup_items = 0
        while n_sup_items < sup_target:
            country = "FR" if rng.random() < 0.88 else rng.choice(["GB", "CH", "DE", "BE"])
            s = self.new_party("supplier", country=country, iban_known=True)
            s["fmt"] = rng.choice(["F{yy}{n:05d}", "FC-{yyyy}-{n:04d}", "INV-{n:05d}",
                                   "{yyyy}/{n:05d}", "FA{yy}{mm}-{n:04d}", "N{n:06d}",
                                   "{n:08d}", "FV{yy}-{n:05d}"])
            if country != "FR":
                s["fmt"] = rng.choice(["INV-{n:05d}", "INV{yy}{n:04d}", "{n:07d}"])
            s["seq"] = rng.randrange(100, 90000)
            k = rng.choice([1, 1, 2, 3, 4, 6, 9, 14])
            for dd in sorted(self.rand_issue() for _ in range(k)):
                self.new_supplier_invoice(s, dd)
                n_sup_items += 1
            if rng.random() < 0.04:
                self.new_supplier_credit(s, self.rand_issue(), q(D(rng.randrange(20, 900))))
                n_sup_items += 1
        # utility suppliers paid by SEPA direct debit (invoice numbers of 10 digits etc.)
        for core in ["Télécom Ouest", "Énergies de France", "Locafi Leasing", "Flotte Auto Location",
                     "Assurances Mutuelles du Centre", "Eaux et Services Urbains",
                     "Crédit-Bail Matériel Industriel", "Carburants Pro Réseau"]:
            s = self.new_party("supplier", core=core, iban_known=True, form="SA")
            s["fmt"] = rng.choice(["{n:010d}", "M{yy}{mm}{n:05d}", "FC{yy}{mm}-{n:05d}"])
            s["seq"] = rng.randrange(10 ** 6, 10 ** 8)
            s["mandate"] = "RUM-%s-%06d" % (name_key(core)[:6], rng.randrange(10 ** 6))
            s["util_amt"] = q(D(rng.randrange(80, 4000)) + D(rng.randrange(100)) / 100)
            self.utility.append(s["id"])
            y, mth = add_months(self.first.year, self.first.month, -2)
            for k in range(3):
                yy, mm = add_months(y, mth, k)
                iss = next_bday(date(yy, mm, 1)) + timedelta(days=rng.randrange(0, 5))
                while not is_bday(iss):
                    iss += timedelta(days=1)
                amt = s["util_amt"] if rng.random() < 0.5 else q(s["util_amt"] * D(rng.randrange(80, 120)) / 100)
                self.new_supplier_invoice(s, iss, amount=amt, due=iss + timedelta(days=rng.randrange(8, 20)))
        # cheques written (waiting to be cashed)
        for _ in range(chk_target):
            s = self.parties[rng.choice(self.suppliers)]
            amt = q(D(rng.randrange(40, 6000)) + (D(rng.randrange(100)) / 100 if rng.random() < 0.5 else 0))
            d = self.first - timedelta(days=rng.randrange(1, 40))
            self.new_cheque_entry(s, d, amt)
            if rng.random() < 0.2:   # a second cheque of the same amount (another invoice)
                s2 = self.parties[rng.choice(self.suppliers)]
                self.new_cheque_entry(s2, d - timedelta(days=rng.randrange(1, 20)), amt)
        # cheque deposits recorded but not yet credited (remain open)
        for _ in range(max(2, T // 3000)):
            d = self.last - timedelta(days=rng.randrange(0, 2))
            self.new_remise_entry(d, q(D(rng.randrange(200, 9000))), rng.randint(1, 6))

    def fill_customer(self, p) -> int:
        rng = self.rng
        r = rng.random()
        ptype, k = ("small", rng.choice([1, 1, 1, 2, 2, 3, 4]))
        if r > 0.68:
            ptype, k = "medium", rng.randint(4, 10)
        if r > 0.90:
            ptype, k = "large", rng.randint(10, 25)
        if r > 0.97:
            ptype, k = "key", rng.randint(25, 60)
        p["type"] = ptype
        n = 0
        if rng.random() < 0.10:
            svc = rng.choice(SERVICES)
            ht = rng.choice(SUBSCRIPTION_HT)
            p["sub"] = (svc, q(ht * D("1.20")))
            nopen = rng.choice([1, 1, 2, 2, 3])
            lag = int(rng.random() < 0.5)
            for j in range(nopen):
                y, m = add_months(self.first.year, self.first.month, -j - lag)
                self.new_sub_invoice(p, y, m)
                n += 1
            k = max(0, k - nopen)
        for _ in range(k):
            iss = self.rand_issue()
            r2 = rng.random()
            if r2 < 0.04:
                it = self.new_invoice(p, iss, tags=("disc",))
                it["disc_until"] = iss + timedelta(days=10)
                it["disc_rate"] = it["rate"] = rng.choice([D("0.01"), D("0.015"), D("0.02"), D("0.03")])
            elif r2 < 0.06:
                rate = rng.choice(["1", "2", "1,5"])
                it = self.new_invoice(p, iss, tags=("disc_text",))
                it["description"] = "Facture - escompte %s %% pour paiement sous 10 jours, net 30 jours" % rate
                it["rate"] = D(rate.replace(",", ".")) / 100
            elif r2 < 0.09:
                amt = self.invoice_amount(p["type"])
                paid = q(amt * D(rng.randrange(25, 80)) / 100).quantize(D("1"), ROUND_DOWN)
                if paid <= 0 or paid >= amt:
                    paid = D("10")
                it = self.new_invoice(p, iss, amount=amt, tags=("partial",), open_amount=amt - paid)
            elif r2 < 0.12:
                it = self.new_invoice(p, iss, tags=("lcr",))
                it["description"] = "Facture - règlement par LCR à échéance"
            else:
                self.new_invoice(p, iss)
            n += 1
        if k and rng.random() < 0.10:
            invs = [self.items[i] for i in self.by_party[p["id"]] if self.items[i]["kind"] == "invoice"]
            base = rng.choice(invs)
            self.new_credit_note(p, base["issue"] + timedelta(days=rng.randrange(3, 20)),
                                 q(base["amount"] * D(rng.randrange(5, 40)) / 100), base["reference"])
            n += 1
        return n

    def new_sub_invoice(self, p, y, m, amount=None):
        svc, amt = p["sub"]
        iss = next_bday(date(y, m, 1))
        desc = "Abonnement %s - %s %d" % (svc, MONTHS_LEDGER[m - 1], y)
        it = self.new_invoice(p, iss, amount=amount or amt, desc=desc, tags=("sub",))
        it["due"] = end_of_month(iss)
        it["period"] = (y, m)
        return it

    def supplier_ref(self, s, d):
        s["seq"] += self.rng.randint(1, 40)
        return s["fmt"].format(yy="%02d" % (d.year % 100), yyyy=d.year, mm="%02d" % d.month,
                               n=s["seq"])

    def new_supplier_invoice(self, s, issue, amount=None, due=None, desc=None):
        iid = self.alloc_number("ACH", issue, self.ach_rate)
        ref = self.supplier_ref(s, issue)
        amount = amount if amount is not None else self.invoice_amount("medium")
        due = due or issue + timedelta(days=self.rng.choice([30, 45, 60]))
        desc = desc or "Facture fournisseur %s" % ref
        return self.add_item("supplier_invoice", s, ref, issue, due, -abs(amount), desc, item_id=iid)

    def new_supplier_credit(self, s, issue, amount):
        iid = self.alloc_number("ACH", issue, self.ach_rate)
        s["seq"] += self.rng.randint(1, 9)
        ref = "AV-%06d" % (s["seq"] % 10 ** 6)
        return self.add_item("supplier_credit_note", s, ref, issue, issue, abs(amount),
                             "Avoir fournisseur %s" % ref, item_id=iid)

    def new_cheque_entry(self, s, d, amt):
        self.chq_seq += self.rng.randint(1, 3)
        n = self.chq_seq
        self.entry_seq += 1
        return self.add_item("entry", s, "CHK-%d" % n, d, d, -abs(amt),
                             "Chèque n°%d %s" % (n, s["ledger_name"]),
                             item_id="ENT-%06d" % self.entry_seq, tags=("chq",))

    def new_remise_entry(self, d, amt, nchq, ref_style="RCH"):
        self.rem_seq += self.rng.randint(1, 9)
        n = self.rem_seq
        self.entry_seq += 1
        ref = "RCH-%d" % n
        return self.add_item("entry", None, ref, d, d, abs(amt),
                             "Remise de chèques n°%d (%d chèques)" % (n, nchq),
                             item_id="ENT-%06d" % self.entry_seq, account="511200", tags=("rem",))

    # ---- time & consumption ------------------------------------------------
    def day_after(self, d: date, gap=1, until: date | None = None):
        idx = [i for i, x in enumerate(self.days) if (x - d).days >= gap and (until is None or x <= until)]
        return self.rng.choice(idx) if idx else None

    def avail(self, it, day):
        return it["open"] - sum((a for dd, a in it.get("cons", []) if dd < day), ZERO)

    def open_at(self, pid, day, exclude=()):
        ex = set(exclude)
        out = []
        for i in self.by_party[pid]:
            it = self.items[i]
            if i in ex:
                continue
            if self.avail(it, day) != 0:
                out.append(it)
        return out

    def settle(self, m, it, amount):
        amount = q(amount)
        assert (amount > 0) == (it["amount"] > 0) and amount != 0, (it["id"], amount)
        it.setdefault("cons", []).append((m["day"], amount))
        tot = sum((a for _, a in it["cons"]), ZERO)
        assert abs(tot) <= abs(it["open"]), (it["id"], tot, it["open"])
        m["expected"][it["id"]] = m["expected"].get(it["id"], ZERO) + amount
        self.used_items.add(it["id"])

    # ---- movements ---------------------------------------------------------
    def new_mv(self, day, amount, kind, **kw):
        m = dict(day=day, amount=q(amount), kind=kind, name=None, iban=None, ult=None,
                 ustrd=None, rf=None, e2e=None, mndt=None, chqnb=None, instd=None, chrg=None,
                 chrg_incl=True, hide=False, label=None, expected={}, ph=None, outcome=None,
                 note="", shown=set(), refq=False, party=None, ident=None, vdelta=0,
                 foreign=False)
        m.update(kw)
        self.movements.append(m)
        return m

    def e2e(self, day):
        rng = self.rng
        r = rng.random()
        d = self.days[day]
        if r < 0.45:
            return "NOTPROVIDED"
        if r < 0.65:
            return "PAY%s%06d" % (d.strftime("%y%m%d"), rng.randrange(10 ** 6))
        if r < 0.80:
            return "%s%05d" % (d.strftime("%Y%m%d"), rng.randrange(10 ** 5))
        if r < 0.90:
            return "E2E-%08d" % rng.randrange(10 ** 8)
        return "VIR%X" % rng.randrange(16 ** 10)

    def payer(self, m, p, cut=None, hide=None, iban=True):
        """Show payer p on movement m the ordinary way (Dbtr name, IBAN)."""
        rng = self.rng
        name = p["bank_name"]
        if cut is None:
            cut = 35 if rng.random() < 0.5 else 70
        m["name"] = name[:cut].rstrip()
        m["iban"] = p["iban"] if iban else None
        if iban and rng.random() < 0.04:
            m["iban"] = self._unique_iban(p.get("country", "FR"))   # another account of the payer
        if hide is None:
            hide = rng.random() < 0.06
        if hide:
            m["hide"] = True
            m["iban"] = None
        m["shown"].add(p["id"])
        if m["e2e"] is None:
            m["e2e"] = self.e2e(m["day"])
        return m

    def short_name(self, p):
        n = p["bank_name"]
        toks = [t for t in n.split() if t not in LEGAL_FORMS]
        return " ".join(toks)[:22].rstrip()

    def noise(self, kind):
        rng = self.rng
        if kind == "po":
            return "45%08d" % rng.randrange(10 ** 8)
        if kind == "bl":
            return "BL%05d" % rng.randrange(10 ** 5)
        if kind == "pay":
            return rng.choice(["PMT-%d-%05d" % (self.first.year, rng.randrange(10 ** 5)),
                               "VIR %06d" % rng.randrange(10 ** 6),
                               "REGL %d%02d-%04d" % (self.first.year, self.first.month, rng.randrange(10 ** 4))])
        return ""

    def plain_text(self, r, it, p, day):
        rng = self.rng
        dt = it["issue"].strftime(rng.choice(["%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d%m%y"]))
        tpl = rng.choice(["{r}", "FACTURE {r}", "FACT {r}", "FACT. {r}", "REGLEMENT FACTURE {r}",
                          "RGLT {r}", "REGLT FACT {r}", "PAIEMENT {r}", "PAIEMENT FACTURE {r} DU {dt}",
                          "VIREMENT {r}", "FACTURE N. {r}", "{r} {nm}", "CLIENT {cid} FACTURE {r}",
                          "{pay} {r}", "Facture {r}", "REGLEMENT {r} CDE {po}", "{r} {bl}",
                          "VOTRE FACTURE {r}", "FACTURE {r} DU {dt} {nm}", "FACT {r} DU {dt}",
                          "PAIEMENT {r}", "{r}", "FACTURE {r}", "REGLEMENT {r}"])
        t = tpl.format(r=r, dt=dt, nm=self.short_name(p), cid=p["id"], pay=self.noise("pay"),
                       po=self.noise("po"), bl=self.noise("bl"))
        return t[:140]

    # ---- pickers -----------------------------------------------------------
    PLAIN_EXCLUDE = {"sub", "partial", "disc", "disc_text", "lcr", "inst", "special"}

    def _plain_ok(self, it, pred):
        if it["kind"] != "invoice" or it["id"] in self.used_items or it["tags"] & self.PLAIN_EXCLUDE:
            return False
        if it["issue"] >= self.last or it["left"] <= 0:
            return False
        pid = it["party"]
        if self.claim.get(pid, "free") not in ("free", "shared"):
            return False
        return pred is None or pred(it, self.parties[pid])

    def pick_plain_item(self, pred=None, tries=300):
        rng = self.rng
        if not hasattr(self, "_inv_ids"):
            self._inv_ids = [i for i, it in self.items.items() if it["kind"] == "invoice"]
        for _ in range(tries):
            it = self.items[rng.choice(self._inv_ids)]
            if self._plain_ok(it, pred):
                self.take(it["party"], "shared")
                return it, self.parties[it["party"]]
        cands = [self.items[i] for i in self._inv_ids if self._plain_ok(self.items[i], pred)]
        if not cands:
            return None, None
        it = rng.choice(cands)
        self.take(it["party"], "shared")
        return it, self.parties[it["party"]]

    def pick_free_customer(self, pred, tries=400):
        rng = self.rng
        for _ in range(tries):
            p = self.parties[rng.choice(self.customers)]
            if self.is_free(p["id"]) and self.by_party[p["id"]] and pred(p):
                return p
        cands = [self.parties[c] for c in self.customers
                 if self.is_free(c) and self.by_party[c] and pred(self.parties[c])]
        return rng.choice(cands) if cands else None

    def unique_amount_among(self, pid, it, day, amount=None):
        """No other open item of the party fits the amount (also after an early-payment discount)."""
        amount = it["left"] if amount is None else amount
        for o in self.open_at(pid, day, exclude=[it["id"]]):
            if o["open"] == amount or self.avail(o, day) == amount or o["amount"] == amount:
                return False
            r = o.get("rate")
            if r is not None and q(o["amount"] * (1 - r)) == amount:
                return False
        return True

    # =======================================================================
    # Scenario helpers
    # =======================================================================
    def eligible_invoices(self, pid, day, tags_ok=False):
        d = self.days[day]
        out = []
        for it in self.open_at(pid, day):
            if it["kind"] != "invoice" or it["id"] in self.used_items or it["issue"] >= d:
                continue
            if it["tags"] & {"lcr", "inst"}:
                continue
            if not tags_ok and it["tags"] & (self.PLAIN_EXCLUDE - {"sub"}):
                continue
            out.append(it)
        return out

    def identified(self, p):
        """The payer can be recognised without reference: IBAN in the ledger or a
        name that designates only this party."""
        if p["iban_known"]:
            return True
        if p["typo"]:
            return False
        return not self.name_ambiguous(name_key(p["bank_name"][:70]), p["id"], truncated=len(p["bank_name"]) >= 70,
                                       typo=True)

    def ident_payer(self, m, p, hide=False, cut=None):
        """Show an identified payer: its IBAN when the ledger knows it, else its full name."""
        if cut is None and not p["iban_known"]:
            cut = 70
        self.payer(m, p, hide=hide, cut=cut)
        if not hide:
            m["iban"] = p["iban"]
        return m

    def generic_text(self, p, day, it=None):
        rng = self.rng
        d = it["issue"] if it else self.days[day]
        return rng.choice(["REGLEMENT", "PAIEMENT FACTURE", "VIREMENT", "FACTURE", "REGLEMENT FACTURE",
                           "PAIEMENT", self.noise("pay"), "REGLT FOURNISSEUR", "",
                           "FACTURE %s" % MONTHS[d.month - 1], "REGLEMENT CLIENT %s" % p["id"],
                           "PAIEMENT FOURNISSEUR", "VIR %s" % self.short_name(p)])

    def pick_day_for(self, pid, min_items=1, tags_ok=False):
        order = list(range(len(self.days)))
        self.rng.shuffle(order)
        for day in order:
            el = self.eligible_invoices(pid, day, tags_ok)
            if len(el) >= min_items:
                return day, el
        return None, []

    def pick_identified_customer(self, pred=lambda p: True, need_iban=False):
        return self.pick_free_customer(
            lambda p: pred(p) and (p["iban_known"] if need_iban else self.identified(p)))

    # =======================================================================
    # Receipts: plain
    # =======================================================================
    def sc_plain_exact_ref(self, style="exact", label="plain_exact_ref"):
        it, p = self.pick_plain_item()
        if not it:
            return 0
        day = self.day_after(it["issue"])
        amt = self.avail(it, day)
        m = self.new_mv(day, amt, "sct_in")
        self.payer(m, p)
        if style == "sep":
            style = self.rng.choice(SEP_STYLES)
        r = fmt_ref(it["reference"], style)
        m["ustrd"] = self.plain_text(r, it, p, day)
        m["refq"] = True
        self.settle(m, it, amt)
        m.update(ph=label, outcome="auto",
                 note="invoice quoted (%s form), exact amount" % style)
        return 1

    def sc_ref_separators(self):
        return self.sc_plain_exact_ref("sep", "ref_separators_changed")

    def sc_rf(self):
        it, p = self.pick_plain_item()
        if not it:
            return 0
        day = self.day_after(it["issue"])
        amt = self.avail(it, day)
        m = self.new_mv(day, amt, "sct_in")
        self.payer(m, p)
        rf = rf_reference(fmt_ref(it["reference"], "compact"))
        r = self.rng.random()
        if r < 0.55:
            m["rf"] = rf
            note = "RF creditor reference in Strd/CdtrRefInf"
        elif r < 0.85:
            m["ustrd"] = rf_spaced(rf)
            note = "RF creditor reference typed with spaces in the free text"
        else:
            m["ustrd"] = "%s %s" % (self.rng.choice(["REF", "PAIEMENT", "FACTURE"]), rf)
            note = "RF creditor reference in the free text"
        m["refq"] = True
        self.settle(m, it, amt)
        m.update(ph="rf_creditor_reference", outcome="auto", note=note + " (built on the invoice number)")
        return 1

    def sc_iban_no_ref(self):
        p = self.pick_identified_customer(need_iban=True)
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"])
        if day is None:
            return 0
        self.rng.shuffle(el)
        for it in el:
            if self.unique_amount_among(p["id"], it, day, self.avail(it, day)):
                break
        else:
            return 0
        self.take(p["id"], "excl")
        amt = self.avail(it, day)
        m = self.new_mv(day, amt, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = self.generic_text(p, day, it) or None
        self.settle(m, it, amt)
        m.update(ph="plain_known_iban_no_ref", outcome="auto",
                 note="no reference; IBAN known in the ledger; the payer's only open item of this amount")
        return 1

    def sc_name_no_ref(self):
        p = self.pick_free_customer(lambda p: not p["iban_known"] and not self.name_ambiguous(
            name_key(p["bank_name"][:35]), p["id"], truncated=len(p["bank_name"]) > 35, typo=True)
            and not p["typo"])
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"])
        if day is None:
            return 0
        for it in el:
            if self.unique_amount_among(p["id"], it, day, self.avail(it, day)):
                break
        else:
            return 0
        self.take(p["id"], "excl")
        amt = self.avail(it, day)
        m = self.new_mv(day, amt, "sct_in")
        self.payer(m, p, hide=False, cut=70)
        m["ustrd"] = self.generic_text(p, day, it) or None
        self.settle(m, it, amt)
        m.update(ph="plain_name_no_ref", outcome="auto",
                 note="no reference, IBAN not in the ledger; payer name as in the ledger; only open item of this amount")
        return 1

    def sc_multi_all_quoted(self, short=False):
        rng = self.rng
        for _ in range(60):
            it, p = self.pick_plain_item()
            if not it:
                return 0
            day = self.day_after(it["issue"])
            others = [o for o in self.eligible_invoices(p["id"], day) if o["id"] != it["id"]
                      and "sub" not in o["tags"]]
            if short:
                others = [o for o in others if split_ref(o["reference"])[1] == split_ref(it["reference"])[1]]
            if others:
                break
        else:
            return 0
        k = min(len(others), rng.choice([1, 1, 2, 2, 3, 4, 5]))
        chosen = [it] + rng.sample(others, k)
        chosen.sort(key=lambda x: x["reference"])
        cn = None
        if not short and rng.random() < 0.2:
            cns = [o for o in self.open_at(p["id"], day) if o["kind"] == "credit_note"
                   and o["id"] not in self.used_items and o["issue"] < self.days[day]]
            total = sum(self.avail(c, day) for c in chosen)
            cns = [c for c in cns if total + self.avail(c, day) > 0]
            cn = cns[0] if cns else None
        style = rng.choice(["exact", "exact", "space", "compact"])
        if short:
            p0, y0, _ = split_ref(chosen[0]["reference"])
            tails = [digits_of(split_ref(c["reference"])[2]) for c in chosen[1:]]
            body = fmt_ref(chosen[0]["reference"], "exact") + rng.choice(["/", " / ", " + ", " ET "]).join([""] + tails)
            text = rng.choice(["REGL FA ", "FACTURES ", "FACT ", ""]) + body
        else:
            refs = [fmt_ref(c["reference"], style) for c in chosen]
            if cn:
                refs.append(cn["reference"])
            sep = rng.choice([" ", ", ", " + ", " ET "])
            text = rng.choice(["FACTURES ", "REGLEMENT FACTURES ", "FACT ", "", "PAIEMENT "]) + sep.join(refs)
        if len(text) > 140:
            chosen = chosen[:2]
            cn = None
            text = "FACTURES " + " ".join(fmt_ref(c["reference"], "exact") for c in chosen)
        amt = sum(self.avail(c, day) for c in chosen) + (self.avail(cn, day) if cn else 0)
        m = self.new_mv(day, amt, "sct_in")
        self.payer(m, p)
        m["ustrd"] = text
        m["refq"] = True
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        if cn:
            self.settle(m, cn, self.avail(cn, day))
        m.update(ph="several_invoices_short_list" if short else "several_invoices_all_quoted",
                 outcome="auto",
                 note=("first invoice in full, the others by their numeric tails only" if short else
                       "every item quoted%s, exact sum" % (" (credit note included)" if cn else "")))
        return 1

    def sc_multi_short(self):
        return self.sc_multi_all_quoted(short=True)

    def sc_cheque_remittance_recorded(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        d = self.days[day]
        k = rng.randint(1, 7)
        total = sum((q(D(rng.randrange(30, 3000)) + (D(rng.randrange(100)) / 100 if rng.random() < 0.6 else 0))
                     for _ in range(k)), ZERO)
        dep = add_bdays(d, -1)
        ent = self.new_remise_entry(dep, total, k)
        n = int(ent["reference"].split("-")[1])
        m = self.new_mv(day, total, "chq_in", vdelta=1)
        m["label"] = rng.choice(["REMISE CHEQUES N %d %d CHQ" % (n, k), "REM CHQ %09d" % n,
                                 "REMISE CHQ %d" % n, "REMISE DE %d CHEQUE(S) BORDEREAU %d" % (k, n),
                                 "REMISE CHEQUES %07d" % n])
        m["refq"] = True
        self.settle(m, ent, total)
        m.update(ph="cheque_remittance_recorded", outcome="auto",
                 note="cheque deposit credited; the deposit slip number is the ledger's RCH reference")
        return 1

    def sc_cheque_remittance_unrecorded(self):
        rng = self.rng
        k = rng.choice([1, 1, 2, 3])
        chosen = []
        for _ in range(k):
            it, p = self.pick_plain_item(lambda it, p: all(c["party"] != p["id"] for c in chosen))
            if it:
                chosen.append(it)
        if not chosen:
            return 0
        latest = max(c["issue"] for c in chosen)
        day = self.day_after(latest, gap=2)
        if day is None:
            return 0
        total = sum(self.avail(c, day) for c in chosen)
        self.rem_seq += rng.randint(1, 9)
        m = self.new_mv(day, total, "chq_in", vdelta=1)
        m["label"] = "REMISE CHEQUES N %d %d CHQ" % (self.rem_seq, len(chosen))
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        m.update(ph="cheque_remittance_unrecorded", outcome="review", ident=False,
                 note="cheques deposited without a recorded remittance: only the slip (not given) says which invoices")
        return 1

    def sc_lcr_single(self):
        rng = self.rng
        p = self.pick_free_customer(lambda p: p["country"] == "FR")
        if not p:
            return 0
        day = rng.randrange(len(self.days))
        d = self.days[day]
        iss = add_bdays(d, -rng.randint(20, 45))
        it = self.new_invoice(p, iss, tags=("lcr",), desc="Facture - règlement par LCR à échéance")
        it["due"] = d
        self.take(p["id"], "shared")
        m = self.new_mv(day, it["amount"], "lcr_in")
        self.payer(m, p, hide=False)
        m["e2e"] = None
        m["ustrd"] = rng.choice(["LCR ECH %s REF TIRE %s" % (d.strftime("%d%m%y"), fmt_ref(it["reference"], "compact")),
                                 "EFFET %s ECH %s" % (it["reference"], d.strftime("%d/%m/%y")),
                                 "LCR %s" % fmt_ref(it["reference"], "compact")])
        m["label"] = "LCR ENCAISSEE ECH %s TIRE %s" % (d.strftime("%d%m%y"), p["bank_name"][:24])
        m["refq"] = True
        self.settle(m, it, it["amount"])
        m.update(ph="lcr_single", outcome="auto", note="bill of exchange (LCR) collected at due date, invoice as drawee reference")
        return 1

    def sc_lcr_remise(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        d = self.days[day]
        k = rng.randint(2, 12)
        total = sum((q(D(rng.randrange(200, 9000)) + D(rng.randrange(100)) / 100) for _ in range(k)), ZERO)
        self.entry_seq += 1
        n = rng.randrange(100, 999)
        ent = self.add_item("entry", None, "LCR-REM-%05d" % n, add_bdays(d, -rng.randint(5, 12)), d, total,
                            "Remise LCR à l'encaissement n°%05d échéance %s (%d effets)" % (n, d.strftime("%d/%m/%Y"), k),
                            item_id="ENT-%06d" % self.entry_seq, account="511300", tags=("rem",))
        m = self.new_mv(day, total, "lcr_in")
        m["label"] = "REMISE LCR ENCAISSEMENT N %05d ECH %s %d EFFETS" % (n, d.strftime("%d/%m/%y"), k)
        m["refq"] = True
        self.settle(m, ent, total)
        m.update(ph="lcr_remittance_recorded", outcome="auto", note="LCR batch credited at due date; batch recorded in 5113")
        return 1

    def sc_balance_payment(self):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: 2 <= len(self.by_party[p["id"]]) <= 8)
        if not p:
            return 0
        for day in rng.sample(range(len(self.days)), len(self.days)):
            items = self.open_at(p["id"], day)
            if all(i["issue"] < self.days[day] for i in items) and len(items) >= 2:
                total = sum(self.avail(i, day) for i in items)
                if total > 0 and count_subsets([self.avail(i, day) for i in items], total) == 1:
                    break
        else:
            return 0
        self.take(p["id"], "excl")
        mo = MONTHS[add_months(self.days[day].year, self.days[day].month, -1)[1] - 1]
        m = self.new_mv(day, total, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["SOLDE DE VOTRE RELEVE", "REGLEMENT RELEVE %s" % mo, "REGLEMENT DE VOS FACTURES",
                                 "SOLDE COMPTE CLIENT %s" % p["id"], "PAIEMENT ECHEANCES %s" % mo, "SOLDE DE TOUT COMPTE"])
        for i in items:
            self.settle(m, i, self.avail(i, day))
        m.update(ph="balance_payment", outcome="auto",
                 note="no reference; the amount is the payer's whole open balance (%d items)" % len(items))
        return 1

    # =======================================================================
    # Class 1: several invoices, one quoted / over-payments
    # =======================================================================
    def sc_several_one_quoted(self, force_ambiguous=False):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: 4 <= len(self.by_party[p["id"]]) <= 16)
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"], min_items=2)
        if day is None:
            return 0
        self.take(p["id"], "excl")
        d = self.days[day]
        twin = (not force_ambiguous) and rng.random() < 0.25
        if twin:
            x = rng.choice([D("34.80"), D("114.00"), D("174.00"), D("58.80")])
            if any(o["amount"] == x for o in self.open_at(p["id"], day)):
                twin = False
            else:
                a = self.new_invoice(p, add_bdays(d, -rng.randint(15, 40)), amount=x)
                b = self.new_invoice(p, add_bdays(d, -rng.randint(5, 14)), amount=x)
                quoted, others = a, [b]
                extra = [o for o in el if o["id"] not in (a["id"], b["id"])]
                if extra and rng.random() < 0.4:
                    others.append(rng.choice(extra))
        if not twin:
            rng.shuffle(el)
            quoted = el[0]
            k = min(len(el) - 1, rng.choice([1, 1, 2, 2, 3, 4, 5]))
            others = el[1:1 + k]
        if force_ambiguous:
            rival_amt = self.avail(others[0], day)
            self.new_invoice(p, add_bdays(d, -rng.randint(3, 30)), amount=rival_amt)
        total = self.avail(quoted, day) + sum(self.avail(o, day) for o in others)
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[quoted["id"]])]
        cnt = count_subsets(pool, total - self.avail(quoted, day))
        m = self.new_mv(day, total, "sct_in")
        self.ident_payer(m, p)
        r = fmt_ref(quoted["reference"], rng.choice(["exact", "exact", "space", "compact"]))
        m["ustrd"] = rng.choice(["PAIEMENT %s", "REGLEMENT FACTURES %s", "FACT %s ET SUIVANTES",
                                 "REGLEMENT %s + AUTRES", "FACTURE %s", "%s ET RELIQUAT",
                                 "REGLT FACTURES " + MONTHS[d.month - 2] + " %s", "%s"]) % r
        m["refq"] = True
        self.settle(m, quoted, self.avail(quoted, day))
        for o in others:
            self.settle(m, o, self.avail(o, day))
        if cnt == 1:
            m.update(ph="several_invoices_one_quoted", outcome="auto",
                     note="one invoice quoted; %d other open item(s) of the payer make up exactly the rest (the only subset)" % len(others))
        else:
            m.update(ph="several_invoices_one_quoted_ambiguous", outcome="review",
                     note="one invoice quoted; the rest can be made by more than one subset of the payer's open items")
        return 1

    def sc_several_one_quoted_ambiguous(self):
        return self.sc_several_one_quoted(force_ambiguous=True)

    def sc_overpayment(self):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: len(self.by_party[p["id"]]) >= 1)
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"])
        if day is None:
            return 0
        it = rng.choice(el)
        a = self.avail(it, day)
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        r = rng.random()
        r_ = fmt_ref(it["reference"], "exact")
        if r < 0.35:
            x, text = D("40.00"), rng.choice(["FACTURE %s + INDEMNITE 40E", "%s + FRAIS RECOUVREMENT 40 EUR",
                                              "REGLEMENT %s Y COMPRIS PENALITES"]) % r_
            note = "invoice plus the 40 EUR recovery indemnity the customer added on its own: nothing open for it"
        elif r < 0.6:
            x, text = a, rng.choice(["FACTURE %s", "REGLEMENT %s"]) % r_
            note = "invoice paid twice in one transfer (amount doubled)"
        else:
            x = q(D(rng.randrange(5, 300)) + D(rng.randrange(100)) / 100)
            text = rng.choice(["FACTURE %s", "PAIEMENT %s", "%s"]) % r_
            note = "more than the quoted invoice; no open item explains the excess"
        if count_subsets(pool, x) != 0 or any(o == a + x for o in pool):
            return 0
        self.take(p["id"], "excl")
        m = self.new_mv(day, a + x, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = text
        m["refq"] = True
        self.settle(m, it, a)
        m.update(ph="overpayment_unexplained", outcome="review", note=note)
        return 1

    # =======================================================================
    # Class 2: the quoted reference is not what is paid
    # =======================================================================
    def _payer_unique_item(self, p, day=None):
        if day is None:
            day, el = self.pick_day_for(p["id"])
            if day is None:
                return None, None
        else:
            el = self.eligible_invoices(p["id"], day)
        self.rng.shuffle(el)
        for it in el:
            if self.unique_amount_among(p["id"], it, day, self.avail(it, day)):
                return day, it
        return None, None

    def sc_quoted_ref_other_customer(self):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        day, x = self._payer_unique_item(p)
        if x is None:
            return 0
        a = self.avail(x, day)
        d = self.days[day]
        # another customer's open invoice of the same amount
        cands = [i for i in self._inv_ids if self.items[i]["amount"] == a and self.items[i]["party"] != p["id"]
                 and i not in self.used_items and self.items[i]["left"] == a
                 and self.claim.get(self.items[i]["party"], "free") in ("free", "shared")
                 and self.items[i]["issue"] < d]
        if cands:
            y = self.items[rng.choice(cands)]
            self.take(y["party"], "shared")
        else:
            qp = self.pick_free_customer(lambda c: c["id"] != p["id"])
            if not qp:
                return 0
            y = self.new_invoice(qp, add_bdays(d, -rng.randint(10, 60)), amount=a)
            self.take(qp["id"], "shared")
        self.used_items.add(y["id"])
        self.take(p["id"], "excl")
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        r = fmt_ref(y["reference"], rng.choice(["exact", "space", "compact"]))
        m["ustrd"] = rng.choice(["FACT %s DU %s" % (r, y["issue"].strftime("%d/%m/%Y")), "FACTURE %s" % r,
                                 "REGLEMENT %s" % r])
        self.settle(m, x, a)
        m.update(ph="quoted_ref_other_customer", outcome="review",
                 note="quotes %s (another customer's invoice of the same amount); the identified payer has %s open for exactly this amount"
                 % (y["reference"], x["reference"]))
        return 1

    def sc_quoted_ref_typo_other(self):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        day, x = self._payer_unique_item(p)
        if x is None:
            return 0
        pre, yr, num = split_ref(x["reference"])
        variants = set()
        for i in range(len(num) - 1):
            if num[i] != num[i + 1]:
                variants.add(num[:i] + num[i + 1] + num[i] + num[i + 2:])
        for i in range(len(num)):
            if num[:i].strip("0") == "" and num[i] == "0":
                continue
            for c in "0123456789":
                if c != num[i]:
                    variants.add(num[:i] + c + num[i + 1:])
        hits = []
        for v in sorted(variants):
            for iid in self.ref_index.get((pre, int(yr), int(v)), []):
                it = self.items[iid]
                if it["party"] != p["id"] and iid not in self.used_items and it["left"] != 0:
                    hits.append(it)
        if not hits:
            return 0
        y = rng.choice(hits)
        self.used_items.add(y["id"])
        self.take(p["id"], "excl")
        a = self.avail(x, day)
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "FACT %s", "REGLEMENT %s"]) % fmt_ref(y["reference"], rng.choice(["exact", "space"]))
        self.settle(m, x, a)
        m.update(ph="quoted_ref_typo_hits_other_customer", outcome="review",
                 note="the payer mistyped %s as %s, which is another customer's open invoice (amount %s); the amount is exactly %s's"
                 % (x["reference"], y["reference"], y["amount"], x["reference"]))
        return 1

    def sc_quoted_own_ref_other_item(self):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: len(self.by_party[p["id"]]) >= 2)
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"], min_items=2)
        if day is None:
            return 0
        rng.shuffle(el)
        for o in el:
            a = self.avail(o, day)
            if not self.unique_amount_among(p["id"], o, day, a):
                continue
            qd = [x for x in el if x["id"] != o["id"] and self.avail(x, day) != a]
            if qd:
                break
        else:
            return 0
        qq = rng.choice(qd)
        self.take(p["id"], "excl")
        self.used_items.add(qq["id"])
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s"]) % qq["reference"]
        m["refq"] = True
        self.settle(m, o, a)
        m.update(ph="quoted_own_ref_amount_of_other_item", outcome="review",
                 note="quotes the payer's %s (open %s) but pays exactly its other invoice %s"
                 % (qq["reference"], self.avail(qq, day), o["reference"]))
        return 1

    # =======================================================================
    # Class 3: shortfalls explained by something else
    # =======================================================================
    def sc_credit_note_deducted(self):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"])
        if day is None:
            return 0
        d = self.days[day]
        inv = rng.choice(el)
        a = self.avail(inv, day)
        if a < D("60"):
            return 0
        self.take(p["id"], "excl")
        if rng.random() < 0.4:
            camt = q(a * D(rng.randrange(5, 60)) / 100)
        else:
            camt = min(q(a * D("0.6")), q(D(rng.choice([20, 40, 50, 100, 120, 150, 240, 300]))))
        cdate = min(add_bdays(d, -1), max(inv["issue"], add_bdays(d, -rng.randint(2, 25))))
        cn = self.new_credit_note(p, cdate, camt, inv["reference"] if rng.random() < 0.7 else None)
        amt = a + cn["amount"]
        ri = fmt_ref(inv["reference"], rng.choice(["exact", "compact", "space", "slash"]))
        v = rng.random()
        anchors = [inv]
        if v < 0.35:
            text = rng.choice(["FACTURE %s DEDUIT AVOIR", "FACT %s AVOIR DEDUIT", "REGLEMENT %s MOINS AVOIR",
                               "%s - AVOIR"]) % ri
        elif v < 0.75:
            text = rng.choice(["%s - AVOIR %s", "FACT %s AVOIR DEDUIT %s", "%s %s", "FACTURE %s DEDUCTION %s"]) % (ri, cn["reference"])
            anchors.append(cn)
        else:
            text = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s"]) % ri
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[x["id"] for x in anchors])]
        cnt = count_subsets(pool, amt - sum(self.avail(x, day) for x in anchors))
        m = self.new_mv(day, amt, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = text
        m["refq"] = True
        self.settle(m, inv, a)
        self.settle(m, cn, cn["amount"])
        ok = cnt == 1
        m.update(ph="credit_note_deducted" if ok else "credit_note_deducted_ambiguous",
                 outcome="auto" if ok else "review",
                 note="invoice minus the payer's open credit note %s%s" % (
                     cn["reference"], "" if ok else " (another subset of open items also fits)"))
        return 1

    FEES = [D("10.00"), D("12.00"), D("15.00"), D("18.00"), D("20.00"), D("25.00")]

    def sc_intermediary_fee(self):
        rng = self.rng
        pred = (lambda it, p: p["country"] != "FR" and it["amount"] > 80) if rng.random() < 0.75 else (
            lambda it, p: it["amount"] > 80)
        it, p = self.pick_plain_item(pred)
        if not it:
            it, p = self.pick_plain_item(lambda it, p: it["amount"] > 80)
            if not it:
                return 0
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        fee = rng.choice(self.FEES)
        paid = a - fee
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        if paid in pool or count_subsets(pool, -fee) != 0:
            return 0
        m = self.new_mv(day, paid, "sct_in", foreign=True)
        self.payer(m, p, hide=False)
        r = fmt_ref(it["reference"], rng.choice(["exact", "exact", "compact", "space"]))
        m["ustrd"] = (rng.choice(["INVOICE %s", "PAYMENT INV %s", "%s", "INV %s"]) if p["country"] in ("GB", "DE", "CH")
                      else rng.choice(["FACTURE %s", "%s", "REGLEMENT %s"])) % r
        z = rng.random()
        if z < 0.5:
            m["instd"] = a
            if z < 0.25:
                m["chrg"] = fee
        m["refq"] = True
        self.settle(m, it, a)
        m.update(ph="intermediary_fee_deducted", outcome="auto",
                 note="invoice quoted; an intermediary bank kept a fixed %s charge%s" % (
                     fee, " (instructed amount given)" if m["instd"] else ""))
        return 1

    def sc_intermediary_fee_no_ref(self):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: p["country"] != "FR", need_iban=True)
        if not p:
            p = self.pick_identified_customer(need_iban=True)
            if not p:
                return 0
        day, it = self._payer_unique_item(p)
        if it is None:
            return 0
        a = self.avail(it, day)
        fee = rng.choice(self.FEES)
        if a <= fee * 3:
            return 0
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        if (a - fee) in pool:
            return 0
        self.take(p["id"], "excl")
        m = self.new_mv(day, a - fee, "sct_in", foreign=True)
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["PAYMENT", "INVOICE PAYMENT", "VIREMENT", "REGLEMENT FOURNISSEUR", None])
        self.settle(m, it, a)
        m.update(ph="intermediary_fee_no_ref", outcome="review",
                 note="no reference; the payer's only item of %s arrives %s short (fixed charge)" % (a, fee))
        return 1

    def sc_partial_unexplained(self):
        rng = self.rng
        it, p = self.pick_plain_item(lambda it, p: it["amount"] > 100)
        if not it:
            return 0
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        if rng.random() < 0.4:
            paid = q(a / D("1.2"))
            note = "pays the amount before VAT (HT) of the quoted invoice"
        else:
            paid = q(a * D(rng.randrange(20, 90)) / 100).quantize(D("1"), ROUND_DOWN)
            note = "pays part of the quoted invoice, no word of why"
        if paid <= 0 or paid >= a:
            return 0
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        if paid in pool:
            return 0
        m = self.new_mv(day, paid, "sct_in")
        self.payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s", "PAIEMENT FACTURE %s"]) % fmt_ref(it["reference"], rng.choice(["exact", "compact"]))
        m["refq"] = True
        self.settle(m, it, paid)
        m.update(ph="partial_unexplained", outcome="review", note=note)
        return 1

    def sc_partial_wording(self):
        rng = self.rng
        it, p = self.pick_plain_item(lambda it, p: it["amount"] > 150)
        if not it:
            return 0
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        r = fmt_ref(it["reference"], rng.choice(["exact", "exact", "compact", "space"]))
        v = rng.randrange(6)
        if v == 0:
            pct = rng.choice([20, 30, 40, 50])
            paid, text = q(a * pct / 100), rng.choice(["ACOMPTE %d%% %s" % (pct, r), "%s ACOMPTE %d%%" % (r, pct)])
        elif v == 1:
            paid, text = q(a / 3), rng.choice(["%s 1/3" % r, "%s PAIEMENT 1/3" % r, "%s ECHEANCE 1/3" % r])
        elif v == 2:
            paid, text = q(a / 2), rng.choice(["%s PAIEMENT 1/2" % r, "%s 1ER VERSEMENT SUR 2" % r])
        elif v == 3:
            paid = (a * D("0.5")).quantize(D("1"), ROUND_DOWN)
            text = rng.choice(["REGLEMENT PARTIEL %s", "%s PAIEMENT PARTIEL", "ACOMPTE SUR %s"]) % r
        elif v == 4:
            paid = q(a / 3)
            text = "%s 1ER VERSEMENT SUR 3" % r
        else:
            paid = (a * D("0.4")).quantize(D("1"), ROUND_DOWN)
            text = "ACOMPTE FACTURE %s" % r
        if paid <= 0 or paid >= a:
            return 0
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        if paid in pool:
            return 0
        m = self.new_mv(day, paid, "sct_in")
        self.payer(m, p)
        m["ustrd"] = text
        m["refq"] = True
        self.settle(m, it, paid)
        m.update(ph="partial_explained_wording", outcome="auto",
                 note="partial payment announced in the text (acompte / fraction)")
        return 1

    def sc_solde_after_partial(self):
        rng = self.rng
        it, p = self.pick_plain_item_tagged("partial")
        if not it:
            return 0
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        m = self.new_mv(day, a, "sct_in")
        self.payer(m, p)
        r = fmt_ref(it["reference"], rng.choice(["exact", "compact", "space"]))
        m["ustrd"] = rng.choice(["SOLDE FACTURE %s", "SOLDE %s", "RELIQUAT %s", "%s SOLDE", "%s 2EME VERSEMENT",
                                 "FACTURE %s", "%s"]) % r
        m["refq"] = True
        self.settle(m, it, a)
        m.update(ph="solde_after_partial", outcome="auto",
                 note="pays exactly what is still open (open_amount %s of %s)" % (a, it["amount"]))
        return 1

    def pick_plain_item_tagged(self, tag, free_only=False):
        rng = self.rng
        if not hasattr(self, "_tag_ids"):
            self._tag_ids = defaultdict(list)
            for i in self._inv_ids:
                for t in self.items[i]["tags"]:
                    self._tag_ids[t].append(i)
        cands = [i for i in self._tag_ids[tag] if i not in self.used_items
                 and self.claim.get(self.items[i]["party"], "free") in (("free",) if free_only else ("free", "shared"))
                 and self.items[i]["issue"] < self.last]
        if not cands:
            return None, None
        it = self.items[rng.choice(cands)]
        self.take(it["party"], "excl" if free_only else "shared")
        return it, self.parties[it["party"]]

    def sc_paid_full_after_partial(self):
        rng = self.rng
        it, p = self.pick_plain_item_tagged("partial", free_only=True)
        if not it:
            return 0
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        if count_subsets(pool, it["amount"] - a) != 0:
            return 0
        m = self.new_mv(day, it["amount"], "sct_in")
        self.payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s"]) % it["reference"]
        m["refq"] = True
        self.settle(m, it, a)
        m.update(ph="paid_full_after_partial", outcome="review",
                 note="pays the full %s although %s was already received: over-payment of %s" % (
                     it["amount"], it["amount"] - a, it["amount"] - a))
        return 1

    # =======================================================================
    # Class 4: damaged references
    # =======================================================================
    DAMAGES = [("prefix_missing", 15), ("zeros_dropped", 15), ("digits_swapped", 25),
               ("one_digit_wrong", 22), ("wrong_year", 8), ("tail_only", 10), ("tail_typo", 5)]

    def _collides(self, key, own):
        return any(i != own["id"] for i in self.ref_index.get(key, []))

    def sc_damaged_ref(self):
        rng = self.rng
        kind = rng.choices([k for k, _ in self.DAMAGES], [w for _, w in self.DAMAGES])[0]
        p = self.pick_identified_customer()
        if not p:
            return 0
        day, it = self._payer_unique_item(p)
        if it is None:
            return 0
        pre, yr, num = split_ref(it["reference"])
        y, n = int(yr), int(num)
        sig = digits_of(num)
        width = len(num)
        tok = None
        keys = []
        if kind == "prefix_missing":
            tok = rng.choice(["%s-%s", "%s%s", "%s %s", "N %s-%s", "N.%s/%s"]) % (yr, num)
            keys = [("AV", y, n)]
        elif kind == "zeros_dropped":
            if len(sig) == width:
                return 0
            tok = rng.choice(["FA-%s-%s", "FA %s %s", "FA%s-%s", "FA %s-%s"]) % (yr, sig)
        elif kind in ("digits_swapped", "one_digit_wrong", "tail_typo"):
            if kind == "digits_swapped":
                pos = [i for i in range(len(sig) - 1) if sig[i] != sig[i + 1]]
                if not pos:
                    return 0
                i = rng.choice(pos)
                bad = sig[:i] + sig[i + 1] + sig[i] + sig[i + 2:]
            else:
                i = rng.randrange(len(sig))
                choices = [c for c in "0123456789" if c != sig[i] and not (i == 0 and c == "0")]
                bad = sig[:i] + rng.choice(choices) + sig[i + 1:]
            n2 = int(bad)
            if kind == "tail_typo":
                tok = rng.choice(["/INV/%d", "FACT %d", "FACTURE N %d", "INV %d"]) % n2
                keys = [("FA", yy, n2) for yy in (y - 1, y)] + [("AV", yy, n2) for yy in (y - 1, y)]
            else:
                tok = fmt_ref("%s-%s-%0*d" % (pre, yr, width, n2), rng.choice(["exact", "space", "compact", "exact"]))
                keys = [(pre, y, n2)]
        elif kind == "wrong_year":
            if y != self.first.year or it["issue"].month > 3:
                return 0
            tok = fmt_ref("%s-%d-%s" % (pre, y - 1, num), rng.choice(["exact", "space", "compact"]))
            keys = [(pre, y - 1, n)]
        elif kind == "tail_only":
            tok = rng.choice(["FACT %d", "FACTURE N %d", "/INV/%d", "FACTURE %d", "FA %d"]) % n
            keys = [(pp, yy, n) for pp in ("FA", "AV") for yy in (y - 1, y, y + 1) if (pp, yy) != (pre, y)]
        collide = any(self._collides(k, it) for k in keys)
        # a same-payer item one edit away is also a rival reading
        for o in self.open_at(p["id"], day, exclude=[it["id"]]):
            if o["kind"] in ("invoice", "credit_note") and kind in ("digits_swapped", "one_digit_wrong", "tail_typo"):
                op, oy, on = split_ref(o["reference"])
                if damerau1(digits_of(on), digits_of(num)) or damerau1(digits_of(on), str(int(keys[0][2]))):
                    collide = True
        self.take(p["id"], "excl")
        a = self.avail(it, day)
        rival = None
        if rng.random() < 0.5:
            rival = self.new_invoice(p, add_bdays(min(it["issue"], add_bdays(self.days[day], -3)), -rng.randint(5, 40)),
                                     amount=a)
            # the rival must not be one edit away from the token either
            rn = split_ref(rival["reference"])[2]
            if kind in ("digits_swapped", "one_digit_wrong", "tail_typo") and (
                    damerau1(digits_of(rn), digits_of(num)) or digits_of(rn) == str(keys[0][2])):
                collide = True
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "FACT %s", "%s", "REGLEMENT %s", "PAIEMENT FACTURE %s"]) % tok \
            if not tok.startswith(("FACT", "/INV", "INV", "FA ")) else tok
        m["refq"] = True
        self.settle(m, it, a)
        rv = " (an older invoice of the same payer has the same amount)" if rival else ""
        if kind == "tail_typo":
            m.update(ph="damaged_ref_tail_typo", outcome="review",
                     note="numeric tail with a typo '%s' for %s%s" % (tok, it["reference"], rv))
        elif collide:
            m.update(ph="damaged_ref_hits_other_open_item", outcome="review",
                     note="damaged reference '%s' (%s) for %s also designates another open item%s"
                     % (tok, kind, it["reference"], rv))
        else:
            m.update(ph="damaged_ref_" + kind, outcome="auto",
                     note="'%s' stands for %s (%s); payer identified; exact amount%s" % (tok, it["reference"], kind, rv))
        return 1

    # =======================================================================
    # Class 5: identical amounts; dates and periods as evidence
    # =======================================================================
    def _fresh_sub_customer(self, amt_pred=None):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: p["sub"] is None)
        if not p:
            return None
        svc = rng.choice(SERVICES)
        for _ in range(20):
            amt = q(rng.choice(SUBSCRIPTION_HT) * D("1.20"))
            if not any(self.items[i]["amount"] == amt for i in self.by_party[p["id"]]):
                break
        else:
            return None
        p["sub"] = (svc, amt)
        self.take(p["id"], "excl")
        return p

    def sc_period_named(self):
        rng = self.rng
        p = self._fresh_sub_customer()
        if not p:
            return 0
        svc, amt = p["sub"]
        n = rng.randint(2, 4)
        end_back = rng.choice([0, 0, 1])
        months = [add_months(self.first.year, self.first.month, -end_back - j) for j in range(n)][::-1]
        subs = [self.new_sub_invoice(p, y, m_) for (y, m_) in months]
        day = rng.randrange(len(self.days))
        el = [s for s in subs if s["issue"] < self.days[day]]
        if len(el) < 2:
            day = len(self.days) - 1
            el = [s for s in subs if s["issue"] < self.days[day]]
        if rng.random() < 0.6 and len(el) > 1:
            target = rng.choice(el[1:])
        else:
            target = rng.choice(el)
        y, mo = target["period"]
        wd = rng.choice(SERVICE_WORD[svc])
        text = rng.choice(["{w} {M}", "{w} {M} {Y}", "FACTURE {M} {Y}", "{w} {MM}/{Y}", "{w} {MS} {YY}",
                           "ECHEANCE {M}", "{w} MOIS DE {M}", "{w} {MM}-{Y}"]).format(
            w=wd, M=MONTHS[mo - 1], Y=y, MM="%02d" % mo, MS=MONTHS_SHORT[mo - 1], YY="%02d" % (y % 100))
        m = self.new_mv(day, amt, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = text
        self.settle(m, target, amt)
        m.update(ph="identical_amount_period_named", outcome="auto",
                 note="%d open invoices of %s for this payer (monthly %s); the text names %s %d" % (
                     len(subs), amt, svc, MONTHS_LEDGER[mo - 1], y))
        return 1

    def sc_instalment(self, named=True):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        day = rng.randrange(len(self.days))
        d = self.days[day]
        x = q(D(rng.randrange(150, 4000)))
        if any(self.items[i]["amount"] == x for i in self.by_party[p["id"]]):
            return 0
        self.take(p["id"], "excl")
        N = rng.choice([3, 4, 6])
        k0 = rng.randint(2, N - 1)              # first open instalment number
        cur_due = d + timedelta(days=rng.randint(-6, 4))
        iss = cur_due - timedelta(days=30 * (k0 - 1) + 30)
        while not is_bday(iss):
            iss -= timedelta(days=1)
        ref = self.alloc_number("FA", iss, self.fa_rate)
        its = []
        for j, k in enumerate(range(k0, N + 1)):
            yy, mm = add_months(cur_due.year, cur_due.month, j)
            due = date(yy, mm, min(cur_due.day, 28))
            it = self.add_item("invoice", p, ref, iss, due, x,
                               "Échéance %d/%d - %s %s" % (k, N, ref, MONTHS_LEDGER[mm - 1]),
                               item_id="%s-E%d" % (ref, k), tags=("inst",))
            it["inst"] = (k, N)
            its.append(it)
        if len(its) < 2:
            return 0
        target = its[0]
        if named and rng.random() < 0.3:
            target = its[1]
        k, N = target["inst"]
        r = fmt_ref(ref, rng.choice(["exact", "compact", "space"]))
        if named:
            text = rng.choice(["%s ECHEANCE %d/%d" % (r, k, N), "%s ECHEANCE %s" % (r, MONTHS[target["due"].month - 1]),
                               "ECHEANCE %s %s" % (MONTHS[target["due"].month - 1], r), "%s %d/%d" % (r, k, N)])
        else:
            text = rng.choice(["%s", "FACTURE %s", "REGLEMENT %s"]) % r
        m = self.new_mv(day, x, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = text
        m["refq"] = True
        self.settle(m, target, x)
        if named:
            m.update(ph="instalment_named", outcome="auto",
                     note="invoice in %d equal instalments (same reference); the text names instalment %d/%d" % (N, k, N))
        else:
            m.update(ph="instalment_due_by_date", outcome="auto",
                     note="same reference on %d equal instalments; only %d/%d is due (%s), the next ones a month or more later"
                     % (len(its), k, N, target["due"]))
        return 1

    def sc_instalment_by_date(self):
        return self.sc_instalment(named=False)

    def sc_invoice_date_named(self):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        day = rng.randrange(len(self.days))
        d = self.days[day]
        a = self.invoice_amount(p["type"])
        if any(self.items[i]["amount"] == a for i in self.by_party[p["id"]]):
            return 0
        self.take(p["id"], "excl")
        d1 = add_bdays(d, -rng.randint(25, 70))
        d2 = add_bdays(d, -rng.randint(3, 22))
        i1 = self.new_invoice(p, d1, amount=a)
        i2 = self.new_invoice(p, d2, amount=a)
        target = rng.choice([i1, i2])
        text = rng.choice(["VOTRE FACTURE DU %s", "FACT DU %s", "REGLEMENT FACTURE DU %s", "FACTURE %s"]) % \
            target["issue"].strftime(rng.choice(["%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]))
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = text
        self.settle(m, target, a)
        m.update(ph="invoice_date_named", outcome="auto",
                 note="two open invoices of %s; the text gives the issue date of %s" % (a, target["reference"]))
        return 1

    def sc_identical_no_hint(self):
        rng = self.rng
        p = self._fresh_sub_customer()
        if not p:
            return 0
        svc, amt = p["sub"]
        n = rng.randint(2, 3)
        months = [add_months(self.first.year, self.first.month, -1 - j) for j in range(n)][::-1]
        subs = [self.new_sub_invoice(p, y, m_) for (y, m_) in months]
        day = rng.randrange(len(self.days))
        target = subs[0]
        m = self.new_mv(day, amt, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["REGLEMENT", "PAIEMENT ABONNEMENT", "FACTURE", rng.choice(SERVICE_WORD[svc]),
                                 "VIREMENT %s" % self.short_name(p), None])
        self.settle(m, target, amt)
        m.update(ph="identical_amount_no_hint", outcome="review",
                 note="%d open invoices of %s (monthly %s), nothing says which: oldest first is only a convention"
                 % (n, amt, svc))
        return 1

    def sc_future_rival(self):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        day, it = self._payer_unique_item(p)
        if it is None or day >= len(self.days) - 1 and rng.random() < 0.5:
            return 0
        self.take(p["id"], "excl")
        a = self.avail(it, day)
        fut = add_bdays(self.days[day], rng.randint(1, 6))
        rival = self.new_invoice(p, fut, amount=a)
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = self.generic_text(p, day, it) or None
        self.settle(m, it, a)
        m.update(ph="identical_amount_future_rival", outcome="auto",
                 note="two open invoices of %s; %s is issued on %s, after the payment: only %s can be paid"
                 % (a, rival["reference"], rival["issue"], it["reference"]))
        return 1

    def sc_weekly_supplier(self):
        rng = self.rng
        core = rng.choice(["Transports Express %s", "Intérim %s", "Nettoyage %s", "Messagerie %s",
                           "Location Bennes %s"]) % rng.choice(CITIES + SURNAMES)
        s = self.new_party("supplier", core=core, iban_known=True)
        s["fmt"] = "H{yy}-{n:05d}"
        s["seq"] = rng.randrange(1000, 50000)
        self.claim[s["id"]] = "excl"
        day = rng.randrange(1, len(self.days))
        d = self.days[day]
        w = q(D(rng.randrange(300, 4500)) + (D(rng.randrange(100)) / 100 if rng.random() < 0.5 else 0))
        cur = add_bdays(d, -1)
        stale = cur - timedelta(days=7 * rng.randint(2, 6))
        while not is_bday(stale):
            stale -= timedelta(days=1)
        items = []
        for dd in (stale, cur):
            it = self.new_supplier_invoice(s, dd, amount=w, due=dd,
                                           desc="Prestation semaine %d" % dd.isocalendar()[1])
            items.append(it)
        target = items[1]
        self._weekly_n = getattr(self, "_weekly_n", 0) + 1
        hint = self._weekly_n % 2 == 1
        m = self.new_mv(day, -w, "sdd_out")
        m["name"] = s["bank_name"][:70]
        m["iban"] = s["iban"]
        m["shown"].add(s["id"])
        m["mndt"] = "RUM%s%05d" % (name_key(core)[:5], rng.randrange(10 ** 5))
        m["e2e"] = "PRLV%s%06d" % (d.strftime("%y%m%d"), rng.randrange(10 ** 6))
        wk = cur.isocalendar()[1]
        if hint:
            m["ustrd"] = rng.choice(["PRESTATIONS SEMAINE %d" % wk, "RELEVE HEBDO DU %s" % cur.strftime("%d/%m/%Y"),
                                     "S%02d %d" % (wk, cur.year)])
        else:
            m["ustrd"] = rng.choice(["PRELEVEMENT HEBDOMADAIRE", "PRESTATIONS HEBDO", "PRLV %s" % s["bank_name"][:20]])
        self.settle(m, target, -w)
        if hint:
            m.update(ph="weekly_supplier_dated", outcome="auto",
                     note="weekly direct debit of %s; two open lines (%s and %s); the text names the week of the recent one"
                     % (w, stale, cur))
        else:
            m.update(ph="weekly_supplier_no_hint", outcome="review",
                     note="weekly direct debit of %s; open lines dated %s and %s; only the dates point to the recent one"
                     % (w, stale, cur))
        return 1

    # =======================================================================
    # Class 6: early-payment discounts
    # =======================================================================
    RATES = [D("0.01"), D("0.015"), D("0.02"), D("0.03")]

    def _disc_invoice(self, p, issue, rate, mode):
        it = self.new_invoice(p, issue, tags=("disc",) if mode == "columns" else ("disc_text",))
        until = issue + timedelta(days=10)
        it["rate"] = rate
        pct = ("%s" % (rate * 100).normalize()).replace(".", ",")
        if mode == "columns":
            it["disc_until"], it["disc_rate"] = until, rate
            it["description"] = "Facture - conditions: escompte, net 30 jours"
        else:
            it["description"] = self.rng.choice([
                "Facture - escompte %s %% pour paiement sous 10 jours, net 30 jours" % pct,
                "Facture. Escompte %s %% si règlement avant le %s" % (pct, until.strftime("%d/%m/%Y")),
                "Facture - %s %% 10 jours, 30 jours net" % pct])
        return it, until

    def sc_discount(self, variant="in_period"):
        rng = self.rng
        p = self.pick_free_customer(lambda p: True)
        if not p:
            return 0
        self.take(p["id"], "shared")
        day = rng.randrange(len(self.days))
        d = self.days[day]
        mode = "columns" if rng.random() < 0.6 else "text"
        rate = rng.choice(self.RATES)
        if variant == "in_period":
            iss = add_bdays(d, -rng.randint(1, 5))
        elif variant == "late":
            iss = d - timedelta(days=rng.randint(14, 40))
            while not is_bday(iss):
                iss -= timedelta(days=1)
        elif variant == "not_granted":
            iss = add_bdays(d, -rng.randint(2, 20))
        else:  # wrong_rate
            iss = add_bdays(d, -rng.randint(1, 5))
            rate = D("0.01")
            mode = "columns" if rng.random() < 0.6 else "text"
        if variant == "not_granted":
            it = self.new_invoice(p, iss)
            until = None
            taken = D("0.02")
        else:
            it, until = self._disc_invoice(p, iss, rate, mode)
            taken = rate if variant != "wrong_rate" else rng.choice([D("0.02"), D("0.03")])
        a = it["amount"]
        paid = q(a * (1 - taken))
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        if paid in pool:
            return 0
        pct = ("%s" % (taken * 100).normalize()).replace(".", ",")
        r = fmt_ref(it["reference"], rng.choice(["exact", "compact", "space"]))
        if variant == "in_period" and rng.random() < 0.3:
            text = rng.choice(["%s", "FACTURE %s"]) % r
        else:
            text = rng.choice(["%s ESCOMPTE %s%%", "%s ESC %s%%", "FACTURE %s ESCOMPTE %s%% DEDUIT",
                               "%s DEDUCTION ESCOMPTE %s%%"]) % (r, pct)
        m = self.new_mv(day, paid, "sct_in")
        self.payer(m, p)
        m["ustrd"] = text
        m["refq"] = True
        if variant == "in_period":
            self.settle(m, it, a)
            m.update(ph="discount_in_period_" + ("columns" if mode == "columns" else "terms_in_text"),
                     outcome="auto", note="%s%% early-payment discount taken on %s, within the period (until %s; terms %s)"
                     % (pct, d, until, "in discount columns" if mode == "columns" else "stated in the description"))
        elif variant == "late":
            self.settle(m, it, paid)
            m.update(ph="discount_after_period", outcome="review",
                     note="%s%% discount taken on %s, %d days after its period ended (%s); expected: the amount received, the rest stays due"
                     % (pct, d, (d - until).days, until))
        elif variant == "not_granted":
            self.settle(m, it, paid)
            m.update(ph="discount_not_granted", outcome="review",
                     note="2% 'escompte' deducted although the invoice grants none; expected: the amount received")
        else:
            self.settle(m, it, paid)
            m.update(ph="discount_wrong_rate", outcome="review",
                     note="%s%% deducted within the period, terms grant 1%%; expected: the amount received" % pct)
        return 1

    def sc_discount_in_period(self):
        return self.sc_discount("in_period")

    def sc_discount_late(self):
        return self.sc_discount("late")

    def sc_discount_not_granted(self):
        return self.sc_discount("not_granted")

    def sc_discount_wrong_rate(self):
        return self.sc_discount("wrong_rate")

    # =======================================================================
    # Missed matches: names
    # =======================================================================
    def _name_scenario(self, shown_fn, pred, label, note, check="typo"):
        for _ in range(40):
            p = self.pick_free_customer(lambda p: not p["iban_known"] and pred(p))
            if not p:
                return 0
            shown = shown_fn(p)
            if not shown:
                continue
            sk = name_key(shown)
            if check == "truncated":
                if len(shown) < 12 or self.name_ambiguous(sk, p["id"], truncated=True, typo=True):
                    continue
            elif self.name_ambiguous(sk, p["id"], typo=True):
                continue
            day, it = self._payer_unique_item(p)
            if it is None:
                continue
            break
        else:
            return 0
        self.take(p["id"], "excl")
        a = self.avail(it, day)
        m = self.new_mv(day, a, "sct_in")
        self.payer(m, p, hide=False)
        m["name"] = shown
        m["ustrd"] = self.generic_text(p, day, it) or None
        self.settle(m, it, a)
        m.update(ph=label, outcome="auto", note=note % {"shown": shown, "ledger": p["ledger_name"]})
        return 1

    def sc_name_truncated(self):
        rng = self.rng
        cut = rng.choice([35, 35, 35, 32, 25, 70])
        return self._name_scenario(lambda p: p["bank_name"][:cut].rstrip(),
                                   lambda p: len(p["bank_name"]) > max(cut, 36) and not p["typo"],
                                   "name_truncated",
                                   "no reference; IBAN unknown; payer name cut at %d characters: '%%(shown)s' for '%%(ledger)s'" % cut,
                                   check="truncated")

    def sc_name_nospace(self):
        rng = self.rng

        def shown(p):
            toks = [t for t in p["bank_name"].split() if t not in LEGAL_FORMS]
            s = "".join(toks)
            if len(s) > 35 or len(toks) < 2:
                return None
            return s + ((" " + p["form"]) if p["form"] and rng.random() < 0.5 else "")
        return self._name_scenario(shown, lambda p: not p["typo"], "name_without_spaces",
                                   "no reference; IBAN unknown; payer name written without spaces: '%(shown)s' for '%(ledger)s'")

    def sc_name_typo_ledger(self):
        return self._name_scenario(lambda p: p["bank_name"][:70], lambda p: p["typo"], "name_typo_ledger",
                                   "no reference; IBAN unknown; the ledger misspells the name: '%(ledger)s', bank says '%(shown)s'")

    def sc_name_abbrev(self):
        def shown(p):
            s = p["bank_name"]
            s2 = (s.replace("SOCIETE ", "STE ").replace("ETABLISSEMENTS ", "ETS ").replace("COMPAGNIE ", "CIE ")
                  .replace(" D EXPLOITATION ", " D EXPL ").replace("ENTREPRISE ", "ENT ").replace("GROUPEMENT ", "GPT "))
            if s2 == s:
                return None
            return s2[:35].rstrip()
        return self._name_scenario(shown, lambda p: not p["typo"], "name_abbreviated",
                                   "no reference; IBAN unknown; French abbreviations (STE, ETS, CIE...): '%(shown)s' for '%(ledger)s'",
                                   check="truncated")

    def sc_name_in_description(self):
        rng = self.rng
        if rng.random() < 0.5:
            it, p = self.pick_plain_item()
            if not it:
                return 0
            day = self.day_after(it["issue"])
            a = self.avail(it, day)
            m = self.new_mv(day, a, "sct_in")
            self.payer(m, p, hide=True)
            m["ustrd"] = self.plain_text(fmt_ref(it["reference"], rng.choice(["exact", "compact", "space"])), it, p, day)
            m["refq"] = True
            self.settle(m, it, a)
            m.update(ph="name_in_description_only", outcome="auto",
                     note="bank gives no debtor block: payer name only inside the booking text; invoice quoted")
            return 1
        for _ in range(40):
            p = self.pick_free_customer(lambda p: not p["typo"])
            if not p:
                return 0
            cut = 35 if len(p["bank_name"]) > 35 else 70
            if self.name_ambiguous(name_key(p["bank_name"][:cut]), p["id"], truncated=cut == 35, typo=True):
                continue
            day, it = self._payer_unique_item(p)
            if it is not None:
                break
        else:
            return 0
        self.take(p["id"], "excl")
        a = self.avail(it, day)
        m = self.new_mv(day, a, "sct_in")
        self.payer(m, p, hide=True, cut=cut)
        m["ustrd"] = self.generic_text(p, day, it) or None
        self.settle(m, it, a)
        m.update(ph="name_in_description_no_ref", outcome="auto",
                 note="no reference, no debtor block, no IBAN: payer name only inside the booking text; only open item of this amount")
        return 1

    # =======================================================================
    # Missed matches: several invoices
    # =======================================================================
    def sc_multi_unquoted(self):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: len(self.by_party[p["id"]]) >= 12)
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"], min_items=6, tags_ok=True)
        if day is None:
            return 0
        pool_items = self.open_at(p["id"], day)
        pool = [self.avail(o, day) for o in pool_items]
        for _ in range(8):
            k = rng.randint(3, min(12, len(el) - 2))
            chosen = rng.sample(el, k)
            total = sum(self.avail(c, day) for c in chosen)
            if count_subsets(pool, total) == 1:
                break
        else:
            return 0
        self.take(p["id"], "excl")
        d = self.days[day]
        m = self.new_mv(day, total, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["REGLEMENT FACTURES", "PAIEMENT SELON AVIS %s" % self.noise("pay"),
                                 "VIREMENT FOURNISSEUR %s" % p["id"], "REGLEMENT ECHEANCES FIN %s" % MONTHS[d.month - 2],
                                 "PAIEMENT %s" % self.noise("pay"), "VOIR AVIS DE PAIEMENT", "REGLEMENT RELEVE"])
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        m.update(ph="multi_invoice_unquoted_subset", outcome="review",
                 note="no reference; %d of the payer's %d open items sum exactly to the amount (the only such subset)"
                 % (k, len(pool_items)))
        return 1

    def sc_multi_list_cut(self):
        rng = self.rng
        p = self.pick_identified_customer(lambda p: len(self.by_party[p["id"]]) >= 11)
        if not p:
            return 0
        day, el = self.pick_day_for(p["id"], min_items=10)
        if day is None:
            return 0
        self.take(p["id"], "excl")
        k = rng.randint(10, min(14, len(el)))
        chosen = sorted(rng.sample(el, k), key=lambda c: c["reference"])
        full = rng.choice(["FACTURES ", "REGLEMENT FACTURES ", "FACT "]) + " ".join(c["reference"] for c in chosen)
        text = full[:140].rstrip()
        anchors = [c for c in chosen if c["reference"] in text]
        rest = [c for c in chosen if c not in anchors]
        total = sum(self.avail(c, day) for c in chosen)
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[a["id"] for a in anchors])]
        cnt = count_subsets(pool, sum(self.avail(c, day) for c in rest))
        m = self.new_mv(day, total, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = text
        m["refq"] = True
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        ok = cnt == 1
        m.update(ph="multi_invoice_list_cut" if ok else "multi_invoice_list_cut_ambiguous",
                 outcome="auto" if ok else "review",
                 note="list of %d invoices cut at 140 characters: %d quoted, %d missing%s" % (
                     k, len(anchors), len(rest), "; the missing ones are the only fitting subset" if ok else "; several subsets fit"))
        return 1

    # =======================================================================
    # Missed matches: someone else pays
    # =======================================================================
    def sc_parent_pays(self):
        rng = self.rng
        groups = [g for g in self.groups if not g["parent_in_master"]]
        rng.shuffle(groups)
        for g in groups:
            sub = self.parties[rng.choice(g["subs"])]
            if self.claim.get(sub["id"], "free") not in ("free", "shared"):
                continue
            by_name = rng.random() < 0.5 and self.is_free(sub["id"])
            if by_name:
                day, it = self._payer_unique_item(sub)
                if it is None:
                    continue
                self.take(sub["id"], "excl")
                chosen = [it]
            else:
                day, el = self.pick_day_for(sub["id"])
                if day is None:
                    continue
                self.take(sub["id"], "shared")
                chosen = rng.sample(el, min(len(el), rng.choice([1, 1, 2, 3])))
            break
        else:
            return 0
        par = g["parent"]
        total = sum(self.avail(c, day) for c in chosen)
        m = self.new_mv(day, total, "sct_in")
        m["name"] = par["bank_name"][:70]
        m["iban"] = par["iban"]
        m["e2e"] = self.e2e(day)
        sn = sub["bank_name"][:35].rstrip()
        if by_name:
            m["ustrd"] = rng.choice(["POUR LE COMPTE DE %s", "REGLEMENT %s", "PAIEMENT FILIALE %s"]) % sn
            m["shown"].add(sub["id"])
            ph, note = "parent_company_pays_name_in_text", "the group's holding (not a customer) pays; no reference; the subsidiary is named in the text"
        else:
            refs = " ".join(c["reference"] for c in chosen)
            m["ustrd"] = rng.choice(["%s", "FACT %s", "%s " + sn[:20], "REGLEMENT FILIALE %s"]) % refs
            if sn[:20] in m["ustrd"]:
                m["shown"].add(sub["id"])
            m["refq"] = True
            ph, note = "parent_company_pays", "the group's holding (not a customer) pays the subsidiary's quoted invoices"
        if rng.random() < 0.3:
            m["ult"] = sub["bank_name"][:70]
            m["shown"].add(sub["id"])
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        m.update(ph=ph, outcome="auto", note=note)
        return 1

    def sc_parent_in_master_pays(self):
        rng = self.rng
        groups = [g for g in self.groups if g["parent_in_master"]]
        rng.shuffle(groups)
        for g in groups:
            sub = self.parties[rng.choice(g["subs"])]
            if self.claim.get(sub["id"], "free") not in ("free", "shared"):
                continue
            day, el = self.pick_day_for(sub["id"])
            if day is None:
                continue
            break
        else:
            return 0
        self.take(sub["id"], "shared")
        par = g["parent"]
        chosen = rng.sample(el, min(len(el), rng.choice([1, 2])))
        total = sum(self.avail(c, day) for c in chosen)
        m = self.new_mv(day, total, "sct_in")
        self.payer(m, par, hide=False)
        m["iban"] = par["iban"]
        m["ustrd"] = rng.choice(["%s", "FACTURE %s", "REGLEMENT %s"]) % " ".join(c["reference"] for c in chosen)
        m["refq"] = True
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        m.update(ph="parent_company_in_master_pays", outcome="review",
                 note="the parent company (itself a customer with open items) pays its subsidiary %s's quoted invoices" % sub["id"])
        return 1

    def sc_factoring(self, several=False):
        rng = self.rng
        chosen = []
        k = rng.randint(2, 3) if several else 1
        for _ in range(k):
            it, p = self.pick_plain_item(lambda it, p: all(c["party"] != p["id"] for c in chosen))
            if it:
                chosen.append(it)
        if len(chosen) < k:
            return 0
        latest = max(c["issue"] for c in chosen)
        day = self.day_after(latest)
        if day is None:
            return 0
        total = sum(self.avail(c, day) for c in chosen)
        m = self.new_mv(day, total, "sct_in")
        m["name"] = rng.choice(FACTORS)
        m["iban"] = self._unique_iban()
        m["e2e"] = "NOTPROVIDED"
        if several:
            m["ustrd"] = ("REMISE %06d FACT " % rng.randrange(10 ** 6) + " ".join(c["reference"] for c in chosen))[:140]
            note = "a reverse-factoring platform pays invoices of %d different customers at once, all quoted" % k
        else:
            c = chosen[0]
            p = self.parties[c["party"]]
            cn = self.short_name(p)
            m["ustrd"] = rng.choice(["REGLT POUR %s FACT %s" % (cn, c["reference"]), "%s %s" % (c["reference"], cn),
                                     "POUR COMPTE DE %s %s" % (cn, c["reference"]), "FACTURE %s" % c["reference"]])
            if cn in m["ustrd"]:
                m["shown"].add(p["id"])
            if rng.random() < 0.6:
                m["ult"] = p["bank_name"][:70]
                m["shown"].add(p["id"])
            note = "a factoring company pays for the customer; invoice quoted"
        m["refq"] = True
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        m.update(ph="factor_pays_several_customers" if several else "factoring_pays", outcome="auto", note=note)
        return 1

    def sc_factoring_several(self):
        return self.sc_factoring(several=True)

    # =======================================================================
    # Other receipts: duplicates, unknown payers, early payments, rounding
    # =======================================================================
    def sc_duplicate(self):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        nd = len(self.days)
        day1 = rng.randrange(0, max(1, nd - 2))
        el = self.eligible_invoices(p["id"], day1)
        rng.shuffle(el)
        for it in el:
            if self.unique_amount_among(p["id"], it, day1, self.avail(it, day1)):
                break
        else:
            return 0
        self.take(p["id"], "excl")
        day2 = rng.randrange(day1 + 1, nd)
        a = self.avail(it, day1)
        text = self.plain_text(fmt_ref(it["reference"], "exact"), it, p, day1)
        m1 = self.new_mv(day1, a, "sct_in")
        self.ident_payer(m1, p)
        m1["ustrd"] = text
        m1["refq"] = True
        self.settle(m1, it, a)
        m1.update(ph="duplicate_first_payment", outcome="auto", note="first payment of the invoice (it is paid again later)")
        m2 = self.new_mv(day2, a, "sct_in")
        self.ident_payer(m2, p)
        m2["ustrd"] = text
        m2["refq"] = True
        m2["party"] = p["id"]
        m2.update(ph="duplicate_payment", outcome="review",
                  note="second payment of %s, already paid on %s; nothing else of this amount is open"
                  % (it["reference"], self.days[day1]))
        return 2

    def sc_closed_invoice(self):
        rng = self.rng
        p = self.pick_identified_customer(need_iban=True)
        if not p:
            return 0
        day = rng.randrange(len(self.days))
        ref = self.fresh_closed_ref(self.first - timedelta(days=rng.randint(20, 90)))
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day)]
        for _ in range(10):
            a = self.invoice_amount(p["type"])
            if count_subsets(pool, a) == 0:
                break
        else:
            return 0
        self.take(p["id"], "excl")
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s"]) % ref
        m["party"] = p["id"]
        m.update(ph="payment_of_closed_invoice", outcome="review",
                 note="quotes %s, which is not open (paid before); nothing of the payer's open items fits" % ref)
        return 1

    def sc_payer_nothing_open(self):
        rng = self.rng
        p = self.new_party("customer", iban_known=True)
        d0 = self.first - timedelta(days=rng.randint(5, 60))
        while not is_bday(d0):
            d0 -= timedelta(days=1)
        cn = self.new_credit_note(p, d0, q(D(rng.randrange(20, 400))), None)
        self.claim[p["id"]] = "excl"
        self.used_items.add(cn["id"])
        day = rng.randrange(len(self.days))
        a = self.invoice_amount("small")
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s" % self.fresh_closed_ref(self.days[day]),
                                 "ACOMPTE COMMANDE %s" % self.noise("po"), "COMMANDE %d" % rng.randrange(1000, 9999)])
        m["party"] = p["id"]
        m.update(ph="payer_nothing_open", outcome="review",
                 note="known customer (IBAN in the ledger) whose only open item is a credit note: nothing to apply")
        return 1

    def sc_unknown_payer(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        trap = rng.random() < 0.5
        if trap:
            a = self.items[rng.choice(self._inv_ids)]["amount"]
        else:
            a = self.invoice_amount("small")
        m = self.new_mv(day, a, "sct_in")
        m["name"] = self.outsider_name()
        m["iban"] = self._unique_iban()
        m["e2e"] = self.e2e(day)
        m["ustrd"] = rng.choice(["REGLEMENT FACTURE", "FACTURE %02d/%d" % (rng.randint(1, 12), self.first.year),
                                 "COMMANDE %d" % rng.randrange(1000, 9999), None, "PAIEMENT", "ACOMPTE DEVIS %d" % rng.randrange(100, 999)])
        m.update(ph="unknown_payer", outcome="review", ident=False,
                 note="payer not in the ledger, no reference%s" % (" (the amount equals some customer's open invoice)" if trap else ""))
        return 1

    def sc_paid_before_quoted(self):
        rng = self.rng
        p = self.pick_free_customer(lambda p: True)
        if not p:
            return 0
        day = rng.randrange(0, len(self.days))
        iss = add_bdays(self.days[day], rng.randint(1, 6))
        it = self.new_invoice(p, iss)
        self.take(p["id"], "shared")
        self.used_items.add(it["id"])
        m = self.new_mv(day, it["amount"], "sct_in")
        self.payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s", "PROFORMA %s"]) % it["reference"]
        m["refq"] = True
        self.settle(m, it, it["amount"])
        m.update(ph="paid_before_invoice_quoted", outcome="review",
                 note="quotes %s and pays its amount on %s, before the invoice date %s" % (
                     it["reference"], self.days[day], iss))
        return 1

    def sc_paid_before_no_ref(self):
        rng = self.rng
        p = self.pick_identified_customer()
        if not p:
            return 0
        day = rng.randrange(0, len(self.days))
        a = self.invoice_amount(p["type"])
        if any(self.items[i]["amount"] == a for i in self.by_party[p["id"]]):
            return 0
        self.take(p["id"], "excl")
        iss = add_bdays(self.days[day], rng.randint(1, 6))
        it = self.new_invoice(p, iss, amount=a)
        m = self.new_mv(day, a, "sct_in")
        self.ident_payer(m, p)
        m["ustrd"] = rng.choice(["ACOMPTE COMMANDE %s" % self.noise("po"), "REGLEMENT PROFORMA PF-%d-%04d" % (
            self.first.year, rng.randrange(10 ** 4)), "COMMANDE %s" % self.noise("po"), "PAIEMENT D AVANCE"])
        self.settle(m, it, a)
        m.update(ph="paid_before_invoice_no_ref", outcome="review",
                 note="pays in advance (order / pro forma); the only fitting item %s is issued on %s, after the payment"
                 % (it["reference"], iss))
        return 1

    def sc_rounding(self):
        rng = self.rng
        it, p = self.pick_plain_item()
        if not it:
            return 0
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        diff = D(rng.randint(1, 5)) / 100 * rng.choice([1, -1])
        pool = [self.avail(o, day) for o in self.open_at(p["id"], day, exclude=[it["id"]])]
        if (a + diff) in pool:
            return 0
        m = self.new_mv(day, a + diff, "sct_in")
        self.payer(m, p)
        m["ustrd"] = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s"]) % it["reference"]
        m["refq"] = True
        self.settle(m, it, a)
        m.update(ph="rounding_difference", outcome="auto",
                 note="invoice quoted; %s cent(s) of rounding difference" % abs(cents(diff)))
        return 1

    # =======================================================================
    # Outgoing and supplier side
    # =======================================================================
    def sc_customer_refund_out(self):
        rng = self.rng
        p = self.pick_free_customer(lambda p: True)
        if not p:
            return 0
        self.take(p["id"], "shared")
        day = rng.randrange(len(self.days))
        cn = self.new_credit_note(p, add_bdays(self.days[day], -rng.randint(3, 25)), q(D(rng.randrange(30, 2500))
                                  + D(rng.randrange(100)) / 100), None)
        m = self.new_mv(day, cn["amount"], "sct_out")
        m["name"] = p["bank_name"][:70]
        m["iban"] = p["iban"]
        m["shown"].add(p["id"])
        m["e2e"] = "RBT%s%05d" % (self.days[day].strftime("%y%m%d"), rng.randrange(10 ** 5))
        m["ustrd"] = rng.choice(["REMBOURSEMENT AVOIR %s", "REMBT %s", "AVOIR %s", "REMBOURSEMENT TROP PERCU %s"]) % cn["reference"]
        m["refq"] = True
        self.settle(m, cn, cn["amount"])
        m.update(ph="customer_refund_out", outcome="auto", note="refund of a customer credit note, credit note quoted")
        return 1

    def pick_supplier_item(self, kinds=("supplier_invoice",), pred=None):
        rng = self.rng
        if not hasattr(self, "_sup_ids"):
            self._sup_ids = [i for pid in self.suppliers for i in self.by_party[pid]]

        def ok(i):
            it = self.items[i]
            pid = it["party"]
            return (it["kind"] in kinds and i not in self.used_items and it["issue"] < self.last
                    and pid not in self.utility and self.claim.get(pid, "free") in ("free", "shared")
                    and (pred is None or pred(it, self.parties[pid])))
        it = None
        for _ in range(200):
            i = rng.choice(self._sup_ids)
            if ok(i):
                it = self.items[i]
                break
        if it is None:
            cands = [i for i in self._sup_ids if ok(i)]
            if not cands:
                return None, None
            it = self.items[rng.choice(cands)]
        self.take(it["party"], "shared")
        return it, self.parties[it["party"]]

    def _supplier_mv(self, s, day, amount, kind="sct_out"):
        m = self.new_mv(day, amount, kind)
        m["name"] = s["bank_name"][:70]
        m["iban"] = s["iban"]
        m["shown"].add(s["id"])
        m["e2e"] = "PAIE%s-%04d" % (self.days[day].strftime("%y%m%d"), self.rng.randrange(10 ** 4))
        return m

    def sc_supplier_transfer(self):
        rng = self.rng
        it, s = self.pick_supplier_item()
        if not it:
            return 0
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        m = self._supplier_mv(s, day, a)
        m["ustrd"] = rng.choice(["FACTURE %s", "%s", "REGLEMENT %s DU " + it["issue"].strftime("%d/%m/%y"),
                                 "PAIEMENT FACT %s CLIENT CL%05d" % ("%s", rng.randrange(10 ** 5)), "FACT %s"]) % it["reference"]
        m["refq"] = True
        self.settle(m, it, a)
        m.update(ph="supplier_transfer", outcome="auto", note="our transfer to a supplier, its invoice number quoted")
        return 1

    def sc_supplier_transfer_multi(self):
        rng = self.rng
        for _ in range(30):
            it, s = self.pick_supplier_item()
            if not it:
                return 0
            day = self.day_after(it["issue"])
            others = [self.items[i] for i in self.by_party[s["id"]] if i != it["id"] and i not in self.used_items
                      and self.items[i]["issue"] < self.days[day] and self.items[i]["kind"] == "supplier_invoice"]
            if others:
                break
        else:
            return 0
        chosen = [it] + rng.sample(others, min(len(others), rng.randint(1, 4)))
        scn = [self.items[i] for i in self.by_party[s["id"]] if self.items[i]["kind"] == "supplier_credit_note"
               and i not in self.used_items and self.items[i]["issue"] < self.days[day]]
        text = "FACT " + " ".join(c["reference"] for c in chosen)
        if scn and len(text) < 110:
            chosen.append(scn[0])
            text += " AVOIR " + scn[0]["reference"]
        while len(text) > 140:
            chosen.pop()
            text = "FACT " + " ".join(c["reference"] for c in chosen)
        total = sum(self.avail(c, day) for c in chosen)
        if total >= 0:
            return 0
        m = self._supplier_mv(s, day, total)
        m["ustrd"] = text
        m["refq"] = True
        for c in chosen:
            self.settle(m, c, self.avail(c, day))
        m.update(ph="supplier_transfer_multi", outcome="auto", note="one transfer for %d supplier items, all quoted" % len(chosen))
        return 1

    SUP_FEES = [D("15.00"), D("20.00"), D("25.00"), D("30.00")]

    def sc_supplier_fee_added(self, with_ref=True):
        rng = self.rng
        if with_ref:
            it, s = self.pick_supplier_item(pred=lambda it, s: s["country"] != "FR")
            if not it:
                return 0
            day = self.day_after(it["issue"])
        else:
            cands = [s for s in self.suppliers if self.parties[s]["country"] != "FR" and self.is_free(s)
                     and self.by_party[s] and s not in self.utility]
            if not cands:
                return 0
            s = self.parties[rng.choice(cands)]
            day = rng.randrange(len(self.days))
            el = [self.items[i] for i in self.by_party[s["id"]] if self.items[i]["kind"] == "supplier_invoice"
                  and self.items[i]["issue"] < self.days[day]]
            el = [e for e in el if sum(1 for o in self.open_at(s["id"], day) if o["amount"] == e["amount"]) == 1]
            if not el:
                return 0
            it = rng.choice(el)
            self.take(s["id"], "excl")
        a = self.avail(it, day)
        fee = rng.choice(self.SUP_FEES)
        pool = [self.avail(o, day) for o in self.open_at(s["id"], day, exclude=[it["id"]])]
        if (a - fee) in pool or count_subsets(pool, -fee) != 0:
            return 0
        m = self._supplier_mv(s, day, a - fee)
        m["foreign"] = True
        if rng.random() < 0.5:
            m["chrg"] = fee
            m["chrg_incl"] = True
        if with_ref:
            m["ustrd"] = rng.choice(["INV %s", "%s", "PAYMENT %s", "INVOICE %s"]) % it["reference"]
            m["refq"] = True
        else:
            m["ustrd"] = rng.choice(["PAYMENT", "SUPPLIER PAYMENT", None])
        self.settle(m, it, a)
        if with_ref:
            m.update(ph="supplier_fee_added", outcome="auto",
                     note="international transfer to a supplier: the bank debits the invoice plus a fixed %s fee" % fee)
        else:
            m.update(ph="supplier_fee_added_no_ref", outcome="review",
                     note="international transfer, no reference: the supplier's only item of %s plus a %s fee" % (-a, fee))
        return 1

    def sc_supplier_fee_no_ref(self):
        return self.sc_supplier_fee_added(with_ref=False)

    def sc_supplier_refund_in(self):
        rng = self.rng
        it, s = self.pick_supplier_item(kinds=("supplier_credit_note",))
        if not it:
            cands = [x for x in self.suppliers if self.is_free(x) and x not in self.utility]
            if not cands:
                return 0
            s = self.parties[rng.choice(cands)]
            self.take(s["id"], "shared")
            it = self.new_supplier_credit(s, self.first - timedelta(days=rng.randint(5, 40)),
                                          q(D(rng.randrange(20, 1500)) + D(rng.randrange(100)) / 100))
        day = self.day_after(it["issue"])
        a = self.avail(it, day)
        m = self.new_mv(day, a, "sct_in")
        m["name"] = s["bank_name"][:70]
        m["iban"] = s["iban"]
        m["shown"].add(s["id"])
        m["e2e"] = self.e2e(day)
        m["ustrd"] = rng.choice(["REMBOURSEMENT AVOIR %s", "AVOIR %s", "REMBT %s"]) % it["reference"]
        m["refq"] = True
        self.settle(m, it, a)
        m.update(ph="supplier_refund_in", outcome="auto", note="a supplier refunds its credit note, quoted")
        return 1

    def sc_supplier_dd(self):
        rng = self.rng
        s = self.parties[rng.choice(self.utility)]
        self.take(s["id"], "shared") if self.claim.get(s["id"], "free") in ("free", "shared") else None
        day = rng.randrange(len(self.days))
        d = self.days[day]
        iss = add_bdays(d, -rng.randint(5, 15))
        amt = s["util_amt"] if rng.random() < 0.5 else q(s["util_amt"] * D(rng.randrange(80, 120)) / 100)
        it = self.new_supplier_invoice(s, iss, amount=amt, due=d)
        m = self._supplier_mv(s, day, it["amount"], kind="sdd_out")
        m["mndt"] = s["mandate"]
        m["ustrd"] = rng.choice(["FACTURE %s DU %s" % (it["reference"], iss.strftime("%d/%m/%Y")), it["reference"],
                                 "PRLV FACT %s" % it["reference"], "VOTRE FACTURE N %s" % it["reference"]])
        m["refq"] = True
        self.settle(m, it, it["amount"])
        m.update(ph="supplier_direct_debit", outcome="auto",
                 note="SEPA direct debit by a utility/lessor quoting its invoice number (same monthly amount as other open invoices)")
        return 1

    def sc_sdd_not_booked(self):
        rng = self.rng
        s = self.parties[rng.choice(self.utility)]
        day = rng.randrange(len(self.days))
        pool = [self.avail(o, day) for o in self.open_at(s["id"], day)]
        a = -q(D(rng.randrange(50, 3000)) + D(rng.randrange(100)) / 100)
        if count_subsets(pool, a) != 0:
            return 0
        m = self._supplier_mv(s, day, a, kind="sdd_out")
        m["mndt"] = s["mandate"]
        s["seq"] += 17
        m["ustrd"] = "FACTURE %s DU %s" % (s["fmt"].format(yy="%02d" % (self.days[day].year % 100), yyyy=self.days[day].year,
                                                          mm="%02d" % self.days[day].month, n=s["seq"]),
                                           add_bdays(self.days[day], -5).strftime("%d/%m/%Y"))
        m["party"] = s["id"]
        m.update(ph="sdd_invoice_not_booked", outcome="review",
                 note="direct debit for a supplier invoice not booked yet: nothing open fits")
        return 1

    def sc_cheque_cashed(self):
        rng = self.rng
        if not hasattr(self, "_chq_ids"):
            self._chq_ids = [i for i, it in self.items.items() if "chq" in it["tags"]]
        cands = [i for i in self._chq_ids if i not in self.used_items and self.items[i]["issue"] < self.last]
        if not cands:
            return 0
        it = self.items[rng.choice(cands)]
        day = self.day_after(it["issue"])
        n = int(it["reference"].split("-")[1])
        m = self.new_mv(day, it["amount"], "chq_out")
        m["chqnb"] = "%07d" % n
        m["label"] = rng.choice(["CHEQUE %07d" % n, "CHQ N %d" % n, "CHEQUE N.%d" % n, "PAIEMENT CHEQUE %07d" % n,
                                 "CHEQUE %d" % n])
        m["refq"] = True
        same = sum(1 for o in self._chq_ids if self.items[o]["amount"] == it["amount"]) - 1
        self.settle(m, it, it["amount"])
        m.update(ph="cheque_number_format", outcome="auto",
                 note="cheque cashed: bank prints '%s', ledger has %s%s" % (
                     m["label"], it["reference"], " (another open cheque has the same amount)" if same else ""))
        return 1

    # =======================================================================
    # Not receivables: outcome none
    # =======================================================================
    def _none(self, day, amount, kind, label, ph, note, name=None, ustrd=None, mndt=None):
        m = self.new_mv(day, amount, kind)
        m["label"] = label
        m["name"] = name
        m["ustrd"] = ustrd
        m["mndt"] = mndt
        m.update(ph=ph, outcome="none", ident=False, note=note)
        return m

    def some_amount(self, sign):
        """An amount that equals some open item's amount (a trap), or a random one."""
        rng = self.rng
        if rng.random() < 0.4:
            kinds = ("invoice",) if sign > 0 else ("supplier_invoice",)
            pool = [i for i in self.items.values() if i["kind"] in kinds and abs(i["amount"]) >= 100]
            if pool:
                return rng.choice(pool)["amount"]
        return q(D(rng.randrange(20, 5000)) + D(rng.randrange(100)) / 100) * sign

    def sc_card_settlement(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        d = self.days[day]
        nb = rng.randint(1, 60)
        a = q(D(rng.randrange(15, 180)) * nb + D(rng.randrange(100)) / 100)
        prev = add_bdays(d, -1)
        self._none(day, a, "card_in", rng.choice([
            "REMISE CB %07d %s NB %d" % (rng.randrange(10 ** 7), prev.strftime("%d/%m"), nb),
            "REMISE CARTE %s %d TRANS" % (prev.strftime("%d%m%y"), nb),
            "ENCAISSEMENT CB DU %s" % prev.strftime("%d/%m/%y")]),
            "card_settlement", "card acquirer settlement of the previous day's shop sales: not an open item")
        return 1

    def sc_bank_fee(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        lab, amt = rng.choice([("FRAIS TENUE DE COMPTE", D("-18.00")), ("COMMISSION D INTERVENTION", D("-8.00")),
                               ("COTISATION OFFRE PRO MARS", D("-42.50")), ("FRAIS VIR SEPA EMIS", D("-0.35")),
                               ("COMMISSION CB %s" % MONTHS[self.days[day].month - 2], None),
                               ("FRAIS SUR VIREMENT INTERNATIONAL", D("-25.00")), ("FRAIS REMISE LCR", D("-12.60")),
                               ("ABONNEMENT BANQUE A DISTANCE", D("-29.90")), ("FRAIS IMPAYE", D("-20.00")),
                               ("COMMISSION DE MOUVEMENT", None)])
        if amt is None:
            amt = -q(D(rng.randrange(20, 900)) + D(rng.randrange(100)) / 100)
        self._none(day, amt, "fee", lab, "bank_fee", "bank charges: nothing open in the ledger")
        return 1

    def sc_interest(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        if rng.random() < 0.5:
            self._none(day, -q(D(rng.randrange(5, 400)) + D(rng.randrange(100)) / 100), "interest",
                       "INTERETS DEBITEURS %s" % MONTHS[self.days[day].month - 2], "interest", "overdraft interest")
        else:
            self._none(day, q(D(rng.randrange(5, 900)) + D(rng.randrange(100)) / 100), "interest_in",
                       "INTERETS COMPTE A TERME", "interest", "interest received on a term deposit")
        return 1

    def sc_loan(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        n = rng.randrange(10 ** 9, 10 ** 10)
        self._none(day, -q(D(rng.randrange(800, 12000)) + D(rng.randrange(100)) / 100), "loan",
                   "ECHEANCE PRET N %d %s" % (n, MONTHS[self.days[day].month - 1]), "loan_instalment",
                   "loan instalment ('ECHEANCE MARS' like a customer's instalment)")
        return 1

    def sc_tax_social(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        d = self.days[day]
        pm = MONTHS[d.month - 2]
        name, text = rng.choice([
            ("URSSAF ILE DE FRANCE", "COTISATIONS %s %d" % (pm, d.year)),
            ("URSSAF RHONE ALPES", "DSN %02d%d" % (d.month - 1 or 12, d.year)),
            ("DGFIP", "TVA %02d-%d" % (d.month - 1 or 12, d.year)),
            ("DIRECTION GENERALE DES FINANCES PUBLIQUES", "IMPOT SOCIETES ACOMPTE %d" % d.year),
            ("DGFIP", "CFE %d SOLDE" % (d.year - 1)),
            ("AG2R LA MONDIALE", "RETRAITE COMPLEMENTAIRE %s" % pm),
            ("MALAKOFF HUMANIS PREVOYANCE", "PREVOYANCE T1 %d" % d.year),
            ("DGFIP PRELEVEMENT A LA SOURCE", "PAS %s %d" % (pm, d.year))])
        a = self.some_amount(-1)
        self._none(day, a, "sdd_out", "PRLV SEPA %s" % name, "tax_social_debit",
                   "tax / social contribution debit (amount may equal an open supplier invoice)", name=name,
                   ustrd=text, mndt="FR%02dZZZ%06d" % (rng.randrange(100), rng.randrange(10 ** 6)))
        return 1

    def sc_payroll(self):
        rng = self.rng
        day = rng.randrange(min(4, len(self.days)))
        d = self.days[day]
        who = "%s %s" % (rng.choice(FIRSTNAMES), ascii_upper(rng.choice(SURNAMES)))
        pm = MONTHS[d.month - 2]
        if rng.random() < 0.8:
            text = "SALAIRE %s %d" % (pm, d.year if d.month > 1 else d.year - 1)
            a = -q(D(rng.randrange(1500, 4800)) + D(rng.randrange(100)) / 100)
        else:
            text = "ACOMPTE SUR SALAIRE %s" % MONTHS[d.month - 1]
            a = -q(D(rng.choice([200, 300, 400, 500, 800])))
        m = self._none(day, a, "payroll", "VIR SEPA EMIS", "payroll", "salary transfer to an employee",
                       name=rng.choice(["M ", "MME ", ""]) + who, ustrd=text)
        m["iban"] = fr_iban(rng)
        return 1

    def sc_internal(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        a = q(D(rng.choice([10000, 20000, 25000, 50000, 100000])))
        if rng.random() < 0.5:
            a = -a
        self._none(day, a, "internal", "VIR INTERNE %s COMPTE EPARGNE" % ("VERS" if a < 0 else "DEPUIS"),
                   "internal_transfer", "transfer between the company's own accounts")
        return 1

    def sc_other_income(self):
        rng = self.rng
        day = rng.randrange(len(self.days))
        name, text = rng.choice([("AXA FRANCE IARD", "REMBOURSEMENT SINISTRE %d" % rng.randrange(10 ** 6)),
                                 ("CPAM DU RHONE", "IJSS %s" % self.noise("po")[:8]),
                                 ("DGFIP", "REMBOURSEMENT CREDIT TVA"),
                                 ("REGION AUVERGNE RHONE ALPES", "SUBVENTION INVESTISSEMENT"),
                                 ("BPIFRANCE FINANCEMENT", "VERSEMENT AVANCE REMBOURSABLE")])
        m = self._none(day, self.some_amount(1), "sct_in", "VIR SEPA RECU", "other_income",
                       "receipt that is not a customer payment (insurance, social security, tax refund, grant)",
                       name=name, ustrd=text)
        m["iban"] = fr_iban(rng)
        return 1


# ---------------------------------------------------------------------------
# Scenario mix (weights per 100 movements).  Order matters: scenarios that need
# a customer to themselves run first, then those that add items, then the ones
# that only consume items, then everything else.
# ---------------------------------------------------------------------------

MIX = [
    # exclusive (the truth depends on all of the payer's open items)
    ("sc_several_one_quoted", 2.6), ("sc_several_one_quoted_ambiguous", 0.5), ("sc_overpayment", 0.8),
    ("sc_quoted_ref_other_customer", 0.8), ("sc_quoted_ref_typo_other", 0.4), ("sc_quoted_own_ref_other_item", 0.7),
    ("sc_credit_note_deducted", 1.8), ("sc_intermediary_fee_no_ref", 0.3), ("sc_paid_full_after_partial", 0.3),
    ("sc_damaged_ref", 5.0), ("sc_period_named", 1.5), ("sc_instalment", 0.5), ("sc_instalment_by_date", 0.4),
    ("sc_invoice_date_named", 0.4), ("sc_identical_no_hint", 0.8), ("sc_future_rival", 0.4),
    ("sc_weekly_supplier", 0.6), ("sc_name_truncated", 1.2), ("sc_name_nospace", 0.5), ("sc_name_typo_ledger", 0.5),
    ("sc_name_abbrev", 0.4), ("sc_name_in_description", 1.5), ("sc_multi_unquoted", 1.2), ("sc_multi_list_cut", 0.5),
    ("sc_parent_pays", 0.7), ("sc_parent_in_master_pays", 0.3), ("sc_duplicate", 0.7), ("sc_closed_invoice", 0.3),
    ("sc_payer_nothing_open", 0.3), ("sc_paid_before_no_ref", 0.35), ("sc_iban_no_ref", 5.0),
    ("sc_name_no_ref", 2.0), ("sc_balance_payment", 0.8), ("sc_supplier_fee_no_ref", 0.15),
    # add items to a free customer, then share it
    ("sc_discount_in_period", 1.4), ("sc_discount_late", 0.8), ("sc_discount_not_granted", 0.4),
    ("sc_discount_wrong_rate", 0.3), ("sc_paid_before_quoted", 0.3), ("sc_customer_refund_out", 0.3),
    ("sc_lcr_single", 1.2),
    # consume items of free or shared customers
    ("sc_plain_exact_ref", 16.0), ("sc_ref_separators", 5.0), ("sc_rf", 2.5), ("sc_multi_all_quoted", 2.5),
    ("sc_multi_short", 0.5), ("sc_intermediary_fee", 1.2), ("sc_partial_unexplained", 0.8),
    ("sc_partial_wording", 1.2), ("sc_solde_after_partial", 0.8), ("sc_factoring", 0.35),
    ("sc_factoring_several", 0.25), ("sc_cheque_remittance_unrecorded", 0.4), ("sc_rounding", 0.3),
    # the rest
    ("sc_cheque_remittance_recorded", 1.5), ("sc_lcr_remise", 0.4), ("sc_unknown_payer", 0.6),
    ("sc_supplier_transfer", 4.5), ("sc_supplier_transfer_multi", 0.8), ("sc_supplier_fee_added", 0.5),
    ("sc_supplier_refund_in", 0.3), ("sc_supplier_dd", 1.2), ("sc_sdd_not_booked", 0.3), ("sc_cheque_cashed", 1.4),
    ("sc_card_settlement", 3.0), ("sc_bank_fee", 1.8), ("sc_interest", 0.2), ("sc_loan", 0.3),
    ("sc_tax_social", 1.2), ("sc_payroll", 2.5), ("sc_internal", 0.3), ("sc_other_income", 0.5),
]
PER_CALL = {"sc_duplicate": 2}


def allocate(total, weights):
    s = sum(w for _, w in weights)
    raw = [(name, total * w / s) for name, w in weights]
    base = {name: int(x) for name, x in raw}
    rest = total - sum(base.values())
    for name, x in sorted(raw, key=lambda t: -(t[1] - int(t[1])))[:rest]:
        base[name] += 1
    return base


def build(seed, n_mov, n_items, n_days, start):
    g = Gen(seed, n_mov, n_items, n_days, start)
    g.build_background()
    g._inv_ids = [i for i, it in g.items.items() if it["kind"] == "invoice"]
    counts = allocate(n_mov, MIX)
    deficit = 0
    for name, _ in MIX:
        fn = getattr(g, name)
        per = PER_CALL.get(name, 1)
        want = counts[name]
        made = 0
        fails = 0
        while made + per <= want and fails < 8:
            before = len(g.movements)
            got = fn()
            assert len(g.movements) - before == got, (name, got, len(g.movements) - before)
            if got:
                made += got
                fails = 0
            else:
                fails += 1
        deficit += want - made
    while deficit > 0:
        deficit -= g.sc_plain_exact_ref() or 0
    return g


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

BTC = {"sct_in": ("PMNT", "RCDT", "ESCT"), "sct_out": ("PMNT", "ICDT", "ESCT"),
       "sdd_out": ("PMNT", "RDDT", "ESDD"), "chq_in": ("PMNT", "RCHQ", "CCHQ"),
       "chq_out": ("PMNT", "ICHQ", "CCHQ"), "lcr_in": ("PMNT", "DRFT", "STAM"),
       "card_in": ("PMNT", "MCRD", "POSC"), "fee": ("ACMT", "MDOP", "CHRG"),
       "interest": ("ACMT", "MDOP", "INTR"), "interest_in": ("ACMT", "MCOP", "INTR"),
       "loan": ("LDAS", "FTLN", "PPAY"), "payroll": ("PMNT", "ICDT", "SALA"),
       "internal": ("PMNT", "ICDT", "BOOK")}


def finalize(g):
    rng = g.rng
    by_day = defaultdict(list)
    for m in g.movements:
        by_day[m["day"]].append(m)
    ordered = []
    seq = rng.randrange(10000, 90000)
    for day in range(len(g.days)):
        ms = by_day[day]
        rng.shuffle(ms)
        for m in ms:
            seq += rng.randint(1, 7)
            m["bref"] = "RB%s%07d" % (g.days[day].strftime("%y%m%d"), seq)
            if m["kind"] == "internal" and m["amount"] > 0:
                m["kind_btc"] = ("PMNT", "RCDT", "BOOK")
            ordered.append(m)
        # CSV: a share of lines keep the payer only inside the description
        for m in ms:
            m["csv_hide"] = m["hide"] or (m["kind"] in ("sct_in", "sct_out", "sdd_out", "lcr_in", "payroll")
                                          and m["name"] and rng.random() < 0.45)
    g.movements = ordered
    for m in ordered:
        if m["ident"] is None:
            parties = {g.items[i]["party"] for i in m["expected"] if g.items[i]["party"]}
            if m["party"]:
                parties.add(m["party"])
            ok = bool(m["refq"])
            for pid in parties:
                p = g.parties[pid]
                if pid in m["shown"] or (m["iban"] and m["iban"] == p["iban"] and p["iban_known"]):
                    ok = True
            m["ident"] = ok


def write_items(g, path):
    cols = ["id", "kind", "account", "party_id", "party_name", "party_iban", "reference", "issue_date",
            "due_date", "amount", "currency", "description", "open_amount", "discount_until", "discount_rate"]
    rows = sorted(g.items.values(), key=lambda it: (it["account"], it["party"] or "", it["issue"], it["id"]))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for it in rows:
            p = g.parties.get(it["party"]) if it["party"] else None
            w.writerow([it["id"], it["kind"], it["account"], p["id"] if p else "", p["ledger_name"] if p else "",
                        p["iban"] if p and p["iban_known"] else "", it["reference"], it["issue"].isoformat(),
                        it["due"].isoformat() if it["due"] else "", fmt_amt(it["amount"]), "EUR", it["description"],
                        fmt_amt(it["open_amount"]) if it["open_amount"] is not None else "",
                        it["disc_until"].isoformat() if it["disc_until"] else "",
                        str(it["disc_rate"]) if it["disc_rate"] is not None else ""])


def x(s):
    return escape(str(s))


def bank_label(m, full):
    """The bank's booking text (AddtlNtryInf / CSV description)."""
    k = m["kind"]
    if m["label"] and k not in ("sct_in", "sct_out", "sdd_out", "payroll"):
        return m["label"]
    name = m["name"] or ""
    motif = m["ustrd"] or (m["rf"] or "")
    if k == "sct_in":
        head = "VIR INTERNATIONAL RECU" if m["foreign"] else "VIR SEPA RECU"
        if not full:
            return head
        s = head + (" /DE %s" % name if name else "") + (" /POUR %s" % m["ult"] if m["ult"] else "")
        s += " /MOTIF %s" % motif if motif else ""
        s += " /REF %s" % m["e2e"] if m["e2e"] else ""
        return s
    if k in ("sct_out", "payroll"):
        head = "VIR INTERNATIONAL EMIS" if m["foreign"] else "VIR SEPA EMIS"
        if not full:
            return head
        return head + (" /A %s" % name if name else "") + (" /MOTIF %s" % motif if motif else "") + (
            " /REF %s" % m["e2e"] if m["e2e"] else "")
    if k == "sdd_out":
        if not full:
            return "PRLV SEPA %s" % name[:30]
        return "PRLV SEPA %s" % name + (" /MOTIF %s" % motif if motif else "") + (" /RUM %s" % m["mndt"] if m["mndt"] else "")
    if k == "lcr_in":
        return m["label"] or "LCR ENCAISSEE"
    return m["label"] or ""


def ntry_xml(g, m):
    amt = abs(m["amount"])
    cd = "CRDT" if m["amount"] > 0 else "DBIT"
    d = g.days[m["day"]]
    vd = add_bdays(d, m["vdelta"]) if m["vdelta"] else d
    btc = m.get("kind_btc") or BTC[m["kind"]]
    if m["foreign"] and m["kind"] in ("sct_in", "sct_out"):
        btc = (btc[0], btc[1], "XBCT")
    o = ['<Ntry>', '<Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd>' % (fmt_amt(amt), cd),
         '<Sts><Cd>BOOK</Cd></Sts>',
         '<BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt>' % (d.isoformat(), vd.isoformat()),
         '<AcctSvcrRef>%s</AcctSvcrRef>' % m["bref"],
         '<BkTxCd><Domn><Cd>%s</Cd><Fmly><Cd>%s</Cd><SubFmlyCd>%s</SubFmlyCd></Fmly></Domn></BkTxCd>' % btc]
    details = (not m["hide"]) and m["kind"] in ("sct_in", "sct_out", "sdd_out", "lcr_in", "chq_out", "payroll") and (
        m["name"] or m["ustrd"] or m["rf"] or m["chqnb"])
    if details:
        t = ['<NtryDtls><TxDtls>']
        refs = ""
        if m["e2e"]:
            refs += "<EndToEndId>%s</EndToEndId>" % x(m["e2e"])
        if m["mndt"]:
            refs += "<MndtId>%s</MndtId>" % x(m["mndt"])
        if m["chqnb"]:
            refs += "<ChqNb>%s</ChqNb>" % x(m["chqnb"])
        if refs:
            t.append("<Refs>%s</Refs>" % refs)
        t.append('<Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd>' % (fmt_amt(amt), cd))
        instd = m["instd"]
        if m["chrg"] and instd is None:
            instd = amt - m["chrg"] if cd == "DBIT" else amt + m["chrg"]
        if instd is not None:
            t.append('<AmtDtls><InstdAmt><Amt Ccy="EUR">%s</Amt></InstdAmt></AmtDtls>' % fmt_amt(instd))
        if m["chrg"]:
            t.append('<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">{0}</TtlChrgsAndTaxAmt><Rcrd><Amt Ccy="EUR">{0}</Amt>'
                     '<CdtDbtInd>DBIT</CdtDbtInd><ChrgInclInd>true</ChrgInclInd><Br>{1}</Br></Rcrd></Chrgs>'.format(
                         fmt_amt(m["chrg"]), "SHAR" if cd == "CRDT" else "DEBT"))
        if m["name"] or m["iban"] or m["ult"]:
            t.append("<RltdPties>")
            role, acct, ult = ("Dbtr", "DbtrAcct", "UltmtDbtr") if cd == "CRDT" else ("Cdtr", "CdtrAcct", "UltmtCdtr")
            if cd == "CRDT":
                if m["name"]:
                    t.append("<Dbtr><Pty><Nm>%s</Nm></Pty></Dbtr>" % x(m["name"]))
                if m["iban"]:
                    t.append("<DbtrAcct><Id><IBAN>%s</IBAN></Id></DbtrAcct>" % m["iban"])
                if m["ult"]:
                    t.append("<UltmtDbtr><Pty><Nm>%s</Nm></Pty></UltmtDbtr>" % x(m["ult"]))
            else:
                if m["name"]:
                    t.append("<Cdtr><Pty><Nm>%s</Nm></Pty></Cdtr>" % x(m["name"]))
                if m["iban"]:
                    t.append("<CdtrAcct><Id><IBAN>%s</IBAN></Id></CdtrAcct>" % m["iban"])
            t.append("</RltdPties>")
        if m["ustrd"] or m["rf"]:
            t.append("<RmtInf>")
            if m["ustrd"]:
                t.append("<Ustrd>%s</Ustrd>" % x(m["ustrd"][:140]))
            if m["rf"]:
                t.append("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>"
                         "<Ref>%s</Ref></CdtrRefInf></Strd>" % m["rf"])
            t.append("</RmtInf>")
        t.append("</TxDtls></NtryDtls>")
        o.extend(t)
        label = bank_label(m, False)
    else:
        label = bank_label(m, True)
    if label:
        o.append("<AddtlNtryInf>%s</AddtlNtryInf>" % x(label[:500]))
    o.append("</Ntry>")
    return "".join(o)


def balance_xml(code, amount, d):
    cd = "CRDT" if amount >= 0 else "DBIT"
    return ('<Bal><Tp><CdOrPrtry><Cd>%s</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd>'
            '<Dt><Dt>%s</Dt></Dt></Bal>' % (code, fmt_amt(abs(amount)), cd, d.isoformat()))


def write_statements(g, out, fmt):
    os.makedirs(os.path.join(out, "statements"), exist_ok=True)
    bal = q(D(g.rng.randrange(250000, 600000)) + D(g.rng.randrange(100)) / 100)
    by_day = defaultdict(list)
    for m in g.movements:
        by_day[m["day"]].append(m)
    for day, d in enumerate(g.days):
        ms = by_day[day]
        opening = bal
        closing = opening + sum((m["amount"] for m in ms), ZERO)
        name = os.path.join(out, "statements", "%02d.%s" % (day + 1, "xml" if fmt == "camt" else "csv"))
        if fmt == "camt":
            cre = "%sT06:%02d:00+01:00" % (add_bdays(d, 1).isoformat(), g.rng.randrange(60))
            prev = add_bdays(d, -1)
            parts = ['<?xml version="1.0" encoding="UTF-8"?>\n',
                     '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">\n<BkToCstmrStmt>\n',
                     '<GrpHdr><MsgId>C53-%s-%d</MsgId><CreDtTm>%s</CreDtTm></GrpHdr>\n' % (d.strftime("%Y%m%d"), g.seed, cre),
                     '<Stmt>\n<Id>STMT-%s-%s</Id>\n<ElctrncSeqNb>%d</ElctrncSeqNb>\n<LglSeqNb>%d</LglSeqNb>\n'
                     '<CreDtTm>%s</CreDtTm>\n' % (g.company_iban[-11:], d.strftime("%Y%m%d"), 40 + day, 40 + day, cre),
                     '<Acct><Id><IBAN>%s</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>ATELIERS REUNIS DU CENTRE SAS</Nm></Ownr></Acct>\n'
                     % g.company_iban,
                     balance_xml("PRCD", opening, prev) + "\n", balance_xml("CLBD", closing, d) + "\n"]
            for m in ms:
                parts.append(ntry_xml(g, m) + "\n")
            parts.append("</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
            with open(name, "w", encoding="utf-8") as f:
                f.write("".join(parts))
        else:
            with open(name, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["booking_date", "value_date", "amount", "currency", "description", "counterparty_name",
                            "counterparty_iban", "reference", "bank_reference", "account_iban"])
                for m in ms:
                    vd = add_bdays(d, m["vdelta"]) if m["vdelta"] else d
                    hide = m["csv_hide"]
                    if m["kind"] in ("sct_in", "sct_out", "sdd_out", "payroll"):
                        desc = bank_label(m, True)
                        if not hide and m["name"]:
                            # the name has its own column; the text keeps the rest
                            desc = desc.replace(" /DE %s" % m["name"], "").replace(" /A %s" % m["name"], "")
                    else:
                        desc = bank_label(m, True)
                        if m["ustrd"]:
                            desc += " " + m["ustrd"]
                        if m["name"] and hide:
                            desc += " /DE " + m["name"]
                    w.writerow([d.isoformat(), vd.isoformat(), fmt_amt(m["amount"]), "EUR", desc,
                                "" if hide else (m["name"] or ""), m["iban"] or "",
                                m["rf"] or (m["chqnb"] or ""), m["bref"], g.company_iban])
        bal = closing
    return bal


def write_truth(g, path):
    with open(path, "w", encoding="utf-8") as f:
        for m in g.movements:
            f.write(json.dumps({"bank_reference": m["bref"], "phenomenon": m["ph"], "outcome": m["outcome"],
                                "identifiable": bool(m["ident"]),
                                "expected": {k: fmt_amt(v) for k, v in m["expected"].items()},
                                "note": m["note"]}, ensure_ascii=False) + "\n")


def validate(g):
    """Internal consistency checks; raise on any violation."""
    refs = [m["bref"] for m in g.movements]
    assert len(refs) == len(set(refs)), "duplicate bank references"
    used = defaultdict(lambda: ZERO)
    for m in g.movements:
        assert m["ph"] and m["outcome"] in ("auto", "review", "none"), m
        if m["outcome"] == "none":
            assert not m["expected"]
        for iid, a in m["expected"].items():
            it = g.items[iid]
            assert (a > 0) == (it["amount"] > 0), (iid, a)
            used[iid] += a
            if m["outcome"] == "auto":
                assert it["issue"] <= g.days[m["day"]], (m["ph"], iid)
        if m["outcome"] == "auto":
            assert m["expected"], m["ph"]
            assert len(m["ustrd"] or "") <= 140
    for iid, a in used.items():
        assert abs(a) <= abs(g.items[iid]["open"]), (iid, a, g.items[iid]["open"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--movements", type=int, default=2000, help="number of bank movements (default 2000)")
    ap.add_argument("--items", type=int, default=15000, help="approximate number of open items (default 15000)")
    ap.add_argument("--days", type=int, default=10, help="business days of statements (default 10)")
    ap.add_argument("--start", default="2026-03-02", help="first statement day (default 2026-03-02)")
    ap.add_argument("--format", choices=["camt", "csv"], default="camt",
                    help="camt.053.001.08 XML (default) or the canonical CSV")
    a = ap.parse_args(argv)
    g = build(a.seed, a.movements, a.items, a.days, date.fromisoformat(a.start))
    finalize(g)
    validate(g)
    os.makedirs(a.out, exist_ok=True)
    write_items(g, os.path.join(a.out, "items.csv"))
    write_statements(g, a.out, a.format)
    write_truth(g, os.path.join(a.out, "truth.jsonl"))
    c = Counter((m["ph"], m["outcome"]) for m in g.movements)
    print("movements %d, open items %d, days %d (%s .. %s), format %s" % (
        len(g.movements), len(g.items), len(g.days), g.first, g.last, a.format))
    for (ph, oc), n in sorted(c.items(), key=lambda t: (-t[1], t[0])):
        print("  %-42s %-7s %5d" % (ph, oc, n))
    oc = Counter(m["outcome"] for m in g.movements)
    print("outcomes: " + ", ".join("%s %d" % kv for kv in sorted(oc.items())))
    print("identifiable: %d" % sum(1 for m in g.movements if m["ident"]))


if __name__ == "__main__":
    main()
