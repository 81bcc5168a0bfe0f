"""The reconciliation statement (état de rapprochement) of each bank account at a date.

For each statement account (an IBAN, or the id a statement gives), at the end of day ``D``:

- ``statement_balance``: the bank's balance, the closing balance of the account's last
  statement closed by ``D`` plus the movements booked after it up to ``D`` (or, before any
  closing balance, the opening balance of its first statement plus the movements since);
  None when the bank never gave a balance.
- ``ledger_balance``: the balance of its ledger account (``[[bank]] account``, 512xxx) from
  the account's own entries dated by ``D``, after the ledger's opening balance: ``[[bank]]
  opening_balance``, else the bank's balance before the first movement cashmatch holds (the
  opening balance of the account's first statement, less the movements booked before it):
  books and bank agreed when cashmatch took over the journal.
- ``unposted``: the movements booked by ``D`` that are not (or not wholly) in the ledger by
  ``D`` (awaiting review, never matched, posted later than booked, or undone), each with
  what is missing; ``unposted_total`` their sum.

so that ``statement_balance = ledger_balance + unposted_total``; ``difference`` is what
remains, and ``state`` says what it is. A statement whose opening balance does not continue the previous statement's
closing balance means movements the store never received (a missing statement): each such
``gap`` is listed, and the difference is their total.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from cashmatch.config import Rules
from cashmatch.money import from_minor
from cashmatch.store import Store

_STATEMENTS_SQL = """
SELECT account, currency, statement_id, file_name, opening_minor, closing_minor, opening_date,
       closing_date
FROM cm_statements
ORDER BY account, coalesce(closing_date, opening_date), statement_id
"""

#: What each movement of the accounts of ``__cm_banks`` has on its account's ledger account
#: by the date (``?``).
_POSTED = """
SELECT e.movement_id, sum(jl.debit_minor - jl.credit_minor) AS posted
FROM cm_journal_entries e JOIN cm_journal_lines jl USING (entry_id)
JOIN cm_movements mm ON mm.movement_id = e.movement_id
JOIN __cm_banks b ON b.account IS NOT DISTINCT FROM mm.account AND b.ledger = jl.account
WHERE e.entry_date <= ?
GROUP BY e.movement_id
"""

#: Per account: the movements booked by the date, those since its statement balance's base
#: (``__cm_banks.since``), and what the ledger holds of them (``?``: date, date).
_TOTALS_SQL = f"""
SELECT m.account, m.currency,
       coalesce(sum(m.amount_minor) FILTER (WHERE m.booking_date >= b.since
                                            AND m.booking_date <= $2), 0) AS since_base,
       coalesce(sum(m.amount_minor) FILTER (WHERE m.booking_date < b.first_opening), 0)
           AS before_first,
       coalesce(sum(p.posted), 0) AS posted,
       count(*) FILTER (WHERE m.booking_date <= $2) AS booked
FROM cm_movements m JOIN __cm_banks b ON b.account IS NOT DISTINCT FROM m.account
LEFT JOIN ({_POSTED.replace("?", "$1")}) p USING (movement_id)
WHERE m.status = 'booked'
GROUP BY ALL
"""

_UNPOSTED_SQL = f"""
SELECT m.account, m.movement_id, m.booking_date, m.currency, m.amount_minor,
       coalesce(p.posted, 0) AS posted_minor, m.counterparty_name, m.remittance,
       (SELECT min(r.review_id) FROM cm_review_items r
        WHERE r.movement_id = m.movement_id AND r.status = 'open') AS review_id
FROM cm_movements m JOIN __cm_banks b ON b.account IS NOT DISTINCT FROM m.account
LEFT JOIN ({_POSTED}) p USING (movement_id)
WHERE m.status = 'booked' AND m.booking_date <= ? AND m.amount_minor <> coalesce(p.posted, 0)
ORDER BY m.account, m.booking_date, m.movement_id
"""

_ACCOUNTS_SQL = """
SELECT DISTINCT account FROM cm_movements WHERE status = 'booked' AND booking_date <= ?
UNION SELECT DISTINCT account FROM cm_statements WHERE coalesce(opening_date, closing_date) <= ?
"""


def bank_reconciliation(store: Store, rules: Rules, as_of: date) -> list[dict[str, Any]]:
    """The reconciliation statement of every bank account at the end of ``as_of`` (see the
    module docstring), one dict per account and currency, amounts as ``Decimal``."""
    import polars as pl

    accounts = [r[0] for r in store.rows(_ACCOUNTS_SQL, [as_of, as_of])]
    statements = store.dicts(_STATEMENTS_SQL)
    bases = {a: _base([s for s in statements if s["account"] == a], as_of) for a in accounts}
    banks = pl.DataFrame(
        {"account": accounts, "ledger": [rules.bank(a).account for a in accounts],
         "since": [bases[a]["since"] for a in accounts],
         "first_opening": [bases[a]["opening_date"] or date.min for a in accounts]},
        schema={"account": pl.String, "ledger": pl.String, "since": pl.Date,
                "first_opening": pl.Date})
    with store.registered("__cm_banks", banks):
        totals = [t for t in store.dicts(_TOTALS_SQL, [as_of, as_of]) if t["booked"]]
        unposted = store.dicts(_UNPOSTED_SQL, [as_of, as_of])
    statements = [s for s in statements
                  if (s["opening_date"] or s["closing_date"] or date.max) <= as_of]
    out = []
    for t in totals:
        account = t["account"]
        rows = [u for u in unposted if u["account"] == account and u["currency"] == t["currency"]]
        mine = [s for s in statements if s["account"] == account]
        out.append(_statement(rules, account, t, bases[account], rows, mine, as_of))
    for account in accounts:  # an account with statements but no movement by the date
        if not any(t["account"] == account for t in totals) and bases[account]["currency"]:
            empty = {"account": account, "currency": bases[account]["currency"], "booked": 0,
                     "since_base": 0, "posted": 0, "before_first": 0}
            mine = [s for s in statements if s["account"] == account]
            out.append(_statement(rules, account, empty, bases[account], [], mine, as_of))
    return sorted(out, key=lambda r: (r["journal"], r["account"] or "", r["currency"]))


def _base(statements: list[dict[str, Any]], as_of: date) -> dict[str, Any]:
    """Where the bank's balance at ``as_of`` starts: the last closing balance by then
    (movements after its day count), else the first opening balance by then (movements from
    its day count); ``minor`` None when no statement by then gives a balance. ``opening``:
    the account's first opening balance, whatever the date."""
    closed = [s for s in statements if s["closing_minor"] is not None
              and s["closing_date"] is not None and s["closing_date"] <= as_of]
    opened = [s for s in statements if s["opening_minor"] is not None
              and s["opening_date"] is not None]
    opening = min(opened, key=lambda s: (s["opening_date"], s["statement_id"]), default=None)
    currency = next((s["currency"] for s in statements if s["currency"]), None)
    base: dict[str, Any] = {"currency": currency, "minor": None, "since": date.max,
                            "source": "no balance given by the bank",
                            "opening": None if opening is None else opening["opening_minor"],
                            "opening_date": None if opening is None else opening["opening_date"]}
    if closed:
        last = max(closed, key=lambda s: (s["closing_date"], s["statement_id"]))
        base |= {"minor": last["closing_minor"], "since": last["closing_date"] + timedelta(1),
                 "source": f"closing balance of {last['closing_date']} ({last['file_name']}) "
                           "and the movements booked since"}
    elif opening is not None and opening["opening_date"] <= as_of:
        base |= {"minor": opening["opening_minor"], "since": opening["opening_date"],
                 "source": f"opening balance of {opening['opening_date']} "
                           f"({opening['file_name']}) and the movements booked since"}
    return base


