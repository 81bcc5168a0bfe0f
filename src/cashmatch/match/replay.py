"""Audit replay: would the engine, with today's rules, decide past runs the same way?

For each matching run, the store as it stood just before the run is rebuilt in memory: the
run's movements, the items imported by then, the allocations, decisions and payer memory
that existed before the run's first decision. The matching stages run again there with the
rules given (nothing is written to the real store) and every automatic decision of the run
is compared with what would be decided now: same items and amounts, a different
application, or review instead. The input of each automatic decision is also checked
against the digest recorded with it, so a changed movement is told apart from a changed rule.

Limits, stated in the output: items re-imported with changes after the run cannot be
replayed as they were (their current version is newer than the run), and are reported so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cashmatch.config import Rules
from cashmatch.match.run import plan
from cashmatch.match.workspace import Workspace
from cashmatch.money import from_minor
from cashmatch.store import Store

#: Tables copied into the replay store, with the filter that keeps what existed before a run.
_SNAPSHOT = {
    "cm_items": "updated_at <= $started",
    "cm_item_keys": "item_id IN (SELECT item_id FROM cm_items WHERE updated_at <= $started)",
    "cm_allocations": "decision_id < $first",
    "cm_decisions": "decision_id < $first",
    "cm_aliases": "(decision_id IS NULL OR decision_id < $first) AND created_at <= $started "
                  "AND (removed_at IS NULL OR removed_at > $started)",
    "cm_movements": "movement_id IN (SELECT movement_id FROM cm_decisions WHERE run_id = $run "
                    "UNION SELECT r.movement_id FROM cm_review_runs q JOIN cm_review_items r "
                    "USING (review_id) WHERE q.run_id = $run)",
}


@dataclass(frozen=True, slots=True)
class Difference:
    """An automatic decision that would not be taken the same way now."""

    run_id: int
    movement_id: int
    decision_id: int
    recorded: dict[str, Decimal]
    now: dict[str, Decimal] | None
    why: str


@dataclass(slots=True)
class ReplayReport:
    runs: int = 0
    decisions: int = 0
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def replay(store: Store, rules: Rules, run_id: int | None = None) -> ReplayReport:
    """Replay every run (or one) with ``rules``; list the automatic decisions that differ."""
    report = ReplayReport()
    runs = store.rows("SELECT run_id, started_at FROM cm_runs"
                      + (" WHERE run_id = ?" if run_id is not None else "")
                      + " ORDER BY run_id", [run_id] if run_id is not None else [])
    for rid, started in runs:
        first = store.scalar("SELECT min(decision_id) FROM cm_decisions WHERE run_id = ?", [rid])
        autos = store.dicts("SELECT decision_id, movement_id, evidence_json FROM cm_decisions "
                            "WHERE run_id = ? AND action = 'auto' ORDER BY decision_id", [rid])
        if first is None or not autos:
            continue
        report.runs += 1
        report.decisions += len(autos)
        _replay_run(store, rules, rid, started, int(first), autos, report)
    return report


def _replay_run(store: Store, rules: Rules, rid: int, started: Any, first: int,
                autos: list[dict[str, Any]], report: ReplayReport) -> None:
    params = {"started": started, "first": first, "run": rid}
    changed = store.rows(
        "SELECT DISTINCT a.item_id FROM cm_allocations a JOIN cm_items i USING (item_id) "
        "WHERE a.decision_id IN (SELECT decision_id FROM cm_decisions WHERE run_id = ?) "
        "AND i.updated_at > ?", [rid, started])
    for (item_id,) in changed:
        report.notes.append(f"run {rid}: item {item_id} was re-imported after the run; "
                            "its decisions are replayed without it")
    with Store.open(":memory:") as mem:
        for table, where in _SNAPSHOT.items():
            sql = f"SELECT * FROM {table} WHERE {where}"
            for name in params:
                sql = sql.replace(f"${name}", "?")
            args = [params[n] for n in _param_order(where)]
            mem.insert_frame(table, store.frame(sql, args))
        with Workspace(mem, rules) as ws:
            planned = plan(ws, rules)
            rows = ws.movement_rows()
    replayed = {p.movement_id: dict(p.lines) for p in planned.result.all_auto()}
    for auto in autos:
        mid = auto["movement_id"]
        recorded = {r[0]: r[1] for r in store.rows(
            "SELECT item_id, amount_minor FROM cm_allocations "
            "WHERE decision_id = ? AND amount_minor <> 0", [auto["decision_id"]])}
        currency = store.scalar("SELECT currency FROM cm_movements WHERE movement_id = ?", [mid])
        evidence = json.loads(auto["evidence_json"])
        row = rows.get(mid)
        recorded_hash = evidence.get("input_hash")
        now_items = replayed.get(mid)
        if row is not None and recorded_hash and row["input_hash"] != recorded_hash:
            why = "the movement's data changed since the decision"
        elif now_items is None:
            why = "would now go to the review queue"
        elif now_items != recorded:
            why = "would now apply other items or amounts"
        else:
            continue
        report.differences.append(Difference(
            rid, mid, auto["decision_id"], _money(recorded, currency),
            None if now_items is None else _money(now_items, currency), why))


def _param_order(where: str) -> list[str]:
    import re

    return re.findall(r"\$(\w+)", where)


def _money(lines: dict[str, int], currency: str) -> dict[str, Decimal]:
    return {item: from_minor(amount, currency) for item, amount in sorted(lines.items())}
