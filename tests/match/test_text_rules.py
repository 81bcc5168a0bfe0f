"""The rules file's posting rules in a run: which movements they take, in which order, with
what evidence, and the entries they post."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

import cashmatch
from cashmatch.config import BankRule, IgnoreRule, PostRule, Rules, load_rules
from cashmatch.errors import ConfigError
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.match.run import run_match
from tests.conftest import ACCOUNT, item, journal_lines, movement

OWN = "FR7610107001011234567890129"
FEES = PostRule("fees", "627000", "Frais bancaires", pattern=r"(?i)^\s*(COMMISSION|FRAIS)",
                direction="out", max_amount=Decimal("50.00"))


def _rules(*postings: PostRule, **kw: object) -> Rules:
    return replace(Rules(), postings=postings,
                   banks=(BankRule("main", ACCOUNT, "512100", "BQ1"),
                          BankRule("other", OWN, "512200", "BQ2")), **kw)


def test_rules_take_what_they_describe_and_nothing_else(store, statements_file,
                                                        items_file) -> None:
    rules = _rules(FEES, PostRule("transfers", "580000", "Virement interne", own_account=True),
                   PostRule("supplier", "401000", "EDF", counterparty_iban=(
                       "FR1420041010050500013M02606",)),
                   PostRule("vat", "445510", "TVA", pattern="TVA", direction="out",
                            min_amount=Decimal("100.00")))
    import_items(store, items_file(item("FA-1", "100.00")))
    import_statements(store, [statements_file(
        movement("-15.00", "COMMISSION VIREMENT", bank_ref="1"),
        movement("-75.00", "COMMISSION VIREMENT", bank_ref="2"),        # above max_amount
        movement("15.00", "FRAIS REMBOURSES", bank_ref="3"),            # not a payment
        movement("-9.00", "VIR SEPA EMIS /MOTIF FRAIS DE PORT", bank_ref="4"),  # not at start
        movement("-500.00", "VERS EPARGNE", iban=OWN, bank_ref="5"),
        movement("-88.00", "PRLV", iban="FR1420041010050500013M02606", bank_ref="6"),
        movement("-99.00", "PRLV DGFIP TVA", bank_ref="7"),             # below min_amount
        movement("-150.00", "PRLV DGFIP TVA", bank_ref="8"),
        movement("100.00", "FACT FA-1", bank_ref="9"))])
    summary = run_match(store, rules)
    assert (summary.posted, summary.auto, summary.considered) == (4, 1, 9)
    posts = {d["movement_id"]: d for d in cashmatch.decision_log(store) if d["action"] == "post"}
    assert {m: d["rule"] for m, d in posts.items()} == {
        1: "post:fees", 5: "post:transfers", 6: "post:supplier", 8: "post:vat"}
    assert posts[1]["evidence"] | {"input_hash": ""} == {
        "rule": "fees", "account": "627000", "label": "Frais bancaires", "direction": "out",
        "pattern": FEES.pattern, "matched": "COMMISSION", "amount_range": ["", "50.00"],
        "input_hash": ""}
    assert posts[5]["evidence"]["own_account"] is True
    assert journal_lines(store, 5) == [("512100", None, 0, 50000, None),
                                       ("580000", None, 50000, 0, None)]
    # posted movements are settled: the next run leaves them alone
    assert run_match(store, rules).considered == 4


def test_ignore_rules_come_first_and_the_first_posting_rule_wins(store, statements_file) -> None:
    rules = _rules(PostRule("a", "627000", "A", pattern="FRAIS"),
                   PostRule("b", "658000", "B", pattern="FRAIS TENUE"),
                   ignore=(IgnoreRule("skip", "POS"),))
    import_statements(store, [statements_file(movement("-5.00", "FRAIS TENUE", bank_ref="1"),
                                              movement("-6.00", "FRAIS POS", bank_ref="2"))])
    summary = run_match(store, rules)
    assert (summary.posted, summary.ignored) == (1, 1)
    assert {d["movement_id"]: d["rule"] for d in cashmatch.decision_log(store)} == {
        1: "post:a", 2: "ignore:skip"}


def test_a_vat_split_and_an_unmatch_reverses_it(store, statements_file) -> None:
    rules = _rules(PostRule("tpe", "613500", "Location TPE", pattern="TPE",
                            vat_rate=Decimal(20)))
    import_statements(store, [statements_file(movement("-36.00", "LOCATION TPE"))])
    run_match(store, rules)
    assert journal_lines(store, 1) == [("512100", None, 0, 3600, None),
                                       ("613500", None, 3000, 0, None),
                                       ("445660", None, 600, 0, None)]
    cashmatch.unmatch(store, rules, 1, "not ours")
    assert sum(d - c for a, _, d, c, _ in journal_lines(store, 1) if a == "512100") == 0
    assert cashmatch.list_reviews(store)[0]["reason"] == "reopened"


def test_the_shipped_rules_post_the_usual_french_movements(store, statements_file) -> None:
    rules = load_rules(Path(__file__).resolve().parents[2] / "rules" / "default.toml")
    texts = {"PRLV SEPA URSSAF COTISATIONS JANVIER": "431000", "VIR SEPA SALAIRE M DUPONT":
             "421000", "PRLV SEPA DGFIP TVA 012026": "445510", "AGIOS T1": "661600",
             "COMMISSION VIREMENT INTERNATIONAL": "627000",
             "ECHEANCE PRET 4512": "164000", "PRLV SEPA DGFIP CFE": "447000"}
    import_statements(store, [statements_file(*[movement("-10.00", t, bank_ref=str(n))
                                                for n, t in enumerate(texts)])])
    assert run_match(store, rules).posted == len(texts)
    posted = {ln[0] for ln in journal_lines(store) if ln[0] != "512000"}
    assert posted == set(texts.values())


@pytest.mark.parametrize("text, message", [
    ('[[post]]\nname = "x"\naccount = "627000"\nlabel = "x"\n',
     "post x: give a pattern, a counterparty_iban or own_account = true"),
    ('[[post]]\nname = "x"\naccount = "ABC"\nlabel = "x"\npattern = "X"\n',
     "post x.account: 'ABC' is not an account number"),
    ('[[post]]\nname = "x"\naccount = "627000"\nlabel = "x"\npattern = "X"\nvat_rate = "5.555"\n',
     "post x.vat_rate: a percentage"),
    ('[[post]]\nname = "x"\naccount = "627000"\nlabel = "x"\npattern = "X"\nmax_amount = 5\n',
     "post x.max_amount: write numbers as strings"),
    ('[[bank]]\nname = "b"\niban = "FR76 1"\naccount = "411000"\njournal = "bq"\n',
     "bank b.journal: 1 to 6 capital letters or digits"),
    ('[[bank]]\nname = "b"\niban = "FR76 1"\naccount = "411000"\njournal = "BQ"\n',
     "bank b.account: a bank account is in class 5"),
    ('[ledger]\nreversal_date = "later"\n', "ledger.reversal_date: must be today or original"),
])
def test_rule_errors_name_the_rule_and_key(tmp_path, text: str, message: str) -> None:
    f = tmp_path / "r.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_rules(f)
    assert any(message in e for e in caught.value.errors), caught.value.errors
