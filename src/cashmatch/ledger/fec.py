"""FEC (Fichier des Écritures Comptables, LPF art. L47 A / A47 A-1): writer and checker.

The writer turns the journal (one row per journal line, see
:func:`cashmatch.ledger.export.journal_frame`) into the 18 mandatory columns, in order: tab or pipe
separated, dates ``AAAAMMJJ``, amounts with a decimal comma and no thousands separator, free
text cleaned of separators, tabs and line breaks, one line per journal line. Lettrage goes to
``EcritureLet`` / ``DateLet``: the code in capitals once the group nets to zero (with the date
of its last line), in lower case while it is partial (no date). The file is UTF-8 without a
byte-order mark, CRLF between lines, as the description accompanying the file must state.

:func:`export_fec` writes one fiscal year: the entries dated in it, journal by journal in
number order (numbers follow the entries' dates and their validation, see
:mod:`cashmatch.ledger.journal`); the entries outside it are left out and counted.
``PieceDate`` is the date of the bank movement, ``ValidDate`` the day the entry was written
(entries are never edited: they are validated when written).

The checker reads any FEC file and lists every problem it finds (header, field count, dates,
amounts, debit/credit exclusivity, balance per entry, continuous numbering per journal, entry
dates and validation dates in numbering order per journal, no entry after the closing date,
DateLet present exactly when EcritureLet is, file name ``<SIREN>FEC<AAAAMMJJ>`` with a valid
SIREN).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashmatch.config import Rules
from cashmatch.errors import InputError, Location
from cashmatch.store import Store

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
           "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
           "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise")

#: Labels of the accounts cashmatch posts to (French PCG); others fall back to their class.
ACCOUNT_LABELS = {
    "164": "Emprunts auprès des établissements de crédit", "401": "Fournisseurs",
    "411": "Clients", "4191": "Clients - avances et acomptes reçus",
    "421": "Personnel - rémunérations dues", "431": "Sécurité sociale",
    "437": "Autres organismes sociaux", "444": "État - impôts sur les bénéfices",
    "4455": "TVA à décaisser", "44566": "TVA sur autres biens et services",
    "44571": "TVA collectée", "447": "Autres impôts, taxes et versements assimilés",
    "467": "Autres comptes débiteurs ou créditeurs", "471": "Compte d'attente",
    "5115": "Cartes bancaires à l'encaissement", "512": "Banques",
    "580": "Virements internes", "613": "Locations",
    "627": "Services bancaires et assimilés", "656": "Pertes de change sur créances et dettes",
    "658": "Charges diverses de gestion courante", "661": "Charges d'intérêts",
    "665": "Escomptes accordés", "756": "Gains de change sur créances et dettes",
    "758": "Produits divers de gestion courante", "768": "Autres produits financiers",
}

_NAME_RE = re.compile(r"^\d{9}FEC\d{8}(\.\w+)?$")
_AMOUNT_RE = re.compile(r"^-?\d+(,\d+)?$")


def account_label(account: str) -> str:
    """The PCG label of the longest known prefix of ``account``."""
    for n in range(len(account), 2, -1):
        if account[:n] in ACCOUNT_LABELS:
            return ACCOUNT_LABELS[account[:n]]
    return f"Compte {account}"


def is_siren(text: str) -> bool:
    """True for a SIREN: 9 digits whose Luhn checksum is right."""
    if not re.fullmatch(r"\d{9}", text):
        return False
    total = 0
    for position, digit in enumerate(int(c) for c in reversed(text)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def file_name(siren: str, closing: date) -> str:
    """``<SIREN>FEC<AAAAMMJJ>.txt`` with the fiscal year's closing date."""
    if not re.fullmatch(r"\d{9}", siren):
        raise InputError(Location("--siren"), f"{siren!r} is not a SIREN (9 digits)")
    if not is_siren(siren):
        raise InputError(Location("--siren"), f"{siren!r} is not a SIREN (its check digit, "
                                              "by the Luhn formula, is wrong)")
    return f"{siren}FEC{closing:%Y%m%d}.txt"


def fec_path(output: Path, siren: str, closing: date) -> Path:
    """The legal file name inside the folder ``output``, which is created when its parent
    exists; a missing parent, or a file where the folder should be, is an
    :class:`InputError` (nothing is written under another name)."""
    name = file_name(siren, closing)
    if output.exists() and not output.is_dir():
        raise InputError(Location(str(output)), "is a file: -o names the folder the FEC "
                                                f"({name}) is written into")
    if not output.exists():
        if not output.parent.is_dir():
            raise InputError(Location(str(output)), f"the folder {output.parent} does not "
                                                    "exist")
        try:
            output.mkdir()
        except OSError as exc:
            raise InputError(Location(str(output)), f"cannot create the folder: "
                                                    f"{exc.strerror}") from exc
    return output / name


