import cashmatch
from cashmatch.config import Rules
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.match.run import run_match
from cashmatch.store import Store
from tests.conftest import applied, item, journal_lines, movement, plan_of


def _setup(store: Store, statements_file, items_file, movements, items) -> None:
    import_items(store, items_file(*items))
    import_statements(store, [statements_file(*movements)])


def _reviews(store: Store) -> dict[int, str]:
    return {r["movement_id"]: r["reason"] for r in cashmatch.list_reviews(store)}


def _applied(store: Store) -> dict[int, list[str]]:
    return {mid: sorted(items) for mid, items in applied(store).items()}


def test_reference_in_many_shapes_is_applied(store, rules, statements_file, items_file) -> None:
    shapes = ["FACTURE FA-2026-0012", "fa20260013", "Reglt fa 2026 0014 merci",
              "VIR SEPA RECU /DE X /MOTIF FA-2026-0015 /REF E2E1"]
    items = [item(f"FA-2026-00{12 + i}", "100.00") for i in range(4)]
    _setup(store, statements_file, items_file, [movement("100.00", s) for s in shapes], items)
    summary = run_match(store, rules)
    assert summary.auto == 4
    assert _applied(store) == {i + 1: [f"FA-2026-00{12 + i}"] for i in range(4)}


def test_amount_difference_goes_to_review_with_the_item_first(store, rules, statements_file,
                                                               items_file) -> None:
    _setup(store, statements_file, items_file, [movement("60.00", "FACT FA-1")],
           [item("FA-1", "100.00"), item("FA-2", "60.00", party="C2", name="AUTRE")])
    s = run_match(store, rules)
    assert (s.auto, s.review) == (0, 1)
    assert _reviews(store) == {1: "partial"}
    (review,) = cashmatch.list_reviews(store)
    ranked = [a["item_id"] for c in cashmatch.show_review(store, review["review_id"])["candidates"]
              for a in c["allocations"]]
    assert ranked[0] == "FA-1" and "FA-2" in ranked


def test_two_movements_claiming_one_item_both_go_to_review(store, rules, statements_file,
                                                           items_file) -> None:
    _setup(store, statements_file, items_file,
           [movement("50.00", "FACT FA-7"), movement("50.00", "FACT FA-7", day="2026-02-11")],
           [item("FA-7", "50.00")])
    s = run_match(store, rules)
    assert (s.auto, s.review) == (0, 2)
    assert set(_reviews(store).values()) == {"conflict"}


def test_no_candidate_and_non_receipts_are_never_applied(store, rules, statements_file,
                                                         items_file) -> None:
    _setup(store, statements_file, items_file,
           [movement("-100.00", "FRAIS FA-1"), movement("12.00", "INTERETS")],
           [item("FA-1", "100.00")])
    s = run_match(store, rules)
    assert s.auto == 0 and _applied(store) == {}
    assert s.unmatched == 2


def test_supplier_payment_matches_supplier_invoice(store, rules, statements_file,
                                                   items_file) -> None:
    _setup(store, statements_file, items_file, [movement("-412.80", "VIR EMIS FACTURE FF-88213")],
           [item("FF-88213", "-412.80", kind="supplier_invoice", party="F1")])
    assert run_match(store, rules).auto == 1
    assert journal_lines(store) == [("512000", None, 0, 41280, None),
                                    ("401000", "F1", 41280, 0, "FF-88213")]


def test_rerun_applies_what_new_items_explain(store, rules, statements_file, items_file) -> None:
    import_statements(store, [statements_file(movement("70.00", "FACT FA-9"))])
    assert run_match(store, rules).unmatched == 1
    import_items(store, items_file(item("FA-9", "70.00")))
    assert run_match(store, rules).auto == 1
    assert [r["status"] for r in cashmatch.list_reviews(
        store, cashmatch.ReviewFilter(status=None))] == ["superseded"]
    assert run_match(store, rules).considered == 0


