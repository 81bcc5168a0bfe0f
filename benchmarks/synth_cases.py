"""Seeded generator of realistic cash-application cases with their ground truth.

Each case is one bank movement and what a careful accountant would apply it to (items and
amounts), or ``None`` when it must not be applied to any open item automatically (a bank
fee, a salary, an unknown payer, the same invoice paid twice...). Every phenomenon listed in
the matching issue has a generator here; labels come in French and English, invoice numbers
follow one of several numbering schemes chosen by the seed, and names, IBANs and amounts are
drawn at random, so that rules tuned to one shape do not pass.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from synth_camt import SynthMovement

D = Decimal
CENT = D("0.01")

SCHEMES = ["FA-{y}-{n:06d}", "INV-{n:05d}", "F{y}/{n:04d}", "{y}{n:05d}", "FAC{n:06d}",
           "2026-FV-{n:05d}"]
LEGAL = ["SARL", "SAS", "SA", "EURL", "SASU", "SNC"]
LEGAL_EN = ["LTD", "LIMITED", "PLC", "INC", "LLC", "GMBH", "BV"]
FR_WORDS = ["DUPONT", "MARTIN", "LEROY", "MOREAU", "LEFÈVRE", "GARNIER", "FAURE", "ROUSSEAU",
            "BLANC", "GUÉRIN", "BOYER", "CHEVALIER", "FRANÇOIS", "MERCIER", "BONNET", "DUMAS",
            "LAMBERT", "FONTAINE", "ROUX", "VINCENT", "MULLER", "HENRY", "PERRIN", "MOREL"]
FR_TRADES = ["BOULANGERIE", "GARAGE", "TRANSPORTS", "ETABLISSEMENTS", "CABINET", "PHARMACIE",
             "HÔTEL", "IMPRIMERIE", "MENUISERIE", "CONSEIL", "ÉLECTRICITÉ", "SOCIÉTÉ NOUVELLE"]
EN_WORDS = ["SMITH", "JOHNSON", "ACME", "NORTHWIND", "GLOBEX", "INITECH", "UMBRELLA",
            "STARK", "WAYNE", "HOOLI", "VANDELAY", "PIED PIPER", "CONTOSO", "FABRIKAM"]
EN_TRADES = ["TRADING", "LOGISTICS", "CONSULTING", "SUPPLIES", "ENGINEERING", "HOLDINGS"]
FACTORS = ["EUROFACTOR", "BNP PARIBAS FACTOR", "CM-CIC FACTOR", "BPIFRANCE FACTORING"]

LABELS_FR = ["FACTURE {ref}", "Facture n° {ref}", "FACT {ref} DU {d}", "REGLEMENT {ref}",
             "Paiement facture {ref}", "REGL FACT {ref}", "{ref}", "VIREMENT {ref} MERCI",
             "fact {ref} cmd {order}"]
LABELS_EN = ["Invoice {ref}", "INV {ref} payment", "Payment for invoice {ref}", "/INV/{ref}",
             "{ref}", "Your invoice {ref} - order {order}", "Settlement of {ref}"]


@dataclass
class Item:
    id: str
    kind: str
    party_id: str
    party_name: str
    party_iban: str
    reference: str
    issue_date: date
    due_date: date
    amount: Decimal


@dataclass
class Party:
    id: str
    name: str
    iban: str
    iban_in_ledger: bool
    supplier: bool = False


@dataclass
class Case:
    phenomenon: str
    movement: SynthMovement
    truth: dict[str, Decimal] | None  # None: must not be applied automatically
    day: int = 1                        # 1 or 2: day 2 may rely on what day 1 taught


@dataclass
class World:
    rng: random.Random
    lang: str
    scheme: str
    parties: list[Party] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    n_invoice: int = 0
    n_move: int = 0
    base: date = date(2026, 3, 2)

    # -- building blocks -----------------------------------------------------------------

    def iban(self) -> str:
        """A valid IBAN (ISO 13616 check digits) of a random euro-area country."""
        country, length, letters = self.rng.choice(
            [("FR", 23, 0), ("FR", 23, 0), ("FR", 23, 0), ("DE", 18, 0), ("BE", 12, 0),
             ("ES", 20, 0), ("NL", 14, 4), ("IT", 23, 1)])
        bban = "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(letters))
        bban += "".join(self.rng.choice("0123456789") for _ in range(length - letters))
        digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
        return f"{country}{98 - int(digits) % 97:02d}{bban}"

    def party(self, supplier: bool = False, name: str | None = None) -> Party:
        if name is None:
            if self.lang == "fr":
                base = (f"{self.rng.choice(FR_TRADES)} {self.rng.choice(FR_WORDS)}"
                        if self.rng.random() < 0.5 else self.rng.choice(FR_WORDS))
                if self.rng.random() < 0.3:
                    base += f" ET {self.rng.choice(FR_WORDS)}"
                name = f"{base} {self.rng.choice(LEGAL)}"
            else:
                name = (f"{self.rng.choice(EN_WORDS)} {self.rng.choice(EN_TRADES)} "
                        f"{self.rng.choice(LEGAL_EN)}")
        p = Party(f"{'F' if supplier else 'C'}{len(self.parties) + 1:05d}", name, self.iban(),
                  self.rng.random() < 0.5, supplier)
        self.parties.append(p)
        return p

    def invoice(self, p: Party, amount: Decimal | None = None, kind: str = "invoice",
                days_old: int | None = None) -> Item:
        self.n_invoice += 1
        n = self.n_invoice * 7 + self.rng.randint(0, 6)  # numbers are not consecutive
        ref = self.scheme.format(y=2026, n=n)
        if kind == "credit_note":
            ref = "AV" + ref if self.lang == "fr" else "CN" + ref
        if kind == "supplier_invoice":
            ref = f"{self.rng.randint(10000, 999999)}"
        if amount is None:
            amount = D(self.rng.choice([self.rng.randint(50, 900), self.rng.randint(900, 25000)]))
            amount += D(self.rng.randint(0, 99)) * CENT
        age = days_old if days_old is not None else self.rng.randint(15, 120)
        issued = self.base - timedelta(days=age)
        signed = -amount if kind in ("credit_note", "supplier_invoice") else amount
        it = Item(ref if kind != "supplier_invoice" else f"FF-{ref}", kind, p.id, p.name,
                  p.iban if p.iban_in_ledger else "", ref, issued, issued + timedelta(days=30),
                  signed)
        self.items.append(it)
        return it

    def day(self) -> date:
        return self.base + timedelta(days=self.rng.randint(0, 4))

    def label(self, ref: str) -> str:
        tpl = self.rng.choice(LABELS_FR if self.lang == "fr" else LABELS_EN)
        return tpl.format(ref=ref, d=(self.base - timedelta(days=40)).strftime("%d/%m/%Y"),
                          order=self.rng.randint(100000, 999999))

    def sepa(self, name: str, text: str) -> list[str]:
        """How the bank wraps the payer's text (or not)."""
        e2e = f"E2E{self.rng.randint(10**8, 10**9)}"
        if self.lang == "fr" and self.rng.random() < 0.4:
            return [f"VIR SEPA RECU /DE {name[:35]} /MOTIF {text} /REF {e2e}"]
        return [text] if text else []

    def move(self, amount: Decimal, name: str, iban: str, ustrd: list[str], **kw: object) -> SynthMovement:
        self.n_move += 1
        return SynthMovement(self.day(), amount, name=name, iban=iban, ustrd=ustrd,
                             bank_ref=f"BNK{self.n_move:07d}",
                             end_to_end=str(kw.pop("end_to_end", "")), **kw)  # type: ignore[arg-type]

    def add(self, phenomenon: str, mv: SynthMovement, truth: dict[str, Decimal] | None,
            day: int = 1) -> None:
        self.cases.append(Case(phenomenon, mv, truth, day))

    def payer_name(self, p: Party) -> str:
        """The name as the payer's bank writes it."""
        name = p.name
        r = self.rng.random()
        words = name.split()
        if r < 0.15 and words[-1] in LEGAL + LEGAL_EN:
            name = " ".join([words[-1], *words[:-1]])          # legal form moved
        elif r < 0.3 and words[-1] in LEGAL + LEGAL_EN:
            name = " ".join(words[:-1])                         # legal form dropped
        elif r < 0.45:
            name = strip_accents(name)
        elif r < 0.55:
            name = name.title()
        return name[:35] if self.rng.random() < 0.3 else name[:70]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def rf_reference(ref: str) -> str:
    """ISO 11649: RF + check digits + the reference (alphanumerics only)."""
    body = "".join(ch for ch in ref.upper() if ch.isalnum())
    digits = "".join(str(int(ch, 36)) for ch in body + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{body}"


def typo(ref: str, rng: random.Random) -> str:
    pos = [i for i, ch in enumerate(ref) if ch.isdigit()]
    kind = rng.choice(["sub", "swap", "drop"])
    i = rng.choice(pos[-4:])
    if kind == "sub":
        return ref[:i] + str((int(ref[i]) + rng.randint(1, 9)) % 10) + ref[i + 1:]
    if kind == "swap" and i + 1 < len(ref) and ref[i + 1].isdigit() and ref[i + 1] != ref[i]:
        return ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:]
    return ref[:i] + ref[i + 1:]


