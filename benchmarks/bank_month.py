"""A generated month of a French company's bank accounts, and what cashmatch makes of it.

    .venv/bin/python benchmarks/bank_month.py --banks 3 --per-day 300 --days 20 --seed 1

:func:`generate` writes into a folder the open items (``items.csv``), a rules file
(``rules.toml``: the shipped rules, one ``[[bank]]`` per account, reversals dated by the
reversed entry) and, for every bank and day, a statement with its opening and closing
balances (CFONB 120 for the first bank, camt.053 for the others). Each day brings customer
receipts quoting their invoice (some quoting nothing), supplier payments and the bank's fees;
on some days URSSAF, VAT, salaries, interest, card remittances, a terminal rental with VAT, a
loan instalment, an internal transfer between two of the banks, unknown receipts, and an
invoice paid a second time.

:func:`process` imports and matches day by day as a company would, with a person's decisions
after each run: the best suggestion accepted when it is likely, unknown receipts booked in
suspense, a payment made twice kept as a credit or owed back, some items left for later, and
one automatic application a day undone (a reversal, re-applied by the next run).

:func:`check` then reconciles every bank account at the end of every day (statement balance =
ledger balance + not yet posted) and checks the FEC of the year; :func:`main` prints the
figures (the test ``tests/ledger/test_bankrec.py`` runs the same on a small month).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_camt import SynthMovement  # noqa: E402
from synth_camt import write as write_camt  # noqa: E402

import cashmatch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
D = Decimal
FIRST_DAY = date(2026, 3, 2)
SIREN = "123456782"
NAMES = ["DUPONT", "MARTIN", "LEROY", "MOREAU", "GARNIER", "FAURE", "ROUSSEAU", "BLANC",
         "BOYER", "CHEVALIER", "MERCIER", "BONNET", "DUMAS", "LAMBERT", "FONTAINE", "ROUX"]
TRADES = ["SARL", "SAS", "ET FILS", "CONSEIL", "TRANSPORTS", "IMPRIMERIE", "GARAGE", "HOTEL"]


@dataclass
class Bank:
    name: str
    bank: str
    branch: str
    number: str
    fmt: str
    balance: Decimal

    @property
    def iban(self) -> str:
        return fr_iban(self.bank, self.branch, self.number)


@dataclass
class Line:
    """One movement of a statement."""

    day: date
    amount: Decimal
    text: str
    name: str = ""
    iban: str = ""
    ref: str = ""


@dataclass
class Month:
    """What :func:`generate` wrote, and the ground truth a person acts on."""

    folder: Path
    banks: list[Bank]
    days: list[date]
    items: Path
    rules: Path
    statements: dict[date, list[Path]]
    paid_twice: dict[str, str] = field(default_factory=dict)   # bank reference → party
    movements: int = 0


def fr_iban(bank: str, branch: str, number: str) -> str:
    """A valid French IBAN (RIB key and ISO 13616 check digits)."""
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(number)) % 97
    bban = f"{bank}{branch}{number}{key:02d}"
    check = 98 - int(bban + "152700") % 97
    return f"FR{check:02d}{bban}"


def generate(folder: Path, banks: int = 3, per_day: int = 20, days: int = 10,
             seed: int = 1) -> Month:
    """Write a month (see the module docstring) into ``folder``; ``per_day``: customer and
    supplier movements per bank and day."""
    rng = random.Random(seed)
    accounts = [Bank(f"bank{n + 1}", f"{30004 + n * 1000:05d}", f"{100 + n:05d}",
                     f"{rng.randrange(10**10):011d}", "cfonb" if n == 0 else "camt",
                     D(rng.randrange(2_000_000, 9_000_000)) / 100) for n in range(banks)]
    customers = [(f"C{n:04d}", f"{rng.choice(NAMES)} {rng.choice(TRADES)} {n}",
                  fr_iban("20041", f"{n % 99999:05d}", f"{rng.randrange(10**10):011d}"))
                 for n in range(max(20, per_day * 2))]
    calendar = [d for d in (FIRST_DAY + timedelta(n) for n in range(days * 2))
                if d.weekday() < 5][:days]
    month = Month(folder, accounts, calendar, folder / "items.csv", folder / "rules.toml", {})
    items: list[list[str]] = []
    lines: dict[tuple[int, date], list[Line]] = {}
    for n, day in enumerate(calendar):
        for b in range(banks):
            lines[b, day] = _day_lines(rng, n, day, b, per_day, customers, items, month)
        if banks > 1 and n % 3 == 1:  # an internal transfer, both sides the same day
            src, dst = accounts[n % banks], accounts[(n + 1) % banks]
            amount = D(rng.randrange(100_000, 1_000_000)) / 100
            lines[accounts.index(src), day].append(Line(day, -amount, "VIREMENT INTERNE",
                                                        src.name.upper(), dst.iban))
            lines[accounts.index(dst), day].append(Line(day, amount, "VIREMENT INTERNE",
                                                        dst.name.upper(), src.iban))
    _write_items(month.items, items)
    _write_rules(month.rules, accounts)
    for (b, day), day_lines in sorted(lines.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        for k, line in enumerate(day_lines):
            line.ref = f"{accounts[b].name.upper()}-{day:%m%d}-{k:05d}"
        month.statements.setdefault(day, []).append(_write_statement(
            folder, accounts[b], day, day_lines))
        month.movements += len(day_lines)
    return month


def _day_lines(rng: random.Random, n: int, day: date, b: int, per_day: int,
               customers: list[tuple[str, str, str]], items: list[list[str]],
               month: Month) -> list[Line]:
    """One bank's movements of one day; the invoices they pay go to ``items``."""
    out = [Line(day, -D(rng.randrange(100, 4000)) / 100, "COMMISSION VIREMENTS SEPA")]
    for k in range(per_day):
        party, name, iban = rng.choice(customers)
        amount = D(rng.randrange(5_000, 500_000)) / 100
        ref = f"FA-2026-{n:03d}{b}{k:04d}"
        issued = day - timedelta(rng.randrange(20, 60))
        if rng.random() < 0.8:
            items.append([ref, "invoice", party, name, iban, ref, f"{issued}",
                          f"{issued + timedelta(30)}", f"{amount}"])
            text = f"VIR SEPA RECU /DE {name} /MOTIF FACTURE {ref}" if rng.random() < 0.92 \
                else f"VIR SEPA RECU /DE {name} /MOTIF REGLEMENT"
            out.append(Line(day, amount, text, name, iban))
        else:
            supplier = f"F{k % 50:03d}"
            items.append([f"FF-{ref}", "supplier_invoice", supplier, f"FOURNISSEUR {supplier}",
                          "", f"FF-{ref}", f"{issued}", f"{issued + timedelta(30)}",
                          f"-{amount}"])
            out.append(Line(day, -amount, f"VIR SEPA EMIS /MOTIF FACTURE FF-{ref}",
                            f"FOURNISSEUR {supplier}"))
    extras = {0: ("PRLV SEPA URSSAF COTISATIONS", -1), 1: ("PRLV SEPA DGFIP TVA", -1),
              2: ("REMISE CB {n} DU {d}", 1), 3: ("AGIOS TRIMESTRE", -1),
              4: ("LOCATION TPE MENSUELLE", -1)}
    text, sign = extras[(n + b) % 5]
    out.append(Line(day, sign * D(rng.randrange(1_000, 300_000)) / 100,
                    text.format(n=rng.randrange(9999), d=f"{day:%d/%m}")))
    if (n + b) % 4 == 0:
        out += [Line(day, -D(rng.randrange(150_000, 350_000)) / 100,
                     f"VIR SEPA SALAIRE {day:%m/%Y} {rng.choice(NAMES)}") for _ in range(3)]
        out.append(Line(day, -D(rng.randrange(50_000, 200_000)) / 100, "ECHEANCE PRET 4512"))
    if rng.random() < 0.5:
        out.append(Line(day, D(rng.randrange(1_000, 90_000)) / 100,
                        f"VIR SEPA RECU /DE INCONNU {rng.randrange(999)} /MOTIF DIVERS",
                        "INCONNU"))
    if n >= 2 and items and rng.random() < 0.5:  # an invoice paid a second time
        paid = rng.choice([i for i in items if i[1] == "invoice"])
        out.append(Line(day, D(paid[8]), f"VIR SEPA RECU /DE {paid[3]} /MOTIF FACTURE {paid[0]}",
                        paid[3], paid[4]))
        month.paid_twice[f"BANK{b + 1}-{day:%m%d}-{len(out) - 1:05d}"] = paid[2]
    return out