def test_decisions_are_deterministic(tmp_path, statements_file, items_file) -> None:
    rows = [movement("100.00", "FACT FA-1"), movement("100.00", "paiement"),
            movement("40.00", "FA-2 acompte")]
    its = [item("FA-1", "100.00"), item("FA-2", "100.00"), item("FA-3", "100.00")]
    results = []
    for n in range(2):
        with Store.open(tmp_path / f"d{n}.duckdb") as s:
            _setup(s, statements_file, items_file, rows, its)
            run_match(s, Rules())
            results.append(cashmatch.matches_frame(s).drop("evidence").rows())
    assert results[0] == results[1]


def test_every_auto_decision_keeps_its_evidence(store, rules, statements_file, items_file) -> None:
    _setup(store, statements_file, items_file, [movement("10.00", "FACT FA-1")],
           [item("FA-1", "10.00")])
    run_match(store, rules)
    (decision,) = cashmatch.decision_log(store)
    rule, explanation, ev = decision["rule"], decision["explanation"], decision["evidence"]
    threshold, version = decision["threshold"], decision["rules_version"]
    assert rule == "auto:exact+exact+none"
    assert (ev["ref_level"], ev["amount_level"], ev["match_key"]) == ("exact", "exact", "ref_exact")
    assert "ref_exact" in ev["rules"] and "FA-1" in explanation
    assert threshold is not None and version == rules.version


def test_settled_by_reference_skips_only_work_that_cannot_change_a_decision(
        store, rules, statements_file, items_file, monkeypatch) -> None:
    """Movements a quoted reference settles exactly are not given the broad candidates
    (payer, name, amount); every decision and every suggestion is the one the full candidate
    set gives."""
    import random

    from cashmatch.match import candidates as blocking
    from cashmatch.match.run import plan
    from cashmatch.match.text_rules import named_payers
    from cashmatch.match.workspace import Workspace

    rng = random.Random(7)
    iban = "FR7630004000031234567890143"
    items, movements = [], []
    for n in range(60):
        party = f"C{n % 6}"
        amount = f"{rng.randint(50, 900)}.{rng.randint(0, 99):02d}"
        items.append(item(f"FA-2026-{n:04d}", amount, party=party, name=f"CLIENT {n % 6} SARL",
                          iban=iban if n % 6 == 0 else ""))
        if n % 3 == 0:  # quoted and exact
            movements.append(movement(amount, f"FACTURE FA-2026-{n:04d}", name=f"CLIENT {n % 6}"))
        elif n % 3 == 1:  # name or IBAN only
            movements.append(movement(amount, "VIREMENT", name=f"CLIENT {n % 6} SARL",
                                      iban=iban if n % 6 == 0 else ""))
    # the same reference quoted twice, and a quoted invoice paid short
    movements += [movement(items[3]["amount"], "FACTURE FA-2026-0003"),
                  movement("10.00", "FACTURE FA-2026-0006")]
    _setup(store, statements_file, items_file, movements, items)

    def outcome() -> tuple[object, ...]:
        with Workspace(store, rules) as ws:
            result = plan(ws, rules).result
            out = (sorted((p.movement_id, p.lines, p.points) for p in result.all_auto()),
                   sorted(result.reasons.items()),
                   sorted((m, [(p.lines, p.points) for p in ps])
                          for m, ps in result.all_suggestions().items()))
            # the candidates of all the run's movements at once, to count the shortcut
            ids = ws.open().get_column("movement_id").to_list()
            ws.pairs(rules, ids, named_payers(ws.texts(), rules))
            skipped = store.rows("SELECT (SELECT count(*) FROM cm_tmp_movements) - "
                                 "(SELECT count(*) FROM cm_tmp_unsettled)")[0][0]
        return out, skipped

    fast, skipped = outcome()
    monkeypatch.setattr(blocking, "SETTLED_BY_REFERENCE_SQL",
                        "CREATE OR REPLACE TEMP TABLE cm_tmp_unsettled AS "
                        "SELECT * FROM cm_tmp_movements")
    full, none_skipped = outcome()
    assert (skipped, none_skipped) == (21, 0)  # 20 quoted exactly + FA-2026-0003 again
    assert full == fast and fast[0]


