"""The domain records of cashmatch: frozen, typed, with their provenance.

Amounts are ``Decimal`` and signed from the bank account's point of view: a receipt is
positive, a payment negative. An open item's ``amount`` is the movement expected on the bank
account when it is settled, so a customer invoice is positive and a supplier invoice negative.
See ``CONTEXT.md`` for the vocabulary (411, 512, lettrage, open item, allocation, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from cashmatch.errors import Problem


class ItemKind(StrEnum):
    """What an open item is; decides its default account and the sign it must have."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    SUPPLIER_INVOICE = "supplier_invoice"
    SUPPLIER_CREDIT_NOTE = "supplier_credit_note"
    ENTRY = "entry"


#: Default general-ledger account of each kind of open item (French PCG).
DEFAULT_ACCOUNT: dict[ItemKind, str] = {
    ItemKind.INVOICE: "411000",
    ItemKind.CREDIT_NOTE: "411000",
    ItemKind.SUPPLIER_INVOICE: "401000",
    ItemKind.SUPPLIER_CREDIT_NOTE: "401000",
    ItemKind.ENTRY: "471000",
}

#: Sign an item's amount must have: +1 positive, -1 negative, 0 either.
EXPECTED_SIGN: dict[ItemKind, int] = {
    ItemKind.INVOICE: 1,
    ItemKind.CREDIT_NOTE: -1,
    ItemKind.SUPPLIER_INVOICE: -1,
    ItemKind.SUPPLIER_CREDIT_NOTE: 1,
    ItemKind.ENTRY: 0,
}


#: Confidences are kept in basis points: 1.0 is 10000.
BP = 10_000


class Action(StrEnum):
    """What a decision of the log does to a movement."""

    AUTO = "auto"          #: applied by the engine
    ACCEPT = "accept"      #: a person applied a ranked candidate
    ASSIGN = "assign"      #: a person applied items of their choice (or wrote a difference off)
    IGNORE = "ignore"      #: not to be matched (a rule or a person said why)
    POST = "post"          #: booked straight to an account (a posting rule or a person): a
                           #: bank fee, a tax, a salary, a customer's credit kept or refunded
    SUSPENSE = "suspense"  #: booked on the suspense account until identified
    RECLASS = "reclass"    #: money taken from suspense to the items it pays
    UNMATCH = "unmatch"    #: undoes an earlier decision (a reversal is posted)


#: Decisions that settle a movement (nothing more to do while they stand).
SETTLING = (Action.AUTO, Action.ACCEPT, Action.ASSIGN, Action.IGNORE, Action.SUSPENSE,
            Action.POST)
#: Decisions that apply money to items (their allocations count).
APPLYING = (Action.AUTO, Action.ACCEPT, Action.ASSIGN, Action.RECLASS)
#: Decisions an unmatch can undo.
UNDOABLE = (*SETTLING, Action.RECLASS)


def sql_list(actions: tuple[StrEnum, ...]) -> str:
    """``('auto', 'accept', ...)``: values as a SQL list, for ``IN``."""
    return "(" + ", ".join(f"'{a.value}'" for a in actions) + ")"


class ReviewStatus(StrEnum):
    """Where a review item stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    IGNORED = "ignored"
    SUSPENSE = "suspense"
    POSTED = "posted"
    SUPERSEDED = "superseded"


#: Statuses of a review item someone decided (it can be reopened).
DECIDED = (ReviewStatus.ACCEPTED, ReviewStatus.ASSIGNED, ReviewStatus.IGNORED,
           ReviewStatus.SUSPENSE, ReviewStatus.POSTED)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: its rows, where it starts (``offset``), how many it holds at
    most (``limit``, None for all) and how many rows match in all (``total``)."""

    rows: list[dict[str, Any]]
    total: int
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from.

    Attributes:
        file: path of the input file as given.
        statement: index (0-based) of the statement inside the file.
        position: line number or element path of the record inside the file.
    """

    file: str
    statement: int = 0
    position: str = ""

    def __str__(self) -> str:
        return f"{self.file}#{self.statement}:{self.position}" if self.position else self.file


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference carried by a movement, with the field it came from.

    Attributes:
        kind: ``end_to_end``, ``instruction``, ``transaction``, ``mandate``, ``creditor_ref``
            (structured, e.g. ISO 11649 RF), ``customer_ref``, ``bank_ref``, ``entry_ref`` or
            ``reference`` (a plain reference column).
        value: the reference as written.
    """

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Movement:
    """One bank movement, normalised from any statement format.

    Attributes:
        booking_date: date the bank booked the movement (local date, never shifted to UTC).
        amount: signed amount; positive = money received.
        currency: ISO 4217 code.
        value_date: value date, when given.
        account: the statement account (IBAN or bank account id).
        counterparty_name: payer (for receipts) or payee (for payments), as written by the bank.
        counterparty_iban: counterparty account, when the bank gives one.
        counterparty_bic: counterparty bank, when given.
        remittance: all remittance text, joined with single spaces.
        references: structured references, in the order found.
        bank_reference: the bank's own id for the movement (AcctSvcrRef, FITID, MT940 bank
            reference, CSV ``bank_reference``); the strongest identity there is.
        bank_tx_code: bank transaction code (``PMNT-RCDT-ESCT``, ``NTRF``, an OFX TRNTYPE...).
        status: ``booked`` or ``pending``.
        charges: fees the bank or an intermediary deducted, when stated.
        instructed_amount: what the payer sent (before charges or conversion), when stated.
        instructed_currency: currency of ``instructed_amount``.
        entry_key: identity of the bank entry this movement belongs to, when one entry was split
            into several movements (batch entries).
        source: provenance.
    """

    booking_date: date
    amount: Decimal
    currency: str
    source: Source
    value_date: date | None = None
    account: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    remittance: str = ""
    references: tuple[Reference, ...] = ()
    bank_reference: str | None = None
    bank_tx_code: str | None = None
    status: str = "booked"
    charges: Decimal | None = None
    instructed_amount: Decimal | None = None
    instructed_currency: str | None = None
    entry_key: str | None = None

    def reference(self, kind: str) -> str | None:
        """First reference of ``kind``, or None."""
        return next((r.value for r in self.references if r.kind == kind), None)


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement: one account over one period, with its balances and movements.

    Attributes:
        file: path of the file it came from.
        format: parser name (``csv``, ``camt.053``, ``mt940``, ``ofx``, ``cfonb120``...).
        account: account IBAN or id, when the format gives one.
        currency: account currency, when the format gives one.
        statement_id: the bank's id for the statement, when given.
        opening_balance / closing_balance: booked balances, when given.
        opening_date / closing_date: dates of those balances (or of the period).
        movements: the movements in file order.
    """

    file: str
    format: str
    movements: tuple[Movement, ...]
    account: str | None = None
    currency: str | None = None
    statement_id: str | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    opening_date: date | None = None
    closing_date: date | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a parser returns: statements plus the problems it noticed and worked around."""

    statements: list[Statement]
    problems: list[Problem] = field(default_factory=list)

    @property
    def movements(self) -> list[Movement]:
        return [m for s in self.statements for m in s.movements]
