"""Posting: a movement and its allocations → one balanced journal entry (pure functions).

For a movement of amount ``m`` applied to items with allocations ``a1..an`` (same signs as
the items' amounts, which are the movements expected on the bank), with an optional
difference ``x`` that explains why the items settled are worth more (or less) than the money
received::

    512 bank account      debit m                (credit -m for a payment)
    627/665/658 or 758    debit x                (a fee, a discount, a rounding loss; credit
                                                  -x for a rounding gain)
    411/401 item account  credit a_i             (debit -a_i for a credit note or supplier item)
    411/401 + party       credit -x              (an over-payment: the excess stays on the
                                                  party's account, lettered to nothing)
    471 suspense          credit m + x - Σ a_i   when part of the movement is left unallocated

so every entry balances by construction, and :func:`check_entry` proves it before anything
is written. An item never receives more than its open amount; an excess is always an explicit
line. Writing the entry is :mod:`cashmatch.ledger.journal`'s job.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from cashmatch.config import Ledger
from cashmatch.errors import PostingError
from cashmatch.model import JournalEntry, JournalLine
from cashmatch.money import exponent, from_minor

if TYPE_CHECKING:
    import polars as pl

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class MovementFacts:
    """What posting needs to know of a movement."""

    movement_id: int
    booking_date: date
    amount: Decimal
    currency: str
    bank_reference: str | None
    counterparty_name: str | None
    remittance: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> MovementFacts:
        """From a ``cm_movements`` row (amount in minor units)."""
        ccy = row["currency"]
        return cls(row["movement_id"], row["booking_date"], from_minor(row["amount_minor"], ccy),
                   ccy, row["bank_reference"], row["counterparty_name"], row["remittance"])


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What posting needs to know of an open item, and what it still has open."""

    item_id: str
    account: str
    party_id: str | None
    party_name: str | None
    reference: str | None
    currency: str
    open_amount: Decimal
    amount: Decimal | None = None          # the item's whole amount, in its currency
    book_amount: Decimal | None = None     # its value in the ledger, for a foreign item
    book_currency: str | None = None


def _sides(amount: Decimal) -> tuple[Decimal, Decimal]:
    """(debit, credit) for a signed amount: positive = debit."""
    return (amount, ZERO) if amount > 0 else (ZERO, -amount)


def label(text: str, limit: int = 100) -> str:
    """A journal label: whitespace runs made one space, at most ``limit`` characters, "-"
    when nothing is left."""
    clean = " ".join(text.split())
    return clean[:limit] if clean else "-"


@functools.cache
def _python_spaces() -> str:
    """The characters :meth:`str.split` splits on (none above U+3000), as a
    regular-expression class: polars' ``\\s`` is Unicode's White_Space, which leaves out
    U+001C to U+001F."""
    spaces = [c for c in map(chr, range(0x3001)) if c.isspace()]
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in spaces) + "]"


