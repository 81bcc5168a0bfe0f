"""Candidate generation: blocking rules as SQL, compiled here and run by the workspace.

Each rule is an equality join between a batch of the run's movements (``cm_tmp_movements``)
and the open items (``cm_tmp_open_items``) that yields ``(movement_id, item_id)`` pairs; every
pair remembers which rules found it (``rules``) and the first one (``match_key``), as splink
does, so a decision can say why a pair was even considered. No rule compares a movement with
every open item: each joins on a key (reference token, decoded RF reference, reference with
one character deleted, numeric tail, amount, payer party), so the work grows with the data,
not with its square.

The builders here return SQL text and never touch the database: the tables they name are the
run's, created and read by :class:`cashmatch.match.workspace.Workspace` (which also provides
``cm_tmp_rf_tokens``, decoded RF references, and ``cm_tmp_rule_payer``, payers named by
``[[alias]]`` rules) and :func:`pairs_sqls` lists the statements in the order it runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cashmatch.config import Rules, Tolerances
from cashmatch.ingest.normalize import name_sql, typo_keys_sql, words_sql
from cashmatch.match.evidence import cents

#: A movement's text as words are read from it: remittance plus every reference, accents
#: folded, upper case (``m`` = the movement's row).
MOVEMENT_TEXT = words_sql("m.remittance || ' ' || coalesce(m.refs_text, '')")

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

#: Items a movement quotes by their exact reference: a word of its text (``text``) or a valid
#: RF creditor reference (``rf``). Computed once a run; the reference rules, the typo keys and
#: the movements settled by reference all read it.
QUOTED_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_quoted AS
SELECT DISTINCT t.movement_id, i.item_id, t.tok, 'text' AS via
FROM cm_tmp_tokens t JOIN cm_tmp_open_items i ON i.ref_norm = t.tok
UNION
SELECT DISTINCT r.movement_id, i.item_id, r.tok, 'rf'
FROM cm_tmp_rf_tokens r JOIN cm_tmp_open_items i ON i.ref_norm = r.tok
"""

#: Open items every digit of whose reference is a number of a movement's text (written with at
#: least 4 digits, leading zeros included): "CHECK #4968" for CHK-4968, "2026 004512" for
#: FA-2026-004512.
NUMBERED_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_numbered AS
SELECT DISTINCT t.movement_id, i.item_id
FROM cm_tmp_tokens t
JOIN cm_tmp_open_items i ON length(i.ref_digits) >= 3 AND i.ref_digits = ltrim(t.tok, '0')
WHERE length(t.tok) >= 4 AND regexp_matches(t.tok, '^[0-9]+$')
"""

#: Items a movement quotes by their exact reference that are no longer open, with the
#: movement that settled them (the latest applied): a second payment of a paid invoice.
SETTLED_QUOTED_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_settled_quoted AS
WITH hits AS (
    SELECT DISTINCT t.movement_id, i.item_id, i.amount_minor
    FROM cm_tmp_tokens t
    JOIN cm_items i ON i.ref_norm = t.tok AND length(i.ref_norm) >= 6
    ANTI JOIN cm_tmp_open_items o ON o.item_id = i.item_id
)
SELECT h.movement_id, h.item_id, h.amount_minor, p.paid_by
FROM hits h
LEFT JOIN (SELECT item_id, max(movement_id) AS paid_by FROM cm_allocations
           SEMI JOIN hits USING (item_id) WHERE amount_minor <> 0 GROUP BY item_id) p
  USING (item_id)
"""

