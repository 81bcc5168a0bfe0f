"""``rules fit``: weights learned from labelled readings, measured on movements held back,
written into a copy of the rules file that loads."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

import cashmatch
from cashmatch.errors import InputError
from cashmatch.match.fit import FITTED, Example, fit, fit_rules, rules_text
from tests.conftest import item, movement

IBAN = "FR7630004000031234567890143"


def _world(store, statements_file, items_file) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """40 payments quoting their invoice, 40 paying one of two invoices of one amount whose
    payer only its name, misspelt, tells (one of them the payer's, the other another
    party's: both shown for review): the truth of each by bank reference."""
    items, moves, truth = [], [], {}
    for n in range(40):
        items.append(item(f"FA-{n}", f"{100 + n}.00", party=f"Q{n}", name=f"QUOTE {n}"))
        moves.append(movement(f"{100 + n}.00", f"FACTURE FA-{n}", bank_ref=f"Q{n}"))
        truth[f"Q{n}"] = [f"FA-{n}"]
    for n in range(40):
        amount = f"{500 + n}.00"
        items.append(item(f"FB-{n}", amount, party=f"P{n}", name=f"PAYEUR NUMERO {n}"))
        items.append(item(f"FC-{n}", amount, party=f"O{n}", name=f"AUTRE SOCIETE {n}"))
        moves.append(movement(amount, "VIREMENT", name=f"PAYEUR NUMER0 {n}", bank_ref=f"P{n}"))
        truth[f"P{n}"] = [f"FB-{n}"]
    cashmatch.import_items(store, items_file(*items))
    cashmatch.import_statements(store, [statements_file(*moves)])
    cashmatch.run_match(store, cashmatch.Rules())
    return truth


def test_fitted_rules_are_written_with_their_figures_and_load(
        store, statements_file, items_file, tmp_path: Path) -> None:
    truth = _world(store, statements_file, items_file)
    truth_file = tmp_path / "truth.jsonl"
    truth_file.write_text("".join(json.dumps({"bank_reference": k, "expected": {v[0]: "1"}})
                                  + "\n" for k, v in truth.items()))
    source = tmp_path / "mine.toml"
    source.write_text('[matching]\nauto_threshold = "0.97"\n\n[weights]\nprior = "-5"\n')
    rules = cashmatch.load_rules(source)
    out = tmp_path / "fitted.toml"
    fitted = fit_rules(store, rules, out, truth=truth_file, held_back=0.5, seed=3)
    written = cashmatch.load_rules(out)
    assert written.matching.auto_threshold == Decimal("0.97")  # the rest as it was
    assert {k: getattr(written.weights, k) for k in FITTED} == fitted.weights
    assert written.version != rules.version
    # of two readings of one amount, the one whose party's name is like the payer's is right
    assert fitted.weights["party_name"] > 0 and fitted.weights["ref_exact"] > 0
    assert sum(b.readings for b in fitted.fitted_bands) == sum(
        b.readings for b in fitted.current_bands) > 0
    assert "Held-back precision" in out.read_text()
    with pytest.raises(InputError, match="will not overwrite the rules in use"):
        fit_rules(store, rules, source, truth=truth_file)


def test_the_store_alone_without_mistakes_is_not_enough(store, statements_file,
                                                         items_file, tmp_path: Path) -> None:
    """Nobody has decided anything but the engine, and nothing was undone: no wrong reading
    to learn from."""
    _world(store, statements_file, items_file)
    with pytest.raises(InputError, match="too few decisions"):
        fit_rules(store, cashmatch.Rules(), tmp_path / "fitted.toml")


def test_a_fit_recovers_weights_that_separate_the_labels() -> None:
    """Readings where a quoted reference is right and an amount alone is wrong half the time:
    the reference weighs more than the amount."""
    examples = []
    for n in range(400):
        examples.append(Example(n, ("ref_exact", "amount_exact"), True))
        examples.append(Example(n, ("amount_exact",), n % 2 == 0))
        examples.append(Example(n, ("amount_mismatch",), False))
    fitted = fit(examples, cashmatch.Rules(), held_back=0.25, seed=1)
    assert fitted.weights["ref_exact"] > 1
    assert fitted.weights["amount_mismatch"] < 0
    sure = [b for b in fitted.fitted_bands if b.low >= Decimal("0.8") and b.readings]
    assert sure and all(b.precision == 1 for b in sure)


def test_rules_without_weights_get_a_section() -> None:
    fitted = fit([Example(n, ("ref_exact",), n % 3 > 0) for n in range(200)], cashmatch.Rules())
    text = rules_text(fitted, '[matching]\nauto_threshold = "0.95"\n', "# fitted\n")
    assert text.startswith("# fitted\n[matching]") and "\n[weights]\nprior = " in text


def _decided_by_people(store, statements_file, items_file) -> None:  # type: ignore[no-untyped-def]
    """The world above, where a person accepted the payer's invoice of each review: its
    rival, shown and not taken, is a wrong reading."""
    truth = _world(store, statements_file, items_file)
    by_ref = {m["movement_id"]: m["bank_reference"] for m in cashmatch.list_movements(store)}
    for r in cashmatch.list_reviews(store):
        shown = cashmatch.show_review(store, r["review_id"])
        want = truth[by_ref[r["movement_id"]]]
        rank = next(c["rank"] for c in shown["candidates"]
                    if [a["item_id"] for a in c["allocations"]] == want)
        cashmatch.accept(store, cashmatch.Rules(), r["review_id"], rank, user="rita")


def test_rules_fit_from_the_command_line_and_the_api(
        tmp_path: Path, statements_file, items_file) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from cashmatch.cli import cli
    from cashmatch.http.app import create_app
    from cashmatch.http.auth import Credential

    db = tmp_path / "fit.duckdb"
    with cashmatch.Store.open(db) as store:
        _decided_by_people(store, statements_file, items_file)
    rules = tmp_path / "rules.toml"
    rules.write_text('[matching]\nauto_threshold = "0.97"\n')
    out = tmp_path / "fitted.toml"
    result = CliRunner().invoke(cli, ["--db", str(db), "rules", "fit", "--rules", str(rules),
                                      "-o", str(out), "--held-back", "0.5"])
    assert result.exit_code == 0, result.output
    assert "fitted on" in result.output and f"wrote {out}" in result.output
    assert cashmatch.load_rules(out).weights.party_name > 0
    same = CliRunner().invoke(cli, ["--db", str(db), "rules", "fit", "--rules", str(rules),
                                    "-o", str(rules)])
    assert same.exit_code == 1 and "will not overwrite the rules in use" in same.output
    assert "Traceback" not in same.output

    app = create_app(db, {"v": Credential("vera", "viewer")}, rules)
    with TestClient(app) as client:
        r = client.get("/rules/fit?held_back=0.5", headers={"Authorization": "Bearer v"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["trained"] > 0 and body["held_back"] > 0
    assert Decimal(body["weights"]["party_name"]) > 0
    assert "[weights]" in body["rules"] and 'auto_threshold = "0.97"' in body["rules"]
    assert sum(b["readings"] for b in body["bands"]) == body["held_back"]
