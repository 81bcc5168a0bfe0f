"""Property tests: whatever the movements (two banks, a posting rule with VAT, any dates),
items and decisions (reversals included), the books stay right: every entry balances, each
journal is numbered without a gap in date and validation order, no item is over-applied."""

from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cashmatch.config import BankRule, PostRule, Rules
from cashmatch.errors import Conflict, NotFound, ReviewError
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.ledger.actions import accept, assign, unmatch
from cashmatch.ledger.review import list_reviews
from cashmatch.match.run import run_match
from cashmatch.store import Store
from tests.conftest import ACCOUNT, ITEM_HEADER, STATEMENT_HEADER, item, movement, write_csv

cents = st.integers(min_value=-50_000, max_value=50_000).filter(lambda c: c != 0)


def _amt(c: int) -> str:
    return str(Decimal(c).scaleb(-2))


#: Two banks, each its account and journal, and a posting rule with a VAT split.
OTHER = "FR7610107001011234567890129"
RULES = Rules(banks=(BankRule("a", ACCOUNT, "512100", "BQA"), BankRule("b", OTHER, "512200", "BQB")),
              postings=(PostRule("fees", "627800", "Frais", pattern="FRAIS",
                                 vat_rate=Decimal(20)),))


@st.composite
def books(draw):  # type: ignore[no-untyped-def]
    n_items = draw(st.integers(1, 6))
    items = [draw(cents) for _ in range(n_items)]
    moves = []
    for _ in range(draw(st.integers(1, 6))):
        target = draw(st.integers(0, n_items - 1))
        amount = draw(st.one_of(st.just(items[target]), cents))
        text = draw(st.sampled_from(["", f"FACT INV-{target}", "FRAIS",
                                     f"INV{target} INV-{(target + 1) % n_items}"]))
        moves.append((amount, text, draw(st.integers(1, 9)), draw(st.booleans())))
    actions = draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, n_items - 1),
                                      st.one_of(st.none(), cents), st.booleans()), max_size=6))
    return items, moves, actions


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books())
def test_entries_balance_and_nothing_is_over_applied(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    items, moves, actions = data
    d: Path = tmp_path_factory.mktemp("inv")
    with Store.open(d / "s.duckdb") as store:
        rules = RULES
        kinds = ["invoice" if c > 0 else "credit_note" for c in items]
        import_items(store, write_csv(d / "i.csv", ITEM_HEADER, [
            item(f"INV-{i}", _amt(c), kind=k) for i, (c, k) in enumerate(zip(items, kinds))]))
        import_statements(store, [write_csv(d / "s.csv", STATEMENT_HEADER, [
            movement(_amt(a), t, bank_ref=f"B{i}", day=f"2026-02-0{day}")
            | ({"account_iban": OTHER} if other else {})
            for i, (a, t, day, other) in enumerate(moves)])])
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
    """The books, read through the library, are right whatever happened."""
    import polars as pl

    import cashmatch

    journal = cashmatch.journal_frame(store).with_columns(
        (pl.col("debit").cast(pl.Decimal(20, 2)) * 100).cast(pl.Int64).alias("d"),
        (pl.col("credit").cast(pl.Decimal(20, 2)) * 100).cast(pl.Int64).alias("c"))
    entries = journal.group_by("entry_number", maintain_order=True).agg(
        pl.col("d").sum(), pl.col("c").sum(), pl.col("movement_id").first(),
        pl.col("action").first(), pl.col("reverses").first(), pl.col("journal").first(),
        pl.col("entry_date").first(), pl.col("created_at").first())
    assert entries.filter(pl.col("d") != pl.col("c")).height == 0
    for (code,), mine in entries.group_by("journal"):  # continuous, in date order
        ordered = mine.sort("entry_number")
        numbers = ordered.get_column("entry_number").to_list()
        assert numbers == [f"{code}{n:06d}" for n in range(1, len(numbers) + 1)]
        assert ordered.get_column("entry_date").is_sorted()
        assert ordered.get_column("created_at").is_sorted()
    _check_movements(store, journal, RULES)
    for i in cashmatch.list_items(store):  # no item applied beyond its amount, nor flipped
        assert 0 <= i["open_amount"] * (1 if i["amount"] > 0 else -1) <= abs(i["amount"])
    # every application has its entry; every reversal mirrors the entry it reverses
    applying = {d["decision_id"] for d in cashmatch.decision_log(store)
                if d["action"] in ("auto", "accept", "assign")}
    assert applying <= set(journal.get_column("decision_id").drop_nulls().to_list())
    for number in journal.filter(pl.col("reverses").is_not_null()).get_column("entry_number"):
        undo = journal.filter(pl.col("entry_number") == number)
        done = journal.filter(pl.col("entry_number") == undo.get_column("reverses")[0])
        assert undo.select("account", "d", "c").rows() == done.select("account", "c", "d").rows()


def _check_movements(store: Store, journal: object, rules: Rules) -> None:
    """A movement is on the bank account in full while a decision applies it (0 once undone);
    what it applies to items never exceeds it but for an explicit difference line (a fee, a
    discount, a rounding write-off) in its entries, and a fee stays within the tolerance."""
    import polars as pl

    import cashmatch

    assert isinstance(journal, pl.DataFrame)
    ledger = rules.ledger
    undone = {d["reverses_decision_id"] for d in cashmatch.decision_log(store)}
    live = {d["movement_id"] for d in cashmatch.decision_log(store)
            if d["action"] in ("auto", "accept", "assign", "suspense", "post")
            and d["decision_id"] not in undone}
    amounts = {m["movement_id"]: int(m["amount"] * 100) for m in cashmatch.list_movements(store)}
    differences = (ledger.fee_account, ledger.discount_account, ledger.writeoff_loss_account,
                   ledger.writeoff_gain_account)
    banks = [bank.account for bank in rules.banks]
    per_movement = journal.group_by("movement_id").agg(
        (pl.col("d") - pl.col("c")).filter(pl.col("account").is_in(banks)).sum()
        .alias("bank"),
        (pl.col("c") - pl.col("d")).filter(pl.col("item_id").is_not_null()).sum()
        .alias("applied"),
        (pl.col("d") - pl.col("c")).filter(pl.col("account").is_in(differences)).sum()
        .alias("explained"),
        (pl.col("d") + pl.col("c")).filter(pl.col("account") == ledger.fee_account).max()
        .alias("fee"))
    for mid, bank, applied_, explained, fee in per_movement.iter_rows():
        amount = amounts[mid]
        assert bank == (amount if mid in live else 0)
        assert abs(applied_) <= abs(amount + explained) and applied_ * amount >= 0
        assert (fee or 0) <= 3000
