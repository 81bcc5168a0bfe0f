#!/usr/bin/env python3
"""US-style bank reconciliation against a general ledger: evaluation set generator.

A US mid-size company ("Harborview Manufacturing Inc") reconciles its operating cash account
(USD) against its general ledger.  The open items are the ledger's unreconciled cash lines
(checks written, deposits recorded, ACH/wire payments, payroll, card processor deposits...)
plus open customer invoices (AR) and vendor bills (AP) that are settled straight from the bank.
The bank side is the bank's own CSV export (one Description column, Debit/Credit columns with
thousands separators, MM/DD/YYYY dates, a Transaction ID), read through mapping.toml.

    python generate.py --seed 1 --out DIR [--lines 1000] [--items 2400] [--days 20]
                       [--with-counterparty]

Standard library only; every amount is a decimal.Decimal; deterministic for a seed.
"""
import argparse
import csv
import datetime as dt
import json
import os
import random
import string
import sys
from collections import Counter, defaultdict
from decimal import Decimal as D, ROUND_HALF_UP

CENT = D("0.01")
OUR_NAME = "HARBORVIEW MFG INC"
CITIES = [("ATLANTA", "GA"), ("MARIETTA", "GA"), ("ALPHARETTA", "GA"), ("SMYRNA", "GA"),
          ("DECATUR", "GA"), ("NORCROSS", "GA"), ("KENNESAW", "GA"), ("DULUTH", "GA")]


def q(x):
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def money(s):
    return format(s, ".2f")


# --------------------------------------------------------------------------- names

FIRST = """Birchwood Ironwood Crossroads Amber Summit Pinecrest Lakeside Redstone Bluewater Cedar
Granite Silverline Northgate Westfield Eastbrook Riverbend Oakmont Maple Sterling Keystone
Liberty Pioneer Frontier Horizon Evergreen Copperfield Stonebridge Meridian Pacific Atlantic
Prairie Canyon Falcon Eagle Cardinal Magnolia Willow Aspen Sequoia Juniper Hawthorne Brookside
Clearwater Fairview Highland Peachtree Timberline Trident Vanguard Apex Beacon Cornerstone
Crestview Greenfield Hillcrest Ironclad Lighthouse Midland Northstar Pinnacle Quarry Rockport
Sandstone Shoreline Skyline Southport Tristate Windmill Yellowstone Zenith Alder Bayside Coastal
Elmwood Foxhill Goldleaf Heritage Jasper Kingsley Laurel Millbrook Newport Orchard Parkway
Ridgeline Sagebrush Tidewater Bluestem Chestnut Dogwood Emerald Flintrock Glenwood Hollister
Kestrel Lanier Mosaic Nimbus Overland Palisade Quantum Radiant Saratoga Talon Unity Vista
Wexford Yorktown Allegiant Brightwater Chatham Dunmore Everett Fulton Gateway Halcyon""".split()
MIDDLE = "Valley Ridge Creek River Mountain Point Bay Park Lake Hill Bridge Mill Stone Rock Field".split()
SECOND = ["Resources", "Engineering", "Development", "Networks", "Logistics", "Supply",
          "Holdings", "Partners", "Systems", "Solutions", "Industries", "Manufacturing",
          "Construction", "Consulting", "Services", "Technologies", "Foods", "Distributors",
          "Electric", "Mechanical", "Plumbing", "Properties", "Capital", "Medical",
          "Health Group", "Analytics", "Packaging", "Plastics", "Metals", "Fabrication",
          "Transport", "Freight", "Energy", "Environmental", "Landscaping", "Hospitality",
          "Outfitters", "Marketing", "Media", "Software", "Labs", "Design Group", "Builders",
          "Instruments", "Controls", "Chemicals", "Textiles", "Associates", "Management",
          "International", "Automation", "Staffing", "Equipment", "Welding", "Coatings"]
LEGAL = [("Inc", 16), ("Inc.", 10), ("LLC", 22), ("L.L.C.", 2), ("Corp", 8), ("Corporation", 5),
         ("Co", 4), ("Company", 3), ("LP", 4), ("Ltd", 5), ("LLP", 2)]
ABBREV = {"Development": "Dev.", "Engineering": "Eng.", "Networks": "Ntwks",
          "Manufacturing": "Mfg.", "Construction": "Constr.", "Services": "Svcs",
          "Technologies": "Tech.", "Distributors": "Dist.", "International": "Intl",
          "Industries": "Ind.", "Consulting": "Cnsltg", "Associates": "Assoc.",
          "Logistics": "Logist.", "Solutions": "Sol.", "Resources": "Res.",
          "Properties": "Props", "Management": "Mgmt", "Equipment": "Equip.",
          "Environmental": "Env.", "Transport": "Transp.", "Mechanical": "Mech.",
          "Automation": "Autom.", "Fabrication": "Fab.", "Instruments": "Instr."}
PEOPLE_F = """James Maria Robert Linda Michael Patricia David Jennifer William Elizabeth Carlos Aisha
Kevin Mei Daniel Priya Thomas Sandra Anthony Keisha Jose Laura Brian Nicole""".split()
PEOPLE_L = """Martinez Johnson Nguyen Patel Williams Brown Okafor Garcia Miller Davis Rodriguez
Wilson Anderson Thompson Kowalski Chen Robinson Walker Hughes Ramirez Foster Bennett""".split()

# service vendors with real-world bank descriptors: (ledger name, bank name, kind)
MERCHANTS = [("The Home Depot", "THE HOME DEPOT", "HOME DEPOT"), ("Lowe's", "LOWES", "LOWES"),
             ("Staples", "STAPLES", "STAPLES"), ("Amazon", "AMAZON MKTPL", "AMAZON MKTPL"),
             ("Shell", "SHELL OIL", "SHELL OIL"), ("The UPS Store", "THE UPS STORE", "UPS STORE"),
             ("FedEx Office", "FEDEX OFFICE", "FEDEX OFFIC"), ("Costco", "COSTCO WHSE", "COSTCO WHSE"),
             ("Delta Air Lines", "DELTA AIR LINES", "DELTA AIR"), ("Office Depot", "OFFICE DEPOT", "OFFICE DEPOT"),
             ("W.W. Grainger", "GRAINGER", "GRAINGER"), ("Uber", "UBER TRIP", "UBER"),
             ("Zoom Video", "ZOOM.US", "ZOOM.US"), ("Marriott", "MARRIOTT", "MARRIOTT"),
             ("Fastenal", "FASTENAL COMPANY", "FASTENAL"), ("Sam's Club", "SAMS CLUB", "SAMSCLUB")]
AUTOPAY = [("Comcast Business", "COMCAST BUSINESS"), ("Georgia Power", "GEORGIA POWER"),
           ("Verizon Wireless", "VERIZON WIRELESS"), ("AT&T", "AT&T"),
           ("Blue Cross Blue Shield", "BLUE CROSS BLUE S"), ("Waste Management", "WASTE MGMT"),
           ("Atlanta Gas Light", "ATLANTA GAS LIGHT"), ("Hartford Insurance", "HARTFORD"),
           ("Ford Credit", "FORD CREDIT"), ("Empower Retirement", "EMPOWER RETIREME"),
           ("Principal Financial", "PRINCIPAL FINANCI"), ("City of Atlanta Water", "CITY OF ATLANTA")]
WEEKLY = [("Cintas Corporation", "CINTAS CORP"), ("Coastal Staffing LLC", "COASTAL STAFFING"),
          ("Brink's Inc", "BRINKS INC"), ("Aramark Uniform Services", "ARAMARK UNIFORM"),
          ("Sysco Atlanta LLC", "SYSCO ATLANTA"), ("Ecolab Inc", "ECOLAB INC"),
          ("Unifirst Corp", "UNIFIRST CORP"), ("Robert Half", "ROBERT HALF"),
          ("Iron Mountain", "IRON MOUNTAIN"), ("Rollins Pest Control", "ROLLINS PEST")]


def words_upper(s):
    out = []
    for ch in s.upper():
        out.append(ch if (ch.isalnum() or ch in " &") else ("" if ch in ".,'" else " "))
    return " ".join("".join(out).split())


class Party:
    def __init__(self, pid, kind, base, lf):
        self.id = pid
        self.kind = kind          # 'C' customer, 'V' vendor, 'P' person, 'S' service vendor
        self.base = base          # name without legal form
        self.lf = lf
        self.name = f"{base}{', ' if lf == 'Inc.' else ' '}{lf}" if lf else base
        self.ledger_name = self.name
        self.damage = None        # None | 'misspelt' | 'abbreviated'
        self.nospace = False
        self.bank_full = words_upper(self.name)
        self.ach16 = self.bank_full[:16].rstrip()
        self.wire = self.bank_full[:25].rstrip()
        self.coid = None
        self.no_fill = False
        self.items = []

    def truncated(self, shown):
        """True when the bank shows the name cut inside one of its own words."""
        base_words = words_upper(self.base).split()
        if self.nospace:
            return not shown.replace(" ", "").startswith("".join(base_words))
        return not all(w in shown.split() for w in base_words)


# --------------------------------------------------------------------------- model