#: Deletion neighbourhoods (symmetric delete): a reference and a token one typo apart (a
#: character substituted, inserted, dropped, or two neighbours swapped) share a key. The
#: items' keys are kept in ``cm_item_keys`` (stored with the items); the tokens' here.
#: A token that names an open item is read as that reference first: with sequential invoice
#: numbers every reference has dozens of one-typo neighbours, and they would crowd the
#: candidates of every quoting payment. It is read as a typo of another reference only when
#: that other item fits the payment (the same amount, the same currency) and its own item
#: does not (a payer who typed an existing reference of another customer): ``quoted`` marks
#: the keys of such tokens, and the ``ref_typo`` rule holds them to that (so such a token of a
#: payment no open item matches in amount gets no keys at all). One typo changes a length by
#: one at most, so only tokens within one character of some open reference's length get keys
#: (most words of a text have none).
TYPO_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_token_keys AS
WITH fitting AS (
    SELECT q.movement_id, q.tok
    FROM cm_tmp_quoted q
    JOIN cm_tmp_movements m USING (movement_id)
    JOIN cm_tmp_open_items i USING (item_id)
    WHERE q.via = 'text' AND i.open_minor = m.amount_minor AND i.currency = m.currency
), payable AS (
    SELECT m.movement_id FROM cm_tmp_movements m
    SEMI JOIN cm_tmp_open_items i ON i.open_minor = m.amount_minor AND i.currency = m.currency
), typo_tokens AS (
    SELECT * FROM (
        SELECT t.movement_id, t.tok,
               EXISTS (SELECT 1 FROM cm_tmp_quoted q WHERE q.movement_id = t.movement_id
                       AND q.tok = t.tok AND q.via = 'text') AS quoted
        FROM (SELECT movement_id, tok FROM cm_tmp_tokens WHERE length(tok) >= 5
                AND length(tok) IN (SELECT DISTINCT length(ref_norm) + d
                                    FROM cm_tmp_open_items, (VALUES (-1), (0), (1)) v(d)
                                    WHERE length(ref_norm) >= 6)
              EXCEPT
              SELECT movement_id, tok FROM fitting) t)
    WHERE NOT quoted OR movement_id IN (SELECT movement_id FROM payable)
)
SELECT movement_id, k, bool_and(quoted) AS quoted FROM (
    SELECT movement_id, tok AS k, quoted FROM typo_tokens
    UNION ALL
    SELECT movement_id, substr(tok, 1, p - 1) || substr(tok, p + 1), quoted
    FROM typo_tokens, range(1, 41) r(p)
    WHERE p <= length(tok)
) GROUP BY movement_id, k;
"""

#: Who the payer is: parties known for its IBAN (ledger or memory), for its name (remembered,
#: or the party's own name once normalised, or that name cut at 30+ characters), or named by
#: an ``[[alias]]`` rule.
PAYER_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_payer AS
WITH iban_parties AS (
    SELECT DISTINCT party_iban AS iban, party_id, 'iban' AS via FROM cm_items
    WHERE party_iban IS NOT NULL AND party_id IS NOT NULL
    UNION
    SELECT value, party_id, 'iban_memory' FROM cm_aliases
    WHERE kind = 'iban' AND removed_at IS NULL
)
SELECT DISTINCT m.movement_id, p.party_id, p.via
FROM cm_tmp_movements m JOIN iban_parties p ON p.iban = m.counterparty_iban
UNION
SELECT DISTINCT m.movement_id, a.party_id, 'name_memory'
FROM cm_tmp_movements m
JOIN cm_aliases a ON a.kind = 'name' AND a.removed_at IS NULL AND a.value = m.name_norm
WHERE m.name_norm <> ''
UNION
SELECT DISTINCT m.movement_id, i.party_id, 'name_same'
FROM cm_tmp_movements m
JOIN (SELECT DISTINCT party_id, name_norm FROM cm_tmp_open_items
      WHERE party_id IS NOT NULL AND length(name_norm) >= 4) i
  ON left(i.name_norm, 30) = left(m.name_norm, 30)
WHERE length(m.name_norm) >= 4
  AND (i.name_norm = m.name_norm
       OR (length(m.name_norm) >= 30 AND starts_with(i.name_norm, m.name_norm)))
UNION
SELECT DISTINCT movement_id, party_id, 'rule' FROM cm_tmp_rule_payer
"""


