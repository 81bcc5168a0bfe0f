"""A matching run, read top to bottom.

    unsettled movements + open items          (:class:`~cashmatch.match.workspace.Workspace`)
      → text rules      ignore rules set movements aside, posting rules book the ones that
                        settle no item to an account, alias rules name payers
                                                  (:mod:`cashmatch.match.text_rules`)
      → candidates      blocking rules as SQL, a batch at a time (:mod:`~.candidates`)
      → evidence        levels and points per pair (:mod:`~.evidence`)
      → proposals       ranked per movement, sets of items too (:mod:`~.assign`)
      → decisions       over the whole run: an item is claimed once (:func:`~.assign.decide`)
      → posting         automatic applications as entries (:mod:`cashmatch.ledger.journal`)
      → review          the rest queued with ranked suggestions (:mod:`cashmatch.ledger.review`)
      → memory          payers of confirmed matches remembered (:mod:`~.memory`)

:func:`plan` runs the stages up to the decisions and writes nothing; :func:`run_match` writes
what it decided in one transaction. A run considers every booked movement that is not settled
yet (not applied, not ignored); a movement still unresolved keeps its review item, refreshed.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cashmatch.bulk import collector_paused, owned
from cashmatch.config import IgnoreRule, Rules
from cashmatch.ledger import journal, review
from cashmatch.ledger.journal import ENGINE_VERSION
from cashmatch.match import text_rules
from cashmatch.match.applications import postings
from cashmatch.match.assign import KEPT_COLUMNS, Assignment, Ranking, decide, rank, suggestions
from cashmatch.match.evidence import score
from cashmatch.match.memory import learn_payers
from cashmatch.match.summary import MatchSummary, summarise
from cashmatch.match.text_rules import RulePosting
from cashmatch.match.workspace import Workspace
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl

#: Movements whose candidates are found and scored together, one batch at a time, so that a
#: run's memory does not grow with the pairs of all its movements; each batch is ranked
#: ``RANK_BATCH`` movements at a time. Decisions do not depend on either (everything ranked
#: is per movement; conflicts are settled over the run). See docs/adr/0002.
BATCH = 200_000
RANK_BATCH = 50_000

_RUN_SQL = ("INSERT INTO cm_runs (run_id, started_at, engine_version, rules_version, "
            "n_considered, n_auto, n_review, n_unmatched, n_posted, n_ignored, n_returning) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass(slots=True)
class Plan:
    """What a run would decide, before anything is written (see :func:`plan`)."""

    amounts: pl.DataFrame            # movement_id, amount_minor: the run's movements, in order
    result: Assignment
    ignored: dict[int, IgnoreRule]
    posted: dict[int, RulePosting] = field(default_factory=dict)

    @property
    def considered(self) -> int:
        return self.amounts.height + len(self.ignored) + len(self.posted)


def run_match(store: Store, rules: Rules) -> MatchSummary:
    """Match every unsettled movement against the open items. The plan only reads the
    store; everything the run writes is written in one transaction."""
    with collector_paused(), Workspace(store, rules) as ws:
        planned = plan(ws, rules)
        with store.transaction():
            return _record(store, rules, ws, planned)


def plan(ws: Workspace, rules: Rules, only: list[int] | None = None,
         batch: int = BATCH) -> Plan:
    """The stages up to the decisions, for the unsettled movements (or ``only`` these)."""
    import polars as pl

    amounts = ws.open(only)
    texts = ws.texts()
    ignored = text_rules.ignored(texts, rules)
    posted = text_rules.posted(texts, ws.posting_facts, rules, ignored)
    if ignored or posted:  # (they stay in the workspace: what they are is still read)
        amounts = amounts.filter(~pl.col("movement_id").is_in([*ignored, *posted]))
    payers = text_rules.named_payers(texts, rules)
    item_texts = ws.item_texts()
    ranking = _rank_in_batches(ws, rules, amounts, payers, item_texts, batch)

    def rerank(lost: list[int]) -> pl.DataFrame:
        lost_amounts = amounts.filter(pl.col("movement_id").is_in(lost))
        return suggestions(_scores(ws, rules, lost, payers), dict(lost_amounts.iter_rows()),
                           rules, item_texts, one_item=ranking.clear)

    result = decide(ranking, rules, rerank)
    result.reasons.update((mid, "duplicate") for mid in ws.duplicates if mid in result.reasons)
    return Plan(amounts, result, ignored, posted)


def _scores(ws: Workspace, rules: Rules, ids: list[int], payers: pl.DataFrame) -> pl.DataFrame:
    """Candidates of movements ``ids`` with their evidence (the columns ranking reads)."""
    return score(ws.pairs(rules, ids, payers), rules).select(KEPT_COLUMNS)


def _rank_in_batches(ws: Workspace, rules: Rules, amounts: pl.DataFrame,
                     payers: pl.DataFrame, item_texts: pl.DataFrame, batch: int) -> Ranking:
    """Candidates and evidence ``batch`` movements at a time, each batch ranked in a second
    thread while the next one's candidates are found and scored (DuckDB and polars release
    the interpreter while they work, so the two overlap). At most two batches are alive at
    once; rankings are added in batch order."""
    import polars as pl

    ranking = Ranking()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cashmatch-rank") as ranker:
        ranked: list[Future[Ranking]] = []
        for start in range(0, amounts.height, batch):
            chunk = amounts.slice(start, batch)
            scored = _scores(ws, rules, chunk.get_column("movement_id").to_list(), payers)
            for done in ranked:
                ranking.add(done.result())
            ranked = []
            for part in chunk.iter_slices(min(batch, RANK_BATCH)):
                first, last = part.item(0, "movement_id"), part.item(-1, "movement_id")
                ranked.append(ranker.submit(
                    rank, scored.filter(pl.col("movement_id").is_between(first, last)),
                    dict(part.iter_rows()), rules, item_texts))
            del scored
        for done in ranked:
            ranking.add(done.result())
    return ranking


def _record(store: Store, rules: Rules, ws: Workspace, planned: Plan) -> MatchSummary:
    """Write what the run decided: ignore and posting-rule decisions, automatic applications
    and their entries, the review queue, the payer memory, and the run itself."""
    import polars as pl

    run_id = store.next_id("cm_runs", "run_id")
    stamp = now()
    facts = ws.posting_facts()
    decisions, entries, allocations, accounts = postings(
        planned.result, planned.ignored, planned.posted, facts, ws.item_facts, rules.ledger)
    journal.post(store, rules, decisions, entries, allocations, run_id, accounts)
    applied = [m for m in entries.get_column("movement_id").to_list()
               if m not in planned.posted]
    learn_payers(store, applied)
    reasons, suggested = planned.result.reasons, planned.result.review
    returning = review.requeue(store, run_id, planned.amounts.get_column("movement_id").to_list()
                               + list(planned.ignored) + list(planned.posted), reasons,
                               owned(suggested) if suggested is not None else None)
    # a movement with nothing to suggest is unmatched, whatever kept its readings back
    shown = set() if suggested is None else set(suggested.get_column("movement_id"))
    outcomes = pl.DataFrame(
        [(m, "auto") for m in applied] + [(m, "posted") for m in planned.posted]
        + [(m, "ignored") for m in planned.ignored]
        + [(m, "review" if m in shown else "unmatched") for m in reasons],
        schema={"movement_id": pl.Int64, "outcome": pl.String}, orient="row")
    summary = summarise(run_id, outcomes, facts, returning)
    store.execute(_RUN_SQL, [run_id, stamp, ENGINE_VERSION, rules.version, summary.considered,
                             summary.auto, summary.review, summary.unmatched, summary.posted,
                             summary.ignored, summary.returning])
    return summary
