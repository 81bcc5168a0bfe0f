from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.errors import ParseError
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.history import list_movements
from cashmatch.store import Store
from tests.conftest import movement


def _count(store: Store) -> int:
    return len(list_movements(store))


def test_import_twice_adds_nothing(store: Store, statements_file) -> None:
    f = statements_file(movement("10.00", "A", bank_ref="B1"), movement("20.00", "B"))
    first = import_statements(store, [f])
    assert (first.new, first.known) == (2, 0)
    second = import_statements(store, [f])
    assert (second.new, second.known) == (0, 2)
    assert _count(store) == 2


def test_a_file_of_known_movements_names_where_they_came_from(store: Store,
                                                             statements_file) -> None:
    """Issue 20: not "file already imported" (this file never was), but which files the
    movements were known from."""
    first = statements_file(movement("10.00", "A", bank_ref="B1"), movement("20.00", "B"))
    import_statements(store, [first])
    overlapping = statements_file(movement("20.00", "B"))
    (again,) = import_statements(store, [overlapping]).files
    assert again.note == f" (its movement is already known, from {first})"
    (both,) = import_statements(store, [first]).files
    assert both.note == f" (all 2 movements are already known, from {first})"
    grown = statements_file(movement("20.00", "B"), movement("30.00", "C"))
    assert import_statements(store, [grown]).files[0].note == ""


def test_overlapping_files_keep_identical_lines_once_each(store: Store, statements_file) -> None:
    same = movement("9.99", "CB CAFE", day="2026-02-01")
    a = statements_file(same, same, movement("1.00", "X", day="2026-02-01"))
    b = statements_file(same, same, same, movement("2.00", "Y", day="2026-02-02"))
    import_statements(store, [a])
    r = import_statements(store, [b])
    # two identical lines on one day are two movements; the third is new
    assert (r.new, r.known) == (2, 2)
    assert _count(store) == 5


def test_a_bad_file_stores_nothing(store: Store, statements_file, tmp_path: Path) -> None:
    good = statements_file(movement("10.00", "A"))
    bad = tmp_path / "bad.csv"
    bad.write_text("booking_date,amount\n2026-02-01,12.345\n")
    with pytest.raises(ParseError) as exc:
        import_statements(store, [good, bad])
    assert "bad.csv, line 2, column amount" in str(exc.value)
    assert _count(store) == 0


@pytest.mark.parametrize("content, expected", [
    ("booking_date,amount\n2026-02-30,1\n", "line 2, column booking_date: '2026-02-30' is not a date"),
    ("booking_date,amount\n2026-02-01,\n", "line 2, column amount: an amount is required"),
    ("booking_date,amount,currency\n2026-02-01,1,E\n", "'E' is not an ISO 4217 currency code"),
    ("booking_date,amount\n", "no movement rows"),
    ("", "unknown statement format: the file is empty"),
    ("hello world\n", "unknown statement format"),
])
def test_bad_statement_files(store: Store, tmp_path: Path, content: str, expected: str) -> None:
    f = tmp_path / "s.csv"
    f.write_text(content)
    with pytest.raises(ParseError) as exc:
        import_statements(store, [f])
    assert expected in str(exc.value) and str(f) in str(exc.value)
    assert _count(store) == 0


def test_csv_mapping_for_a_bank_export(store: Store, tmp_path: Path) -> None:
    from cashmatch.ingest.parsers.csv import load_mapping

    mapping = tmp_path / "bank.toml"
    mapping.write_text('delimiter = ";"\ndecimal = ","\ndate_format = "%d/%m/%Y"\n'
                       'encoding = "latin-1"\nbooking_date = "Date"\n'
                       'debit = "Débit"\ncredit = "Crédit"\ntext = ["Libellé"]\n'
                       'default_account = "FR76X"\n')
    data = tmp_path / "export.csv"
    data.write_bytes("Date;Libellé;Débit;Crédit\n03/02/2026;VIR RECU FACT FA-1;;1 250,00\n"
                     "04/02/2026;FRAIS;15,00;\n".replace("1 250,00", "1250,00").encode("latin-1"))
    r = import_statements(store, [data], mapping=load_mapping(mapping))
    assert r.new == 2
    rows = sorted((m["amount"], m["remittance"], m["account"]) for m in list_movements(store))
    assert rows == [(Decimal("-15.00"), "FRAIS", "FR76X"),
                    (Decimal("1250.00"), "VIR RECU FACT FA-1", "FR76X")]


