"""The collector pause of bulk work."""

from __future__ import annotations

import gc

import pytest

from cashmatch.bulk import collector_paused, owned


def test_the_collector_is_paused_and_restored_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_blocks_leave_it_as_the_outermost_found_it() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _bytes_held(frame) -> int:
    import polars as pl

    table = frame.to_arrow(compat_level=pl.CompatLevel.newest())  # string views, as held
    return sum(b.size for column in table.columns for chunk in column.chunks
               for b in chunk.buffers() if b is not None)


def test_an_owned_copy_holds_its_rows_and_not_the_frame_they_came_from() -> None:
    import datetime as dt

    import polars as pl

    big = pl.DataFrame({"n": range(200_000)}).select(
        "n", text=pl.format("a label long enough not to be inlined, number {}", "n"),
        tags=pl.concat_list(pl.format("t{}", "n")), day=pl.lit(dt.date(2026, 3, 1)))
    kept = big.filter(pl.col("n") % 1000 == 0)
    copy = owned(kept)
    assert copy.equals(kept) and copy.schema == kept.schema
    assert _bytes_held(kept) > _bytes_held(big) // 4   # the texts of all 200k rows
    assert _bytes_held(copy) < _bytes_held(big) // 100


@pytest.mark.parametrize("given, expected", [
    (None, "dirty_decay_ms:10000,muzzy_decay_ms:0"),
    ("dirty_decay_ms:0", "dirty_decay_ms:0"),  # the user's own setting wins
])
def test_the_command_line_sets_polars_allocator_before_polars_starts(
        given: str | None, expected: str) -> None:
    """The options must be in the environment when polars (and its jemalloc) is loaded:
    the command line sets them first thing, and a later call changes nothing."""
    import os
    import subprocess
    import sys

    script = ("import os, sys; from cashmatch.bulk import tune_allocator; tune_allocator(); "
              "import polars; seen = os.environ.get('_RJEM_MALLOC_CONF'); "
              "os.environ.pop('_RJEM_MALLOC_CONF'); tune_allocator(); "
              "print(seen, os.environ.get('_RJEM_MALLOC_CONF'))")
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if given is not None:
        env["_RJEM_MALLOC_CONF"] = given
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True)
    seen, after = out.stdout.split()
    # polars puts its own options first (dirty_decay_ms:500,muzzy_decay_ms:1000): the last
    # value of an option is the one jemalloc keeps
    assert seen.endswith("," + expected) and after == "None"
