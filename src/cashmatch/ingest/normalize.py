"""The one place where raw text from a file becomes a key that matching compares.

Parsers and the items import hand raw strings over; nothing else strips, folds or
upper-cases. Each key has one definition here:

- **IBAN** (:func:`iban`): whitespace removed, upper case. :func:`iban_expr` is the same key
  over a polars column; ``tests/ingest/test_normalize.py`` feeds both the same inputs.
- **text key** (:func:`text_key_sql`): what references and texts are compared as — accents
  folded, upper case, every character but ``A-Z0-9`` dropped, so ``FACTÉ-2026/0042`` and
  ``facte 2026 0042`` are both ``FACTE20260042``, on the item side and on the movement side.
- **party name** (:func:`name_sql`): upper case, accents and punctuation removed, ``&`` read
  as ``ET``, legal forms (SARL, SAS, GmbH, Ltd...) dropped wherever they stand, so
  ``Dupont S.A.R.L.`` and ``SARL DUPONT`` compare equal.
- **item keys** (:data:`ITEM_KEYS`): what the candidate rules look items up by, derived once
  when items are stored (reference key, numeric tails, normalised party name) and the
  one-typo keys of each reference (:func:`typo_keys_sql`).
- **ISO 11649 creditor references** (:func:`rf_bodies`): validated with ISO 7064 MOD 97-10 and
  decoded to the reference they carry, so ``RF21FA20240012`` designates ``FA-2024-0012``.

Keys that the store computes are SQL (DuckDB) expressions: they run where the rows are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cashmatch.ingest import periods

if TYPE_CHECKING:
    import polars as pl

# -- IBAN ------------------------------------------------------------------------------------


def iban(text: str | None) -> str | None:
    """An account number as compared and stored: whitespace removed, upper case; None when
    nothing is left."""
    if text is None:
        return None
    compact = "".join(text.split()).upper()
    return compact or None


def iban_valid(text: str) -> bool:
    """True for an IBAN with correct check digits (ISO 13616, MOD 97-10)."""
    compact = iban(text) or ""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", compact):
        return False
    return mod97(compact[4:] + compact[:4]) == 1


def iban_expr(column: pl.Expr) -> pl.Expr:
    """:func:`iban` over a column of texts."""
    import polars as pl

    compact = column.str.replace_all(r"\s", "").str.to_uppercase()
    return pl.when(compact != "").then(compact)


# -- text and reference keys -----------------------------------------------------------------


def text_key_sql(expr: str) -> str:
    """DuckDB expression: the text key of the SQL expression ``expr`` (accents folded, upper
    case, only ``A-Z0-9`` kept; '' for null)."""
    return f"regexp_replace(upper(strip_accents(coalesce({expr}, ''))), '[^A-Z0-9]', '', 'g')"


def folded_sql(expr: str) -> str:
    """DuckDB expression: ``expr`` (not null) upper case with accents folded, German umlauts,
    ß and the ligatures written out as banks write them where their character set has none
    ("König" → "KOENIG", "Straße" → "STRASSE", "Œuvre" → "OEUVRE"), so that a name reads
    the same either way."""
    out = f"upper({expr})"
    for letter, written in (("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ß", "SS"), ("ẞ", "SS"),
                            ("Œ", "OE"), ("Æ", "AE")):
        out = f"replace({out}, '{letter}', '{written}')"
    return f"upper(strip_accents({out}))"


def words_sql(expr: str) -> str:
    """DuckDB expression: ``expr`` folded (:func:`folded_sql`), for splitting into words
    (``[A-Z0-9]+`` runs)."""
    return folded_sql(f"coalesce({expr}, '')")


# -- party names -----------------------------------------------------------------------------

LEGAL_FORMS = frozenset(["SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCI", "SCA", "SCOP", "SCS", "SEM", "SELARL", "SELAS", "GIE", "CIE", "COMPAGNIE", "EI", "EIRL", "SC", "LTD", "LIMITED", "PLC", "INC", "INCORPORATED", "LLC", "LLP", "CORP", "CORPORATION", "CO", "COMPANY", "GMBH", "AG", "KG", "OHG", "UG", "EV", "BV", "NV", "VOF", "SPA", "SRL", "SL", "SLU", "SAU", "OY", "AB", "AS", "APS", "SPRL", "BVBA", "ASBL"])


def name_sql(expr: str) -> str:
    """DuckDB expression: the normalised party name of the SQL expression ``expr``
    (``"Dupont S.A.R.L."`` → ``"DUPONT"``; a name made only of legal forms keeps them)."""
    joined = f"replace(coalesce({expr}, ''), '&', ' ET ')"
    base = f"regexp_replace({folded_sql(joined)}, '[^A-Z0-9 ]', '', 'g')"
    forms = "|".join(sorted(LEGAL_FORMS))
    stripped = f"regexp_replace(' ' || {base} || ' ', ' (({forms}) )+', ' ', 'g')"
    # a legal form followed by another one: run twice so that "SA SARL" both go; the "&" of
    # "& Co. KG" is left alone at the end
    stripped = f"regexp_replace({stripped}, ' (({forms}) )+', ' ', 'g')"
    stripped = f"regexp_replace({stripped}, ' ET\\s+$', ' ')"
    squeeze = "trim(regexp_replace({}, '\\s+', ' ', 'g'))"
    return (f"CASE WHEN {squeeze.format(stripped)} = '' THEN {squeeze.format(base)} "
            f"ELSE {squeeze.format(stripped)} END")


def names_once_sql(values: str) -> str:
    """``raw``, ``name``: :func:`name_sql` of each distinct non-null value of ``values``, a
    query of one column. Payer and party names repeat (a customer pays every month) and the
    normalisation is several regular expressions: join this back rather than normalise every
    row. Put it in a ``MATERIALIZED`` CTE, or the optimiser may move the normalisation back
    onto the rows a filter on ``name`` sees."""
    return (f"SELECT raw, {name_sql('raw')} AS name "
            f"FROM (SELECT DISTINCT raw FROM ({values}) AS v(raw) WHERE raw IS NOT NULL)")


# -- item keys -------------------------------------------------------------------------------

#: Keys of an item, computed when it is stored (``i`` = the row: item_id, reference,
#: party_name), in this order (``ref_norm`` first: the tails read it).
ITEM_KEYS = {
    # the reference (or the id) as a text key
    "ref_norm": text_key_sql("coalesce(i.reference, i.item_id)"),
    # the last group of digits of the reference as written ("FA-2026-004512" → 4512)
    "ref_tail": "ltrim(regexp_extract(upper(coalesce(i.reference, i.item_id)), "
                "'([0-9]+)[^0-9]*$', 1), '0')",
    # a long run of digits without separators ("FA2026004512") also answers to its last 6
    "ref_tail_short": "CASE WHEN length(regexp_extract(ref_norm, '([0-9]+)$', 1)) >= 8 "
                      "THEN ltrim(right(regexp_extract(ref_norm, '([0-9]+)$', 1), 6), '0') "
                      "END",
    "name_norm": name_sql("i.party_name"),
    # every digit of the reference, leading zeros dropped: "CHK-4968" answers to "CHECK #4968"
    # and "CHEQUE 0004968", "FA-2026-004512" to "2026 004512"
    "ref_digits": "ltrim(regexp_replace(ref_norm, '[^0-9]', '', 'g'), '0')",
    # the months and instalments ("2/3") its description names, and early-payment terms
    # written in it
    "desc_months": periods.months_sql(words_sql("i.description")),
    "desc_instalments": periods.instalments_sql(words_sql("i.description")),
    "terms_days": periods.terms_days_sql(words_sql("i.description")),
    "terms_rate": periods.terms_rate_sql(words_sql("i.description")),
}


def typo_keys_sql(source: str) -> str:
    """One-typo keys (symmetric delete), as ``(item_id, k)``: the reference key, and it with
    one character deleted, of each item of ``source`` (a table, view or CTE with item_id,
    ref_norm). A reference and a word one typo apart (a character substituted, inserted,
    dropped, or two neighbours swapped) share a key."""
    return f"""
