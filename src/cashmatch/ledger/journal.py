"""Writing applications to the store: decision, entry, lines, allocations and lettrage.

:class:`Applier` collects any number of applications and writes them in a few bulk inserts
inside the caller's transaction, so a run of ten thousand automatic applications costs a
handful of statements. Ids are continuous: entry numbers never skip (``BQ000001``,
``BQ000002``...), because a failed transaction leaves no row behind and the next id is read
again from the table.

Lettrage: each settled item gets a code per (account, auxiliary account): ``AAA``, ``AAB``...
Items settled by one movement share a code; an item keeps its code from its first payment on,
so partial payments and the final one carry the same letter. Whether a group is fully
lettered is derived (all its items have nothing left open), never stored, so nothing is
rewritten when an item is finally paid.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.config import Ledger, Rules
from cashmatch.errors import PostingError
from cashmatch.model import JournalEntry
from cashmatch.money import to_minor
from cashmatch.ledger.posting import (
    Adjustment,
    ItemFacts,
    MovementFacts,
    adjustment_account,
    adjustment_label,
    entry_for,
    label_expr,
    one_line_differences,
)
from cashmatch.store import Store, now

if TYPE_CHECKING:
    import polars as pl

ENGINE_VERSION = "0.1.0"


@functools.lru_cache(maxsize=1 << 16)
def lettrage_code(n: int) -> str:
    """The n-th code (0-based): AAA, AAB, ..., ZZZ, AAAA, ... (every party's codes start at
    AAA, so a run computes the same few codes again and again: they are cached)."""
    width = 3
    while n >= 26**width:
        n -= 26**width
        width += 1
    chars = []
    for _ in range(width):
        n, r = divmod(n, 26)
        chars.append(chr(ord("A") + r))
    return "".join(reversed(chars))


@dataclass(slots=True)
class Applier:
    """Collects applications and decisions; :meth:`flush` writes them all."""

    store: Store
    rules: Rules
    run_id: int | None = None
    _decisions: list[dict[str, Any]] = field(default_factory=list)
    _entries: list[dict[str, Any]] = field(default_factory=list)
    _lines: list[dict[str, Any]] = field(default_factory=list)
    _allocations: list[dict[str, Any]] = field(default_factory=list)
    _lettrage: list[dict[str, Any]] = field(default_factory=list)
    _next: dict[str, int] = field(default_factory=dict)
    _codes: dict[str, str] = field(default_factory=dict)
    _code_count: dict[tuple[str, str], int] = field(default_factory=dict)
    _checked: set[str] = field(default_factory=set)
    _frames: list[tuple[str, pl.DataFrame]] = field(default_factory=list)

    def _id(self, table: str, column: str, count: int = 1) -> int:
        """The next id of ``table`` (the first of ``count`` consecutive ones)."""
        if table not in self._next:
            self._next[table] = self.store.next_id(table, column)
        value = self._next[table]
        self._next[table] = value + count
        return value

    def decide(self, movement_id: int, action: str, actor: str, rule: str, explanation: str,
               evidence: dict[str, Any], *, confidence: Decimal | None = None,
               review_id: int | None = None, reason: str | None = None,
               reverses: int | None = None) -> int:
        """Record a decision (the append-only log); returns its id."""
        decision_id = self._id("cm_decisions", "decision_id")
        self._decisions.append({
            "decision_id": decision_id, "movement_id": movement_id, "review_id": review_id,
            "run_id": self.run_id, "action": action, "actor": actor, "rule": rule,
            "confidence": confidence,
            "threshold": self.rules.matching.auto_threshold if action == "auto" else None,
            "explanation": explanation,
            "evidence_json": json.dumps(evidence, ensure_ascii=False, default=str, sort_keys=True,
                                        separators=(",", ":")),
            "reason": reason, "reverses_decision_id": reverses, "engine_version": ENGINE_VERSION,
            "rules_version": self.rules.version, "created_at": now(),
        })
        return decision_id

    def apply(self, movement: MovementFacts, allocations: list[tuple[ItemFacts, Decimal]],
              decision_id: int, adjustment: Adjustment | None = None,
              cash_account: str | None = None) -> JournalEntry:
        """Post ``movement`` against ``allocations`` (and a difference) under ``decision_id``."""
        entry = entry_for(movement, allocations, self.rules.ledger, adjustment, cash_account)
        entry_id = self._id("cm_journal_entries", "entry_id")
        stamp = now()
        self._entries.append({
            "entry_id": entry_id, "entry_number": f"{entry.journal}{entry_id:06d}",
            "journal": entry.journal, "entry_date": entry.entry_date, "label": entry.label,
            "piece_ref": entry.piece_ref, "currency": entry.currency,
            "movement_id": movement.movement_id, "decision_id": decision_id,
            "reverses_entry_id": None, "created_at": stamp,
        })
        ccy = entry.currency
        for no, ln in enumerate(entry.lines, start=1):
            self._lines.append({
                "entry_id": entry_id, "line_no": no, "account": ln.account,
                "aux_account": ln.aux_account, "aux_label": ln.aux_label, "label": ln.label,
                "debit_minor": to_minor(ln.debit, ccy), "credit_minor": to_minor(ln.credit, ccy),
                "currency": ccy, "item_id": ln.item_id,
            })
        self._letter([item for item, _ in allocations], stamp)
        for item, amount in allocations:  # in the item's own currency
            self._allocations.append({
                "allocation_id": self._id("cm_allocations", "allocation_id"),
                "movement_id": movement.movement_id, "item_id": item.item_id,
                "amount_minor": to_minor(amount, item.currency), "currency": item.currency,
                "decision_id": decision_id, "entry_id": entry_id, "created_at": stamp,
            })
        return entry

    def apply_in_bulk(self, rows: pl.DataFrame) -> None:
        """Decide and post, in bulk, automatic applications that settle one item in full in
        the movement's currency, exactly (the entry is the movement on the bank account
        against the item) or with one line for a difference between them
        (:func:`cashmatch.ledger.posting.one_line_differences`): what
        :func:`cashmatch.ledger.posting.entry_for` would write, line for line (a test holds them
        to it).

        ``rows``, one per movement: ``movement_id``, ``booking_date``, ``amount_minor``,
        ``currency``, ``bank_reference``, ``counterparty_name``, ``remittance``,
        ``input_hash``; the item's ``item_id``, ``i_account``, ``i_party_id``, ``i_party``,
        ``i_reference``, ``i_currency``, ``i_open_minor``; and the proposal's
        ``applied_minor``, ``adjust_kind``, ``adjust_minor`` (debit-positive), ``rule``,
        ``explanation``, ``points``, ``confidence_bp`` and evidence columns
        (:data:`cashmatch.match.assign.EVIDENCE`)."""
        import polars as pl

        from cashmatch.match.assign import evidence_json_expr

        if rows.height == 0:
            return
        ledger, stamp = self.rules.ledger, now()
        amount, applied = pl.col("amount_minor"), pl.col("applied_minor")
        rows = rows.sort("movement_id").with_columns(pl.col("adjust_minor").fill_null(0))
        adjust = pl.col("adjust_minor")
        wrong = rows.filter((applied != pl.col("i_open_minor"))
                            | (pl.col("currency") != pl.col("i_currency"))
                            | (amount == 0) | (amount.sign() != applied.sign())
                            | (amount + adjust != applied)
                            | ((adjust != 0) & ~pl.col("adjust_kind").is_in(
                                one_line_differences(ledger)).fill_null(False)))
        if wrong.height:
            raise PostingError(f"movement {wrong['movement_id'][0]} does not settle item "
                               f"{wrong['item_id'][0]} in full in its own currency with at "
                               f"most one line for a difference")
        n = rows.height
        at = pl.int_range(n, dtype=pl.Int64)
        rows = rows.with_columns(
            (self._id("cm_decisions", "decision_id", n) + at).alias("decision_id"),
            (self._id("cm_journal_entries", "entry_id", n) + at).alias("entry_id"),
            (self._id("cm_allocations", "allocation_id", n) + at).alias("allocation_id"),
            label_expr(pl.concat_str(pl.col("counterparty_name").fill_null(""), pl.lit(" "),
                                     "remittance")).alias("label"),
            label_expr(pl.concat_str(pl.lit("Règlement "), pl.when(
                pl.col("i_reference").fill_null("") == "").then("item_id")
                .otherwise("i_reference"))).alias("item_label"),
            pl.lit(stamp).alias("created_at"))
        self._frames.append(("cm_decisions", rows.select(
            "decision_id", "movement_id", pl.lit(None, pl.Int64).alias("review_id"),
            pl.lit(self.run_id, pl.Int64).alias("run_id"), pl.lit("auto").alias("action"),
            pl.lit("engine").alias("actor"), pl.concat_str(pl.lit("auto:"), "rule").alias("rule"),
            (pl.col("confidence_bp").cast(pl.Decimal(18, 4)) / pl.lit(10_000).cast(
                pl.Decimal(18, 4))).cast(pl.Decimal(5, 4)).alias("confidence"),
            pl.lit(self.rules.matching.auto_threshold).cast(pl.Decimal(5, 4)).alias("threshold"),
            "explanation",
            evidence_json_expr("input_hash").alias("evidence_json"),
            pl.lit(None, pl.String).alias("reason"),
            pl.lit(None, pl.Int64).alias("reverses_decision_id"),
            pl.lit(ENGINE_VERSION).alias("engine_version"),
            pl.lit(self.rules.version).alias("rules_version"), "created_at")))
        self._frames.append(("cm_journal_entries", rows.select(
            "entry_id", pl.format("{}{}", pl.lit(ledger.journal),
                                  pl.col("entry_id").cast(pl.String).str.zfill(6))
            .alias("entry_number"), pl.lit(ledger.journal).alias("journal"),
            pl.col("booking_date").alias("entry_date"), "label",
            pl.when(pl.col("bank_reference").fill_null("") == "")
            .then(pl.format("M{}", "movement_id")).otherwise("bank_reference").alias("piece_ref"),
            "currency", "movement_id", "decision_id",
            pl.lit(None, pl.Int64).alias("reverses_entry_id"), "created_at")))

        self._frames.append(("cm_journal_lines", _bulk_lines(rows, ledger)))
        self._frames.append(("cm_allocations", rows.select(
            "allocation_id", "movement_id", "item_id", applied.alias("amount_minor"),
            pl.col("i_currency").alias("currency"), "decision_id", "entry_id", "created_at")))
        self._letter_in_bulk(rows.select("item_id", "i_account", "i_party_id"), stamp)

    def _letter_in_bulk(self, items: pl.DataFrame, stamp: object) -> None:
        """Lettrage of one item per movement (as :meth:`_letter` does, in bulk): an item
        already lettered keeps its code; each other one, in order, gets the next code of its
        (account, party)."""
        import polars as pl

        items = items.select("item_id", pl.col("i_account").alias("account"),
                             pl.col("i_party_id").fill_null("").alias("aux_account"))
        self._preload(items["item_id"].to_list(),
                      list(zip(items["account"], items["aux_account"], strict=True)))
        fresh = (items.filter(~pl.col("item_id").is_in(list(self._codes)))
                 .unique("item_id", keep="first", maintain_order=True))
        if fresh.height == 0:
            return
        key = ["account", "aux_account"]
        counts = pl.DataFrame([(a, x, self._code_count[(a, x)]) for a, x in
                               fresh.select(key).unique().iter_rows()],
                              schema=[*key, "_first"], orient="row")
        fresh = fresh.join(counts, on=key, maintain_order="left").with_columns(
            (pl.col("_first") + pl.int_range(pl.len()).over(key)).alias("_n"))
        numbers = fresh["_n"].unique().to_list()
        fresh = fresh.with_columns(pl.col("_n").replace_strict(
            numbers, [lettrage_code(n) for n in numbers], return_dtype=pl.String).alias("code"))
        self._codes.update(zip(fresh["item_id"].to_list(), fresh["code"].to_list(), strict=True))
        for account, aux, last in fresh.group_by(key).agg(pl.col("_n").max()).iter_rows():
            self._code_count[(account, aux)] = last + 1
        self._frames.append(("cm_lettrage", fresh.select(
            "item_id", "account", "aux_account", "code", pl.lit(stamp).alias("created_at"))))

    def preload(self, items: list[ItemFacts]) -> None:
        """Read the lettrage state of ``items`` and their parties in two queries, so that
        applying thousands of movements does not query per movement."""
        self._preload([i.item_id for i in items], [(i.account, i.party_id or "") for i in items])

    def _preload(self, item_ids: list[str], parties: list[tuple[str, str]]) -> None:
        """:meth:`preload` for items and their (account, auxiliary account) keys."""
        import polars as pl

        ids = list({i for i in item_ids if i not in self._checked})
        if ids:
            with self.store.registered("__cm_lettered", pl.DataFrame(
                    {"item_id": ids}, schema={"item_id": pl.String})):
                self._codes.update(self.store.rows(
                    "SELECT item_id, code FROM cm_lettrage SEMI JOIN __cm_lettered "
                    "USING (item_id)"))
            self._checked.update(ids)
        keys = list({key for key in parties if key not in self._code_count})
        if keys:
            self._code_count.update(dict.fromkeys(keys, 0))
            with self.store.registered("__cm_parties", pl.DataFrame(
                    keys, schema={"account": pl.String, "aux_account": pl.String},
                    orient="row")):
                for account, aux, n in self.store.rows(
                        "SELECT account, aux_account, count(DISTINCT code) FROM cm_lettrage "
                        "SEMI JOIN __cm_parties USING (account, aux_account) GROUP BY ALL"):
                    self._code_count[(account, aux)] = int(n)

    def _letter(self, items: list[ItemFacts], stamp: object) -> None:
        self.preload([i for i in items if i.item_id not in self._checked])
        fresh = [i for i in items if i.item_id not in self._codes]
        groups: dict[tuple[str, str], list[ItemFacts]] = {}
        for item in fresh:
            groups.setdefault((item.account, item.party_id or ""), []).append(item)
        for key, members in groups.items():
            code = lettrage_code(self._code_count[key])
            self._code_count[key] += 1
            for item in members:
                self._codes[item.item_id] = code
                self._lettrage.append({"item_id": item.item_id, "account": key[0],
                                       "aux_account": key[1], "code": code,
                                       "created_at": stamp})

    def flush(self) -> None:
        """Write everything collected, in the caller's transaction."""
        import polars as pl

        for table, frame in self._frames:
            self.store.insert_frame(table, frame)
        self._frames.clear()
        for table, rows in (("cm_decisions", self._decisions),
                            ("cm_journal_entries", self._entries),
                            ("cm_journal_lines", self._lines),
                            ("cm_allocations", self._allocations),
                            ("cm_lettrage", self._lettrage)):
            if rows:
                frame = pl.DataFrame(rows, infer_schema_length=None)
                if table == "cm_decisions":
                    frame = frame.with_columns(
                        pl.col("confidence").cast(pl.Decimal(5, 4)),
                        pl.col("threshold").cast(pl.Decimal(5, 4)),
                        pl.col("reverses_decision_id").cast(pl.Int64))
                self.store.insert_frame(table, frame)
            rows.clear()


