"""What people decide on the review queue, and undoing any decision.

Every decision (accept a ranked candidate, assign items by hand, write a difference off,
book in suspense, reclassify from suspense, ignore, post straight to an account, keep a
customer's payment as a credit or owe it back as a refund, unmatch) is recorded in the
append-only
decision log with who took it and when, and posts its entry in the same transaction through
:func:`cashmatch.ledger.journal.post` (the same line-builder as a run's, on one-row frames):
either all of it happens or none of it.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.config import Rules, is_account
from cashmatch.errors import Conflict, NotFound, PostingError, ReviewError
from cashmatch.ingest.normalize import name_sql
from cashmatch.ledger import journal
from cashmatch.ledger.journal import decisions_frame
from cashmatch.ledger.posting import account_lines
from cashmatch.match.memory import learn_payers
from cashmatch.model import (
    APPLYING,
    DECIDED,
    SETTLING,
    UNDOABLE,
    Action,
    ReviewStatus,
    sql_list,
)
from cashmatch.money import format_amount, from_minor, to_minor
from cashmatch.store import Store, local_time, now

if TYPE_CHECKING:
    import polars as pl

_MOVEMENT_SQL = """
SELECT m.movement_id, m.booking_date, m.amount_minor, m.currency, m.bank_reference,
       m.counterparty_name, m.counterparty_iban, m.remittance, m.account
FROM cm_movements m WHERE m.movement_id = ?
"""
#: A party's name and customer account (that of most of its customer items).
_PARTY_SQL = """
SELECT party_id, any_value(party_name) AS party_name, mode(account) AS account
FROM cm_items WHERE party_id = ? AND kind IN ('invoice', 'credit_note') GROUP BY party_id
"""
#: The parties a review item's candidates name, best candidate first.
_CANDIDATE_PARTIES_SQL = """
SELECT i.party_id FROM cm_candidates c JOIN cm_candidate_lines l USING (candidate_id)
JOIN cm_items i USING (item_id)
WHERE c.review_id = ? AND i.party_id IS NOT NULL ORDER BY c.rank, l.item_id LIMIT 1
"""
#: The party the payer memory knows for a payer IBAN or name (``?``: IBAN, name as written).
_REMEMBERED_PARTY_SQL = f"""
WITH payer AS (SELECT CAST(? AS VARCHAR) AS iban, CAST(? AS VARCHAR) AS raw)
SELECT a.party_id FROM cm_aliases a, payer p WHERE a.removed_at IS NULL
  AND ((a.kind = 'iban' AND a.value = p.iban) OR (a.kind = 'name' AND a.value = {name_sql('p.raw')}))
ORDER BY a.kind = 'iban' DESC, a.alias_id DESC LIMIT 1
"""
_REFUND_APPLIED_SQL = "SELECT coalesce(sum(amount_minor), 0) FROM cm_allocations WHERE item_id = ?"
_REVIEW_SQL = ("SELECT review_id, status, movement_id, revision, closed_at, decision_id "
               "FROM cm_review_items WHERE review_id = ?")
#: The decision that closed a review item: its own, or the one that settled its movement.
_CLOSED_BY_SQL = f"""
SELECT d.decision_id, d.action, d.actor, d.created_at AS decided_at FROM cm_decisions d
WHERE d.decision_id = coalesce(?, (
    SELECT max(s.decision_id) FROM cm_decisions s WHERE s.movement_id = ?
      AND s.action IN {sql_list(SETTLING)} AND s.created_at <= ?))
"""
_PENDING_SQL = ("SELECT approval_id, requested_by, requested_at FROM cm_approvals "
                "WHERE review_id = ? AND status = 'pending'")
#: The standing applications to items (the decisions that settled them), latest first.
_SETTLED_BY_SQL = f"""
SELECT a.item_id, d.decision_id, d.action, d.actor, d.created_at, a.movement_id,
       m.booking_date, m.amount_minor, m.currency
FROM cm_allocations a JOIN cm_decisions d USING (decision_id)
JOIN cm_movements m ON m.movement_id = a.movement_id
WHERE list_contains(?, a.item_id) AND d.action IN {sql_list(APPLYING)} AND a.amount_minor <> 0
  AND NOT EXISTS (SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id)
