"""Periods and dates named in a text, as SQL over a column of words (accents folded, upper
case: :func:`cashmatch.ingest.normalize.words_sql`).

A payment that says "ABONNEMENT DECEMBRE", "Miete März", "cuota enero", "SEMAINE 12",
"KW 12", "FACTURE DU 15/01/2026" or "ECHEANCE 2/3" tells which of several identical items
it pays; an item
says which period it is for by its dates and its description. Month names are read in French,
English, German, Spanish, Italian and Dutch (full names and the usual abbreviations, as
whole words); weeks as ``SEMAINE|SEM|WEEK|WK|KW|WOCHE|SEMANA|SETTIMANA N``; dates as
``DD/MM/YYYY``, ``DD.MM.YYYY``, ``DD-MM-YYYY`` (two-digit years read as 20YY) and
``YYYY-MM-DD``.
"""

from __future__ import annotations

#: Month names and abbreviations (accents folded, upper case) → month number.
MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
        "JANVIER JANV JANUARY JAN JANUAR ENERO GENNAIO JANUARI",
        "FEVRIER FEVR FEV FEBRUARY FEB FEBRUAR FEBRERO FEBBRAIO FEBRUARI",
        "MARS MARCH MAR MARZ MAERZ MARZO MAART",
        "AVRIL AVR APRIL APR ABRIL APRILE",
        "MAI MAY MAYO MAGGIO MEI",
        "JUIN JUNE JUN JUNI JUNIO GIUGNO",
        "JUILLET JUIL JULY JUL JULI JULIO LUGLIO",
        "AOUT AUGUST AUG AGOSTO AUGUSTUS",
        "SEPTEMBRE SEPT SEPTEMBER SEP SEPTIEMBRE SETTEMBRE",
        "OCTOBRE OCT OCTOBER OKTOBER OCTUBRE OTTOBRE",
        "NOVEMBRE NOV NOVEMBER NOVIEMBRE",
        "DECEMBRE DECEMBER DEC DEZEMBER DICIEMBRE DICEMBRE"), start=1):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH_RE = r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b"
_WEEK_RE = r"\b(?:SEMAINE|SEM|WEEK|WK|KW|WOCHE|SEMANA|SETTIMANA)\s?N?O?\.?\s?(\d{1,2})\b"
_DMY_RE = r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b"
_YMD_RE = r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"


def months_sql(words: str) -> str:
    """The months (1–12) named in ``words``, as a list."""
    cases = " ".join(f"WHEN '{name}' THEN {n}" for name, n in MONTHS.items())
    return (f"list_transform(regexp_extract_all({words}, '{_MONTH_RE}', 1), "
            f"lambda x: CASE x {cases} END)")


def weeks_sql(words: str) -> str:
    """The week numbers named in ``words`` ("SEMAINE 12", "KW12"), as a list."""
    return (f"list_transform(regexp_extract_all({words}, '{_WEEK_RE}', 1), "
            f"lambda x: CAST(x AS INTEGER))")


def instalments_sql(words: str) -> str:
    """The instalments named in ``words`` ("ECHEANCE 2/3", "cuota 3 / 6") as ``'k/n'`` texts
    (k from 1 to n, n from 2 to 60), dates left out ("12/03/2026" is no instalment)."""
    undated = f"regexp_replace({words}, '{_DMY_RE}', ' ', 'g')"
    return (f"list_filter(list_transform(regexp_extract_all({undated}, "
            "'\\b(\\d{1,2}) ?/ ?(\\d{1,2})\\b', 0), lambda x: replace(x, ' ', '')), "
            "lambda x: TRY_CAST(split_part(x, '/', 1) AS INTEGER) BETWEEN 1 "
            "AND TRY_CAST(split_part(x, '/', 2) AS INTEGER) "
            "AND TRY_CAST(split_part(x, '/', 2) AS INTEGER) BETWEEN 2 AND 60)")