class Item:
    __slots__ = ("n", "kind", "account", "party", "party_name", "refkind", "reference", "id",
                 "issue", "due", "amount", "desc", "dup_of", "num", "vinv")

    def __init__(self, n, kind, refkind, party, issue, amount, desc, due=None):
        self.n = n
        self.kind = kind
        self.account = {"invoice": "1200", "supplier_invoice": "2000"}.get(kind, "1010")
        self.party = party
        self.party_name = party.ledger_name if party else ""
        self.refkind = refkind
        self.reference = None
        self.id = None
        self.issue = issue
        self.due = due
        self.amount = amount
        self.desc = desc          # str or callable(item) -> str
        self.dup_of = None
        self.num = None
        self.vinv = None


class Move:
    __slots__ = ("n", "day", "date", "amount", "text", "cp", "exp", "outcome", "ident", "phen",
                 "note", "rule", "fee", "anchors", "party", "bank_ref")

    def __init__(self, n, day, date, amount, text, cp, exp, outcome, ident, phen, note,
                 rule="fixed", party=None):
        self.n = n
        self.day = day
        self.date = date
        self.amount = amount
        self.text = text          # str or callable() -> str
        self.cp = cp
        self.exp = exp            # list of (Item, Decimal)
        self.outcome = outcome
        self.ident = ident
        self.phen = phen
        self.note = note
        self.rule = rule
        self.fee = None
        self.anchors = []
        self.party = party
        self.bank_ref = None


# per 1,000 bank lines (the calendar-driven ones are set separately)
BASE = {
    "check_cleared": 215, "check_cleared_weeks_later": 45, "check_no_number": 16,
    "check_number_misread": 4, "deposit_single": 90, "batch_deposit": 30,
    "card_settlement_recorded_net": 20, "ach_customer_payment_ref": 80,
    "ach_customer_payment_name_only": 55, "wire_in": 22, "wire_in_short_fixed_fee": 8,
    "multi_invoice_all_quoted": 10, "multi_invoice_one_quoted": 10,
    "multi_invoice_none_quoted": 8, "partial_payment": 5, "quoted_ref_other_party": 4,
    "ref_digits_swapped": 6, "same_amount_invoices_no_ref": 6, "ach_vendor_debit": 85,
    "ach_vendor_payment": 45, "wire_out": 10, "wire_out_fee_included": 14, "tax_payment": 5,
    "pos_purchase": 45, "pos_purchase_not_in_ledger": 12, "bank_fee": 8,
    "internal_transfer": 6, "ledger_amount_typo": 15, "duplicate_ledger_entry": 10,
    "nsf_returned_deposit": 6, "payer_nothing_open": 5,
}


