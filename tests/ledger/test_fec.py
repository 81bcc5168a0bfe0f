from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cashmatch.cli import cli
from cashmatch.errors import InputError
from cashmatch.ledger.fec import COLUMNS, check_fec, file_name
from tests.conftest import item, movement

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "fec_example.txt"


def test_demo_journal_exports_a_valid_fec(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    samples = ROOT / "sample_statements"
    assert runner.invoke(cli, ["--db", str(db), "run", str(samples / "bank_2026-02.csv"),
                               "--items", str(samples / "open_items.csv")]).exit_code == 0
    for sep in ("tab", "pipe"):
        out = tmp_path / sep
        out.mkdir()
        r = runner.invoke(cli, ["--db", str(db), "export", "journal", "--format", "fec", "-o",
                                str(out), "--siren", "123456782", "--year-end", "2026-12-31",
                                "--separator", sep])
        assert r.exit_code == 0, r.output
        fec = out / "123456782FEC20261231.txt"
        assert check_fec(fec) == []
        lines = fec.read_bytes().decode("utf-8").split("\r\n")
        assert lines[0].split("\t" if sep == "tab" else "|") == list(COLUMNS)
        assert not fec.read_bytes().endswith(b"\r\n")
        fields = lines[2].split("\t" if sep == "tab" else "|")
        assert fields[4] == "411000" and fields[12] == "1250,00" and fields[13] == "AAA"


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference files absent")
def test_reference_example_passes_but_for_its_name(tmp_path: Path) -> None:
    target = tmp_path / "123456782FEC20241231.txt"
    target.write_bytes(REFERENCE.read_bytes())
    assert check_fec(target) == []


@pytest.mark.parametrize("mutate, message", [
    (lambda f: f.__setitem__(11, "1250.00"), "is not an amount with a decimal comma"),
    (lambda f: f.__setitem__(3, "2026-02-03"), "EcritureDate '2026-02-03' is not a date"),
    (lambda f: f.__setitem__(12, "5,00"), "does not balance"),
    (lambda f: f.append("extra"), "19 fields instead of 18"),
    (lambda f: f.__setitem__(4, "ABC"), "does not start with three digits"),
])
def test_checker_finds_problems(tmp_path: Path, mutate, message: str) -> None:
    header = "\t".join(COLUMNS)
    a = ["BQ", "Banque", "BQ000001", "20260203", "512000", "Banques", "", "", "P1", "20260203",
         "x", "1250,00", "0,00", "", "", "20260203", "", ""]
    b = ["BQ", "Banque", "BQ000001", "20260203", "411000", "Clients", "C1", "C", "P1", "20260203",
         "y", "0,00", "1250,00", "AAA", "20260203", "20260203", "", ""]
    mutate(a)
    f = tmp_path / "123456782FEC20261231.txt"
    f.write_text("\r\n".join([header, "\t".join(a), "\t".join(b)]))
    assert any(message in str(p) for p in check_fec(f)), check_fec(f)


def test_file_name() -> None:
    assert file_name("123456782", date(2026, 12, 31)) == "123456782FEC20261231.txt"
    with pytest.raises(InputError, match="not a SIREN"):
        file_name("12345", date(2026, 12, 31))


def test_siren_luhn() -> None:
    from cashmatch.ledger.fec import is_siren

    assert is_siren("123456782") and is_siren("542051180")
    assert not is_siren("123456789") and not is_siren("12345678")
    with pytest.raises(InputError, match="Luhn"):
        file_name("123456789", date(2026, 12, 31))


def test_output_folder_created_or_refused_never_a_file_named_like_it(tmp_path: Path) -> None:
    from cashmatch.ledger.fec import fec_path

    made = fec_path(tmp_path / "out", "123456782", date(2026, 12, 31))
    assert made == tmp_path / "out" / "123456782FEC20261231.txt" and made.parent.is_dir()
    with pytest.raises(InputError, match="does not exist"):
        fec_path(tmp_path / "missing" / "out", "123456782", date(2026, 12, 31))
    (tmp_path / "plain").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        fec_path(tmp_path / "plain", "123456782", date(2026, 12, 31))
    assert not (tmp_path / "missing").exists()


def test_one_fiscal_year_with_the_rest_counted(tmp_path: Path, store, rules, statements_file,
                                              items_file) -> None:
    import cashmatch
    from cashmatch.ingest.items import import_items
    from cashmatch.ingest.statements import import_statements
    from cashmatch.match.run import run_match

    import_items(store, items_file(*[item(f"FA-{n}", "10.00", issued="2025-12-01")
                                     for n in range(4)]))
    import_statements(store, [statements_file(
        movement("10.00", "FA-0", day="2025-12-30"), movement("10.00", "FA-1", day="2026-01-02"),
        movement("10.00", "FA-2", day="2026-12-31"), movement("10.00", "FA-3", day="2027-01-01"))])
    assert run_match(store, rules).auto == 4
    done = cashmatch.export_fec(store, rules, tmp_path / "fec", "123456782", date(2026, 12, 31))
    assert (done.entries, done.before, done.after) == (2, 1, 1)
    assert done.first_day == date(2026, 1, 1)
    assert check_fec(done.path) == []
    numbers = [ln.split("\t")[2] for ln in done.path.read_text().splitlines()[1:]]
    assert list(dict.fromkeys(numbers)) == ["BQ000002", "BQ000003"]


def _fec(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A FEC of balanced two-line entries: (number, EcritureDate, ValidDate)."""
    lines = ["\t".join(COLUMNS)]
    for number, day, valid in rows:
        for account, debit, credit in (("512000", "1,00", "0,00"), ("411000", "0,00", "1,00")):
            fields = ["BQ", "Banque", number, day, account, "x", "", "", "P", day, "x", debit,
                      credit, "", "", valid, "", ""]
            lines.append("\t".join(fields))
    f = tmp_path / "123456782FEC20261231.txt"
    f.write_text("\r\n".join(lines))
    return f


def test_checker_verifies_both_orders_per_journal(tmp_path: Path) -> None:
    ok = [("BQ000001", "20260203", "20260210"), ("BQ000002", "20260203", "20260211")]
    assert check_fec(_fec(tmp_path, ok)) == []
    late_date = [("BQ000001", "20260220", "20260301"), ("BQ000002", "20260211", "20260301")]
    assert any("EcritureDate 20260211, before the 20260220" in str(p)
               for p in check_fec(_fec(tmp_path, late_date)))
    late_valid = [("BQ000001", "20260203", "20260301"), ("BQ000002", "20260204", "20260210")]
    assert any("ValidDate 20260210, before the 20260301" in str(p)
               for p in check_fec(_fec(tmp_path, late_valid)))
    after = [("BQ000001", "20270103", "20270103")]
    assert any("after the closing date 20261231" in str(p)
               for p in check_fec(_fec(tmp_path, after)))
