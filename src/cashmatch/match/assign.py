"""Assignment: from scored pairs to proposals and decisions, across the whole run at once.

For each movement the proposals are:

- every scored pair (one item; fully settled with a posted difference, or partly paid);
- for the payer's parties, the sets of 2 to ``max_subset_items`` of its open items whose open
  amounts add up exactly to the movement (invoices, credit notes netted in), found by a
  bounded subset-sum over that party's few candidate items only (those the text quotes
  first; a set leaving out a quoted item is contradicted, and among sets nothing quotes, one
  of k that add up with other amounts scores ln k points less);
- when the party has more items than that, the quoted items completed by some of its
  :data:`COMPLETING_MAX` oldest others (a list the bank cut short);
- the quoted items of several parties when together they make the amount (a factor or a
  group paying for several customers: a payer that is none of them is no contradiction).

A proposal is applied automatically when its confidence reaches ``auto_threshold`` *and* it
stands at least ``auto_margin`` evidence points above the movement's next proposal (so two
equally good readings never become a guess) *and* no other movement of the run claims one of
its items as strongly (conflicts are settled over the whole run, never first come, first
served; instalments that fit together in what is open are not a conflict). Everything else
goes to review with its best proposals, ranked; a movement with none is unmatched.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from cashmatch.bulk import owned
from cashmatch.config import Rules, Weights
from cashmatch.ledger.posting import one_line_differences
from cashmatch.match.evidence import confidence_bp, confidence_expr, tenths
from cashmatch.match.explain import describe_expr, describe_subset

if TYPE_CHECKING:
    import polars as pl

#: Columns of a pair kept as a proposal's evidence.
EVIDENCE = ("match_key", "rules", "ref_level", "amount_level", "party_level", "date_level",
            "period_level", "hold", "m_duplicate_of", "ref_similarity", "name_similarity",
            "name_same", "same_name", "quotes_another", "amount_diff_minor", "days_after_due",
            "points", "confidence_bp")
#: Columns a proposal is built and explained from.
PROPOSAL_COLUMNS = (*EVIDENCE, "movement_id", "item_id", "applied_minor", "adjust_kind",
                    "adjust_minor", "due_date", "i_party_id", "i_party", "i_reference",
                    "i_ref_tail", "i_open_minor", "i_currency", "m_currency", "m_amount_minor",
                    "i_account")
#: Columns a several-items proposal is built and explained from.
SUBSET_COLUMNS = ("movement_id", "i_party_id", "i_party", "item_id", "i_reference",
                  "i_open_minor", "ref_level", "party_level", "same_name", "due_date",
                  "m_currency", "i_designated", "m_designated_n", "date_level", "period_level",
                  "i_number_quoted", "m_numbers_n")
#: What a proposal says of its item beside its evidence: the scored pairs do not carry these
#: (one copy per pair); :func:`with_item_texts` gathers them for the pairs that become
#: proposals, by the item's ``i_due_rank``.
ITEM_TEXTS = ("i_reference", "i_ref_tail", "i_party", "i_account")
#: Columns of the scored pairs that assignment and posting read; the rest (texts, names,
#: intermediate flags) is dropped after scoring so that every later filter and sort moves
#: less data.
KEPT_COLUMNS = tuple(c for c in dict.fromkeys(
    (*PROPOSAL_COLUMNS, *SUBSET_COLUMNS, "i_due_rank", "fx")) if c not in ITEM_TEXTS)
#: Columns of explained one-item proposals (:func:`explained`).
EXPLAINED_COLUMNS = (*PROPOSAL_COLUMNS, "rule", "explanation", "fx")


@dataclass(slots=True)
class Proposal:
    """One way to apply a movement: items, amounts and the difference to post."""

    movement_id: int
    lines: tuple[tuple[str, int], ...]        # (item_id, applied minor units)
    points: int                                # evidence, tenths of log-odds
    rule: str
    explanation: str                           # "" until :meth:`explain` fills it
    evidence: dict[str, Any]
    adjust_kind: str | None = None             # rounding | fee | discount | over
    adjust_minor: int = 0                      # Σ applied - movement (debit-positive)
    due: tuple[str, ...] = ()                  # due dates, for ordering ties (oldest first)
    rank: int = 0
    opens: tuple[int, ...] = ()                # open amount of each line's item

    def explain(self) -> str:
        return self.explanation

    @property
    def confidence_bp(self) -> int:
        return confidence_bp(self.points)

    @property
    def items(self) -> frozenset[str]:
        return frozenset(i for i, _ in self.lines)

    def sort_key(self) -> tuple[Any, ...]:
        return (-self.points, len(self.lines), self.due, sorted(self.items))


@dataclass(slots=True)
class Assignment:
    """Output of :func:`decide`: automatic applications, ranked suggestions, reasons.

    Automatic applications come in two forms: ``bulk``, a frame of one-item applications
    that settle their item in full in the movement's currency, exactly or with one line for
    a difference (most of a day's movements; posted in bulk, columns
    :data:`EXPLAINED_COLUMNS`; see :func:`_posts_in_bulk`), and ``auto``, every other one as
    a :class:`Proposal`. :meth:`all_auto` gives them all as proposals. Every other movement
    has a reason (``reasons``) and its suggestions, ranked, are rows of ``review``
    (:data:`REVIEW_SCHEMA`); :meth:`all_suggestions` gives them as proposals."""

    auto: list[Proposal] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)
    bulk: pl.DataFrame | None = None
    review: pl.DataFrame | None = None

    def all_auto(self) -> list[Proposal]:
        """Every automatic application, in movement order."""
        bulk = [] if self.bulk is None else [
            p for props in proposals(self.bulk).values() for p in props]
        return sorted(self.auto + bulk, key=lambda p: p.movement_id)

    def all_suggestions(self) -> dict[int, list[Proposal]]:
        """The suggestions of every movement sent to review, best first."""
        out: dict[int, list[Proposal]] = {}
        if self.review is None:
            return out
        for row in _rows(self.review.sort("movement_id", "rank")):
            out.setdefault(row["movement_id"], []).append(Proposal(
                row["movement_id"], tuple((x["item_id"], x["amount_minor"]) for x in row["lines"]),
                row["points"], row["rule"], row["explanation"], json.loads(row["evidence_json"]),
                row["adjust_kind"], row["adjust_minor"], rank=row["rank"]))
        return out

    @property
    def auto_count(self) -> int:
        return len(self.auto) + (0 if self.bulk is None else self.bulk.height)


def _review_schema() -> dict[str, Any]:
    import polars as pl

    return {"movement_id": pl.Int64, "rank": pl.Int64, "points": pl.Int64,
            "confidence_bp": pl.Int64, "rule": pl.String, "explanation": pl.String,
            "evidence_json": pl.String, "adjust_kind": pl.String, "adjust_minor": pl.Int64,
            "lines": pl.List(pl.Struct({"item_id": pl.String, "amount_minor": pl.Int64}))}


def _ranked(scored: pl.DataFrame) -> pl.DataFrame:
    """Pairs in the order of :meth:`Proposal.sort_key` (most evidence, then oldest due date,
    undated last, then item id: the item's ``i_due_rank``), numbered ``_n`` within each
    movement."""
    import polars as pl

    return (scored.sort(["movement_id", "points", "i_due_rank"], descending=[False, True, False])
            .with_columns(pl.col("item_id").cum_count().over("movement_id").alias("_n")))


def with_item_texts(pairs: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """``pairs`` with their items' :data:`ITEM_TEXTS`, joined from ``texts`` by
    ``i_due_rank`` (:meth:`cashmatch.match.workspace.Workspace.item_texts`)."""
    return pairs.join(texts, on="i_due_rank", how="left", maintain_order="left")


def explained(pairs: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """Scored pairs as one-item proposals: :data:`EXPLAINED_COLUMNS`, with the rule name and
    the explanation computed over the whole frame (``texts``: see :func:`with_item_texts`)."""
    import polars as pl

    pairs = with_item_texts(pairs, texts)
    fx = pl.col("fx").fill_null(False) if "fx" in pairs.columns else pl.lit(False)
    return pairs.select(*PROPOSAL_COLUMNS, pl.concat_str(
        "ref_level", "amount_level", "party_level", separator="+").alias("rule"),
        describe_expr().alias("explanation"), fx.alias("fx"))


def proposals(rows: pl.DataFrame) -> dict[int, list[Proposal]]:
    """:class:`Proposal` objects from explained one-item proposals (:func:`explained`),
    built column-wise (a dict per row would cost more than the proposal itself)."""
    import polars as pl

    cols = rows.select(
        "movement_id", "item_id", "applied_minor", "rule", "explanation",
        "adjust_kind", pl.col("adjust_minor").fill_null(0),
        pl.col("due_date").cast(pl.String).fill_null("None"), "i_open_minor",
        *EVIDENCE, pl.col("i_party_id").alias("party_id")).to_dict(as_series=False)
    keys = (*EVIDENCE, "party_id")
    evidence = zip(*(cols[k] for k in keys), strict=True)
    out: dict[int, list[Proposal]] = defaultdict(list)
    for mid, item, applied, points, rule, text, kind, adjust, due, open_, ev in zip(
            cols["movement_id"], cols["item_id"], cols["applied_minor"], cols["points"],
            cols["rule"], cols["explanation"], cols["adjust_kind"], cols["adjust_minor"],
            cols["due_date"], cols["i_open_minor"], evidence, strict=True):
        facts = dict(zip(keys, ev, strict=True))
        facts["rules"] = facts["rules"] or []
        out[mid].append(Proposal(mid, ((item, applied),), points, rule, text, facts, kind,
                                 adjust, (due,), opens=(open_,)))
    return out


def subset_proposals(scored: pl.DataFrame, amounts: dict[int, int], rules: Rules,
                     only: Iterable[int], texts: pl.DataFrame,
                     floors: dict[int, int] | None = None) -> dict[int, list[Proposal]]:
    """Sets of one party's items whose open amounts add up exactly to the movement.

    Only items the payer is tied to (its IBAN, name or memory) or that the text references
    are tried, at most ``max_subset_items`` per party: quoted items first, then credit notes,
    then the oldest, chosen over all movements at once with polars. Only those few items per
    (movement, party) reach Python, where :func:`_exact_subsets` finds the exact sums.

    ``floors`` (evidence points by movement) skips the parties none of whose sets could score
    above that: :func:`_subset_points_bound` of what is tried. ``texts``: see
    :func:`with_item_texts`."""
    import polars as pl

    wanted = list(set(only))
    if scored.height == 0 or not wanted:
        return {}
    booked = pl.DataFrame({"movement_id": wanted, "_booked": [amounts[m] for m in wanted]},
                          schema={"movement_id": pl.Int64, "_booked": pl.Int64})
    # items in the movement's own currency only (a foreign-currency item is compared through
    # the instructed amount, one item at a time)
    usable = scored.join(booked, on="movement_id").filter(
        (pl.col("m_amount_minor") == pl.col("_booked"))
        & (pl.col("m_currency") == pl.col("i_currency"))
        & ((pl.col("party_level").is_in(["iban", "name"])) | (pl.col("ref_level") != "none"))
        & pl.col("i_party_id").is_not_null())
    group = ["movement_id", "i_party_id"]
    # an item larger than the payment plus every credit note of the party cannot be part of
    # an exact sum; quoted items first, then the party's credit notes (netted into payments),
    # then the oldest: the first max_subset_items of each (movement, party) are tried
    other_sign = (pl.col("i_open_minor") > 0) != (pl.col("m_amount_minor") > 0)
    fitting = (usable
               .with_columns(other_sign.alias("_credit"),
                             pl.when(other_sign).then(pl.col("i_open_minor").abs()).otherwise(0)
                             .sum().over(group).alias("_credits"))
               .filter(pl.col("_credit") | (pl.col("i_open_minor").abs()
                                            <= pl.col("m_amount_minor").abs()
                                            + pl.col("_credits"))))
    if floors:  # (a bound over all of a party's fitting items holds for those tried)
        anchored, unanchored = _subset_points_bound(rules.weights)
        bound = pl.when(pl.col("i_designated").fill_null(False).any().over(group)) \
            .then(anchored).otherwise(unanchored)
        fitting = (fitting.join(pl.DataFrame({"movement_id": list(floors),
                                              "_floor": list(floors.values())},
                                             schema={"movement_id": pl.Int64,
                                                     "_floor": pl.Int64}),
                                on="movement_id", how="left", maintain_order="left")
                   .filter(pl.col("_floor").is_null() | (bound > pl.col("_floor"))))
    tried = (fitting
             .filter(pl.len().over(group) >= 2)
             .with_columns(pl.len().over(group).alias("_fitting"))
             .sort([*group, pl.col("ref_level") == "none", ~pl.col("_credit"), "i_due_rank"])
             .filter(pl.int_range(pl.len()).over(group) < rules.matching.max_subset_items)
             .select(*(c for c in SUBSET_COLUMNS if c not in ITEM_TEXTS), "i_due_rank",
                     "_fitting"))
    # the rows of a (movement, party) are contiguous: only the amounts reach Python, and the
    # rows of the few groups where some set adds up
    bounds = _group_bounds(tried, group)
    opens = tried.get_column("i_open_minor").to_list()
    anchored = tried.select(_anchor()).to_series().to_list()
    out: dict[int, list[Proposal]] = defaultdict(list)
    _wider_sets(out, usable, fitting, rules, amounts, texts)
    for movement_id, party_id, start, length, fitting_n in bounds.iter_rows():
        target = amounts[movement_id]
        found = _exact_subsets(opens[start:start + length], target, keep=[
            i for i, a in enumerate(anchored[start:start + length]) if a])
        if not found:
            continue
        group_rows = _rows(with_item_texts(tried.slice(start, length), texts))
        sets = SubsetSearch(group_rows, found, fitting_n == length, target)
        for combo in found:
            out[movement_id].append(_subset_proposal(movement_id, party_id, sets, combo,
                                                     rules))
    return {mid: list({frozenset(p.items): p for p in reversed(props)}.values())[::-1]
            for mid, props in out.items()}


def _wider_sets(out: dict[int, list[Proposal]], usable: pl.DataFrame, fitting: pl.DataFrame,
                rules: Rules, amounts: dict[int, int], texts: pl.DataFrame) -> None:
    """Add to ``out`` the sets beyond one party's first items: quoted items of several
    parties, and quoted items completed from their party's older items."""
    for movement_id, rows in _quoted_across_parties(usable, rules, texts):
        sets = SubsetSearch(rows, [list(range(len(rows)))], True, amounts[movement_id])
        out[movement_id].append(_subset_proposal(movement_id, None, sets, sets.found[0], rules))
    for movement_id, party_id, sets in _completed_sets(fitting, rules, amounts, texts):
        out[movement_id].extend(_subset_proposal(movement_id, party_id, sets, combo, rules)
                                for combo in sets.found)


def _group_bounds(frame: pl.DataFrame, group: list[str]) -> pl.DataFrame:
    """Each group of ``frame`` (whose rows are contiguous): its keys, first row, length and
    ``_fitting``."""
    import polars as pl

    return (frame.with_row_index("_row").group_by(group, maintain_order=True)
            .agg(pl.col("_row").first().alias("_start"), pl.len().alias("_len"),
                 pl.col("_fitting").first()))


def _anchor() -> pl.Expr:
    """An item the text designates (:attr:`SubsetSearch.anchors`), over scored pairs."""
    import polars as pl

    return (pl.col("i_designated").fill_null(False)
            | pl.col("ref_level").is_in(["exact", "rf", "number", "tail"]))


#: Unquoted items of a party tried beside the items a payment quotes, to complete them, when
#: the party has more fitting items than ``max_subset_items``: the oldest this many (the
#: search costs 2^(n/2) sums: 24 keeps it to about 4,000 a payment).
COMPLETING_MAX = 24


def _completed_sets(fitting: pl.DataFrame, rules: Rules, amounts: dict[int, int],
                    texts: pl.DataFrame) -> Iterator[tuple[int, str, SubsetSearch]]:
    """For a party with more fitting items than the search tries, the sets made of every
    item the text designates and some of the party's other items (the oldest
    :data:`COMPLETING_MAX`) whose amounts make up the rest: a list of invoices cut short
    by the bank, completed from the party's open items."""
    import polars as pl

    group = ["movement_id", "i_party_id"]
    rows = (fitting.with_columns(_anchor().alias("_anchor"), pl.len().over(group).alias("_fitting"))
            .filter((pl.col("_fitting") > rules.matching.max_subset_items)
                    & pl.col("_anchor").any().over(group))
            .sort([*group, ~pl.col("_anchor"), "i_due_rank"])
            .filter(pl.col("_anchor")
                    | (pl.int_range(pl.len()).over([*group, "_anchor"]) < COMPLETING_MAX))
            .select(*(c for c in SUBSET_COLUMNS if c not in ITEM_TEXTS), "i_due_rank",
                    "_anchor", "_fitting"))
    if rows.height == 0:
        return
    bounds = _group_bounds(rows, group)
    fixed = rows.get_column("_anchor").to_list()
    opens = rows.get_column("i_open_minor").to_list()
    for movement_id, party_id, start, length, fitting_n in bounds.iter_rows():
        anchors = [i for i in range(length) if fixed[start + i]]
        free = [i for i in range(length) if not fixed[start + i]]
        target = amounts[movement_id]
        rest = target - sum(opens[start + i] for i in anchors)
        if not free or rest == 0 or (rest > 0) != (target > 0):  # (what is missing is owed)
            continue
        found = _exact_subsets([opens[start + i] for i in free], rest, smallest=1)
        if found:
            yield movement_id, party_id, SubsetSearch(
                _rows(with_item_texts(rows.slice(start, length), texts)),
                [anchors + [free[i] for i in combo] for combo in found],
                fitting_n == length, target)


def _quoted_across_parties(usable: pl.DataFrame, rules: Rules, texts: pl.DataFrame,
                           ) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The items the text designates when they belong to several parties and add up
    exactly to the payment (a factor or a group paying several customers' invoices, each
    quoted): one set per movement, every item of it anchored."""
    import polars as pl

    quoted = (usable.filter(pl.col("i_designated").fill_null(False))
              .unique(["movement_id", "item_id"])
              .filter((pl.col("i_party_id").n_unique().over("movement_id") >= 2)
                      & (pl.len().over("movement_id") <= rules.matching.max_subset_items)
                      & (pl.col("i_open_minor").sum().over("movement_id")
                         == pl.col("_booked")))
              .sort("movement_id", "i_due_rank")
              .select(*(c for c in SUBSET_COLUMNS if c not in ITEM_TEXTS), "i_due_rank"))
    if quoted.height == 0:
        return
    rows = _rows(with_item_texts(quoted, texts))
    for movement_id, group in groupby(rows, key=lambda r: r["movement_id"]):
        yield movement_id, list(group)


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, built column-wise (much faster than ``iter_rows(named=True)``)."""
    columns = frame.to_dict(as_series=False)
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


_MASKS: dict[int, Any] = {}


def _subset_sums(values: Any) -> Any:
    """The sums of all 2^h subsets of ``values``: the subset of position ``i`` holds the
    values whose bit is set in ``i`` (a product with a cached 0/1 matrix up to 12 values,
    built by doubling beyond, where the matrix would be large)."""
    import numpy as np

    h = len(values)
    if h <= 12:
        bits = _MASKS.get(h)
        if bits is None:
            bits = _MASKS[h] = ((np.arange(1 << h)[:, None] >> np.arange(h)) & 1).astype(
                np.int64)
        return bits @ np.asarray(values, dtype=np.int64)
    sums = np.zeros(1, dtype=np.int64)
    for v in values:
        sums = np.concatenate([sums, sums + int(v)])
    return sums


#: The most sets :func:`_exact_subsets` looks at before keeping the fewest-items ones.
_LOOKED_MAX = 2000


def _exact_subsets(values: list[int], target: int, limit: int = 20, smallest: int = 2,
                   keep: Iterable[int] = ()) -> list[list[int]]:
    """Positions of ``smallest`` or more ``values`` that add up to ``target`` (at most
    ``limit`` sets: those holding every position of ``keep`` first, then the fewest
    values). Meet in the middle: the subset sums of each half
    (2^(n/2) each, :func:`_subset_sums`) are matched by sorting, so 40 values cost two
    million additions instead of a trillion."""
    import numpy as np

    half = len(values) // 2
    lsums, rsums = _subset_sums(values[:half]), _subset_sums(values[half:])
    want = target - lsums
    sorted_r = np.sort(rsums)
    lo = np.searchsorted(sorted_r, want, side="left")
    hit = np.nonzero(sorted_r[np.minimum(lo, len(sorted_r) - 1)] == want)[0]
    if not len(hit):
        return []  # most sets of a party's items add up to nothing in particular
    order = np.argsort(rsums, kind="stable")
    hi = np.searchsorted(sorted_r, want, side="right")
    keep_l = sum(1 << i for i in keep if i < half)
    keep_r = sum(1 << (i - half) for i in keep if i >= half)
    found: list[tuple[int, int, int, int]] = []
    for li in hit:
        for ri in order[lo[li]:hi[li]]:
            size = int(li).bit_count() + int(ri).bit_count()
            if size >= smallest:
                missing = (keep_l & ~int(li)).bit_count() + (keep_r & ~int(ri)).bit_count()
                found.append((missing, size, int(li), int(ri)))
        if len(found) >= _LOOKED_MAX:
            break
    found.sort()
    return [[i for i in range(half) if li >> i & 1]
            + [half + i for i in range(len(values) - half) if ri >> i & 1]
            for _, _, li, ri in found[:limit]]


#: The most chance a set of unquoted items may have of adding up to a payment by accident
#: (:meth:`SubsetSearch.chance`) for a quoted set to be posted without a person.
CHANCE_MAX = 0.01
#: The search found at most this many sets (:func:`_exact_subsets`): as many means more.
_FOUND_MAX = 20


@dataclass(frozen=True, slots=True)
class SubsetSearch:
    """The exact sums found among one party's items tried against one payment.

    ``rows`` are the items tried (quoted first, then credit notes, then the oldest);
    ``complete`` tells whether they are all of the party's items that could take part."""

    rows: list[dict[str, Any]]
    found: list[list[int]]
    complete: bool
    target: int

    @property
    def anchors(self) -> frozenset[int]:
        """Positions of the items the text designates (their reference, its RF form, or
        every digit of it)."""
        return frozenset(i for i, r in enumerate(self.rows)
                         if r["i_designated"]
                         or r["ref_level"] in ("exact", "rf", "number", "tail"))

    def unique_with_anchors(self) -> bool:
        """No other set of the party's items that contains every anchor adds up too."""
        with_all = [c for c in self.found if self.anchors <= set(c)]
        return self.complete and len(self.found) < _FOUND_MAX and len(with_all) == 1

    def chance(self) -> float:
        """How many sets of the unquoted items tried would add up to the payment by accident,
        had their amounts nothing to do with it: as many sets as there are, spread over the
        cents up to the payment."""
        free = len(self.rows) - len(self.anchors)
        return 2.0 ** free / max(abs(self.target), 1)

    def natural(self, combo: list[int]) -> bool:
        """The set is all the party's open items, or the oldest due of them: what a customer
        pays without saying which. The oldest must be older than the rest (a cut among items
        due the same day would be a choice nobody made) and no other set may add up (two
        months of a subscription paid: which two is a question)."""
        if not self.complete:
            return False
        by_due = sorted(range(len(self.rows)), key=lambda i: self.rows[i]["i_due_rank"])
        k = len(combo)
        if set(combo) != set(by_due[:k]):
            return False
        return k == len(by_due) or (
            len(self.found) == 1
            and self.rows[by_due[k - 1]]["due_date"] != self.rows[by_due[k]]["due_date"])


def _subset_proposal(movement_id: int, party_id: str | None, sets: SubsetSearch, combo: list[int],
                     rules: Rules) -> Proposal:
    w = rules.weights
    rows = [sets.rows[i] for i in combo]
    n_ref = sum(r["ref_level"] != "none" for r in rows)
    party = max((r["party_level"] for r in rows),
                key=lambda lv: {"iban": 3, "name": 2, "none": 1, "other": 0}[lv])
    # several parties' items, each designated: the payer is a third party (a factor, a
    # group), not a contradiction
    third_party = party_id is None and party == "other"
    if third_party:
        party = "none"
    same_name = party == "name" and bool(rows[0].get("same_name"))  # one party: one name
    party_pts = {"iban": w.party_iban, "name": w.party_name_same if same_name else w.party_name,
                 "other": w.party_other}.get(party, 0)
    hold, reference = _subset_judgement(sets, combo, rows, party, same_name, rules)
    if hold == "other_reference":  # an item the text quotes is left out
        reference += w.ref_contradicted
    points = tenths(w.prior + reference + w.amount_exact + party_pts)
    ev = {"match_key": "subset", "items": [r["item_id"] for r in rows], "referenced": n_ref,
          "party_level": party, "party_id": party_id, "amount_level": "exact", "points": points,
          "hold": hold, **({"third_party_payer": True} if third_party else {})}
    return Proposal(movement_id, tuple((r["item_id"], r["i_open_minor"]) for r in rows), points,
                    f"subset:{n_ref}/{len(rows)}ref+{party}",
                    describe_subset(rows, n_ref, party), ev,
                    due=tuple(sorted(str(r["due_date"]) for r in rows)),
                    opens=tuple(r["i_open_minor"] for r in rows))


def _subset_judgement(sets: SubsetSearch, combo: list[int], rows: list[dict[str, Any]],
                      party: str, same_name: bool, rules: Rules) -> tuple[str | None, Decimal]:
    """What holds a set back from an automatic posting (or None), and its reference points.

    A set that holds some of the items the text designates and leaves others out is
    contradicted by the text. A set the text anchors (it holds every item the text
    designates) is the reading when no
    other set of the party's items with those anchors adds up, and its unquoted items are too
    few to add up by chance (:data:`CHANCE_MAX`). A set nothing designates is the reading
    only when it is all the payer's open items or the oldest due of them, and the payer is
    known by its IBAN or its own name."""
    w = rules.weights
    designated = rows[0]["m_designated_n"] or 0
    anchored = len(sets.anchors & set(combo))
    if any(r["date_level"] == "before_issue" for r in rows):
        hold: str | None = "before_issue"
    elif designated > anchored or (anchored and anchored < len(sets.anchors)) or (
            (rows[0]["m_numbers_n"] or 0) > 0 and not any(
                r["i_number_quoted"] or r["i_designated"] for r in rows)):
        hold = "other_reference"
    elif party == "other":
        hold = "other_party"
    elif any(r["period_level"] == "other" for r in rows):
        hold = "other_period"
    else:
        hold = None
    if anchored:
        if anchored == len(combo) or (sets.unique_with_anchors()
                                      and sets.chance() <= CHANCE_MAX):
            return hold, w.ref_exact
        return hold or "ambiguous_set", _subset_ref_points(rows, w)
    if sets.natural(combo):
        known = party == "iban" or same_name
        return hold or (None if known else "unquoted_set"), w.subset_balance
    # a set among k of other amounts that add up alike is the payer's with odds of one in k
    # (sets of the same amounts, a subscription's months, are one reading told apart by dates)
    readings = {tuple(sorted(sets.rows[i]["i_open_minor"] for i in c)) for c in sets.found}
    crowd = Decimal(math.log(len(readings))).quantize(Decimal("0.1"))
    return hold or "unquoted_set", w.subset_without_reference - crowd


def _subset_points_bound(w: Weights) -> tuple[int, int]:
    """The most evidence points (tenths) a set of items can score, with and without an item
    its text quotes exactly among those tried (:func:`_subset_proposal`)."""
    party = max(w.party_iban, w.party_name_same, w.party_name, w.party_other, Decimal(0))
    quoted = max(w.ref_exact, w.subset_some_referenced)
    unquoted = max(w.subset_balance, w.subset_without_reference)
    return (tenths(w.prior + quoted + w.amount_exact + party),
            tenths(w.prior + unquoted + w.amount_exact + party))


def _subset_ref_points(combo: list[dict[str, Any]], w: Weights) -> Decimal:
    """Reference evidence of an anchored set that is not the only one: ``ref_exact`` when
    every item is quoted, else ``subset_some_referenced`` less ``subset_unreferenced_item``
    for each unquoted invoice beyond one per quoted item (unquoted credit notes netted into a
    payment cost nothing)."""
    quoted = sum(1 for r in combo if r["ref_level"] != "none")
    if quoted == len(combo):
        return w.ref_exact
    payment_sign = sum(r["i_open_minor"] for r in combo) > 0
    unquoted_invoices = sum(1 for r in combo if r["ref_level"] == "none"
                            and (r["i_open_minor"] > 0) == payment_sign)
    extra = max(0, unquoted_invoices - quoted)
    return w.subset_some_referenced - w.subset_unreferenced_item * extra


def clear_exact_winners(ranked: pl.DataFrame, threshold: int, margin: int) -> set[int]:
    """Movements whose best one-item reading settles them exactly and decisively (the test
    of :func:`_decided`, over all pairs at once; ``ranked`` as :func:`_ranked` orders them).
    Most movements of a day are such; only the others need a proposal table."""
    import polars as pl

    if ranked.height == 0:
        return set()
    best = ranked.filter(pl.col("_n") == 1).select(
        "movement_id", pl.col("points").alias("b_points"), pl.col("hold").alias("b_hold"),
        pl.col("amount_level").alias("b_amount"), pl.col("confidence_bp").alias("b_conf"))
    rival = (pl.col("_n") > 1) & (pl.col("b_points") - pl.col("points") < margin)
    verdict = (ranked.join(best, on="movement_id")
               .group_by("movement_id")
               .agg((~rival).all().alias("clear"), pl.col("b_conf").first(),
                    pl.col("b_amount").first(), pl.col("b_hold").first()))
    return set(verdict.filter(pl.col("clear") & (pl.col("b_conf") >= threshold)
                              & (pl.col("b_amount") == "exact") & pl.col("b_hold").is_null())
               .get_column("movement_id").to_list())


def _posts_in_bulk(pairs: pl.DataFrame, rules: Rules) -> pl.Expr:
    """One-item proposals :meth:`cashmatch.ledger.journal.Applier.apply_in_bulk` posts: the item
    settled in full in the movement's own currency, and either nothing else (in kind) or
    one line for a difference (a fee, a rounding, an over-payment, a discount without VAT)
    that makes up the movement exactly."""
    import polars as pl

    adjust = pl.col("adjust_minor").fill_null(0)
    one_line = (pl.col("adjust_kind").is_in(one_line_differences(rules.ledger)) & (adjust != 0)
                & (pl.col("m_amount_minor") + adjust == pl.col("applied_minor"))
                & (pl.col("m_amount_minor").sign() == pl.col("applied_minor").sign()))
    return (_one_currency(pairs) & (pl.col("applied_minor") != 0)
            & ((adjust == 0) & (pl.col("applied_minor") == pl.col("m_amount_minor"))
               | one_line)).fill_null(False)


def _one_currency(pairs: pl.DataFrame) -> pl.Expr:
    """The item is settled in full, in the movement's own currency."""
    import polars as pl

    fx = pl.col("fx").fill_null(False) if "fx" in pairs.columns else pl.lit(False)
    return (~fx & (pl.col("m_currency") == pl.col("i_currency"))
            & (pl.col("applied_minor") == pl.col("i_open_minor")))


@dataclass(slots=True)
class Ranking:
    """What batches of movements contribute to a run's decisions (see :func:`rank`).

    Only automatic candidates wait for :func:`decide` (conflicts are settled over the whole
    run), each with its best reading alone: the few that lose a conflict are ranked again
    for review. A movement that cannot be applied automatically is decided in its batch:
    its reason and its ranked suggestions (compact rows) are final there."""

    eligible: dict[int, Proposal] = field(default_factory=dict)  # other decisive: best reading
    clear: set[int] = field(default_factory=set)    # settled by one item, exactly, decisively
    bulk: list[pl.DataFrame] = field(default_factory=list)  # decisive, posted in bulk (frames)
    reasons: dict[int, str] = field(default_factory=dict)   # the others: why review
    review: list[pl.DataFrame] = field(default_factory=list)  # ...and their suggestions

    def add(self, other: Ranking) -> None:
        self.eligible.update(other.eligible)
        self.clear |= other.clear
        self.bulk.extend(other.bulk)
        self.reasons.update(other.reasons)
        self.review.extend(other.review)


def rank(scored: pl.DataFrame, amounts: dict[int, int], rules: Rules,
         texts: pl.DataFrame) -> Ranking:
    """The proposals of each movement of ``amounts``, best first, from its scored pairs
    (``texts``: see :func:`with_item_texts`).

    Everything here is per movement, so a run may rank its movements in batches. Movements
    one item settles exactly and decisively in their own currency stay a frame row (their
    best pair, explained: :attr:`Ranking.bulk`). For the others every proposal is a row of
    one frame (:func:`proposal_table`), ordered as :meth:`Proposal.sort_key` orders them, and
    the decision is taken over that frame: the decisive ones keep their best proposal (a
    row of :attr:`Ranking.bulk` when :func:`_posts_in_bulk` can post it, otherwise a
    :class:`Proposal`), the others their reason and the suggestions review shows (rows)."""
    import polars as pl

    m = rules.matching
    threshold = int(m.auto_threshold * 10_000)
    margin = tenths(m.auto_margin)
    keep = m.max_suggestions + 1
    out = Ranking()
    if scored.height == 0:
        out.reasons = {mid: "no_candidate" for mid in amounts}
        return out
    ranked = _ranked(scored)
    clear = clear_exact_winners(ranked, threshold, margin)
    in_clear = pl.col("movement_id").is_in(list(clear))
    best_clear = ranked.filter(in_clear & (pl.col("_n") == 1))
    clear_in_bulk = _posts_in_bulk(best_clear, rules)
    out.clear = clear
    out.bulk.append(owned(explained(best_clear.filter(clear_in_bulk), texts)))  # kept
    singles = explained(pl.concat([
        best_clear.filter(~clear_in_bulk), ranked.filter(~in_clear & (pl.col("_n") <= keep))]),
        texts)
    table = _decided(proposal_table(singles, []), rules)
    # 1:N wherever no single item settles the movement exactly and decisively; where one item
    # is decisive, only sets that could come within the margin of it can change the decision
    floors = dict(table.filter(pl.col("_decisive") & (pl.col("_n") == 1))
                  .select("movement_id", pl.col("points") - margin).iter_rows())
    subsets = [p for props in subset_proposals(
        scored, amounts, rules, [mid for mid in amounts if mid not in clear], texts,
        floors).values() for p in props]
    if subsets:
        table = _decided(proposal_table(singles, subsets), rules)
    decisive = table.filter(pl.col("_decisive") & (pl.col("_n") == 1))
    best_single = singles.join(decisive.filter(pl.col("_subset").is_null())
                               .select("movement_id", pl.col("_items").list.first()
                                       .alias("item_id")),
                               on=["movement_id", "item_id"])
    in_bulk = _posts_in_bulk(best_single, rules)
    posted_in_bulk = owned(best_single.filter(in_bulk))
    out.bulk.append(posted_in_bulk)  # kept for the whole run
    chosen = proposals(best_single.filter(~in_bulk))
    out.eligible = {mid: props[0] for mid, props in chosen.items()}
    out.eligible.update((subsets[i].movement_id, subsets[i]) for i in
                        decisive.get_column("_subset").drop_nulls().to_list())
    out.review.append(owned(_review_frame(table.filter(~pl.col("_decisive")))))  # kept
    undecided = table.filter(~pl.col("_decisive")).group_by("movement_id").agg(
        pl.when(pl.col("hold").first().is_not_null()).then(pl.col("hold").first())
        .when(pl.col("confidence_bp").first() >= threshold).then(pl.lit("ambiguous"))
        .otherwise(_reason_expr().filter(pl.col("_shown_rank") == 1).first()
                   .fill_null("no_candidate")).alias("reason"))
    out.reasons = dict(undecided.iter_rows())
    settled = set(out.eligible) | clear | set(posted_in_bulk.get_column("movement_id"))
    out.reasons.update((mid, "no_candidate") for mid in amounts
                       if mid not in settled and mid not in out.reasons)
    return out


def proposal_table(singles: pl.DataFrame, subsets: list[Proposal]) -> pl.DataFrame:
    """Every proposal of some movements as a row: one-item proposals (``singles``, as
    :func:`explained` gives them) and several-items ones (``subsets``, whose position in
    that list is ``_subset``), with the columns a decision and review read."""
    import polars as pl

    one = singles.select(
        "movement_id", "points", "confidence_bp", "rule", "explanation",
        pl.concat_list(pl.col("due_date").cast(pl.String).fill_null("None")).alias("_due"),
        pl.lit(1, pl.Int64).alias("_lines"), pl.concat_list("item_id").alias("_items"),
        "amount_level", "ref_level", "party_level", "amount_diff_minor", "hold", "date_level",
        pl.col("i_party_id").alias("party_id"), pl.lit(None, pl.Int64).alias("referenced"),
        evidence_json_expr().alias("evidence_json"),
        "adjust_kind", pl.col("adjust_minor").fill_null(0),
        pl.concat_list(pl.struct("item_id", pl.col("applied_minor").alias("amount_minor")))
        .alias("lines"),
        pl.lit(None, pl.Int64).alias("_subset"))
    if not subsets:
        return one
    several = pl.DataFrame([(
        p.movement_id, p.points, p.confidence_bp, p.rule, p.explanation, list(p.due),
        len(p.lines), sorted(p.items), p.evidence.get("amount_level"), None,
        p.evidence.get("party_level"), None, p.evidence.get("hold"), None,
        p.evidence.get("party_id"),
        p.evidence.get("referenced"),
        json.dumps(p.evidence, sort_keys=True, default=str, separators=(",", ":")),
        p.adjust_kind, p.adjust_minor, [{"item_id": i, "amount_minor": a} for i, a in p.lines],
        position) for position, p in enumerate(subsets)], schema=one.schema, orient="row")
    return pl.concat([one, several])


def evidence_json_expr(*extra: str) -> pl.Expr:
    """The evidence of one-item proposals as JSON text with sorted keys, over a frame of
    scored pairs: :data:`EVIDENCE`, the item's party (``party_id``) and the ``extra``
    columns (what decisions and review candidates store)."""
    import polars as pl

    return pl.struct(*(pl.col("i_party_id").alias(k) if k == "party_id"
                       else pl.col(k).fill_null(pl.lit([], pl.List(pl.String))) if k == "rules"
                       else pl.col(k) for k in sorted((*EVIDENCE, "party_id", *extra)))
                     ).struct.json_encode()


def _decided(table: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """The proposal table in :meth:`Proposal.sort_key` order within each movement (``_n``),
    with whether the movement is decisive (``_decisive``, on every row of it) and, for the
    proposals review would show, their rank (``_shown_rank``).

    A movement is decisive when its best proposal is sure enough (``auto_threshold``),
    nothing holds it back (``hold``: an unexplained remainder, a contradiction) and no other
    proposal comes within ``auto_margin`` points of it: two readings about as good are a
    question for a person, identical subscriptions included (dates and periods named in the
    text are what separates them). Review shows the first ``max_suggestions`` proposals of
    at least ``review_min_confidence`` that are not amount mismatches."""
    import polars as pl

    m = rules.matching
    threshold = int(m.auto_threshold * 10_000)
    margin = tenths(m.auto_margin)
    min_bp = int(m.review_min_confidence * 10_000)
    by = pl.col("movement_id")
    ordered = _separated_by_dates(table, margin).sort(
        ["movement_id", "points", "_lines", "_due", "_items"],
        descending=[False, True, False, False, False])
    first = {c: pl.col(c).first().over(by) for c in ("points", "confidence_bp", "hold")}
    n = pl.int_range(1, pl.len() + 1).over(by)
    rival = (n > 1) & (first["points"] - pl.col("points") < margin)
    decisive = ((first["confidence_bp"] >= threshold) & first["hold"].is_null()
                & (~rival).all().over(by))
    shown = (pl.col("confidence_bp") >= min_bp) & pl.col("amount_level").ne_missing(
        pl.lit("mismatch"))
    position = shown.cast(pl.Int64).cum_sum().over(by)
    return ordered.with_columns(n.alias("_n"), decisive.alias("_decisive"),
                                pl.when(shown & (position <= m.max_suggestions))
                                .then(position).alias("_shown_rank"))


def _separated_by_dates(table: pl.DataFrame, margin: int) -> pl.DataFrame:
    """Equal readings (same points) told apart by their dates, the loser giving way by
    ``margin``: among items the text designates equally (the instalments of one quoted
    invoice), one not due yet gives way to one that is due (the instalment due now, not the
    next one); among ledger entries and supplier bills (a weekly payment of one amount), one
    dated far from the booking gives way to one dated near it. Customer invoices nothing
    else tells apart stay a question: two overdue invoices of one amount, paid without a
    word, are not guessed oldest first."""
    import polars as pl

    level = pl.col("date_level")
    group = ("movement_id", "points")
    later = (((level == "not_due") & pl.col("ref_level").ne_missing("none")
              & (level == "due").any().over(*group))
             | ((level == "far") & (level == "near").any().over(*group)))
    lowered = pl.col("_later")
    return (table.with_columns(later.alias("_later"))
            .with_columns(pl.when(lowered).then(pl.col("points") - margin)
                          .otherwise(pl.col("points")).alias("points"))
            .with_columns(pl.when(lowered).then(confidence_expr(pl.col("points")))
                          .otherwise(pl.col("confidence_bp")).alias("confidence_bp"))
            .drop("_later"))


def _reason_expr() -> pl.Expr:
    """Why a movement goes to review, read from the first proposal review shows for it (a
    movement with none has ``no_candidate``): the payer's IBAN is another party's; a
    reference is found but the amount differs (or everything fits but too weakly); the
    amount fits but nothing tells the payer or the invoice; or only weak evidence."""
    import polars as pl

    referenced = (pl.col("ref_level").is_not_null() & (pl.col("ref_level") != "none")) | (
        pl.col("referenced").fill_null(0) > 0)
    return (pl.when(pl.col("hold").is_not_null()).then(pl.col("hold"))
            .when(pl.col("party_level") == "other").then(pl.lit("other_party"))
            .when(referenced).then(pl.when(pl.col("amount_level") != "exact")
                                   .then(pl.lit("amount_differs")).otherwise(pl.lit("weak")))
            .when(pl.col("amount_level") == "exact").then(pl.lit("no_reference"))
            .otherwise(pl.lit("weak")))


def _review_frame(table: pl.DataFrame) -> pl.DataFrame:
    """The rows of a decided proposal table (:func:`_decided`) that review shows, as
    :data:`REVIEW_SCHEMA` rows."""
    import polars as pl

    return table.filter(pl.col("_shown_rank").is_not_null()).select(
        "movement_id", pl.col("_shown_rank").alias("rank"), "points", "confidence_bp", "rule",
        "explanation", "evidence_json", "adjust_kind", "adjust_minor", "lines",
    ).cast(_review_schema())  # type: ignore[arg-type]


def suggestions(scored: pl.DataFrame, amounts: dict[int, int], rules: Rules,
                texts: pl.DataFrame, one_item: set[int]) -> pl.DataFrame:
    """What review shows for the movements of ``amounts`` whatever their decision (rows of
    :data:`REVIEW_SCHEMA`): their best one-item proposals and, except for the movements of
    ``one_item`` (one item settles them exactly), the sets of items that add up to them,
    ranked as :func:`rank` ranks them (``texts``: see :func:`with_item_texts`)."""
    import polars as pl

    if scored.height == 0:
        return pl.DataFrame(schema=_review_schema())
    keep = rules.matching.max_suggestions + 1
    singles = explained(_ranked(scored).filter(pl.col("_n") <= keep), texts)
    subsets = [p for props in subset_proposals(
        scored, amounts, rules, [mid for mid in amounts if mid not in one_item], texts).values()
        for p in props]
    return _review_frame(_decided(proposal_table(singles, subsets), rules))


def decide(ranking: Ranking, rules: Rules,
           rerank: Callable[[list[int]], pl.DataFrame]) -> Assignment:
    """Decide for the automatic candidates of every batch, over the whole run: those that
    no other movement contests are applied; the others go to review with all their
    readings, which ``rerank`` gives (:func:`suggestions` of these movements)."""
    import polars as pl

    margin = tenths(rules.matching.auto_margin)
    threshold = int(rules.matching.auto_threshold * 10_000)
    result = Assignment(reasons=ranking.reasons)
    eligible = ranking.eligible
    bulk = pl.concat(ranking.bulk, how="vertical_relaxed") if ranking.bulk else None
    claims = pl.concat([_claims(eligible.values(), bulk),
                        _held_claims(ranking.review, threshold)])
    conflicted = _conflicts(claims, margin) & (set(eligible) | (
        set() if bulk is None else set(bulk.get_column("movement_id").to_list())))
    result.auto = [prop for mid, prop in sorted(eligible.items()) if mid not in conflicted]
    if bulk is not None:
        result.bulk = bulk.filter(~pl.col("movement_id").is_in(list(conflicted)))
    # only the best reading of each was kept: review needs all of them
    lost = sorted(conflicted)
    result.reasons.update(dict.fromkeys(lost, "conflict"))
    result.review = pl.concat([pl.DataFrame(schema=_review_schema()), *ranking.review,
                               *([rerank(lost)] if lost else [])])
    return result


def _held_claims(review: list[pl.DataFrame], threshold: int) -> pl.DataFrame:
    """The items that movements going to review read first, with confidence: another
    movement's automatic claim on one of them is contested (a movement's best reading can
    lose to a better use of its item, and the second payment of an invoice must not take it
    from the first, waiting in review)."""
    import polars as pl

    schema = {"movement_id": pl.Int64, "item_id": pl.String, "applied_minor": pl.Int64,
              "open_minor": pl.Int64, "points": pl.Int64, "partial": pl.Boolean}
    if not review:
        return pl.DataFrame(schema=schema)
    return (pl.concat(review).filter((pl.col("rank") == 1)
                                     & (pl.col("confidence_bp") >= threshold))
            .select("movement_id", "points", "lines").explode("lines").unnest("lines")
            .select("movement_id", "item_id", pl.col("amount_minor").alias("applied_minor"),
                    pl.lit(None, pl.Int64).alias("open_minor"), "points",
                    pl.lit(False).alias("partial")).cast(schema))  # type: ignore[arg-type]


def _claims(eligible: Iterable[Proposal], bulk: pl.DataFrame | None) -> pl.DataFrame:
    """What every automatic candidate of a run would apply: one row per (movement, item)."""
    import polars as pl

    schema = {"movement_id": pl.Int64, "item_id": pl.String, "applied_minor": pl.Int64,
              "open_minor": pl.Int64, "points": pl.Int64, "partial": pl.Boolean}
    rows = [(p.movement_id, item_id, applied, open_, p.points,
             len(p.lines) == 1 and p.evidence.get("amount_level") == "partial")
            for p in eligible for (item_id, applied), open_ in zip(p.lines, p.opens, strict=True)]
    claims = pl.DataFrame(rows, schema=schema, orient="row")
    if bulk is None:
        return claims
    return pl.concat([claims, bulk.select(
        "movement_id", "item_id", "applied_minor", pl.col("i_open_minor").alias("open_minor"),
        "points", pl.lit(False).alias("partial")).cast(schema)])


def _conflicts(claims: pl.DataFrame, margin: int) -> set[int]:
    """Movements whose automatic proposal collides with another movement's on an item.

    Instalments that fit together in what is open are no collision; otherwise a claim wins
    its item only if it stands ``margin`` points above every other claim, and all lose when
    none does."""
    import polars as pl

    contested = (claims.group_by("item_id")
                 .agg(pl.len().alias("_n"), pl.col("partial").all().alias("_partials"),
                      pl.col("applied_minor").abs().sum().alias("_total"),
                      pl.col("open_minor").abs().max().alias("_open"),
                      pl.col("points").max().alias("_top"),
                      pl.col("points").top_k(2).min().alias("_second"))
                 .filter((pl.col("_n") >= 2)
                         & ~(pl.col("_partials") & (pl.col("_total") <= pl.col("_open")))))
    losers = claims.join(contested, on="item_id").filter(
        (pl.col("_top") - pl.col("_second") < margin) | (pl.col("points") < pl.col("_top")))
    return set(losers.get_column("movement_id").to_list())
