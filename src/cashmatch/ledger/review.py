"""The review queue: list, show, and the decisions people take on it.

Every decision (accept a ranked candidate, assign items by hand, ignore with a reason) is
recorded in the append-only decision log with who took it and when, and posts its journal
entry in the same transaction: either all of it happens or none of it.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cashmatch.config import Rules
from cashmatch.errors import PostingError, ReviewError
from cashmatch.ledger.journal import Applier
from cashmatch.match.run import learn_payers, reason_text
from cashmatch.money import from_minor, to_minor
from cashmatch.ledger.posting import Adjustment, ItemFacts, MovementFacts, check_allocations
from cashmatch.store import Store, now


def current_user(explicit: str | None = None) -> str:
    """``--user``, else ``$CASHMATCH_USER``, else the login name."""
    if explicit:
        return explicit
    env = os.environ.get("CASHMATCH_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Filters of ``review list``; None means no filter."""

    status: str | None = "open"
    reason: str | None = None
    party: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    date_from: date | None = None
    date_to: date | None = None


_LIST_SQL = """
SELECT r.review_id, r.movement_id, r.reason, r.status, r.created_at,
       m.booking_date, m.amount_minor, m.currency, m.counterparty_name, m.remittance,
       m.bank_reference,
       (SELECT count(*) FROM cm_candidates c WHERE c.review_id = r.review_id) AS n_candidates,
       c1.confidence AS top_confidence,
       (SELECT string_agg(l.item_id, '+' ORDER BY l.item_id) FROM cm_candidate_lines l
         WHERE l.candidate_id = c1.candidate_id) AS top_items,
       (SELECT string_agg(DISTINCT i.party_id, ',') FROM cm_candidates c
         JOIN cm_candidate_lines l USING (candidate_id) JOIN cm_items i USING (item_id)
         WHERE c.review_id = r.review_id) AS parties
FROM cm_review_items r
JOIN cm_movements m USING (movement_id)
LEFT JOIN cm_candidates c1 ON c1.review_id = r.review_id AND c1.rank = 1
"""


def list_reviews(store: Store, flt: ReviewFilter = ReviewFilter()) -> list[dict[str, Any]]:
    """Review items matching ``flt``, oldest movement first."""
    where, params = [], []
    if flt.status:
        where.append("r.status = ?")
        params.append(flt.status)
    if flt.reason:
        where.append("r.reason = ?")
        params.append(flt.reason)
    if flt.date_from:
        where.append("m.booking_date >= ?")
        params.append(flt.date_from)
    if flt.date_to:
        where.append("m.booking_date <= ?")
        params.append(flt.date_to)
    sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY m.booking_date, r.review_id"
    out = []
    for row in store.dicts(sql, params):
        amount = from_minor(row.pop("amount_minor"), row["currency"])
        if flt.min_amount is not None and amount < flt.min_amount:
            continue
        if flt.max_amount is not None and amount > flt.max_amount:
            continue
        if flt.party and flt.party not in (row["parties"] or "").split(","):
            continue
        row["amount"] = amount
        row["reason_text"] = reason_text(row["reason"])
        out.append(row)
    return out


def show_review(store: Store, review_id: int) -> dict[str, Any]:
    """A review item with its movement and ranked candidates (items, amounts, evidence)."""
    rows = store.dicts(_LIST_SQL + " WHERE r.review_id = ?", [review_id])
    if not rows:
        raise ReviewError(f"no review item {review_id}")
    item = rows[0]
    item["amount"] = from_minor(item.pop("amount_minor"), item["currency"])
    item["reason_text"] = reason_text(item["reason"])
    candidates = store.dicts(
        "SELECT candidate_id, rank, confidence, rule, explanation, evidence_json "
        "FROM cm_candidates WHERE review_id = ? ORDER BY rank", [review_id])
    for cand in candidates:
        cand["evidence"] = json.loads(cand.pop("evidence_json"))
        cand["allocations"] = [
            {"item_id": r["item_id"], "party_id": r["party_id"], "party_name": r["party_name"],
             "reference": r["reference"], "amount": from_minor(r["amount_minor"], r["currency"])}
            for r in store.dicts(
                "SELECT l.item_id, l.amount_minor, i.party_id, i.party_name, i.reference, "
                "i.currency FROM cm_candidate_lines l JOIN cm_items i USING (item_id) "
                "WHERE l.candidate_id = ? ORDER BY l.item_id", [cand["candidate_id"]])]
    item["candidates"] = candidates
    return item