class Gen:
    def __init__(self, seed, lines, items_target, days, start):
        self.rng = random.Random(seed)
        self.scale = lines / 1000.0
        self.items_target = items_target
        self.days = days
        self.bdays = []
        d = start
        while len(self.bdays) < days:
            if d.weekday() < 5:
                self.bdays.append(d)
            d += dt.timedelta(days=1)
        self.items = []
        self.moves = []
        self.parties = []
        self.used_keys = set()
        for nm in [a for a, _, _ in MERCHANTS] + [a for a, _ in AUTOPAY + WEEKLY]:
            key = words_upper(nm).replace(" ", "")
            self.used_keys.update((key, key[:14]))
        self._mk_parties()

    # ---------------------------------------------------------------- helpers
    def cnt(self, label):
        x = BASE[label] * self.scale
        n = int(x)
        if self.rng.random() < x - n:
            n += 1
        return max(n, 1 if self.scale >= 0.2 else 0)

    def amt(self, buckets, round_p=0.0):
        r = self.rng
        tot = sum(b[2] for b in buckets)
        x = r.random() * tot
        for lo, hi, w in buckets:
            if x < w:
                break
            x -= w
        cents = r.randint(lo * 100, hi * 100)
        if r.random() < round_p:
            unit = r.choice([100, 500, 1000, 2500, 10000]) if cents > 200000 else 100
            cents = max(unit, cents // unit * unit)
        return D(cents) / 100

    def prev_bday(self, d, k):
        while k > 0:
            d -= dt.timedelta(days=1)
            if d.weekday() < 5:
                k -= 1
        return d

    def wkday(self, d):
        while d.weekday() >= 5:
            d -= dt.timedelta(days=1)
        return d

    def item(self, kind, refkind, party, issue, amount, desc, due=None):
        it = Item(len(self.items), kind, refkind, party, issue, amount, desc, due)
        self.items.append(it)
        if party is not None:
            party.items.append(it)
        return it

    def move(self, day, amount, text, cp, exp, outcome, ident, phen, note, rule="fixed",
             party=None):
        m = Move(len(self.moves), day, self.bdays[day], amount, text, cp,
                 [(it, a if a is not None else it.amount) for it, a in exp], outcome, ident,
                 phen, note, rule, party)
        self.moves.append(m)
        return m

    def digits(self, n):
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def alnum(self, n):
        return "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(n))

    # ---------------------------------------------------------------- parties
    def _name(self):
        r = self.rng
        for _ in range(200):
            first = r.choice(FIRST)
            mid = r.choice(MIDDLE) if r.random() < 0.3 else None
            sec = r.choice(SECOND)
            base = " ".join(x for x in (first, mid, sec) if x)
            key = words_upper(base).replace(" ", "")
            key14 = key[:14]
            if key in self.used_keys or (self.scale <= 3 and key14 in self.used_keys):
                continue
            self.used_keys.add(key)
            self.used_keys.add(key14)
            lf = r.choices([x for x, _ in LEGAL], [w for _, w in LEGAL])[0]
            return base, lf
        base = f"{r.choice(FIRST)} {r.choice(SECOND)} {len(self.used_keys)}"
        return base, "LLC"

    def _mk_parties(self):
        r = self.rng
        ncust = max(40, int(260 * self.scale))
        nvend = max(40, int(240 * self.scale))
        self.customers, self.vendors = [], []
        for i in range(ncust + nvend):
            base, lf = self._name()
            kind = "C" if i < ncust else "V"
            p = Party(f"{kind}-{1001 + i if kind == 'C' else 2001 + i - ncust}", kind, base, lf)
            x = r.random()
            if x < 0.06:
                p.damage = "misspelt"
                p.ledger_name = p.name.replace(p.base, self._misspell(p.base))
            elif x < 0.12 and any(w in ABBREV for w in p.base.split()):
                p.damage = "abbreviated"
                p.ledger_name = p.name.replace(
                    p.base, " ".join(ABBREV.get(w, w) for w in p.base.split()))
            # the name as the originator / the bank writes it
            lfu = words_upper(lf)
            y = r.random()
            if y < 0.35:
                lfu = ""
            elif y < 0.45:
                lfu = {"CORPORATION": "CORP", "COMPANY": "CO", "INC": "INC", "LLC": "LLC",
                       "CORP": "CORPORATION", "LTD": "LIMITED"}.get(lfu, lfu)
            bu = words_upper(p.base)
            if r.random() < 0.06:
                p.nospace = True
                bu = bu.replace(" ", "")
            p.bank_full = (bu + " " + lfu).strip()
            p.ach16 = p.bank_full[:16].rstrip()
            p.wire = p.bank_full[:r.choice([22, 25, 25, 35])].rstrip()
            p.coid = r.choice("139") + self.digits(9)
            (self.customers if kind == "C" else self.vendors).append(p)
            self.parties.append(p)
        self.people = []
        for i in range(max(12, int(30 * self.scale))):
            nm = f"{r.choice(PEOPLE_F)} {r.choice(PEOPLE_L)}"
            p = Party(f"E-{301 + i}", "P", nm, "")
            self.people.append(p)

        def svc(pid, ledger, bank):
            p = Party(pid, "S", ledger, "")
            p.bank_full = bank
            p.ach16 = bank[:16].rstrip()
            p.wire = bank
            p.coid = r.choice("139") + self.digits(9)
            self.parties.append(p)
            return p
        self.merchants = [svc(f"V-9{100 + i}", a, b) for i, (a, b, c) in enumerate(MERCHANTS)]
        for p, (a, b, c) in zip(self.merchants, MERCHANTS):
            p.short = c
        self.autopay = [svc(f"V-9{200 + i}", a, b) for i, (a, b) in enumerate(AUTOPAY)]
        self.weekly_pool = [svc(f"V-9{300 + i}", a, b) for i, (a, b) in enumerate(WEEKLY)]
        self.adp = svc("V-9401", "ADP Inc", "ADP")
        self.irs = svc("V-9402", "IRS", "IRS")
        self.gador = svc("V-9403", "Georgia Dept of Revenue", "GA DEPT OF REVENUE")
        self.stripe = svc("V-9404", "Stripe, Inc.", "STRIPE")
        self.amex = svc("V-9405", "American Express", "AMERICAN EXPRESS")
        self.paypal = svc("V-9406", "PayPal", "PAYPAL")
        self.square = svc("V-9407", "Square, Inc.", "SQUARE INC")

    def _misspell(self, base):
        r = self.rng
        ws = base.split()
        idx = [i for i, w in enumerate(ws) if len(w) >= 5]
        i = r.choice(idx) if idx else 0
        w = ws[i]
        k = r.randint(1, len(w) - 2)
        op = r.random()
        if op < 0.5 and w[k] != w[k + 1]:
            w = w[:k] + w[k + 1] + w[k] + w[k + 2:]          # Ironwood -> Ironwodo
        elif op < 0.75:
            w = w[:k] + w[k + 1:]                             # letter dropped
        else:
            w = w[:k] + w[k] + w[k:]                          # letter doubled
        ws[i] = w
        return " ".join(ws)

    # ---------------------------------------------------------------- text pieces
    def inv_text(self, items, style=None):
        nums = [str(it.num) for it in items]
        r = self.rng
        style = style if style is not None else r.randrange(6)
        if len(nums) == 1:
            n = nums[0]
            return ["INV {}", "INV#{}", "INV-{}", "INV{}", "{}", "INVOICE {}"][style].format(n)
        sep = [" ", ",", "/", " ", " INV ", ","][style]
        head = ["INV ", "INV#", "INVS ", "INV", "INV ", "INVOICES "][style]
        return head + sep.join(nums)

    def ach_credit_text(self, p, desc, ref, day, style):
        date = self.bdays[day]
        yymmdd = date.strftime("%y%m%d")
        if style == "A":
            return " ".join(x for x in ("ACH CREDIT", p.ach16, desc, ref) if x)
        if style == "B":
            ident = (ref or self.digits(9)).replace(" ", "")[:15]
            return (f"{p.ach16} DES:{desc} ID:{ident} INDN:{OUR_NAME} CO ID:{p.coid} CCD"
                    + (f" PMT INFO:{ref}" if ref and len(ref) > 15 else ""))
        ident = (ref or "").replace(" ", "")[:15]
        return (f"ORIG CO NAME:{p.ach16} ORIG ID:{p.coid} DESC DATE:{yymmdd} CO ENTRY "
                f"DESCR:{desc} SEC:CCD TRACE#:{self.digits(15)} EED:{yymmdd} IND ID:{ident} "
                f"IND NAME:{OUR_NAME} TRN: {self.digits(10)}TC"
                + (f" PMT INFO:{ref}" if ref and len(ref) > 15 else ""))

    def ach_debit_text(self, p, desc, ref, day, style):
        date = self.bdays[day]
        yymmdd = date.strftime("%y%m%d")
        if style == "A":
            return " ".join(x for x in ("ACH DEBIT", p.ach16, desc, ref) if x)
        if style == "B":
            return (f"{p.ach16} DES:{desc} ID:{(ref or self.digits(10)).replace(' ', '')[:15]} "
                    f"INDN:{OUR_NAME} CO ID:{p.coid} CCD")
        return (f"ORIG CO NAME:{p.ach16} ORIG ID:{p.coid} DESC DATE:{yymmdd} CO ENTRY "
                f"DESCR:{desc} SEC:CCD TRACE#:{self.digits(15)} EED:{yymmdd} "
                f"IND ID:{(ref or '').replace(' ', '')[:15]} IND NAME:{OUR_NAME} TRN: "
                f"{self.digits(10)}TC")

    def ach_style(self):
        return self.rng.choices("ABC", [55, 20, 25])[0]

    def wire_in_text(self, p, ref, day, long_form):
        date = self.bdays[day]
        if not long_form:
            return f"WIRE TRANSFER IN FROM {p.wire}" + (f" REF {ref}" if ref else "")
        return (f"WIRE TYPE:WIRE IN DATE:{date:%y%m%d} TIME:{self.rng.randint(7, 17):02d}{self.rng.randint(0, 59):02d} ET "
                f"TRN:{date:%Y%m%d}{self.digits(8)} SEQ:{self.digits(6)}/{self.digits(6)} "
                f"ORIG:{p.bank_full[:35]} ID:{self.digits(10)} SND BK:{self.rng.choice(BANKS)} "
                f"ID:{self.digits(9)}" + (f" PMT DET:{ref}" if ref else ""))

    def wire_out_text(self, p, ref, day, long_form):
        date = self.bdays[day]
        if not long_form:
            return f"WIRE TRANSFER OUT TO {p.wire}" + (f" REF {ref}" if ref else "")
        return (f"WIRE TYPE:WIRE OUT DATE:{date:%y%m%d} TIME:{self.rng.randint(7, 17):02d}{self.rng.randint(0, 59):02d} ET "
                f"TRN:{date:%Y%m%d}{self.digits(8)} SERVICE REF:{self.digits(6)} "
                f"BNF:{p.bank_full[:35]} ID:{self.digits(10)} BNF BK:{self.rng.choice(BANKS)} "
                f"ID:{self.digits(9)}" + (f" PMT DET:{ref}" if ref else ""))

    def deposit_text(self, day):
        r = self.rng
        c, st = r.choice(CITIES)
        return r.choices([
            "DEPOSIT", f"DEPOSIT ID NUMBER {self.digits(6)}", "BRANCH DEPOSIT",
            "REMOTE ONLINE DEPOSIT #1", f"REMOTE ONLINE DEPOSIT #{r.randint(2, 4)}",
            "MOBILE DEPOSIT",
            f"ATM CHECK DEPOSIT {self.bdays[day]:%m/%d} {r.randint(100, 9999)} "
            f"PEACHTREE ST {c} {st}"], [30, 10, 15, 20, 6, 10, 4])[0]

    def check_text(self, num):
        r = self.rng
        return r.choices([f"CHECK #{num}", f"CHECK {num}", f"CHECK NO. {num}",
                          f"CHK {num:06d}"], [60, 25, 8, 7])[0]

    def party_label(self, p, base_label, shown):
        """The hardest thing about a name-only line."""
        if p.damage == "misspelt":
            return "ledger_name_misspelt"
        if p.damage == "abbreviated":
            return "ledger_name_abbreviated"
        if p.nospace:
            return "name_no_spaces"
        if p.kind in "CV" and p.truncated(shown):
            return "name_truncated"
        return base_label

    def name_note(self, p, shown):
        s = f"bank shows '{shown}', ledger has '{p.ledger_name}'"
        return s

    # ---------------------------------------------------------------- generators
    def rand_day(self, lo=0, hi=None):
        return self.rng.randint(lo, self.days - 1 if hi is None else hi)

    def check_item(self, payee, written, amount):
        it = self.item("entry", "CHK", payee, written, amount,
                       lambda i: f"Check {i.num} - {i.party_name}")
        return it

    def payee(self):
        r = self.rng
        return r.choice(self.people) if r.random() < 0.15 else r.choice(self.vendors)

    CHECK_AMT = [(40, 500, 35), (500, 3000, 40), (3000, 15000, 20), (15000, 60000, 5)]

    def gen_checks(self):
        r = self.rng
        for label in ("check_cleared", "check_cleared_weeks_later"):
            for _ in range(self.cnt(label)):
                day = self.rand_day()
                lag = r.randint(2, 13) if label == "check_cleared" else r.randint(14, 75)
                written = self.wkday(self.bdays[day] - dt.timedelta(days=lag))
                p = self.payee()
                it = self.check_item(p, written, -self.amt(self.CHECK_AMT, 0.1))
                lagd = (self.bdays[day] - written).days
                self.move(day, it.amount, (lambda it=it: self.check_text(it.num)), "",
                          [(it, None)], "auto", True, label,
                          f"check written {lagd} days before it cleared; number in the text",
                          "ref")
        for _ in range(self.cnt("check_no_number")):
            day = self.rand_day()
            written = self.wkday(self.bdays[day] - dt.timedelta(days=r.randint(2, 30)))
            it = self.check_item(self.payee(), written, -self.amt(self.CHECK_AMT, 0.05))
            txt = r.choice(["CHECK", "CHECK PAID", "CHECK #"])
            self.move(day, it.amount, txt, "", [(it, None)], "auto", False, "check_no_number",
                      "the bank read no check number: only the amount designates the check",
                      "amount_only")
        for _ in range(self.cnt("check_number_misread")):
            day = self.rand_day()
            written = self.wkday(self.bdays[day] - dt.timedelta(days=r.randint(3, 20)))
            it = self.check_item(self.payee(), written, -self.amt(self.CHECK_AMT))
            m = self.move(day, it.amount, None, "", [(it, None)], "review", True,
                          "check_number_misread", "", "misread")
            m.text = (lambda m=m, it=it: self._misread_text(m, it))
        # outstanding checks: written, never presented in the period
        n_out = int(0.065 * self.items_target)
        for _ in range(n_out):
            x = r.random()
            if x < 0.15:
                written = self.wkday(self.bdays[0] - dt.timedelta(days=r.randint(60, 200)))
            else:
                written = self.wkday(self.bdays[0] + dt.timedelta(
                    days=r.randint(-40, (self.bdays[-1] - self.bdays[0]).days)))
            amount = -self.amt(self.CHECK_AMT, 0.15)
            if r.random() < 0.04:
                amount = -D(r.choice([25, 30, 35, 50, 15]))     # petty cash, notary, permits
            self.check_item(self.payee(), written, amount)

    def _misread_text(self, m, it):
        """The bank's MICR read swapped two digits: prefer a number that is another open check."""
        s = str(it.num)
        swaps = []
        for k in range(len(s) - 1):
            if s[k] != s[k + 1]:
                swaps.append(s[:k] + s[k + 1] + s[k] + s[k + 2:])
        other = [self.check_by_num[int(x)] for x in swaps if int(x) in self.check_by_num
                 and self.check_by_num[int(x)] is not it]
        if other:
            o = self.rng.choice(other)
            m.note = (f"bank shows check {o.num} (another check of the ledger, {money(o.amount)}) but "
                      f"the amount is exactly CHK-{it.num}'s: digits swapped on the bank side")
            return f"CHECK #{o.num}"
        x = self.rng.choice(swaps)
        m.note = f"bank shows check {x}, which does not exist; amount is exactly CHK-{it.num}'s"
        return f"CHECK #{x}"

    DEP_AMT = [(150, 3000, 50), (3000, 20000, 40), (20000, 90000, 10)]

    def gen_deposits(self):
        r = self.rng
        singles = []
        for _ in range(self.cnt("deposit_single")):
            day = self.rand_day()
            ldate = self.prev_bday(self.bdays[day], r.choices([0, 1, 2], [60, 35, 5])[0])
            cust = r.choice(self.customers) if r.random() < 0.4 else None
            chk = r.randint(1001, 99999)
            it = self.item("entry", "DEP", cust, ldate, self.amt(self.DEP_AMT, 0.1),
                           f"Deposit - {cust.ledger_name} chk {chk}" if cust else "Deposit")
            it.vinv = chk
            m = self.move(day, it.amount, self.deposit_text(day), "", [(it, None)], "auto",
                          False, "deposit_single",
                          "a deposit recorded in the ledger; the bank line has no name and no number",
                          "amount_only")
            singles.append((m, it, cust))
        # NSF: a deposited customer check comes back unpaid
        cands = [x for x in singles if x[2] is not None and x[0].day <= self.days - 3]
        r.shuffle(cands)
        for k, (m, it, cust) in enumerate(cands[:self.cnt("nsf_returned_deposit")]):
            rday = min(self.days - 1, m.day + r.randint(2, 5))
            txt = r.choice(["RETURNED ITEM NSF", "DEPOSITED ITEM RETURNED NSF",
                            f"RETURN ITEM CHARGEBACK NSF CHK {it.vinv}",
                            "DEPOSITED ITEM RETURNED INSUFFICIENT FUNDS"])
            if k % 2 == 0:
                je = self.item("entry", "JE", cust, self.bdays[rday], -it.amount,
                               f"NSF returned check {it.vinv} - {cust.ledger_name}")
                self.move(rday, -it.amount, txt, "", [(je, None)], "auto", False,
                          "nsf_returned_deposit",
                          "the deposited check bounced; the ledger already booked the NSF reversal",
                          "amount_only")
            else:
                self.move(rday, -it.amount, txt, "", [], "none", False, "nsf_returned_deposit",
                          "the deposited check bounced and the ledger has no reversal yet: "
                          "nothing to settle (the customer's invoice must be reopened)")
            fee = D(r.choice([12, 15, 35]))
            self.move(rday, -fee, r.choice(["RETURNED ITEM FEE", "RETURN ITEM CHARGE",
                                             "NSF RETURN ITEM FEE"]), "", [], "none", False,
                      "bank_fee", "fee for the returned deposited item: bank-only")
        # batch deposits: one bank deposit = several ledger receipts
        for _ in range(self.cnt("batch_deposit")):
            day = self.rand_day()
            ldate = self.prev_bday(self.bdays[day], r.choices([0, 1], [65, 35])[0])
            k = r.choices([2, 3, 4, 5, 6, 7, 9], [25, 25, 18, 12, 8, 7, 5])[0]
            recs = []
            for _ in range(k):
                c = r.choice(self.customers)
                chk = r.randint(1001, 99999)
                recs.append(self.item("entry", "RCPT", c, ldate,
                                      self.amt([(80, 2500, 60), (2500, 12000, 40)], 0.15),
                                      f"Customer payment chk #{chk} - {c.ledger_name}"))
            tot = sum(x.amount for x in recs)
            self.move(day, tot, self.deposit_text(day), "", [(x, None) for x in recs], "review",
                      False, "batch_deposit",
                      f"one bank deposit of {k} customer checks, each recorded as its own "
                      f"receipt in the ledger on {ldate}")
        # deposits in transit at the end of the period
        for _ in range(max(2, int(6 * self.scale))):
            d = self.bdays[-1 - r.choice([0, 0, 1])]
            self.item("entry", "DEP", None, d, self.amt(self.DEP_AMT, 0.1), "Deposit")

    def gen_cards(self):
        r = self.rng
        nloc = max(1, round(2 * self.scale))
        for loc in range(nloc):
            proc = self.stripe if loc % 2 == 0 else self.amex
            store = f" - store {loc // 2 + 1}" if nloc > 2 else ""
            # sales days: a few before the period, all of the period
            sale_days = [self.prev_bday(self.bdays[0], k) for k in (3, 2, 1)] + self.bdays
            for sd in sale_days:
                lag = 2 if proc is self.stripe else r.choice([1, 2, 3])
                pay = sd
                for _ in range(lag):
                    pay += dt.timedelta(days=1)
                    while pay.weekday() >= 5:
                        pay += dt.timedelta(days=1)
                ntx = r.randint(15, 160)
                if pay < self.bdays[0]:
                    continue        # paid out and reconciled last month
                gross = self.amt([(1200, 26000, 1)])
                it = self.item("entry", "JE", proc, sd, gross,
                               f"{proc.ledger_name} card sales {sd:%m/%d/%Y} (gross){store}")
                if pay not in self.bdays:
                    continue
                if proc is self.stripe:
                    fee = q(gross * D("0.029") + D("0.30") * ntx)
                    txt = f"STRIPE TRANSFER ST-{self.alnum(12)}"
                else:
                    fee = q(gross * D("0.0335"))
                    txt = f"AMERICAN EXPRESS SETTLEMENT {self.digits(10)}"
                day = self.bdays.index(pay)
                self.move(day, gross - fee, txt, proc.bank_full, [(it, None)], "review", True,
                          "card_settlement_net_of_fees",
                          f"processor paid {money(gross)} of sales of {sd:%m/%d} less "
                          f"{money(fee)} of fees; the ledger booked the gross", party=proc)
        for _ in range(self.cnt("card_settlement_recorded_net")):
            day = self.rand_day()
            proc = r.choice([self.paypal, self.square])
            ldate = self.prev_bday(self.bdays[day], r.choice([0, 1]))
            it = self.item("entry", "JE", proc, ldate, self.amt([(300, 9000, 1)]),
                           f"{proc.ledger_name} payout (net of fees)")
            if proc is self.paypal:
                txt = f"PAYPAL TRANSFER {self.digits(13)}"
            else:
                txt = f"SQUARE INC DEPOSIT {self.bdays[day]:%y%m%d} L2{self.digits(10)}"
            self.move(day, it.amount, txt, proc.bank_full, [(it, None)], "auto", True,
                      "card_settlement_recorded_net",
                      "processor payout booked net in the ledger from the payout report",
                      "party_amount", party=proc)

    INV_AMT = [(250, 3000, 45), (3000, 15000, 40), (15000, 80000, 15)]

    def invoice(self, c, before_date, amount=None, lo=8, hi=75):
        r = self.rng
        issue = self.wkday(before_date - dt.timedelta(days=r.randint(lo, hi)))
        due = issue + dt.timedelta(days=r.choice([30, 30, 30, 45, 60]))
        amount = amount if amount is not None else self.amt(self.INV_AMT, 0.15)
        it = self.item("invoice", "INV", c, issue, amount,
                       lambda i: f"Invoice {i.num}", due=due)
        return it

    def receipt(self, label, c, day, amount, text, cp, exp, outcome, rule, note, ident=True):
        return self.move(day, amount, text, cp, exp, outcome, ident, label, note, rule, party=c)

    def gen_customers(self):
        r = self.rng
        descs = ["PAYMENT", "PAYMENTS", "AP PAYMNT", "VENDOR PMT", "ACH PMT", "EDI PYMNTS",
                 "CORP PMT", "BILL PAY", "INV PMT"]
        # one invoice, reference quoted (ACH)
        for _ in range(self.cnt("ach_customer_payment_ref")):
            c = r.choice(self.customers)
            day = self.rand_day()
            inv = self.invoice(c, self.bdays[day])
            st, fmt, dsc = self.ach_style(), r.randrange(6), r.choice(descs)
            m = self.receipt("ach_customer_payment_ref", c, day, inv.amount, None, c.ach16,
                             [(inv, None)], "auto", "ref",
                             f"ACH from the customer quoting its invoice; {self.name_note(c, c.ach16)}")
            m.text = (lambda c=c, d=dsc, inv=inv, day=day, st=st, f=fmt:
                      self.ach_credit_text(c, d, self.inv_text([inv], f), day, st))
        # one invoice, name only
        for _ in range(self.cnt("ach_customer_payment_name_only")):
            c = r.choice(self.customers)
            day = self.rand_day()
            inv = self.invoice(c, self.bdays[day])
            st = self.ach_style()
            txt = self.ach_credit_text(c, r.choice(descs), None, day, st)
            lab = self.party_label(c, "ach_customer_payment_name_only", c.ach16)
            if lab == "ach_customer_payment_name_only" and st == "C":
                lab = "name_inside_long_text"
            self.receipt(lab, c, day, inv.amount, txt, c.ach16, [(inv, None)], "auto",
                         "party_amount",
                         f"ACH with the payer's name only; amount equals one open invoice; "
                         f"{self.name_note(c, c.ach16)}")
        # incoming wires
        for _ in range(self.cnt("wire_in")):
            c = r.choice(self.customers)
            day = self.rand_day()
            inv = self.invoice(c, self.bdays[day])
            quote = r.random() < 0.5
            lf = r.random() < 0.4
            shown = c.bank_full[:35] if lf else c.wire
            lab = "wire_in" if quote else self.party_label(c, "wire_in", shown)
            m = self.receipt(lab, c, day, inv.amount, None, shown, [(inv, None)], "auto",
                             "ref" if quote else "party_amount",
                             f"incoming wire {'quoting the invoice' if quote else 'with the name only'}; "
                             f"{self.name_note(c, shown)}")
            f = r.randrange(6)
            m.text = (lambda c=c, inv=inv, day=day, lf=lf, q_=quote, f=f:
                      self.wire_in_text(c, self.inv_text([inv], f) if q_ else None, day, lf))
        # incoming wires short by an intermediary bank's fixed fee
        for _ in range(self.cnt("wire_in_short_fixed_fee")):
            c = r.choice(self.customers)
            day = self.rand_day()
            inv = self.invoice(c, self.bdays[day], amount=self.amt([(2000, 60000, 1)]))
            fee = D(r.choice([10, 15, 15, 20, 25, 30]))
            quote = r.random() < 0.6
            lf = r.random() < 0.5
            shown = c.bank_full[:35] if lf else c.wire
            m = self.receipt("wire_in_short_fixed_fee", c, day, inv.amount - fee, None, shown,
                             [(inv, None)], "auto", "party_amount_fee",
                             f"wire short by {money(fee)}: an intermediary bank's fixed charge, "
                             f"not a debt of the customer; invoice settled in full")
            m.fee = -fee
            m.anchors = [inv] if quote else []
            f = r.randrange(6)
            m.text = (lambda c=c, inv=inv, day=day, lf=lf, q_=quote, f=f:
                      self.wire_in_text(c, self.inv_text([inv], f) if q_ else None, day, lf))
        # several invoices in one payment
        for label in ("multi_invoice_all_quoted", "multi_invoice_one_quoted",
                      "multi_invoice_none_quoted"):
            for _ in range(self.cnt(label)):
                c = r.choice([x for x in self.customers if not x.items and not x.no_fill]
                             or self.customers)
                day = self.rand_day()
                k = r.choices([2, 3, 4, 5], [45, 30, 15, 10])[0]
                invs = [self.invoice(c, self.bdays[day], self.amt(
                    [(200, 6000, 70), (6000, 25000, 30)], 0.2)) for _ in range(k)]
                invs.sort(key=lambda i: i.issue)
                tot = sum(i.amount for i in invs)
                st, dsc, f = self.ach_style(), r.choice(descs), r.randrange(6)
                if label == "multi_invoice_all_quoted":
                    quoted, rule, outc = invs, "ref", "auto"
                    note = f"{k} invoices paid at once, all quoted"
                elif label == "multi_invoice_one_quoted":
                    quoted, rule, outc = [r.choice(invs)], "party_subset_anchor", "auto"
                    note = (f"{k} invoices paid at once, one quoted; the payer's other open "
                            f"invoices make up the rest exactly")
                else:
                    quoted, rule, outc = [], "party_subset_all", "auto"
                    note = f"{k} invoices paid at once, none quoted"
                    if r.random() < 0.6:
                        c.no_fill = True     # the payment clears the customer's whole balance
                m = self.receipt(label, c, day, tot, None, c.ach16, [(i, None) for i in invs],
                                 outc, rule, note)
                m.anchors = quoted
                m.text = (lambda c=c, d=dsc, qs=quoted, day=day, st=st, f=f:
                          self.ach_credit_text(c, d, self.inv_text(qs, f) if qs else None,
                                               day, st))
        # partial payments
        for _ in range(self.cnt("partial_payment")):
            c = r.choice(self.customers)
            day = self.rand_day()
            inv = self.invoice(c, self.bdays[day], self.amt([(3000, 40000, 1)], 0.3))
            part = q(inv.amount * D(r.choice(["0.5", "0.25", "0.4"]))) if r.random() < 0.6 else \
                self.amt([(500, int(inv.amount) // 2, 1)])
            word = r.choice(["PARTIAL PMT", "PARTIAL", "1 OF 2", ""])
            st, f = self.ach_style(), r.randrange(6)
            m = self.receipt("partial_payment", c, day, part, None, c.ach16, [(inv, part)],
                             "review", "fixed",
                             f"part of the quoted invoice paid ({money(part)} of "
                             f"{money(inv.amount)}){' with wording ' + repr(word) if word else ', no wording'}")
            m.text = (lambda c=c, inv=inv, day=day, st=st, f=f, w=word:
                      self.ach_credit_text(c, "PAYMENT", (self.inv_text([inv], f) + " " + w).strip(),
                                           day, st))
        # the quoted reference belongs to another customer, open for the same amount
        for _ in range(self.cnt("quoted_ref_other_party")):
            c, o = r.sample(self.customers, 2)
            day = self.rand_day()
            inv = self.invoice(c, self.bdays[day])
            other = self.invoice(o, self.bdays[day], inv.amount)
            st, f = self.ach_style(), r.randrange(6)
            m = self.receipt("quoted_ref_other_party", c, day, inv.amount, None, c.ach16,
                             [(inv, None)], "review", "fixed",
                             "the quoted invoice belongs to another customer and happens to be "
                             "open for the same amount; the payer's own invoice of that amount "
                             "is the answer")
            m.text = (lambda c=c, other=other, day=day, st=st, f=f:
                      self.ach_credit_text(c, "PAYMENT", self.inv_text([other], f), day, st))
        # invoice number with two digits swapped
        for _ in range(self.cnt("ref_digits_swapped")):
            c = r.choice(self.customers)
            day = self.rand_day()
            inv = self.invoice(c, self.bdays[day])
            st = self.ach_style()
            m = self.receipt("ref_digits_swapped", c, day, inv.amount, None, c.ach16,
                             [(inv, None)], "auto", "swapped", "")
            m.text = (lambda m=m, c=c, inv=inv, day=day, st=st: self._swapped_text(m, c, inv, day, st))
        # two open invoices of the same amount, no reference
        for _ in range(self.cnt("same_amount_invoices_no_ref")):
            c = r.choice(self.customers)
            day = self.rand_day()
            a = self.amt([(400, 6000, 1)], 0.7)
            i1 = self.invoice(c, self.bdays[day], a, lo=35, hi=40)
            self.invoice(c, self.bdays[day], a, lo=4, hi=10)
            txt = self.ach_credit_text(c, r.choice(descs), None, day, self.ach_style())
            self.receipt("same_amount_invoices_no_ref", c, day, a, txt, c.ach16, [(i1, None)],
                         "review", "party_amount",
                         "monthly retainer: two open invoices of the same amount and no "
                         "reference; a person applies it to the older one")
        # a payer with nothing open (vendor refund, or customer paying twice)
        for _ in range(self.cnt("payer_nothing_open")):
            day = self.rand_day()
            if r.random() < 0.5:
                v = r.choice(self.vendors)
                a = self.amt([(50, 3000, 1)])
                txt = self.ach_credit_text(v, r.choice(["REFUND", "CREDIT MEMO", "OVERPMT REF"]),
                                           None, day, self.ach_style())
                self.move(day, a, txt, v.ach16, [], "none", True, "payer_nothing_open",
                          "a vendor refunds an overpayment; nothing open to settle", party=v)
            else:
                c = r.choice([x for x in self.customers if not x.items and not x.no_fill]
                             or self.customers)
                c.no_fill = True
                a = self.amt(self.INV_AMT)
                txt = self.ach_credit_text(c, "PAYMENT", None, day, self.ach_style())
                self.move(day, a, txt, c.ach16, [], "none", True, "payer_nothing_open",
                          "a customer with no open invoice pays (duplicate payment): nothing to "
                          "settle, to be refunded or held as a credit", party=c)

    def _swapped_text(self, m, c, inv, day, st):
        s = str(inv.num)
        ks = [k for k in range(len(s) - 1) if s[k] != s[k + 1]]
        k = self.rng.choice(ks)
        sw = s[:k] + s[k + 1] + s[k] + s[k + 2:]
        other = self.inv_by_num.get(int(sw))
        m.anchors = [other] if other else []
        if other:
            m.note = (f"customer quotes INV {sw} (two digits swapped); INV-{sw} exists "
                      f"({other.party_name}, {money(other.amount)}); its own INV-{s} has the exact amount")
        else:
            m.note = f"customer quotes INV {sw} (two digits swapped, no such invoice) for its INV-{s}"
        return self.ach_credit_text(c, "PAYMENT", self.inv_text_num(sw), day, st)

    def inv_text_num(self, n):
        return self.rng.choice(["INV {}", "INV#{}", "INVOICE {}", "{}"]).format(n)

    BILL_AMT = [(60, 1500, 50), (1500, 8000, 40), (8000, 30000, 10)]

    def bill(self, v, before_date, amount=None, lo=3, hi=25, desc=None):
        r = self.rng
        issue = self.wkday(before_date - dt.timedelta(days=r.randint(lo, hi)))
        due = issue + dt.timedelta(days=r.choice([0, 10, 15, 30]))
        vinv = r.choice([f"{r.randint(100000, 999999)}", f"{self.alnum(2)}-{r.randint(1000, 99999)}",
                         f"{r.randint(1000, 9999)}-{r.randint(100, 999)}"])
        amount = amount if amount is not None else -self.amt(self.BILL_AMT, 0.1)
        it = self.item("supplier_invoice", "BILL", v, issue, amount,
                       desc or f"Vendor inv {vinv}", due=due)
        it.vinv = vinv
        return it

    def gen_vendors(self):
        r = self.rng
        ddescs = ["AUTOPAY", "PAYMENT", "ACH PMT", "BILLPAY", "EPAY", "INS PREM", "UTIL PYMT"]
        # vendor pulls money (autopay of a bill)
        for _ in range(self.cnt("ach_vendor_debit")):
            v = r.choice(self.autopay) if r.random() < 0.35 else r.choice(self.vendors)
            day = self.rand_day()
            b = self.bill(v, self.bdays[day])
            st = self.ach_style()
            quote = r.random() < 0.3
            txt = self.ach_debit_text(v, r.choice(ddescs), b.vinv if quote else None, day, st)
            lab = self.party_label(v, "ach_vendor_debit", v.ach16)
            if lab == "ach_vendor_debit" and st == "C":
                lab = "name_inside_long_text"
            self.move(day, b.amount, txt, v.ach16, [(b, None)], "auto", True, lab,
                      f"vendor debits an open bill{' quoting its invoice number' if quote else ''}; "
                      f"{self.name_note(v, v.ach16)}", "party_amount", party=v)
        # company-originated ACH payment to a vendor, booked as a ledger entry
        for _ in range(self.cnt("ach_vendor_payment")):
            v = r.choice(self.vendors)
            day = self.rand_day()
            ld = self.prev_bday(self.bdays[day], r.choice([0, 1, 1, 2, 3]))
            je = self.item("entry", "JE", v, ld, -self.amt(self.BILL_AMT, 0.1),
                           f"ACH payment - {v.ledger_name}" if r.random() < 0.5 else "ACH vendor payment")
            n22 = v.bank_full[:22].rstrip()
            st = r.randrange(3)
            if st == 0:
                txt = f"ACH PAYMENT {n22} {self.digits(7)}"
            elif st == 1:
                txt = f"BILL PAY {n22} ON-LINE {self.bdays[day]:%m/%d}"
            else:
                txt = (f"ORIG CO NAME:{OUR_NAME} ORIG ID:1{self.digits(9)} DESC DATE:"
                       f"{self.bdays[day]:%y%m%d} CO ENTRY DESCR:VENDOR PAY SEC:CCD TRACE#:"
                       f"{self.digits(15)} EED:{self.bdays[day]:%y%m%d} IND ID:{self.digits(8)} "
                       f"IND NAME:{n22} TRN: {self.digits(10)}TC")
            lab = self.party_label(v, "ach_vendor_payment", n22)
            if lab == "ach_vendor_payment" and st == 2:
                lab = "name_inside_long_text"
            self.move(day, je.amount, txt, n22, [(je, None)], "auto", True, lab,
                      f"our ACH payment to a vendor; {self.name_note(v, n22)}", "party_amount",
                      party=v)
        # outgoing wires: exact (fee on its own line) and with the fee included
        for label in ("wire_out", "wire_out_fee_included"):
            for _ in range(self.cnt(label)):
                v = r.choice(self.vendors)
                day = self.rand_day()
                ld = self.prev_bday(self.bdays[day], r.choice([0, 0, 1]))
                a = self.amt([(2500, 150000, 1)], 0.3)
                je = self.item("entry", "JE", v, ld, -a, f"Wire to {v.ledger_name}")
                lf = r.random() < 0.4
                shown = v.bank_full[:35] if lf else v.wire
                vref = f"INV {r.randint(10000, 99999)}" if r.random() < 0.4 else None
                fee = D(r.choice([15, 20, 25, 25, 30, 35, 45]))
                txt = self.wire_out_text(v, vref, day, lf)
                if label == "wire_out":
                    lab = self.party_label(v, "wire_out", shown)
                    self.move(day, -a, txt, shown, [(je, None)], "auto", True, lab,
                              f"outgoing wire, exact; fee on a separate line; {self.name_note(v, shown)}",
                              "party_amount", party=v)
                    self.move(day, -fee, r.choice(["WIRE TRANSFER FEE", "DOMESTIC WIRE FEE",
                                                   "WIRE OUT FEE"]), "", [], "none", False,
                              "bank_fee", "the bank's fee for an outgoing wire: bank-only")
                else:
                    m = self.move(day, -(a + fee), txt, shown, [(je, None)], "auto", True, label,
                                  f"outgoing wire debited with the bank's {money(fee)} fee included; "
                                  f"the ledger line is the amount sent", "party_amount_fee", party=v)
                    m.fee = -fee
        # weekly recurring identical amounts
        nweekly = max(1, round(6 * self.scale))
        pool = list(self.weekly_pool)
        extra = [v for v in self.vendors if not v.items]
        for k in range(nweekly):
            v = pool[k] if k < len(pool) else r.choice(extra)
            a = -self.amt([(150, 6000, 1)], 0.3)
            wd = r.choice([1, 2, 3])
            monday = self.bdays[0] - dt.timedelta(days=self.bdays[0].weekday())
            if r.random() < 0.6:
                sd = monday - dt.timedelta(days=7 * r.randint(3, 6))
                self.bill(v, sd, a, 0, 0, desc=f"Weekly service w/e {sd + dt.timedelta(days=4):%m/%d}")
            w = monday
            while w <= self.bdays[-1]:
                b = self.bill(v, w, a, 0, 0, desc=f"Weekly service w/e {w + dt.timedelta(days=4):%m/%d}")
                dd = w + dt.timedelta(days=wd)
                if dd in self.bdays:
                    day = self.bdays.index(dd)
                    st = self.ach_style()
                    txt = self.ach_debit_text(v, r.choice(["WEEKLY SVC", "AUTOPAY", "PAYMENT"]),
                                              None, day, st)
                    self.move(day, a, txt, v.ach16, [(b, None)], "auto", True,
                              "weekly_recurring_same_amount",
                              "weekly vendor debit of the same amount; the bill of this week "
                              "(not an older one) is the match", "party_amount_date", party=v)
                w += dt.timedelta(days=7)
        # payroll through ADP: every other Friday
        for k in range(max(1, round(self.scale))):
            fri = self.bdays[0] + dt.timedelta(days=(4 - self.bdays[0].weekday()) % 7 + 7 * (k % 2))
            while fri <= self.bdays[-1] + dt.timedelta(days=2):
                deb = self.prev_bday(fri, 2)
                if deb in self.bdays:
                    day = self.bdays.index(deb)
                    ld = self.prev_bday(deb, r.choice([0, 1]))
                    for what, rng_, txt in (
                            ("net pay", (60000, 260000), f"ADP WAGE PAY WAGE PAY {deb:%y%m%d} "
                                                         f"{self.digits(6)} {OUR_NAME}"),
                            ("payroll taxes", (20000, 90000), f"ADP TX/FINCL SVC ADP - TAX "
                                                              f"{deb:%y%m%d} {self.alnum(8)}"),
                            ("fees", (300, 900), "ACH DEBIT ADP PAYROLL FEES")):
                        je = self.item("entry", "JE", self.adp, ld, -self.amt([(rng_[0], rng_[1], 1)]),
                                       f"Payroll {fri:%m/%d/%Y} {what}")
                        self.move(day, je.amount, txt, "ADP", [(je, None)], "auto", True,
                                  "payroll_ach", f"ADP {what} debit, booked as a journal entry",
                                  "party_amount", party=self.adp)
                fri += dt.timedelta(days=14)
        for _ in range(self.cnt("tax_payment")):
            day = self.rand_day()
            ld = self.prev_bday(self.bdays[day], r.choice([0, 1]))
            if r.random() < 0.5:
                p, txt = self.irs, f"IRS USATAXPYMT {self.digits(15)}"
                desc = "Federal tax deposit (EFTPS)"
            else:
                p, txt = self.gador, f"GA DEPT OF REVENUE TAX PYMT {self.digits(9)}"
                desc = "Sales & use tax - Georgia"
            je = self.item("entry", "JE", p, ld, -self.amt([(1500, 45000, 1)]), desc)
            self.move(day, je.amount, txt, p.bank_full, [(je, None)], "auto", True, "tax_payment",
                      "tax payment booked as a journal entry", "party_amount", party=p)

    def gen_misc(self):
        r = self.rng
        for label in ("pos_purchase", "pos_purchase_not_in_ledger"):
            for _ in range(self.cnt(label)):
                p = r.choice(self.merchants)
                day = self.rand_day()
                pd = self.prev_bday(self.bdays[day], r.choice([0, 1, 1, 2, 3]))
                a = -self.amt([(4, 400, 80), (400, 2500, 20)])
                c, st = r.choice(CITIES)
                shown = p.bank_full[:22]
                txt = r.choice([f"POS PURCHASE {shown} #{r.randint(100, 9999):04d} {c} {st}",
                                f"DEBIT CARD PURCHASE {pd:%m/%d} {shown} {c} {st} CARD {r.randint(1000, 9999)}",
                                f"POS DEBIT {shown} {self.digits(5)} {c} {st}"])
                if label == "pos_purchase":
                    it = self.item("entry", "EXP", p, pd, a, f"Card purchase - {p.ledger_name}")
                    self.move(day, a, txt, shown, [(it, None)], "auto", True, label,
                              "company debit card purchase recorded from the receipt",
                              "party_amount", party=p)
                else:
                    self.move(day, a, txt, shown, [], "none", True, label,
                              "card purchase nobody has recorded yet: bank-only, to be booked",
                              party=p)
        # bank-only: charges and interest
        last = self.days - 1
        self.move(last, -D(r.choice(["35.00", "45.00", "25.00"])),
                  "MONTHLY SERVICE FEE", "", [], "none", False, "bank_fee", "monthly service charge")
        self.move(last, self.amt([(5, 400, 1)]), "INTEREST PAYMENT", "", [], "none", False,
                  "interest_earned", "interest credited by the bank: bank-only")
        for _ in range(self.cnt("bank_fee")):
            day = self.rand_day()
            txt, a = r.choice([("SERVICE CHARGE", D(r.choice([10, 15, 25, 35]))),
                               ("ACCOUNT ANALYSIS FEE", self.amt([(80, 600, 1)])),
                               ("STOP PAYMENT FEE", D(30)),
                               ("WIRE TRANSFER FEE", D(25)),
                               ("ACH ORIGINATION FEE", self.amt([(10, 90, 1)])),
                               ("POSITIVE PAY FEE", D(50))])
            self.move(day, -a, txt, "", [], "none", False, "bank_fee", "bank charge: bank-only")
        for _ in range(self.cnt("internal_transfer")):
            day = self.rand_day()
            a = self.amt([(5000, 150000, 1)], 0.8)
            acct = r.choice(["4521", "7780"])
            if r.random() < 0.6:
                je = self.item("entry", "JE", None, self.bdays[day], -a, f"Transfer to savings x{acct}")
                txt = (f"ONLINE TRANSFER TO SAV ...{acct} TRANSACTION#: {self.digits(11)} "
                       f"{self.bdays[day]:%m/%d}")
            else:
                je = self.item("entry", "JE", None, self.bdays[day], a, f"Transfer from savings x{acct}")
                txt = (f"ONLINE TRANSFER FROM SAV ...{acct} TRANSACTION#: {self.digits(11)} "
                       f"{self.bdays[day]:%m/%d}")
            self.move(day, je.amount, txt, "", [(je, None)], "auto", False, "internal_transfer",
                      "transfer between the company's own accounts, booked as a journal entry",
                      "amount_only")

    def gen_errors(self):
        """Ledger typos and duplicate ledger lines."""
        r = self.rng
        for i in range(self.cnt("ledger_amount_typo")):
            day = self.rand_day()
            true_amt = self.amt([(300, 9000, 1)])
            typo = transpose(true_amt, r)
            kind = i % 3
            if kind == 0:
                written = self.wkday(self.bdays[day] - dt.timedelta(days=r.randint(3, 25)))
                it = self.check_item(self.payee(), written, -typo)
                self.move(day, -true_amt, (lambda it=it: self.check_text(it.num)), "", [(it, None)],
                          "review", True, "ledger_amount_typo",
                          f"check {money(true_amt)} booked as {money(typo)} (digits transposed): "
                          f"the check number designates it, a person corrects the ledger", "fixed")
            elif kind == 1:
                v = r.choice(self.autopay + self.vendors)
                b = self.bill(v, self.bdays[day], -typo)
                st = self.ach_style()
                txt = self.ach_debit_text(v, "AUTOPAY", None, day, st)
                self.move(day, -true_amt, txt, v.ach16, [(b, None)], "review", True,
                          "ledger_amount_typo",
                          f"vendor debit {money(true_amt)}; its bill was keyed as {money(typo)}", party=v)
            else:
                ld = self.prev_bday(self.bdays[day], r.choice([0, 1]))
                it = self.item("entry", "DEP", None, ld, typo, "Deposit")
                self.move(day, true_amt, self.deposit_text(day), "", [(it, None)], "review", False,
                          "ledger_amount_typo",
                          f"deposit {money(true_amt)} recorded as {money(typo)} the same day "
                          f"(digits transposed)")
        for i in range(self.cnt("duplicate_ledger_entry")):
            day = self.rand_day()
            kind = i % 4
            if kind == 0:
                written = self.wkday(self.bdays[day] - dt.timedelta(days=r.randint(3, 25)))
                p = self.payee()
                a = -self.amt(self.CHECK_AMT)
                it = self.check_item(p, written, a)
                d2 = self.check_item(p, written + dt.timedelta(days=r.choice([0, 1])), a)
                d2.dup_of = it
                self.move(day, a, (lambda it=it: self.check_text(it.num)), "", [(it, None)],
                          "review", True, "duplicate_ledger_entry",
                          "the check was entered twice in the ledger (same number and amount): "
                          "either line, the other is to be reversed")
            elif kind == 1:
                v = r.choice(self.vendors)
                a = -self.amt(self.BILL_AMT)
                ld = self.prev_bday(self.bdays[day], 1)
                it = self.item("entry", "JE", v, ld, a, f"ACH payment - {v.ledger_name}")
                d2 = self.item("entry", "JE", v, ld, a, f"ACH payment - {v.ledger_name}")
                n22 = v.bank_full[:22].rstrip()
                self.move(day, a, f"ACH PAYMENT {n22} {self.digits(7)}", n22, [(it, None)],
                          "review", True, "duplicate_ledger_entry",
                          "the vendor payment was posted twice (two journal entries): either line",
                          party=v)
            elif kind == 2:
                a = self.amt(self.DEP_AMT)
                ld = self.prev_bday(self.bdays[day], 1)
                it = self.item("entry", "DEP", None, ld, a, "Deposit")
                d2 = self.item("entry", "DEP", None, ld, a, "Deposit")
                d2.dup_of = it
                self.move(day, a, self.deposit_text(day), "", [(it, None)], "review", False,
                          "duplicate_ledger_entry",
                          "the deposit was recorded twice under the same deposit number: either line")
            else:
                v = r.choice(self.autopay)
                b = self.bill(v, self.bdays[day])
                b2 = self.bill(v, self.bdays[day], b.amount, desc=f"Vendor inv {b.vinv}")
                b2.issue = b.issue + dt.timedelta(days=r.choice([0, 2, 6]))
                txt = self.ach_debit_text(v, "AUTOPAY", None, day, self.ach_style())
                self.move(day, b.amount, txt, v.ach16, [(b, None)], "review", True,
                          "duplicate_ledger_entry",
                          f"the vendor's invoice {b.vinv} was entered twice as two bills: either one",
                          party=v)

    def gen_fill(self):
        """Open AR invoices and AP bills that nothing pays in the period."""
        r = self.rng
        left = self.items_target - len(self.items)
        custs = [c for c in self.customers if not c.no_fill]
        for k in range(max(0, left)):
            if k % 5 < 3:
                c = r.choice(custs)
                same = [i for i in c.items if i.kind == "invoice"]
                amount = r.choice(same).amount if same and r.random() < 0.08 else None
                self.invoice(c, self.bdays[-1], amount, lo=0, hi=80)
            else:
                v = r.choice(self.vendors + self.autopay)
                self.bill(v, self.bdays[-1], None, lo=0, hi=50)

    # ---------------------------------------------------------------- finishing
    def number(self):
        r = self.rng
        order = sorted(self.items, key=lambda i: (i.issue, i.n))
        seq = Counter()
        start = {"CHK": r.randint(4700, 5200), "INV": r.randint(10001, 12000),
                 "BILL": r.randint(6000, 8000), "DEP": r.randint(150, 300),
                 "RCPT": r.randint(20000, 30000), "EXP": r.randint(3000, 5000)}
        jeseq = Counter()
        # documents that are not open any more (paid invoices, cleared checks, non-cash journal
        # entries) leave gaps in every numbering
        gaps = {"INV": [0, 1, 1, 2, 3], "BILL": [0, 0, 1, 2], "RCPT": [0, 0, 1], "EXP": [0, 1],
                "DEP": [0], "CHK": [0]}
        old = self.bdays[0] - dt.timedelta(days=45)
        for it in order:
            if it.dup_of is not None and it.refkind in ("CHK", "DEP"):
                continue
            k = it.refkind
            if k == "JE":
                y = it.issue.year
                jeseq[y] += 1 + r.randint(0, 5)
                base = 100 if y == 2026 else 3400
                it.reference = f"JE-{y}-{base + jeseq[y]:04d}"
                continue
            if seq[k]:
                seq[k] += r.choice(gaps[k])
                if k == "CHK" and it.issue < old:
                    seq[k] += r.randint(4, 30)
                elif k == "CHK" and r.random() < 0.02:
                    seq[k] += 1          # a voided check
            it.num = start[k] + seq[k]
            seq[k] += 1
            it.reference = {"CHK": "CHK-{}", "INV": "INV-{}", "BILL": "BILL-{}",
                            "DEP": "DEP-{:04d}", "RCPT": "RCPT-{}", "EXP": "EXP-{}"}[k].format(it.num)
        for it in self.items:
            if it.dup_of is not None and it.reference is None:
                it.num = it.dup_of.num
                it.reference = it.dup_of.reference
        gl = 0
        for it in order:
            if it.refkind in ("INV", "BILL"):
                it.id = it.reference
            else:
                gl += 1
                it.id = f"GL-{100000 + gl}"
        self.check_by_num = {}
        for it in order:
            if it.refkind == "CHK" and it.dup_of is None:
                self.check_by_num[it.num] = it
        self.inv_by_num = {it.num: it for it in self.items if it.refkind == "INV"}

    def verify(self):
        used = {}
        for m in self.moves:
            assert (m.outcome == "none") == (not m.exp), (m.phen, m.outcome)
            for it, a in m.exp:
                assert it.n not in used, f"item {it.id} expected by two movements"
                used[it.n] = m
                assert a != 0 and (a > 0) == (it.amount > 0) and abs(a) <= abs(it.amount), (it.id, a)
                assert it.issue <= m.date, (it.id, it.issue, m.date, m.phen)
        ids = [it.id for it in self.items]
        assert len(set(ids)) == len(ids)

    def finalize(self):
        self.number()
        # render texts (deterministic order)
        for m in self.moves:
            if callable(m.text):
                m.text = m.text()
        for it in self.items:
            if callable(it.desc):
                it.desc = it.desc(it)
        # outcomes that depend on what else is open, simulated day by day
        by_amount = defaultdict(list)
        for it in self.items:
            by_amount[it.amount].append(it)
        closed = set()
        for day in range(self.days):
            todays = [m for m in self.moves if m.day == day]
            for m in todays:
                self.decide(m, closed, by_amount)
            for m in todays:
                for it, _ in m.exp:
                    closed.add(it.n)

    def _open(self, it, m, closed):
        return it.n not in closed and it.issue <= m.date + dt.timedelta(days=2)

    def decide(self, m, closed, by_amount):
        rule = m.rule
        exp_items = [it for it, _ in m.exp]

        def review(why):
            m.outcome = "review"
            m.note = (m.note + "; " if m.note else "") + why

        if rule == "amount_only":
            c = [it for it in by_amount.get(m.amount, []) if self._open(it, m, closed)]
            if len(c) != 1:
                review(f"{len(c)} open items of exactly this amount")
        elif rule in ("party_amount", "party_amount_date"):
            c = [it for it in m.party.items if it.amount == m.amount and self._open(it, m, closed)]
            if rule == "party_amount_date":
                near = [it for it in c if m.date - dt.timedelta(days=6) <= it.issue <= m.date]
                if near != exp_items:
                    review("the week's line cannot be told from the others by date")
                elif len(c) > 1:
                    older = min(it.issue for it in c if it not in near)
                    m.note += f"; an older bill of the same amount ({older}) is still open"
            elif len(c) != 1:
                if m.outcome == "auto":
                    review(f"{len(c)} open items of this party with exactly this amount")
        elif rule == "party_amount_fee":
            exact = [it for it in m.party.items if it.amount == m.amount and self._open(it, m, closed)]
            fee = [it for it in m.party.items if it.amount == m.amount - m.fee
                   and self._open(it, m, closed)]
            if exact:
                review("another open item of this party matches the amount received exactly")
            elif len(fee) != 1 and not m.anchors:
                review(f"{len(fee)} open items of this party fit the amount plus the fee")
        elif rule in ("party_subset_anchor", "party_subset_all"):
            sign = 1 if m.amount > 0 else -1
            pool = [it for it in m.party.items if self._open(it, m, closed) and it.amount * sign > 0
                    and it.kind in ("invoice", "credit_note", "supplier_invoice", "supplier_credit_note")]
            n = count_subsets(pool, m.amount, m.anchors)
            if n != 1:
                review(f"{'no' if n == 0 else 'several'} subsets of the payer's open invoices "
                       f"{'with the quoted one ' if m.anchors else ''}make up the amount")
            elif rule == "party_subset_all" and set(x.n for x in pool) != set(x.n for x in exp_items):
                review("the payer has other open invoices; the subset is not its whole balance")
            elif rule == "party_subset_all":
                m.note += "; the payer's open invoices are exactly these (its whole balance)"
        elif rule == "swapped":
            c = [it for it in m.party.items if it.amount == m.amount and self._open(it, m, closed)]
            if m.anchors or len(c) != 1:
                review("the quoted number designates another item" if m.anchors else
                       "several open invoices of the payer have this amount")
        elif rule == "misread":
            pass


BANKS = ["WELLS FARGO BANK NA", "JPMORGAN CHASE BANK", "BANK OF AMERICA NA", "TRUIST BANK",
         "PNC BANK NA", "US BANK NA", "REGIONS BANK", "CITIBANK NA", "FIFTH THIRD BANK"]


def transpose(a, r):
    """Swap two adjacent different digits of an amount (keeps it positive, 2 decimals)."""
    s = f"{a:.2f}".replace(".", "")
    ks = [k for k in range(len(s) - 1) if s[k] != s[k + 1] and not (k == 0 and s[1] == "0")]
    k = r.choice(ks)
    t = s[:k] + s[k + 1] + s[k] + s[k + 2:]
    return D(int(t)) / 100


def count_subsets(pool, target, anchors, cap=2):
    """How many subsets of pool (containing all anchors) sum to target; stops at cap."""
    anc = {a.n for a in anchors}
    if len({it.n for it in pool if it.n in anc}) != len(anc):
        return 0
    base = sum((it.amount for it in pool if it.n in anc), D(0))
    rest = [it.amount for it in pool if it.n not in anc]
    if len(rest) > 22:
        return cap
    ways = {base: 1}
    for a in rest:
        nw = dict(ways)
        for s, w in ways.items():
            nw[s + a] = min(cap, nw.get(s + a, 0) + w)
        ways = nw
    return ways.get(target, 0)


# --------------------------------------------------------------------------- output

def write(g, out, with_cp):
    os.makedirs(os.path.join(out, "statements"), exist_ok=True)
    for f in os.listdir(os.path.join(out, "statements")):
        if f.endswith(".csv"):
            os.remove(os.path.join(out, "statements", f))
    r = random.Random(g.rng.getrandbits(64))
    # items
    cols = ["id", "kind", "account", "party_id", "party_name", "party_iban", "reference",
            "issue_date", "due_date", "amount", "currency", "description"]
    items = sorted(g.items, key=lambda i: (i.issue, i.id))
    with open(os.path.join(out, "items.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for it in items:
            w.writerow([it.id, it.kind, it.account, it.party.id if it.party else "",
                        it.party_name, "", it.reference, it.issue.isoformat(),
                        it.due.isoformat() if it.due else "", money(it.amount), "USD", it.desc])
    # statements
    used = set()
    balance = D(r.randint(40000000, 160000000)) / 100
    header = ["Posting Date", "Transaction ID", "Description"]
    if with_cp:
        header.append("Counterparty Name")
    header += ["Debit", "Credit", "Balance"]
    truth = []
    for day in range(g.days):
        todays = [m for m in g.moves if m.day == day]
        r.shuffle(todays)
        todays.sort(key=lambda m: 0 if m.amount > 0 else 1)      # credits first, as banks list
        path = os.path.join(out, "statements", f"{day + 1:02d}.csv")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for m in todays:
                while True:
                    ref = f"{m.date:%y%m%d}{r.randint(0, 99999999):08d}"
                    if ref not in used:
                        break
                used.add(ref)
                m.bank_ref = ref
                balance += m.amount
                row = [m.date.strftime("%m/%d/%Y"), ref, m.text]
                if with_cp:
                    row.append(m.cp)
                row += [format(-m.amount, ",.2f") if m.amount < 0 else "",
                        format(m.amount, ",.2f") if m.amount > 0 else "",
                        format(balance, ",.2f")]
                w.writerow(row)
                truth.append({"bank_reference": ref, "phenomenon": m.phen, "outcome": m.outcome,
                              "identifiable": m.ident,
                              "expected": {it.id: money(a) for it, a in m.exp},
                              "note": m.note})
    with open(os.path.join(out, "truth.jsonl"), "w", encoding="utf-8") as fh:
        for t in truth:
            fh.write(json.dumps(t) + "\n")
    mapping = [
        "# Harborview Mfg operating account x0412: the bank's 'Download activity' CSV export",
        'delimiter = ","', 'decimal = "."', 'thousands = ","', 'date_format = "%m/%d/%Y"',
        'encoding = "utf-8"', "header = true", 'booking_date = "Posting Date"',
        'debit = "Debit"', 'credit = "Credit"', 'text = "Description"',
        'bank_reference = "Transaction ID"', 'default_currency = "USD"']
    if with_cp:
        mapping.append('counterparty_name = "Counterparty Name"')
    with open(os.path.join(out, "mapping.toml"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(mapping) + "\n")
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lines", type=int, default=1000, help="about this many bank lines")
    ap.add_argument("--items", type=int, default=None,
                    help="about this many ledger lines (default 2.4 x lines)")
    ap.add_argument("--days", type=int, default=20, help="business days of statements")
    ap.add_argument("--start", default="2026-03-02", help="first statement day (ISO)")
    ap.add_argument("--with-counterparty", action="store_true",
                    help="also copy the payer/payee name the bank shows into a "
                         "'Counterparty Name' column mapped to counterparty_name")
    a = ap.parse_args()
    items = a.items if a.items is not None else int(2.4 * a.lines)
    g = Gen(a.seed, a.lines, items, a.days, dt.date.fromisoformat(a.start))
    g.gen_checks()
    g.gen_deposits()
    g.gen_cards()
    g.gen_customers()
    g.gen_vendors()
    g.gen_misc()
    g.gen_errors()
    g.gen_fill()
    g.finalize()
    g.verify()
    if len(g.items) > items:
        print(f"note: --items {items} is below what the bank lines need; wrote {len(g.items)}",
              file=sys.stderr)
    truth = write(g, a.out, a.with_counterparty)
    c = Counter(t["phenomenon"] for t in truth)
    o = Counter(t["outcome"] for t in truth)
    print(f"{len(truth)} bank lines over {g.days} days, {len(g.items)} ledger lines; "
          f"outcomes {dict(o)}")


if __name__ == "__main__":
    main()