def test_ranking_in_batches_decides_as_ranking_all_at_once(store, rules, statements_file,
                                                          items_file) -> None:
    """A run ranks its movements a batch at a time; conflicts between movements of different
    batches are still settled over the run, and nothing else depends on the batch."""
    import random

    rng = random.Random(11)
    iban = "FR7630004000031234567890143"
    items, movements = [], []
    for n in range(40):
        amount = f"{rng.randint(50, 900)}.{rng.randint(0, 99):02d}"
        items.append(item(f"FA-2026-{n:04d}", amount, party=f"C{n % 4}",
                          name=f"CLIENT {n % 4} SARL", iban=iban if n % 4 == 0 else ""))
        shape = n % 4
        if shape == 0:
            movements.append(movement(amount, f"FACTURE FA-2026-{n:04d}"))
        elif shape == 1:
            movements.append(movement(amount, "VIREMENT", name=f"CLIENT {n % 4} SARL"))
        elif shape == 2:
            movements.append(movement("10.00", f"ACOMPTE FA-2026-{n:04d}"))
    # the first and the last movement claim the same invoice: they fall in different batches
    movements.append(movement(items[0]["amount"], "FACTURE FA-2026-0000"))
    _setup(store, statements_file, items_file, movements, items)

    def outcome(batch: int) -> tuple[object, ...]:
        result = plan_of(store, rules, batch=batch).result
        return (sorted((p.movement_id, p.lines, p.points, p.explanation)
                       for p in result.all_auto()),
                sorted(result.reasons.items()),
                sorted((m, [(p.rank, p.lines, p.points, p.explanation) for p in ps])
                       for m, ps in result.all_suggestions().items()))

    whole = outcome(10_000)
    assert whole == outcome(3) == outcome(1)
    assert dict(whole[1])[1] == "conflict" and whole[0]


def test_a_ranking_that_fails_in_its_thread_fails_the_plan(store, rules, statements_file,
                                                           items_file, monkeypatch) -> None:
    """Batches are ranked in a second thread: an error there reaches the caller."""
    import pytest

    from cashmatch.match import run as matching

    _setup(store, statements_file, items_file,
           [movement("10.00", "FACTURE FA-1"), movement("20.00", "FACTURE FA-2")],
           [item("FA-1", "10.00"), item("FA-2", "20.00")])

    def broken(*args: object) -> None:
        raise RuntimeError("ranking failed")

    monkeypatch.setattr(matching, "rank", broken)
    with pytest.raises(RuntimeError, match="ranking failed"):
        plan_of(store, rules, batch=1)


def test_a_run_that_fails_while_writing_writes_nothing_and_leaves_no_temp_table(
        store, rules, statements_file, items_file, monkeypatch) -> None:
    """The plan is read outside the run's transaction; a failure while the run writes rolls
    every write back, and the temporary tables of the plan are dropped either way."""
    import pytest

    from cashmatch.match import run as matching

    _setup(store, statements_file, items_file,
           [movement("100.00", "FACTURE FA-1"), movement("30.00", "FACTURE FA-2")],
           [item("FA-1", "100.00"), item("FA-2", "60.00")])
    def state() -> tuple[object, ...]:
        return (cashmatch.decision_log(store), cashmatch.journal_frame(store).rows(),
                cashmatch.list_reviews(store), cashmatch.matches_frame(store).rows())

    before = state()

    def fail(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(matching, "learn_payers", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run_match(store, rules)
    assert state() == before
    temp = "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name LIKE 'cm_tmp%'"
    assert store.scalar(temp) == 0
    monkeypatch.undo()
    s = run_match(store, rules)
    assert (s.auto, s.review) == (1, 1) and store.scalar(temp) == 0