def _open_review(store: Store, review_id: int) -> dict[str, Any]:
    row = store.dicts(
        "SELECT r.review_id, r.status, m.movement_id, m.booking_date, m.amount_minor, "
        "m.currency, m.bank_reference, m.counterparty_name, m.remittance "
        "FROM cm_review_items r JOIN cm_movements m USING (movement_id) WHERE r.review_id = ?",
        [review_id])
    if not row:
        raise ReviewError(f"no review item {review_id}")
    if row[0]["status"] != "open":
        raise ReviewError(f"review item {review_id} is {row[0]['status']}, not open")
    return row[0]


def _items(store: Store, item_ids: list[str]) -> dict[str, ItemFacts]:
    rows = store.dicts("""
        SELECT i.item_id, i.account, i.party_id, i.party_name, i.reference, i.currency,
               i.amount_minor, i.book_minor, i.book_currency,
               i.amount_minor - i.settled_outside_minor - coalesce(
                   (SELECT CAST(sum(a.amount_minor) AS BIGINT) FROM cm_allocations a
                    WHERE a.item_id = i.item_id), 0) AS open_minor
        FROM cm_items i WHERE list_contains(?, i.item_id)""", [item_ids])
    found = {r["item_id"]: ItemFacts(
        r["item_id"], r["account"], r["party_id"], r["party_name"], r["reference"], r["currency"],
        from_minor(r["open_minor"], r["currency"]), from_minor(r["amount_minor"], r["currency"]),
        None if r["book_minor"] is None else from_minor(r["book_minor"], r["book_currency"]),
        r["book_currency"]) for r in rows}
    missing = [i for i in item_ids if i not in found]
    if missing:
        raise ReviewError(f"no open item with id {', '.join(missing)}")
    return found


def _allocations(store: Store, assignments: list[tuple[str, Decimal | None]],
                 available: Decimal, currency: str) -> list[tuple[ItemFacts, Decimal]]:
    """Items chosen by a person with their amounts; an amount left out means what is still
    open on the item, within what is left of ``available``."""
    items = _items(store, [i for i, _ in assignments])
    out: list[tuple[ItemFacts, Decimal]] = []
    left = available
    for item_id, amount in assignments:
        item = items[item_id]
        if amount is None:
            amount = min(abs(left), abs(item.open_amount)) * (1 if item.open_amount > 0 else -1)
        else:
            to_minor(amount, currency)  # refuses more decimals than the currency has
        out.append((item, amount))
        left -= amount
    return out


def _close(store: Store, review_id: int, status: str, decision_id: int) -> None:
    store.execute("UPDATE cm_review_items SET status = ?, closed_at = ?, decision_id = ? "
                  "WHERE review_id = ?", [status, now(), decision_id, review_id])


def accept(store: Store, rules: Rules, review_id: int, rank: int = 1,
           user: str | None = None) -> int:
    """Apply candidate ``rank`` of a review item; returns the decision id."""
    with store.transaction():
        rv = _open_review(store, review_id)
        cand = store.dicts("SELECT candidate_id, rule, explanation, confidence, evidence_json, "
                           "adjustments_json FROM cm_candidates WHERE review_id = ? AND rank = ?",
                           [review_id, rank])
        if not cand:
            raise ReviewError(f"review item {review_id} has no candidate {rank}")
        lines = store.rows("SELECT item_id, amount_minor FROM cm_candidate_lines "
                           "WHERE candidate_id = ? ORDER BY item_id", [cand[0]["candidate_id"]])
        items = _items(store, [r[0] for r in lines])
        mv = MovementFacts.from_row(rv)
        allocations = [(items[i], from_minor(a, items[i].currency)) for i, a in lines]
        adjustment = next((Adjustment(a["kind"], from_minor(a["amount_minor"], mv.currency))
                           for a in json.loads(cand[0]["adjustments_json"])), None)
        try:
            check_allocations(mv, allocations, adjustment)
        except PostingError as exc:
            raise ReviewError(f"candidate {rank} can no longer be applied: {exc}") from exc
        applier = Applier(store, rules)
        decision_id = applier.decide(
            mv.movement_id, "accept", current_user(user), cand[0]["rule"],
            cand[0]["explanation"], json.loads(cand[0]["evidence_json"]) | {"rank": rank},
            confidence=cand[0]["confidence"], review_id=review_id)
        applier.apply(mv, allocations, decision_id, adjustment)
        applier.flush()
        learn_payers(store, [mv.movement_id])
        _close(store, review_id, "accepted", decision_id)
    return decision_id


