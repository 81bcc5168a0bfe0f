"""The shapes of request and response bodies (amounts are decimal strings, dates ISO 8601).

Response models document what each route answers (the OpenAPI document); routes return
plain data encoded exactly (:mod:`cashmatch.http.encoding`), and a test checks the answers
against these schemas.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AMOUNT = r"^[+-]?\d{1,15}(\.\d{1,4})?$"
Amount = str  # a signed decimal string ("-1250.00")


# -- requests --------------------------------------------------------------------------------


class ItemIn(BaseModel):
    id: str
    amount: str = Field(pattern=AMOUNT, description="signed decimal string")
    kind: str | None = None
    account: str | None = None
    party_id: str | None = None
    party_name: str | None = None
    party_iban: str | None = None
    reference: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    description: str | None = None
    open_amount: str | None = Field(default=None, pattern=AMOUNT)
    book_amount: str | None = Field(default=None, pattern=AMOUNT,
                                    description="value in the ledger currency, for an item "
                                                "in another currency")
    book_currency: str | None = None


class MovementIn(BaseModel):
    booking_date: date
    amount: str = Field(pattern=AMOUNT)
    currency: str = Field(default="EUR", pattern="^[A-Za-z]{3}$")
    value_date: date | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance: str = ""
    reference: str | None = None
    bank_reference: str | None = None


class PreviewIn(BaseModel):
    movements: list[MovementIn]
    items: list[ItemIn]


class AcceptIn(BaseModel):
    candidate: int = Field(default=1, ge=1)
    revision: int | None = Field(default=None, description="the revision of the review item "
                                 "the decision was taken on: refused if a run changed it")


class Allocation(BaseModel):
    item_id: str
    amount: str | None = Field(default=None, pattern=AMOUNT)


class AssignIn(BaseModel):
    items: list[Allocation] = Field(min_length=1)
    reason: str | None = None


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1)


class PostIn(BaseModel):
    account: str = Field(pattern=r"^[1-8][0-9]{2}[0-9A-Z]{0,17}$")
    label: str = Field(min_length=1)
    vat_rate: str | None = Field(default=None, pattern=r"^\d{1,2}(\.\d{1,2})?$",
                                 description="VAT included in the amount, in percent")
    reason: str | None = None


class CustomerIn(BaseModel):
    party: str | None = Field(default=None, description="the customer's party id (default: "
                                                        "the best candidate's, else the "
                                                        "payer memory's)")
    reason: str | None = None


class WriteoffIn(BaseModel):
    items: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1)


class AcceptAboveIn(BaseModel):
    minimum: str = Field(pattern=r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$")


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["viewer", "reviewer", "approver", "admin"]
    password: str | None = Field(default=None, min_length=10)
    token: str | None = Field(default=None, min_length=16)


class ReadIn(BaseModel):
    function: str
    args: list[Any] = []


# -- responses -------------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Health(Out):
    status: str
    version: str


class FileImportOut(Out):
    file: str
    format: str
    statements: int
    movements: int
    new: int
    known: int
    suspected_duplicates: int
    pending: int
    problems: list[str]


class ImportOut(Out):
    files: list[FileImportOut]


class ItemsImportOut(Out):
    file: str
    rows: int
    new: int
    updated: int
    unchanged: int


class MatchOut(Out):
    run_id: int
    considered: int
    new: int
    returning: int
    auto: int
    posted: int
    review: int
    unmatched: int
    ignored: int
    currencies: list[str]
    receipts: dict[str, dict[str, Amount]]
    payments: dict[str, dict[str, Amount]]
    amounts: dict[str, dict[str, Amount]]


class AllocationOut(Out):
    item_id: str
    amount: Amount


class ProposalOut(Out):
    rank: int
    confidence: str
    rule: str
    explanation: str
    allocations: list[AllocationOut]


class PreviewResult(Out):
    decision: str
    bank_reference: str | None = None
    reason: str | None = None
    proposals: list[ProposalOut]


class PreviewOut(Out):
    results: list[PreviewResult]


class MatchRow(Out):
    transaction_id: int
    booking_date: date
    amount: Amount
    currency: str
    status: str
    item_id: str | None = None
    applied_amount: Amount | None = None


class MatchesOut(Out):
    matches: list[MatchRow]


class ReviewRow(Out):
    review_id: int
    movement_id: int
    reason: str
    reason_text: str
    status: str
    revision: int
    booking_date: date
    amount: Amount
    currency: str
    counterparty_name: str | None = None
    remittance: str
    top_confidence: str | None = None
    top_items: str | None = None
    n_candidates: int
    awaiting_approval: int | None = None


class PageInfo(Out):
    total: int
    offset: int
    limit: int | None = None


class ReviewPage(PageInfo):
    items: list[ReviewRow]


class CandidateOut(Out):
    rank: int
    confidence: str
    rule: str
    explanation: str
    evidence: dict[str, Any]
    allocations: list[AllocationOut]


class ReviewOut(ReviewRow):
    candidates: list[CandidateOut]


class DecisionOut(Out):
    decision_id: int


class WriteoffOut(Out):
    decision_id: int | None
    approval_id: int | None


class BulkOut(Out):
    accepted: list[int]
    refused: list[dict[str, Any]]


class ApprovalOut(Out):
    approval_id: int
    review_id: int
    movement_id: int
    items: list[str]
    difference: Amount
    currency: str
    reason: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None = None


class ApprovalsOut(Out):
    approvals: list[ApprovalOut]


class RejectedOut(Out):
    approval_id: int
    status: str


class MovementRow(Out):
    movement_id: int
    booking_date: date
    amount: Amount
    currency: str
    state: str
    remittance: str


class MovementsPage(PageInfo):
    movements: list[MovementRow]


class StoryOut(Out):
    movement: dict[str, Any]
    decisions: list[dict[str, Any]]
    reviews: list[dict[str, Any]]


class ItemRow(Out):
    item_id: str
    kind: str
    amount: Amount
    open_amount: Amount
    currency: str
    party_id: str | None = None


class ItemsPage(PageInfo):
    items: list[ItemRow]


class CreditRow(Out):
    entry_date: date
    entry_number: str
    label: str | None = None
    currency: str
    amount: Amount = Field(description="negative: a credit of the customer")


class AccountOut(Out):
    party_id: str
    party_name: str | None = None
    as_of: date
    open_items: list[ItemRow]
    settled_items: list[ItemRow]
    payments: list[dict[str, Any]]
    unapplied_credits: list[CreditRow]
    aged: list[dict[str, Any]]
    open_total: dict[str, Amount]
    balance: dict[str, Amount] = Field(description="open items and unapplied credits, per "
                                                   "currency")


class StatementRow(Out):
    statement_id: int
    file_name: str
    format: str
    account: str | None = None
    opening_balance: Amount | None = None
    closing_balance: Amount | None = None
    balanced: bool | None = None
    continuous: bool | None = None


class StatementsPage(PageInfo):
    statements: list[StatementRow]


class ParsedOut(Out):
    statements: list[dict[str, Any]]
    problems: list[dict[str, Any]]


class DecisionRow(Out):
    decision_id: int
    movement_id: int
    action: str
    actor: str
    rule: str
    explanation: str
    created_at: datetime


class DecisionsPage(PageInfo):
    decisions: list[DecisionRow]


class AliasRow(Out):
    alias_id: int
    kind: str
    value: str
    party_id: str
    source: str


class AliasesOut(Out):
    aliases: list[AliasRow]


class RemovedOut(Out):
    removed: int


class ReplayOut(Out):
    runs: int
    decisions: int
    notes: list[str]
    differences: list[dict[str, Any]]


class RulesCheckOut(Out):
    source: str
    version: str
    ok: bool
    results: list[dict[str, Any]]


class RulesFitOut(Out):
    trained: int
    held_back: int
    weights: dict[str, str]
    bands: list[dict[str, Any]]
    rules: str


class FecCheckOut(Out):
    file: str
    ok: bool
    problems: list[str]


class JournalOut(Out):
    lines: list[dict[str, Any]]


class RowsOut(Out):
    rows: list[dict[str, Any]]


class AgedOut(RowsOut):
    as_of: date


class BankrecAccount(Out):
    account: str | None = None
    bank_account: str
    journal: str
    currency: str
    as_of: date
    statement_balance: Amount | None = None
    statement_source: str
    ledger_opening: Amount
    ledger_opening_source: str
    ledger_balance: Amount
    unposted_total: Amount
    unposted: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    difference: Amount | None = None
    state: Literal["reconciled", "gaps", "unexplained", "no balance"]


class BankrecOut(Out):
    as_of: date
    accounts: list[BankrecAccount]


class DsoOut(Out):
    dso: list[dict[str, Any]]


class KpisOut(Out):
    days: list[dict[str, Any]]
    review_backlog: dict[str, Any]


class TodayOut(Out):
    day: date
    imports: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    people: list[dict[str, Any]]


class UserOut(Out):
    user_name: str
    role: str
    has_password: bool
    has_token: bool
    created_at: datetime
    disabled_at: datetime | None = None


class UsersOut(Out):
    users: list[UserOut]


class ReadOut(Out):
    result: Any


class ProblemOut(Out):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
