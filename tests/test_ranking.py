"""Ranking decides over a frame of every movement's proposals at once (:func:`rank`); the
per-movement reading of the same proposals (:func:`readings`, :func:`_kept`,
:func:`_decisive`, :func:`_shown`: what a movement that lost a conflict gets) must agree
with it on every movement: the proposal applied, or the reason and the suggestions shown."""

import random

import pytest

from cashmatch import blocking, matching
from cashmatch.assignment import (
    _decisive,
    _kept,
    _numbered,
    _reason,
    _shown,
    rank,
    readings,
)
from cashmatch.items import import_items
from cashmatch.scoring import tenths
from cashmatch.statements import import_statements
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
    store.execute(matching.MOVEMENTS_SQL)
    store.execute("CREATE TEMP TABLE cm_tmp_run_movements AS SELECT * FROM cm_tmp_movements")
    store.execute(blocking.OPEN_ITEMS_SQL)
    amounts = dict(store.rows("SELECT movement_id, amount_minor FROM cm_tmp_run_movements"))
    scored = matching._batch_scores(store, rules, sorted(amounts))
    got = rank(scored, amounts, rules)

    threshold = int(rules.matching.auto_threshold * 10_000)
    margin = tenths(rules.matching.auto_margin)
    every = readings(scored, amounts, rules, one_item=got.clear)
    exact = {} if not got.exact else {
        r["movement_id"]: ((r["item_id"], r["applied_minor"]),)
        for frame in got.exact for r in frame.iter_rows(named=True)}
    review: dict[int, list[tuple[object, ...]]] = {}
    for frame in got.review:
        for r in frame.sort("movement_id", "rank").iter_rows(named=True):
            review.setdefault(r["movement_id"], []).append(
                (r["rank"], tuple((x["item_id"], x["amount_minor"]) for x in r["lines"]),
                 r["points"], r["rule"], r["explanation"]))
    kinds = set()
    for mid in amounts:
        props = _kept(every[mid], rules, margin)
        if _decisive(props, threshold, margin):
            kinds.add("auto")
            applied = got.eligible[mid].lines if mid in got.eligible else exact[mid]
            assert applied == props[0].lines, mid
            assert mid not in got.reasons
        else:
            shown = _numbered(_shown(props, rules))
            reason = ("ambiguous" if props and props[0].confidence_bp >= threshold
                      else _reason(shown))
            kinds.add(reason)
            assert got.reasons[mid] == reason, mid
            assert review.get(mid, []) == [(p.rank, p.lines, p.points, p.rule, p.explanation)
                                           for p in shown], mid
    assert len(kinds) >= 4  # the world holds more than one kind of outcome
