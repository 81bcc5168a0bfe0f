"""Shared machinery for the movement builders: state, names, references, subset counting."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import langdata as L
from world import q, CENT, ZERO

# ------------------------------------------------------------------------------------------
# the movement and its truth
# ------------------------------------------------------------------------------------------


@dataclass
class Mv:
    day: date
    amount: Decimal
    tx: dict
    expected: dict
    outcome: str
    identifiable: bool
    phenomenon: str
    note: str
    value_date: date = None
    bank_ref: str = ""


# ------------------------------------------------------------------------------------------
# names
# ------------------------------------------------------------------------------------------
LEGAL_TOKENS = {
    "GMBH", "CO", "KG", "AG", "EK", "UG", "HAFTUNGSBESCHRAENKT", "HB", "OHG", "GBR", "EG", "GESELLSCHAFT", "MBH",
    "U", "SL", "SLU", "SA", "SAU", "SCOOP", "COOP", "SDAD", "CB", "SOCIEDAD", "LIMITADA", "ANONIMA", "UNIPERSONAL",
    "SRL", "SRLS", "SPA", "SNC", "SAS", "SOC", "SOCIETA", "A", "RESPONSABILITA", "LIMITATA", "COOPERATIVA", "BV",
    "NV", "VOF", "CV", "UA", "LTD", "AS", "C", "E", "Y", "STI", "TIC", "VE", "SAN",
}


def tokens(lang, s):
    s = s.replace(".", "").replace("'", "").replace("´", "")
    if lang == "de":
        s = s.translate(L.DE_MAP)
    s = L.strip_acc(s).upper()
    return [t for t in re.split(r"[^A-Z0-9]+", s) if t]


def key_full(lang, s):
    return "".join(tokens(lang, s))


def key_core(lang, s):
    toks = [t for t in tokens(lang, s) if t not in LEGAL_TOKENS]
    return "".join(toks) or key_full(lang, s)


def osa(a, b, cap=4):
    """Optimal string alignment distance (Damerau with adjacent swaps), capped."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev2 = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        lo = cap + 1
        for j in range(1, len(b) + 1):
            c = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + c)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            lo = min(lo, v)
        if lo > cap:
            return cap + 1
        prev2, prev = prev, cur
    return prev[-1]


def dig_edit(a, b):
    """Distance between two digit strings: 1 for one substitution or one adjacent swap."""
    return osa(a, b, cap=3)


def abbreviate(lang, base):
    """Shorten trade words and first names the way payers and banks do ('F.lli', 'Maschb.', 'J. Müller')."""
    b = base
    for long, short in sorted(L.ABBREV.get(lang, {}).items(), key=lambda kv: -len(kv[0])):
        if long in b:
            b = b.replace(long, short, 1)
    if b == base:
        words = b.split(" ")
        fn = set(L.FIRSTNAMES[lang])
        for i, wd in enumerate(words):
            if wd in fn and i < len(words) - 1:
                words[i] = wd[0] + "."
                break
        b = " ".join(words)
    return b


# ------------------------------------------------------------------------------------------
# subset counting (is this set of items the only one that makes the amount?)
# ------------------------------------------------------------------------------------------

def count_subsets(vals, target, cap=2, node_limit=300000):
    """vals: list of Decimal (any sign); number of subsets (capped) summing to target."""
    c = [int(v * 100) for v in vals]
    t = int(target * 100)
    c.sort(key=lambda x: -abs(x))
    n = len(c)
    pos = [0] * (n + 1)
    neg = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        pos[i] = pos[i + 1] + max(c[i], 0)
        neg[i] = neg[i + 1] + min(c[i], 0)
    found = 0
    nodes = 0

    def dfs(i, s, took):
        nonlocal found, nodes
        nodes += 1
        if found >= cap or nodes > node_limit:
            return
        if s == t and took:
            found += 1
            if found >= cap:
                return
        if i == n:
            return
        if s + pos[i] < t or s + neg[i] > t:
            return
        dfs(i + 1, s + c[i], True)
        dfs(i + 1, s, took)

    dfs(0, 0, False)
    if nodes > node_limit:
        return cap
    return found