ORDER BY d.decision_id DESC
"""
_ITEMS_SQL = """
SELECT i.item_id, i.account, i.party_id, i.party_name, i.reference, i.currency AS item_currency,
       i.amount_minor - i.settled_outside_minor - coalesce(a.applied_minor, 0) AS open_minor,
       i.amount_minor AS item_amount_minor, i.book_minor, i.book_currency
FROM cm_items i
LEFT JOIN (SELECT item_id, CAST(sum(amount_minor) AS BIGINT) AS applied_minor
           FROM cm_allocations WHERE list_contains($1, item_id) GROUP BY item_id) a
     USING (item_id)
WHERE list_contains($1, i.item_id)
"""
_CANDIDATE_SQL = ("SELECT candidate_id, rule, explanation, confidence, evidence_json, "
                  "adjustments_json FROM cm_candidates WHERE review_id = ? AND rank = ?")
_CANDIDATE_LINES_SQL = ("SELECT item_id, amount_minor FROM cm_candidate_lines "
                        "WHERE candidate_id = ? ORDER BY item_id")
_CLOSE_SQL = ("UPDATE cm_review_items SET status = ?, closed_at = ?, decision_id = ? "
              "WHERE review_id = ?")
_ACTIVE_SQL = f"""
SELECT d.decision_id, d.action, d.rule FROM cm_decisions d
WHERE d.movement_id = ? AND d.action IN {sql_list(UNDOABLE)}
  AND NOT EXISTS (SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id)
