"""JSON with exact amounts: ``Decimal`` as strings, dates in ISO 8601, never floats."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.responses import JSONResponse


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def dumps(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, default=_default)


class DecimalJSON(JSONResponse):
    """The service's responses."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
