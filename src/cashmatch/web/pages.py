"""The pages people read: each route reads its query, calls one function of the curated API
and renders a template."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

import cashmatch
from cashmatch.errors import CashmatchError, InputError, Location
from cashmatch.http.service import Admin, Svc, Viewer
from cashmatch.web.render import go, render

router = APIRouter(prefix="/web", include_in_schema=False)
PAGE = 50
#: The queue's query parameters, as the pages name them.
QUEUE_KEYS = ("status", "reason", "party", "min", "max", "from", "to", "q", "dir", "sort",
              "desc")


def _amount(text: str, name: str) -> Decimal | None:
    """An amount typed by a person: a dot or a comma, spaces ignored."""
    clean = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if not clean:
        return None
    try:
        return Decimal(clean.replace(",", ".") if "." not in clean else clean)
    except InvalidOperation:
        raise InputError(Location("query", element=name), f"{text!r} is not an amount") from None


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(Location("query", element=name), f"{text!r} is not a date") from None


def queue_filter(params: Mapping[str, str]) -> cashmatch.ReviewFilter:
    """The queue's filters and order from the page's query (or a form's ``ctx``)."""
    get = {k: (params.get(k) or "").strip() for k in QUEUE_KEYS}
    return cashmatch.ReviewFilter(
        status=None if get["status"] == "all" else (get["status"] or "open"),
        reason=get["reason"] or None, party=get["party"] or None,
        min_amount=_amount(get["min"], "min"), max_amount=_amount(get["max"], "max"),
        date_from=_day(get["from"], "from"), date_to=_day(get["to"], "to"),
        text=get["q"] or None, direction=get["dir"] or None, sort=get["sort"] or "date",
        descending=get["desc"] == "1")


def queue_context(params: Mapping[str, str]) -> str:
    """The queue's query kept by the movement page and its forms (empty values left out)."""
    return urlencode([(k, params[k]) for k in QUEUE_KEYS if params.get(k)])


def reading(svc: Any, work: Any) -> Any:
    """``work(store)``, a read, on one of the service's read connections (off the loop)."""
    return run_in_threadpool(svc.read, work)


@router.get("/")
def home() -> Response:
    return go("/web/today")


@router.get("/today")
async def today(request: Request, svc: Svc, _: Viewer, day: str = "") -> Response:
    when = _day(day, "day") or date.today()
    data = await reading(svc, lambda st: cashmatch.today(st, when))
    return render(request, "today.html", nav="today", data=data,
                  outcomes=cashmatch.DAY_OUTCOMES)


@router.get("/queue")
async def queue(request: Request, svc: Svc, _: Viewer,
                page: Annotated[int, Query(ge=1)] = 1) -> Response:
    params = dict(request.query_params)
    try:
        flt = queue_filter(params)
        found = await reading(svc, lambda st: cashmatch.queue_page(st, flt, PAGE,
                                                               (page - 1) * PAGE))
        error = None
    except CashmatchError as exc:
        flt, found, error = cashmatch.ReviewFilter(), None, str(exc)
    template = "queue_rows.html" if request.headers.get("hx-request") else "queue.html"
    return render(request, template, status=200 if error is None else 422, nav="queue",
                  flt=flt, found=found, page=page, size=PAGE, params=params, error=error,
                  ctx=queue_context(params), reasons=list(cashmatch.REASONS.items()),
                  unsorted=queue_context({k: v for k, v in params.items()
                                          if k not in ("sort", "desc")}))


@router.get("/queue/next")
async def queue_next(request: Request, svc: Svc, _: Viewer, after: int) -> Response:
    """Where a person goes once line ``after`` is decided: the next line of their queue."""
    params = dict(request.query_params)
    flt = queue_filter(params)
    found = await reading(svc, lambda st: cashmatch.next_in_queue(st, flt, after))
    ctx = queue_context(params)
    if found is None:
        return go(f"/web/queue?{ctx}")
    return go(f"/web/review/{found}?{ctx}")


@router.get("/review/{review_id}")
async def movement(request: Request, review_id: int, svc: Svc, _: Viewer,
                   party: str = "", search: str = "") -> Response:
    params = dict(request.query_params)
    flt = queue_filter(params)
    desk = await reading(svc, lambda st: cashmatch.movement_desk(
        st, svc.rules, review_id, flt, party or None, search or None))
    template = "items_rows.html" if request.headers.get("hx-request") else "movement.html"
    return render(request, template, nav="queue", desk=desk, ctx=queue_context(params))


@router.get("/movement/{movement_id}")
async def story(request: Request, movement_id: int, svc: Svc, _: Viewer) -> Response:
    found = await reading(svc, lambda st: cashmatch.movement_story(st, movement_id))
    return render(request, "story.html", nav="history", story=found)


@router.get("/customers")
async def customers(request: Request, svc: Svc, _: Viewer, q: str = "") -> Response:
    flt = cashmatch.ItemFilter(text=q or None, open_only=True)
    found = await reading(svc, lambda st: cashmatch.items_page(st, flt, 100)) if q else None
    return render(request, "customers.html", nav="customers", q=q, found=found)


@router.get("/customers/{party_id}")
async def customer(request: Request, party_id: str, svc: Svc, _: Viewer,
                   as_of: str = "") -> Response:
    day = _day(as_of, "as_of") or date.today()
    acct = await reading(svc, lambda st: cashmatch.customer_account(st, party_id, day))
    return render(request, "customer.html", nav="customers", acct=acct)


@router.get("/statements")
async def statements(request: Request, svc: Svc, _: Viewer,
                     page: Annotated[int, Query(ge=1)] = 1) -> Response:
    found = await reading(svc, lambda st: cashmatch.list_statements(st, PAGE,
                                                                (page - 1) * PAGE))
    return render(request, "statements.html", nav="statements", found=found, page=page,
                  size=PAGE)


@router.get("/history")
async def history(request: Request, svc: Svc, _: Viewer, actor: str = "", action: str = "",
                  page: Annotated[int, Query(ge=1)] = 1) -> Response:
    flt = cashmatch.DecisionFilter(actor or None, action or None, newest_first=True)
    found = await reading(svc, lambda st: cashmatch.decision_page(st, flt, PAGE,
                                                              (page - 1) * PAGE))
    return render(request, "history.html", nav="history", found=found, page=page, size=PAGE,
                  actor=actor, action=action)


@router.get("/upload")
async def upload(request: Request, _: Viewer) -> Response:
    return render(request, "upload.html", nav="upload")


@router.get("/exports")
async def exports(request: Request, _: Viewer) -> Response:
    return render(request, "exports.html", nav="exports", year_end=f"{date.today().year}-12-31")


@router.get("/exports/{what}")
async def export_file(what: str, svc: Svc, _: Viewer, format: str = "csv",
                      siren: str = "", year_end: str = "") -> Response:
    end = _day(year_end, "year_end")
    got = await reading(svc, lambda st: cashmatch.download(st, svc.rules, what, format,
                                                       siren.strip() or None, end))
    return Response(got.content, media_type=got.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{got.name}"'})


@router.get("/reports")
async def reports(request: Request, svc: Svc, _: Viewer, as_of: str = "",
                  months: Annotated[int, Query(ge=1, le=24)] = 3) -> Response:
    day = _day(as_of, "as_of") or date.today()
    data = await reading(svc, lambda st: cashmatch.overview(st, day, months))
    return render(request, "reports.html", nav="reports", data=data)


@router.get("/reports/{kind}.png")
async def chart(kind: str, svc: Svc, _: Viewer, as_of: str = "") -> Response:
    day = _day(as_of, "as_of") or date.today()
    png = await reading(svc, lambda st: cashmatch.chart(st, kind, day))
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/users")
async def users(request: Request, svc: Svc, _: Admin) -> Response:
    found = await reading(svc, lambda st: cashmatch.list_users(st))
    return render(request, "users.html", nav="users", users=found, roles=cashmatch.ROLES)
