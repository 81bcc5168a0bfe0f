"""The HTTP JSON service: ``cashmatch serve``, a thin layer over the Python API.

FastAPI was chosen for its OpenAPI document generated from the same signatures that validate
requests, and its ASGI test client; every route calls one function of :mod:`cashmatch`.

- The service is the single writer of its store: it holds the DuckDB file open (a CLI write
  meanwhile is told the store is in use) and runs requests one at a time under a lock.
- Bearer tokens on every route but ``/health``; a ``read`` token may only read, a ``write``
  token may also change the store. Tokens come from a TOML file or ``$CASHMATCH_TOKENS``.
- Amounts are decimal strings in and out, dates ISO 8601; errors are RFC 9457 problem
  details (``application/problem+json``) naming the field at fault.
- POSTs that change the store accept an ``Idempotency-Key``: the first response to a key is
  stored and replayed for the same request; the same key with another request is refused.
- Request bodies are limited in size (``max_body``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import tomllib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Header, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

import cashmatch
from cashmatch.ingest import normalize
from cashmatch.errors import (CashmatchError, ConfigError, InputError, ItemsError, ReviewError,
                              StoreError)

AMOUNT = r"^[+-]?\d{1,15}(\.\d{1,4})?$"
USER_HEADER = "X-User"


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class DecimalJSON(JSONResponse):
    """JSON with exact amounts: Decimal as strings, never floats."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=_default).encode("utf-8")


class Problem(Exception):
    """An RFC 9457 problem to send back."""

    def __init__(self, status: int, title: str, detail: str,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []


def _problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None,
             instance: str | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body, ensure_ascii=False, default=_default), status_code=status,
                    media_type="application/problem+json")


def load_tokens(path: Path | None = None) -> dict[str, str]:
    """token → ``read`` | ``write``, from a TOML file (``[tokens.NAME] token=…, access=…``)
    or ``$CASHMATCH_TOKENS`` (``token:write,other:read``)."""
    tokens: dict[str, str] = {}
    if path is not None:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, entry in data.get("tokens", {}).items():
            access = entry.get("access", "read")
            if access not in ("read", "write") or not entry.get("token"):
                raise ConfigError(str(path), [f"tokens.{name}: needs a token and access "
                                              "read or write"])
            tokens[entry["token"]] = access
    for part in filter(None, os.environ.get("CASHMATCH_TOKENS", "").split(",")):
        token, _, access = part.partition(":")
        tokens[token.strip()] = access.strip() or "read"
    return tokens


# -- request bodies -------------------------------------------------------------------------

class ItemIn(BaseModel):
    id: str
    amount: str = Field(pattern=AMOUNT, description="signed decimal string")
    kind: str | None = None
    account: str | None = None
    party_id: str | None = None
    party_name: str | None = None
    party_iban: str | None = None
    reference: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    description: str | None = None
    open_amount: str | None = Field(default=None, pattern=AMOUNT)
    book_amount: str | None = Field(default=None, pattern=AMOUNT,
                                    description="value in the ledger currency, for an item "
                                                "in another currency")
    book_currency: str | None = None


class MovementIn(BaseModel):
    booking_date: date
    amount: str = Field(pattern=AMOUNT)
    currency: str = Field(default="EUR", pattern="^[A-Za-z]{3}$")
    value_date: date | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance: str = ""
    reference: str | None = None
    bank_reference: str | None = None


class PreviewIn(BaseModel):
    movements: list[MovementIn]
    items: list[ItemIn]


class AcceptIn(BaseModel):
    candidate: int = 1


class Allocation(BaseModel):
    item_id: str
    amount: str | None = Field(default=None, pattern=AMOUNT)


class AssignIn(BaseModel):
    items: list[Allocation] = Field(min_length=1)
    reason: str | None = None


class IgnoreIn(BaseModel):
    reason: str = Field(min_length=1)


