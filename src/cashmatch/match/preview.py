"""Stateless matching: movements and open items in, proposals out, nothing stored.

For systems that keep their own ledger: the same stages as a real run, in a throw-away
in-memory store, returning for each movement what cashmatch would do (apply automatically,
or the ranked suggestions) with confidences and explanations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from cashmatch.config import Rules
from cashmatch.errors import InputError, Location
from cashmatch.ingest import normalize
from cashmatch.ingest.items import upsert_items
from cashmatch.ingest.statements import store_statements
from cashmatch.ledger.review import reason_text
from cashmatch.match.run import plan
from cashmatch.match.workspace import Workspace
from cashmatch.model import BP, Movement, Reference, Source, Statement
from cashmatch.money import AmountError, from_minor, parse_amount, to_minor
from cashmatch.store import Store

SOURCE = "request"


def movements_from_records(records: list[Mapping[str, Any]]) -> list[Movement]:
    """Movements from plain records (``booking_date``, ``amount`` as a decimal string,
    ``currency``, ``value_date``, ``counterparty_name``, ``counterparty_iban``,
    ``remittance``, ``reference``, ``bank_reference``); a bad amount is an
    :class:`InputError` naming ``movements[N].amount``."""
    out = []
    for n, r in enumerate(records):
        currency = str(r.get("currency") or "EUR").upper()
        try:
            amount = parse_amount(str(r["amount"]))
            to_minor(amount, currency)
        except AmountError as exc:
            raise InputError(Location(SOURCE, element=f"movements[{n}].amount"),
                             str(exc)) from exc
        reference = r.get("reference")
        out.append(Movement(
            r["booking_date"], amount, currency, Source(SOURCE, 0, f"movements[{n}]"),
            value_date=r.get("value_date"), counterparty_name=r.get("counterparty_name"),
            counterparty_iban=normalize.iban(r.get("counterparty_iban")),
            remittance=" ".join(filter(None, [r.get("remittance") or "", reference])),
            references=(Reference("reference", reference),) if reference else (),
            bank_reference=r.get("bank_reference") or f"request-{n}"))
    return out


def preview(movements: list[Movement], items: Iterable[Mapping[str, Any]],
            rules: Rules) -> list[dict[str, Any]]:
    """What cashmatch would decide for ``movements`` against ``items`` (item records with the
    columns of an items file; amounts as decimal strings or ``Decimal``)."""
    records = [dict(it) for it in items]
    with Store.open(":memory:") as store:
        if records:
            upsert_items(store, records, SOURCE)
        store_statements(store, [Statement(SOURCE, "preview", tuple(movements))], SOURCE)
        with Workspace(store, rules) as ws:
            planned = plan(ws, rules)
            rows = ws.movement_rows()
    out = []
    auto = {p.movement_id: p for p in planned.result.all_auto()}
    suggestions = planned.result.all_suggestions()
    for position, mid in enumerate(planned.amounts.get_column("movement_id").to_list()):
        mv = rows[mid]
        ccy = mv["currency"]
        entry: dict[str, Any] = {"index": position, "bank_reference": mv["bank_reference"],
                                 "amount": from_minor(mv["amount_minor"], ccy), "currency": ccy}
        if mid in auto:
            entry["decision"] = "auto"
            entry["proposals"] = [_proposal(auto[mid], ccy)]
        else:
            reason = planned.result.reasons.get(mid, "no_candidate")
            entry["decision"] = "review" if suggestions.get(mid) else "unmatched"
            entry["reason"] = reason_text(reason)
            entry["proposals"] = [_proposal(p, ccy)
                                  for p in suggestions.get(mid, [])]
        out.append(entry)
    for mid, rule in planned.ignored.items():
        out.append({"bank_reference": rows[mid]["bank_reference"],
                    "decision": "ignored", "reason": f"ignore rule {rule.name}", "proposals": []})
    for mid, posting in planned.posted.items():
        out.append({"bank_reference": rows[mid]["bank_reference"], "decision": "posted",
                    "reason": f"posting rule {posting.rule.name}: to {posting.rule.account}",
                    "proposals": []})
    return out


def _proposal(p: Any, currency: str) -> dict[str, Any]:
    return {"rank": p.rank or 1, "confidence": Decimal(p.confidence_bp) / BP, "rule": p.rule,
            "explanation": p.explain(),
            "allocations": [{"item_id": i, "amount": from_minor(a, currency)}
                            for i, a in p.lines],
            "difference": None if not p.adjust_kind else {
                "kind": p.adjust_kind, "amount": from_minor(p.adjust_minor, currency)}}