def _bulk_lines(rows: pl.DataFrame, ledger: Ledger) -> pl.DataFrame:
    """The journal lines of :meth:`Applier.apply_in_bulk`'s ``rows`` (with their
    ``entry_id``, ``label`` and ``item_label``): the bank line, the line of a difference when
    there is one, the item's line, as :func:`cashmatch.ledger.posting.entry_for` orders them."""
    import polars as pl

    amount, applied = pl.col("amount_minor"), pl.col("applied_minor")
    adjust = pl.col("adjust_minor")

    def debit(x: pl.Expr) -> pl.Expr:
        return pl.when(x > 0).then(x).otherwise(0)

    def line(line_no: pl.Expr | int, account: pl.Expr | str, aux: pl.Expr | None,
             aux_label: pl.Expr | None, text: pl.Expr | str, signed: pl.Expr,
             item: pl.Expr | None) -> list[pl.Expr]:
        def lit(x: pl.Expr | str | int | None, dtype: Any) -> pl.Expr:
            return x if isinstance(x, pl.Expr) else pl.lit(x, dtype)

        return ["entry_id", lit(line_no, pl.Int32).cast(pl.Int32).alias("line_no"),
                lit(account, pl.String).alias("account"),
                lit(aux, pl.String).alias("aux_account"),
                lit(aux_label, pl.String).alias("aux_label"),
                (pl.col(text) if isinstance(text, str) else text).alias("label"),
                debit(signed).alias("debit_minor"), debit(-signed).alias("credit_minor"),
                "currency", lit(item, pl.String).alias("item_id")]

    adjusted = rows.filter(adjust != 0)
    lines = [
        rows.select(line(1, ledger.bank_account, None, None, "label", amount, None)),
        rows.select(line(pl.when(adjust != 0).then(3).otherwise(2), pl.col("i_account"),
                         pl.col("i_party_id"), pl.col("i_party"), "item_label", -applied,
                         pl.col("item_id")))]
    if adjusted.height:
        facts = [ItemFacts(item, account, party, name, ref, ccy, Decimal(0))
                 for item, account, party, name, ref, ccy in adjusted.select(
                     "item_id", "i_account", "i_party_id", "i_party", "i_reference",
                     "i_currency").iter_rows()]
        kinds = adjusted["adjust_kind"].to_list()
        over = pl.col("adjust_kind") == "over"
        lines.append(adjusted.with_columns(
            pl.Series("adjust_account", [adjustment_account(k, x, ledger, f) for k, x, f in
                                         zip(kinds, adjusted["adjust_minor"].to_list(),
                                             facts, strict=True)], pl.String),
            pl.Series("adjust_label", [adjustment_label(k, f) for k, f in
                                       zip(kinds, facts, strict=True)], pl.String),
        ).select(line(2, pl.col("adjust_account"),
                      pl.when(over).then(pl.col("i_party_id")),
                      pl.when(over).then(pl.col("i_party")), "adjust_label", adjust, None)))
    return pl.concat(lines)
