"""Routes that bring data in and match it: statements, items, matching runs, the stateless
preview."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

import cashmatch
from cashmatch.http import schemas as s
from cashmatch.http.encoding import ExactRoute
from cashmatch.http.problems import PROBLEMS
from cashmatch.http.service import Key, Reviewer, Svc, Viewer

router = APIRouter(responses=PROBLEMS, route_class=ExactRoute, tags=["import and matching"])
Files = Annotated[list[UploadFile], File(description="statement files (any format)")]
Currency = Annotated[str | None, Query(pattern="^[A-Z]{3}$", description=(
    "the currency of amounts a file leaves without one (ISO 4217)"))]


@router.get("/health", response_model=s.Health, responses={})
def health() -> Any:
    return {"status": "ok", "version": cashmatch.__version__}


async def _blobs(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    return [(f.filename or "upload", await f.read()) for f in files]


@router.post("/statements", responses={200: {"model": s.ImportOut}})
async def upload_statements(files: Files, svc: Svc, _: Reviewer, key: Key = None,
                            currency: Currency = None) -> Response:
    """Import statement files (all or nothing; movements already known are skipped)."""
    blobs = await _blobs(files)
    body = (currency or "").encode() + b"".join(name.encode() + b"\0" + data
                                                for name, data in blobs)
    return svc.once(key, body, "/statements", lambda: {"files": [
        cashmatch.file_import_dict(f)
        for f in cashmatch.import_uploads(svc.store, blobs, currency=currency).files]})


@router.post("/statements/parse", response_model=s.ParsedOut)
async def parse_statements(files: Files, _: Viewer,
                           format: Literal["camt", "mt940", "ofx", "cfonb120", "csv"] | None = None,
                           currency: Currency = None) -> Any:
    """What statement files hold and which format each is, nothing stored."""
    return cashmatch.parse_uploads(await _blobs(files), format, currency)


@router.get("/statements", response_model=s.StatementsPage)
def statements(svc: Svc, _: Viewer, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> Any:
    """Imported statements with their balances, the balance and the continuity checks."""
    page = svc.read(lambda st: cashmatch.list_statements(st, limit, offset))
    return {"statements": page.rows, "total": page.total, "offset": offset, "limit": limit}


@router.post("/items", responses={200: {"model": s.ItemsImportOut}})
async def upsert_items(request: Request, items: list[s.ItemIn], svc: Svc, _: Reviewer,
                       key: Key = None) -> Response:
    """Upsert open items given as JSON records."""
    records = [i.model_dump() for i in items]
    return svc.once(key, await request.body(), "/items", lambda: asdict(
        cashmatch.upsert_items(svc.store, records, "request")))


@router.post("/items/file", responses={200: {"model": s.ItemsImportOut}})
async def upload_items(file: Annotated[UploadFile, File()], svc: Svc, _: Reviewer,
                       key: Key = None, snapshot: bool = False) -> Response:
    """Upsert open items from an uploaded CSV, Parquet or JSON file; a ``snapshot`` closes
    the items it does not list (settled outside cashmatch)."""
    name = Path(file.filename or "items.csv").name
    data = await file.read()
    return svc.once(key, name.encode() + bytes([snapshot]) + data, "/items/file",
                    lambda: asdict(cashmatch.import_items_upload(svc.store, name, data,
                                                                 snapshot)))


@router.get("/items", response_model=s.ItemsPage)
def items(svc: Svc, _: Viewer, party: str | None = None, text: str | None = None,
          open_only: bool = False, kind: str | None = None,
          sort: Literal["id", "due", "amount"] = "due",
          limit: Annotated[int, Query(ge=1, le=1000)] = 50,
          offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> Any:
    """Open items with what is still open on each, a page at a time."""
    flt = cashmatch.ItemFilter(party, text, open_only, kind, sort)
    page = svc.read(lambda st: cashmatch.items_page(st, flt, limit, offset))
    return {"items": page.rows, "total": page.total, "offset": offset, "limit": limit}


@router.post("/match", responses={200: {"model": s.MatchOut}})
async def match(request: Request, svc: Svc, _: Reviewer, key: Key = None) -> Response:
    """Match every unsettled movement against the open items."""
    return svc.once(key, await request.body(), "/match",
                    lambda: asdict(cashmatch.run_match(svc.store, svc.rules)))


@router.post("/match/preview", response_model=s.PreviewOut)
def match_preview(body: s.PreviewIn, svc: Svc, _: Viewer) -> Any:
    """What matching would decide for the movements and items given: nothing stored."""
    movements = cashmatch.movements_from_records([m.model_dump() for m in body.movements])
    records = [{k: v for k, v in i.model_dump().items() if v is not None} for i in body.items]
    return {"results": cashmatch.preview(movements, records, svc.rules)}
