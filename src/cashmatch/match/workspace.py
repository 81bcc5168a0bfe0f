"""The tables one matching run works on, in DuckDB: created, read and dropped only here.

A run opens a :class:`Workspace` over the store: the unsettled movements it considers
(``cm_tmp_run_movements``) and the open items they may settle (``cm_tmp_open_items``, each
numbered by ``due_rank``: oldest due first, then by id, undated last). Candidates are then
found a batch of movements at a time (:meth:`Workspace.pairs` runs the blocking rules of
:mod:`cashmatch.match.candidates` over ``cm_tmp_movements``, the batch) and handed on as
frames; everything later stages need of the run's rows is read through a method here, as a
frame. Nothing is written to the store's own tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cashmatch.config import Rules
from cashmatch.ingest import normalize, periods
from cashmatch.ingest.normalize import names_once_sql, rf_bodies, text_key_sql
from cashmatch.ledger.journal import SETTLED_SQL
from cashmatch.match import candidates
from cashmatch.match.candidates import MOVEMENT_TEXT
from cashmatch.store import Store

if TYPE_CHECKING:
    import polars as pl

#: What the engine reads of a movement, as a digest kept with automatic decisions so that a
#: replay can tell a changed input from a changed rule: the first 16 hex digits of the
#: SHA-256 of these fields written as text ("None" for a missing one), joined by U+001F.
INPUT_HASH_FIELDS = ("movement_id", "booking_date", "amount_minor", "currency",
                     "counterparty_name", "counterparty_iban", "remittance", "refs_text")

_RUN_MOVEMENTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE cm_tmp_run_movements AS
WITH run AS (
    SELECT m.movement_id, m.booking_date, m.amount_minor, m.currency, m.counterparty_name,
           m.counterparty_iban, m.remittance, m.bank_reference, m.instructed_minor,
           m.instructed_currency, m.charges_minor, m.account,
           array_to_string(json_extract_string(m.refs_json, '$[*].value'), ' ') AS refs_text
    FROM cm_movements m
    WHERE m.status = 'booked' AND m.movement_id NOT IN ({SETTLED_SQL})
), names AS MATERIALIZED ({names_once_sql("SELECT counterparty_name FROM run")})
SELECT *, left(sha256(concat_ws(chr(31), {", ".join(
    f"coalesce(CAST({f} AS VARCHAR), 'None')" for f in INPUT_HASH_FIELDS)})), 16) AS input_hash
FROM (SELECT r.*, coalesce(n.name, '') AS name_norm
      FROM run r LEFT JOIN names n ON n.raw = r.counterparty_name)
"""

#: The run's open items, numbered by ``due_rank``; with the early-payment terms that apply
#: (given in the ledger, written in the description, or the rules' ``discount_days``) and the
#: months the item is for (its dates' and those its description names).
_OPEN_ITEMS_SQL = """
CREATE OR REPLACE TEMP TABLE cm_tmp_open_items AS
SELECT i.item_id, i.kind, i.account, i.party_id, i.party_name, i.party_iban, i.reference,
       i.ref_norm, i.issue_date, i.due_date, i.currency, i.amount_minor, i.book_minor,
       i.book_currency, i.amount_minor - i.settled_outside_minor - coalesce(a.applied, 0)
       AS open_minor, i.name_norm, i.ref_tail, i.ref_tail_short, i.ref_digits,
       coalesce(i.discount_until, i.issue_date + CAST(i.terms_days AS INTEGER),
                CASE WHEN $discount_days > 0 THEN i.issue_date + $discount_days END)
           AS disc_until,
       coalesce(i.discount_rate, i.terms_rate) AS disc_rate,
       -- the month an item is for: the one its description names, else its issue's (an
       -- invoice issued in January and due in February is January's)
       list_filter(CASE WHEN len(coalesce(i.desc_months, [])) > 0 THEN i.desc_months
                        ELSE [month(coalesce(i.issue_date, i.due_date))] END,
                   lambda x: x IS NOT NULL) AS i_months,
       coalesce(i.desc_instalments, []) AS i_instalments
FROM cm_items i
LEFT JOIN (SELECT item_id, CAST(sum(amount_minor) AS BIGINT) AS applied
           FROM cm_allocations GROUP BY item_id) a USING (item_id)
WHERE i.amount_minor - i.settled_outside_minor - coalesce(a.applied, 0) <> 0;
-- numbered apart and joined back: a window that carries every column is slower
CREATE OR REPLACE TEMP TABLE cm_tmp_open_items AS
SELECT o.*, r.due_rank FROM cm_tmp_open_items o
JOIN (SELECT item_id, row_number() OVER (ORDER BY due_date NULLS LAST, item_id) AS due_rank
      FROM cm_tmp_open_items) r USING (item_id)
"""

