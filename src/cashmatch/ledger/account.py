"""A customer's (or supplier's) account as cashmatch holds it at a date: its items (open
ones and settled ones), the payments applied to them with their lettrage, the unapplied
credits left on the account (over-payments, payments kept as credits), the aged balance, and
the open total and balance per currency. The command line (``cashmatch customer``), the
HTTP route (``GET /customers/{party_id}``) and the customer page all read it from
:func:`customer_account`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cashmatch.errors import NotFound
from cashmatch.ledger.history import ItemFilter, items_by_id, items_page
from cashmatch.ledger.reports import aged_balance, unapplied_credits
from cashmatch.model import APPLYING, sql_list
from cashmatch.money import from_minor
from cashmatch.store import Store

_PARTY_SQL = """
SELECT party_id, any_value(party_name) AS party_name,
       string_agg(DISTINCT party_iban, ', ' ORDER BY party_iban) AS ibans,
       string_agg(DISTINCT account, ', ' ORDER BY account) AS accounts
FROM cm_items WHERE party_id = ? GROUP BY party_id
"""
#: What was applied to the party's items by movements booked after a date (``?``: party,
#: date): added back, it gives what was open on each item at that date.
_APPLIED_AFTER_SQL = """
SELECT a.item_id, CAST(sum(a.amount_minor) AS BIGINT) FROM cm_allocations a
JOIN cm_items i ON i.item_id = a.item_id AND i.party_id = ?
JOIN cm_movements m ON m.movement_id = a.movement_id
WHERE m.booking_date > ? GROUP BY a.item_id
"""
#: Payments applied to the party's items up to a date, one row per decision (newest first).
_PAYMENTS_SQL = f"""
SELECT d.decision_id, d.action, d.actor, d.created_at, m.movement_id, m.booking_date,
       m.amount_minor AS movement_minor, m.currency, m.counterparty_name, m.remittance,
       CAST(sum(a.amount_minor) AS BIGINT) AS applied_minor,
       string_agg(a.item_id, ', ' ORDER BY a.item_id) AS items,
       string_agg(DISTINCT l.code, ', ' ORDER BY l.code) AS lettrage,
       u.decision_id AS undone_by
FROM cm_allocations a
JOIN cm_items i ON i.item_id = a.item_id AND i.party_id = ?
JOIN cm_decisions d ON d.decision_id = a.decision_id AND d.action IN {sql_list(APPLYING)}
JOIN cm_movements m ON m.movement_id = a.movement_id AND m.booking_date <= ?
LEFT JOIN cm_lettrage l ON l.item_id = a.item_id
LEFT JOIN cm_decisions u ON u.reverses_decision_id = d.decision_id
GROUP BY ALL ORDER BY d.decision_id DESC LIMIT ?
"""


def customer_account(store: Store, party_id: str, as_of: date,
                     payments: int = 200) -> dict[str, Any]:
    """The account of party ``party_id`` at ``as_of``: who it is (``party_name``, ``ibans``,
    ``accounts``); its items issued by then, ``open_items`` (what was open on each at the
    date, ``open_amount``) then ``settled_items``; the last ``payments`` applications to
    them (``payments``, with their lettrage and the decision that undid one); the
    ``unapplied_credits`` left on the account, entry by entry (negative); the ``aged``
    balance; ``open_total`` (the open items) and ``balance`` (with the credits) per
    currency. :class:`NotFound` for a party that has no item."""
    found = store.dicts(_PARTY_SQL, [party_id])
    if not found:
        raise NotFound(f"no party {party_id!r} among the items")
    later = dict(store.rows(_APPLIED_AFTER_SQL, [party_id, as_of]))
    items = []
    for i in items_page(store, ItemFilter(party=party_id), limit=None).rows:
        if (i["issue_date"] or i["due_date"] or as_of) > as_of:
            continue
        if i["item_id"] in later:
            i["open_amount"] += from_minor(later[i["item_id"]], i["currency"])
        items.append(i)
    paid = store.dicts(_PAYMENTS_SQL, [party_id, as_of, payments])
    for p in paid:
        ccy = p["currency"]
        p["movement_amount"] = from_minor(p.pop("movement_minor"), ccy)
        p["applied"] = from_minor(p.pop("applied_minor"), ccy)
    credits = unapplied_credits(store, party_id, as_of)
    open_total: dict[str, Decimal] = {}
    for i in items:
        open_total[i["currency"]] = open_total.get(i["currency"], 0) + i["open_amount"]
    balance = dict(open_total)
    for c in credits:
        balance[c["currency"]] = balance.get(c["currency"], 0) + c["amount"]
    return found[0] | {
        "as_of": as_of,
        "open_items": [i for i in items if i["open_amount"] != 0],
        "settled_items": [i for i in items if i["open_amount"] == 0],
        "payments": paid, "unapplied_credits": credits,
        "aged": aged_balance(store, as_of, party_id),
        "open_total": open_total, "balance": balance,
    }


_CANDIDATE_ITEMS_SQL = """
SELECT l.item_id, min(c.rank) AS rank
FROM cm_review_items r JOIN cm_candidates c USING (review_id)
JOIN cm_candidate_lines l USING (candidate_id)
WHERE r.movement_id = ? AND r.status = 'open' GROUP BY l.item_id
"""
_IBAN_PARTIES_SQL = """
SELECT party_id, min(party_name) AS party_name FROM cm_items
WHERE party_iban = ? AND party_id IS NOT NULL GROUP BY party_id
UNION ALL
SELECT a.party_id, NULL FROM cm_aliases a
WHERE a.kind = 'iban' AND a.value = ? AND a.removed_at IS NULL
"""


def payer_parties(store: Store, movement_id: int) -> list[dict[str, Any]]:
    """The parties a movement may come from, most likely first: those of its candidates (by
    rank), then those its payer's IBAN is known for (items, payer memory)."""
    ranks = dict(store.rows(_CANDIDATE_ITEMS_SQL, [movement_id]))
    found: dict[str, dict[str, Any]] = {}
    for item_id, item in items_by_id(store, sorted(ranks)).items():
        if item["party_id"]:
            known = found.setdefault(item["party_id"], {
                "party_id": item["party_id"], "rank": ranks[item_id],
                "party_name": item["party_name"]})
            known["rank"] = min(known["rank"], ranks[item_id])
    iban = store.scalar("SELECT counterparty_iban FROM cm_movements WHERE movement_id = ?",
                        [movement_id])
    if iban:
        for party_id, name in store.rows(_IBAN_PARTIES_SQL, [iban, iban]):
            found.setdefault(party_id, {"party_id": party_id, "rank": 100, "party_name": name})
    return sorted(found.values(), key=lambda p: (p["rank"], p["party_id"]))