def test_mapping_errors_are_all_reported(tmp_path: Path) -> None:
    from cashmatch.errors import ConfigError
    from cashmatch.ingest.parsers.csv import load_mapping

    f = tmp_path / "m.toml"
    f.write_text('decimal = ";"\nsign = "weird"\ncolour = 1\ndebit = "D"\n')
    with pytest.raises(ConfigError) as exc:
        load_mapping(f)
    assert len(exc.value.errors) == 4


def test_same_movement_from_another_export_is_a_suspected_duplicate(store, statements_file) -> None:
    from cashmatch.match.run import run_match
    from cashmatch.config import Rules

    import_statements(store, [statements_file(movement("80.00", "VIR DUPONT FACT 12",
                                                        name="DUPONT", bank_ref="BNK-1"))])
    # the same movement in a CSV export that lacks the bank's reference
    r = import_statements(store, [statements_file(movement("80.00", "VIR DUPONT  FACT 12",
                                                            name="Dupont"))])
    assert (r.new, r.files[0].suspected_duplicates) == (0, 1)
    assert [(m["status"], m["duplicate_of"]) for m in list_movements(store)] == [
        ("booked", None), ("suspected_duplicate", 1)]
    assert run_match(store, Rules()).considered == 1  # a suspected duplicate is never matched


def test_statement_continuity_is_checked(store, tmp_path: Path) -> None:
    from cashmatch.model import Movement, ParseResult, Source, Statement
    from cashmatch.ingest.statements import ParsedFile, _store_file
    from decimal import Decimal
    from datetime import date

    def stmt(opening: str, closing: str, day: int, amount: str) -> ParsedFile:
        mv = Movement(date(2026, 2, day), Decimal(amount), "EUR", Source("f", 0, "1"),
                      account="FR76X", bank_reference=f"R{day}")
        st = Statement("f", "test", (mv,), "FR76X", "EUR", f"S{day}", Decimal(opening),
                       Decimal(closing), date(2026, 2, day), date(2026, 2, day))
        return ParsedFile(Path(f"s{day}"), "test", ParseResult([st]), f"sha{day}")

    with store.transaction():
        assert _store_file(store, stmt("100.00", "110.00", 1, "10.00")).problems == []
        assert _store_file(store, stmt("110.00", "105.00", 2, "-5.00")).problems == []
        gap = _store_file(store, stmt("125.00", "130.00", 4, "5.00")).problems
    assert len(gap) == 1 and "does not continue the closing balance 105.00" in gap[0].message


def test_pending_movements_are_replaced_by_the_booked_ones(store) -> None:
    from datetime import date
    from decimal import Decimal

    from cashmatch.model import Movement, ParseResult, Reference, Source, Statement
    from cashmatch.ingest.statements import ParsedFile, _store_file

    def file(status: str, bank_ref: str | None) -> ParsedFile:
        mv = Movement(date(2026, 2, 3), Decimal("50.00"), "EUR", Source("f", 0, "1"),
                      account="FR76X", bank_reference=bank_ref, status=status,
                      references=(Reference("end_to_end", "E2E-9"),))
        return ParsedFile(Path(status), "camt", ParseResult([Statement("f", "camt", (mv,), "FR76X")]),
                          status)

    with store.transaction():
        first = _store_file(store, file("pending", None))
        again = _store_file(store, file("pending", None))
        booked = _store_file(store, file("booked", "ACCT-1"))
    assert (first.pending, again.known, booked.new, booked.pending_superseded) == (1, 1, 1, 1)
    assert [m["status"] for m in list_movements(store)] == ["booked"]  # no pending left


