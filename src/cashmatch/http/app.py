"""The HTTP JSON service: ``cashmatch serve``, a few lines per route over :mod:`cashmatch`.

- The service is the single writer of its store: it holds the DuckDB file open (a CLI write
  meanwhile is told the store is in use) and runs requests one at a time under a lock.
- Bearer tokens on every route but ``/health`` (:mod:`cashmatch.http.auth`).
- Amounts are decimal strings in and out, dates ISO 8601; errors are RFC 9457 problem
  details naming the field at fault (:mod:`cashmatch.http.problems`).
- POSTs that change the store accept an ``Idempotency-Key``: the first response to a key is
  kept in the store and replayed for the same request.
- Request bodies are limited in size (``max_body``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Header, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse, Response

import cashmatch
from cashmatch.http import problems
from cashmatch.http.auth import load_tokens, requires
from cashmatch.http.encoding import DecimalJSON, dumps
from cashmatch.http.schemas import (
    AMOUNT,
    AcceptIn,
    AssignIn,
    CustomerIn,
    IgnoreIn,
    ItemIn,
    PostIn,
    PreviewIn,
)

__all__ = ["create_app", "load_tokens"]

Key = Annotated[str | None, Header(alias="Idempotency-Key")]


def create_app(db: Path, tokens: dict[str, str], rules_path: Path | None = None,
               max_body: int = 20 * 1024 * 1024) -> FastAPI:
    """The ASGI application over the store at ``db``."""
    rules = cashmatch.load_rules(rules_path)
    store = cashmatch.Store.open(db)
    lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="cashmatch", version=cashmatch.__version__, lifespan=lifespan,
                  default_response_class=DecimalJSON,
                  description="Bank reconciliation and cash application. Amounts are decimal "
                              "strings; errors are RFC 9457 problem details.")
    app.state.store = store
    problems.install(app)

    @app.middleware("http")
    async def limit_size(request: Request, call_next: Callable[..., Any]) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_body:
            return problems.problem(413, "Request too large",
                                    f"the body has {length} bytes; the limit is {max_body}")
        return await call_next(request)  # type: ignore[no-any-return]

    def once(key: str | None, body: bytes, path: str, work: Callable[[], Any]) -> Response:
        """Run ``work`` under the store lock, at most once per idempotency key."""
        digest = hashlib.sha256(path.encode() + b"\0" + body).hexdigest()
        with lock:
            if key and (seen := cashmatch.recall_response(store, key, digest)) is not None:
                return Response(seen.body, status_code=seen.status,
                                media_type="application/json")
            text = dumps(work())
            if key:
                cashmatch.remember_response(store, key, digest, 200, text)
            return Response(text, status_code=200, media_type="application/json")

    def read(work: Callable[[], Any]) -> Any:
        with lock:
            return work()

    _routes(app, rules, store, once, read, Depends(requires("read", tokens)),
            Depends(requires("write", tokens)))
    return app


def _routes(app: FastAPI, rules: cashmatch.Rules, store: cashmatch.Store,
            once: Callable[..., Response], read: Callable[[Callable[[], Any]], Any],
            reader: Any, writer: Any) -> None:
    """The routes: imports and matching, review, exports and reports."""
    _ingest_routes(app, rules, store, once, read, reader, writer)
    _review_routes(app, rules, store, once, read, reader, writer)
    _posting_routes(app, rules, store, once, writer)
    _report_routes(app, rules, store, read, reader)


def _ingest_routes(app: FastAPI, rules: cashmatch.Rules, store: cashmatch.Store,
                   once: Callable[..., Response], read: Callable[[Callable[[], Any]], Any],
                   reader: Any, writer: Any) -> None:
    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": cashmatch.__version__}

    @app.post("/statements")
    async def upload_statements(files: Annotated[list[UploadFile], File()], key: Key = None,
                                _: str = writer) -> Response:
        blobs = [(f.filename or "upload", await f.read()) for f in files]
        body = b"".join(name.encode() + b"\0" + data for name, data in blobs)
        return once(key, body, "/statements", lambda: {"files": [
            cashmatch.file_import_dict(f)
            for f in cashmatch.import_uploads(store, blobs).files]})

    @app.post("/items")
    async def upsert_items(request: Request, items: list[ItemIn], key: Key = None,
                           _: str = writer) -> Response:
        """Upsert open items given as JSON records."""
        records = [i.model_dump() for i in items]
        return once(key, await request.body(), "/items", lambda: asdict(
            cashmatch.upsert_items(store, records, "request")))

    @app.post("/items/file")
    async def upload_items(file: Annotated[UploadFile, File()], key: Key = None,
                           snapshot: bool = False, _: str = writer) -> Response:
        """Upsert open items from an uploaded CSV, Parquet or JSON file; a ``snapshot``
        closes the items it does not list (settled outside cashmatch)."""
        name = Path(file.filename or "items.csv").name
        data = await file.read()
        return once(key, name.encode() + bytes([snapshot]) + data, "/items/file",
                    lambda: asdict(cashmatch.import_items_upload(store, name, data, snapshot)))

    @app.post("/match")
    async def match(request: Request, key: Key = None, _: str = writer) -> Response:
        return once(key, await request.body(), "/match",
                    lambda: asdict(cashmatch.run_match(store, rules)))

    @app.post("/match/preview")
    def match_preview(body: PreviewIn, _: str = reader) -> Any:
        movements = cashmatch.movements_from_records(
            [m.model_dump() for m in body.movements])
        items = [{k: v for k, v in i.model_dump().items() if v is not None}
                 for i in body.items]
        return {"results": cashmatch.preview(movements, items, rules)}

    @app.get("/matches")
    def matches(status: Annotated[str | None, Query(
                    pattern="^(auto|manual|suggested|unmatched|ignored|posted)$")] = None,
                party_id: str | None = None, date_from: date | None = None,
                date_to: date | None = None, _: str = reader) -> Any:
        """Allocations, suggestions and unmatched movements, filtered."""
        flt = cashmatch.MatchFilter(status, party_id, date_from, date_to)
        return {"matches": read(lambda: cashmatch.matches_frame(store, flt).to_dicts())}


def _review_routes(app: FastAPI, rules: cashmatch.Rules, store: cashmatch.Store,
                   once: Callable[..., Response], read: Callable[[Callable[[], Any]], Any],
                   reader: Any, writer: Any) -> None:
    @app.get("/review")
    def review_list(status: str = "open", reason: str | None = None, party: str | None = None,
                    min_amount: Annotated[str | None, Query(pattern=AMOUNT)] = None,
                    max_amount: Annotated[str | None, Query(pattern=AMOUNT)] = None,
                    date_from: date | None = None, date_to: date | None = None,
                    _: str = reader) -> Any:
        """Review items, with the filters of `cashmatch review list`."""
        flt = cashmatch.ReviewFilter(
            None if status == "all" else status, reason, party,
            None if min_amount is None else Decimal(min_amount),
            None if max_amount is None else Decimal(max_amount), date_from, date_to)
        return {"items": read(lambda: cashmatch.list_reviews(store, flt))}

    @app.get("/review/{review_id}")
    def review_show(review_id: int, _: str = reader) -> Any:
        return read(lambda: cashmatch.show_review(store, review_id))

    @app.post("/review/{review_id}/accept")
    async def review_accept(review_id: int, request: Request, body: AcceptIn | None = None,
                            key: Key = None, user: str = writer) -> Response:
        rank = body.candidate if body else 1
        return once(key, await request.body(), f"/review/{review_id}/accept",
                    lambda: {"decision_id": cashmatch.accept(store, rules, review_id, rank,
                                                             user)})

    @app.post("/review/{review_id}/assign")
    async def review_assign(review_id: int, body: AssignIn, request: Request, key: Key = None,
                            user: str = writer) -> Response:
        lines = [(a.item_id, None if a.amount is None else Decimal(a.amount))
                 for a in body.items]
        return once(key, await request.body(), f"/review/{review_id}/assign",
                    lambda: {"decision_id": cashmatch.assign(store, rules, review_id, lines,
                                                             user, body.reason)})

    @app.post("/review/{review_id}/ignore")
    async def review_ignore(review_id: int, body: IgnoreIn, request: Request, key: Key = None,
                            user: str = writer) -> Response:
        return once(key, await request.body(), f"/review/{review_id}/ignore",
                    lambda: {"decision_id": cashmatch.ignore(store, rules, review_id,
                                                             body.reason, user)})


def _posting_routes(app: FastAPI, rules: cashmatch.Rules, store: cashmatch.Store,
                    once: Callable[..., Response], writer: Any) -> None:
    """Review items posted straight to an account, kept as a credit or owed back."""
    @app.post("/review/{review_id}/post")
    async def review_post(review_id: int, body: PostIn, request: Request, key: Key = None,
                          user: str = writer) -> Response:
        rate = None if body.vat_rate is None else Decimal(body.vat_rate)
        return once(key, await request.body(), f"/review/{review_id}/post",
                    lambda: {"decision_id": cashmatch.post_to_account(
                        store, rules, review_id, body.account, body.label, user, body.reason,
                        rate)})

    @app.post("/review/{review_id}/credit")
    async def review_credit(review_id: int, request: Request, body: CustomerIn | None = None,
                            key: Key = None, user: str = writer) -> Response:
        given = body or CustomerIn()
        return once(key, await request.body(), f"/review/{review_id}/credit",
                    lambda: {"decision_id": cashmatch.keep_as_credit(
                        store, rules, review_id, given.party, user, given.reason)})

    @app.post("/review/{review_id}/refund")
    async def review_refund(review_id: int, request: Request, body: CustomerIn | None = None,
                            key: Key = None, user: str = writer) -> Response:
        given = body or CustomerIn()
        return once(key, await request.body(), f"/review/{review_id}/refund",
                    lambda: {"decision_id": cashmatch.refund(store, rules, review_id,
                                                             given.party, user, given.reason)})


def _report_routes(app: FastAPI, rules: cashmatch.Rules, store: cashmatch.Store,
                   read: Callable[[Callable[[], Any]], Any], reader: Any) -> None:
    @app.get("/journal")
    def journal(format: Annotated[str, Query(pattern="^(json|csv|fec)$")] = "json",
                _: str = reader) -> Any:
        frame = read(lambda: cashmatch.journal_frame(store))
        if format == "json":
            return {"lines": frame.to_dicts()}
        if format == "fec":
            return PlainTextResponse("\r\n".join(
                cashmatch.fec_lines(frame, rules.journal_labels())))
        return PlainTextResponse(cashmatch.export_text(frame, "csv"), media_type="text/csv")

    @app.get("/reports/aged")
    def report_aged(as_of: date | None = None, _: str = reader) -> Any:
        day = as_of or date.today()
        return {"as_of": day, "rows": read(lambda: cashmatch.aged_balance(store, day))}

    @app.get("/reports/bankrec")
    def report_bankrec(as_of: date, _: str = reader) -> Any:
        """The reconciliation statement of each bank account at the end of ``as_of``."""
        return {"as_of": as_of,
                "accounts": read(lambda: cashmatch.bank_reconciliation(store, rules, as_of))}

    @app.get("/reports/customer/{party}")
    def report_customer(party: str, as_of: date | None = None, _: str = reader) -> Any:
        day = as_of or date.today()
        return read(lambda: cashmatch.customer_account(store, party, day))

    @app.get("/reports/dso")
    def report_dso(as_of: date | None = None, months: Annotated[int, Query(ge=1, le=24)] = 3,
                   _: str = reader) -> Any:
        day = as_of or date.today()
        return {"dso": [asdict(d) for d in read(lambda: cashmatch.dso(store, day, months))]}

    @app.get("/reports/kpis")
    def report_kpis(_: str = reader) -> Any:
        return {"days": read(lambda: cashmatch.matching_kpis(store))}