@dataclass(frozen=True, slots=True)
class FecExport:
    """What :func:`export_fec` wrote: the file, its lines, the entries in the fiscal year
    and those left out (dated before its first day or after its closing date)."""

    path: Path
    lines: int
    entries: int
    before: int
    after: int
    first_day: date
    closing: date


@dataclass(frozen=True, slots=True)
class FecFile:
    """The FEC of one fiscal year (:func:`fec_file`): its legal ``name``
    (``<SIREN>FEC<AAAAMMJJ>.txt``), its ``text``, its ``lines`` (journal lines), the
    ``entries`` of the fiscal year and those left out, dated ``before`` its ``first_day`` or
    ``after`` its ``closing`` date."""

    siren: str
    name: str
    text: str
    lines: int
    entries: int
    before: int
    after: int
    first_day: date
    closing: date

    def save(self, output: Path) -> FecExport:
        """Write the file into the folder ``output`` (see :func:`fec_path`)."""
        path = fec_path(output, self.siren, self.closing)
        path.write_bytes(self.text.encode("utf-8"))
        return FecExport(path, self.lines, self.entries, self.before, self.after,
                         self.first_day, self.closing)


def fec_file(store: Store, rules: Rules, siren: str, closing: date,
             first_day: date | None = None, sep: str = "\t") -> FecFile:
    """The FEC of the fiscal year ending ``closing`` (starting ``first_day``, by default the
    day after the same date a year before): the entries dated in it, nothing written."""
    start = _first_day(closing, first_day)
    name = file_name(siren, closing)
    kept, before, after = _fiscal_year(store, start, closing)
    lines = fec_lines(kept, rules.journal_labels(), sep)
    return FecFile(siren, name, "\r\n".join(lines), len(lines) - 1,
                   kept.get_column("entry_number").n_unique(), before, after, start, closing)


def export_fec(store: Store, rules: Rules, output: Path, siren: str, closing: date,
               first_day: date | None = None, sep: str = "\t") -> FecExport:
    """Write the FEC of the fiscal year ending ``closing`` (see :func:`fec_file`) into the
    folder ``output``."""
    return fec_file(store, rules, siren, closing, first_day, sep).save(output)


def _first_day(closing: date, first_day: date | None) -> date:
    start = first_day or _year_before(closing)
    if start > closing:
        raise InputError(Location("--year-start"), f"{start} is after the closing date "
                                                   f"{closing}")
    return start


def _fiscal_year(store: Store, start: date, closing: date) -> tuple[pl.DataFrame, int, int]:
    """The journal lines of the entries dated ``start`` to ``closing``, and how many entries
    are left out before and after."""
    import polars as pl

    from cashmatch.ledger.export import journal_frame

    journal = journal_frame(store)
    dates = journal.group_by("entry_number").agg(pl.col("entry_date").first())
    return (journal.filter(pl.col("entry_date").is_between(start, closing)),
            dates.filter(pl.col("entry_date") < start).height,
            dates.filter(pl.col("entry_date") > closing).height)


def _year_before(closing: date) -> date:
    """The first day of a twelve-month fiscal year closing on ``closing``."""
    try:
        previous = closing.replace(year=closing.year - 1)
    except ValueError:  # 29 February
        previous = closing.replace(year=closing.year - 1, day=28)
    return previous + timedelta(days=1)


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


def fec_lines(journal: pl.DataFrame, labels: dict[str, str], sep: str = "\t") -> list[str]:
    """The FEC lines (header first) of a journal frame from :func:`export.journal_frame`,
    journal by journal in number order; ``labels``: each journal code's ``JournalLib``."""
    out = [sep.join(COLUMNS)]
    ordered = journal.sort("journal", journal.get_column("entry_number").str.len_chars(),
                           "entry_number", "line_no", maintain_order=True)
    for r in ordered.iter_rows(named=True):
        code = r["lettrage_code"] or ""
        if code and r["lettrage_state"] != "full":
            code = code.lower()
        foreign = r["currency"] != "EUR"
        fields = [
            r["journal"], labels.get(r["journal"], r["journal"]), r["entry_number"],
            _day(r["entry_date"]), r["account"],
            account_label(r["account"]), r["aux_account"] or "", r["aux_label"] or "",
            r["piece_ref"] or "-", _day(r["piece_date"]), r["label"] or "/",
            _amount(r["debit"]), _amount(r["credit"]), code,
            _day(r["lettrage_date"]) if code and r["lettrage_state"] == "full" else "",
            _day(r["created_at"]),
            _amount(r["debit"] if r["debit"] != "0.00" else "-" + r["credit"]) if foreign else "",
            r["currency"] if foreign else "",
        ]
        out.append(sep.join(_clean(f, sep) for f in fields))
    return out


