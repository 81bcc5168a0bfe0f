"""Writing decisions and their entries to the store: the journal's only writer.

:func:`post` records a batch of decisions (a run's thousands, or a person's one) and posts the
entries of those that apply money, through :func:`cashmatch.ledger.posting.entry_lines`, with
their allocations and lettrage, in a few bulk inserts inside the caller's transaction.
:func:`reverse` posts the reversal of a decision's entries. Ids are continuous: entry numbers
never skip (``BQ000001``, ``BQ000002``...), because a failed transaction leaves no row behind
and the next id is read again from the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cashmatch.config import Rules
from cashmatch.ledger import posting
from cashmatch.ledger.lettrage import new_codes
from cashmatch.model import SETTLING, Action, sql_list
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl

ENGINE_VERSION = "0.1.0"

#: Movements settled by a decision that no later decision undid.
SETTLED_SQL = f"""
SELECT d.movement_id FROM cm_decisions d
WHERE d.action IN {sql_list(SETTLING)}
  AND NOT EXISTS (SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id)
"""

#: A batch of decisions, one row each (``k`` ties a decision to its entry and allocations).
DECISION_COLUMNS = ("k", "movement_id", "review_id", "action", "actor", "rule", "confidence",
                    "explanation", "evidence_json", "reason", "reverses_decision_id")

_ENTRIES_OF_SQL = ("SELECT entry_id, entry_number, journal, label, piece_ref, currency, "
                   "movement_id FROM cm_journal_entries WHERE decision_id = ? ORDER BY entry_id")
_LINES_OF_SQL = ("SELECT entry_id AS k, line_no, account, aux_account, aux_label, label, "
                 "debit_minor, credit_minor, currency, item_id FROM cm_journal_lines "
                 "WHERE entry_id IN (SELECT entry_id FROM cm_journal_entries "
                 "WHERE decision_id = ?) ORDER BY entry_id, line_no")
_ALLOCATIONS_OF_SQL = ("SELECT movement_id, item_id, amount_minor, currency, entry_id "
                       "FROM cm_allocations WHERE decision_id = ? ORDER BY allocation_id")


def decisions_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """A batch of decisions from dicts with the keys of :data:`DECISION_COLUMNS` (missing
    ones null), typed as :func:`post` takes them."""
    import polars as pl

    schema = {"k": pl.Int64, "movement_id": pl.Int64, "review_id": pl.Int64,
              "action": pl.String, "actor": pl.String, "rule": pl.String,
              "confidence": pl.Decimal(5, 4), "explanation": pl.String,
              "evidence_json": pl.String, "reason": pl.String,
              "reverses_decision_id": pl.Int64}
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)


def post(store: Store, rules: Rules, decisions: pl.DataFrame,
         entries: pl.DataFrame | None = None, allocations: pl.DataFrame | None = None,
         run_id: int | None = None) -> pl.DataFrame:
    """Record ``decisions`` (:data:`DECISION_COLUMNS`) and post ``entries`` with their
    ``allocations`` (:mod:`cashmatch.ledger.posting`'s frames, ``k`` as in ``decisions``).
    Returns ``k``, ``decision_id`` and ``entry_id`` (null where nothing was posted)."""
    import polars as pl

    stamp = now()
    decided = decisions.with_columns(
        _ids(store, "cm_decisions", "decision_id", decisions.height).alias("decision_id"))
    store.insert_frame("cm_decisions", _decision_rows(decided, rules, run_id, stamp))
    posted = decided.select("k", "decision_id", pl.lit(None, pl.Int64).alias("entry_id"))
    if entries is None or entries.height == 0:
        return posted
    assert allocations is not None
    lines = posting.entry_lines(entries, allocations, rules.ledger)
    numbered = entries.select("k").with_columns(
        _ids(store, "cm_journal_entries", "entry_id", entries.height).alias("entry_id"))
    ids = numbered.join(decided.select("k", "decision_id"), on="k", maintain_order="left")
    _write_entries(store, posting.entry_headers(entries).join(ids, on="k"), lines, rules,
                   stamp)
    store.insert_frame("cm_allocations", allocations.join(ids, on="k", maintain_order="left")
                       .join(entries.select("k", "movement_id"), on="k", maintain_order="left")
                       .select(_ids(store, "cm_allocations", "allocation_id",
                                    allocations.height).alias("allocation_id"),
                               "movement_id", "item_id",
                               pl.col("applied_minor").alias("amount_minor"),
                               pl.col("item_currency").alias("currency"), "decision_id",
                               "entry_id", pl.lit(stamp).alias("created_at")))
    codes = new_codes(store, allocations.select("k", "item_id", "account", "party_id"))
    store.insert_frame("cm_lettrage", codes.with_columns(pl.lit(stamp).alias("created_at")))
    return posted.drop("entry_id").join(ids.select("k", "entry_id"), on="k", how="left",
                                        maintain_order="left")


def reverse(store: Store, rules: Rules, decision_id: int, reversal_id: int) -> None:
    """Post the reversal of every entry of decision ``decision_id`` under the decision
    ``reversal_id``: the same lines, sides swapped, dated today; and allocations that give
    the items back what the decision applied."""
    import polars as pl

    originals = store.frame(_ENTRIES_OF_SQL, [decision_id])
    if originals.height == 0:
        return
    stamp = now()
    fresh = _ids(store, "cm_journal_entries", "entry_id", originals.height)
    ids = originals.select(pl.col("entry_id").alias("k"), fresh.alias("entry_id"),
                           pl.lit(reversal_id, pl.Int64).alias("decision_id"))
    headers = originals.select(
        pl.col("entry_id").alias("k"), pl.lit(stamp.date()).alias("entry_date"),
        posting.label_expr(pl.concat_str(pl.lit("Extourne "), "entry_number", pl.lit(" "),
                                         "label"), 1 << 20).alias("label"),
        "piece_ref", "currency", "movement_id", pl.col("entry_id").alias("reverses_entry_id"))
    lines = posting.reversal_lines(store.frame(_LINES_OF_SQL, [decision_id]))
    _write_entries(store, headers.join(ids, on="k"), lines, rules, stamp)
    given = store.frame(_ALLOCATIONS_OF_SQL, [decision_id])
    store.insert_frame("cm_allocations", given.join(
        ids.select(pl.col("k").alias("entry_id"), pl.col("entry_id").alias("_new")),
        on="entry_id", maintain_order="left").select(
        _ids(store, "cm_allocations", "allocation_id", given.height).alias("allocation_id"),
        "movement_id", "item_id", -pl.col("amount_minor"), "currency",
        pl.lit(reversal_id, pl.Int64).alias("decision_id"), pl.col("_new").alias("entry_id"),
        pl.lit(stamp).alias("created_at")))


def _ids(store: Store, table: str, column: str, count: int) -> pl.Expr:
    """``count`` consecutive new ids of ``table``, as a column."""
    import polars as pl

    first = store.next_id(table, column)
    return pl.int_range(first, first + count, dtype=pl.Int64)


def _decision_rows(decided: pl.DataFrame, rules: Rules, run_id: int | None,
                   stamp: object) -> pl.DataFrame:
    import polars as pl

    auto = pl.col("action") == Action.AUTO
    return decided.select(
        "decision_id", "movement_id", "review_id", pl.lit(run_id, pl.Int64).alias("run_id"),
        "action", "actor", "rule", "confidence",
        pl.when(auto).then(pl.lit(rules.matching.auto_threshold).cast(pl.Decimal(5, 4)))
        .alias("threshold"),
        "explanation", "evidence_json", "reason", "reverses_decision_id",
        pl.lit(ENGINE_VERSION).alias("engine_version"),
        pl.lit(rules.version).alias("rules_version"), pl.lit(stamp).alias("created_at"))


def _write_entries(store: Store, headers: pl.DataFrame, lines: pl.DataFrame, rules: Rules,
                   stamp: object) -> None:
    """Entries (``k``, ``entry_id``, ``decision_id`` and :func:`posting.entry_headers`'s
    columns, optionally ``reverses_entry_id``) and their lines keyed by ``k``; every entry
    balances (:func:`posting.check_entries`) or nothing is written."""
    import polars as pl

    posting.check_entries(lines)
    journal = rules.ledger.journal
    if "reverses_entry_id" not in headers.columns:
        headers = headers.with_columns(pl.lit(None, pl.Int64).alias("reverses_entry_id"))
    store.insert_frame("cm_journal_entries", headers.select(
        "entry_id", pl.format("{}{}", pl.lit(journal),
                              pl.col("entry_id").cast(pl.String).str.zfill(6))
        .alias("entry_number"), pl.lit(journal).alias("journal"), "entry_date", "label",
        "piece_ref", "currency", "movement_id", "decision_id", "reverses_entry_id",
        pl.lit(stamp).alias("created_at")))
    store.insert_frame("cm_journal_lines", lines.join(
        headers.select("k", "entry_id"), on="k", maintain_order="left").select(
        "entry_id", *posting.LINE_COLUMNS[1:]))
