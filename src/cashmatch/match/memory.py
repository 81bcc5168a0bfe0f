"""The payer memory: which party a payer IBAN or name stands for, learned from confirmed
matches (see :func:`cashmatch.match.run.learn_payers`) and used as evidence next time."""

from __future__ import annotations

from typing import Any

from cashmatch.errors import ReviewError
from cashmatch.store import Store, now


def list_aliases(store: Store, party: str | None = None,
                 include_removed: bool = False) -> list[dict[str, Any]]:
    where, params = [], []
    if party:
        where.append("party_id = ?")
        params.append(party)
    if not include_removed:
        where.append("removed_at IS NULL")
    sql = "SELECT * FROM cm_aliases" + (" WHERE " + " AND ".join(where) if where else "")
    return store.dicts(sql + " ORDER BY alias_id", params)


def remove_alias(store: Store, alias_id: int, user: str) -> None:
    """Stop using an alias; the row stays, marked removed, with who and when."""
    with store.transaction():
        row = store.row("SELECT removed_at FROM cm_aliases WHERE alias_id = ?", [alias_id])
        if row is None:
            raise ReviewError(f"no alias {alias_id}")
        if row[0] is not None:
            raise ReviewError(f"alias {alias_id} was already removed on {row[0]}")
        store.execute("UPDATE cm_aliases SET removed_at = ?, removed_by = ? WHERE alias_id = ?",
                      [now(), user, alias_id])
