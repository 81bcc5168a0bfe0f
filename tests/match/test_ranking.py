"""Ranking decides over a frame of every movement's proposals at once (:func:`rank`,
:func:`suggestions`). Here the same decisions are taken the plain way, one movement at a
time over :class:`Proposal` objects, as the rules say them; both must agree on every
movement: the proposal applied, or the reason and the suggestions shown."""

import random
from dataclasses import replace

import polars as pl
import pytest

from cashmatch.config import Rules
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.match.assign import (
    KEPT_COLUMNS,
    Proposal,
    _ranked,
    explained,
    proposals,
    rank,
    subset_proposals,
    suggestions,
)
from cashmatch.match.evidence import score, tenths
from cashmatch.match.text_rules import named_payers
from cashmatch.match.workspace import Workspace
from tests.conftest import item, movement

IBAN = "FR7630004000031234567890143"


def _cents(c: int) -> str:
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def _world(seed: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Parties with a dozen open items each (some credit notes, some equal amounts) and
    payments of every kind: quoted or not, exact, short, partial, over, sums of several."""
    rng = random.Random(seed)
    items: list[dict[str, str]] = []
    by_party: dict[int, list[tuple[str, int]]] = {}
    for n in range(60):
        party = n % 5
        cents = rng.choice([12_000, 12_000, rng.randint(1_000, 90_000)])
        kind = "invoice"
        if rng.random() < 0.1:
            cents, kind = -rng.randint(500, 5_000), "credit_note"
        ident = f"FA-2026-{n:04d}"
        items.append(item(ident, _cents(cents), party=f"C{party}", name=f"CLIENT {party} SARL",
                          kind=kind,
                          iban=IBAN if party == 0 else "",
                          due=f"2026-0{1 + n % 3}-{10 + n % 17:02d}"))
        by_party.setdefault(party, []).append((ident, cents))
    movements = []
    for _ in range(70):
        party = rng.randrange(5)
        chosen = rng.sample(by_party[party], rng.choice([1, 1, 2, 3]))
        total = sum(c for _, c in chosen)
        if total <= 0:
            continue
        shape = rng.random()
        quoted = " ".join(i for i, _ in chosen) if shape < 0.4 else (
            chosen[0][0] if shape < 0.55 else "")
        paid = total - rng.choice([0, 0, 0, 3, 250, total // 3]) + rng.choice([0, 0, 2, 500])
        name = rng.choice([f"CLIENT {party} SARL", f"CLIENT {party}", "", "SOMEONE ELSE"])
        movements.append(movement(_cents(max(paid, 1)), f"VIR {quoted}".strip(), name=name,
                                  iban=IBAN if party == 0 and rng.random() < 0.5 else ""))
    return items, movements


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_ranking_over_a_frame_decides_as_each_movement_alone(
        store, rules, statements_file, items_file, seed) -> None:
    items, movements = _world(seed)
    import_items(store, items_file(*items))
    import_statements(store, [statements_file(*movements)])
    with Workspace(store, rules) as ws:
        amounts = dict(ws.open().iter_rows())
        payers = named_payers(ws.texts(), rules)
        scored = score(ws.pairs(rules, sorted(amounts), payers), rules).select(KEPT_COLUMNS)
        texts = ws.item_texts()
    got = rank(scored, amounts, rules, texts)

    threshold = int(rules.matching.auto_threshold * 10_000)
    margin = tenths(rules.matching.auto_margin)
    every = readings(scored, amounts, rules, texts, one_item=got.clear)
    bulk = {r["movement_id"]: ((r["item_id"], r["applied_minor"]),)
            for frame in got.bulk for r in frame.iter_rows(named=True)}
    review = review_of(got.review)
    kinds = set()
    for mid in amounts:
        props = every[mid]
        if decisive(props, threshold, margin):
            kinds.add("auto")
            applied = got.eligible[mid].lines if mid in got.eligible else bulk[mid]
            assert applied == props[0].lines, mid
            assert mid not in got.reasons
        else:
            kinds.add(reason(props, threshold, rules))
            assert got.reasons[mid] == reason(props, threshold, rules), mid
            assert review.get(mid, []) == expected(props, rules), mid
    assert len(kinds) >= 4  # the world holds more than one kind of outcome
    # what a movement that lost a conflict is shown: every reading, whatever the decision
    again = review_of([suggestions(scored, amounts, rules, texts, one_item=got.clear)])
    assert all(again.get(mid, []) == expected(every[mid], rules) for mid in amounts)


# -- the reference: one movement at a time ------------------------------------------------


def readings(scored: pl.DataFrame, amounts: dict[int, int], rules: Rules,
             texts: pl.DataFrame, one_item: set[int]) -> dict[int, list[Proposal]]:
    """Every proposal of each movement, best first: its best one-item proposals and, unless
    one item settles it exactly, the sets of items that add up to it; equal readings told
    apart by their dates (:func:`separated`)."""
    keep = rules.matching.max_suggestions + 1
    margin = tenths(rules.matching.auto_margin)
    singles = proposals(explained(_ranked(scored).filter(pl.col("_n") <= keep), texts))
    subsets = subset_proposals(scored, amounts, rules,
                               [mid for mid in amounts if mid not in one_item], texts)
    return {mid: separated(singles.get(mid, []) + subsets.get(mid, []), margin)
            for mid in sorted(amounts)}


def separated(props: list[Proposal], margin: int) -> list[Proposal]:
    """Among readings of equal points, a quoted item not due yet gives way to one that is
    due, and an entry or bill dated far from the booking to one dated near it, by
    ``margin``."""
    def level(p: Proposal) -> object:
        return p.evidence.get("date_level")

    out = []
    for p in props:
        peers = {level(q) for q in props if q.points == p.points}
        later = ((level(p) == "not_due" and p.evidence.get("ref_level") != "none"
                  and "due" in peers) or (level(p) == "far" and "near" in peers))
        out.append(replace(p, points=p.points - margin) if later else p)
    return sorted(out, key=Proposal.sort_key)


def shown(props: list[Proposal], rules: Rules) -> list[Proposal]:
    """What review shows: the first proposals sure enough to show that are no mismatch."""
    min_bp = int(rules.matching.review_min_confidence * 10_000)
    return [p for p in props if p.confidence_bp >= min_bp
            and p.evidence.get("amount_level") != "mismatch"][: rules.matching.max_suggestions]


def decisive(props: list[Proposal], threshold: int, margin: int) -> bool:
    """Sure enough, nothing holding it back, no other reading within the margin."""
    if not props:
        return False
    best = props[0]
    return (best.confidence_bp >= threshold and best.evidence.get("hold") is None
            and all(best.points - p.points >= margin for p in props[1:]))


def reason(props: list[Proposal], threshold: int, rules: Rules) -> str:
    if props and props[0].evidence.get("hold") is not None:
        return str(props[0].evidence["hold"])
    if props and props[0].confidence_bp >= threshold:
        return "ambiguous"
    first = shown(props, rules)
    if not first:
        return "no_candidate"
    ev = first[0].evidence
    if ev.get("hold") is not None:
        return str(ev["hold"])
    if ev.get("party_level") == "other":
        return "other_party"
    if ev.get("ref_level") not in (None, "none") or ev.get("referenced"):
        return "amount_differs" if ev.get("amount_level") != "exact" else "weak"
    return "no_reference" if ev.get("amount_level") == "exact" else "weak"


def review_of(frames: list[pl.DataFrame]) -> dict[int, list[tuple[object, ...]]]:
    out: dict[int, list[tuple[object, ...]]] = {}
    for frame in frames:
        for r in frame.sort("movement_id", "rank").iter_rows(named=True):
            out.setdefault(r["movement_id"], []).append(
                (r["rank"], tuple((x["item_id"], x["amount_minor"]) for x in r["lines"]),
                 r["points"], r["rule"], r["explanation"]))
    return out


def expected(props: list[Proposal], rules: Rules) -> list[tuple[object, ...]]:
    return [(n, p.lines, p.points, p.rule, p.explanation)
            for n, p in enumerate(shown(props, rules), start=1)]