def write_fec(journal: pl.DataFrame, path: Path, labels: dict[str, str],
              sep: str = "\t") -> int:
    """Write the FEC file; returns the number of journal lines written."""
    lines = fec_lines(journal, labels, sep)
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
    closing = _name_problems(path, problems)
    lines = _read_lines(path)
    if not lines:
        return [*problems, FecProblem(None, "the file is empty")]
    header = lines[0]
    sep = "\t" if "\t" in header else "|"
    if header.split(sep) != list(COLUMNS):
        problems.append(FecProblem(1, "the header is not the 18 FEC column names in order"))
    entries: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    numbers: dict[str, list[tuple[str, str, str, int]]] = defaultdict(list)
    for n, line in enumerate(lines[1:], start=2):
        fields = line.split(sep)
        if len(fields) != len(COLUMNS):
            problems.append(FecProblem(n, f"{len(fields)} fields instead of 18"))
            continue
        row = dict(zip(COLUMNS, fields, strict=True))
        debit, credit = _line_problems(row, n, closing, problems)
        key = (row["JournalCode"], row["EcritureNum"])
        entries[key][0] += debit
        entries[key][1] += credit
        seen = numbers[row["JournalCode"]]
        if not seen or seen[-1][0] != row["EcritureNum"]:
            seen.append((row["EcritureNum"], row["EcritureDate"], row["ValidDate"], n))
    for (journal, number), (debit, credit) in entries.items():
        if debit != credit:
            problems.append(FecProblem(None, f"entry {journal} {number} does not balance: debit "
                                             f"{debit}, credit {credit}"))
    for journal, seen in numbers.items():
        problems.extend(_order_problems(journal, seen))
    return problems


def _name_problems(path: Path, problems: list[FecProblem]) -> date | None:
    """The file name's problems; returns the closing date it gives."""
    if not _NAME_RE.match(path.name):
        problems.append(FecProblem(None, f"file name {path.name!r} is not <SIREN>FEC<AAAAMMJJ>"))
        return None
    if not is_siren(path.name[:9]):
        problems.append(FecProblem(None, f"file name {path.name!r}: {path.name[:9]} is not a "
                                         "SIREN (its Luhn check digit is wrong)"))
    try:
        return datetime.strptime(path.name[12:20], "%Y%m%d").date()
    except ValueError:
        problems.append(FecProblem(None, f"file name {path.name!r}: the closing date is not "
                                         "a date"))
        return None


def _read_lines(path: Path) -> list[str]:
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
    return lines


def _line_problems(row: dict[str, str], n: int, closing: date | None,
                   problems: list[FecProblem]) -> tuple[Decimal, Decimal]:
    """One line's problems; returns its debit and credit."""
    for col in ("EcritureDate", "PieceDate", "ValidDate", "DateLet"):
        value = row[col]
        if value or col in ("EcritureDate", "ValidDate"):
            try:
                day = datetime.strptime(value, "%Y%m%d").date()
            except ValueError:
                problems.append(FecProblem(n, f"{col} {value!r} is not a date AAAAMMJJ"))
                continue
            if col == "EcritureDate" and closing is not None and day > closing:
                problems.append(FecProblem(n, f"EcritureDate {value} is after the closing "
                                              f"date {closing:%Y%m%d} of the file name"))
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
    return debit, credit


def _order_problems(journal: str, seen: list[tuple[str, str, str, int]]) -> list[FecProblem]:
    """A journal's entries (number, EcritureDate, ValidDate, first line) in file order: each
    number in one place, continuous and increasing, and the entry dates and the validation
    dates never going back as the numbers go up."""
    problems = []
    nums = [s[0] for s in seen]
    if len(set(nums)) != len(nums):
        problems.append(FecProblem(None, f"journal {journal}: an entry number appears in two "
                                         "places"))
    digits = [int(m.group()) for m in (re.search(r"\d+$", x) for x in nums) if m]
    if digits and digits != list(range(digits[0], digits[0] + len(digits))):
        problems.append(FecProblem(None, f"journal {journal}: entry numbers are not "
                                         "continuous and increasing"))
    for column, index in (("EcritureDate", 1), ("ValidDate", 2)):
        late = [(a, b) for a, b in pairwise(seen) if b[index] < a[index]]
        for before, after in late[:10]:
            problems.append(FecProblem(after[3], f"journal {journal}: entry {after[0]} has "
                                                 f"{column} {after[index]}, before the "
                                                 f"{before[index]} of entry {before[0]}"))
        if len(late) > 10:
            problems.append(FecProblem(None, f"journal {journal}: {len(late) - 10} more "
                                             f"entries with a {column} out of order"))
    return problems


def check_fec_upload(name: str, data: bytes) -> list[FecProblem]:
    """:func:`check_fec` of a file received as ``name`` and its content (an HTTP upload)."""
    from cashmatch.ingest.uploads import received

    with received([(name, data)]) as got:
        return [FecProblem(p.line, got.name(p.message)) for p in check_fec(got.paths[0])]