#: Movements a quoted reference settles on its own: the reference rules find exactly one open
#: item, and its open amount is the movement's in the same currency. The broad rules (payer
#: party, party name, amount) are not run for them: whatever they would add scores at least
#: ``ref_exact`` points below that item (no reference evidence), so it could never be a rival
#: within the automatic margin; it would only cost time. Every other movement gets every rule.
SETTLED_BY_REFERENCE_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_unsettled AS
WITH settled AS (
    SELECT q.movement_id
    FROM cm_tmp_quoted q
    JOIN cm_tmp_movements m USING (movement_id)
    JOIN cm_tmp_open_items i USING (item_id)
    LEFT JOIN (SELECT movement_id, list(DISTINCT party_id) AS parties FROM cm_tmp_payer
               GROUP BY movement_id) p USING (movement_id)
    GROUP BY q.movement_id
    HAVING count(DISTINCT q.item_id) = 1
       AND bool_and(i.open_minor = m.amount_minor AND i.currency = m.currency
                    AND (p.parties IS NULL OR list_contains(p.parties, i.party_id)))
)
SELECT m.* FROM cm_tmp_movements m ANTI JOIN settled s USING (movement_id)
"""


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """A named way to find candidate pairs."""

    name: str
    description: str
    sql: str  # SELECT movement_id, item_id, tail_len FROM ...
    # tail_len: how many digits of the item's reference the text holds (``ref_tail``; NULL
    # for the other rules)


def _capped(select: str, order: str, cap: int, tail_len: str = "NULL::INTEGER") -> str:
    """Keep at most ``cap`` pairs per movement, the best ones by ``order`` (``tail_len``: the
    column of ``select`` that holds it, if any)."""
    return f"""
    SELECT movement_id, item_id, {tail_len} AS tail_len FROM (
        SELECT *, row_number() OVER (PARTITION BY movement_id ORDER BY {order}) AS rn
        FROM ({select})
    ) WHERE rn <= {cap}"""


#: Added to the ``due_rank`` of an item that comes after all the others (see :func:`_oldest`).
LATER = 1 << 40


def _oldest(select: str, cap: int) -> str:
    """Keep at most ``cap`` pairs per movement: those of the smallest ``key``, an item's
    ``due_rank`` plus :data:`LATER` for an item to come after the others (``select`` yields
    movement_id, key). The same pairs as :func:`_capped` ordered by due date and item id, but
    an aggregate of integers keeps them (rather than a window ordering dates and ids): the
    party rules meet every item of a payer's party, often hundreds per movement."""
    return f"""
    SELECT k.movement_id, i.item_id, NULL::INTEGER AS tail_len
    FROM (SELECT movement_id, unnest(min(key, {cap})) % {LATER} AS due_rank
          FROM ({select}) GROUP BY movement_id) k
    JOIN cm_tmp_open_items i USING (due_rank)"""


def _can_settle(tol: Tolerances) -> str:
    """SQL condition: item ``i`` can take part in settling movement ``m``. No larger than
    the payment (alone or in a set), of the other sign (a credit note netted in a payment),
    or a receivable paid short by a shortfall scoring reads as ``fee``, ``rounding`` or
    ``discount``: at most the larger of ``fee_max`` and ``rounding_max``, or at most
    ``discount_max_percent`` of it, with a cent of rounding."""
    short_max = cents(max(tol.fee_max, tol.rounding_max))
    short_max_bp = int(tol.discount_max_percent * 100)
    return f"""(sign(i.open_minor) <> sign(m.amount_minor)
               OR abs(i.open_minor) <= abs(m.amount_minor)
               OR (i.open_minor > 0 AND m.amount_minor > 0
                   AND (i.open_minor - m.amount_minor <= {short_max}
                        OR (i.open_minor - m.amount_minor - 1) * 10000
                           <= i.open_minor * {short_max_bp})))"""


def rules(cap: int, tol: Tolerances) -> list[BlockingRule]:
    """The blocking rules in priority order; ``cap`` bounds pairs per movement and rule.
    The party rules also find a receivable paid short within ``tol`` (see
    :func:`_can_settle`)."""
    settles = _can_settle(tol)
    return [rule(cap, settles) for rule in (_ref_exact, _ref_rf, _ref_number, _ref_tail, _ref_typo, _payer_party, _party_name, _amount_exact)]


def _ref_exact(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "ref_exact",
        "an item's reference appears in the movement text (separators ignored)",
        "SELECT movement_id, item_id, NULL::INTEGER FROM cm_tmp_quoted WHERE via = 'text'")


