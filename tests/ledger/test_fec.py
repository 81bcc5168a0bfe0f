from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cashmatch.cli import cli
from cashmatch.errors import InputError
from cashmatch.ledger.fec import COLUMNS, check_fec, file_name

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
                                str(out), "--siren", "123456789", "--year-end", "2026-12-31",
                                "--separator", sep])
        assert r.exit_code == 0, r.output
        fec = out / "123456789FEC20261231.txt"
        assert check_fec(fec) == []
        lines = fec.read_bytes().decode("utf-8").split("\r\n")
        assert lines[0].split("\t" if sep == "tab" else "|") == list(COLUMNS)
        assert not fec.read_bytes().endswith(b"\r\n")
        fields = lines[2].split("\t" if sep == "tab" else "|")
        assert fields[4] == "411000" and fields[12] == "1250,00" and fields[13] == "AAA"


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference files absent")
def test_reference_example_passes_but_for_its_name(tmp_path: Path) -> None:
    target = tmp_path / "123456789FEC20241231.txt"
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
    f = tmp_path / "123456789FEC20261231.txt"
    f.write_text("\r\n".join([header, "\t".join(a), "\t".join(b)]))
    assert any(message in str(p) for p in check_fec(f)), check_fec(f)


def test_file_name() -> None:
    assert file_name("123456789", date(2026, 12, 31)) == "123456789FEC20261231.txt"
    with pytest.raises(InputError, match="not a SIREN"):
        file_name("12345", date(2026, 12, 31))
