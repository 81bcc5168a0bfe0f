"""The exact-sum search behind one payment for several items (meet in the middle)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from cashmatch.match.assign import _exact_subsets

values = st.lists(st.integers(-50_000, 200_000), min_size=0, max_size=12)


@given(values, st.integers(-100_000, 600_000))
def test_every_set_found_adds_up_and_none_is_missed(amounts, target) -> None:
    found = _exact_subsets(amounts, target, limit=10_000)
    expected = sorted(
        (size, combo) for size in range(2, len(amounts) + 1)
        for combo in combinations(range(len(amounts)), size)
        if sum(amounts[i] for i in combo) == target)
    assert sorted((len(c), tuple(c)) for c in found) == expected
    assert [len(c) for c in found] == sorted(len(c) for c in found)  # fewest items first


@given(values.filter(lambda v: len(v) >= 2), st.data())
def test_a_sum_of_some_values_is_found_within_the_limit(amounts, data) -> None:
    picked = data.draw(st.lists(st.integers(0, len(amounts) - 1), min_size=2,
                                max_size=len(amounts), unique=True))
    target = sum(amounts[i] for i in picked)
    found = _exact_subsets(amounts, target, limit=3)
    assert 1 <= len(found) <= 3
    assert all(sum(amounts[i] for i in c) == target and len(c) >= 2 for c in found)


@given(values.filter(lambda v: len(v) >= 3), st.data())
def test_sets_holding_the_kept_positions_come_first(amounts, data) -> None:
    keep = data.draw(st.lists(st.integers(0, len(amounts) - 1), max_size=2, unique=True))
    target = data.draw(st.integers(-100_000, 600_000))
    found = _exact_subsets(amounts, target, limit=10_000, keep=keep)
    missing = [len(set(keep) - set(c)) for c in found]
    assert missing == sorted(missing)
    assert sorted(map(tuple, found)) == sorted(map(tuple, _exact_subsets(amounts, target,
                                                                         limit=10_000)))