def test_the_example_mapping_reads_a_bank_export(tmp_path: Path) -> None:
    from cashmatch.ingest.parsers.csv import load_mapping, parse

    root = Path(__file__).resolve().parents[2]
    mapping = load_mapping(root / "rules" / "csv" / "example_bank.toml")
    export = tmp_path / "export.csv"
    export.write_bytes("Date;Date de valeur;Libellé;Complément;Tiers;Référence;Débit;Crédit\n"
                       "03/02/2026;03/02/2026;VIR SEPA RECU;FACTURE FA-1;DUPONT;;;1 250,00\n"
                       "04/02/2026;04/02/2026;FRAIS;;;;12,50;\n".encode("latin-1"))
    credit, fee = parse(export, mapping).movements
    assert (credit.amount, credit.counterparty_name, credit.remittance) == (
        Decimal("1250.00"), "DUPONT", "VIR SEPA RECU FACTURE FA-1")
    assert fee.amount == Decimal("-12.50")


def test_csv_rows_short_blank_and_several_text_columns(tmp_path: Path) -> None:
    """Short rows read as empty cells, blank rows are skipped (their lines still count), and
    text columns are joined with single spaces whatever cells are empty."""
    from cashmatch.ingest.parsers.csv import CsvMapping, parse

    mapping = CsvMapping(name="t", header=False, booking_date="1", amount="2",
                         text=("3", "4", "5"), counterparty_name="6")
    export = tmp_path / "export.csv"
    export.write_text("2026-02-03,10.00,VIR  RECU,, FACT\tFA-1 ,DUPONT\n"
                      " , ,\n"
                      "\n"
                      "2026-02-04,-2.50,FRAIS\n"
                      '2026-02-05,3.00,"two\nlines",,,\n'
                      "2026-02-06,4.00,,,X\n")
    moves = parse(export, mapping).movements
    assert [(str(m.amount), m.remittance, m.counterparty_name, m.source.position)
            for m in moves] == [
        ("10.00", "VIR RECU FACT FA-1", "DUPONT", "line 1"),
        ("-2.50", "FRAIS", None, "line 4"),
        ("3.00", "two lines", None, "line 6"),
        ("4.00", "X", None, "line 7"),
    ]


def test_the_statements_list_checks_balances_and_continuity(store, tmp_path: Path) -> None:
    from datetime import date
    from decimal import Decimal

    from cashmatch.ingest.statements import ParsedFile, _store_file, list_statements
    from cashmatch.model import Movement, ParseResult, Source, Statement

    def stmt(opening: str, closing: str, day: int, amount: str) -> ParsedFile:
        mv = Movement(date(2026, 2, day), Decimal(amount), "EUR", Source("f", 0, "1"),
                      account="FR76X", bank_reference=f"R{day}")
        st = Statement(f"s{day}", "test", (mv,), "FR76X", "EUR", f"S{day}", Decimal(opening),
                       Decimal(closing), date(2026, 2, day), date(2026, 2, day))
        return ParsedFile(Path(f"s{day}"), "test", ParseResult([st]), f"sha{day}")

    with store.transaction():
        _store_file(store, stmt("100.00", "110.00", 1, "10.00"))
        _store_file(store, stmt("110.00", "105.00", 2, "-5.00"))
        _store_file(store, stmt("125.00", "131.00", 4, "5.00"))  # a gap, and 1.00 missing
    page = list_statements(store)
    assert page.total == 3
    got = [(s["file_name"], s["balanced"], s["continuous"], s["previous_file"])
           for s in page.rows]
    assert got == [("s4", False, False, "s2"), ("s2", True, True, "s1"), ("s1", True, None, None)]
    assert page.rows[0]["previous_closing"] == Decimal("105.00")