def _write_items(path: Path, items: list[list[str]]) -> None:
    header = "id,kind,party_id,party_name,party_iban,reference,issue_date,due_date,amount\n"
    path.write_text(header + "".join(",".join(row) + "\n" for row in items), encoding="utf-8")


def _write_rules(path: Path, banks: list[Bank]) -> None:
    text = (ROOT / "rules" / "default.toml").read_text(encoding="utf-8")
    text = text.replace('reversal_date = "today"', 'reversal_date = "original"')
    for n, bank in enumerate(banks, start=1):
        text += (f'\n[[bank]]\nname = "{bank.name}"\niban = "{bank.iban}"\n'
                 f'account = "5121{n:02d}"\njournal = "BQ{n}"\n'
                 f'journal_label = "Banque {n}"\n')
    path.write_text(text, encoding="utf-8")


def _write_statement(folder: Path, bank: Bank, day: date, lines: list[Line]) -> Path:
    """The day's statement of ``bank``, opening at its balance; the balance moves on."""
    opening = bank.balance
    bank.balance += sum((ln.amount for ln in lines), D(0))
    if bank.fmt == "camt":
        path = folder / f"{bank.name}-{day}.xml"
        write_camt(path, bank.iban, [SynthMovement(
            day, ln.amount, ln.name, ln.iban, [ln.text], bank_ref=ln.ref,
            end_to_end=ln.ref) for ln in lines], opening, f"{bank.name}-{day}")
        return path
    path = folder / f"{bank.name}-{day}.cfonb"
    records = [_cfonb(bank, "01", day) + " " * 50 + _overpunch(opening) + " " * 16]
    for k, ln in enumerate(lines):
        head = _cfonb(bank, "04", day, "05", "0568")
        records.append(head + "  " + f"{day:%d%m%y}" + ln.text[:31].ljust(31) + "  "
                       + f"{k:07d}" + "00" + _overpunch(ln.amount) + " " * 16)
        detail = "05" + head[2:34] + f"{day:%d%m%y}" + " " * 5
        party = "NPY" if ln.amount > 0 else "NBE"
        records += [detail + q + v[:70].ljust(70) + "  " for q, v in (
            (party, ln.name), ("LCC", ln.text), ("REF", ln.ref)) if v]
    records.append(_cfonb(bank, "07", day) + " " * 50 + _overpunch(bank.balance) + " " * 16)
    path.write_text("\r\n".join(records) + "\r\n", encoding="latin-1")
    return path