ORDER BY d.decision_id DESC
"""
_REMOVE_LEARNED_SQL = ("UPDATE cm_aliases SET removed_at = ?, removed_by = ? "
                       "WHERE decision_id = ? AND removed_at IS NULL")
_REOPEN_SQL = ("INSERT INTO cm_review_items (review_id, movement_id, run_id, reason, status, "
               "created_at, revision) VALUES (?, ?, ?, 'reopened', 'open', ?, 1)")
_LAST_RUN_SQL = "SELECT coalesce(max(run_id), 0) FROM cm_runs"
_IN_SUSPENSE_SQL = """
SELECT m.currency, coalesce(sum(l.credit_minor - l.debit_minor), 0)
FROM cm_movements m LEFT JOIN cm_journal_entries e ON e.movement_id = m.movement_id
LEFT JOIN cm_journal_lines l ON l.entry_id = e.entry_id AND l.account = ?
WHERE m.movement_id = ? GROUP BY m.currency
"""
_ABOVE_SQL = ("SELECT r.review_id FROM cm_review_items r JOIN cm_candidates c USING "
              "(review_id) WHERE r.status = 'open' AND c.rank = 1 AND c.confidence >= ? "
              "ORDER BY r.review_id")


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
class Decision:
    """One decision to record: what, by whom, why, and the money it applies."""

    action: Action
    actor: str
    rule: str
    explanation: str
    evidence: dict[str, Any]
    reason: str | None = None
    confidence: Decimal | None = None
    review_id: int | None = None
    reverses: int | None = None


# -- shared steps ----------------------------------------------------------------------------


def open_review(store: Store, review_id: int, revision: int | None = None,
                approval_id: int | None = None) -> dict[str, Any]:
    """The open review item ``review_id`` with its movement. :class:`Conflict` says who
    decided it and when if it is no longer open, which request it waits on (unless it is
    ``approval_id``), or that its suggestions changed since ``revision`` was read."""
    row = store.dicts(_REVIEW_SQL, [review_id])
    if not row:
        raise NotFound(f"no review item {review_id}")
    rv = row[0]
    if rv["status"] != ReviewStatus.OPEN:
        by = store.dicts(_CLOSED_BY_SQL, [rv["decision_id"], rv["movement_id"], rv["closed_at"]])
        raise Conflict(_closed(rv | (by[0] if by else {"decision_id": None})))
    pending = store.row(_PENDING_SQL, [review_id])
    if pending is not None and pending[0] != approval_id:
        raise Conflict(f"review item {review_id} waits for an approver: write-off request "
                       f"{pending[0]} by {pending[1]} at {local_time(pending[2])}")
    if revision is not None and revision != rv["revision"]:
        raise Conflict(f"the suggestions of review item {review_id} changed since you read "
                       f"them (a matching run refreshed them): look at them again")
    return rv | movement_row(store, rv["movement_id"])


def _closed(rv: dict[str, Any]) -> str:
    """Why review item ``rv`` is no longer open, naming the decision, who and when."""
    rid, status = rv["review_id"], rv["status"]
    if rv["decision_id"] is None:
        return f"review item {rid} is {status}, not open"
    who = "the engine" if rv["actor"] == "engine" else rv["actor"]
    if status == ReviewStatus.SUPERSEDED:
        return (f"review item {rid} was closed: {who} settled its movement at "
                f"{local_time(rv['decided_at'])} (decision {rv['decision_id']}, "
                f"{rv['action']})")
    return (f"review item {rid} was already {status} by {who} at "
            f"{local_time(rv['decided_at'])} (decision {rv['decision_id']})")


def movement_row(store: Store, movement_id: int) -> dict[str, Any]:
    rows = store.dicts(_MOVEMENT_SQL, [movement_id])
    if not rows:
        raise NotFound(f"no movement {movement_id}")
    return rows[0]


def items_of(store: Store, item_ids: list[str]) -> pl.DataFrame:
    """What posting needs of the items ``item_ids``, with what is still open on each."""
    found = store.frame(_ITEMS_SQL, [item_ids])
    missing = [i for i in item_ids if i not in set(found.get_column("item_id").to_list())]
    if missing:
        raise NotFound(f"no open item with id {', '.join(missing)}")
    return found


def check_open(store: Store, items: pl.DataFrame, amounts: list[tuple[str, int]]) -> None:
    """Refuse, naming what settled it, an item that has nothing open any more, or less than
    ``amounts`` takes from it since another decision paid it (a suggestion gone stale, a
    second payment of a settled invoice)."""
    opens = dict(items.select("item_id", "open_minor").iter_rows())
    currency = dict(items.select("item_id", "item_currency").iter_rows())
    for item_id, wanted in amounts:
        left = opens[item_id]
        if left != 0 and not (wanted and (wanted > 0) == (left > 0) and abs(wanted) > abs(left)):
            continue
        previous = store.dicts(_SETTLED_BY_SQL, [[item_id]])
        if not previous:
            if left == 0:
                raise Conflict(f"{item_id} has nothing open: it was settled outside cashmatch")
            continue
        last = previous[0]
        by = (f"decision {last['decision_id']} (movement {last['movement_id']} of "
              f"{last['booking_date']}, "
              f"{format_amount(from_minor(last['amount_minor'], last['currency']))} "
              f"{last['currency']}, {last['action']} by {last['actor']} at "
              f"{local_time(last['created_at'])})")
        if left == 0:
            raise Conflict(f"{item_id} is already settled by {by}")
        ccy = currency[item_id]
        raise Conflict(f"{item_id} has only {format_amount(from_minor(left, ccy))} open, not "
                       f"{format_amount(from_minor(wanted, ccy))}: {by} paid part of it")


def allocations_frame(items: pl.DataFrame, amounts: list[tuple[str, int]]) -> pl.DataFrame:
    """The allocations frame of one entry: ``amounts`` (item id, minor units of the item's
    currency) in that order, with the items' facts."""
    import polars as pl

    wanted = pl.DataFrame(amounts, schema={"item_id": pl.String, "applied_minor": pl.Int64},
                          orient="row", )
    return wanted.join(items, on="item_id", maintain_order="left").select(
        pl.lit(0, pl.Int64).alias("k"), "item_id", "account", "party_id", "party_name",
        "reference", "item_currency", "applied_minor", "open_minor", "item_amount_minor",
        "book_minor", "book_currency")


def entry_frame(mv: dict[str, Any], amount_minor: int | None = None,
                cash_account: str | None = None,
                adjust: tuple[str, int] | None = None) -> pl.DataFrame:
    """The entries frame of one entry booking movement ``mv`` (or ``amount_minor`` of it)."""
    import polars as pl

    return pl.DataFrame([{
        "k": 0, "movement_id": mv["movement_id"], "booking_date": mv["booking_date"],
        "amount_minor": mv["amount_minor"] if amount_minor is None else amount_minor,
        "currency": mv["currency"], "bank_reference": mv["bank_reference"],
        "counterparty_name": mv["counterparty_name"], "remittance": mv["remittance"],
        "cash_account": cash_account, "adjust_kind": adjust[0] if adjust else None,
        "adjust_minor": adjust[1] if adjust else 0}],
        schema={"k": pl.Int64, "movement_id": pl.Int64, "booking_date": pl.Date,
                "amount_minor": pl.Int64, "currency": pl.String, "bank_reference": pl.String,
                "counterparty_name": pl.String, "remittance": pl.String,
                "cash_account": pl.String, "adjust_kind": pl.String, "adjust_minor": pl.Int64})


