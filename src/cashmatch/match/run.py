"""A matching run: the stages in order, in one transaction.

    open movements + open items
      → candidates   (:mod:`cashmatch.match.candidates`, SQL in DuckDB)
      → scores       (:mod:`cashmatch.match.evidence`, polars + rapidfuzz)
      → assignment   (:mod:`cashmatch.match.assign`, across the whole run)
      → decisions    (automatic applications posted through :mod:`cashmatch.ledger.journal`,
                      the rest queued for review with ranked candidates)

Each stage is a function of the previous stage's table, so any one of them can be replaced
without touching the others. A run considers every booked movement that is not settled yet
(not applied, not ignored); its earlier open review items are superseded by the new ones.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.match import candidates as blocking
from cashmatch.match.assign import (
    KEPT_COLUMNS,
    REASONS,
    Assignment,
    Proposal,
    Ranking,
    decide,
    rank,
    suggestions,
)
from cashmatch.bulk import collector_paused
from cashmatch.config import IgnoreRule, Rules
from cashmatch.ledger.journal import ENGINE_VERSION, Applier
from cashmatch.money import from_minor
from cashmatch.ledger.posting import Adjustment, ItemFacts, MovementFacts
from cashmatch.ingest.normalize import names_once_sql, rf_bodies, text_key_sql
from cashmatch.match.evidence import BP, score
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl

#: Movements that are settled: applied or ignored by a decision that no later decision undid.
SETTLED_SQL = """
SELECT d.movement_id FROM cm_decisions d
WHERE d.action IN ('auto', 'accept', 'assign', 'ignore', 'suspense')
  AND NOT EXISTS (SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id)
"""

#: What the engine reads of a movement, as a digest kept with automatic decisions so that a
#: replay can tell a changed input from a changed rule: the first 16 hex digits of the
#: SHA-256 of these fields written as text ("None" for a missing one), joined by U+001F.
INPUT_HASH_FIELDS = ("movement_id", "booking_date", "amount_minor", "currency",
                     "counterparty_name", "counterparty_iban", "remittance", "refs_text")

MOVEMENTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE cm_tmp_movements AS
WITH run AS (
    SELECT m.movement_id, m.booking_date, m.amount_minor, m.currency, m.counterparty_name,
           m.counterparty_iban, m.remittance, m.bank_reference, m.instructed_minor,
           m.instructed_currency,
           array_to_string(json_extract_string(m.refs_json, '$[*].value'), ' ') AS refs_text
    FROM cm_movements m
    WHERE m.status = 'booked' AND m.movement_id NOT IN ({SETTLED_SQL})
), names AS MATERIALIZED ({names_once_sql("SELECT counterparty_name FROM run")})
SELECT *, left(sha256(concat_ws(chr(31), {", ".join(
    f"coalesce(CAST({f} AS VARCHAR), 'None')" for f in INPUT_HASH_FIELDS)})), 16) AS input_hash
FROM (SELECT r.*, coalesce(n.name, '') AS name_norm
      FROM run r LEFT JOIN names n ON n.raw = r.counterparty_name)
"""

#: What scoring reads of a movement's text, once per movement: the text without separators
#: (references are compared with it) and whether it speaks of a discount.
TEXT_FACTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE cm_tmp_text_facts AS
SELECT m.movement_id,
       {text_key_sql("m.remittance || ' ' || coalesce(m.refs_text, '')")} AS compact,
       regexp_matches({blocking.MOVEMENT_TEXT}, 'ESCOMPTE|DISCOUNT|SKONTO') AS discount_word