def _ref_rf(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "ref_rf",
        "a valid ISO 11649 RF creditor reference of the movement encodes an item's reference",
        "SELECT movement_id, item_id, NULL::INTEGER FROM cm_tmp_quoted WHERE via = 'rf'")


def _ref_tail(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "ref_tail",
        "the numeric tail of an item's reference appears as a number in the text",
        _capped("""SELECT movement_id, item_id, due_date, max(tail_len) AS tail_len FROM (
                       SELECT t.movement_id, i.item_id, i.due_date,
                              length(i.ref_tail) AS tail_len
                       FROM cm_tmp_tokens t
                       JOIN cm_tmp_open_items i
                         ON length(i.ref_tail) >= 3
                        AND i.ref_tail = ltrim(t.tok, '0')
                       WHERE regexp_matches(t.tok, '^[0-9]+$')
                       UNION ALL
                       SELECT t.movement_id, i.item_id, i.due_date,
                              length(i.ref_tail_short)
                       FROM cm_tmp_tokens t
                       JOIN cm_tmp_open_items i
                         ON length(i.ref_tail_short) >= 4
                        AND i.ref_tail_short = ltrim(t.tok, '0')
                       WHERE regexp_matches(t.tok, '^[0-9]+$'))
                   GROUP BY movement_id, item_id, due_date""",
                "due_date, item_id", cap, tail_len="tail_len"))


def _ref_number(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "ref_number",
        "every digit of an item's reference is a number of the text (a cheque or document "
        "number written another way, a reference without its letters)",
        _capped("""SELECT n.movement_id, n.item_id, i.due_date FROM cm_tmp_numbered n
                   JOIN cm_tmp_open_items i USING (item_id)""", "due_date, item_id", cap))


def _ref_typo(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "ref_typo",
        "a word of the text is one typo away from an item's reference",
        # a quoted token's keys only meet the items of the payment's amount: those few
        # items' keys are made here, not looked up among every item's (with sequential
        # numbers each reference has hundreds of neighbours one typo away)
        _capped(f"""WITH fitting AS MATERIALIZED (
                        SELECT m.movement_id, o.item_id, o.due_date, o.ref_norm
                        FROM cm_tmp_movements m
                        JOIN cm_tmp_open_items o
                          ON o.open_minor = m.amount_minor AND o.currency = m.currency
                        WHERE m.movement_id IN (SELECT movement_id FROM cm_tmp_token_keys
                                                WHERE quoted)
                    ), fitting_keys AS ({typo_keys_sql("fitting")})
                    SELECT t.movement_id, i.item_id, o.due_date
                    FROM cm_tmp_token_keys t
                    JOIN cm_item_keys i ON i.k = t.k
                    JOIN cm_tmp_open_items o ON o.item_id = i.item_id
                    WHERE NOT t.quoted
                    UNION
                    SELECT t.movement_id, f.item_id, f.due_date
                    FROM cm_tmp_token_keys t
                    JOIN fitting f ON f.movement_id = t.movement_id
                    JOIN fitting_keys fk ON fk.item_id = f.item_id AND fk.k = t.k
                    WHERE t.quoted""",
                "due_date, item_id", cap))


def _payer_party(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "payer_party",
        "the payer's IBAN or name is known for the item's party (ledger or memory)",
        # (once per item: the payer's party may be known several ways, IBAN and memory)
        _oldest(f"""SELECT DISTINCT p.movement_id, i.due_rank AS key
                    FROM cm_tmp_payer p
                    JOIN cm_tmp_unsettled m USING (movement_id)
                    JOIN cm_tmp_open_items i ON i.party_id = p.party_id
                    WHERE {settles}""", cap))


def _party_name(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "party_name",
        "the payer's name starts like the item's party name (legal form, case and "
        "accents ignored)",
        # the payer's own party first (its name, or that name cut short), then the
        # oldest: many parties share their first words ("ETABLISSEMENTS ...", "SOCIETE
        # ..."), and their oldest items must not crowd the payer's own out of the cap
        _oldest(f"""SELECT m.movement_id,
                           i.due_rank + CASE WHEN starts_with(i.name_norm, m.name_norm)
                                             THEN 0 ELSE {LATER} END AS key
                    FROM cm_tmp_unsettled m
                    JOIN cm_tmp_open_items i
                      ON length(m.name_norm) >= 4
                     AND left(i.name_norm, 12) = left(m.name_norm, 12)
                    WHERE {settles}""", cap))