def record(store: Store, rules: Rules, movement_id: int, decision: Decision,
           entry: pl.DataFrame | None = None, allocations: pl.DataFrame | None = None,
           status: ReviewStatus | None = None, accounts: pl.DataFrame | None = None) -> int:
    """Record ``decision`` (and post its entry, with its account lines); close its review
    item with ``status``; remember the payer of an application. Returns the decision id."""
    frame = decisions_frame([{
        "k": 0, "movement_id": movement_id, "review_id": decision.review_id,
        "action": decision.action.value, "actor": decision.actor, "rule": decision.rule,
        "confidence": decision.confidence, "explanation": decision.explanation,
        "evidence_json": json.dumps(decision.evidence, ensure_ascii=False, default=str,
                                    sort_keys=True, separators=(",", ":")),
        "reason": decision.reason, "reverses_decision_id": decision.reverses}])
    try:
        posted = journal.post(store, rules, frame, entry, allocations, accounts=accounts)
    except PostingError as exc:
        raise ReviewError(str(exc)) from exc
    decision_id = int(posted.get_column("decision_id")[0])
    if allocations is not None and allocations.height:
        learn_payers(store, [movement_id])
    if status is not None and decision.review_id is not None:
        store.execute(_CLOSE_SQL, [status.value, now(), decision_id, decision.review_id])
    return decision_id


def _chosen(store: Store, assignments: list[tuple[str, Decimal | None]], available: int,
            currency: str) -> tuple[pl.DataFrame, list[tuple[str, int]]]:
    """Items chosen by a person with their amounts in minor units; an amount left out means
    what is still open on the item, within what is left of ``available``."""
    items = items_of(store, [i for i, _ in assignments])
    opens = dict(items.select("item_id", "open_minor").iter_rows())
    out: list[tuple[str, int]] = []
    left = available
    for item_id, amount in assignments:
        if amount is None:
            sign = 1 if opens[item_id] > 0 else -1
            minor = min(abs(left), abs(opens[item_id])) * sign
        else:
            minor = to_minor(amount, currency)
        out.append((item_id, minor))
        left -= minor
    return items, out


def described(amounts: list[tuple[str, int]], currency: str) -> str:
    return ", ".join(f"{i} ({format_amount(from_minor(a, currency))})" for i, a in amounts)


def evidence_of(amounts: list[tuple[str, int]], currency: str) -> list[dict[str, str]]:
    return [{"item_id": i, "amount": format_amount(from_minor(a, currency))}
            for i, a in amounts]


# -- the actions -----------------------------------------------------------------------------


def accept(store: Store, rules: Rules, review_id: int, rank: int = 1,
           user: str | None = None, revision: int | None = None) -> int:
    """Apply candidate ``rank`` of a review item; returns the decision id. With
    ``revision`` (the one the person read), refuse if a run changed the candidates since."""
    with store.transaction():
        rv = open_review(store, review_id, revision)
        cand = store.dicts(_CANDIDATE_SQL, [review_id, rank])
        if not cand:
            raise NotFound(f"review item {review_id} has no candidate {rank}")
        lines = store.rows(_CANDIDATE_LINES_SQL, [cand[0]["candidate_id"]])
        items = items_of(store, [r[0] for r in lines])
        check_open(store, items, [(r[0], r[1]) for r in lines])
        adjust = next(((a["kind"], a["amount_minor"])
                       for a in json.loads(cand[0]["adjustments_json"])), None)
        decision = Decision(Action.ACCEPT, current_user(user), cand[0]["rule"],
                            cand[0]["explanation"],
                            json.loads(cand[0]["evidence_json"]) | {"rank": rank},
                            confidence=cand[0]["confidence"], review_id=review_id)
        try:
            return record(store, rules, rv["movement_id"], decision,
                          entry_frame(rv, adjust=adjust),
                          allocations_frame(items, list(lines)), ReviewStatus.ACCEPTED)
        except ReviewError as exc:
            raise Conflict(f"candidate {rank} can no longer be applied: {exc}") from exc