def _cfonb(bank: Bank, code: str, day: date, interbank: str = "  ", op: str = "    ") -> str:
    return f"{code}{bank.bank}{op}{bank.branch}EUR2 {bank.number}{interbank}{day:%d%m%y}"


def _overpunch(value: Decimal) -> str:
    digits = str(int(abs(value) * 100)).rjust(14, "0")
    return digits[:-1] + ("{ABCDEFGHI" if value >= 0 else "}JKLMNOPQR")[int(digits[-1])]


# -- what a company does with it ---------------------------------------------------------------


@dataclass
class Processed:
    """What :func:`process` did."""

    seconds_matching: float = 0.0
    runs: list[Any] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)


def process(store: cashmatch.Store, month: Month) -> Processed:
    """Import and match day by day, with a person's decisions after each run."""
    rules = cashmatch.load_rules(month.rules)
    cashmatch.import_items(store, month.items)
    done = Processed()
    twice = month.paid_twice
    for n, day in enumerate(month.days):
        cashmatch.import_statements(store, month.statements[day])
        started = time.perf_counter()
        done.runs.append(cashmatch.run_match(store, rules))
        done.seconds_matching += time.perf_counter() - started
        for k, item in enumerate(cashmatch.list_reviews(store)):
            _decide(store, rules, item, twice, (n + k) % 4, done.decisions)
        autos = [d for d in cashmatch.decision_log(store)
                 if d["action"] == "auto" and d["run_id"] == done.runs[-1].run_id]
        if autos:
            cashmatch.unmatch(store, rules, autos[0]["movement_id"], "benchmark: undone")
            done.decisions["unmatch"] = done.decisions.get("unmatch", 0) + 1
    return done


