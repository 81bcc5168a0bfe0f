"""Exports of matches and of the journal as CSV, Parquet or JSON.

Amounts leave the store exactly: decimal strings in CSV and JSON, DECIMAL columns in
Parquet, built from integer minor units without ever passing through float. CSV cells that a
spreadsheet would read as a formula (text starting with ``= + - @``, tab or CR) are prefixed
with an apostrophe; amount columns are numbers and are left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cashmatch.ledger.journal import SETTLED_SQL
from cashmatch.model import APPLYING, sql_list
from cashmatch.money import EXPONENTS, amount_text_expr
from cashmatch.store import Store

if TYPE_CHECKING:
    import polars as pl

EXPORT_FORMATS = ("csv", "parquet", "json")

MATCH_COLUMNS = ("transaction_id", "bank_reference", "booking_date", "amount", "currency",
                 "item_id", "party_id", "applied_amount", "status", "rank", "confidence",
                 "rule", "explanation", "evidence")

_MATCHES_SQL = f"""
WITH settled AS ({SETTLED_SQL}),
applied AS (
    SELECT m.movement_id AS transaction_id, m.bank_reference, m.booking_date,
           m.amount_minor, m.currency, a.item_id, i.party_id,
           a.amount_minor AS applied_minor,
           CASE WHEN d.actor = 'engine' THEN 'auto' ELSE 'manual' END AS status,
           NULL::INTEGER AS rank, d.confidence, d.rule, d.explanation, d.evidence_json,
           a.allocation_id AS k
    FROM cm_allocations a
    JOIN cm_decisions d USING (decision_id)
    JOIN cm_movements m ON m.movement_id = a.movement_id
    LEFT JOIN cm_items i ON i.item_id = a.item_id
    WHERE d.action IN {sql_list(APPLYING)}
      AND d.decision_id NOT IN (SELECT reverses_decision_id FROM cm_decisions
                                WHERE reverses_decision_id IS NOT NULL)
),
suggested AS (
    SELECT m.movement_id, m.bank_reference, m.booking_date, m.amount_minor, m.currency,
           l.item_id, i.party_id, l.amount_minor, 'suggested', c.rank, c.confidence, c.rule,
           c.explanation, c.evidence_json, c.candidate_id
    FROM cm_review_items r
    JOIN cm_candidates c USING (review_id)
    JOIN cm_candidate_lines l USING (candidate_id)
    JOIN cm_movements m ON m.movement_id = r.movement_id
    LEFT JOIN cm_items i ON i.item_id = l.item_id
    WHERE r.status = 'open'
),
unmatched AS (
    SELECT m.movement_id, m.bank_reference, m.booking_date, m.amount_minor, m.currency,
           NULL, NULL, NULL::BIGINT,
           CASE WHEN ig.rule IS NULL THEN 'unmatched' WHEN ig.action = 'post' THEN 'posted'
                ELSE 'ignored' END,
           NULL::INTEGER, NULL::DECIMAL(5,4),
           coalesce(ig.rule, ''), coalesce(ig.explanation, rv.reason, 'not matched yet'),
           NULL::VARCHAR, m.movement_id
    FROM cm_movements m
    LEFT JOIN (SELECT movement_id, rule, explanation, action FROM cm_decisions d
               WHERE action IN ('ignore', 'post') AND NOT EXISTS (
                   SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id)
              ) ig USING (movement_id)
    LEFT JOIN (SELECT movement_id, any_value(reason) AS reason FROM cm_review_items
               WHERE status = 'open' GROUP BY movement_id) rv USING (movement_id)
    WHERE m.status = 'booked'
      AND m.movement_id NOT IN (SELECT movement_id FROM cm_allocations GROUP BY movement_id
                                HAVING sum(abs(amount_minor)) > 0 AND sum(amount_minor) <> 0)
      AND m.movement_id NOT IN (SELECT r.movement_id FROM cm_review_items r
                                JOIN cm_candidates c USING (review_id) WHERE r.status = 'open')
)
SELECT * FROM (
    SELECT *, 1 AS o FROM applied
    UNION ALL SELECT *, 2 FROM suggested
    UNION ALL SELECT *, 3 FROM unmatched
) ORDER BY transaction_id, o, rank NULLS FIRST, k
"""

_JOURNAL_SQL = """
WITH open_items AS (
    SELECT i.item_id,
           i.amount_minor - i.settled_outside_minor - coalesce(
               (SELECT CAST(sum(a.amount_minor) AS BIGINT) FROM cm_allocations a
                WHERE a.item_id = i.item_id), 0) AS open_minor
    FROM cm_items i
),
groups AS (
    SELECT l.account, l.aux_account, l.code,
           bool_and(o.open_minor = 0) AS full
    FROM cm_lettrage l JOIN open_items o USING (item_id)
    GROUP BY l.account, l.aux_account, l.code
),
group_dates AS (
    SELECT lt.account, lt.aux_account, lt.code, max(e.entry_date) AS last_date
    FROM cm_journal_lines jl
    JOIN cm_journal_entries e USING (entry_id)
    JOIN cm_lettrage lt ON lt.item_id = jl.item_id
    GROUP BY lt.account, lt.aux_account, lt.code
)
SELECT e.entry_number, e.journal, e.entry_date, jl.line_no, jl.account, jl.aux_account,
       jl.aux_label, jl.label, e.piece_ref, jl.debit_minor, jl.credit_minor, jl.currency,
       lt.code AS lettrage_code,
       CASE WHEN lt.code IS NULL THEN NULL WHEN g.full THEN 'full' ELSE 'partial' END
           AS lettrage_state,
       CASE WHEN g.full THEN gd.last_date END AS lettrage_date,
       jl.item_id, e.movement_id, d.decision_id, d.action, d.actor, d.rule, d.explanation,
       r.entry_number AS reverses, e.created_at,
       coalesce(e.piece_date, e.entry_date) AS piece_date
