from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashmatch.config import Ledger
from cashmatch.errors import PostingError
from cashmatch.ledger.journal import lettrage_code
from cashmatch.model import JournalEntry, JournalLine
from cashmatch.ledger.posting import (
    ItemFacts,
    MovementFacts,
    check_entry,
    entry_for,
    label,
    label_expr,
)

D = Decimal


def _mv(amount: str) -> MovementFacts:
    return MovementFacts(1, date(2026, 2, 3), D(amount), "EUR", "BQ1", "DUPONT SARL", "FACT")


def _item(item_id: str, open_amount: str, account: str = "411000") -> ItemFacts:
    return ItemFacts(item_id, account, "C1", "DUPONT SARL", item_id, "EUR", D(open_amount))


def test_invoice_minus_credit_note() -> None:
    e = entry_for(_mv("1000.00"), [(_item("FA-1", "1200.00"), D("1200.00")),
                                   (_item("AV-1", "-200.00"), D("-200.00"))], Ledger())
    assert [(ln.account, ln.debit, ln.credit, ln.item_id) for ln in e.lines] == [
        ("512000", D("1000.00"), 0, None), ("411000", 0, D("1200.00"), "FA-1"),
        ("411000", D("200.00"), 0, "AV-1")]
    assert e.balanced and e.piece_ref == "BQ1"


def test_remainder_goes_to_suspense() -> None:
    e = entry_for(_mv("150.00"), [(_item("FA-1", "100.00"), D("100.00"))], Ledger())
    assert (e.lines[-1].account, e.lines[-1].credit) == ("471000", D("50.00"))


@pytest.mark.parametrize("allocs, message", [
    ([("FA-1", "100.00", "120.00")], "exceeds the open amount"),
    ([("FA-1", "100.00", "-10.00")], "does not have the sign"),
    ([("FA-1", "500.00", "200.00")], "beyond its amount"),
    ([("FA-1", "100.00", "0")], "is zero"),
])
def test_refused_allocations(allocs, message: str) -> None:
    with pytest.raises(PostingError, match=message):
        entry_for(_mv("150.00"), [(_item(i, o), D(a)) for i, o, a in allocs], Ledger())


def test_unbalanced_entry_is_refused() -> None:
    e = JournalEntry("BQ", date(2026, 1, 1), "x", "p", "EUR", (
        JournalLine("512000", D("10"), D("0"), "a"), JournalLine("411000", D("0"), D("9"), "b")))
    with pytest.raises(PostingError, match="does not balance"):
        check_entry(e)


@given(st.lists(st.integers(1, 10**8), min_size=1, max_size=8), st.integers(0, 10**8))
def test_entries_always_balance(opens: list[int], extra: int) -> None:
    items = [(_item(f"I{i}", str(D(c).scaleb(-2))), D(c).scaleb(-2)) for i, c in enumerate(opens)]
    total = sum(a for _, a in items) + D(extra).scaleb(-2)
    e = entry_for(_mv(str(total)), items, Ledger())
    assert e.total_debit == e.total_credit == total


def test_lettrage_codes() -> None:
    assert [lettrage_code(n) for n in (0, 1, 25, 26, 17575, 17576)] == [
        "AAA", "AAB", "AAZ", "ABA", "ZZZ", "AAAA"]


def test_discount_vat_and_overpayment_account() -> None:
    from dataclasses import replace

    from cashmatch.ledger.posting import Adjustment

    ledger = replace(Ledger(), discount_vat_rate=D("20"), overpayment_account="419100")
    e = entry_for(_mv("1176.00"), [(_item("FA-1", "1200.00"), D("1200.00"))], ledger,
                  Adjustment("discount", D("24.00")))
    assert [(ln.account, ln.debit, ln.credit) for ln in e.lines] == [
        ("512000", D("1176.00"), 0), ("665000", D("20.00"), 0), ("445710", D("4.00"), 0),
        ("411000", 0, D("1200.00"))]
    over = entry_for(_mv("1250.00"), [(_item("FA-1", "1200.00"), D("1200.00"))], ledger,
                     Adjustment("over", D("-50.00")))
    assert [(ln.account, ln.debit, ln.credit, ln.aux_account) for ln in over.lines] == [
        ("512000", D("1250.00"), 0, None), ("419100", 0, D("50.00"), "C1"),
        ("411000", 0, D("1200.00"), "C1")]


def test_exchange_gain_on_a_part_payment_and_missing_book_value() -> None:
    usd = ItemFacts("INV-1", "411000", "C1", "ACME", "INV-1", "USD", D("1000.00"), D("1000.00"),
                    D("920.00"), "EUR")
    e = entry_for(_mv("470.00"), [(usd, D("500.00"))], Ledger())  # booked 460.00 for half
    assert [(ln.account, ln.debit, ln.credit) for ln in e.lines] == [
        ("512000", D("470.00"), 0), ("411000", 0, D("460.00")), ("756000", 0, D("10.00"))]
    unbooked = ItemFacts("INV-2", "411000", "C1", "ACME", "INV-2", "USD", D("10.00"))
    with pytest.raises(PostingError, match="no book amount in EUR"):
        entry_for(_mv("9.00"), [(unbooked, D("10.00"))], Ledger())


#: Every character Python splits on, and a few it does not (U+180E, U+200B, U+FEFF).
SPACES = [c for c in map(chr, range(0x110000)) if c.isspace()] + ["\u180e", "\u200b", "\ufeff"]


TEXTS = st.text(alphabet=st.sampled_from(SPACES) | st.characters(codec="utf-8"), max_size=60)


@given(st.lists(TEXTS | st.just("x" * 150), max_size=8))
def test_labels_over_a_frame_are_the_labels_of_each_text(texts) -> None:
    import polars as pl

    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(
        label_expr(pl.col("t"))).to_series().to_list()
    assert got == [label(t) for t in texts]
