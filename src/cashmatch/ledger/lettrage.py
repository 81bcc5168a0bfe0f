"""Lettrage: the code that ties an item's lines to the payments that settle it.

Each settled item gets a code per (account, auxiliary account): ``AAA``, ``AAB``... Items
settled by one entry share a code; an item keeps its code from its first payment on, so
partial payments and the final one carry the same letter. When the ERP gives the last code it
used (an items file's ``last_lettrage``, for the item's account and party, or for the whole
account), cashmatch's codes continue its sequence. Whether a group is fully lettered
is derived (all its items have nothing left open, see :mod:`cashmatch.ledger.export`), never
stored, so nothing is rewritten when an item is finally paid.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from cashmatch.store import Store

if TYPE_CHECKING:
    import polars as pl

#: Codes of the items of ``__cm_lettered`` that have one already.
_KNOWN_SQL = "SELECT item_id, code FROM cm_lettrage SEMI JOIN __cm_lettered USING (item_id)"
#: The latest code each (account, auxiliary account) of ``__cm_parties`` has given out or
#: the ERP used (a longer code comes later: padded with spaces, which sort before letters).
_LAST_SQL = """
WITH codes AS (
    SELECT account, aux_account, code FROM cm_lettrage
    SEMI JOIN __cm_parties USING (account, aux_account)
    UNION ALL
    SELECT p.account, p.aux_account, s.code FROM __cm_parties p
    JOIN cm_lettrage_seeds s ON s.account = p.account AND s.aux_account IN (p.aux_account, '')
)
SELECT account, aux_account, trim(max(lpad(code, 16, ' '))) AS last FROM codes GROUP BY ALL
"""


@functools.lru_cache(maxsize=1 << 16)
def lettrage_code(n: int) -> str:
    """The n-th code (0-based): AAA, AAB, ..., ZZZ, AAAA, ..."""
    width = 3
    while n >= 26**width:
        n -= 26**width
        width += 1
    chars = []
    for _ in range(width):
        n, r = divmod(n, 26)
        chars.append(chr(ord("A") + r))
    return "".join(reversed(chars))


def lettrage_index(code: str) -> int:
    """The position of ``code`` in the sequence of :func:`lettrage_code` (its inverse)."""
    n = sum(26**width for width in range(3, len(code)))
    value = 0
    for char in code.upper():
        value = value * 26 + ord(char) - ord("A")
    return n + value


def new_codes(store: Store, allocations: pl.DataFrame) -> pl.DataFrame:
    """Codes for the items of ``allocations`` (``k``, ``item_id``, ``account``, ``party_id``,
    in entry order) that have none yet: the items of one entry and one (account, party)
    share the next code of that (account, party). Returns ``item_id``, ``account``,
    ``aux_account``, ``code``."""
    import polars as pl

    items = allocations.select("k", "item_id", "account",
                               pl.col("party_id").fill_null("").alias("aux_account"))
    with store.registered("__cm_lettered", items.select("item_id").unique()):
        known = store.frame(_KNOWN_SQL)
    fresh = (items.filter(~pl.col("item_id").is_in(known.get_column("item_id").implode()))
             .unique("item_id", keep="first", maintain_order=True))
    key = ["account", "aux_account"]
    if fresh.height == 0:
        return fresh.select("item_id", *key, pl.lit("", pl.String).alias("code"))
    with store.registered("__cm_parties", fresh.select(key).unique()):
        last = store.frame(_LAST_SQL)
    seen = last.get_column("last").unique().to_list()
    nexts = pl.DataFrame({"last": seen, "used": [lettrage_index(c) + 1 for c in seen]},
                         schema={"last": pl.String, "used": pl.Int64})
    used = last.join(nexts, on="last").select(*key, "used")
    numbered = (fresh.join(used, on=key, how="left", maintain_order="left")
                .with_columns((pl.col("used").fill_null(0)
                               + pl.col("k").rank("dense").over(key).cast(pl.Int64) - 1).alias("_n")))
    numbers = numbered.get_column("_n").unique().to_list()
    return numbered.select("item_id", *key, pl.col("_n").replace_strict(
        numbers, [lettrage_code(n) for n in numbers], return_dtype=pl.String).alias("code"))
