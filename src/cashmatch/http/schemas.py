"""The shapes of request bodies (amounts are decimal strings, dates ISO 8601)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

AMOUNT = r"^[+-]?\d{1,15}(\.\d{1,4})?$"


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
    candidate: int = 1


class Allocation(BaseModel):
    item_id: str
    amount: str | None = Field(default=None, pattern=AMOUNT)


class AssignIn(BaseModel):
    items: list[Allocation] = Field(min_length=1)
    reason: str | None = None


class IgnoreIn(BaseModel):
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