SELECT item_id, ref_norm AS k FROM {source} WHERE length(ref_norm) >= 6
UNION
SELECT item_id, substr(ref_norm, 1, p - 1) || substr(ref_norm, p + 1)
FROM {source}, range(1, 41) r(p)
WHERE length(ref_norm) >= 6 AND p <= length(ref_norm)
"""


# -- ISO 11649 creditor references -----------------------------------------------------------

_RF_RE = re.compile(r"\bRF\s?(\d{2})((?:\s?[A-Z0-9]){1,21})\b")


def mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 of an alphanumeric string (letters count A=10 … Z=35)."""
    return int("".join(str(int(ch, 36)) for ch in text)) % 97


def rf_is_valid(ref: str) -> bool:
    """True for a well-formed ISO 11649 reference with correct check digits."""
    compact = "".join(ref.split()).upper()
    if not re.fullmatch(r"RF\d{2}[A-Z0-9]{1,21}", compact):
        return False
    return mod97(compact[4:] + compact[:4]) == 1


def rf_encode(reference: str) -> str:
    """The RF reference carrying ``reference`` (its letters and digits)."""
    body = "".join(ch for ch in reference.upper() if ch.isalnum())
    return f"RF{98 - mod97(body + 'RF00'):02d}{body}"


def rf_bodies(text: str) -> list[str]:
    """The references carried by every valid RF reference in ``text`` (spaces allowed)."""
    out = []
    for m in _RF_RE.finditer(text.upper()):
        candidate = "RF" + m.group(1) + m.group(2).replace(" ", "")
        # the greedy body may have swallowed a following word: shorten until valid
        while len(candidate) > 4 and not rf_is_valid(candidate):
            candidate = candidate[:-1]
        if len(candidate) > 4:
            out.append(candidate[4:])
    return out