def _amount_exact(cap: int, settles: str) -> BlockingRule:
    return BlockingRule(
        "amount_exact",
        "the movement amount equals an item's open amount in the same currency",
        _capped("""SELECT m.movement_id, i.item_id, i.due_date, m.booking_date
                   FROM cm_tmp_unsettled m
                   JOIN cm_tmp_open_items i
                     ON i.open_minor = m.amount_minor AND i.currency = m.currency
                   UNION ALL
                   SELECT m.movement_id, i.item_id, i.due_date, m.booking_date
                   FROM cm_tmp_unsettled m
                   JOIN cm_tmp_open_items i
                     ON i.currency = m.instructed_currency AND i.currency <> m.currency
                    AND i.open_minor = m.instructed_minor * sign(m.amount_minor)""",
                "abs(date_diff('day', coalesce(due_date, booking_date), booking_date)), item_id",
                cap))


#: The tables the statements of :func:`pairs_sqls` create.
TABLES = ("cm_tmp_tokens", "cm_tmp_quoted", "cm_tmp_token_keys", "cm_tmp_payer",
          "cm_tmp_unsettled", "cm_tmp_pairs", "cm_tmp_parties", "cm_tmp_party_keys",
          "cm_tmp_name_payer", "cm_tmp_numbered", "cm_tmp_settled_quoted")


#: A party name word counts as a key when at most this many parties share it.
RARE_NAME_WORD = 5
#: Keys of a name written with a typo: its first letters.
NAME_PREFIX = 6
#: A name a bank cut is found by its first letters (spaces left out).
NAME_CUT = 12

#: The run's parties (those with open items) and the keys their names are found by in a text:
#: their rare words (4+ letters), the first letters of their long rare words (a typo later
#: in the word), and the whole name without spaces (written glued, or cut).
PARTY_KEYS_SQL = f"""
CREATE OR REPLACE TEMP TABLE cm_tmp_parties AS
SELECT party_id, any_value(name_norm) AS name_norm,
       replace(any_value(name_norm), ' ', '') AS compact
FROM cm_tmp_open_items WHERE party_id IS NOT NULL AND length(name_norm) >= 3
GROUP BY party_id;
CREATE OR REPLACE TEMP TABLE cm_tmp_party_keys AS
WITH words AS (
    SELECT party_id, unnest(string_split(name_norm, ' ')) AS w FROM cm_tmp_parties
), rare AS (
    SELECT w FROM words WHERE length(w) >= 4 AND regexp_matches(w, '[A-Z]')
    GROUP BY w HAVING count(DISTINCT party_id) <= {RARE_NAME_WORD}
)
SELECT DISTINCT party_id, w AS k FROM words SEMI JOIN rare USING (w)
UNION
SELECT DISTINCT party_id, '~' || left(w, {NAME_PREFIX}) FROM words SEMI JOIN rare USING (w)
WHERE length(w) > {NAME_PREFIX}
UNION
SELECT party_id, compact FROM cm_tmp_parties WHERE length(compact) >= 6
UNION
SELECT party_id, '^' || left(compact, {NAME_CUT}) FROM cm_tmp_parties
WHERE length(compact) >= {NAME_CUT}
"""

