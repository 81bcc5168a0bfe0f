"""Receivables and matching reports, computed in DuckDB from the store.

- **Aged balance** per customer at a date: what is still open on customer items (invoices
  less credit notes), by days past the due date: not due, 1–30, 31–60, 61–90, over 90; and
  the customer's unapplied credits (an over-payment left on the account, a payment kept as
  a credit), which count in the total.
- **Unapplied credits** of a customer, entry by entry (its account as a whole is
  :func:`cashmatch.ledger.account.customer_account`).
- **DSO**, two methods, both stated in the output:
  *simple ratio* = receivables at the date / sales of the last ``months`` months × days in
  those months; *countback* = walk back month by month from the date, consuming each month's
  sales until the receivables are used up: full months count their days, the last one a
  pro-rata share.
- **Payment delay** per customer: days between due date and payment (booking date of the
  movement), weighted by the amount applied; negative = paid early.
- **Matching KPIs** per day of booking: movements applied automatically, by a person, still
  open, with amounts; and the age of the open review backlog.

Sales are the customer invoices issued (``issue_date``) as imported into cashmatch: a ledger
that imports only open items gives a partial picture of sales, which the output says.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from cashmatch.errors import NotFound
from cashmatch.model import APPLYING, SETTLING, Action, sql_list
from cashmatch.money import from_minor
from cashmatch.store import Store

#: Decisions people take that settle a movement (the first two apply money).
_BY_PEOPLE = (Action.ACCEPT, Action.ASSIGN, Action.SUSPENSE)

AGED_BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "over_90")
BUCKET_LABELS = {"not_due": "not due", "d1_30": "1-30", "d31_60": "31-60", "d61_90": "61-90",
                 "over_90": "> 90"}

_OPEN_CUSTOMER_ITEMS = """
SELECT i.item_id, i.party_id, i.party_name, i.currency, i.due_date, i.issue_date,
       i.amount_minor - i.settled_outside_minor - coalesce(
           (SELECT CAST(sum(a.amount_minor) AS BIGINT) FROM cm_allocations a
            JOIN cm_movements m ON m.movement_id = a.movement_id
            WHERE a.item_id = i.item_id AND m.booking_date <= ?), 0) AS open_minor
FROM cm_items i
WHERE i.kind IN ('invoice', 'credit_note') AND coalesce(i.issue_date, i.due_date) <= ?
"""


#: Open customer items per party and currency, by bucket (``?``: the date twice, the party
#: when ``{only}`` names one, then the date five times).
_AGED_SQL = f"""
        WITH open AS ({_OPEN_CUSTOMER_ITEMS}{{only}})
        SELECT coalesce(party_id, '?') AS party_id, any_value(party_name) AS party_name, currency,
               sum(open_minor) FILTER (WHERE coalesce(due_date, issue_date) >= ?) AS not_due,
               sum(open_minor) FILTER (WHERE date_diff('day', coalesce(due_date, issue_date), ?)
                                       BETWEEN 1 AND 30) AS d1_30,
               sum(open_minor) FILTER (WHERE date_diff('day', coalesce(due_date, issue_date), ?)
                                       BETWEEN 31 AND 60) AS d31_60,
               sum(open_minor) FILTER (WHERE date_diff('day', coalesce(due_date, issue_date), ?)
                                       BETWEEN 61 AND 90) AS d61_90,
               sum(open_minor) FILTER (WHERE date_diff('day', coalesce(due_date, issue_date), ?)
                                       > 90) AS over_90,
               sum(open_minor) AS total
        FROM open WHERE open_minor <> 0
        GROUP BY ALL"""

#: Unapplied credits at a date (``?``): lines of customer accounts (411, 419) with a
#: party that settle no item (an over-payment, a payment kept as a credit), net.
_UNAPPLIED_LINES = """
SELECT jl.aux_account AS party_id, jl.aux_label AS party_name, jl.currency, e.entry_date,
       e.entry_number, jl.label, jl.debit_minor - jl.credit_minor AS amount_minor
FROM cm_journal_lines jl JOIN cm_journal_entries e USING (entry_id)
WHERE jl.item_id IS NULL AND jl.aux_account IS NOT NULL
  AND (jl.account LIKE '411%' OR jl.account LIKE '419%') AND e.entry_date <= ?