def assign(store: Store, rules: Rules, review_id: int,
           assignments: list[tuple[str, Decimal | None]], user: str | None = None,
           reason: str | None = None) -> int:
    """Apply the movement to items chosen by a person; an amount left out means "what is
    still open on the item, within what is left of the movement". Any part of the movement
    left unallocated is posted to the suspense account."""
    if not assignments:
        raise ReviewError("name at least one item to assign")
    with store.transaction():
        rv = open_review(store, review_id)
        items, amounts = _chosen(store, assignments, rv["amount_minor"], rv["currency"])
        check_open(store, items, amounts)
        ccy = rv["currency"]
        decision = Decision(Action.ASSIGN, current_user(user), "manual:assign",
                            "Assigned by hand to " + described(amounts, ccy),
                            {"allocations": evidence_of(amounts, ccy)}, reason=reason,
                            review_id=review_id)
        return record(store, rules, rv["movement_id"], decision, entry_frame(rv),
                      allocations_frame(items, amounts), ReviewStatus.ASSIGNED)


def suspense(store: Store, rules: Rules, review_id: int, reason: str,
             user: str | None = None) -> int:
    """Book an unidentified movement on the suspense account (471) until it is known."""
    if not reason.strip():
        raise ReviewError("give a reason to park a movement in suspense")
    with store.transaction():
        rv = open_review(store, review_id)
        decision = Decision(Action.SUSPENSE, current_user(user), "manual:suspense",
                            f"Booked on {rules.ledger.suspense_account} until identified", {},
                            reason=reason, review_id=review_id)
        return record(store, rules, rv["movement_id"], decision, entry_frame(rv),
                      allocations_frame(no_items(), []), ReviewStatus.SUSPENSE)


def no_items() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={"item_id": pl.String, "account": pl.String,
                                "party_id": pl.String, "party_name": pl.String,
                                "reference": pl.String, "item_currency": pl.String,
                                "open_minor": pl.Int64, "item_amount_minor": pl.Int64,
                                "book_minor": pl.Int64, "book_currency": pl.String})


def post_to_account(store: Store, rules: Rules, review_id: int, account: str, label: str,
                    user: str | None = None, reason: str | None = None,
                    vat_rate: Decimal | None = None) -> int:
    """Post a queued movement straight to ``account`` (a bank fee, a tax, a salary no
    posting rule took): its whole amount under ``label``, net of the VAT it includes when
    ``vat_rate`` (percent) is given, that VAT going to the ledger's VAT account of its
    direction. Returns the decision id."""
    if not is_account(account):
        raise ReviewError(f"{account!r} is not an account number (a digit of class 1 to 8, two "
                          "more digits, then digits or capitals)")
    if not label.strip():
        raise ReviewError("give the entry a label")
    if vat_rate is not None and not (0 <= vat_rate < 100 and (vat_rate * 100) % 1 == 0):
        raise ReviewError(f"a VAT rate is a percentage from 0 to 100 with at most two "
                          f"decimals (got {vat_rate})")
    with store.transaction():
        rv = open_review(store, review_id)
        if account == rules.bank(rv["account"]).account:
            raise ReviewError(f"{account} is the movement's own bank account")
        decision = Decision(Action.POST, current_user(user), "manual:post",
                            f"Posted to {account} by hand: {label}",
                            {"account": account, "label": label,
                             "vat_rate": None if vat_rate is None else str(vat_rate)},
                            reason=reason, review_id=review_id)
        lines = account_lines([{"k": 0, "account": account, "label": label,
                                "amount_minor": rv["amount_minor"], "vat_rate": vat_rate}],
                              rules.ledger)
        return record(store, rules, rv["movement_id"], decision, entry_frame(rv),
                       allocations_frame(no_items(), []), ReviewStatus.POSTED, lines)


def keep_as_credit(store: Store, rules: Rules, review_id: int, party: str | None = None,
                   user: str | None = None, reason: str | None = None) -> int:
    """Keep a customer's payment that settles nothing (a payment made twice, an advance) as
    the customer's credit: on ``[ledger] overpayment_account`` (e.g. 419100) when set, else
    on the customer's own account, with the customer as auxiliary account and lettered to
    nothing. ``party`` names the customer; without it, the review item's candidates or the
    payer memory must tell. Returns the decision id."""
    with store.transaction():
        rv = open_review(store, review_id)
        who = _customer(store, rv, party)
        account = rules.ledger.overpayment_account or who["account"]
        decision = Decision(Action.POST, current_user(user), "manual:credit",
                            f"Kept as a credit of {who['party_name'] or who['party_id']} on "
                            f"{account}", {"party_id": who["party_id"], "account": account},
                            reason=reason, review_id=review_id)
        lines = account_lines([{
            "k": 0, "account": account, "aux_account": who["party_id"],
            "aux_label": who["party_name"], "amount_minor": rv["amount_minor"],
            "label": f"Crédit client conservé {who['party_name'] or who['party_id']}"}],
            rules.ledger)
        return record(store, rules, rv["movement_id"], decision, entry_frame(rv),
                       allocations_frame(no_items(), []), ReviewStatus.POSTED, lines)


