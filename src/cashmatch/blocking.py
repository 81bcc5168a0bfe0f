"""Candidate generation: blocking rules as SQL, run inside DuckDB.

Each rule is a join between the run's movements and the open items that yields
``(movement_id, item_id)`` pairs; every pair remembers which rules found it (``rules``) and
the first one (``match_key``), as splink does, so a decision can say why a pair was even
considered. No rule compares a movement with every open item: each is an equality join on
a key (reference token, amount, IBAN, name), so the work grows with the data, not with its
square.

The builders return SQL text; :class:`cashmatch.store.Store` executes it. Inputs are two
tables the matcher prepares: ``cm_tmp_movements`` and ``cm_tmp_open_items``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """A named way to find candidate pairs."""

    name: str
    description: str
    sql: str  # SELECT movement_id, item_id FROM ...


#: Normalised text of a movement: remittance plus every reference, upper case, no accents.
MOVEMENT_TEXT = ("upper(strip_accents(coalesce(m.remittance, '') || ' ' || "
                 "coalesce(m.refs_text, '')))")

OPEN_ITEMS_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_open_items AS
SELECT i.item_id, i.kind, i.account, i.party_id, i.party_name, i.party_iban, i.reference,
       i.ref_norm, i.issue_date, i.due_date, i.currency, i.amount_minor,
       i.amount_minor - i.settled_outside_minor - coalesce(a.applied, 0) AS open_minor,
       regexp_replace(upper(strip_accents(coalesce(i.party_name, ''))), '[^A-Z0-9]', '', 'g')
           AS name_norm,
       ltrim(regexp_extract(i.ref_norm, '([0-9]+)$', 1), '0') AS ref_tail
FROM cm_items i
LEFT JOIN (SELECT item_id, CAST(sum(amount_minor) AS BIGINT) AS applied
           FROM cm_allocations GROUP BY item_id) a
       USING (item_id)
WHERE i.amount_minor - i.settled_outside_minor - coalesce(a.applied, 0) <> 0
"""

TOKENS_SQL = f"""
CREATE OR REPLACE TEMP TABLE cm_tmp_tokens AS
WITH t AS (
    SELECT m.movement_id, regexp_extract_all({MOVEMENT_TEXT}, '[A-Z0-9]+') AS toks
    FROM cm_tmp_movements m
), u AS (
    SELECT movement_id, toks, unnest(range(1, len(toks) + 1)) AS i FROM t
), grams AS (
    SELECT movement_id, toks[i] AS tok FROM u
    UNION ALL
    SELECT movement_id, toks[i] || toks[i + 1] FROM u WHERE i + 1 <= len(toks)
    UNION ALL
    SELECT movement_id, toks[i] || toks[i + 1] || toks[i + 2] FROM u WHERE i + 2 <= len(toks)
)
SELECT DISTINCT movement_id, tok FROM grams
WHERE length(tok) >= 3 AND regexp_matches(tok, '[0-9]')
"""


def _capped(select: str, order: str, cap: int) -> str:
    """Keep at most ``cap`` pairs per movement, the best ones by ``order``."""
    return f"""
    SELECT movement_id, item_id FROM (
        SELECT *, row_number() OVER (PARTITION BY movement_id ORDER BY {order}) AS rn
        FROM ({select})
    ) WHERE rn <= {cap}"""


def rules(cap: int) -> list[BlockingRule]:
    """The blocking rules in priority order; ``cap`` bounds pairs per movement and rule."""
    return [
        BlockingRule(
            "ref_exact",
            "an item's reference appears in the movement text (separators ignored)",
            """SELECT t.movement_id, i.item_id
               FROM cm_tmp_tokens t JOIN cm_tmp_open_items i ON i.ref_norm = t.tok"""),
        BlockingRule(
            "ref_tail",
            "the numeric tail of an item's reference appears as a number in the text",
            _capped("""SELECT t.movement_id, i.item_id, i.due_date
                       FROM cm_tmp_tokens t
                       JOIN cm_tmp_open_items i
                         ON length(i.ref_tail) >= 3
                        AND i.ref_tail = ltrim(t.tok, '0')
                       WHERE regexp_matches(t.tok, '^[0-9]+$')""", "due_date", cap)),
        BlockingRule(
            "amount_exact",
            "the movement amount equals an item's open amount in the same currency",
            _capped("""SELECT m.movement_id, i.item_id, i.due_date, m.booking_date
                       FROM cm_tmp_movements m
                       JOIN cm_tmp_open_items i
                         ON i.open_minor = m.amount_minor AND i.currency = m.currency""",
                    "abs(date_diff('day', coalesce(due_date, booking_date), booking_date)), item_id",
                    cap)),
        BlockingRule(
            "party_iban",
            "the payer's IBAN is the IBAN known for the item's party",
            _capped("""SELECT m.movement_id, i.item_id, i.due_date
                       FROM cm_tmp_movements m
                       JOIN cm_tmp_open_items i
                         ON i.party_iban = m.counterparty_iban
                        AND sign(i.open_minor) = sign(m.amount_minor)""", "due_date", cap)),
        BlockingRule(
            "party_name",
            "the payer's name equals the item's party name (case, accents, punctuation ignored)",
            _capped("""SELECT m.movement_id, i.item_id, i.due_date
                       FROM cm_tmp_movements m
                       JOIN cm_tmp_open_items i
                         ON length(i.name_norm) >= 3 AND i.name_norm = m.name_norm
                        AND sign(i.open_minor) = sign(m.amount_minor)""", "due_date", cap)),
    ]


def pairs_sql(block_rules: list[BlockingRule]) -> str:
    """All pairs found by any rule, once each, with the rules that found them."""
    parts = [f"SELECT movement_id, item_id, {k} AS k, '{r.name}' AS rule FROM ({r.sql})"
             for k, r in enumerate(block_rules)]
    union = "\nUNION ALL\n".join(parts)
    return f"""
    CREATE OR REPLACE TEMP TABLE cm_tmp_pairs AS
    SELECT movement_id, item_id,
           arg_min(rule, k) AS match_key,
           list(rule ORDER BY k) AS rules
    FROM ({union})
    GROUP BY movement_id, item_id
    """
