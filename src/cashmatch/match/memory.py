"""The payer memory: which party a payer IBAN or name stands for, learned from confirmed
matches (:func:`learn_payers`) and used as evidence next time; listed and removed by hand."""

from __future__ import annotations

from typing import Any

from cashmatch.errors import Conflict, NotFound
from cashmatch.ingest.normalize import names_once_sql
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
            raise NotFound(f"no alias {alias_id}")
        if row[0] is not None:
            raise Conflict(f"alias {alias_id} was already removed on {row[0]}")
        store.execute("UPDATE cm_aliases SET removed_at = ?, removed_by = ? WHERE alias_id = ?",
                      [now(), user, alias_id])


#: Payer IBANs and names of the decisions of the movements in ``__cm_learn`` (a registered
#: frame of movement ids), as their party's: the first decision (lowest id) that shows a
#: (kind, value) speaks for it, and only if all its items are one party's (a payer seen paying
#: several parties' items in one payment is not one party's: nothing is learnt from it); a
#: value already known (not removed) is left as it is.
LEARN_SQL = """
INSERT INTO cm_aliases
WITH decided AS (
    SELECT d.decision_id, d.movement_id,
           CASE WHEN d.actor = 'engine' THEN 'auto' ELSE 'manual' END AS source
    FROM cm_decisions d SEMI JOIN __cm_learn l ON l.movement_id = d.movement_id
), per_decision AS (
    SELECT x.decision_id, x.movement_id, x.source, any_value(i.party_id) AS party_id,
           count(DISTINCT i.party_id) AS n_parties
    FROM decided x
    JOIN cm_allocations a ON a.decision_id = x.decision_id
    JOIN cm_items i ON i.item_id = a.item_id
    GROUP BY ALL
), payers AS (
    SELECT p.*, m.counterparty_iban, m.counterparty_name
    FROM per_decision p JOIN cm_movements m USING (movement_id)
    WHERE p.party_id IS NOT NULL
), names AS MATERIALIZED ({names}
), facts AS (
    SELECT 'iban' AS kind, counterparty_iban AS value, party_id, source, decision_id, n_parties
    FROM payers WHERE counterparty_iban IS NOT NULL
    UNION ALL
    SELECT 'name', n.name, party_id, source, decision_id, n_parties
    FROM payers p JOIN names n ON n.raw = p.counterparty_name
    WHERE length(n.name) >= 4
)
SELECT (SELECT coalesce(max(alias_id), 0) FROM cm_aliases) + row_number() OVER (), kind, value,
       party_id, source, decision_id, now()::TIMESTAMP, NULL, NULL
FROM (SELECT DISTINCT ON (kind, value) kind, value, party_id, source, decision_id, n_parties
      FROM facts ORDER BY kind, value, decision_id) new
WHERE n_parties = 1
  AND NOT EXISTS (SELECT 1 FROM cm_aliases a WHERE a.kind = new.kind AND a.value = new.value
                  AND a.removed_at IS NULL)
""".replace("{names}", names_once_sql("SELECT counterparty_name FROM payers"))


def learn_payers(store: Store, movement_ids: list[int]) -> None:
    """Remember payer IBANs and names of confirmed matches as their party's (memory)."""
    import polars as pl

    if not movement_ids:
        return
    with store.registered("__cm_learn", pl.DataFrame({"movement_id": movement_ids},
                                                     schema={"movement_id": pl.Int64})):
        store.execute(LEARN_SQL)
