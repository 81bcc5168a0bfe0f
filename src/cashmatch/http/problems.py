"""Errors as RFC 9457 problem details: one table from error type to HTTP status.

Library errors are typed (:mod:`cashmatch.errors`); the service never reads their text to
choose a status. ``application/problem+json`` bodies carry ``title``, ``status``, ``detail``
and, for input errors, ``errors`` naming each field (or row and column) at fault.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cashmatch.errors import (
    CashmatchError,
    ConfigError,
    Conflict,
    InputError,
    ItemsError,
    NotFound,
    ParseError,
    ReviewError,
    StoreError,
)
from cashmatch.http.encoding import dumps

#: Error type → (status, title), most specific first.
STATUS: tuple[tuple[type[CashmatchError], int, str], ...] = (
    (ItemsError, 422, "Invalid items"),
    (ParseError, 422, "Invalid statement"),
    (InputError, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (ReviewError, 409, "Conflict"),
    (StoreError, 503, "Store unavailable"),
    (ConfigError, 400, "Invalid configuration"),
    (CashmatchError, 400, "Rejected"),
)


def _problem_schema() -> dict[str, Any]:
    from cashmatch.http.schemas import ProblemOut

    return {"content": {"application/problem+json": {"schema": ProblemOut.model_json_schema()}}}


#: The problems any route may answer, as the OpenAPI document declares them.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": title, **_problem_schema()} for code, title in (
        (401, "No token, or an unknown one"), (403, "The role does not allow it"),
        (404, "No such thing"), (409, "Its state forbids it"), (413, "The body is too large"),
        (415, "Not the media type the route reads"), (422, "Invalid input, naming the field"),
        (503, "The store cannot be used"))}


class Problem(Exception):
    """An RFC 9457 problem to send back."""

    def __init__(self, status: int, title: str, detail: str,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []


def problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None,
            instance: str | None = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return Response(dumps(body), status_code=status, media_type="application/problem+json",
                    headers=headers)


def redirect(location: str) -> Response:
    """See other: after a form, or to the sign-in page."""
    return Response(status_code=303, headers={"Location": location})


#: Titles of the statuses the framework answers by itself (no route, no such method...).
HTTP_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
               405: "Method not allowed", 413: "Request too large",
               415: "Unsupported media type"}


def _fields(exc: CashmatchError) -> list[dict[str, Any]] | None:
    if isinstance(exc, ItemsError):
        return [{"field": p.location.element or "", "row": p.location.line,
                 "message": p.message} for p in exc.problems]
    if isinstance(exc, InputError):
        return [{"field": exc.location.element or "", "row": exc.location.line,
                 "message": exc.reason}]
    return None


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem."""

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return problem(exc.status, exc.title, exc.detail, exc.errors, str(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                  for e in exc.errors()]
        return problem(422, "Invalid request", "the request does not have the expected shape",
                       errors, str(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.url.path}"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem(exc.status_code, HTTP_TITLES.get(exc.status_code, "Error"), detail,
                       instance=str(request.url.path), headers=getattr(exc, "headers", None))

    @app.exception_handler(CashmatchError)
    async def on_error(request: Request, exc: CashmatchError) -> Response:
        status, title = next((s, t) for kind, s, t in STATUS if isinstance(exc, kind))
        return problem(status, title, str(exc), _fields(exc), str(request.url.path))