#: Words of a movement's text that say it pays part of an item on purpose.
PARTIAL_WORDS = (r"\b(ACOMPTE|ACPTE|AVANCE|PARTIEL|PARTIELLE|ECHEANCE|INSTALL?MENT|"
                 r"PART PAYMENT|PARTIAL|ANZAHLUNG|TEILZAHLUNG|ABSCHLAG|RATA|ACCONTO|CUOTA|"
                 r"PLAZO|ANTICIPO|TERMIJN|AANBETALING|\d\s?/\s?\d)\b")

#: What scoring reads of a movement's text, once per movement of the batch: the text key
#: (references are compared with it) and whether it speaks of a discount.
_TEXT_FACTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE cm_tmp_text_facts AS
SELECT m.movement_id,
       {text_key_sql("m.remittance || ' ' || coalesce(m.refs_text, '')")} AS compact,
       regexp_matches({MOVEMENT_TEXT}, 'ESCOMPTE|DISCOUNT|SKONTO|SCONTO|DESCUENTO|KORTING')
           AS discount_word,
       regexp_matches({MOVEMENT_TEXT}, '{PARTIAL_WORDS}') AS partial_word,
       {periods.months_sql(MOVEMENT_TEXT)} AS months,
       {periods.weeks_sql(MOVEMENT_TEXT)} AS weeks,
       {periods.dates_sql(MOVEMENT_TEXT)} AS dates,
       {periods.instalments_sql(MOVEMENT_TEXT)} AS instalments,
       {periods.invoice_numbers_sql(MOVEMENT_TEXT)} AS numbers,
       d.designated, s.paid_by AS duplicate_of
FROM cm_tmp_movements m
LEFT JOIN (SELECT q.movement_id, list(DISTINCT q.item_id) AS designated FROM (
               SELECT d.movement_id, d.item_id, sign(di.open_minor) AS item_sign FROM (
                   SELECT movement_id, item_id FROM cm_tmp_quoted
                   UNION ALL SELECT movement_id, item_id FROM cm_tmp_numbered) d
               JOIN cm_tmp_open_items di USING (item_id)) q
           -- an item the movement could pay (a receipt designates no supplier invoice); both
           -- keys in one join condition, so that no plan joins movements and items on the
           -- sign alone
           JOIN cm_tmp_movements dm
             ON dm.movement_id = q.movement_id AND sign(dm.amount_minor) = q.item_sign
           GROUP BY q.movement_id) d USING (movement_id)
LEFT JOIN (SELECT q.movement_id, min(q.paid_by) AS paid_by FROM cm_tmp_settled_quoted q
           JOIN cm_tmp_movements mm USING (movement_id)
           WHERE abs(q.amount_minor) = abs(mm.amount_minor) AND q.paid_by IS NOT NULL
           GROUP BY q.movement_id) s USING (movement_id)