def assign(store: Store, rules: Rules, review_id: int,
           assignments: list[tuple[str, Decimal | None]], user: str | None = None,
           reason: str | None = None) -> int:
    """Apply the movement to items chosen by a person; an amount left out means "what is
    still open on the item, within what is left of the movement". Any part of the movement
    left unallocated is posted to the suspense account."""
    if not assignments:
        raise ReviewError("name at least one item to assign")
    with store.transaction():
        rv = _open_review(store, review_id)
        mv = MovementFacts.from_row(rv)
        allocations = _allocations(store, assignments, mv.amount, mv.currency)
        try:
            check_allocations(mv, allocations)
        except PostingError as exc:
            raise ReviewError(str(exc)) from exc
        who = current_user(user)
        text = "Assigned by hand to " + ", ".join(
            f"{i.item_id} ({a})" for i, a in allocations)
        applier = Applier(store, rules)
        decision_id = applier.decide(
            mv.movement_id, "assign", who, "manual:assign", text,
            {"allocations": [{"item_id": i.item_id, "amount": str(a)} for i, a in allocations]},
            review_id=review_id, reason=reason)
        applier.apply(mv, allocations, decision_id)
        applier.flush()
        learn_payers(store, [mv.movement_id])
        _close(store, review_id, "assigned", decision_id)
    return decision_id


