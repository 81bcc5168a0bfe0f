"""Writing decisions and their entries to the store: the journal's only writer.

:func:`post` records a batch of decisions (a run's thousands, or a person's one) and posts the
entries of those that apply money, through :func:`cashmatch.ledger.posting.entry_lines`, with
their allocations and lettrage, in a few bulk inserts inside the caller's transaction.
:func:`reverse` posts the reversal of a decision's entries, in the journal of the entries it
reverses.

Each entry goes to the bank account and journal of its movement's statement account
(:meth:`cashmatch.config.Rules.bank`). Entries are numbered per journal (``BQ000001``,
``BQ000002``...), without a gap (a failed transaction leaves no row behind and the next
number is read again from the table), and in date order: an entry is dated its movement's
booking date (a reversal, by ``[ledger] reversal_date``), but never before the latest entry
already in its journal, which dates it that day instead (its piece date keeps the booking
date). Entries are validated when written (they are never edited), so numbers follow the
order of validation too, and the FEC's ``ValidDate`` is the day an entry was written.
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

_ENTRIES_OF_SQL = ("SELECT entry_id, entry_number, journal, entry_date, piece_date, label, "
                   "piece_ref, currency, movement_id FROM cm_journal_entries "
                   "WHERE decision_id = ? ORDER BY entry_id")
#: The statement account of the movements of ``__cm_entry_movements``.
_ACCOUNTS_OF_SQL = ("SELECT movement_id, account FROM cm_movements "
                    "SEMI JOIN __cm_entry_movements USING (movement_id)")
#: Latest date and number of entries of the journals of ``__cm_journals``.
_JOURNAL_STATE_SQL = ("SELECT journal, max(entry_date) AS _last_date, count(*) AS _count "
                      "FROM cm_journal_entries SEMI JOIN __cm_journals USING (journal) "
                      "GROUP BY journal")
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
         run_id: int | None = None, accounts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Record ``decisions`` (:data:`DECISION_COLUMNS`) and post ``entries`` with their
    ``allocations`` and account lines ``accounts`` (:mod:`cashmatch.ledger.posting`'s
    frames, ``k`` as in ``decisions``). Returns ``k``, ``decision_id`` and ``entry_id`` (null
    where nothing was posted)."""
    import polars as pl

    stamp = now()
    decided = decisions.with_columns(
        _ids(store, "cm_decisions", "decision_id", decisions.height).alias("decision_id"))
    store.insert_frame("cm_decisions", _decision_rows(decided, rules, run_id, stamp))
    posted = decided.select("k", "decision_id", pl.lit(None, pl.Int64).alias("entry_id"))
    if entries is None or entries.height == 0:
        return posted
    assert allocations is not None
    banks = _banks(store, rules, entries)
    entries = entries.join(banks, on="k", maintain_order="left").with_columns(
        pl.coalesce("cash_account", "_bank_account").alias("cash_account"))
    lines = posting.entry_lines(entries, allocations, rules.ledger, accounts)
    headers = posting.entry_headers(entries).join(banks.select("k", "journal"), on="k",
                                                  maintain_order="left")
    ids = _numbered(store, headers).join(decided.select("k", "decision_id"), on="k",
                                         maintain_order="left")
    _write_entries(store, headers.drop("entry_date").join(ids, on="k"), lines, stamp)
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
    ``reversal_id``: the same lines, sides swapped, in the same journal, dated as
    ``[ledger] reversal_date`` says; and allocations that give the items back what the
    decision applied."""
    import polars as pl

    originals = store.frame(_ENTRIES_OF_SQL, [decision_id])
    if originals.height == 0:
        return
    stamp = now()
    day = (pl.col("entry_date") if rules.ledger.reversal_date == "original"
           else pl.lit(stamp.date()))
    headers = originals.select(
        pl.col("entry_id").alias("k"), day.alias("entry_date"),
        pl.coalesce("piece_date", "entry_date").alias("piece_date"),
        posting.label_expr(pl.concat_str(pl.lit("Extourne "), "entry_number", pl.lit(" "),
                                         "label"), 1 << 20).alias("label"),
        "piece_ref", "currency", "movement_id", "journal",
        pl.col("entry_id").alias("reverses_entry_id"))
    ids = _numbered(store, headers).with_columns(
        pl.lit(reversal_id, pl.Int64).alias("decision_id"))
    lines = posting.reversal_lines(store.frame(_LINES_OF_SQL, [decision_id]))
    _write_entries(store, headers.drop("entry_date").join(ids, on="k"), lines, stamp)
    given = store.frame(_ALLOCATIONS_OF_SQL, [decision_id])
    store.insert_frame("cm_allocations", given.join(
        ids.select(pl.col("k").alias("entry_id"), pl.col("entry_id").alias("_new")),
        on="entry_id", maintain_order="left").select(
        _ids(store, "cm_allocations", "allocation_id", given.height).alias("allocation_id"),
        "movement_id", "item_id", -pl.col("amount_minor"), "currency",
        pl.lit(reversal_id, pl.Int64).alias("decision_id"), pl.col("_new").alias("entry_id"),
        pl.lit(stamp).alias("created_at")))


def _banks(store: Store, rules: Rules, entries: pl.DataFrame) -> pl.DataFrame:
    """``k``, ``_bank_account``, ``journal``: the bank account and journal of each entry's
    movement (its statement account through the ``[[bank]]`` rules)."""
    import polars as pl

    with store.registered("__cm_entry_movements", entries.select("movement_id").unique()):
        accounts = store.frame(_ACCOUNTS_OF_SQL)
    found = dict(accounts.iter_rows())
    banks = {acct: rules.bank(acct) for acct in set(found.values())} | {None: rules.bank(None)}
    ids = entries.get_column("movement_id").to_list()
    chosen = [banks[found.get(mid)] for mid in ids]
    return pl.DataFrame({"k": entries.get_column("k"),
                         "_bank_account": [b.account for b in chosen],
                         "journal": [b.journal for b in chosen]},
                        schema={"k": pl.Int64, "_bank_account": pl.String,
                                "journal": pl.String})


def _numbered(store: Store, headers: pl.DataFrame) -> pl.DataFrame:
    """``k``, ``entry_id``, ``entry_number``, ``entry_date`` of new entries (``headers``:
    ``k``, ``journal``, ``entry_date``): dated no earlier than their journal's latest entry,
    then numbered per journal in date order after the journal's last number; ids follow the
    same order."""
    import polars as pl

    with store.registered("__cm_journals", headers.select("journal").unique()):
        state = store.frame(_JOURNAL_STATE_SQL)
    first = store.next_id("cm_journal_entries", "entry_id")
    dated = (headers.select("k", "journal", "entry_date")
             .join(state, on="journal", how="left", maintain_order="left")
             .with_columns(pl.max_horizontal("entry_date", "_last_date").alias("entry_date"),
                           pl.col("_count").fill_null(0))
             .sort("journal", "entry_date", "k"))
    seq = pl.col("_count") + pl.int_range(1, pl.len() + 1).over("journal")
    return dated.select(
        "k", (first + pl.int_range(pl.len(), dtype=pl.Int64)).alias("entry_id"),
        pl.format("{}{}", "journal", seq.cast(pl.String).str.zfill(6)).alias("entry_number"),
        "entry_date")


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


def _write_entries(store: Store, headers: pl.DataFrame, lines: pl.DataFrame,
                   stamp: object) -> None:
    """Entries (``k``, ``entry_id``, ``entry_number``, ``journal``, ``decision_id`` and
    :func:`posting.entry_headers`'s columns, optionally ``reverses_entry_id``) and their
    lines keyed by ``k``; every entry balances (:func:`posting.check_entries`) or nothing is
    written."""
    import polars as pl

    posting.check_entries(lines)
    if "reverses_entry_id" not in headers.columns:
        headers = headers.with_columns(pl.lit(None, pl.Int64).alias("reverses_entry_id"))
    store.insert_frame("cm_journal_entries", headers.select(
        "entry_id", "entry_number", "journal", "entry_date", "label", "piece_ref", "currency",
        "movement_id", "decision_id", "reverses_entry_id", pl.lit(stamp).alias("created_at"),
        "piece_date"))
    store.insert_frame("cm_journal_lines", lines.join(
        headers.select("k", "entry_id"), on="k", maintain_order="left").select(
        "entry_id", *posting.LINE_COLUMNS[1:]))
