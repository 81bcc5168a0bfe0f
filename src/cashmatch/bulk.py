"""Memory habits of bulk work (a run over a million movements, a large import)."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


#: Options of polars' allocator (jemalloc, which reads them from ``_RJEM_MALLOC_CONF`` when
#: polars is imported; polars puts its own, ``dirty_decay_ms:500,muzzy_decay_ms:1000``, before
#: the environment's, so these win): jemalloc's own defaults, which keep freed pages ten
#: seconds for reuse instead of half a second (docs/adr/0003).
POLARS_ALLOCATOR = "dirty_decay_ms:10000,muzzy_decay_ms:0"


def tune_allocator() -> None:
    """Give polars' allocator :data:`POLARS_ALLOCATOR`, unless the environment already says
    otherwise. Only works before polars is first imported (the command line calls it first
    thing); afterwards it does nothing."""
    if "polars" not in sys.modules:
        os.environ.setdefault("_RJEM_MALLOC_CONF", POLARS_ALLOCATOR)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block.

    Bulk work keeps millions of small objects alive (movement rows, proposals) and creates
    no reference cycles worth collecting meanwhile; every full collection walks all of them
    again (docs/adr/0003). Reference counting still frees everything as usual; only cycles
    wait for the end of the block.
    Nested blocks leave the collector as the outermost found it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def owned(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of ``frame`` that holds only its own rows' data.

    Rows filtered out of a large frame keep the large frame's string buffers alive (polars
    strings are views into shared buffers); a frame kept for the rest of a run must not
    (docs/adr/0003). The copy goes through Arrow, which writes the strings kept into fresh
    buffers."""
    import polars as pl

    copy = pl.from_arrow(frame.to_arrow())
    assert isinstance(copy, pl.DataFrame)
    return copy
