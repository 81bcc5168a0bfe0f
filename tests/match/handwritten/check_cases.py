#!/usr/bin/env python3
"""Consistency checker for the hand-written reconciliation cases.

Usage: python check_cases.py [CASES_DIR]   (default: cases/ beside this file)

Standard library only (tomllib, decimal). Exit status 0 when every rule holds.
Rules checked (see README.md):
  * every file is valid TOML holding only [[case]] tables of the documented shape;
  * case names are unique, phenomena are snake_case, 3 to 30 items per case;
  * items: known keys, valid kind, amount sign matches the kind, two-decimal amounts,
    open_amount of the same sign and not larger, ISO dates (issue <= due), discount keys
    together, valid IBAN checksums, one name/IBAN per party, ids unique in the whole set;
  * movement: known keys, non-zero amount, something to read, value date near booking date;
  * expected: outcome auto/review/none, items that exist, amounts of the item's sign never
    above what is open, `none` => {}, `auto` => non-empty, currencies agree; an `auto` truth
    whose total differs from the bank amount must be explained by an early-payment discount
    in its period or by a bank charge / rounding of at most 50.00 in a fee phenomenon;
  * history: earlier dates, settles only items of the case or items described in the entry,
    settled total equals the payment, and a case item touched by history shows the reduced
    open_amount.
"""
from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

AMOUNT_RE = re.compile(r"^-?\d+\.\d{2}$")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
FILE_RE = re.compile(r"^\d{2}_[a-z0-9_]+\.toml$")
CASE_KEYS = {"name", "phenomenon", "booking_date", "items", "movement", "expected", "why", "history"}
CASE_REQUIRED = CASE_KEYS - {"history"}
ITEM_KEYS = {"id", "kind", "account", "party_id", "party_name", "party_iban", "reference",
             "issue_date", "due_date", "amount", "currency", "description", "open_amount",
             "discount_until", "discount_rate"}
MOVE_KEYS = {"amount", "description", "counterparty_name", "counterparty_iban", "reference",
             "value_date", "currency"}
EXP_KEYS = {"outcome", "items", "identifiable"}
HIST_KEYS = {"booking_date", "value_date", "amount", "description", "counterparty_name",
             "counterparty_iban", "reference", "settles", "items", "currency"}
KIND_SIGN = {"invoice": 1, "credit_note": -1, "supplier_invoice": -1,
             "supplier_credit_note": 1, "entry": 0}
FEE_PHENOMENA_WORDS = ("fee", "charge", "rounding")
IBAN_LEN = {"FR": 27, "DE": 22, "ES": 24, "IT": 27, "BE": 16, "NL": 18, "GB": 22, "CH": 21,
            "LU": 20, "AT": 20, "PT": 25, "IE": 22, "MC": 27}


def iban_ok(iban: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", iban):
        return False
    if IBAN_LEN.get(iban[:2], len(iban)) != len(iban):
        return False
    s = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in s)) % 97 == 1


def as_date(v, where, errs):
    if isinstance(v, date):
        return v
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v)):
            return date.fromisoformat(str(v))
    except ValueError:
        pass
    errs.append(f"{where}: bad date {v!r}")
    return None


def dec(v, where, errs):
    if not isinstance(v, str) or not AMOUNT_RE.match(v):
        errs.append(f"{where}: amount must be a string with two decimals, got {v!r}")
        return None
    return Decimal(v)


def sgn(d: Decimal) -> int:
    return (d > 0) - (d < 0)


