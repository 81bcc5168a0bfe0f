"""A customer's (or supplier's) account as cashmatch holds it: open items, the payments
applied to them with their lettrage, what sits on the account unlettered (over-payments),
and the aged balance."""

from __future__ import annotations

from datetime import date
from typing import Any

from cashmatch.errors import NotFound
from cashmatch.ledger.history import ItemFilter, items_by_id, items_page
from cashmatch.ledger.reports import aged_balance
from cashmatch.model import APPLYING, sql_list
from cashmatch.money import from_minor
from cashmatch.store import Store

_PARTY_SQL = """
SELECT party_id, any_value(party_name) AS party_name,
       string_agg(DISTINCT party_iban, ', ' ORDER BY party_iban) AS ibans,
       string_agg(DISTINCT account, ', ' ORDER BY account) AS accounts
FROM cm_items WHERE party_id = ? GROUP BY party_id
"""
#: Payments applied to the party's items, one row per decision (newest first).
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
JOIN cm_movements m ON m.movement_id = a.movement_id
LEFT JOIN cm_lettrage l ON l.item_id = a.item_id
LEFT JOIN cm_decisions u ON u.reverses_decision_id = d.decision_id
GROUP BY ALL ORDER BY d.decision_id DESC LIMIT ?
"""
#: What sits on the party's auxiliary account without an item: over-payments kept on it.
_ON_ACCOUNT_SQL = """
SELECT l.currency, CAST(sum(l.credit_minor - l.debit_minor) AS BIGINT) AS credit_minor
FROM cm_journal_lines l WHERE l.aux_account = ? AND l.item_id IS NULL
GROUP BY l.currency HAVING sum(l.credit_minor - l.debit_minor) <> 0 ORDER BY l.currency
"""


def customer_account(store: Store, party_id: str, as_of: date,
                     payments: int = 200) -> dict[str, Any]:
    """The account of party ``party_id``: who it is, its items (open ones first, then the
    settled ones), the last ``payments`` applications to them, credits kept on the account
    without an item, the aged balance at ``as_of`` and the open total per currency."""
    found = store.dicts(_PARTY_SQL, [party_id])
    if not found:
        raise NotFound(f"no party {party_id!r} among the open items")
    items = items_page(store, ItemFilter(party=party_id), limit=None).rows
    paid = store.dicts(_PAYMENTS_SQL, [party_id, payments])
    for p in paid:
        ccy = p["currency"]
        p["movement_amount"] = from_minor(p.pop("movement_minor"), ccy)
        p["applied"] = from_minor(p.pop("applied_minor"), ccy)
    open_total: dict[str, Any] = {}
    for i in items:
        open_total[i["currency"]] = open_total.get(i["currency"], 0) + i["open_amount"]
    return found[0] | {
        "open_items": [i for i in items if i["open_amount"] != 0],
        "settled_items": [i for i in items if i["open_amount"] == 0],
        "payments": paid,
        "on_account": [{"currency": c, "credit": from_minor(m, c)}
                       for c, m in store.rows(_ON_ACCOUNT_SQL, [party_id])],
        "aged": aged_balance(store, as_of, party_id), "as_of": as_of,
        "open_total": open_total,
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