def refund(store: Store, rules: Rules, review_id: int, party: str | None = None,
           user: str | None = None, reason: str | None = None) -> int:
    """Owe a customer's payment back (a payment made twice): post it to the customer's
    account and record what is owed as an open item of the customer, ``RMB-M<movement>``
    (a credit note of the amount, payable to the payer's IBAN), that the refund, once paid
    out, settles like any item. ``party`` as for :func:`keep_as_credit`. Returns the
    decision id."""
    from cashmatch.ingest.items import upsert_items

    with store.transaction():
        rv = open_review(store, review_id)
        who = _customer(store, rv, party)
        item_id = f"RMB-M{rv['movement_id']}"
        owed = format_amount(from_minor(-rv["amount_minor"], rv["currency"]))
        upsert_items(store, [{
            "id": item_id, "kind": "credit_note", "account": who["account"],
            "party_id": who["party_id"], "party_name": who["party_name"],
            "party_iban": rv["counterparty_iban"], "reference": item_id,
            "issue_date": rv["booking_date"], "due_date": rv["booking_date"], "amount": owed,
            "currency": rv["currency"],
            "description": f"Remboursement du paiement M{rv['movement_id']}"}],
            f"refund of movement {rv['movement_id']}", origin="cashmatch")
        decision = Decision(Action.POST, current_user(user), "manual:refund",
                            f"To refund to {who['party_name'] or who['party_id']}: owed as "
                            f"item {item_id}", {"party_id": who["party_id"],
                                                "item_id": item_id, "amount": owed},
                            reason=reason, review_id=review_id)
        lines = account_lines([{
            "k": 0, "account": who["account"], "aux_account": who["party_id"],
            "aux_label": who["party_name"], "amount_minor": rv["amount_minor"],
            "item_id": item_id, "label": f"À rembourser {who['party_name'] or who['party_id']}"}],
            rules.ledger)
        return record(store, rules, rv["movement_id"], decision, entry_frame(rv),
                       allocations_frame(no_items(), []), ReviewStatus.POSTED, lines)


def _undo_refund(store: Store, movement_id: int) -> None:
    """Undoing a refund: the amount owed is no longer owed (its item is closed), unless the
    refund was paid out meanwhile (undo that first)."""
    from cashmatch.ingest.items import close_items

    item_id = f"RMB-M{movement_id}"
    if store.scalar(_REFUND_APPLIED_SQL, [item_id]):
        raise Conflict(f"the refund {item_id} was paid out: unmatch that payment first")
    close_items(store, [item_id], "refund undone")


def _customer(store: Store, rv: dict[str, Any], party: str | None) -> dict[str, Any]:
    """The customer a receipt is kept for or owed back to: ``party`` when given, else the
    party of the review item's best candidate, else the party the payer memory knows."""
    if rv["amount_minor"] <= 0:
        raise ReviewError("only a receipt is kept as a customer's credit or owed back")
    if party is None:
        party = store.scalar(_CANDIDATE_PARTIES_SQL, [rv["review_id"]]) or store.scalar(
            _REMEMBERED_PARTY_SQL, [rv["counterparty_iban"], rv["counterparty_name"]])
    if party is None:
        raise ReviewError("name the customer (party): nothing tells who paid")
    found = store.dicts(_PARTY_SQL, [party])
    if not found:
        raise NotFound(f"no customer item of party {party}")
    return found[0]