def check_items(items, where, errs, parties):
    out = {}
    for it in items:
        iw = f"{where} item {it.get('id', '?')}"
        extra = set(it) - ITEM_KEYS
        if extra:
            errs.append(f"{iw}: unknown keys {sorted(extra)}")
        for k in ("id", "kind", "amount"):
            if k not in it:
                errs.append(f"{iw}: missing {k}")
        if not ("issue_date" in it or "due_date" in it):
            errs.append(f"{iw}: needs a date")
        kind = it.get("kind")
        if kind not in KIND_SIGN:
            errs.append(f"{iw}: bad kind {kind!r}")
        amt = dec(it.get("amount"), iw, errs)
        if amt is not None:
            if amt == 0:
                errs.append(f"{iw}: zero amount")
            elif KIND_SIGN.get(kind) and sgn(amt) != KIND_SIGN[kind]:
                errs.append(f"{iw}: sign of {amt} does not fit kind {kind}")
        opn = amt
        if "open_amount" in it:
            opn = dec(it["open_amount"], iw + " open_amount", errs)
            if opn is not None and amt is not None:
                if opn == 0 or sgn(opn) != sgn(amt) or abs(opn) > abs(amt):
                    errs.append(f"{iw}: open_amount {opn} inconsistent with amount {amt}")
                if opn == amt:
                    errs.append(f"{iw}: open_amount equal to amount is redundant")
        d1 = as_date(it["issue_date"], iw, errs) if "issue_date" in it else None
        d2 = as_date(it["due_date"], iw, errs) if "due_date" in it else None
        if d1 and d2 and d2 < d1:
            errs.append(f"{iw}: due before issue")
        if ("discount_until" in it) != ("discount_rate" in it):
            errs.append(f"{iw}: discount_until and discount_rate go together")
        if "discount_until" in it:
            as_date(it["discount_until"], iw, errs)
            try:
                r = Decimal(str(it["discount_rate"]))
                if not (0 < r < 1):
                    errs.append(f"{iw}: discount_rate out of range")
            except Exception:
                errs.append(f"{iw}: bad discount_rate")
        if "currency" in it and not re.fullmatch(r"[A-Z]{3}", it["currency"]):
            errs.append(f"{iw}: bad currency")
        if it.get("party_iban") and not iban_ok(it["party_iban"]):
            errs.append(f"{iw}: invalid IBAN {it['party_iban']}")
        pid = it.get("party_id")
        if pid:
            sig = (it.get("party_name", ""), it.get("party_iban", ""))
            if pid in parties and parties[pid] != sig:
                # an IBAN may be unknown on some lines of the same party; names must agree
                if parties[pid][0] != sig[0] or (parties[pid][1] and sig[1] and parties[pid][1] != sig[1]):
                    errs.append(f"{iw}: party {pid} has two identities {parties[pid]} / {sig}")
            else:
                parties[pid] = sig
        if it.get("id") in out:
            errs.append(f"{iw}: duplicate id in case")
        out[it.get("id")] = (it, amt, opn)
    return out


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("-")]
    root = Path(args[0]) if args else Path(__file__).with_name("cases")
    files = sorted(root.glob("*.toml"))
    errs, notes = [], []
    names, all_ids = set(), {}
    iban_owner = {}          # ledger IBAN -> (party_name, where): one owner in the whole set
    movement_ibans = []      # (iban, where, ledger IBANs of its own case)
    per_file, per_outcome, per_phen = Counter(), Counter(), Counter()
    file_outcomes = defaultdict(Counter)
    if not files:
        errs.append(f"no case files in {root}")
    for f in files:
        if not FILE_RE.match(f.name):
            errs.append(f"{f.name}: file name must look like NN_theme.toml")
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            errs.append(f"{f.name}: TOML error {e}")
            continue
        if set(data) != {"case"}:
            errs.append(f"{f.name}: only [[case]] tables allowed, got {sorted(data)}")
        for i, c in enumerate(data.get("case", [])):
            w = f"{f.name}#{i + 1} {c.get('name', '?')!r}"
            extra, missing = set(c) - CASE_KEYS, CASE_REQUIRED - set(c)
            if extra or missing:
                errs.append(f"{w}: unknown keys {sorted(extra)} missing {sorted(missing)}")
                continue
            if c["name"] in names:
                errs.append(f"{w}: duplicate name")
            names.add(c["name"])
            if not SNAKE_RE.match(c["phenomenon"]):
                errs.append(f"{w}: phenomenon not snake_case")
            if not c["why"].strip():
                errs.append(f"{w}: empty why")
            bdate = as_date(c["booking_date"], w, errs)
            if not (3 <= len(c["items"]) <= 30):
                errs.append(f"{w}: {len(c['items'])} items (3..30 required)")
            parties = {}
            items = check_items(c["items"], w, errs, parties)
            case_ibans = set()
            ledger_items = list(c["items"]) + [it for h in c.get("history", []) for it in h.get("items", [])]
            for it in ledger_items:
                ib = it.get("party_iban")
                if ib:
                    case_ibans.add(ib)
                    owner = iban_owner.setdefault(ib, (it.get("party_name"), w))
                    if owner[0] != it.get("party_name"):
                        errs.append(f"{w}: IBAN {ib} of {it.get('party_name')!r} already belongs to {owner[0]!r} in {owner[1]}")
            for iid in items:
                if iid in all_ids:
                    errs.append(f"{w}: item id {iid} also used in {all_ids[iid]}")
                all_ids[iid] = w
            # movement
            m = c["movement"]
            if set(m) - MOVE_KEYS:
                errs.append(f"{w}: unknown movement keys {sorted(set(m) - MOVE_KEYS)}")
            mamt = dec(m.get("amount"), w + " movement", errs)
            if mamt == 0:
                errs.append(f"{w}: zero movement")
            if not any(str(m.get(k, "")).strip() for k in ("description", "reference", "counterparty_name")):
                errs.append(f"{w}: movement has nothing to read")
            if m.get("counterparty_iban") and not iban_ok(m["counterparty_iban"]):
                errs.append(f"{w}: invalid movement IBAN {m['counterparty_iban']}")
            if m.get("counterparty_iban"):
                movement_ibans.append((m["counterparty_iban"], w, case_ibans))
            if "value_date" in m and bdate:
                vd = as_date(m["value_date"], w, errs)
                if vd and abs((vd - bdate).days) > 7:
                    errs.append(f"{w}: value_date far from booking_date")
            mcur = m.get("currency", "EUR")
            # expected
            e = c["expected"]
            if set(e) - EXP_KEYS or "outcome" not in e or "items" not in e:
                errs.append(f"{w}: expected must hold outcome and items")
                continue
            oc = e["outcome"]
            per_outcome[oc] += 1
            per_file[f.name] += 1
            file_outcomes[f.name][oc] += 1
            per_phen[c["phenomenon"]] += 1
            if oc not in ("auto", "review", "none"):
                errs.append(f"{w}: bad outcome {oc}")
            if "identifiable" in e and not isinstance(e["identifiable"], bool):
                errs.append(f"{w}: identifiable must be a boolean")
            if oc == "none" and e["items"]:
                errs.append(f"{w}: outcome none must have no items")
            if oc == "auto" and not e["items"]:
                errs.append(f"{w}: outcome auto needs items")
            total = Decimal("0")
            for iid, v in e["items"].items():
                if iid not in items:
                    errs.append(f"{w}: expected item {iid} not in items")
                    continue
                it, amt, opn = items[iid]
                x = dec(v, f"{w} expected {iid}", errs)
                if x is None or amt is None or opn is None:
                    continue
                if x == 0 or sgn(x) != sgn(amt):
                    errs.append(f"{w}: expected {iid} {x} has the wrong sign")
                if abs(x) > abs(opn):
                    errs.append(f"{w}: expected {iid} {x} exceeds open {opn}")
                if it.get("currency", "EUR") != mcur:
                    errs.append(f"{w}: currency of {iid} differs from the movement's")
                if bdate and it.get("issue_date") and as_date(it["issue_date"], w, errs) > bdate and oc == "auto":
                    errs.append(f"{w}: auto posting to {iid} issued after the payment")
                total += x
            if e["items"] and mamt is not None:
                if sgn(total) != sgn(mamt):
                    errs.append(f"{w}: expected total {total} has not the sign of the movement {mamt}")
                diff = mamt - total
                if diff != 0:
                    notes.append(f"{oc:6} {diff:>10} {w}")
                    if oc == "auto":
                        ok = False
                        # early-payment discount taken within its period
                        disc = Decimal("0")
                        paid_on = as_date(m["value_date"], w, errs) if "value_date" in m else bdate
                        for iid, v in e["items"].items():
                            it = items.get(iid, ({}, None, None))[0]
                            if it.get("discount_rate") and paid_on and as_date(it["discount_until"], w, errs) >= paid_on:
                                disc += (Decimal(v) * Decimal(str(it["discount_rate"]))).quantize(Decimal("0.01"))
                        if disc and abs(diff + disc) <= Decimal("0.02"):
                            ok = True
                        if any(wd in c["phenomenon"] for wd in FEE_PHENOMENA_WORDS) and abs(diff) <= 50:
                            ok = True
                        if not ok:
                            errs.append(f"{w}: auto truth total {total} differs from movement {mamt} unexplained")
            # history
            paid_before = defaultdict(Decimal)
            for j, h in enumerate(c.get("history", [])):
                hw = f"{w} history#{j + 1}"
                if set(h) - HIST_KEYS:
                    errs.append(f"{hw}: unknown keys {sorted(set(h) - HIST_KEYS)}")
                hd = as_date(h.get("booking_date"), hw, errs)
                if hd and bdate and hd >= bdate:
                    errs.append(f"{hw}: history must be earlier than the case")
                hamt = dec(h.get("amount"), hw, errs)
                hitems = check_items(h.get("items", []), hw, errs, {})
                for iid in hitems:
                    if iid in items:
                        errs.append(f"{hw}: history item {iid} clashes with a case item")
                    if iid in all_ids:
                        errs.append(f"{hw}: item id {iid} also used in {all_ids[iid]}")
                    all_ids[iid] = hw
                if not h.get("settles"):
                    errs.append(f"{hw}: settles nothing")
                s = Decimal("0")
                for iid, v in h.get("settles", {}).items():
                    x = dec(v, f"{hw} settles {iid}", errs)
                    if x is None:
                        continue
                    s += x
                    if iid in hitems:
                        if hitems[iid][1] is not None and abs(x) > abs(hitems[iid][1]):
                            errs.append(f"{hw}: settles more than {iid}")
                    elif iid in items:
                        it, amt, opn = items[iid]
                        paid_before[iid] += x
                        if amt is not None and opn is not None and abs(amt - opn) < abs(paid_before[iid]):
                            errs.append(f"{hw}: {iid} paid {paid_before[iid]} in history but its open_amount does not show it")
                    else:
                        errs.append(f"{hw}: settles unknown item {iid} (describe it in the entry's items)")
                if hamt is not None and s != hamt:
                    errs.append(f"{hw}: settles {s} but the payment is {hamt}")
    for ib, w, own in movement_ibans:
        if ib not in own and ib in iban_owner:
            errs.append(f"{w}: payer IBAN {ib} is not in this case's ledger but is {iban_owner[ib][0]!r}'s in {iban_owner[ib][1]}")
    print("cases per file:")
    for fn in sorted(per_file):
        mix = ", ".join(f"{k} {v}" for k, v in sorted(file_outcomes[fn].items()))
        print(f"  {fn:50} {per_file[fn]:4}   ({mix})")
    print(f"total {sum(per_file.values())} cases; outcomes: {dict(per_outcome)}")
    print(f"phenomena: {len(per_phen)}")
    if "-v" in argv or "--verbose" in argv:
        print("movements whose expected total differs from the bank amount:")
        for n in notes:
            print("  " + n)
    if errs:
        print(f"\n{len(errs)} ERRORS:")
        for x in errs:
            print("  " + x)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
