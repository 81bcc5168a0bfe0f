"""FEC (Fichier des Écritures Comptables, LPF art. L47 A / A47 A-1): writer and checker.

The writer turns the journal (one row per journal line, see
:func:`cashmatch.ledger.export.journal_frame`) into the 18 mandatory columns, in order: tab or pipe
separated, dates ``AAAAMMJJ``, amounts with a decimal comma and no thousands separator, free
text cleaned of separators, tabs and line breaks, one line per journal line. Lettrage goes to
``EcritureLet`` / ``DateLet``: the code in capitals once the group nets to zero (with the date
of its last line), in lower case while it is partial (no date). The file is UTF-8 without a
byte-order mark, CRLF between lines, as the description accompanying the file must state.

The checker reads any FEC file and lists every problem it finds (header, field count, dates,
amounts, debit/credit exclusivity, balance per entry, continuous numbering per journal,
DateLet present exactly when EcritureLet is, file name ``<SIREN>FEC<AAAAMMJJ>``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashmatch.errors import InputError, Location

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
           "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
           "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise")

#: Labels of the accounts cashmatch posts to (French PCG); others fall back to their class.
ACCOUNT_LABELS = {
    "401": "Fournisseurs", "411": "Clients", "4191": "Clients - avances et acomptes reçus",
    "44571": "TVA collectée", "471": "Compte d'attente", "512": "Banques",
    "627": "Services bancaires et assimilés", "656": "Pertes de change sur créances et dettes",
    "658": "Charges diverses de gestion courante", "665": "Escomptes accordés",
    "756": "Gains de change sur créances et dettes", "758": "Produits divers de gestion courante",
}

_NAME_RE = re.compile(r"^\d{9}FEC\d{8}(\.\w+)?$")
_AMOUNT_RE = re.compile(r"^-?\d+(,\d+)?$")


def account_label(account: str) -> str:
    """The PCG label of the longest known prefix of ``account``."""
    for n in range(len(account), 2, -1):
        if account[:n] in ACCOUNT_LABELS:
            return ACCOUNT_LABELS[account[:n]]
    return f"Compte {account}"


def file_name(siren: str, closing: date) -> str:
    """``<SIREN>FEC<AAAAMMJJ>.txt`` with the fiscal year's closing date."""
    if not re.fullmatch(r"\d{9}", siren):
        raise InputError(Location("--siren"), f"{siren!r} is not a SIREN (9 digits)")
    return f"{siren}FEC{closing:%Y%m%d}.txt"


def fec_path(output: Path, siren: str | None, closing: date | None) -> Path:
    """Where a FEC goes: ``output`` itself, or the legal file name inside ``output`` when it
    is a folder (which needs the SIREN and the closing date)."""
    if not output.is_dir():
        return output
    if not siren or not closing:
        raise InputError(Location(str(output)), "--siren and --year-end name the FEC file in "
                                                "a folder")
    return output / file_name(siren, closing)


def _clean(text: object, sep: str) -> str:
    if text is None:
        return ""
    return re.sub(r"[\t\r\n]+", " ", str(text)).replace(sep, "/").strip()


def _amount(text: str | None) -> str:
    """``"1250.00"`` → ``"1250,00"``."""
    return (text or "0.00").replace(".", ",")