"""


def aged_balance(store: Store, as_of: date, party: str | None = None) -> list[dict[str, Any]]:
    """One row per customer (or only ``party``) and currency, with the five buckets, the
    unapplied credits (``unapplied``, negative) and the total of all (Decimals)."""
    who = [] if party is None else [party]
    rows = store.dicts(f"""
        WITH aged AS ({_AGED_SQL.format(only=" AND i.party_id = ?" if who else "")}),
        credits AS (SELECT party_id, any_value(party_name) AS party_name, currency,
                           sum(amount_minor) AS unapplied
                    FROM ({_UNAPPLIED_LINES}{" AND jl.aux_account = ?" if who else ""})
                    GROUP BY ALL HAVING sum(amount_minor) <> 0)
        SELECT coalesce(a.party_id, c.party_id) AS party_id,
               coalesce(a.party_name, c.party_name) AS party_name,
               coalesce(a.currency, c.currency) AS currency,
               {", ".join(f"a.{b}" for b in AGED_BUCKETS)}, c.unapplied,
               coalesce(a.total, 0) + coalesce(c.unapplied, 0) AS total
        FROM aged a FULL JOIN credits c ON c.party_id = a.party_id AND c.currency = a.currency
        ORDER BY total DESC, party_id""", [as_of, as_of, *who, *[as_of] * 5, as_of, *who])
    for r in rows:
        for key in (*AGED_BUCKETS, "unapplied", "total"):
            r[key] = from_minor(int(r[key] or 0), r["currency"])
    return rows


def unapplied_credits(store: Store, party_id: str, as_of: date) -> list[dict[str, Any]]:
    """The unapplied credits of a customer at a date, entry by entry (``entry_date``,
    ``entry_number``, ``label``, ``currency``, ``amount``: negative for a credit)."""
    rows = store.dicts(f"SELECT entry_date, entry_number, label, currency, amount_minor "
                       f"FROM ({_UNAPPLIED_LINES}) WHERE party_id = ? "
                       "ORDER BY entry_date, entry_number", [as_of, party_id])
    for row in rows:
        row["amount"] = from_minor(int(row.pop("amount_minor")), row["currency"])
    return rows


@dataclass(frozen=True, slots=True)
class Dso:
    """Days sales outstanding at a date, per currency, by two methods."""

    currency: str
    receivables: Decimal
    sales: Decimal
    months: int
    simple_ratio: Decimal | None
    countback: Decimal | None


def dso(store: Store, as_of: date, months: int = 3) -> list[Dso]:
    """DSO at ``as_of`` over the last ``months`` months of sales."""
    start = _months_back(as_of, months)
    out = []
    receivables = {r[0]: int(r[1]) for r in store.rows(
        f"SELECT currency, sum(open_minor) FROM ({_OPEN_CUSTOMER_ITEMS}) GROUP BY currency",
        [as_of, as_of])}
    for currency, owed in sorted(receivables.items()):
        monthly = []
        cursor = as_of
        for _ in range(months):
            first = _months_back(cursor, 1)
            sales = int(store.scalar(
                "SELECT coalesce(sum(amount_minor), 0) FROM cm_items WHERE kind = 'invoice' "
                "AND currency = ? AND issue_date > ? AND issue_date <= ?",
                [currency, first, cursor]))
            monthly.append(((cursor - first).days, sales))
            cursor = first
        total_sales = sum(s for _, s in monthly)
        days = (as_of - start).days
        simple = (Decimal(owed) / Decimal(total_sales) * days).quantize(
            Decimal("0.1"), ROUND_HALF_UP) if total_sales else None
        left, counted, countback = owed, Decimal(0), None
        for month_days, sales in monthly:
            if sales <= 0:
                counted += month_days
                continue
            if left <= sales:
                countback = (counted + Decimal(left) / Decimal(sales) * month_days).quantize(
                    Decimal("0.1"), ROUND_HALF_UP)
                break
            left -= sales
            counted += month_days
        out.append(Dso(currency, from_minor(owed, currency), from_minor(total_sales, currency),
                       months, simple, countback))
    return out


def payment_delays(store: Store) -> list[dict[str, Any]]:
    """Average days from due date to payment per customer, weighted by amounts applied."""
    rows = store.dicts(f"""
        SELECT i.party_id, any_value(i.party_name) AS party_name, i.currency,
               count(DISTINCT a.item_id) AS items,
               sum(a.amount_minor) AS paid_minor,
               sum(a.amount_minor * date_diff('day', coalesce(i.due_date, i.issue_date),
                                              m.booking_date)) AS weighted
        FROM cm_allocations a
        JOIN cm_decisions d USING (decision_id)
        JOIN cm_items i ON i.item_id = a.item_id
        JOIN cm_movements m ON m.movement_id = a.movement_id
        WHERE d.action IN {sql_list(APPLYING)}
          AND d.decision_id NOT IN (SELECT reverses_decision_id FROM cm_decisions
                                    WHERE reverses_decision_id IS NOT NULL)
          AND i.kind = 'invoice'
        GROUP BY i.party_id, i.currency
        ORDER BY i.party_id""")
    for r in rows:
        paid = int(r.pop("paid_minor") or 0)
        weighted = int(r.pop("weighted") or 0)
        r["paid"] = from_minor(paid, r["currency"])
        r["average_delay_days"] = (Decimal(weighted) / Decimal(paid)).quantize(
            Decimal("0.1"), ROUND_HALF_UP) if paid else None
    return rows


def matching_kpis(store: Store) -> list[dict[str, Any]]:
    """Per booking day: movements applied automatically, by a person, ignored, posted
    straight to an account (by a rule or a person), still open."""
    rows = store.dicts(f"""
        WITH active AS (
            SELECT d.movement_id, d.actor, d.action FROM cm_decisions d
            WHERE d.action IN {sql_list(SETTLING)}
              AND NOT EXISTS (SELECT 1 FROM cm_decisions u
                              WHERE u.reverses_decision_id = d.decision_id))
        SELECT m.booking_date AS day, m.currency,
               count(*) FILTER (WHERE a.actor = 'engine' AND a.action = 'auto') AS auto,
               count(*) FILTER (WHERE a.action IN {sql_list(_BY_PEOPLE)}) AS manual,
               count(*) FILTER (WHERE a.action = 'ignore') AS ignored,
               count(*) FILTER (WHERE a.action = 'post') AS posted,
               count(*) FILTER (WHERE a.movement_id IS NULL) AS open,
               sum(m.amount_minor) FILTER (WHERE a.action = 'auto') AS auto_minor,
               sum(m.amount_minor) FILTER (WHERE a.action IN {sql_list(_BY_PEOPLE[:2])})
                   AS manual_minor,
               sum(m.amount_minor) FILTER (WHERE a.movement_id IS NULL) AS open_minor
        FROM cm_movements m LEFT JOIN active a USING (movement_id)
        WHERE m.status = 'booked'
        GROUP BY ALL ORDER BY day, m.currency""")
    for r in rows:
        total = r["auto"] + r["manual"] + r["ignored"] + r["posted"] + r["open"]
        r["auto_rate"] = (Decimal(r["auto"]) / total).quantize(Decimal("0.001")) if total else None
        for key in ("auto", "manual", "open"):
            r[f"{key}_amount"] = from_minor(int(r.pop(f"{key}_minor") or 0), r["currency"])
    return rows


_DAY_SQL = f"""
WITH active AS (
    SELECT d.movement_id, arg_max(d.action, d.decision_id) AS action FROM cm_decisions d
    WHERE d.action IN {sql_list(SETTLING)}
      AND NOT EXISTS (SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id)
    GROUP BY d.movement_id),
