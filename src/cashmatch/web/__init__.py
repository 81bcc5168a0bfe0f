"""The review workspace: server-rendered pages (Jinja2) where treasury staff clear the queue,
served by ``cashmatch serve`` beside the JSON API, over the same store.

Pages (:mod:`~cashmatch.web.pages`) and their forms (:mod:`~cashmatch.web.actions`) are a
few lines each over the curated API; templates and assets (htmx, the page's own script and
styles, the ``/docs`` page's Swagger UI) are package data: nothing is fetched from another
host, and nothing is built to install or test them. Words, amounts and dates follow the
person's language (:mod:`~cashmatch.web.i18n`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from cashmatch.errors import CashmatchError
from cashmatch.http import problems

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Add the pages, their assets and the ``/docs`` page to ``app``."""
    from cashmatch.web import actions, pages

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(actions.router)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return problems.redirect("/web/today")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="cashmatch API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None})

    _errors_as_pages(app)


def _errors_as_pages(app: FastAPI) -> None:
    """On the pages, an error is a page saying what went wrong (the API keeps its problem
    details)."""
    as_json = dict(app.exception_handlers)

    async def handle(request: Request, exc: Exception) -> Any:
        if request.url.path.startswith("/web/") and hasattr(request.state, "principal"):
            from cashmatch.web.render import render

            status = _status(exc)
            return render(request, "error.html", status=status, nav="", status_code=status,
                          detail=_detail(exc))
        for kind, handler in as_json.items():
            if isinstance(kind, type) and isinstance(exc, kind):
                return await handler(request, exc)
        raise exc

    for kind in (CashmatchError, problems.Problem, StarletteHTTPException):
        app.add_exception_handler(kind, handle)


def _status(exc: Exception) -> int:
    if isinstance(exc, problems.Problem):
        return exc.status
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    return next(s for kind, s, _ in problems.STATUS if isinstance(exc, kind))


def _detail(exc: Exception) -> str:
    if isinstance(exc, problems.Problem):
        return exc.detail
    if isinstance(exc, StarletteHTTPException):
        return str(exc.detail)
    return str(exc)
