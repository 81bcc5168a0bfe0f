"""The service's JSON responses (see :mod:`cashmatch.encoding`)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from cashmatch.encoding import dumps


class DecimalJSON(JSONResponse):
    """JSON with exact amounts: ``Decimal`` as strings, never floats."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


__all__ = ["DecimalJSON", "dumps"]
