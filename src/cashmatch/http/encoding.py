"""The service's JSON responses (see :mod:`cashmatch.encoding`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from cashmatch.encoding import dumps


class DecimalJSON(JSONResponse):
    """JSON with exact amounts: ``Decimal`` as strings, never floats."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


__all__ = ["DecimalJSON", "ExactRoute", "dumps"]


class ExactRoute(APIRoute):
    """A route whose plain results are sent as :class:`DecimalJSON` as they are: FastAPI
    would pass them through ``jsonable_encoder``, which turns a ``Decimal`` into a float.
    Its ``response_model`` documents the answer in the OpenAPI document."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _exact(endpoint), **kwargs)


def _exact(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):
        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            out = await endpoint(*args, **kwargs)
            return out if isinstance(out, Response) else DecimalJSON(out)
        return run_async

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        out = endpoint(*args, **kwargs)
        return out if isinstance(out, Response) else DecimalJSON(out)
    return run