def in_suspense(store: Store, rules: Rules, movement_id: int) -> Decimal:
    """What of a movement still sits on the suspense account (signed like the movement)."""
    row = store.row(_IN_SUSPENSE_SQL, [rules.ledger.suspense_account, movement_id])
    if row is None:
        raise NotFound(f"no movement {movement_id}")
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
            raise Conflict(f"movement {movement_id} has nothing on the suspense account")
        mv = movement_row(store, movement_id)
        ccy = mv["currency"]
        items, amounts = _chosen(store, assignments, to_minor(parked, ccy), ccy)
        check_open(store, items, amounts)
        total = sum(a for _, a in amounts)
        if abs(total) > abs(to_minor(parked, ccy)) or (total > 0) != (parked > 0):
            raise ReviewError(f"{format_amount(from_minor(total, ccy))} cannot be taken from "
                              f"the {parked} in suspense")
        decision = Decision(Action.RECLASS, current_user(user), "manual:reclass",
                            "Reclassified from suspense to " + described(amounts, ccy),
                            {"allocations": evidence_of(amounts, ccy)}, reason=reason)
        return record(store, rules, movement_id, decision,
                      entry_frame(mv, total, rules.ledger.suspense_account),
                      allocations_frame(items, amounts))


def ignore(store: Store, rules: Rules, review_id: int, reason: str,
           user: str | None = None) -> int:
    """Take a movement out of matching for good (not a receipt to apply), with a reason."""
    if not reason.strip():
        raise ReviewError("give a reason to ignore a movement")
    with store.transaction():
        rv = open_review(store, review_id)
        decision = Decision(Action.IGNORE, current_user(user), "manual:ignore",
                            f"Ignored: {reason}", {}, reason=reason, review_id=review_id)
        return record(store, rules, rv["movement_id"], decision,
                      status=ReviewStatus.IGNORED)


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk accept did: accepted review ids, and the ones refused with why."""

    accepted: list[int]
    refused: list[tuple[int, str]]


def accept_above(store: Store, rules: Rules, minimum: Decimal,
                 user: str | None = None) -> BulkResult:
    """Accept the first candidate of every open review item whose confidence is at least
    ``minimum``, each as its own decision; items that can no longer be applied are skipped."""
    accepted, refused = [], []
    for (review_id,) in store.rows(_ABOVE_SQL, [minimum]):
        try:
            accept(store, rules, review_id, 1, user)
            accepted.append(review_id)
        except (ReviewError, Conflict) as exc:
            refused.append((review_id, str(exc)))
    return BulkResult(accepted, refused)


def unmatch(store: Store, rules: Rules, movement_id: int, reason: str,
            user: str | None = None) -> int:
    """Undo what was decided for a movement: post the reversal of its entry (lines swapped,
    never an edit), give the items back their open amounts, forget what the payer memory
    learned from it, and queue the movement for review again. Returns the new decision id."""
    if not reason.strip():
        raise ReviewError("give a reason to undo a decision")
    with store.transaction():
        movement_row(store, movement_id)
        active = store.dicts(_ACTIVE_SQL, [movement_id])
        if not active:
            raise Conflict(f"movement {movement_id} is not applied or ignored: nothing to undo")
        undone = active[0]
        decision = Decision(Action.UNMATCH, current_user(user),
                            f"manual:unmatch:{undone['action']}",
                            f"Undid decision {undone['decision_id']} ({undone['action']}): "
                            f"{reason}", {"reverses": undone["decision_id"]}, reason=reason,
                            reverses=undone["decision_id"])
        if undone["rule"] == "manual:refund":
            _undo_refund(store, movement_id)
        decision_id = record(store, rules, movement_id, decision)
        journal.reverse(store, rules, undone["decision_id"], decision_id)
        store.execute(_REMOVE_LEARNED_SQL, [
            now(), f"unmatch of decision {undone['decision_id']}", undone["decision_id"]])
        if undone["action"] != Action.RECLASS:  # undoing a reclass leaves it in suspense
            store.execute(_REOPEN_SQL, [store.next_id("cm_review_items", "review_id"),
                                        movement_id, store.scalar(_LAST_RUN_SQL), now()])
    return decision_id


def reopen(store: Store, rules: Rules, review_id: int, reason: str,
           user: str | None = None) -> int:
    """Reopen a decided review item: undo its decision (see :func:`unmatch`)."""
    row = store.row("SELECT movement_id, status FROM cm_review_items WHERE review_id = ?",
                    [review_id])
    if row is None:
        raise NotFound(f"no review item {review_id}")
    if row[1] not in DECIDED:
        raise Conflict(f"review item {review_id} is {row[1]}: only a decided item reopens")
    return unmatch(store, rules, row[0], reason, user)


