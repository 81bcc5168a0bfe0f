"""The one line-builder: balanced entries for one movement or many, differences, exchange
differences, suspense remainders, reversals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashmatch.config import Ledger
from cashmatch.errors import PostingError
from cashmatch.ledger.lettrage import lettrage_code
from cashmatch.ledger.posting import (
    ALLOCATION_COLUMNS,
    ENTRY_COLUMNS,
    check_entries,
    entry_lines,
    label_expr,
    reversal_lines,
)

ENTRY_SCHEMA = {"k": pl.Int64, "movement_id": pl.Int64, "booking_date": pl.Date,
                "amount_minor": pl.Int64, "currency": pl.String, "bank_reference": pl.String,
                "counterparty_name": pl.String, "remittance": pl.String,
                "cash_account": pl.String, "adjust_kind": pl.String, "adjust_minor": pl.Int64}
ALLOCATION_SCHEMA = {"k": pl.Int64, "item_id": pl.String, "account": pl.String,
                     "party_id": pl.String, "party_name": pl.String, "reference": pl.String,
                     "item_currency": pl.String, "applied_minor": pl.Int64,
                     "open_minor": pl.Int64, "item_amount_minor": pl.Int64,
                     "book_minor": pl.Int64, "book_currency": pl.String}


def _entries(*rows: tuple[int, int, str | None, int]) -> pl.DataFrame:
    """(k, amount, adjust kind, adjust) per entry, EUR, on 2026-02-03."""
    assert set(ENTRY_SCHEMA) == set(ENTRY_COLUMNS)
    return pl.DataFrame([(k, k + 1, date(2026, 2, 3), amount, "EUR", f"BQ{k}", "DUPONT SARL",
                          "FACT", None, kind, adjust) for k, amount, kind, adjust in rows],
                        schema=ENTRY_SCHEMA, orient="row")


def _allocs(*rows: tuple, ccy: str = "EUR") -> pl.DataFrame:
    """(k, item, open, applied[, item amount, book amount, book currency])."""
    assert set(ALLOCATION_SCHEMA) == set(ALLOCATION_COLUMNS)
    out = []
    for k, item, open_, applied, *fx in rows:
        whole, book, book_ccy = fx or (open_, None, None)
        out.append((k, item, "411000", "C1", "DUPONT SARL", item, ccy, applied, open_, whole,
                    book, book_ccy))
    return pl.DataFrame(out, schema=ALLOCATION_SCHEMA, orient="row")


def _lines(frame: pl.DataFrame) -> list[tuple]:
    return frame.select("k", "account", "debit_minor", "credit_minor", "item_id").rows()


def test_invoice_minus_credit_note() -> None:
    lines = entry_lines(_entries((0, 100000, None, 0)),
                        _allocs((0, "FA-1", 120000, 120000), (0, "AV-1", -20000, -20000)),
                        Ledger())
    assert _lines(lines) == [(0, "512000", 100000, 0, None), (0, "411000", 0, 120000, "FA-1"),
                             (0, "411000", 20000, 0, "AV-1")]
    assert lines.get_column("line_no").to_list() == [1, 2, 3]


def test_remainder_goes_to_suspense_and_many_entries_at_once() -> None:
    lines = entry_lines(_entries((0, 15000, None, 0), (1, 4000, None, 0)),
                        _allocs((0, "FA-1", 10000, 10000), (1, "FA-2", 4000, 4000)), Ledger())
    assert _lines(lines) == [(0, "512000", 15000, 0, None), (0, "411000", 0, 10000, "FA-1"),
                             (0, "471000", 0, 5000, None), (1, "512000", 4000, 0, None),
                             (1, "411000", 0, 4000, "FA-2")]


@pytest.mark.parametrize("allocs, message", [
    ([(0, "FA-1", 10000, 12000)], "exceeds the open amount 100.00"),
    ([(0, "FA-1", 10000, -1000)], "does not have the sign"),
    ([(0, "FA-1", 50000, 20000)], "beyond its amount"),
    ([(0, "FA-1", 10000, 0)], "is zero"),
    ([(0, "FA-1", 10000, 6000), (0, "FA-1", 10000, 6000)], "exceeds the open amount"),
])
def test_refused_allocations(allocs: list[tuple], message: str) -> None:
    with pytest.raises(PostingError, match=message):
        entry_lines(_entries((0, 15000, None, 0)), _allocs(*allocs), Ledger())


def test_unbalanced_lines_are_refused() -> None:
    lines = pl.DataFrame({"k": [0, 0], "account": ["512000", "411000"], "debit_minor": [10, 0],
                          "credit_minor": [0, 9], "currency": ["EUR", "EUR"]})
    with pytest.raises(PostingError, match="does not balance: debit 0.10, credit 0.09"):
        check_entries(lines)
    with pytest.raises(PostingError, match="exactly one positive side"):
        check_entries(lines.with_columns(pl.lit(5).alias("credit_minor")))


@given(st.lists(st.lists(st.integers(1, 10**8), min_size=1, max_size=6), min_size=1,
                max_size=5), st.integers(0, 10**8))
def test_entries_always_balance(opens: list[list[int]], extra: int) -> None:
    entries = _entries(*[(k, sum(o) + extra, None, 0) for k, o in enumerate(opens)])
    allocs = _allocs(*[(k, f"I{k}-{i}", c, c) for k, o in enumerate(opens)
                       for i, c in enumerate(o)])
    lines = entry_lines(entries, allocs, Ledger())
    sums = lines.group_by("k").agg(pl.col("debit_minor").sum(), pl.col("credit_minor").sum())
    assert (sums["debit_minor"] == sums["credit_minor"]).all()
    undone = reversal_lines(lines)
    assert undone["debit_minor"].to_list() == lines["credit_minor"].to_list()


def test_lettrage_codes() -> None:
    assert [lettrage_code(n) for n in (0, 1, 25, 26, 17575, 17576)] == [
        "AAA", "AAB", "AAZ", "ABA", "ZZZ", "AAAA"]


def test_discount_vat_and_overpayment_account() -> None:
    ledger = replace(Ledger(), discount_vat_rate=Decimal(20), overpayment_account="419100")
    lines = entry_lines(_entries((0, 117600, "discount", 2400), (1, 125000, "over", -5000)),
                        _allocs((0, "FA-1", 120000, 120000), (1, "FA-2", 120000, 120000)),
                        ledger)
    assert lines.select("k", "account", "debit_minor", "credit_minor", "aux_account").rows() == [
        (0, "512000", 117600, 0, None), (0, "665000", 2000, 0, None),
        (0, "445710", 400, 0, None), (0, "411000", 0, 120000, "C1"),
        (1, "512000", 125000, 0, None), (1, "419100", 0, 5000, "C1"),
        (1, "411000", 0, 120000, "C1")]
    assert lines.get_column("label").to_list()[1:3] == ["Escompte accordé FA-1",
                                                         "TVA sur escompte FA-1"]


def test_exchange_gain_on_a_part_payment_and_missing_book_value() -> None:
    usd = _allocs((0, "INV-1", 100000, 50000, 100000, 92000, "EUR"), ccy="USD")
    lines = entry_lines(_entries((0, 47000, None, 0)), usd, Ledger())  # 460.00 booked for half
    assert _lines(lines) == [(0, "512000", 47000, 0, None), (0, "411000", 0, 46000, "INV-1"),
                             (0, "756000", 0, 1000, None)]
    unbooked = _allocs((0, "INV-2", 1000, 1000), ccy="USD")
    with pytest.raises(PostingError, match="no book amount in EUR"):
        entry_lines(_entries((0, 900, None, 0)), unbooked, Ledger())


#: Every character Python splits on, and a few it does not (U+180E, U+200B, U+FEFF).
SPACES = [c for c in map(chr, range(0x110000)) if c.isspace()] + ["\u180e", "\u200b", "\ufeff"]
TEXTS = st.text(alphabet=st.sampled_from(SPACES) | st.characters(codec="utf-8"), max_size=60)


@given(st.lists(TEXTS | st.just("x" * 150), max_size=8))
def test_labels_collapse_whitespace_and_are_cut(texts: list[str]) -> None:
    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(
        label_expr(pl.col("t"))).to_series().to_list()
    assert got == [(" ".join(t.split())[:100] or "-") for t in texts]


def _accounts(*rows: tuple[int, str, int, int | None]) -> pl.DataFrame:
    """(k, account, amount, VAT basis points) of account lines."""
    from cashmatch.ledger.posting import ACCOUNT_LINE_COLUMNS

    frame = pl.DataFrame([(k, account, None, None, f"L{account}", amount, bp,
                           "445660" if bp else None, None) for k, account, amount, bp in rows],
                         schema={"k": pl.Int64, "account": pl.String, "aux_account": pl.String,
                                 "aux_label": pl.String, "label": pl.String,
                                 "amount_minor": pl.Int64, "vat_bp": pl.Int64,
                                 "vat_account": pl.String, "item_id": pl.String}, orient="row")
    assert tuple(frame.columns) == ACCOUNT_LINE_COLUMNS
    return frame


def test_account_lines_with_a_vat_split_and_a_remainder() -> None:
    lines = entry_lines(_entries((0, -1200, None, 0), (1, -1830, None, 0), (2, 5000, None, 0)),
                        _allocs(), Ledger(),
                        _accounts((0, "613500", -1200, 2000), (1, "431000", -1830, None),
                                  (2, "768000", 3000, 550)))
    assert _lines(lines) == [
        (0, "512000", 0, 1200, None), (0, "613500", 1000, 0, None), (0, "445660", 200, 0, None),
        (1, "512000", 0, 1830, None), (1, "431000", 1830, 0, None),
        (2, "512000", 5000, 0, None), (2, "768000", 0, 2844, None), (2, "445660", 0, 156, None),
        (2, "471000", 0, 2000, None)]  # 30.00 at 5.5 %: 1.56 of VAT; 20.00 left unallocated
    assert lines.get_column("label").to_list()[2] == "TVA L613500"


@pytest.mark.parametrize("accounts, message", [
    (((0, "627000", 500, None),), "does not have the sign of its movement"),
    (((0, "627000", -2000, None),), "beyond its amount"),
    (((0, "627000", -500, 10_000),), "not a rate below 100 %"),
])
def test_refused_account_lines(accounts: tuple, message: str) -> None:
    with pytest.raises(PostingError, match=message):
        entry_lines(_entries((0, -1500, None, 0)), _allocs(), Ledger(), _accounts(*accounts))


@given(st.lists(st.tuples(st.integers(-10**9, 10**9).filter(bool),
                          st.integers(0, 9_999), st.integers(0, 100)), min_size=1, max_size=8))
def test_entries_with_account_lines_always_balance(rows: list[tuple[int, int, int]]) -> None:
    """Whatever the amounts and VAT rates, rule postings balance, the VAT line has the sign of
    the net line, and their reversal mirrors them."""
    entries = _entries(*[(k, amount, None, 0) for k, (amount, _, _) in enumerate(rows)])
    booked = _accounts(*[(k, "627000", amount * share // 100 or amount, bp)
                         for k, (amount, bp, share) in enumerate(rows)])
    lines = entry_lines(entries, _allocs(), Ledger(), booked)
    sums = lines.group_by("k").agg(pl.col("debit_minor").sum(), pl.col("credit_minor").sum())
    assert (sums["debit_minor"] == sums["credit_minor"]).all()
    for k, (amount, _, _) in enumerate(rows):
        mine = lines.filter(pl.col("k") == k)
        sides = mine.filter(pl.col("account") != "512000").select(
            (pl.col("debit_minor") > 0).alias("d")).to_series().to_list()
        assert all(d == (amount < 0) for d in sides)  # a payment's counterparts are debits
    undone = reversal_lines(lines)
    assert undone["credit_minor"].to_list() == lines["debit_minor"].to_list()