def writeoff(store: Store, rules: Rules, review_id: int, item_ids: list[str], reason: str,
             user: str | None = None) -> int:
    """Settle the items in full with the movement and write the difference off (658 for a
    shortfall, 758 for an excess), within ``tolerances.manual_writeoff_max``."""
    if not item_ids:
        raise ReviewError("name the items to settle")
    if not reason.strip():
        raise ReviewError("give a reason to write a difference off")
    with store.transaction():
        rv = _open_review(store, review_id)
        mv = MovementFacts.from_row(rv)
        items = _items(store, item_ids)
        allocations = [(items[i], items[i].open_amount) for i in item_ids]
        difference = sum((a for _, a in allocations), Decimal(0)) - mv.amount
        limit = rules.tolerances.manual_writeoff_max
        if difference == 0:
            raise ReviewError("nothing to write off: the movement settles the items exactly "
                              "(use review accept or assign)")
        if abs(difference) > limit:
            raise ReviewError(f"the difference {difference} exceeds the write-off limit {limit} "
                              "(tolerances.manual_writeoff_max)")
        adjustment = Adjustment("rounding", difference)
        try:
            check_allocations(mv, allocations, adjustment)
        except PostingError as exc:
            raise ReviewError(str(exc)) from exc
        applier = Applier(store, rules)
        decision_id = applier.decide(
            mv.movement_id, "assign", current_user(user), "manual:writeoff",
            f"Settled {', '.join(item_ids)} writing off {difference} {mv.currency}",
            {"allocations": [{"item_id": i.item_id, "amount": str(a)} for i, a in allocations],
             "writeoff": str(difference)}, review_id=review_id, reason=reason)
        applier.apply(mv, allocations, decision_id, adjustment)
        applier.flush()
        learn_payers(store, [mv.movement_id])
        _close(store, review_id, "assigned", decision_id)
    return decision_id


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk accept did: accepted review ids, and the ones refused with why."""

    accepted: list[int]
    refused: list[tuple[int, str]]


def accept_above(store: Store, rules: Rules, minimum: Decimal,
                 user: str | None = None) -> BulkResult:
    """Accept the first candidate of every open review item whose confidence is at least
    ``minimum``, each as its own decision; items that can no longer be applied are skipped."""
    ids = [r[0] for r in store.rows(
        "SELECT r.review_id FROM cm_review_items r JOIN cm_candidates c USING (review_id) "
        "WHERE r.status = 'open' AND c.rank = 1 AND c.confidence >= ? ORDER BY r.review_id",
        [minimum])]
    accepted, refused = [], []
    for review_id in ids:
        try:
            accept(store, rules, review_id, 1, user)
            accepted.append(review_id)
        except ReviewError as exc:
            refused.append((review_id, str(exc)))
    return BulkResult(accepted, refused)


def suspense(store: Store, rules: Rules, review_id: int, reason: str,
             user: str | None = None) -> int:
    """Book an unidentified movement on the suspense account (471) until it is known."""
    if not reason.strip():
        raise ReviewError("give a reason to park a movement in suspense")
    with store.transaction():
        rv = _open_review(store, review_id)
        mv = MovementFacts.from_row(rv)
        applier = Applier(store, rules)
        decision_id = applier.decide(mv.movement_id, "suspense", current_user(user),
                                     "manual:suspense",
                                     f"Booked on {rules.ledger.suspense_account} until identified",
                                     {}, review_id=review_id, reason=reason)
        applier.apply(mv, [], decision_id)
        applier.flush()
        _close(store, review_id, "suspense", decision_id)
    return decision_id


def in_suspense(store: Store, rules: Rules, movement_id: int) -> Decimal:
    """What of a movement still sits on the suspense account (signed like the movement)."""
    row = store.row(
        "SELECT m.currency, coalesce(sum(l.credit_minor - l.debit_minor), 0) "
        "FROM cm_movements m LEFT JOIN cm_journal_entries e ON e.movement_id = m.movement_id "
        "LEFT JOIN cm_journal_lines l ON l.entry_id = e.entry_id AND l.account = ? "
        "WHERE m.movement_id = ? GROUP BY m.currency",
        [rules.ledger.suspense_account, movement_id])
    if row is None:
        raise ReviewError(f"no movement {movement_id}")
    return from_minor(int(row[1]), row[0])


def reclass(store: Store, rules: Rules, movement_id: int,
            assignments: list[tuple[str, Decimal | None]], user: str | None = None,
            reason: str | None = None) -> int:
    """Move money parked in suspense to the items it pays: debit 471, credit 411 (or 401)."""
    if not assignments:
        raise ReviewError("name at least one item")
    with store.transaction():
        parked = in_suspense(store, rules, movement_id)
        if parked == 0:
            raise ReviewError(f"movement {movement_id} has nothing on the suspense account")
        row = store.dicts("SELECT * FROM cm_movements WHERE movement_id = ?", [movement_id])[0]
        base = MovementFacts.from_row(row)
        allocations = _allocations(store, assignments, parked, base.currency)
        total = sum((a for _, a in allocations), Decimal(0))
        if abs(total) > abs(parked) or (total > 0) != (parked > 0):
            raise ReviewError(f"{total} cannot be taken from the {parked} in suspense")
        facts = MovementFacts(base.movement_id, base.booking_date, total, base.currency,
                              base.bank_reference, base.counterparty_name, base.remittance)
        applier = Applier(store, rules)
        decision_id = applier.decide(
            movement_id, "reclass", current_user(user), "manual:reclass",
            "Reclassified from suspense to " + ", ".join(f"{i.item_id} ({a})"
                                                        for i, a in allocations),
            {"allocations": [{"item_id": i.item_id, "amount": str(a)} for i, a in allocations]},
            reason=reason)
        try:
            applier.apply(facts, allocations, decision_id,
                          cash_account=rules.ledger.suspense_account)
        except PostingError as exc:
            raise ReviewError(str(exc)) from exc
        applier.flush()
    return decision_id


def ignore(store: Store, rules: Rules, review_id: int, reason: str,
           user: str | None = None) -> int:
    """Take a movement out of matching for good (not a receipt to apply), with a reason."""
    if not reason.strip():
        raise ReviewError("give a reason to ignore a movement")
    with store.transaction():
        rv = _open_review(store, review_id)
        applier = Applier(store, rules)
        decision_id = applier.decide(rv["movement_id"], "ignore", current_user(user),
                                     "manual:ignore", f"Ignored: {reason}", {},
                                     review_id=review_id, reason=reason)
        applier.flush()
        _close(store, review_id, "ignored", decision_id)
    return decision_id


def _active_decision(store: Store, movement_id: int) -> dict[str, Any]:
    rows = store.dicts(
        "SELECT d.decision_id, d.action, d.review_id FROM cm_decisions d "
        "WHERE d.movement_id = ? "
        "AND d.action IN ('auto', 'accept', 'assign', 'ignore', 'suspense', 'reclass') "
        "AND NOT EXISTS (SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id) "
        "ORDER BY d.decision_id DESC", [movement_id])
    if not rows:
        raise ReviewError(f"movement {movement_id} is not applied or ignored: nothing to undo")
    return rows[0]


def unmatch(store: Store, rules: Rules, movement_id: int, reason: str,
            user: str | None = None) -> int:
    """Undo what was decided for a movement: post the reversal of its entry (lines swapped,
    never an edit), give the items back their open amounts, forget what the payer memory
    learned from it, and queue the movement for review again. Returns the new decision id."""
    if not reason.strip():
        raise ReviewError("give a reason to undo a decision")
    with store.transaction():
        active = _active_decision(store, movement_id)
        applier = Applier(store, rules)
        decision_id = applier.decide(
            movement_id, "unmatch", current_user(user), f"manual:unmatch:{active['action']}",
            f"Undid decision {active['decision_id']} ({active['action']}): {reason}",
            {"reverses": active["decision_id"]}, reason=reason,
            reverses=active["decision_id"])
        applier.flush()
        entries = store.rows("SELECT entry_id FROM cm_journal_entries WHERE decision_id = ?",
                             [active["decision_id"]])
        for (entry_id,) in entries:
            _post_reversal(store, entry_id, decision_id)
        store.execute(
            "INSERT INTO cm_allocations SELECT "
            "(SELECT max(allocation_id) FROM cm_allocations) + row_number() OVER (ORDER BY allocation_id), "
            "movement_id, item_id, -amount_minor, currency, ?, "
            "(SELECT max(entry_id) FROM cm_journal_entries WHERE decision_id = ?), now()::TIMESTAMP "
            "FROM cm_allocations WHERE decision_id = ?",
            [decision_id, decision_id, active["decision_id"]])
        store.execute("UPDATE cm_aliases SET removed_at = ?, removed_by = ? "
                      "WHERE decision_id = ? AND removed_at IS NULL",
                      [now(), f"unmatch of decision {active['decision_id']}",
                       active["decision_id"]])
        still_settled = store.scalar(
            "SELECT count(*) FROM cm_decisions d WHERE d.movement_id = ? "
            "AND d.action IN ('auto', 'accept', 'assign', 'ignore', 'suspense') "
            "AND NOT EXISTS (SELECT 1 FROM cm_decisions u "
            "                WHERE u.reverses_decision_id = d.decision_id)", [movement_id])
        if not still_settled:  # back to the queue (undoing a reclass leaves it in suspense)
            review_id = store.next_id("cm_review_items", "review_id")
            store.execute("INSERT INTO cm_review_items "
                          "VALUES (?, ?, ?, 'reopened', 'open', ?, NULL, NULL)",
                          [review_id, movement_id,
                           store.scalar("SELECT coalesce(max(run_id), 0) FROM cm_runs"), now()])
    return decision_id


def _post_reversal(store: Store, entry_id: int, decision_id: int) -> None:
    new_id = store.next_id("cm_journal_entries", "entry_id")
    store.execute(
        "INSERT INTO cm_journal_entries SELECT ?, journal || lpad(CAST(? AS VARCHAR), 6, '0'), "
        "journal, CAST(now() AS DATE), 'Extourne ' || entry_number || ' ' || label, piece_ref, "
        "currency, movement_id, ?, entry_id, now()::TIMESTAMP "
        "FROM cm_journal_entries WHERE entry_id = ?", [new_id, new_id, decision_id, entry_id])
    store.execute(
        "INSERT INTO cm_journal_lines SELECT ?, line_no, account, aux_account, aux_label, "
        "'Extourne ' || label, credit_minor, debit_minor, currency, item_id "
        "FROM cm_journal_lines WHERE entry_id = ?", [new_id, entry_id])


def reopen(store: Store, rules: Rules, review_id: int, reason: str,
           user: str | None = None) -> int:
    """Reopen a decided review item: undo its decision (see :func:`unmatch`)."""
    row = store.row("SELECT movement_id, status FROM cm_review_items WHERE review_id = ?",
                    [review_id])
    if row is None:
        raise ReviewError(f"no review item {review_id}")
    if row[1] not in ("accepted", "assigned", "ignored", "suspense"):
        raise ReviewError(f"review item {review_id} is {row[1]}: only a decided item reopens")
    return unmatch(store, rules, row[0], reason, user)