def dates_sql(words: str) -> str:
    """The dates written in ``words``, as a list (impossible dates left out)."""
    slashed = "regexp_replace(x, '[.-]', '/', 'g')"
    dmy = (f"list_transform(regexp_extract_all({words}, '{_DMY_RE}', 0), lambda x: "
           f"CASE WHEN length(split_part({slashed}, '/', 3)) = 2 "
           f"THEN try_strptime({slashed}, '%d/%m/%y') "
           f"ELSE try_strptime({slashed}, '%d/%m/%Y') END::DATE)")
    ymd = (f"list_transform(regexp_extract_all({words}, '{_YMD_RE}', 0), "
           "lambda x: try_strptime(x, '%Y-%m-%d')::DATE)")
    return (f"list_filter(list_concat({dmy}, {ymd}), lambda d: d IS NOT NULL "
            "AND year(d) BETWEEN 2000 AND 2100)")


#: Early-payment terms written in an item's description: "Escompte 2 % si paiement sous 10
#: jours", "2% Skonto bei Zahlung innerhalb von 10 Tagen", "sconto 2% entro 10 giorni",
#: "2/10 net 30".
_TERMS_RE = (r"(\d{1,2}(?:[.,]\d{1,2})?)\s?%[^%]{0,60}?\b(\d{1,3})\s?"
             r"(?:J|JRS|JOURS|DAYS|D|TAGE|TAGEN|DIAS|GIORNI|GG|DAGEN)\b")
_NET_RE = r"\b(\d{1,2})\s?/\s?(\d{1,3})\s+NET\b"


def terms_days_sql(words: str) -> str:
    """The days of the discount period written in ``words`` (null when none)."""
    return (f"coalesce(TRY_CAST(nullif(regexp_extract({words}, '{_TERMS_RE}', 2), '') "
            f"AS INTEGER), TRY_CAST(nullif(regexp_extract({words}, '{_NET_RE}', 2), '') "
            f"AS INTEGER))")


def terms_rate_sql(words: str) -> str:
    """The discount rate written in ``words`` (0.02 for "2 %"; null when none)."""
    percent = (f"coalesce(nullif(regexp_extract({words}, '{_TERMS_RE}', 1), ''), "
               f"nullif(regexp_extract({words}, '{_NET_RE}', 1), ''))")
    return f"TRY_CAST(replace({percent}, ',', '.') AS DECIMAL(9, 6)) / 100"


#: A number the text introduces as an invoice's (or bill's, or credit note's): after
#: "FACTURE", "FACT", "FA", "INVOICE", "INV", "RECHNUNG", "RE", "RG", "FACTURA", "FATTURA",
#: "FT", "FACTUUR", "AVOIR", "BILL"..., possibly with "N°", "NR", "#" and a letter prefix.
_INVOICE_NUMBER_RE = (
    r"\b(?:FACTURES?|FACTS?|FAC|FCT|FA|AVOIRS?|AV|INVOICES?|INV|BILLS?|RECHNUNGS?(?:NR)?|"
    r"RE|RG|RGN|RNR|GUTSCHRIFT|FACTURAS?|FRA|ABONO|FATTURA|FATT|FT|FACTUUR|FACTUREN|"
    r"CREDITNOTA)\b[ .:#/°º-]*(?:NO|NR|NUM|N)?[ .:#/°º-]*(?:[A-Z]{1,4}[ ./-]?)?"
    r"(\d[\d ./-]*\d|\d)")


def invoice_numbers_sql(words: str) -> str:
    """The last group of digits (leading zeros dropped) of each number ``words`` introduces
    as an invoice number: what an item's ``ref_tail`` is compared with."""
    numbers = (f"list_filter(regexp_extract_all({words}, '{_INVOICE_NUMBER_RE}', 1), "
               f"lambda x: NOT regexp_matches(trim(x), '^{_DMY_RE[2:-2]}$'))")
    # (a transaction number of 13+ digits is no invoice's)
    return (f"list_filter(list_transform(list_filter({numbers}, lambda x: length("
            "regexp_replace(x, '[^0-9]', '', 'g')) <= 12), "
            "lambda x: ltrim(regexp_extract(x, '([0-9]+)[^0-9]*$', 1), '0')), "
            "lambda x: length(x) >= 2)")
