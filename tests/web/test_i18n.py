"""French and English: every text of the pages has its French, the language follows the
browser unless the person chose, amounts and dates are written each language's way."""

from __future__ import annotations

import ast
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.web.i18n import FRENCH, Words, language
from cashmatch.web.render import NAV, OUTCOMES

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "cashmatch" / "web" / "templates"
ACTIONS = Path(__file__).resolve().parents[2] / "src" / "cashmatch" / "web" / "actions.py"
#: Texts that are the same in both languages.
SAME = {"Date", "IBAN", "BIC", "Format", "Total", "Exports", "Action", "Source",
        "FEC (Fichier des Écritures Comptables)"}


def _texts() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)+)"', template.read_text(encoding="utf-8")))
        found |= set(re.findall(r"_\('((?:[^'\\]|\\.)+)'", template.read_text(encoding="utf-8")))
    for node in ast.walk(ast.parse(ACTIONS.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and getattr(node.func, "attr", None) == "text":
            found.add(node.args[0].value)
        if isinstance(node, ast.keyword) and node.arg == "error" \
                and isinstance(node.value, ast.Constant) and node.value.value:
            found.add(node.value.value)
    found |= {name for _, _, name, _ in NAV} | set(OUTCOMES.values())
    return found


def test_every_text_of_the_pages_has_its_french() -> None:
    texts = _texts()
    assert len(texts) > 150
    assert sorted(texts - FRENCH.keys() - SAME) == []


@pytest.mark.parametrize(("cookie", "accept", "expected"), [
    (None, "fr-FR,fr;q=0.9,en;q=0.8", "fr"), (None, "en-GB,en;q=0.9,fr;q=0.8", "en"),
    (None, "de-DE,fr;q=0.5,en;q=0.3", "fr"), (None, "de-DE", "en"), (None, None, "en"),
    ("en", "fr-FR", "en"), ("fr", "en-US", "fr"), ("xx", "fr", "fr"),
    (None, "en;q=0.2,fr;q=0.8", "fr")])
def test_the_language(cookie: str | None, accept: str | None, expected: str) -> None:
    assert language(cookie, accept) == expected


def test_amounts_dates_and_percentages() -> None:
    fr, en = Words("fr"), Words("en")
    assert fr.amount(Decimal("-1234567.50"), "EUR") == "\u22121\u202f234\u202f567,50\u00a0EUR"
    assert en.amount(Decimal("1234567.50"), "EUR") == "1,234,567.50\u00a0EUR"
    assert en.amount(Decimal(12), "JPY") == "12\u00a0JPY"
    assert fr.number(Decimal("80.00")) == "80,00" and en.number("80.00") == "80.00"
    assert fr.day(date(2026, 2, 3)) == "03/02/2026" and en.day("2026-02-03") == "3 Feb 2026"
    assert fr.percent(Decimal("0.9999")) == "99\u00a0%" and en.percent(Decimal("0.5")) == "50%"
    assert fr.moment(datetime(2026, 2, 3, 10, 42)).startswith("03/02/2026 ")
    assert fr.text("{n} lines to review", n=3) == "3 lignes à revoir"