# ------------------------------------------------------------------------------------------
# references as a payer writes them
# ------------------------------------------------------------------------------------------
SERIES = {"de": ("RE", "GS"), "es": ("FRA", "ABO"), "it": ("FT", "NC"), "nl": ("FACT", "CRN")}
WIDTH = {"de": 5, "es": 4, "it": 0, "nl": 5}


def swap_digits(rng, digits):
    lead = len(digits) - len(digits.lstrip("0"))
    idx = [i for i in range(lead, len(digits) - 1) if digits[i] != digits[i + 1]]
    if not idx:
        return None
    i = rng.choice(idx)
    return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]


def sub_digit(rng, digits):
    lead = len(digits) - len(digits.lstrip("0"))
    i = rng.randrange(min(lead, len(digits) - 1), len(digits))
    d = rng.choice([x for x in "0123456789" if x != digits[i]])
    if i == 0 and d == "0" and len(digits) > 1:
        d = "1" if digits[0] != "1" else "2"
    return digits[:i] + d + digits[i + 1:]


def ref_form(lang, rng, it, form, num_override=None):
    """Render a customer document number (invoice or credit note) in one of the damaged forms.

    Returns (text, literal_num) where literal_num is the number the text states (for swaps/typos).
    """
    pre = SERIES[lang][0 if it.kind == "invoice" else 1]
    y, n = it.year, it.num
    yy = y % 100
    w = WIDTH[lang]
    num = num_override if num_override is not None else n
    padded = f"{num:0{w}d}" if w else str(num)
    if form in ("swapped", "typo"):
        digs = f"{n:0{w}d}" if w else str(n)
        for _ in range(10):
            d2 = swap_digits(rng, digs) if form == "swapped" else sub_digit(rng, digs)
            if d2 and d2 != digs:
                break
        else:
            return None, None
        literal = int(d2)
        if lang == "de":
            txt = rng.choice([f"{pre}-{y}-{d2}", f"{pre} {y} {d2}", f"{y}-{d2}", f"{pre}-{y}-{int(d2)}"])
        elif lang == "es":
            txt = rng.choice([f"{pre}-{yy}/{d2}", f"{pre} {yy}/{d2}", f"{yy}/{d2}", f"{pre}-{yy}/{int(d2)}"])
        elif lang == "it":
            txt = rng.choice([f"{pre} {y}/{d2}", f"{d2}/{y}", f"{pre} {d2}/{yy}", f"{pre}{y}/{d2}"])
        else:
            txt = rng.choice([f"{pre}-{yy:02d}-{d2}", f"{pre}{yy:02d}{d2}", f"{yy:02d}-{d2}", f"{pre}-{yy:02d}-{int(d2)}"])
        return txt, literal
    if lang == "de":
        opts = {
            "exact": [f"{pre}-{y}-{padded}"],
            "reformatted": [f"{pre}{y}{padded}", f"{pre} {y} {padded}", f"{pre} {y} {num}", f"{pre}-{y}/{padded}",
                            f"{pre}.{y}.{padded}", f"{pre} {y}-{padded}", f"{pre}-{yy}-{padded}"],
            "prefix_dropped": [f"{y}-{padded}", f"{y}/{padded}", f"{y}{padded}", f"{y} {padded}"],
            "zeros_dropped": [f"{pre}-{y}-{num}", f"{pre}{y}-{num}", f"{pre} {y}-{num}"],
            "number_only": [f"{num}", f"{num}", f"{padded}"],
        }
    elif lang == "es":
        opts = {
            "exact": [f"{pre}-{yy:02d}/{padded}"],
            "reformatted": [f"{pre} {yy:02d}/{padded}", f"{pre}{yy:02d}{padded}", f"{pre}-{y}/{padded}",
                            f"{pre}-{yy:02d}-{padded}", f"{pre}.{yy:02d}/{padded}", f"{pre} {padded}/{yy:02d}"],
            "prefix_dropped": [f"{yy:02d}/{padded}", f"{padded}/{yy:02d}", f"{y}/{padded}", f"{yy:02d}-{padded}"],
            "zeros_dropped": [f"{pre}-{yy:02d}/{num}", f"{pre} {yy:02d}/{num}", f"{pre}{yy:02d}/{num}"],
            "number_only": [f"{num}", f"{padded}", f"{num}"],
        }
    elif lang == "it":
        opts = {
            "exact": [f"{pre} {y}/{num}"],
            "reformatted": [f"{pre}{y}/{num}", f"{pre} {num}/{y}", f"{pre}.{y}/{num}", f"{pre} {y}-{num}",
                            f"{pre} {y}/{num:04d}", f"{pre} {num}/{yy:02d}"],
            "prefix_dropped": [f"{num}/{y}", f"{y}/{num}", f"{num}/{yy:02d}", f"{num}-{y}"],
            "zeros_dropped": [f"{pre} {y}/{num}"],
            "number_only": [f"{num}", f"{num}"],
        }
    else:
        opts = {
            "exact": [f"{pre}-{yy:02d}-{padded}"],
            "reformatted": [f"{pre}{yy:02d}{padded}", f"{pre} {yy:02d} {padded}", f"{pre}{yy:02d}-{padded}",
                            f"{pre.lower()} {yy:02d}-{padded}", f"{pre}-{y}-{padded}", f"{pre}.{yy:02d}.{padded}"],
            "prefix_dropped": [f"{yy:02d}-{padded}", f"{yy:02d}{padded}", f"{yy:02d}.{padded}", f"{y}-{padded}"],
            "zeros_dropped": [f"{pre}-{yy:02d}-{num}", f"{pre}{yy:02d}-{num}", f"{pre.lower()} {yy:02d}-{num}"],
            "number_only": [f"{num}", f"{padded}", f"{num}"],
        }
    return rng.choice(opts[form]), num


