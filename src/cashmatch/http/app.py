"""The HTTP service: ``cashmatch serve``, a JSON API at parity with the command line and the
review workspace's pages (:mod:`cashmatch.web`), in one process over one store.

- The service is the single writer of its store and runs requests one at a time under a
  lock (:mod:`cashmatch.http.service`); the command line reads through it meanwhile
  (:mod:`cashmatch.remote`).
- Every request passes the gate before any route reads its body (:mod:`cashmatch.http.gate`):
  bearer tokens for the API, signed session cookies for the pages, roles, media types, the
  size limit (``max_body``, chunked bodies included).
- Amounts are decimal strings in and out, dates ISO 8601; errors are RFC 9457 problem
  details naming the field at fault (:mod:`cashmatch.http.problems`).
- POSTs that change the store accept an ``Idempotency-Key``.
- Every asset, the ``/docs`` page's included, is served from the package: nothing loads from
  another host.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

import cashmatch
from cashmatch.http import decisions, ingest, problems, reading
from cashmatch.http.auth import Credential, Gatekeeper, credentials, load_tokens
from cashmatch.http.encoding import DecimalJSON
from cashmatch.http.gate import Gate
from cashmatch.http.service import Service

__all__ = ["create_app", "load_tokens"]


def create_app(db: Path | str, tokens: dict[str, Credential] | dict[str, str],
               rules_path: Path | None = None, max_body: int = 20 * 1024 * 1024,
               session_hours: float = 10.0) -> FastAPI:
    """The ASGI application over the store at ``db``; ``tokens``: token → credential (or
    role, or the access level ``read`` / ``write``)."""
    from cashmatch import web

    rules = cashmatch.load_rules(rules_path)
    store = cashmatch.Store.open(db)
    svc = Service(store, rules, Gatekeeper(store, credentials(tokens), session_hours))

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        yield
        svc.close()
        for close in running.state.closers:
            close()

    app = FastAPI(title="cashmatch", version=cashmatch.__version__, lifespan=lifespan,
                  default_response_class=DecimalJSON, docs_url=None, redoc_url=None,
                  description="Bank reconciliation and cash application. Amounts are decimal "
                              "strings; errors are RFC 9457 problem details. Send "
                              "`Authorization: Bearer <token>`.")
    app.state.service = svc
    app.state.closers = []  # what else ends with the service (its note beside the store)
    problems.install(app)
    for router in (ingest.router, decisions.router, reading.router):
        app.include_router(router)
    web.install(app)
    app.add_middleware(Gate, max_body=max_body)
    return app
