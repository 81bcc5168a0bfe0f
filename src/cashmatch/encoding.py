"""Plain data as text for people and programs: amounts exact (``Decimal`` as a decimal
string, never a float), dates and times in ISO 8601."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def plain(value: object) -> object:
    """A value JSON cannot hold, as the text that stands for it. Stored timestamps are UTC
    without a zone: they are written with their ``Z`` (RFC 3339)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def dumps(content: Any, indent: int | None = None) -> str:
    """``content`` as JSON (UTF-8 text, amounts and dates as :func:`plain` writes them)."""
    return json.dumps(content, ensure_ascii=False, indent=indent, default=plain)
