from pathlib import Path

from click.testing import CliRunner

from cashmatch.cli import cli
from cashmatch.config import load_rules
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.history import decision_log
from cashmatch.match.memory import list_aliases, remove_alias
from cashmatch.match.run import run_match
from tests.conftest import item, movement

ROOT = Path(__file__).resolve().parents[2]
IBAN = "FR7630004000031234567890143"


def test_shipped_rules_pass_their_examples() -> None:
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(ROOT / "rules/default.toml")])
    assert result.exit_code == 0, result.output
    assert "example(s) pass" in result.output


def test_rules_check_fails_on_a_wrong_example(tmp_path: Path) -> None:
    f = tmp_path / "r.toml"
    f.write_text('[[ignore]]\nname = "fees"\npattern = "FRAIS"\nexamples = ["COMMISSION"]\n')
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(f)])
    assert result.exit_code == 1 and "FAIL ignore fees: matches 'COMMISSION'" in result.output


def test_rule_errors_name_the_rule_and_key(tmp_path: Path) -> None:
    f = tmp_path / "r.toml"
    f.write_text('[[ignore]]\nname = "x"\npattern = "("\ncolour = 1\n'
                 '[[alias]]\nname = "y"\n')
    result = CliRunner().invoke(cli, ["rules", "check", "--rules", str(f)])
    assert result.exit_code == 1
    for text in ("ignore x.pattern: not a valid regular expression", "ignore x.colour: unknown key",
                 "alias y.party: required", "alias y: give an iban or a name_pattern"):
        assert text in result.output


def test_ignore_rules_keep_non_receipts_out(store, statements_file, items_file, tmp_path) -> None:
    f = tmp_path / "r.toml"
    f.write_text('[[ignore]]\nname = "cards"\npattern = "REMISE CB"\ndirection = "in"\n')
    rules = load_rules(f)
    import_items(store, items_file(item("FA-1", "120.00")))
    import_statements(store, [statements_file(movement("120.00", "REMISE CB 4411"))])
    s = run_match(store, rules)
    assert (s.auto, s.ignored, s.review) == (0, 1, 0)
    assert [(d["action"], d["actor"], d["rule"]) for d in decision_log(store)] == [
        ("ignore", "engine", "ignore:cards")]
    assert run_match(store, rules).considered == 0


def test_alias_rule_names_the_payer(store, statements_file, items_file, tmp_path) -> None:
    f = tmp_path / "r.toml"
    f.write_text('[[alias]]\nname = "group"\nparty = "C7"\nname_pattern = "ACME HOLDING"\n')
    import_items(store, items_file(item("FA-9", "310.00", party="C7", name="ACME FRANCE")))
    import_statements(store, [statements_file(movement("310.00", "VIREMENT", name="ACME HOLDING"))])
    assert run_match(store, load_rules(f)).auto == 1


def test_payers_are_learned_then_used_and_can_be_forgotten(store, rules, statements_file,
                                                          items_file) -> None:
    import_items(store, items_file(item("FA-1", "100.00", party="C1"),
                                   item("FA-2", "250.00", party="C1")))
    import_statements(store, [statements_file(movement("100.00", "FACT FA-1", iban=IBAN,
                                                       bank_ref="B1"))])
    assert run_match(store, rules).auto == 1
    learned = list_aliases(store)
    assert [(a["kind"], a["value"], a["party_id"], a["source"]) for a in learned] == [
        ("iban", IBAN, "C1", "auto")]
    # the next payment says nothing, but comes from the same account
    import_statements(store, [statements_file(movement("250.00", "VIREMENT", iban=IBAN,
                                                       bank_ref="B2"))])
    assert run_match(store, rules).auto == 1
    remove_alias(store, learned[0]["alias_id"], "dana")
    assert list_aliases(store) == []
    assert list_aliases(store, include_removed=True)[0]["removed_by"] == "dana"


def test_a_payment_for_several_parties_teaches_nothing(store, rules, statements_file,
                                                       items_file) -> None:
    """A payer seen paying two parties' invoices in one payment (a group paying for its
    subsidiaries) is neither's: its IBAN and name are not learnt from that payment. A later
    payment of one party's invoice from the same account teaches them."""
    from decimal import Decimal

    from cashmatch.ledger.actions import assign
    from cashmatch.ledger.review import list_reviews

    import_items(store, items_file(item("FA-1", "100.00", party="C1", name="ALPHA"),
                                   item("FA-2", "50.00", party="C2", name="BETA"),
                                   item("FA-3", "70.00", party="C2", name="BETA")))
    import_statements(store, [statements_file(
        movement("150.00", "GROUP PAYMENT", iban=IBAN, name="HOLDING SA", bank_ref="B1"))])
    run_match(store, rules)
    review_id = list_reviews(store)[0]["review_id"]
    assign(store, rules, review_id, [("FA-1", Decimal("100.00")), ("FA-2", Decimal("50.00"))],
           user="dana")
    assert list_aliases(store) == []
    import_statements(store, [statements_file(
        movement("70.00", "FACTURE FA-3", iban=IBAN, name="HOLDING SA", bank_ref="B2"))])
    assert run_match(store, rules).auto == 1
    assert sorted((a["kind"], a["value"], a["party_id"]) for a in list_aliases(store)) == [
        ("iban", IBAN, "C2"), ("name", "HOLDING", "C2")]