def label_expr(text: pl.Expr, limit: int = 100) -> pl.Expr:
    """:func:`label` over a frame's column of texts."""
    import polars as pl

    clean = text.str.replace_all(_python_spaces() + "+", " ").str.strip_chars(" ")
    return pl.when(clean == "").then(pl.lit("-")).otherwise(clean.str.slice(0, limit))


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A difference posted beside the allocations: ``amount`` is debit-positive.

    ``kind`` is ``fee``, ``discount``, ``rounding`` or ``over`` (excess left on the party)."""

    kind: str
    amount: Decimal


def check_allocations(movement: MovementFacts, allocations: list[tuple[ItemFacts, Decimal]],
                      adjustment: Adjustment | None = None) -> None:
    """Refuse allocations that over-apply an item, flip a sign or exceed the movement (plus
    the explained difference)."""
    total = ZERO
    foreign = False
    for item, amount in allocations:
        if item.currency != movement.currency:
            if item.book_currency != movement.currency or item.book_amount is None or not item.amount:
                raise PostingError(f"item {item.item_id} is in {item.currency}, the movement in "
                                   f"{movement.currency}, and the item has no book amount in "
                                   f"{movement.currency} to value it")
            foreign = True
        if amount == 0:
            raise PostingError(f"allocation to item {item.item_id} is zero")
        if (amount > 0) != (item.open_amount > 0) or item.open_amount == 0:
            raise PostingError(f"allocation {amount} to item {item.item_id} does not have the "
                               f"sign of its open amount {item.open_amount}")
        if abs(amount) > abs(item.open_amount):
            raise PostingError(f"allocation {amount} exceeds the open amount "
                               f"{item.open_amount} of item {item.item_id}")
        total += amount
    if foreign:
        if adjustment is not None:
            raise PostingError("an exchange difference cannot be combined with another "
                               "difference in one entry")
        return  # amounts are in several currencies: the FX line balances the entry
    available = movement.amount + (adjustment.amount if adjustment else ZERO)
    if adjustment is not None and (available > 0) != (movement.amount > 0):
        raise PostingError(f"a {adjustment.kind} of {adjustment.amount} cannot exceed the "
                           f"movement {movement.amount}")
    if available >= 0 and not ZERO <= total <= available or \
            available < 0 and not available <= total <= ZERO:
        raise PostingError(f"allocations total {total} but movement {movement.movement_id} is "
                           f"{movement.amount}: a movement cannot be applied beyond its amount")


_ADJUST_LABELS = {"fee": "Frais bancaires déduits", "discount": "Escompte accordé",
                  "rounding": "Écart de règlement", "over": "Trop-perçu"}


def one_line_differences(ledger: Ledger) -> tuple[str, ...]:
    """The kinds of difference :func:`adjustment_lines` posts as a single line: all but a
    discount the ledger splits into its net part and VAT."""
    return tuple(k for k in _ADJUST_LABELS if k != "discount" or not ledger.discount_vat_rate)


def adjustment_label(kind: str, party_item: ItemFacts) -> str:
    """The label of the line that posts a difference of ``kind`` (the first line, for a
    discount split with its VAT)."""
    title = _ADJUST_LABELS.get(kind, kind)
    if kind == "over":
        return label(f"{title} {party_item.party_name or ''}")
    return label(f"{title} {party_item.reference or party_item.item_id}")


def adjustment_account(kind: str, amount: Decimal | int, ledger: Ledger,
                       party_item: ItemFacts) -> str:
    """The account of the line that posts a difference of ``kind`` and (debit-positive)
    ``amount``: an over-payment stays on the party's account (a customer credit) or goes
    to ``ledger.overpayment_account`` (4191) when set; a rounding is a loss or a gain."""
    if kind == "over":
        return ledger.overpayment_account or party_item.account
    return {"fee": ledger.fee_account, "discount": ledger.discount_account}.get(
        kind, ledger.writeoff_loss_account if amount > 0 else ledger.writeoff_gain_account)


def adjustment_lines(adjustment: Adjustment, ledger: Ledger, party_item: ItemFacts,
                     currency: str) -> list[JournalLine]:
    """The lines that post a difference, on the accounts the ledger settings name
    (:func:`adjustment_account`, :func:`adjustment_label`).

    An over-payment carries the party as auxiliary account; a discount is split into its net
    part (665) and the VAT it reduces (44571) when ``ledger.discount_vat_rate`` is set."""
    amount = adjustment.amount
    text = adjustment_label(adjustment.kind, party_item)
    account = adjustment_account(adjustment.kind, amount, ledger, party_item)
    if adjustment.kind == "over":
        return [JournalLine(account, *_sides(amount), label=text,
                            aux_account=party_item.party_id, aux_label=party_item.party_name)]
    if adjustment.kind == "discount" and ledger.discount_vat_rate:
        rate = ledger.discount_vat_rate
        vat = (amount * rate / (100 + rate)).quantize(Decimal(1).scaleb(-exponent(currency)),
                                                       ROUND_HALF_UP)
        lines = [JournalLine(account, *_sides(amount - vat), label=text)]
        if vat:
            lines.append(JournalLine(ledger.vat_account, *_sides(vat),
                                     label=label(f"TVA sur escompte {party_item.reference or ''}")))
        return lines
    return [JournalLine(account, *_sides(amount), label=text)]


def entry_for(movement: MovementFacts, allocations: list[tuple[ItemFacts, Decimal]],
              ledger: Ledger, adjustment: Adjustment | None = None,
              cash_account: str | None = None) -> JournalEntry:
    """The entry that books ``movement`` against ``allocations`` and the explained
    difference (the rest, if any, to suspense). ``cash_account`` replaces the bank account
    when money parked in suspense is reclassified."""
    check_allocations(movement, allocations, adjustment)
    who = movement.counterparty_name or ""
    lines = [JournalLine(cash_account or ledger.bank_account, *_sides(movement.amount),
                         label=label(f"{who} {movement.remittance}"))]
    if adjustment is not None and adjustment.amount:
        if not allocations:
            raise PostingError("a difference needs at least one allocation to explain")
        lines.extend(adjustment_lines(adjustment, ledger, allocations[0][0], movement.currency))
    values = [book_value(item, amount, movement.currency) for item, amount in allocations]
    for (item, _), value in zip(allocations, values, strict=True):
        lines.append(JournalLine(item.account, *_sides(-value),
                                 label=label(f"Règlement {item.reference or item.item_id}"),
                                 aux_account=item.party_id, aux_label=item.party_name,
                                 item_id=item.item_id))
    remainder = (movement.amount + (adjustment.amount if adjustment else ZERO)
                 - sum(values, ZERO))
    if remainder and any(item.currency != movement.currency for item, _ in allocations):
        account = ledger.fx_gain_account if remainder > 0 else ledger.fx_loss_account
        lines.append(JournalLine(account, *_sides(-remainder),
                                 label=label(f"{'Gain' if remainder > 0 else 'Perte'} de change "
                                              f"{who}")))
        remainder = ZERO
    if remainder:
        lines.append(JournalLine(ledger.suspense_account, *_sides(-remainder),
                                 label=label(f"Non affecté {who}")))
    entry = JournalEntry(
        journal=ledger.journal, entry_date=movement.booking_date,
        label=label(f"{who} {movement.remittance}"),
        piece_ref=movement.bank_reference or f"M{movement.movement_id}",
        currency=movement.currency, lines=tuple(lines), movement_id=movement.movement_id)
    check_entry(entry)
    return entry


def book_value(item: ItemFacts, amount: Decimal, currency: str) -> Decimal:
    """What ``amount`` of ``item`` (in the item's currency) is worth in the ledger: itself for
    an item in ``currency``; for a foreign item, its share of the booked value."""
    if item.currency == currency:
        return amount
    assert item.book_amount is not None and item.amount
    exact = item.book_amount * amount / item.amount
    return exact.quantize(Decimal(1).scaleb(-exponent(currency)), ROUND_HALF_UP)


def check_entry(entry: JournalEntry) -> None:
    """Every line one-sided and non-negative; Σ debit = Σ credit."""
    for ln in entry.lines:
        if ln.debit < 0 or ln.credit < 0 or (ln.debit == 0) == (ln.credit == 0):
            raise PostingError(f"line on {ln.account} must have exactly one positive side "
                               f"(debit {ln.debit}, credit {ln.credit})")
    if not entry.balanced:
        raise PostingError(f"entry does not balance: debit {entry.total_debit}, "
                           f"credit {entry.total_credit}")
