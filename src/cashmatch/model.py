"""The domain records of cashmatch: frozen, typed, with their provenance.

Amounts are ``Decimal`` and signed from the bank account's point of view: a receipt is
positive, a payment negative. An open item's ``amount`` is the movement expected on the bank
account when it is settled, so a customer invoice is positive and a supplier invoice negative.
See ``CONTEXT.md`` for the vocabulary (411, 512, lettrage, open item, allocation, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

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


class MatchStatus(StrEnum):
    """Status of a row of the matches export."""

    AUTO = "auto"  #: applied by the engine
    MANUAL = "manual"  #: applied by a person from the review queue
    SUGGESTED = "suggested"  #: a ranked candidate waiting in the review queue
    UNMATCHED = "unmatched"  #: no candidate at all


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


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open book entry waiting for its bank movement (an invoice, a credit note...).

    Attributes:
        id: the ledger's id; import upserts on it.
        kind: see :class:`ItemKind`.
        account: general-ledger account (411000 for customers, 401000 for suppliers...).
        amount: signed movement expected on the bank account when the item is settled.
        currency: ISO 4217 code.
        party_id: customer or supplier id, used as the auxiliary account.
        party_name: customer or supplier name.
        party_iban: an IBAN the party is known to pay from.
        reference: the number printed on the document (defaults to ``id`` for matching).
        issue_date / due_date: document and due dates.
        description: free text.
        open_amount: amount still open in the source ledger at import (partially paid there).
    """

    id: str
    kind: ItemKind
    account: str
    amount: Decimal
    currency: str
    party_id: str | None = None
    party_name: str | None = None
    party_iban: str | None = None
    reference: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    description: str | None = None
    open_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a movement applied to an open item."""

    item_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed set of allocations for one movement, with why it was proposed.

    Attributes:
        movement_id: the movement.
        allocations: what would be applied to which item.
        confidence: 0..1, how sure the engine is.
        rule: the blocking rule(s) that found it and the scoring rule that ranked it.
        explanation: one line for a person.
        evidence: the features behind the score (JSON-able).
    """

    movement_id: int
    allocations: tuple[Allocation, ...]
    confidence: Decimal
    rule: str
    explanation: str
    evidence: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One line of a journal entry; exactly one of debit and credit is non-zero.

    Attributes:
        account: general-ledger account.
        debit / credit: non-negative amounts.
        label: line label.
        aux_account: auxiliary (customer/supplier) account, on 411/401 lines.
        aux_label: the party's name.
        item_id: the open item this line settles, on 411/401 lines.
    """

    account: str
    debit: Decimal
    credit: Decimal
    label: str
    aux_account: str | None = None
    aux_label: str | None = None
    item_id: str | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced journal entry (Σ debit = Σ credit), never edited once posted.

    Attributes:
        journal: journal code (``BQ``).
        entry_date: accounting date (the booking date of the movement).
        label: entry label.
        piece_ref: supporting document reference (the bank reference).
        currency: currency of the amounts.
        lines: the lines.
        movement_id: the movement it books.
        reverses: number of the entry this one reverses, for reversals.
    """

    journal: str
    entry_date: date
    label: str
    piece_ref: str
    currency: str
    lines: tuple[JournalLine, ...]
    movement_id: int | None = None
    reverses: str | None = None

    @property
    def total_debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), Decimal(0))

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


@dataclass(frozen=True, slots=True)
class Decision:
    """A recorded decision about a movement: by the engine or by a person.

    Attributes:
        movement_id: the movement.
        action: ``auto``, ``accept``, ``assign`` or ``ignore``.
        actor: ``engine`` or the user's name.
        created_at: when.
        rule: the rule behind it.
        explanation: one line for a person.
        reason: the person's reason, for ``ignore``.
    """

    movement_id: int
    action: str
    actor: str
    created_at: datetime
    rule: str
    explanation: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A movement waiting for a person, with its ranked candidates.

    Attributes:
        review_id: id in the queue.
        movement_id: the movement.
        reason: why it was not applied (``amount_differs``, ``no_reference``, ``conflict``,
            ``ambiguous``, ``weak``, ``no_candidate``).
        status: ``open``, ``accepted``, ``assigned``, ``ignored`` or ``superseded`` (a later
            run queued it again).
        candidates: best first (rank 1).
    """

    review_id: int
    movement_id: int
    reason: str
    status: str
    candidates: tuple[Candidate, ...] = ()