def _statement(rules: Rules, account: str | None, totals: dict[str, Any], base: dict[str, Any],
               unposted: list[dict[str, Any]], statements: list[dict[str, Any]],
               as_of: date) -> dict[str, Any]:
    """One account's reconciliation statement."""
    ccy = totals["currency"]
    bank = rules.bank(account)
    if bank.holds(account) and bank.opening_balance is not None:
        opening, opening_source = bank.opening_balance, f"[[bank]] {bank.name} opening_balance"
    elif base["opening"] is not None:
        opening = from_minor(base["opening"] - int(totals["before_first"]), ccy)
        opening_source = (f"the bank's before the first movement: the first statement's "
                          f"opening balance ({base['opening_date']}) less the movements "
                          "booked before it")
    else:
        opening, opening_source = from_minor(0, ccy), "none"
    ledger = opening + from_minor(int(totals["posted"]), ccy)
    missing = from_minor(sum(u["amount_minor"] - u["posted_minor"] for u in unposted), ccy)
    statement = (None if base["minor"] is None
                 else from_minor(base["minor"] + int(totals["since_base"]), ccy))
    gaps = _gaps(statements, ccy, as_of)
    difference = None if statement is None else statement - ledger - missing
    return {
        "account": account, "bank_account": bank.account, "journal": bank.journal,
        "currency": ccy, "as_of": as_of, "statement_balance": statement,
        "statement_source": base["source"], "ledger_opening": opening,
        "ledger_opening_source": opening_source, "ledger_balance": ledger,
        "unposted_total": missing, "unposted": [_unposted(u) for u in unposted],
        "gaps": gaps, "difference": difference, "state": _state(difference, gaps),
    }


def _state(difference: Decimal | None, gaps: list[dict[str, Any]]) -> str:
    """``reconciled`` (statement = ledger + not yet posted), ``gaps`` (the difference is
    the movements of missing statements), ``unexplained``, or ``no balance`` (the bank gave
    none)."""
    if difference is None:
        return "no balance"
    if difference == 0:
        return "reconciled"
    return "gaps" if difference == sum((g["gap"] for g in gaps), Decimal(0)) else "unexplained"


def _unposted(row: dict[str, Any]) -> dict[str, Any]:
    ccy = row["currency"]
    return {"movement_id": row["movement_id"], "booking_date": row["booking_date"],
            "amount": from_minor(row["amount_minor"], ccy),
            "in_ledger": from_minor(row["posted_minor"], ccy),
            "unposted": from_minor(row["amount_minor"] - row["posted_minor"], ccy),
            "counterparty_name": row["counterparty_name"], "remittance": row["remittance"],
            "review_id": row["review_id"]}


def _gaps(statements: list[dict[str, Any]], currency: str, as_of: date) -> list[dict[str, Any]]:
    """Consecutive statements whose opening balance does not continue the closing balance
    before it: movements the store never received."""
    out = []
    for before, after in pairwise(statements):
        if (before["closing_minor"] is None or after["opening_minor"] is None
                or after["opening_minor"] == before["closing_minor"]
                or (after["opening_date"] or as_of) > as_of):
            continue
        out.append({"previous_closing_date": before["closing_date"],
                    "previous_closing": from_minor(before["closing_minor"], currency),
                    "previous_file": before["file_name"],
                    "opening_date": after["opening_date"],
                    "opening": from_minor(after["opening_minor"], currency),
                    "file": after["file_name"],
                    "gap": from_minor(after["opening_minor"] - before["closing_minor"],
                                      currency)})
    return out
