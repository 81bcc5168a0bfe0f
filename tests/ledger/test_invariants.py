"""Property tests: whatever the movements, items and decisions, the books stay right."""

from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cashmatch.config import Rules
from cashmatch.errors import Conflict, NotFound, ReviewError
from cashmatch.ingest.items import import_items
from cashmatch.match.run import run_match
from cashmatch.ledger.actions import accept, assign, unmatch
from cashmatch.ledger.review import list_reviews
from cashmatch.ingest.statements import import_statements
from cashmatch.store import Store
from tests.conftest import ITEM_HEADER, STATEMENT_HEADER, item, movement, write_csv

cents = st.integers(min_value=-50_000, max_value=50_000).filter(lambda c: c != 0)


def _amt(c: int) -> str:
    return str(Decimal(c).scaleb(-2))


@st.composite
def books(draw):  # type: ignore[no-untyped-def]
    n_items = draw(st.integers(1, 6))
    items = [draw(cents) for _ in range(n_items)]
    moves = []
    for _ in range(draw(st.integers(1, 6))):
        target = draw(st.integers(0, n_items - 1))
        amount = draw(st.one_of(st.just(items[target]), cents))
        text = draw(st.sampled_from(["", f"FACT INV-{target}", f"INV{target} INV-{(target + 1) % n_items}"]))
        moves.append((amount, text))
    actions = draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, n_items - 1),
                                      st.one_of(st.none(), cents), st.booleans()), max_size=6))
    return items, moves, actions


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books())
def test_entries_balance_and_nothing_is_over_applied(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    items, moves, actions = data
    d: Path = tmp_path_factory.mktemp("inv")
    with Store.open(d / "s.duckdb") as store:
        rules = Rules()
        kinds = ["invoice" if c > 0 else "credit_note" for c in items]
        import_items(store, write_csv(d / "i.csv", ITEM_HEADER, [
            item(f"INV-{i}", _amt(c), kind=k) for i, (c, k) in enumerate(zip(items, kinds))]))
        import_statements(store, [write_csv(d / "s.csv", STATEMENT_HEADER, [
            movement(_amt(a), t, bank_ref=f"B{i}") for i, (a, t) in enumerate(moves)])])
        run_match(store, rules)
        for which, target, amount, undo in actions:
            if undo:
                try:
                    unmatch(store, rules, which % len(moves) + 1, "property test")
                except (ReviewError, Conflict, NotFound):
                    pass
                continue
            open_reviews = list_reviews(store)
            if not open_reviews:
                continue
            rv = open_reviews[which % len(open_reviews)]["review_id"]
            try:
                if amount is None:
                    accept(store, rules, rv)
                else:
                    assign(store, rules, rv, [(f"INV-{target}", Decimal(amount).scaleb(-2))])
            except (ReviewError, Conflict, NotFound):
                pass  # refused decisions must leave no trace: checked below
        _check_books(store)


def _check_books(store: Store) -> None:
    unbalanced = store.rows("SELECT entry_id FROM cm_journal_lines GROUP BY entry_id "
                            "HAVING sum(debit_minor) <> sum(credit_minor)")
    assert unbalanced == []
    # a movement's allocations never exceed it, but for an explicit difference line (a fee, a
    # discount, a rounding write-off) posted in the same entry
    rules = Rules()
    difference_accounts = [rules.ledger.fee_account, rules.ledger.discount_account,
                           rules.ledger.writeoff_loss_account, rules.ledger.writeoff_gain_account]
    over_movement = store.rows("""
        WITH alloc AS (SELECT movement_id, sum(amount_minor) AS applied FROM cm_allocations
                       GROUP BY movement_id),
             diff AS (SELECT e.movement_id, sum(l.debit_minor - l.credit_minor) AS explained
                      FROM cm_journal_entries e JOIN cm_journal_lines l USING (entry_id)
                      WHERE list_contains(?, l.account) GROUP BY e.movement_id)
        SELECT m.movement_id FROM cm_movements m JOIN alloc USING (movement_id)
        LEFT JOIN diff USING (movement_id)
        WHERE abs(alloc.applied) > abs(m.amount_minor + coalesce(diff.explained, 0))
           OR sign(alloc.applied) * sign(m.amount_minor) < 0""", [difference_accounts])
    assert over_movement == []
    tolerance = store.rows("""
        SELECT e.movement_id FROM cm_journal_entries e JOIN cm_journal_lines l USING (entry_id)
        WHERE l.account = ? AND l.debit_minor + l.credit_minor > 3000""",
                           [rules.ledger.fee_account])
    assert tolerance == []
    over_item = store.rows("""
        SELECT i.item_id FROM cm_items i JOIN cm_allocations a USING (item_id)
        GROUP BY i.item_id, i.amount_minor, i.settled_outside_minor
        HAVING abs(sum(a.amount_minor) + i.settled_outside_minor) > abs(i.amount_minor)
            OR sign(sum(a.amount_minor)) * sign(i.amount_minor) < 0""")
    assert over_item == []
    # an applied movement is booked in full on the bank account once; an undone one nets to 0
    bank = store.rows("""
        WITH active AS (
            SELECT d.movement_id FROM cm_decisions d
            WHERE d.action IN ('auto', 'accept', 'assign', 'suspense') AND NOT EXISTS (
                SELECT 1 FROM cm_decisions u WHERE u.reverses_decision_id = d.decision_id))
        SELECT e.movement_id FROM cm_journal_entries e JOIN cm_journal_lines l USING (entry_id)
        JOIN cm_movements m ON m.movement_id = e.movement_id
        WHERE l.account = '512000'
        GROUP BY e.movement_id, m.amount_minor
        HAVING sum(l.debit_minor - l.credit_minor) <> CASE
            WHEN e.movement_id IN (SELECT movement_id FROM active) THEN m.amount_minor ELSE 0 END""")
    assert bank == []
    numbers = [r[0] for r in store.rows("SELECT entry_id FROM cm_journal_entries ORDER BY 1")]
    assert numbers == list(range(1, len(numbers) + 1))
    decisions_without_entry = store.rows("""
        SELECT d.decision_id FROM cm_decisions d
        WHERE d.action IN ('auto', 'accept', 'assign')
        AND NOT EXISTS (SELECT 1 FROM cm_journal_entries e WHERE e.decision_id = d.decision_id)""")
    assert decisions_without_entry == []
    # every reversal mirrors the entry it reverses
    mirrors = store.rows("""
        SELECT r.entry_id FROM cm_journal_entries r
        JOIN cm_journal_lines rl ON rl.entry_id = r.entry_id
        JOIN cm_journal_lines ol ON ol.entry_id = r.reverses_entry_id AND ol.line_no = rl.line_no
        WHERE rl.debit_minor <> ol.credit_minor OR rl.credit_minor <> ol.debit_minor""")
    assert mirrors == []