def shape(ref: str, rng: random.Random) -> str:
    """The invoice number as payers type it."""
    r = rng.random()
    if r < 0.25:
        return ref
    if r < 0.4:
        return "".join(ch for ch in ref if ch.isalnum())
    if r < 0.55:
        return " ".join(part for part in ref.replace("-", " ").replace("/", " ").split())
    if r < 0.7:
        return ref.lower()
    if r < 0.85:
        digits = "".join(ch for ch in ref if ch.isdigit())
        tail = digits[-6:]
        return tail.lstrip("0") if rng.random() < 0.5 else tail
    return ref.replace("-", "").lower()


# -- phenomena ------------------------------------------------------------------------------

def build(seed: int, lang: str, n_cases: int) -> World:
    rng = random.Random(seed)
    w = World(rng, lang, rng.choice(SCHEMES))
    for _ in range(max(20, n_cases // 4)):
        p = w.party()
        for _ in range(rng.randint(1, 4)):  # background open items nobody pays today
            w.invoice(p)
    generators = [(g, wt) for g, wt in PHENOMENA.values()]
    weights = [wt for _, wt in generators]
    for _ in range(n_cases):
        gen = rng.choices([g for g, _ in generators], weights)[0]
        gen(w)
    return w


def _customer(w: World) -> Party:
    candidates = [p for p in w.parties if not p.supplier]
    return w.rng.choice(candidates)


def exact_reference(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    text = w.label(shape(it.reference, w.rng) if w.rng.random() < 0.7 else it.reference)
    w.add("reference_shapes", w.move(it.amount, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {it.id: it.amount})


def noisy_reference(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    noise = w.rng.choice([f"CDE {w.rng.randint(10000, 99999)}", f"CLIENT {w.rng.randint(100, 9999)}",
                          f"DU {w.rng.randint(1, 28):02d}/{w.rng.randint(1, 12):02d}/2026",
                          f"ORDER {w.rng.randint(1000, 99999)}", f"SIRET {w.rng.randint(10**13, 10**14)}"])
    text = f"{noise} {w.label(it.reference)}" if w.rng.random() < 0.5 else f"{w.label(it.reference)} {noise}"
    w.add("reference_with_noise", w.move(it.amount, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {it.id: it.amount})


def typo_reference(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    text = w.label(typo(it.reference, w.rng))
    w.add("reference_typo", w.move(it.amount, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {it.id: it.amount})


def rf_creditor_reference(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    w.add("rf_reference", w.move(it.amount, w.payer_name(p), p.iban, [],
                                 creditor_ref=rf_reference(it.reference)), {it.id: it.amount})


def iban_no_reference(w: World) -> None:
    p = _customer(w)
    p.iban_in_ledger = True
    it = w.invoice(p)
    for other in w.items:
        if other.party_id == p.id:
            other.party_iban = p.iban
    text = w.rng.choice(["PAIEMENT", "VIREMENT", "", "Payment", "REGLEMENT FOURNISSEUR"])
    # only a single open item of this amount for the party can be applied without a reference
    same = [i for i in w.items if i.party_id == p.id and i.amount == it.amount]
    w.add("iban_no_reference", w.move(it.amount, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {it.id: it.amount} if len(same) == 1 else None)


def name_no_reference(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    w.add("name_no_reference", w.move(it.amount, w.payer_name(p), "", [w.rng.choice(
        ["VIREMENT", "PAIEMENT", "Payment", ""])]), {it.id: it.amount})


def several_invoices(w: World) -> None:
    p = _customer(w)
    its = [w.invoice(p) for _ in range(w.rng.randint(2, 4))]
    total = sum((i.amount for i in its), D(0))
    quote = w.rng.choice(["all", "some", "none"])
    refs = [i.reference for i in its] if quote == "all" else \
        [i.reference for i in its[: len(its) - 1]] if quote == "some" else []
    sep = w.rng.choice([" ", ", ", " ET " if w.lang == "fr" else " AND ", "/"])
    text = (("FACTURES " if w.lang == "fr" else "INVOICES ") + sep.join(refs)) if refs else \
        w.rng.choice(["REGLEMENT FACTURES", "Payment of invoices", "VIREMENT"])
    w.add(f"several_invoices_{quote}", w.move(total, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {i.id: i.amount for i in its})


def instalments(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p, amount=D(w.rng.randint(1200, 9000)))
    first = (it.amount * D(w.rng.choice(["0.3", "0.4", "0.5"]))).quantize(CENT)
    word = "ACOMPTE" if w.lang == "fr" else "INSTALMENT"
    w.add("instalment", w.move(first, w.payer_name(p), p.iban,
                               w.sepa(p.name, f"{word} {it.reference}")), {it.id: first})
    balance_word = "SOLDE" if w.lang == "fr" else "BALANCE"
    w.add("instalment_balance", w.move(it.amount - first, w.payer_name(p), p.iban,
                                       w.sepa(p.name, f"{balance_word} {it.reference}")),
          {it.id: it.amount - first}, day=2)


def credit_note_netting(w: World) -> None:
    p = _customer(w)
    inv = w.invoice(p, amount=D(w.rng.randint(800, 6000)))
    cn = w.invoice(p, amount=D(w.rng.randint(50, 400)), kind="credit_note")
    text = (f"{inv.reference} MOINS AVOIR {cn.reference}" if w.lang == "fr"
            else f"{inv.reference} LESS CREDIT NOTE {cn.reference}")
    if w.rng.random() < 0.4:
        text = f"FACTURE {inv.reference}" if w.lang == "fr" else f"INVOICE {inv.reference}"
    w.add("credit_note_netting", w.move(inv.amount + cn.amount, w.payer_name(p), p.iban,
                                        w.sepa(p.name, text)), {inv.id: inv.amount, cn.id: cn.amount})


def statement_of_account(w: World) -> None:
    p = w.party()
    its = [w.invoice(p) for _ in range(w.rng.randint(3, 6))]
    total = sum((i.amount for i in its), D(0))
    text = "RELEVE DE COMPTE FEVRIER" if w.lang == "fr" else "STATEMENT OF ACCOUNT FEBRUARY"
    w.add("statement_of_account", w.move(total, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {i.id: i.amount for i in its})


def short_payment(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p, amount=D(w.rng.randint(500, 20000)))
    kind = w.rng.choice(["fee", "discount", "rounding"])
    if kind == "fee":
        diff = D(w.rng.choice(["5.00", "7.50", "10.00", "12.00", "15.00", "20.00", "25.00"]))
    elif kind == "discount":
        diff = (it.amount * D(w.rng.choice(["0.01", "0.015", "0.02", "0.03"]))).quantize(CENT)
    else:
        diff = D(w.rng.randint(1, 5)) * CENT
    text = w.label(it.reference)
    if kind == "discount":
        text += " ESCOMPTE" if w.lang == "fr" else " EARLY PAYMENT DISCOUNT"
    w.add(f"short_{kind}", w.move(it.amount - diff, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {it.id: it.amount})


def over_payment(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    extra = D(w.rng.randint(1, 200))
    w.add("over_payment", w.move(it.amount + extra, w.payer_name(p), p.iban,
                                 w.sepa(p.name, w.label(it.reference))), {it.id: it.amount})


def paid_twice(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    text = w.label(it.reference)
    w.add("paid_twice_first", w.move(it.amount, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {it.id: it.amount})
    w.add("paid_twice_second", w.move(it.amount, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          None, day=2)


def third_party(w: World) -> None:
    p = _customer(w)
    it = w.invoice(p)
    factor = w.rng.choice(FACTORS)
    w.add("third_party_payer", w.move(it.amount, factor, w.iban(),
                                      w.sepa(factor, f"{p.name[:20]} {w.label(it.reference)}")),
          {it.id: it.amount})


def wrong_reference(w: World) -> None:
    p = _customer(w)
    p.iban_in_ledger = True
    own = w.invoice(p)
    for other in w.items:
        if other.party_id == p.id:
            other.party_iban = p.iban
    others = [i for i in w.items if i.party_id != p.id and i.kind == "invoice"]
    quoted = w.rng.choice(others)
    w.add("wrong_reference", w.move(own.amount, w.payer_name(p), p.iban,
                                    w.sepa(p.name, w.label(quoted.reference))), {own.id: own.amount})


def subscriptions(w: World) -> None:
    p = _customer(w)
    amount = D(w.rng.choice(["29.90", "49.00", "99.00", "129.90", "249.00"]))
    its = [w.invoice(p, amount=amount, days_old=d) for d in (95, 65, 35)]
    oldest = min(its, key=lambda i: i.due_date)
    text = w.rng.choice(["ABONNEMENT", "SUBSCRIPTION", "PRLV ABONNEMENT MENSUEL", ""])
    # accountants letter the oldest due invoice when nothing else tells them apart
    w.add("recurring_amount", w.move(amount, w.payer_name(p), p.iban, w.sepa(p.name, text)),
          {oldest.id: amount})


def non_receipt(w: World) -> None:
    kind = w.rng.choice(["fee", "card", "tax", "salary", "refund", "unknown", "supplier"])
    some = w.rng.choice([i for i in w.items if i.kind == "invoice"])
    if kind == "fee":
        mv = w.move(-D(w.rng.choice(["4.50", "12.00", "35.00"])), "", "", [],
                    tx_code=("ACMT", "MDOP", "CHRG"),
                    additional="FRAIS TENUE DE COMPTE" if w.lang == "fr" else "ACCOUNT FEES")
    elif kind == "card":  # card acquirer settlement: a credit, sometimes of a familiar amount
        amount = some.amount if w.rng.random() < 0.3 else D(w.rng.randint(100, 5000))
        mv = w.move(amount, "CB ACQUIRING", "", [f"REMISE CB {w.rng.randint(1000, 9999)}"],
                    tx_code=("PMNT", "MCRD", "POSP"))
    elif kind == "tax":
        mv = w.move(-D(w.rng.randint(500, 20000)), "DGFIP", "", ["PRLV SEPA DGFIP TVA"],
                    tx_code=("PMNT", "RDDT", "ESDD"))
    elif kind == "salary":
        mv = w.move(-D(w.rng.randint(1800, 4000)), f"{w.rng.choice(FR_WORDS)} JEAN", w.iban(),
                    ["SALAIRE FEVRIER" if w.lang == "fr" else "SALARY FEBRUARY"],
                    tx_code=("PMNT", "ICDT", "ESCT"))
    elif kind == "refund":
        mv = w.move(-some.amount, some.party_name, w.iban(),
                    [f"REMBOURSEMENT {some.reference}" if w.lang == "fr" else f"REFUND {some.reference}"],
                    tx_code=("PMNT", "ICDT", "ESCT"))
    elif kind == "unknown":
        amount = some.amount if w.rng.random() < 0.3 else D(w.rng.randint(20, 3000))
        mv = w.move(amount, f"{w.rng.choice(EN_WORDS)} {w.rng.choice(LEGAL)}", w.iban(),
                    [w.rng.choice(["DIVERS", "MISC", "", "VIREMENT"])])
    else:  # a supplier payment quoting the supplier's own invoice number
        mv = w.move(-D(w.rng.randint(100, 8000)), f"FOURNISSEUR {w.rng.choice(FR_WORDS)}", w.iban(),
                    [f"FACTURE {w.rng.randint(10000, 999999)}"], tx_code=("PMNT", "ICDT", "ESCT"))
    w.add(f"not_a_receipt_{kind}", mv, None)


def supplier_payment(w: World) -> None:
    s = w.party(supplier=True)
    it = w.invoice(s, kind="supplier_invoice")
    w.add("supplier_payment", w.move(it.amount, s.name, s.iban,
                                     [f"FACTURE {it.reference}" if w.lang == "fr"
                                      else f"INVOICE {it.reference}"], tx_code=("PMNT", "ICDT", "ESCT")),
          {it.id: it.amount})


def learned_payer(w: World) -> None:
    """Day 1 the payer quotes its invoice (its IBAN is not in the ledger); day 2 it pays
    another invoice without any reference: only a memory of day 1 can tell who it is."""
    p = _customer(w)
    p.iban_in_ledger = False
    first, second = w.invoice(p), w.invoice(p)
    for it in (first, second):
        it.party_iban = ""
    w.add("learned_payer_day1", w.move(first.amount, w.payer_name(p), p.iban,
                                       w.sepa(p.name, w.label(first.reference))), {first.id: first.amount})
    w.add("learned_payer_day2", w.move(second.amount, "", p.iban, ["VIREMENT"]),
          {second.id: second.amount}, day=2)


PHENOMENA = {
    "reference_shapes": (exact_reference, 30),
    "reference_with_noise": (noisy_reference, 6),
    "reference_typo": (typo_reference, 4),
    "rf_reference": (rf_creditor_reference, 4),
    "iban_no_reference": (iban_no_reference, 5),
    "name_no_reference": (name_no_reference, 4),
    "several_invoices": (several_invoices, 6),
    "instalments": (instalments, 3),
    "credit_note_netting": (credit_note_netting, 3),
    "statement_of_account": (statement_of_account, 2),
    "short_payment": (short_payment, 6),
    "over_payment": (over_payment, 2),
    "paid_twice": (paid_twice, 2),
    "third_party": (third_party, 3),
    "wrong_reference": (wrong_reference, 2),
    "recurring_amount": (subscriptions, 3),
    "non_receipt": (non_receipt, 10),
    "supplier_payment": (supplier_payment, 4),
    "learned_payer": (learned_payer, 3),
}
