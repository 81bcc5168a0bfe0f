"""Stateless matching: movements and open items in, proposals out, nothing stored.

For systems that keep their own ledger: the same stages as a real run, in a throw-away
in-memory store, returning for each movement what cashmatch would do (apply automatically,
or the ranked suggestions) with confidences and explanations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from cashmatch.config import Rules
from cashmatch.ingest.items import store_items, validate
from cashmatch.match.run import drop_temp_tables, plan, reason_text
from cashmatch.model import Movement, ParseResult, Statement
from cashmatch.money import from_minor
from cashmatch.match.evidence import BP
from cashmatch.ingest.statements import ParsedFile, _store_file
from cashmatch.store import Store


def preview(movements: list[Movement], items: Iterable[Mapping[str, Any]],
            rules: Rules) -> list[dict[str, Any]]:
    """What cashmatch would decide for ``movements`` against ``items`` (item records with the
    columns of an items file; amounts as decimal strings or ``Decimal``)."""
    import polars as pl

    records = [{k: (None if v is None else str(v)) for k, v in dict(it).items()} for it in items]
    names = sorted({k for r in records for k in r})
    frame = pl.DataFrame(records, schema={c: pl.String for c in names})
    with Store.open(":memory:") as store:
        if frame.height:
            store_items(store, validate(frame, "items", 1), "request", "preview", "records")
        statement = Statement("request", "preview", tuple(movements))
        with store.transaction():
            _store_file(store, ParsedFile(Path("request"), "preview", ParseResult([statement]),
                                          "preview"))
            planned = plan(store, rules)
            rows = {r["movement_id"]: r for r in store.dicts(
                "SELECT movement_id, bank_reference, amount_minor, currency FROM cm_movements")}
            drop_temp_tables(store)
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
            entry["decision"] = "review" if reason != "no_candidate" else "unmatched"
            entry["reason"] = reason_text(reason)
            entry["proposals"] = [_proposal(p, ccy)
                                  for p in suggestions.get(mid, [])]
        out.append(entry)
    for mid, rule in planned.ignored.items():
        out.append({"bank_reference": rows[mid]["bank_reference"],
                    "decision": "ignored", "reason": f"ignore rule {rule.name}", "proposals": []})
    return out


def _proposal(p: Any, currency: str) -> dict[str, Any]:
    return {"rank": p.rank or 1, "confidence": Decimal(p.confidence_bp) / BP, "rule": p.rule,
            "explanation": p.explain(),
            "allocations": [{"item_id": i, "amount": from_minor(a, currency)}
                            for i, a in p.lines],
            "difference": None if not p.adjust_kind else {
                "kind": p.adjust_kind, "amount": from_minor(p.adjust_minor, currency)}}