FROM cm_journal_lines jl
JOIN cm_journal_entries e USING (entry_id)
LEFT JOIN cm_journal_entries r ON r.entry_id = e.reverses_entry_id
LEFT JOIN cm_decisions d ON d.decision_id = e.decision_id
LEFT JOIN cm_lettrage lt ON lt.item_id = jl.item_id
LEFT JOIN groups g ON g.account = lt.account AND g.aux_account = lt.aux_account
                  AND g.code = lt.code
LEFT JOIN group_dates gd ON gd.account = lt.account AND gd.aux_account = lt.aux_account
                        AND gd.code = lt.code
ORDER BY e.entry_id, jl.line_no
"""


#: The statuses of the matches export.
MATCH_STATUSES = ("auto", "manual", "suggested", "unmatched", "ignored", "posted")


@dataclass(frozen=True, slots=True)
class MatchFilter:
    """Filters of the matches export; None means no filter."""

    status: str | None = None
    party_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def matches_frame(store: Store, flt: MatchFilter = MatchFilter()) -> pl.DataFrame:
    """One row per allocation (status ``auto`` or ``manual``), per suggested candidate item
    (``suggested``), and per movement applied to no item: ``posted`` straight to an account
    (a posting rule or a person), ``ignored`` (not a receipt) or ``unmatched``; only the rows
    ``flt`` keeps."""
    import polars as pl

    from cashmatch.ledger.review import REASONS

    if flt.status is not None and flt.status not in MATCH_STATUSES:
        raise ValueError(f"unknown status {flt.status!r} (known: {', '.join(MATCH_STATUSES)})")
    raw = store.frame(_MATCHES_SQL).with_columns(
        pl.col("explanation").replace(REASONS).str.slice(0, 1).str.to_uppercase()
        + pl.col("explanation").replace(REASONS).str.slice(1))
    keep = [test(pl.col(column), value) for column, test, value in (
        ("status", pl.Expr.eq, flt.status), ("party_id", pl.Expr.eq, flt.party_id),
        ("booking_date", pl.Expr.ge, flt.date_from), ("booking_date", pl.Expr.le, flt.date_to))
        if value is not None]
    if keep:
        raw = raw.filter(*keep)
    return raw.select(
        "transaction_id", "bank_reference", "booking_date",
        amount_text_expr(pl.col("amount_minor"), pl.col("currency")).alias("amount"), "currency", "item_id", "party_id",
        amount_text_expr(pl.col("applied_minor"), pl.col("currency")).alias("applied_amount"), "status", "rank",
        pl.col("confidence").cast(pl.String), "rule", "explanation",
        pl.col("evidence_json").alias("evidence"))


def journal_frame(store: Store) -> pl.DataFrame:
    """One row per journal line, with lettrage and the decision behind the entry, in entry
    order (within a journal, that is number order)."""
    import polars as pl

    raw = store.frame(_JOURNAL_SQL)
    return raw.with_columns(amount_text_expr(pl.col("debit_minor"), pl.col("currency")).alias("debit"),
                            amount_text_expr(pl.col("credit_minor"), pl.col("currency")).alias("credit")).select(
        "entry_number", "journal", "entry_date", "line_no", "account", "aux_account",
        "aux_label", "label", "piece_ref", "debit", "credit", "currency", "lettrage_code",
        "lettrage_state", "lettrage_date", "item_id", "movement_id", "decision_id", "action",
        "actor", "rule", "explanation", "reverses", "created_at", "piece_date")


AMOUNT_COLUMNS = {"amount", "applied_amount", "debit", "credit", "confidence"}


def write(frame: pl.DataFrame, path: Path, fmt: str) -> int:
    """Write ``frame`` as ``fmt``; returns the number of rows."""
    import polars as pl

    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    if fmt == "csv":
        safe = frame.with_columns(
            _defuse(pl.col(c)).alias(c) for c, t in frame.schema.items()
            if t == pl.String and c not in AMOUNT_COLUMNS)
        safe.write_csv(path)
    elif fmt == "json":
        rows = frame.with_columns(
            pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t.is_temporal()
        ).to_dicts()
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        scale = 2
        typed = frame.with_columns(
            pl.col(c).cast(pl.Decimal(18, max(scale, _max_scale(frame))))
            for c in frame.columns if c in AMOUNT_COLUMNS - {"confidence"})
        typed = typed.with_columns(pl.col("confidence").cast(pl.Decimal(5, 4))
                                   for c in ["confidence"] if c in frame.columns)
        typed.write_parquet(path)
    return frame.height


def _max_scale(frame: pl.DataFrame) -> int:
    if "currency" not in frame.columns:
        return 2
    return max([EXPONENTS.get(c, 2) for c in frame.get_column("currency").drop_nulls().unique()]
               or [2])


def _defuse(expr: pl.Expr) -> pl.Expr:
    """Prefix text a spreadsheet would evaluate as a formula with an apostrophe."""
    import polars as pl

    return pl.when(expr.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + expr).otherwise(expr)


def export_text(frame: pl.DataFrame, fmt: str) -> str:
    """``frame`` written as ``fmt`` (``csv`` or ``json``) into a string."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"export.{fmt}"
        write(frame, out, fmt)
        return out.read_text(encoding="utf-8")