live AS (
    SELECT r.movement_id, count(c.candidate_id) > 0 AS suggested FROM cm_review_items r
    LEFT JOIN cm_candidates c ON c.review_id = r.review_id
    WHERE r.status = 'open' GROUP BY r.movement_id)
SELECT CASE WHEN a.action = 'auto' THEN 'auto'
            WHEN a.action IN ('accept', 'assign') THEN 'manual'
            WHEN a.action IS NOT NULL THEN a.action
            WHEN l.suggested THEN 'review' ELSE 'unmatched' END AS outcome,
       CASE WHEN m.amount_minor >= 0 THEN 'in' ELSE 'out' END AS direction, m.currency,
       count(*) AS n, CAST(sum(m.amount_minor) AS BIGINT) AS total_minor
FROM cm_movements m JOIN cm_imports i USING (import_id)
LEFT JOIN active a USING (movement_id) LEFT JOIN live l USING (movement_id)
WHERE i.imported_at >= ? AND i.imported_at < ? AND m.status = 'booked'
GROUP BY ALL ORDER BY outcome, direction, m.currency
"""
_DAY_IMPORTS_SQL = ("SELECT import_id, kind, file_name, format, imported_at, n_rows, n_new, "
                    "n_known FROM cm_imports WHERE imported_at >= ? AND imported_at < ? "
                    "ORDER BY import_id")
_DAY_PEOPLE_SQL = ("SELECT actor, action, count(*) AS n FROM cm_decisions "
                   "WHERE created_at >= ? AND created_at < ? AND actor <> 'engine' "
                   "GROUP BY ALL ORDER BY actor, action")
#: What a movement imported on a day has become, in the order a day's summary shows it.
DAY_OUTCOMES = ("auto", "manual", "post", "suspense", "ignore", "review", "unmatched")


def day_summary(store: Store, day: date) -> dict[str, Any]:
    """What came in on ``day`` (local time) and what became of it: the files imported, and
    for their movements, per outcome (applied automatically, by a person, posted to an
    account, in suspense, ignored, left for review, unmatched), direction (``in`` receipts,
    ``out`` payments) and currency, how many and how much; and the decisions people took
    that day."""
    start, end = _utc_bounds(day)
    outcomes = store.dicts(_DAY_SQL, [start, end])
    for r in outcomes:
        r["total"] = from_minor(r.pop("total_minor"), r["currency"])
    return {"day": day, "imports": store.dicts(_DAY_IMPORTS_SQL, [start, end]),
            "outcomes": outcomes, "people": store.dicts(_DAY_PEOPLE_SQL, [start, end])}


def _utc_bounds(day: date) -> tuple[Any, Any]:
    """The stored (naive UTC) timestamps where the local ``day`` starts and ends."""
    from datetime import UTC, datetime

    start = datetime(day.year, day.month, day.day).astimezone(UTC).replace(tzinfo=None)
    return start, (datetime(day.year, day.month, day.day) + timedelta(days=1)).astimezone(
        UTC).replace(tzinfo=None)


def review_backlog(store: Store, as_of: date) -> dict[str, Any]:
    """Open review items and how long they have waited (days since the movement's booking)."""
    row = store.row("""
        SELECT count(*), min(m.booking_date), median(date_diff('day', m.booking_date, ?))
        FROM cm_review_items r JOIN cm_movements m USING (movement_id)
        WHERE r.status = 'open'""", [as_of])
    assert row is not None
    return {"open_items": int(row[0]), "oldest_booking_date": row[1],
            "median_age_days": None if row[2] is None else Decimal(str(row[2]))}


def _months_back(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    last_day = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def chart(store: Store, kind: str, as_of: date) -> bytes:
    """A report's chart as PNG: ``aged`` (the aged balance at ``as_of``) or ``kpis``
    (matching per booking day)."""
    import io

    out = io.BytesIO()
    if kind == "aged":
        rows = aged_balance(store, as_of)
        with _DRAWING:
            aged_balance_chart(rows, out, as_of)
    elif kind == "kpis":
        days = matching_kpis(store)
        with _DRAWING:
            kpi_chart(days, out)
    else:
        raise NotFound(f"no chart {kind!r} (aged, kpis)")
    return out.getvalue()


#: matplotlib's pyplot draws one figure at a time (a service draws for several people).
_DRAWING = threading.Lock()


def aged_balance_chart(rows: list[dict[str, Any]], path: str | IO[bytes], as_of: date) -> None:
    """A stacked bar chart (PNG) of the aged balance of the largest customers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = rows[:15]
    fig, ax = plt.subplots(figsize=(10, 0.45 * max(len(top), 4) + 1.5))
    names = [f"{r['party_name'] or r['party_id']} ({r['currency']})"[:40] for r in top]
    left = [0.0] * len(top)
    colours = ["#4c9f70", "#f2c14e", "#f78154", "#d1495b", "#5d2e46"]
    for bucket, colour in zip(AGED_BUCKETS, colours, strict=True):
        values = [float(r[bucket]) for r in top]  # drawing only: the figures stay Decimal
        ax.barh(names, values, left=left, color=colour, label=BUCKET_LABELS[bucket])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_title(f"Aged balance at {as_of.isoformat()} (days past due)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def kpi_chart(rows: list[dict[str, Any]], path: str | IO[bytes]) -> None:
    """Automatic matching rate per booking day (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = [r["day"] for r in rows]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(days, [r["auto"] for r in rows], label="automatic", color="#4c9f70")
    ax.bar(days, [r["manual"] for r in rows], bottom=[r["auto"] for r in rows],
           label="by a person", color="#f2c14e")
    ax.bar(days, [r["open"] for r in rows],
           bottom=[r["auto"] + r["manual"] for r in rows], label="open", color="#d1495b")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("movements")
    ax.set_title("Matching per booking day")
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
