from datetime import date
from decimal import Decimal

import pytest

from cashmatch.config import Rules
from cashmatch.errors import ItemsError
from cashmatch.match.preview import preview
from cashmatch.model import Movement, Source


def mv(amount: str, text: str, ref: str) -> Movement:
    return Movement(date(2026, 2, 3), Decimal(amount), "EUR", Source("request", 0, ref),
                    remittance=text, bank_reference=ref)


def test_preview_proposes_without_storing() -> None:
    items = [{"id": "FA-1", "amount": "100.00", "due_date": "2026-02-01", "party_id": "C1"},
             {"id": "FA-2", "amount": Decimal("60.00"), "due_date": "2026-02-01"}]
    out = preview([mv("100.00", "FACTURE FA-1", "B1"), mv("40.00", "acompte FA-2", "B2"),
                   mv("7.00", "divers", "B3")], items, Rules())
    first, second, third = out
    assert first["decision"] == "auto" and first["proposals"][0]["allocations"] == [
        {"item_id": "FA-1", "amount": Decimal("100.00")}]
    assert second["decision"] == "review" and second["proposals"][0]["allocations"][0]["item_id"] == "FA-2"
    assert "FA-2" in second["proposals"][0]["explanation"]
    assert third["decision"] == "unmatched" and third["proposals"] == []


def test_preview_reports_bad_items() -> None:
    with pytest.raises(ItemsError, match="column amount"):
        preview([], [{"id": "X", "amount": "1,5", "due_date": "2026-01-01"}], Rules())