def _day(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return f"{value:%Y%m%d}"


def fec_lines(journal: pl.DataFrame, journal_label: str, sep: str = "\t") -> list[str]:
    """The FEC lines (header first) of a journal frame from :func:`export.journal_frame`."""
    out = [sep.join(COLUMNS)]
    for r in journal.iter_rows(named=True):
        code = r["lettrage_code"] or ""
        if code and r["lettrage_state"] != "full":
            code = code.lower()
        foreign = r["currency"] != "EUR"
        fields = [
            r["journal"], journal_label, r["entry_number"], _day(r["entry_date"]), r["account"],
            account_label(r["account"]), r["aux_account"] or "", r["aux_label"] or "",
            r["piece_ref"] or "-", _day(r["entry_date"]), r["label"] or "/",
            _amount(r["debit"]), _amount(r["credit"]), code,
            _day(r["lettrage_date"]) if code and r["lettrage_state"] == "full" else "",
            _day(r["created_at"]),
            _amount(r["debit"] if r["debit"] != "0.00" else "-" + r["credit"]) if foreign else "",
            r["currency"] if foreign else "",
        ]
        out.append(sep.join(_clean(f, sep) for f in fields))
    return out


def write_fec(journal: pl.DataFrame, path: Path, journal_label: str, sep: str = "\t") -> int:
    """Write the FEC file; returns the number of journal lines written."""
    lines = fec_lines(journal, journal_label, sep)
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    return len(lines) - 1


@dataclass(frozen=True, slots=True)
class FecProblem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def check_fec(path: Path) -> list[FecProblem]:
    """Every problem of a FEC file, in file order (an empty list: the file passes)."""
    problems: list[FecProblem] = []
    if not _NAME_RE.match(path.name):
        problems.append(FecProblem(None, f"file name {path.name!r} is not <SIREN>FEC<AAAAMMJJ>"))
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-15")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return [*problems, FecProblem(None, "the file is empty")]
    header = lines[0]
    sep = "\t" if "\t" in header else "|"
    if header.split(sep) != list(COLUMNS):
        problems.append(FecProblem(1, "the header is not the 18 FEC column names in order"))
    entries: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    numbers: dict[str, list[str]] = defaultdict(list)
    for n, line in enumerate(lines[1:], start=2):
        fields = line.split(sep)
        if len(fields) != len(COLUMNS):
            problems.append(FecProblem(n, f"{len(fields)} fields instead of 18"))
            continue
        row = dict(zip(COLUMNS, fields, strict=True))
        for col in ("EcritureDate", "PieceDate", "ValidDate", "DateLet"):
            value = row[col]
            if value or col in ("EcritureDate", "ValidDate"):
                try:
                    datetime.strptime(value, "%Y%m%d")
                except ValueError:
                    problems.append(FecProblem(n, f"{col} {value!r} is not a date AAAAMMJJ"))
        amounts = []
        for col in ("Debit", "Credit"):
            if not _AMOUNT_RE.match(row[col]):
                problems.append(FecProblem(n, f"{col} {row[col]!r} is not an amount with a "
                                              "decimal comma"))
                amounts.append(Decimal(0))
                continue
            try:
                amounts.append(Decimal(row[col].replace(",", ".")))
            except InvalidOperation:
                amounts.append(Decimal(0))
        debit, credit = amounts
        if debit and credit:
            problems.append(FecProblem(n, "a line has both a debit and a credit"))
        if not row["CompteNum"][:3].isdigit():
            problems.append(FecProblem(n, f"CompteNum {row['CompteNum']!r} does not start with "
                                          "three digits"))
        for col in ("JournalCode", "EcritureNum", "CompteNum", "EcritureLib"):
            if not row[col]:
                problems.append(FecProblem(n, f"{col} is empty"))
        if bool(row["EcritureLet"]) != bool(row["DateLet"]) and row["EcritureLet"].isupper():
            problems.append(FecProblem(n, "a full lettrage code needs its DateLet"))
        if row["DateLet"] and not row["EcritureLet"]:
            problems.append(FecProblem(n, "DateLet without EcritureLet"))
        key = (row["JournalCode"], row["EcritureNum"])
        entries[key][0] += debit
        entries[key][1] += credit
        if not numbers[row["JournalCode"]] or numbers[row["JournalCode"]][-1] != row["EcritureNum"]:
            numbers[row["JournalCode"]].append(row["EcritureNum"])
    for (journal, number), (debit, credit) in entries.items():
        if debit != credit:
            problems.append(FecProblem(None, f"entry {journal} {number} does not balance: debit "
                                             f"{debit}, credit {credit}"))
    for journal, nums in numbers.items():
        if len(set(nums)) != len(nums):
            problems.append(FecProblem(None, f"journal {journal}: an entry number appears in "
                                             "two places"))
        digits = [int(m.group()) for m in (re.search(r"\d+$", x) for x in nums) if m]
        if digits and digits != list(range(digits[0], digits[0] + len(digits))):
            problems.append(FecProblem(None, f"journal {journal}: entry numbers are not "
                                             "continuous and increasing"))
    return problems


def check_fec_upload(name: str, data: bytes) -> list[FecProblem]:
    """:func:`check_fec` of a file received as ``name`` and its content (an HTTP upload)."""
    from cashmatch.ingest.uploads import received

    with received([(name, data)]) as got:
        return [FecProblem(p.line, got.name(p.message)) for p in check_fec(got.paths[0])]


def fec_text(journal: pl.DataFrame, journal_label: str, siren: str, closing: date,
             sep: str = "\t") -> tuple[str, str]:
    """The FEC file of ``journal`` as it is downloaded: its name (``<SIREN>FEC<AAAAMMJJ>``)
    and its text (CRLF between lines, as :func:`write_fec` writes it)."""
    return file_name(siren, closing), "\r\n".join(fec_lines(journal, journal_label, sep))