# -- the application ------------------------------------------------------------------------

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

    @app.middleware("http")
    async def limit_size(request: Request, call_next: Callable[..., Any]) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_body:
            return _problem(413, "Request too large",
                            f"the body has {length} bytes; the limit is {max_body}")
        return await call_next(request)  # type: ignore[no-any-return]

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return _problem(exc.status, exc.title, exc.detail, exc.errors, str(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                  for e in exc.errors()]
        return _problem(422, "Invalid request", "the request does not have the expected shape",
                        errors, str(request.url.path))

    @app.exception_handler(CashmatchError)
    async def on_error(request: Request, exc: CashmatchError) -> Response:
        status, title, errors = 400, "Rejected", None
        if isinstance(exc, ItemsError):
            errors = [{"field": p.location.element or "", "row": p.location.line,
                       "message": p.message} for p in exc.problems]
            status, title = 422, "Invalid items"
        elif isinstance(exc, InputError):
            errors = [{"field": exc.location.element or "", "row": exc.location.line,
                       "message": exc.reason}]
            status, title = 422, "Invalid statement"
        elif isinstance(exc, ReviewError):
            status = 404 if str(exc).startswith("no ") else 409
            title = "Not found" if status == 404 else "Conflict"
        elif isinstance(exc, StoreError):
            status, title = 503, "Store unavailable"
        return _problem(status, title, str(exc), errors, str(request.url.path))

    def access(level: str) -> Callable[..., str]:
        def check(authorization: Annotated[str | None, Header()] = None,
                  x_user: Annotated[str | None, Header(alias=USER_HEADER)] = None) -> str:
            if not authorization or not authorization.lower().startswith("bearer "):
                raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
            granted = tokens.get(authorization[7:].strip())
            if granted is None:
                raise Problem(401, "Unauthorized", "unknown token")
            if level == "write" and granted != "write":
                raise Problem(403, "Forbidden", "this token may only read")
            return x_user or f"api:{hashlib.sha256(authorization.encode()).hexdigest()[:8]}"
        return check

    reader = Depends(access("read"))
    writer = Depends(access("write"))

    def once(key: str | None, request_body: bytes, path: str,
             work: Callable[[], Any]) -> Response:
        """Run ``work`` under the store lock, at most once per idempotency key."""
        digest = hashlib.sha256(path.encode() + b"\0" + request_body).hexdigest()
        with lock:
            if key:
                seen = store.row("SELECT request_hash, status, response FROM cm_idempotency "
                                 "WHERE key = ?", [key])
                if seen is not None:
                    if seen[0] != digest:
                        raise Problem(409, "Idempotency key reused",
                                      "this Idempotency-Key was used for another request")
                    return Response(seen[2], status_code=seen[1], media_type="application/json")
            result = work()
            body = json.dumps(result, ensure_ascii=False, default=_default)
            if key:
                store.execute("INSERT INTO cm_idempotency VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                              [key, digest, 200, body])
            return Response(body, status_code=200, media_type="application/json")

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": cashmatch.__version__}

    @app.post("/statements")
    async def upload_statements(request: Request, files: list[UploadFile] = File(...),
                                idempotency_key: Annotated[str | None, Header()] = None,
                                _: str = writer) -> Response:
        blobs = [(f.filename or "upload", await f.read()) for f in files]
        body = b"".join(name.encode() + b"\0" + data for name, data in blobs)

        def work() -> Any:
            with tempfile.TemporaryDirectory() as tmp:
                paths = []
                for n, (name, data) in enumerate(blobs):
                    path = Path(tmp) / f"{n}_{Path(name).name}"
                    path.write_bytes(data)
                    paths.append(path)
                summary = cashmatch.import_statements(store, paths)
            return {"files": [{"file": Path(f.file).name.split("_", 1)[-1], "format": f.format,
                               "movements": f.movements, "new": f.new, "known": f.known,
                               "suspected_duplicates": f.suspected_duplicates,
                               "problems": [str(p) for p in f.problems]}
                              for f in summary.files]}
        return once(idempotency_key, body, "/statements", work)

    def items_summary(r: Any) -> dict[str, Any]:
        return {"rows": r.rows, "new": r.new, "updated": r.updated, "unchanged": r.unchanged}

    @app.post("/items")
    async def upsert_items(request: Request, items: list[ItemIn],
                           idempotency_key: Annotated[str | None, Header()] = None,
                           _: str = writer) -> Response:
        """Upsert open items given as JSON records."""
        records = [i.model_dump() for i in items]
        return once(idempotency_key, await request.body(), "/items",
                    lambda: items_summary(cashmatch.upsert_items(store, records, "request")))

    @app.post("/items/file")
    async def upload_items(request: Request, file: UploadFile = File(...),
                           idempotency_key: Annotated[str | None, Header()] = None,
                           _: str = writer) -> Response:
        """Upsert open items from an uploaded CSV, Parquet or JSON file."""
        name = Path(file.filename or "items.csv").name
        data = await file.read()

        def work() -> Any:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / name
                path.write_bytes(data)
                return items_summary(cashmatch.import_items(store, path))
        return once(idempotency_key, name.encode() + b"\0" + data, "/items/file", work)

    @app.post("/match")
    async def match(request: Request,
                    idempotency_key: Annotated[str | None, Header()] = None,
                    _: str = writer) -> Response:
        def work() -> Any:
            s = cashmatch.run_match(store, rules)
            return {"run_id": s.run_id, "considered": s.considered, "auto": s.auto,
                    "review": s.review, "unmatched": s.unmatched, "ignored": s.ignored,
                    "amounts": s.amounts}
        return once(idempotency_key, await request.body(), "/match", work)

    @app.post("/match/preview")
    def match_preview(body: PreviewIn, _: str = reader) -> Any:
        from cashmatch.money import AmountError, to_minor

        for n, m in enumerate(body.movements):
            try:
                to_minor(Decimal(m.amount), m.currency.upper())
            except AmountError as exc:
                raise Problem(422, "Invalid request", str(exc),
                              [{"field": f"body.movements.{n}.amount",
                                "message": str(exc)}]) from exc
        movements = [cashmatch.Movement(
            m.booking_date, Decimal(m.amount), m.currency.upper(),
            cashmatch.Source("request", 0, f"movements[{n}]"), value_date=m.value_date,
            counterparty_name=m.counterparty_name,
            counterparty_iban=normalize.iban(m.counterparty_iban),
            remittance=" ".join(filter(None, [m.remittance, m.reference])),
            references=(cashmatch.Reference("reference", m.reference),) if m.reference else (),
            bank_reference=m.bank_reference or f"request-{n}")
            for n, m in enumerate(body.movements)]
        items = [{k: v for k, v in i.model_dump().items() if v is not None} for i in body.items]
        return {"results": cashmatch.preview(movements, items, rules)}

    @app.get("/matches")
    def matches(status: Annotated[str | None, Query(pattern="^(auto|manual|suggested|"
                                                             "unmatched)$")] = None,
                party_id: str | None = None, date_from: date | None = None,
                date_to: date | None = None, _: str = reader) -> Any:
        """Allocations, suggestions and unmatched movements, filtered."""
        with lock:
            frame = cashmatch.matches_frame(store)
        rows = [r for r in frame.to_dicts()
                if (status is None or r["status"] == status)
                and (party_id is None or r["party_id"] == party_id)
                and (date_from is None or r["booking_date"] >= date_from)
                and (date_to is None or r["booking_date"] <= date_to)]
        return {"matches": rows}

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
        with lock:
            return {"items": cashmatch.list_reviews(store, flt)}

    @app.get("/review/{review_id}")
    def review_show(review_id: int, _: str = reader) -> Any:
        with lock:
            return cashmatch.show_review(store, review_id)

    @app.post("/review/{review_id}/accept")
    async def review_accept(review_id: int, request: Request, body: AcceptIn | None = None,
                            idempotency_key: Annotated[str | None, Header()] = None,
                            user: str = writer) -> Response:
        rank = body.candidate if body else 1
        return once(idempotency_key, await request.body(), f"/review/{review_id}/accept",
                    lambda: {"decision_id": cashmatch.accept(store, rules, review_id, rank, user)})

    @app.post("/review/{review_id}/assign")
    async def review_assign(review_id: int, body: AssignIn, request: Request,
                            idempotency_key: Annotated[str | None, Header()] = None,
                            user: str = writer) -> Response:
        lines = [(a.item_id, None if a.amount is None else Decimal(a.amount)) for a in body.items]
        return once(idempotency_key, await request.body(), f"/review/{review_id}/assign",
                    lambda: {"decision_id": cashmatch.assign(store, rules, review_id, lines, user,
                                                             body.reason)})

    @app.post("/review/{review_id}/ignore")
    async def review_ignore(review_id: int, body: IgnoreIn, request: Request,
                            idempotency_key: Annotated[str | None, Header()] = None,
                            user: str = writer) -> Response:
        return once(idempotency_key, await request.body(), f"/review/{review_id}/ignore",
                    lambda: {"decision_id": cashmatch.ignore(store, rules, review_id,
                                                             body.reason, user)})

    @app.get("/journal")
    def journal(format: Annotated[str, Query(pattern="^(json|csv|fec)$")] = "json",
                _: str = reader) -> Any:
        from cashmatch.ledger.export import write
        from cashmatch.ledger.fec import fec_lines

        with lock:
            frame = cashmatch.journal_frame(store)
        if format == "json":
            return {"lines": frame.to_dicts()}
        if format == "fec":
            return PlainTextResponse("\r\n".join(fec_lines(frame, rules.ledger.journal_label)))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "journal.csv"
            write(frame, out, "csv")
            return PlainTextResponse(out.read_text(encoding="utf-8"), media_type="text/csv")

    @app.get("/reports/aged")
    def report_aged(as_of: date | None = None, _: str = reader) -> Any:
        with lock:
            return {"as_of": as_of or date.today(),
                    "rows": cashmatch.aged_balance(store, as_of or date.today())}

    @app.get("/reports/dso")
    def report_dso(as_of: date | None = None, months: Annotated[int, Query(ge=1, le=24)] = 3,
                   _: str = reader) -> Any:
        from dataclasses import asdict

        with lock:
            return {"dso": [asdict(d) for d in cashmatch.dso(store, as_of or date.today(),
                                                             months)]}

    @app.get("/reports/kpis")
    def report_kpis(_: str = reader) -> Any:
        with lock:
            return {"days": cashmatch.matching_kpis(store)}

    return app
