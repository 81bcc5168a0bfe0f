"""References and names as matching sees them.

- ISO 11649 creditor references (``RF`` + 2 check digits + up to 21 characters): validated with
  ISO 7064 MOD 97-10 and decoded to the reference they carry, so ``RF21FA20240012`` matches
  invoice ``FA-2024-0012``.
- Party names: upper case, accents and punctuation removed, legal forms (SARL, SAS, GmbH,
  Ltd...) dropped wherever they stand, so ``Dupont S.A.R.L.`` and ``SARL DUPONT`` compare equal.
"""

from __future__ import annotations

import re
import unicodedata

_RF_RE = re.compile(r"\bRF\s?(\d{2})((?:\s?[A-Z0-9]){1,21})\b")

LEGAL_FORMS = frozenset("""
SA SAS SASU SARL EURL SNC SCI SCA SCOP SCS SEM SELARL SELAS GIE EI EIRL SC
LTD LIMITED PLC INC INCORPORATED LLC LLP CORP CORPORATION CO COMPANY
GMBH AG KG OHG UG EV BV NV VOF SPA SRL SL SLU SAU OY AB AS APS SPRL BVBA ASBL
""".split())


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


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalise_name(name: str | None) -> str:
    """Comparable form of a party name: ``"Dupont S.A.R.L."`` → ``"DUPONT"``.

    Same result as :func:`name_sql` computes in DuckDB (a test holds them together)."""
    if not name:
        return ""
    text = re.sub(r"[^A-Z0-9 ]", "", strip_accents(name.replace("&", " ET ")).upper())
    words = text.split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def name_sql(expr: str) -> str:
    """DuckDB expression computing :func:`normalise_name` of the SQL expression ``expr``."""
    base = (f"regexp_replace(upper(strip_accents(replace(coalesce({expr}, ''), '&', ' ET '))), "
            "'[^A-Z0-9 ]', '', 'g')")
    forms = "|".join(sorted(LEGAL_FORMS))
    stripped = f"regexp_replace(' ' || {base} || ' ', ' (({forms}) )+', ' ', 'g')"
    # a legal form followed by another one: run twice so that "SA SARL" both go
    stripped = f"regexp_replace({stripped}, ' (({forms}) )+', ' ', 'g')"
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
