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