def join_refs(lang, rng, txts):
    j = rng.choice(L.TPL[lang]["joins"])
    return j.join(txts)


# ------------------------------------------------------------------------------------------
# templates
# ------------------------------------------------------------------------------------------
class _Defaults(dict):
    def __missing__(self, k):
        return ""


def fill(tpl, **kw):
    s = tpl.format_map(_Defaults(kw))
    return re.sub(r"\s+", " ", s).strip()


# ------------------------------------------------------------------------------------------
# the state shared by all builders
# ------------------------------------------------------------------------------------------
class Ctx:
    def __init__(self, world, rng):
        self.w = world
        self.rng = rng
        self.lang = world.lang
        self.items = world.items
        self.by_id = {it.id: it for it in world.items}
        self.open = {it.id: it.open0 for it in world.items}
        self.sod = dict(self.open)        # open amounts at the start of the current day
        self.used = set()
        self.paid_log = []                 # (day, item, movement) of full settlements
        self.mvs = []
        self.day = None
        # the party master as the engine knows it: parties that appear in the items file
        seen = {}
        for it in world.items:
            if it.party and it.party.pid and it.party.name:
                seen[it.party.pid] = it.party
        self.master = list(seen.values())
        self._mkeys = []
        for p in self.master:
            self._mkeys.append((p, key_core(self.lang, p.name), key_full(self.lang, p.name)))
        self.inv_by_num = {}
        for it in world.items:
            if it.kind in ("invoice", "credit_note"):
                self.inv_by_num.setdefault(it.num, []).append(it)
        self.customer_invoices = [it for it in world.items if it.kind == "invoice"]
        self.cust_items = {}
        for it in world.items:
            if it.kind in ("invoice", "credit_note") or (it.kind == "entry" and it.party.role == "customer"):
                self.cust_items.setdefault(it.party.pid, []).append(it)

    # ---------------------------------------------------------------- day handling
    def start_day(self, day):
        self.day = day
        self.sod = dict(self.open)

    def settle(self, it, amount, mv_day=None):
        self.open[it.id] -= amount
        self.used.add(it.id)
        if self.open[it.id] == 0:
            self.paid_log.append((mv_day or self.day, it))

    # ---------------------------------------------------------------- queries
    def avail(self, it, day=None, issued_before=True):
        day = day or self.day
        if it.id in self.used or self.open[it.id] == 0:
            return False
        if issued_before and it.issue >= day:
            return False
        return True

    def party_open(self, p, day=None, kinds=("invoice", "credit_note", "entry")):
        """The party's items open at the start of the day and issued before it (what a person sees)."""
        day = day or self.day
        return [it for it in self.cust_items.get(p.pid, []) if it.kind in kinds and self.sod[it.id] != 0
                and it.issue <= day]

    def same_amount_rivals(self, p, it, amount=None):
        amount = self.sod[it.id] if amount is None else amount
        return [o for o in self.party_open(p) if o is not it and self.sod[o.id] == amount]

    def pick(self, pool, cond, tries=400, near_due=True):
        r = self.rng
        if not pool:
            return None
        for _ in range(tries):
            it = r.choice(pool)
            if not self.avail(it):
                continue
            if near_due and it.due and r.random() < 0.6:
                lag = (self.day - it.due).days
                if lag < -25 or lag > 40:
                    continue
            if cond(it):
                return it
        return None

    # ---------------------------------------------------------------- names on the bank side
    def show(self, p, s):
        """What the payer's bank makes of a name it sends."""
        if p.translit:
            s = L.strip_acc(s) if self.lang in ("es", "nl") else L.translit(self.lang, s)
        if p.upper:
            s = s.upper()
        return s

    def legal_variant(self, p):
        r = self.rng
        for f, variants in L.LEGAL.get(self.lang, []):
            if f == p.form and variants and r.random() < 0.6:
                v = r.choice(variants)
                return f"{p.base} {v}".strip() if not v.startswith(",") else f"{p.base}{v}"
        return p.true_name

    def name_variant(self, p, mode):
        """Return the displayed name for the given damage mode, or None if the mode does not apply."""
        r = self.rng
        lang = self.lang
        if mode == "full":
            return self.show(p, self.legal_variant(p))
        if mode == "cut":
            full = self.show(p, self.legal_variant(p))
            limit = self.w.W["name_limit"]
            if len(full) > limit and len(key_full(lang, full[:limit])) >= 12 and r.random() < 0.7:
                cut = full[:limit]
            else:
                kb = len(p.base)
                if kb < 14:
                    return None
                n = r.randint(12, max(12, kb - 3))
                cut = full[:n]
            if len(key_full(lang, cut)) >= len(key_full(lang, p.base)):
                return None
            return cut.rstrip()
        if mode == "nospace":
            if " " not in p.base.strip():
                return None
            b = p.base.replace(" ", "").replace("-", "")
            return self.show(p, f"{b} {p.form}".strip() if r.random() < 0.5 else f"{b}{p.form.replace(' ', '')}")
        if mode == "typo":
            from world import typo
            t = typo(r, p.base)
            if t == p.base:
                return None
            return self.show(p, f"{t} {p.form}".strip())
        if mode == "abbrev":
            b = abbreviate(lang, p.base)
            if b == p.base:
                return None
            return self.show(p, f"{b} {p.form}".strip())
        raise ValueError(mode)

    def name_designates(self, shown, p, mode):
        """True when the shown name points at p and at no other party of the master about as well."""
        lang = self.lang
        kc = key_core(lang, shown)
        kf = key_full(lang, shown)
        if len(kc) < 6:
            return False
        if mode == "cut":
            own_f = key_full(lang, self.show(p, p.true_name))
            if len(kf) < 12:
                return False
            for o, okc, okf in self._mkeys:
                if o is p:
                    continue
                if okf.startswith(kf) or okc.startswith(kc) or osa(kf, okf[:len(kf)], 2) <= 1:
                    return False
            return True
        if mode == "abbrev":
            if not hasattr(self, "_abbr"):
                self._abbr = [(o, key_core(lang, abbreviate(lang, o.name))) for o, _, _ in self._mkeys]
            return not any(o is not p and osa(kc, ak, 2) <= 1 for o, ak in self._abbr)
        own = key_core(lang, p.name)
        d_own = osa(kc, own, 4)
        if d_own > 2:
            return False
        for o, okc, okf in self._mkeys:
            if o is p or abs(len(okc) - len(kc)) > 3 or okc[:1] != kc[:1]:
                continue
            if osa(kc, okc, 3) <= d_own + 1:
                return False
        return True

    def is_master_name(self, shown):
        kc = key_core(self.lang, shown)
        for o, okc, okf in self._mkeys:
            if abs(len(okc) - len(kc)) <= 3 and osa(kc, okc, 3) <= 2:
                return True
        return False