def _decide(store: cashmatch.Store, rules: cashmatch.Rules, item: dict[str, Any],
            twice: dict[str, str], turn: int, count: dict[str, int]) -> None:
    """A person's decision on one review item (or none, one time in four)."""
    rid, ref = item["review_id"], item["bank_reference"]
    try:
        if ref in twice:
            act = "refund" if turn % 2 else "credit"
            (cashmatch.refund if turn % 2 else cashmatch.keep_as_credit)(
                store, rules, rid, twice[ref], "benchmark")
        elif turn == 3:
            return
        elif item["top_confidence"] is not None and item["top_confidence"] >= D("0.5"):
            act = "accept"
            cashmatch.accept(store, rules, rid, 1, "benchmark")
        elif item["amount"] > 0:
            act = "suspense"
            cashmatch.suspense(store, rules, rid, "payer unknown", "benchmark")
        else:
            act = "post"
            cashmatch.post_to_account(store, rules, rid, "658000", "Charge à identifier",
                                      "benchmark")
    except (cashmatch.ReviewError, cashmatch.Conflict, cashmatch.NotFound):
        act = "refused"
    count[act] = count.get(act, 0) + 1


@dataclass
class Checked:
    """What :func:`check` found."""

    account_days: int = 0
    unequal: list[tuple[str, date, Decimal]] = field(default_factory=list)
    unposted: int = 0
    seconds: float = 0.0
    fec_lines: int = 0
    fec_problems: list[str] = field(default_factory=list)


def check(store: cashmatch.Store, month: Month) -> Checked:
    """Reconcile every bank account at the end of every day; check the FEC of the year."""
    rules = cashmatch.load_rules(month.rules)
    out = Checked()
    started = time.perf_counter()
    for day in month.days:
        for account in cashmatch.bank_reconciliation(store, rules, day):
            out.account_days += 1
            out.unposted += len(account["unposted"])
            if account["difference"] != 0:
                out.unequal.append((account["account"], day, account["difference"]))
    out.seconds = time.perf_counter() - started
    fec = cashmatch.export_fec(store, rules, month.folder / "fec", SIREN, date(2026, 12, 31))
    out.fec_lines = fec.lines
    out.fec_problems = [str(p) for p in cashmatch.check_fec(fec.path)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--banks", type=int, default=3)
    ap.add_argument("--per-day", type=int, default=300)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        month = generate(Path(tmp), args.banks, args.per_day, args.days, args.seed)
        with cashmatch.Store.open(Path(tmp) / "store.duckdb") as store:
            done = process(store, month)
            checked = check(store, month)
    runs = done.runs
    print(f"{args.banks} banks, {len(month.days)} days, {month.movements} movements "
          f"(seed {args.seed})")
    print(f"runs: {sum(r.auto for r in runs)} applied automatically, "
          f"{sum(r.posted for r in runs)} posted by rules, {runs[-1].review} left in review "
          f"at the end; matching {done.seconds_matching:.1f} s in all")
    print(f"a person's decisions: {dict(sorted(done.decisions.items()))}")
    print(f"reconciliation: {checked.account_days} account-days, "
          f"{checked.account_days - len(checked.unequal)} with statement = ledger + not yet "
          f"posted ({checked.unposted} unposted movement-days), {checked.seconds:.1f} s")
    for account, day, diff in checked.unequal[:10]:
        print(f"  DIFFERENCE {account} {day}: {diff}")
    print(f"FEC: {checked.fec_lines} lines, fec check: "
          f"{'OK' if not checked.fec_problems else checked.fec_problems[:5]}")
    if checked.unequal or checked.fec_problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