FROM cm_tmp_movements m
"""

#: The pair was found by a reference rule (``p``: a row of ``cm_tmp_pairs``).
BY_REFERENCE = "list_has_any(p.rules, ['ref_exact', 'ref_rf', 'ref_tail', 'ref_typo'])"

PAIRS_WITH_FACTS_SQL = f"""
SELECT p.movement_id, p.item_id, p.match_key, p.rules,
       -- a payment of a foreign-currency item is compared in the item's currency, through
       -- the amount the payer instructed (camt InstdAmt, MT940 /OCMT/)
       (m.currency <> i.currency AND m.instructed_currency = i.currency
        AND m.instructed_minor IS NOT NULL) AS fx,
       CASE WHEN m.currency <> i.currency AND m.instructed_currency = i.currency
                 AND m.instructed_minor IS NOT NULL
            THEN m.instructed_minor * sign(m.amount_minor) ELSE m.amount_minor END
           AS m_amount_minor,
       CASE WHEN m.currency <> i.currency AND m.instructed_currency = i.currency
                 AND m.instructed_minor IS NOT NULL
            THEN i.currency ELSE m.currency END AS m_currency,
       -- the text is compared with the references of the items a reference rule found
       -- (the others' texts and references are not read: left null, not copied)
       CASE WHEN {BY_REFERENCE} THEN tf.compact END AS m_compact,
       CASE WHEN {BY_REFERENCE} THEN i.ref_norm END AS i_ref_norm,
       m.name_norm AS m_name,
       tf.discount_word AS m_discount_word,
       m.booking_date,
       p.tail_len AS i_ref_tail_len,
       i.open_minor AS i_open_minor, i.currency AS i_currency, i.name_norm AS i_name,
       i.party_id AS i_party_id,
       i.due_date, i.due_rank AS i_due_rank,
       pp.vias AS payer_vias,
       coalesce(hp.has_iban_party, false) AS payer_other
FROM cm_tmp_pairs p
JOIN cm_tmp_movements m USING (movement_id)
JOIN cm_tmp_text_facts tf USING (movement_id)
JOIN cm_tmp_open_items i USING (item_id)
LEFT JOIN (SELECT movement_id, party_id, list(DISTINCT via) AS vias FROM cm_tmp_payer
           GROUP BY ALL) pp ON pp.movement_id = p.movement_id AND pp.party_id = i.party_id
LEFT JOIN (SELECT movement_id, bool_or(via IN ('iban', 'iban_memory')) AS has_iban_party
           FROM cm_tmp_payer GROUP BY movement_id) hp ON hp.movement_id = p.movement_id
"""

#: What proposals say of the run's open items (:data:`cashmatch.match.assign.ITEM_TEXTS`), row n
#: for the item of due_rank n + 1 (see :func:`cashmatch.match.assign.with_item_texts`).
ITEM_TEXTS_SQL = """
SELECT reference AS i_reference, ref_tail AS i_ref_tail, party_name AS i_party,
       account AS i_account
FROM cm_tmp_open_items ORDER BY due_rank
"""

TEMP_TABLES = ("cm_tmp_movements", "cm_tmp_open_items", "cm_tmp_tokens", "cm_tmp_pairs",
               "cm_tmp_rf_tokens", "cm_tmp_token_keys", "cm_tmp_payer",
               "cm_tmp_rule_payer", "cm_tmp_unsettled", "cm_tmp_quoted",
               "cm_tmp_run_movements", "cm_tmp_posted_items", "cm_tmp_batch",
               "cm_tmp_text_facts")


@dataclass(slots=True)
class MatchSummary:
    """What a run did: counts and amounts (per currency) by outcome."""

    run_id: int
    considered: int = 0
    auto: int = 0
    review: int = 0
    unmatched: int = 0
    ignored: int = 0
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def add_amount(self, outcome: str, currency: str, amount: Decimal) -> None:
        per = self.amounts.setdefault(outcome, {})
        per[currency] = per.get(currency, Decimal(0)) + amount


def _rf_tokens(store: Store) -> None:
    """Decoded ISO 11649 references of the run's movements (validated in Python: mod 97)."""
    import polars as pl

    rows = store.rows(
        f"SELECT m.movement_id, {blocking.MOVEMENT_TEXT} FROM cm_tmp_movements m "
        f"WHERE regexp_matches({blocking.MOVEMENT_TEXT}, 'RF ?[0-9]{{2}}')")
    found = [(mid, body) for mid, text in rows for body in rf_bodies(text)]
    store.temp_table("cm_tmp_rf_tokens", pl.DataFrame(
        found, schema={"movement_id": pl.Int64, "tok": pl.String}, orient="row"), distinct=True)


def _movement_texts(store: Store) -> list[tuple[int, int, str | None, str]]:
    return store.rows("SELECT movement_id, amount_minor, counterparty_iban, "
                      "coalesce(counterparty_name, '') || ' ' || remittance || ' ' || "
                      "coalesce(refs_text, '') FROM cm_tmp_movements ORDER BY movement_id")


def ignored_by_rules(store: Store, rules: Rules) -> dict[int, IgnoreRule]:
    """Movements of the run that an ``[[ignore]]`` rule says are not receipts to apply."""
    if not rules.ignore:
        return {}
    compiled = [(r, re.compile(r.pattern)) for r in rules.ignore]
    out = {}
    for mid, amount, _, text in _movement_texts(store):
        direction = "in" if amount > 0 else "out"
        for rule, rx in compiled:
            if rule.direction in ("any", direction) and rx.search(text):
                out[mid] = rule
                break
    return out


def _rule_payers(store: Store, rules: Rules) -> None:
    """Payers named by ``[[alias]]`` rules (IBAN or name pattern) → ``cm_tmp_rule_payer``."""
    import polars as pl

    found: list[tuple[int, str]] = []
    if rules.aliases:
        by_iban = {r.iban: r.party for r in rules.aliases if r.iban}
        patterns = [(re.compile(r.name_pattern), r.party) for r in rules.aliases if r.name_pattern]
        for mid, _, iban, text in _movement_texts(store):
            if iban and iban in by_iban:
                found.append((mid, by_iban[iban]))
            found.extend((mid, party) for rx, party in patterns if rx.search(text))
    store.temp_table("cm_tmp_rule_payer", pl.DataFrame(
        found, schema={"movement_id": pl.Int64, "party_id": pl.String}, orient="row"))


def candidates(store: Store, rules: Rules) -> None:
    """Build ``cm_tmp_pairs`` for the movements of ``cm_tmp_movements`` against
    ``cm_tmp_open_items`` (stage 1)."""
    _rf_tokens(store)
    _rule_payers(store, rules)
    store.execute(blocking.TOKENS_SQL)
    store.execute(blocking.QUOTED_SQL)
    store.execute(blocking.TYPO_KEYS_SQL)
    store.execute(blocking.PAYER_SQL)
    store.execute(blocking.SETTLED_BY_REFERENCE_SQL)
    store.execute(blocking.pairs_sql(blocking.rules(rules.matching.candidates_per_rule,
                                                    rules.tolerances)))


#: Movements whose candidates are found and scored together, one batch at a time, so that a
#: run's memory does not grow with the pairs of all its movements; each batch is ranked
#: ``RANK_BATCH`` movements at a time (finding candidates has a fixed cost per batch, about
#: 0.45 s against 1M open items, which larger batches share; ranking grows faster than its
#: batch). Decisions do not depend on either (everything ranked is per movement; conflicts
#: are settled over the run).
BATCH = 200_000
RANK_BATCH = 50_000


@dataclass(slots=True)
class Plan:
    """What a run would decide, before anything is written (see :func:`plan`).

    The run's movements stay in ``cm_tmp_run_movements`` until :func:`drop_temp_tables`
    (:func:`movement_rows` reads them); ``amounts`` holds what ranking needs of them."""

    amounts: pl.DataFrame            # movement_id, amount_minor: the run's movements, in order
    result: Assignment
    ignored: dict[int, IgnoreRule]

    @property
    def considered(self) -> int:
        return self.amounts.height + len(self.ignored)


def plan(store: Store, rules: Rules, only: list[int] | None = None,
         batch: int = BATCH) -> Plan:
    """Stages 1–3 for the unsettled movements (or ``only`` these): candidates, scores and
    assignment, using temporary tables; nothing is written to the store's own tables.

    Candidates are found and scored ``batch`` movements at a time (``cm_tmp_movements``
    holds the batch, ``cm_tmp_run_movements`` the run) and ranked at most ``RANK_BATCH`` at a
    time; the decisions are then taken over the whole run.
    Outside a transaction each temporary table a batch replaces is freed at once (inside
    one, DuckDB keeps every replaced version until the end of the transaction)."""
    import polars as pl

    store.execute(MOVEMENTS_SQL)
    if only is not None:
        store.execute("DELETE FROM cm_tmp_movements WHERE NOT list_contains(?, movement_id)",
                      [only])
    ignored = ignored_by_rules(store, rules)
    if ignored:
        store.execute("DELETE FROM cm_tmp_movements WHERE list_contains(?, movement_id)",
                      [list(ignored)])
    store.execute("CREATE OR REPLACE TEMP TABLE cm_tmp_run_movements AS "
                  "SELECT * FROM cm_tmp_movements")
    store.execute(blocking.OPEN_ITEMS_SQL)
    texts = store.frame(ITEM_TEXTS_SQL)
    amounts = store.frame("SELECT movement_id, amount_minor FROM cm_tmp_run_movements "
                          "ORDER BY movement_id")
    ranking = Ranking()
    # A batch is ranked in a second thread while the next one's candidates are found and
    # scored: DuckDB and polars release the interpreter while they work, so the two overlap.
    # At most two batches are alive at once; rankings are added in batch order.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cashmatch-rank") as ranker:
        ranked: list[Future[Ranking]] = []
        for start in range(0, amounts.height, batch):
            chunk = amounts.slice(start, batch)
            scored = _batch_scores(store, rules, chunk.get_column("movement_id").to_list())
            for done in ranked:
                ranking.add(done.result())
            ranked = []
            for part in chunk.iter_slices(min(batch, RANK_BATCH)):
                first, last = part.item(0, "movement_id"), part.item(-1, "movement_id")
                ranked.append(ranker.submit(
                    rank, scored.filter(pl.col("movement_id").is_between(first, last)),
                    dict(part.iter_rows()), rules, texts))
            del scored
        for done in ranked:
            ranking.add(done.result())

    def rerank(lost: list[int]) -> pl.DataFrame:
        lost_amounts = amounts.filter(pl.col("movement_id").is_in(lost))
        return suggestions(_batch_scores(store, rules, lost), dict(lost_amounts.iter_rows()),
                           rules, texts, one_item=ranking.clear)

    return Plan(amounts, decide(ranking, rules, rerank), ignored)


def movement_rows(store: Store, ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """The run's movements (or these ``ids`` of them) as the engine read them, by id."""
    import polars as pl

    if ids is None:
        rows = store.dicts("SELECT * FROM cm_tmp_run_movements ORDER BY movement_id")
    else:
        with store.registered("__cm_wanted", pl.DataFrame({"movement_id": ids},
                                                          schema={"movement_id": pl.Int64})):
            rows = store.dicts("SELECT * FROM cm_tmp_run_movements SEMI JOIN __cm_wanted "
                               "USING (movement_id) ORDER BY movement_id")
    return {r["movement_id"]: r for r in rows}


def _batch_scores(store: Store, rules: Rules, ids: list[int]) -> Any:
    """Scored pairs of the run's movements ``ids``."""
    import polars as pl

    store.temp_table("cm_tmp_batch", pl.DataFrame({"movement_id": ids},
                                                  schema={"movement_id": pl.Int64}))
    store.execute("CREATE OR REPLACE TEMP TABLE cm_tmp_movements AS SELECT m.* "
                  "FROM cm_tmp_run_movements m SEMI JOIN cm_tmp_batch USING (movement_id)")
    candidates(store, rules)
    store.execute(TEXT_FACTS_SQL)
    return score(store.frame(PAIRS_WITH_FACTS_SQL), rules).select(KEPT_COLUMNS)


def drop_temp_tables(store: Store) -> None:
    for table in TEMP_TABLES:
        store.execute(f"DROP TABLE IF EXISTS {table}")


def run_match(store: Store, rules: Rules) -> MatchSummary:
    """Match every unsettled movement against the open items. The plan only reads the
    store; everything the run writes is written in one transaction."""
    with collector_paused():
        try:
            planned = plan(store, rules)
            with store.transaction():
                summary = _write_run(store, rules, planned)
        finally:
            drop_temp_tables(store)
    return summary


def _write_run(store: Store, rules: Rules, planned: Plan) -> MatchSummary:
    result, ignored = planned.result, planned.ignored
    run_id = store.next_id("cm_runs", "run_id")
    summary = MatchSummary(run_id)
    stamp = now()
    store.execute(
        "UPDATE cm_review_items SET status = 'superseded', closed_at = ? "
        "WHERE status = 'open' AND movement_id IN "
        "(SELECT movement_id FROM cm_tmp_run_movements)",
        [stamp])
    applier = Applier(store, rules, run_id)
    for mid, rule in sorted(ignored.items()):
        applier.decide(mid, "ignore", "engine", f"ignore:{rule.name}",
                       f"Not a receipt to apply: matches ignore rule {rule.name}",
                       {"rule": rule.name, "pattern": rule.pattern}, reason=rule.name)
    applied = _apply_in_bulk(store, applier, result.bulk, summary)
    applied += apply_proposals(store, applier, result.auto,
                               movement_rows(store, [p.movement_id for p in result.auto]),
                               summary)
    applier.flush()
    learn_payers(store, applied)
    _queue_for_review(store, run_id, result, summary)
    summary.considered = planned.considered
    summary.ignored = len(ignored)
    store.execute("INSERT INTO cm_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [run_id, stamp, ENGINE_VERSION, rules.version, summary.considered,
                   summary.auto, summary.review, summary.unmatched])
    return summary


def apply_proposals(store: Store, applier: Applier, props: list[Proposal],
                    movements: dict[int, dict[str, Any]], summary: MatchSummary) -> list[int]:
    """Decide and post automatic applications one by one (:meth:`Applier.apply`); returns
    their movements."""
    items = _item_facts(store, {i for p in props for i, _ in p.lines})
    applier.preload(list(items.values()))
    for prop in props:
        mv = movements[prop.movement_id]
        facts = MovementFacts.from_row(mv)
        decision_id = applier.decide(
            prop.movement_id, "auto", "engine", f"auto:{prop.rule}", prop.explanation,
            prop.evidence | {"input_hash": mv["input_hash"]},
            confidence=Decimal(prop.confidence_bp) / BP)
        applier.apply(facts, _allocations(prop, items), decision_id,
                      _adjustment(prop, facts.currency))
        summary.auto += 1
        summary.add_amount("auto", facts.currency, facts.amount)
    return [p.movement_id for p in props]


def _apply_in_bulk(store: Store, applier: Applier, bulk: pl.DataFrame | None,
                   summary: MatchSummary) -> list[int]:
    """Post the run's one-item applications that settle their item in full in the
    movement's currency, with at most one line for a difference (:attr:`Assignment.bulk`),
    in bulk; returns their movements."""
    import polars as pl

    if bulk is None or bulk.height == 0:
        return []
    facts = store.frame("SELECT movement_id, booking_date, amount_minor, currency, "
                        "bank_reference, counterparty_name, remittance, input_hash "
                        "FROM cm_tmp_run_movements")
    rows = bulk.join(facts, on="movement_id")
    applier.apply_in_bulk(rows)
    summary.auto += rows.height
    for currency, total in rows.group_by("currency").agg(pl.col("amount_minor").sum()) \
            .sort("currency").iter_rows():
        summary.add_amount("auto", currency, from_minor(total, currency))
    return rows.get_column("movement_id").to_list()


def _item_facts(store: Store, item_ids: set[str]) -> dict[str, ItemFacts]:
    """What posting needs of the run's open items ``item_ids`` (``cm_tmp_open_items``)."""
    import polars as pl

    if not item_ids:
        return {}
    store.temp_table("cm_tmp_posted_items", pl.DataFrame({"item_id": sorted(item_ids)},
                                                         schema={"item_id": pl.String}))
    rows = store.rows("SELECT item_id, account, party_id, party_name, reference, currency, "
                      "open_minor, amount_minor, book_minor, book_currency "
                      "FROM cm_tmp_open_items JOIN cm_tmp_posted_items USING (item_id)")
    return {item_id: ItemFacts(
        item_id, account, party_id, party_name, reference, currency,
        from_minor(open_minor, currency), from_minor(amount_minor, currency),
        None if book_minor is None else from_minor(book_minor, book_currency), book_currency)
        for (item_id, account, party_id, party_name, reference, currency, open_minor,
             amount_minor, book_minor, book_currency) in rows}


def _allocations(prop: Proposal, items: dict[str, ItemFacts]) -> list[tuple[ItemFacts, Decimal]]:
    """Allocations in each item's own currency."""
    return [(items[i], from_minor(a, items[i].currency)) for i, a in prop.lines]


def _adjustment(prop: Proposal, currency: str) -> Adjustment | None:
    if not prop.adjust_kind or not prop.adjust_minor:
        return None
    return Adjustment(prop.adjust_kind, from_minor(prop.adjust_minor, currency))


#: Payer IBANs and names of the decisions of the movements in ``__cm_learn`` (a registered
#: frame of movement ids), as their party's: the first decision (lowest id) that shows a
#: (kind, value) speaks for it, and only if all its items are one party's (a payer seen paying
#: several parties' items in one payment is not one party's: nothing is learnt from it); a
#: value already known (not removed) is left as it is.
LEARN_SQL = """
INSERT INTO cm_aliases
WITH decided AS (
    SELECT d.decision_id, d.movement_id,
           CASE WHEN d.actor = 'engine' THEN 'auto' ELSE 'manual' END AS source
    FROM cm_decisions d SEMI JOIN __cm_learn l ON l.movement_id = d.movement_id
), per_decision AS (
    SELECT x.decision_id, x.movement_id, x.source, any_value(i.party_id) AS party_id,
           count(DISTINCT i.party_id) AS n_parties
    FROM decided x
    JOIN cm_allocations a ON a.decision_id = x.decision_id
    JOIN cm_items i ON i.item_id = a.item_id
    GROUP BY ALL
), payers AS (
    SELECT p.*, m.counterparty_iban, m.counterparty_name
    FROM per_decision p JOIN cm_movements m USING (movement_id)
    WHERE p.party_id IS NOT NULL
), names AS MATERIALIZED ({names}
), facts AS (
    SELECT 'iban' AS kind, counterparty_iban AS value, party_id, source, decision_id, n_parties
    FROM payers WHERE counterparty_iban IS NOT NULL
    UNION ALL
    SELECT 'name', n.name, party_id, source, decision_id, n_parties
    FROM payers p JOIN names n ON n.raw = p.counterparty_name
    WHERE length(n.name) >= 4
)
SELECT (SELECT coalesce(max(alias_id), 0) FROM cm_aliases) + row_number() OVER (), kind, value,
       party_id, source, decision_id, now()::TIMESTAMP, NULL, NULL
FROM (SELECT DISTINCT ON (kind, value) kind, value, party_id, source, decision_id, n_parties
      FROM facts ORDER BY kind, value, decision_id) new
WHERE n_parties = 1
  AND NOT EXISTS (SELECT 1 FROM cm_aliases a WHERE a.kind = new.kind AND a.value = new.value
                  AND a.removed_at IS NULL)
""".replace("{names}", names_once_sql("SELECT counterparty_name FROM payers"))


def learn_payers(store: Store, movement_ids: list[int]) -> None:
    """Remember payer IBANs and names of confirmed matches as their party's (memory)."""
    import polars as pl

    if not movement_ids:
        return
    with store.registered("__cm_learn", pl.DataFrame({"movement_id": movement_ids},
                                                     schema={"movement_id": pl.Int64})):
        store.execute(LEARN_SQL)


def _queue_for_review(store: Store, run_id: int, result: Assignment,
                      summary: MatchSummary) -> None:
    """Open a review item for every movement of the run not applied, with its ranked
    suggestions (all written from frames: a run may send hundreds of thousands)."""
    import polars as pl

    if not result.reasons:
        return
    review_id = store.next_id("cm_review_items", "review_id")
    candidate_id = store.next_id("cm_candidates", "candidate_id")
    stamp = now()
    reviews = (pl.DataFrame({"movement_id": list(result.reasons),
                             "reason": list(result.reasons.values())},
                            schema={"movement_id": pl.Int64, "reason": pl.String})
               .sort("movement_id")
               .with_columns((review_id + pl.int_range(pl.len(), dtype=pl.Int64))
                             .alias("review_id")))
    facts = store.frame("SELECT movement_id, amount_minor, currency FROM cm_tmp_run_movements")
    outcomes = (reviews.join(facts, on="movement_id")
                .group_by(pl.when(pl.col("reason") == "no_candidate").then(pl.lit("unmatched"))
                          .otherwise(pl.lit("review")).alias("outcome"), "currency")
                .agg(pl.len().alias("n"), pl.col("amount_minor").sum().alias("total"))
                .sort("outcome", "currency"))
    for outcome, currency, n, total in outcomes.iter_rows():
        if outcome == "unmatched":
            summary.unmatched += n
        else:
            summary.review += n
        summary.add_amount(outcome, currency, from_minor(total, currency))
    store.insert_frame("cm_review_items", reviews.select(
        "review_id", "movement_id", pl.lit(run_id, pl.Int64).alias("run_id"), "reason",
        pl.lit("open").alias("status"), pl.lit(stamp).alias("created_at"),
        pl.lit(None, pl.Datetime("us")).alias("closed_at"),
        pl.lit(None, pl.Int64).alias("decision_id")))
    if result.review is None or result.review.height == 0:
        return
    # numbered in (movement, rank) order where they are: sorting the frame would copy every
    # explanation and evidence of the run's suggestions
    cands = result.review.with_columns(
        pl.col("movement_id").replace_strict(reviews["movement_id"], reviews["review_id"])
        .alias("review_id"),
        (candidate_id + pl.arg_sort_by("movement_id", "rank").arg_sort().cast(pl.Int64))
        .alias("candidate_id"))
    adjusted = pl.col("adjust_kind").is_not_null() & (pl.col("adjust_minor").fill_null(0) != 0)
    store.insert_frame("cm_candidates", cands.select(
        "candidate_id", "review_id", "rank",
        (pl.col("confidence_bp").cast(pl.Decimal(18, 4)) / pl.lit(BP).cast(pl.Decimal(18, 4)))
        .cast(pl.Decimal(5, 4)).alias("confidence"),
        "rule", "explanation", "evidence_json",
        pl.when(adjusted).then(pl.format('[{{"kind": "{}", "amount_minor": {}}}]',
                                         "adjust_kind", "adjust_minor"))
        .otherwise(pl.lit("[]")).alias("adjustments_json")))
    store.insert_frame("cm_candidate_lines", cands.select("candidate_id", "lines")
                       .explode("lines").unnest("lines"))


def reason_text(code: str) -> str:
    """A person's words for a review reason code."""
    return REASONS.get(code, code)
