"""Plain data as text for people and programs: amounts exact (``Decimal`` as a decimal
string, never a float), dates in ISO 8601."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any


def plain(value: object) -> object:
    """A value JSON cannot hold, as the text that stands for it."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def dumps(content: Any, indent: int | None = None) -> str:
    """``content`` as JSON (UTF-8 text, amounts and dates as :func:`plain` writes them)."""
    return json.dumps(content, ensure_ascii=False, indent=indent, default=plain)