#: Parties whose name keys a batch movement's text holds (payer name and remittance, words
#: alone and two or three glued together), for the movements whose payer is not known
#: otherwise; ``hits`` counts the keys found.
NAME_HITS_SQL = f"""
WITH need AS (
    SELECT m.movement_id, regexp_extract_all({words_sql(
        "coalesce(m.counterparty_name, '') || ' ' || m.remittance")}, '[A-Z0-9]+') AS t
    FROM cm_tmp_movements m
    ANTI JOIN (SELECT DISTINCT movement_id FROM cm_tmp_payer) known USING (movement_id)
), u AS (
    SELECT movement_id, t, unnest(range(1, len(t) + 1)) AS i FROM need
), keys AS (
    SELECT movement_id, t[i] AS k FROM u WHERE length(t[i]) >= 4
    UNION SELECT movement_id, t[i] || t[i + 1] FROM u WHERE i + 1 <= len(t)
    UNION SELECT movement_id, t[i] || t[i + 1] || t[i + 2] FROM u WHERE i + 2 <= len(t)
    UNION SELECT movement_id, '~' || left(t[i], {NAME_PREFIX}) FROM u
    WHERE length(t[i]) > {NAME_PREFIX}
    UNION SELECT movement_id, '^' || left(g, {NAME_CUT}) FROM (
        SELECT movement_id, t[i] || coalesce(t[i + 1], '') || coalesce(t[i + 2], '') AS g
        FROM u) WHERE length(g) >= {NAME_CUT}
)
SELECT k.movement_id, p.party_id, count(*) AS hits, any_value(pa.compact) AS compact,
       any_value(pa.name_norm) AS name,
       any_value({name_sql("coalesce(m.counterparty_name, '') || ' ' || m.remittance")})
           AS words,
       any_value({name_sql("m.remittance")}) AS remittance_words
FROM keys k JOIN cm_tmp_party_keys p USING (k)
JOIN cm_tmp_parties pa USING (party_id)
JOIN cm_tmp_movements m ON m.movement_id = k.movement_id
GROUP BY k.movement_id, p.party_id
QUALIFY row_number() OVER (PARTITION BY k.movement_id ORDER BY count(*) DESC, p.party_id) <= 10
"""

#: Payers found by name in the text (``cm_tmp_name_payer``: movement_id, party_id, same)
#: join the payers known otherwise.
NAME_PAYERS_SQL = """
INSERT INTO cm_tmp_payer
SELECT movement_id, party_id, CASE WHEN same THEN 'name_same' ELSE 'name_text' END
FROM cm_tmp_name_payer
"""


def before_payers_sqls() -> list[str]:
    """The statements that find a batch's tokens, quoted references and known payers."""
    return [TOKENS_SQL, QUOTED_SQL, NUMBERED_SQL, SETTLED_QUOTED_SQL, TYPO_KEYS_SQL, PAYER_SQL]


def pairs_sqls(rules_: Rules) -> list[str]:
    """The statements that find a batch's candidate pairs (``cm_tmp_pairs``) once its payers
    are known, in order."""
    m = rules_.matching
    return [NAME_PAYERS_SQL, SETTLED_BY_REFERENCE_SQL,
            pairs_sql(rules(m.candidates_per_rule, rules_.tolerances))]


def pairs_sql(block_rules: list[BlockingRule]) -> str:
    """All pairs found by any rule, once each, with the rules that found them (``rules``,
    alphabetical), the first of them in priority order (``match_key``) and the longest
    numeric tail matched (``tail_len``). The rules of a pair are gathered as a bit mask (one
    bit per rule, a cheap aggregate) and written out as names afterwards."""
    parts = [f"SELECT movement_id, item_id, tail_len, {1 << k} AS bit "
             f"FROM ({r.sql}) AS found(movement_id, item_id, tail_len)"
             for k, r in enumerate(block_rules)]
    union = "\nUNION ALL\n".join(parts)
    bits = {r.name: 1 << k for k, r in enumerate(block_rules)}
    first = " ".join(f"WHEN mask & {bit} <> 0 THEN '{name}'" for name, bit in bits.items())
    names = ", ".join(f"CASE WHEN mask & {bits[name]} <> 0 THEN ['{name}'] ELSE [] END"
                      for name in sorted(bits))
    return f"""
    CREATE OR REPLACE TEMP TABLE cm_tmp_pairs AS
    SELECT movement_id, item_id, CASE {first} END AS match_key,
           list_concat({names}) AS rules, tail_len
    FROM (SELECT movement_id, item_id, bit_or(bit) AS mask, max(tail_len) AS tail_len
          FROM ({union})
          GROUP BY movement_id, item_id)
    """