"""

#: The pair was found by a reference rule (``p``: a row of ``cm_tmp_pairs``).
_BY_REFERENCE = ("list_has_any(p.rules, ['ref_exact', 'ref_rf', 'ref_number', 'ref_tail', "
                 "'ref_typo'])")
#: A payment of a foreign-currency item is compared in the item's currency, through the
#: amount the payer instructed (camt InstdAmt, MT940 /OCMT/).
_FX = ("(m.currency <> i.currency AND m.instructed_currency = i.currency "
       "AND m.instructed_minor IS NOT NULL)")

#: The batch's pairs with what scoring reads of them (:func:`cashmatch.match.evidence.score`).
_PAIRS_WITH_FACTS_SQL = f"""
SELECT p.movement_id, p.item_id, p.match_key, p.rules, {_FX} AS fx,
       CASE WHEN {_FX} THEN m.instructed_minor * sign(m.amount_minor) ELSE m.amount_minor END
           AS m_amount_minor,
       CASE WHEN {_FX} THEN i.currency ELSE m.currency END AS m_currency,
       -- the text is compared with the references of the items a reference rule found
       -- (the others' texts and references are not read: left null, not copied)
       CASE WHEN {_BY_REFERENCE} THEN tf.compact END AS m_compact,
       CASE WHEN {_BY_REFERENCE} THEN i.ref_norm END AS i_ref_norm,
       m.name_norm AS m_name, tf.discount_word AS m_discount_word,
       tf.partial_word AS m_partial_word, m.booking_date, m.charges_minor AS m_charges_minor,
       -- the payer's account is in the country of ours: a domestic transfer
       left(m.counterparty_iban, 2) = left(m.account, 2) AS m_domestic,
       CASE WHEN NOT {_FX} AND m.instructed_currency = m.currency
            THEN m.instructed_minor * sign(m.amount_minor) END AS m_instructed_minor,
       i.kind AS i_kind, i.issue_date, i.disc_until,
       CAST(round(i.disc_rate * 10000) AS INTEGER) AS i_disc_rate_bp,
       -- an instalment named counts against items whose description names theirs
       len(tf.months) + len(tf.weeks) + len(tf.dates) > 0
           OR (len(tf.instalments) > 0 AND len(i.i_instalments) > 0) AS period_named,
       (list_has_any(tf.months, i.i_months)
        OR list_has_any(tf.weeks, [week(i.issue_date), week(i.due_date)])
        OR list_has_any(tf.dates, [i.issue_date, i.due_date])
        OR list_has_any(tf.instalments, i.i_instalments)) AS period_match,
       list_contains(coalesce(tf.designated, []), p.item_id) AS i_designated,
       list_contains(tf.numbers, i.ref_tail) AS i_number_quoted,
       len(tf.numbers) AS m_numbers_n,
       len(coalesce(tf.designated, [])) AS m_designated_n,
       tf.duplicate_of AS m_duplicate_of,
       p.tail_len AS i_ref_tail_len, i.open_minor AS i_open_minor, i.currency AS i_currency,
       i.name_norm AS i_name, i.party_id AS i_party_id, i.due_date, i.due_rank AS i_due_rank,
       pp.vias AS payer_vias, coalesce(hp.known, false) AS payer_other
FROM cm_tmp_pairs p
JOIN cm_tmp_movements m USING (movement_id)
JOIN cm_tmp_text_facts tf USING (movement_id)
JOIN cm_tmp_open_items i USING (item_id)
LEFT JOIN (SELECT movement_id, party_id, list(DISTINCT via) AS vias FROM cm_tmp_payer
           GROUP BY ALL) pp ON pp.movement_id = p.movement_id AND pp.party_id = i.party_id
LEFT JOIN (SELECT movement_id, true AS known FROM cm_tmp_payer
           GROUP BY movement_id) hp ON hp.movement_id = p.movement_id
"""

#: What proposals say of the run's open items, by ``due_rank``.
_ITEM_TEXTS_SQL = """
SELECT due_rank AS i_due_rank, reference AS i_reference, ref_tail AS i_ref_tail,
       party_name AS i_party, account AS i_account
FROM cm_tmp_open_items ORDER BY due_rank
"""

#: What posting needs of the open items of ``__cm_posted_items``.
_ITEM_FACTS_SQL = """
SELECT item_id, account, party_id, party_name, reference, currency AS item_currency,
       open_minor, amount_minor AS item_amount_minor, book_minor, book_currency
FROM cm_tmp_open_items SEMI JOIN __cm_posted_items USING (item_id)
"""

#: What posting needs of the run's movements.
_POSTING_FACTS_SQL = """
SELECT movement_id, booking_date, amount_minor, currency, bank_reference, counterparty_name,
       remittance, input_hash FROM cm_tmp_run_movements
"""

_TEXTS_SQL = """
SELECT movement_id, amount_minor, counterparty_iban,
       coalesce(counterparty_name, '') || ' ' || remittance || ' ' || coalesce(refs_text, '')
       AS text
FROM cm_tmp_run_movements ORDER BY movement_id
"""

#: IBAN-shaped words of the texts of movements that have no payer IBAN.
_IBAN_WORDS_SQL = """
SELECT movement_id, regexp_extract_all(upper(remittance), '\\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\\b')
FROM cm_tmp_run_movements
WHERE counterparty_iban IS NULL
  AND regexp_matches(upper(remittance), '\\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\\b')
"""
_SET_TEXT_IBAN_SQL = """
UPDATE cm_tmp_run_movements m SET counterparty_iban = t.iban
FROM __cm_text_iban t WHERE t.movement_id = m.movement_id
"""

_DUPLICATES_SQL = """
SELECT q.movement_id, (any_value(q.item_id), min(q.paid_by))
FROM cm_tmp_settled_quoted q JOIN cm_tmp_movements m USING (movement_id)
WHERE abs(q.amount_minor) = abs(m.amount_minor) AND q.paid_by IS NOT NULL
GROUP BY q.movement_id
"""

_TABLES = ("cm_tmp_run_movements", "cm_tmp_open_items", "cm_tmp_movements", "cm_tmp_batch",
           "cm_tmp_text_facts", "cm_tmp_rf_tokens", "cm_tmp_rule_payer",
           *candidates.TABLES)


@dataclass(slots=True)
class Workspace:
    """The run's tables in ``store`` (see the module docstring); a context manager that
    drops them on the way out."""

    store: Store
    rules: Rules
    #: Movements that quote an item another movement settled, paying its amount again:
    #: movement → (item, the movement that paid it), gathered batch by batch.
    duplicates: dict[int, tuple[str, int]] = field(default_factory=dict)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for table in _TABLES:
            self.store.execute(f"DROP TABLE IF EXISTS {table}")

    def open(self, only: list[int] | None = None) -> pl.DataFrame:
        """Load the unsettled movements (or ``only`` these of them) and the open items;
        returns the movements' ``movement_id``, ``amount_minor``, in id order."""
        self.store.execute(_RUN_MOVEMENTS_SQL)
        if only is not None:
            self.store.execute("DELETE FROM cm_tmp_run_movements "
                               "WHERE NOT list_contains(?, movement_id)", [only])
        self.store.execute(_OPEN_ITEMS_SQL.replace(
            "$discount_days", str(int(self.rules.tolerances.discount_days))))
        self.store.execute(candidates.PARTY_KEYS_SQL)
        self._ibans_in_text()
        return self.store.frame("SELECT movement_id, amount_minor FROM cm_tmp_run_movements "
                                "ORDER BY movement_id")

    def texts(self) -> pl.DataFrame:
        """Each movement's ``amount_minor``, ``counterparty_iban`` and whole ``text`` (payer
        name, remittance, references), for the rules file's text rules."""
        return self.store.frame(_TEXTS_SQL)

    def item_texts(self) -> pl.DataFrame:
        """What proposals say of the open items: ``i_due_rank`` and the item's reference,
        reference tail, party name and account."""
        return self.store.frame(_ITEM_TEXTS_SQL)

    def pairs(self, rules: Rules, ids: list[int], named_payers: pl.DataFrame) -> pl.DataFrame:
        """The candidate pairs of movements ``ids``, with what scoring reads of them.
        ``named_payers``: ``movement_id``, ``party_id`` of the payers the rules file names."""
        import polars as pl

        store = self.store
        store.temp_table("cm_tmp_batch", pl.DataFrame({"movement_id": ids},
                                                      schema={"movement_id": pl.Int64}))
        store.execute("CREATE OR REPLACE TEMP TABLE cm_tmp_movements AS SELECT m.* "
                      "FROM cm_tmp_run_movements m SEMI JOIN cm_tmp_batch USING (movement_id)")
        store.temp_table("cm_tmp_rf_tokens", self._rf_tokens(), distinct=True)
        store.temp_table("cm_tmp_rule_payer", named_payers.join(
            pl.DataFrame({"movement_id": ids}, schema={"movement_id": pl.Int64}),
            on="movement_id", how="semi"))
        for sql in candidates.before_payers_sqls():
            store.execute(sql)
        store.temp_table("cm_tmp_name_payer", named_in_text(store.frame(
            candidates.NAME_HITS_SQL)))
        self.duplicates.update(store.rows(_DUPLICATES_SQL))
        for sql in candidates.pairs_sqls(rules):
            store.execute(sql)
        store.execute(_TEXT_FACTS_SQL)
        return store.frame(_PAIRS_WITH_FACTS_SQL)

    def _ibans_in_text(self) -> None:
        """A movement without a payer IBAN whose text holds one (a Dutch ``/IBAN/…/``, a
        bank that writes everything in one description) is given it."""
        import polars as pl

        rows = self.store.rows(_IBAN_WORDS_SQL)
        found = [(mid, iban) for mid, words in rows for iban in words if normalize.iban_valid(iban)]
        if not found:
            return
        frame = pl.DataFrame(found, schema={"movement_id": pl.Int64, "iban": pl.String},
                             orient="row").unique("movement_id", keep="first")
        with self.store.registered("__cm_text_iban", frame):
            self.store.execute(_SET_TEXT_IBAN_SQL)

    def _rf_tokens(self) -> pl.DataFrame:
        """Decoded ISO 11649 references of the batch's movements."""
        import polars as pl

        rows = self.store.rows(
            f"SELECT m.movement_id, {MOVEMENT_TEXT} FROM cm_tmp_movements m "
            f"WHERE regexp_matches({MOVEMENT_TEXT}, 'RF ?[0-9]{{2}}')")
        found = [(mid, body) for mid, text in rows for body in rf_bodies(text)]
        return pl.DataFrame(found, schema={"movement_id": pl.Int64, "tok": pl.String},
                            orient="row")

    def movement_rows(self, ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
        """The run's movements (or these ``ids`` of them) as the engine read them, by id."""
        import polars as pl

        if ids is None:
            rows = self.store.dicts("SELECT * FROM cm_tmp_run_movements ORDER BY movement_id")
        else:
            with self.store.registered("__cm_wanted", pl.DataFrame(
                    {"movement_id": ids}, schema={"movement_id": pl.Int64})):
                rows = self.store.dicts("SELECT * FROM cm_tmp_run_movements SEMI JOIN "
                                        "__cm_wanted USING (movement_id) ORDER BY movement_id")
        return {r["movement_id"]: r for r in rows}

    def posting_facts(self) -> pl.DataFrame:
        """What posting needs of the run's movements (one row each)."""
        return self.store.frame(_POSTING_FACTS_SQL)

    def item_facts(self, item_ids: list[str]) -> pl.DataFrame:
        """What posting needs of the open items ``item_ids``."""
        import polars as pl

        with self.store.registered("__cm_posted_items", pl.DataFrame(
                {"item_id": item_ids}, schema={"item_id": pl.String})):
            return self.store.frame(_ITEM_FACTS_SQL)


#: How like a party's name a text must be (rapidfuzz partial ratio) to name it, when it holds
#: neither the whole name nor its first :data:`NAME_CUT_MIN` letters.
NAME_TEXT_MIN = 90
#: A name cut by a bank still names its party from this many letters on.
NAME_CUT_MIN = 12


def named_in_text(hits: pl.DataFrame) -> pl.DataFrame:
    """The payers a text names (``movement_id``, ``party_id``, ``same``) among the parties
    whose name keys it holds (:data:`cashmatch.match.candidates.NAME_HITS_SQL`): the whole
    name without spaces, or its first :data:`NAME_CUT_MIN`+ letters (``same``: the party's
    own name, whole or cut), else a name at least :data:`NAME_TEXT_MIN` % like it (a typo on
    either side). The payer-name field is the party's own only when it is that name (see
    :data:`cashmatch.match.candidates.PAYER_SQL`): "DUPONT ET FILS DISTRIBUTION" may be
    another company than "Dupont et Fils", so a name held there among other words is only
    like it. Only the best-named parties of each movement are kept."""
    import polars as pl
    from rapidfuzz import fuzz, process

    schema = {"movement_id": pl.Int64, "party_id": pl.String, "same": pl.Boolean}
    if hits.height == 0:
        return pl.DataFrame(schema=schema)
    compact = hits.get_column("compact").to_list()
    remittance = hits.get_column("remittance_words").to_list()
    held = [_held_length(c, w.replace(" ", ""), n, w) for c, n, w in zip(
        compact, hits.get_column("name"), remittance, strict=True)]
    like = process.cpdist(compact, [w.replace(" ", "") for w in hits.get_column("words")],
                          scorer=fuzz.partial_ratio, workers=1)
    scored = hits.select("movement_id", "party_id").with_columns(
        pl.Series("held", held, dtype=pl.Int64), pl.Series("score", like).round(0)
        .cast(pl.Int64), pl.Series("long", [len(c) >= 6 for c in compact]))
    same = pl.col("held") > 0
    kept = scored.filter(same | (pl.col("long") & (pl.col("score") >= NAME_TEXT_MIN)))
    # the most of a name found wins: "ETABLISSEMENTS BRUN ET FILS C" names "Établissements
    # Brun et Fils Conseil", not "Établissements Brun"
    best = pl.col("held") * 1000 + pl.col("score")
    return (kept.filter(best >= best.max().over("movement_id") - 2)
            .select("movement_id", "party_id", same.alias("same")))


def _held_length(compact: str, text: str, name: str, words: str) -> int:
    """How many letters of the party's name (without spaces) the text holds: all of them
    (a short name only as whole words: "LOWES", not inside "SLOWEST"), or its first
    :data:`NAME_CUT_MIN` or more reaching past its first word (a name a bank cut; a first
    word alone, "AANNEMERSBEDRIJF", names a trade, not a party); 0 otherwise."""
    if len(compact) >= 6 and compact in text:
        return len(compact)
    if len(compact) >= 3 and f" {name} " in f" {words} ":
        return len(compact)
    shortest = max(NAME_CUT_MIN, len(name.split(" ", 1)[0]) + 2)
    return next((n for n in range(len(compact) - 1, shortest - 1, -1)
                 if compact[:n] in text), 0)

