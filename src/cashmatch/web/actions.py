"""The forms of the pages: signing in and out, the language, every decision on a line, the
approvals, uploads and matching runs, users. Each posts, checks its CSRF token, calls one
function of the curated API and sends the person on (after a decision: to the next line of
their queue), with a message saying what happened or why it could not."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

import cashmatch
from cashmatch.errors import CashmatchError
from cashmatch.http.auth import SESSION_COOKIE
from cashmatch.http.service import Admin, Approver, Reviewer, Svc, Viewer
from cashmatch.web.i18n import LANGUAGES
from cashmatch.web.pages import _amount
from cashmatch.web.render import LANG_COOKIE, form, go, render, words

router = APIRouter(prefix="/web", include_in_schema=False)

#: Failed sign-ins per name (and per address) in the last minutes: a sixth waits.
_FAILURES: dict[str, deque[float]] = defaultdict(deque)
_WINDOW, _ALLOWED = 300.0, 5


def _throttled(*keys: str) -> bool:
    cutoff = time.monotonic() - _WINDOW
    for key in keys:
        seen = _FAILURES[key]
        while seen and seen[0] < cutoff:
            seen.popleft()
        if len(seen) >= _ALLOWED:
            return True
    return False


@router.get("/login")
async def login_page(request: Request, next: str = "/web/today") -> Response:
    request.state.principal = None
    return render(request, "login.html", nav="", next=_local(next), error=None)


@router.post("/login")
async def login(request: Request, svc: Svc) -> Response:
    data = await request.form()
    name, secret = str(data.get("name", "")).strip(), str(data.get("secret", ""))
    target = _local(str(data.get("next", "/web/today")))
    client = request.client.host if request.client else "?"
    request.state.principal = None
    if _throttled(f"name:{name}", f"addr:{client}"):
        return render(request, "login.html", status=429, nav="", next=target,
                      error="Too many attempts: wait a minute.")
    who = await run_in_threadpool(svc.read, lambda st: svc.keeper.sign_in(st, name, secret))
    if who is None:
        _FAILURES[f"name:{name}"].append(time.monotonic())
        _FAILURES[f"addr:{client}"].append(time.monotonic())
        return render(request, "login.html", status=401, nav="", next=target,
                      error="Unknown user, or wrong password or token.")
    cookie = await run_in_threadpool(svc.locked, lambda: svc.keeper.open(svc.store, who))
    response = go(target)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", path="/web",
                        secure=request.url.scheme == "https",
                        max_age=int(svc.keeper.session_hours * 3600))
    return response


@router.post("/logout")
async def logout(request: Request, svc: Svc, _: Viewer) -> Response:
    await form(request)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    await run_in_threadpool(svc.locked, lambda: svc.keeper.close(svc.store, cookie))
    response = go("/web/login")
    response.delete_cookie(SESSION_COOKIE, path="/web")
    return response


@router.get("/lang/{lang}")
async def choose_language(lang: str, _: Viewer, next: str = "/web/today") -> Response:
    response = go(_local(next))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/web",
                            samesite="strict")
    return response


def _local(target: str) -> str:
    """Only a path of the pages: never send a person elsewhere after signing in."""
    return target if target.startswith("/web/") and "//" not in target else "/web/today"


async def _decide(request: Request, svc: Any, review_id: int,
                  work: Callable[[dict[str, Any]], Any]) -> Response:
    """Take a decision on line ``review_id`` from its form; on to the next line of the
    queue when it is taken, back to the line with the reason when it is not."""
    said = words(request)
    data = await form(request)
    ctx = str(data.get("ctx", ""))
    try:
        done = await run_in_threadpool(svc.locked, lambda: work(data))
    except CashmatchError as exc:
        return go(f"/web/review/{review_id}?{ctx}", "error", str(exc))
    if getattr(done, "approval_id", None) is not None:
        text = said.text("The write-off waits for an approver (request {id}).",
                         id=done.approval_id)
    else:
        text = said.text("Decision {id} recorded.", id=getattr(done, "decision_id", done))
    return go(f"/web/queue/next?after={review_id}&{ctx}", "ok", text)


def _items(data: dict[str, Any]) -> list[str]:
    picked = data.get("item", [])
    return [picked] if isinstance(picked, str) else list(picked)


def _lines(data: dict[str, Any]) -> list[tuple[str, Decimal | None]]:
    return [(i, _amount(str(data.get(f"amount_{i}", "")), f"amount_{i}"))
            for i in _items(data)]


def _require(items: list[Any]) -> list[Any]:
    if not items:
        raise cashmatch.ReviewError("tick at least one item")
    return items


@router.post("/review/{review_id}/accept")
async def accept(review_id: int, request: Request, svc: Svc, who: Reviewer) -> Response:
    return await _decide(request, svc, review_id, lambda d: cashmatch.accept(
        svc.store, svc.rules, review_id, int(d.get("rank", 1)), who.name,
        int(d["revision"]) if d.get("revision") else None))


@router.post("/review/{review_id}/assign")
async def assign(review_id: int, request: Request, svc: Svc, who: Reviewer) -> Response:
    return await _decide(request, svc, review_id, lambda d: cashmatch.assign(
        svc.store, svc.rules, review_id, _require(_lines(d)), who.name,
        str(d.get("reason", "")).strip() or None))


@router.post("/review/{review_id}/writeoff")
async def writeoff(review_id: int, request: Request, svc: Svc, who: Reviewer) -> Response:
    return await _decide(request, svc, review_id, lambda d: cashmatch.writeoff(
        svc.store, svc.rules, review_id, _require(_items(d)), str(d.get("reason", "")),
        who.name))


@router.post("/review/{review_id}/post")
async def post(review_id: int, request: Request, svc: Svc, who: Reviewer) -> Response:
    return await _decide(request, svc, review_id, lambda d: cashmatch.post_to_account(
        svc.store, svc.rules, review_id, str(d.get("account", "")).strip().upper(),
        str(d.get("label", "")), who.name, str(d.get("reason", "")).strip() or None,
        _amount(str(d.get("vat_rate", "")), "vat_rate")))


@router.post("/review/{review_id}/suspense")
async def suspense(review_id: int, request: Request, svc: Svc, who: Reviewer) -> Response:
    return await _decide(request, svc, review_id, lambda d: cashmatch.suspense(
        svc.store, svc.rules, review_id, str(d.get("reason", "")), who.name))


@router.post("/review/{review_id}/ignore")
async def ignore(review_id: int, request: Request, svc: Svc, who: Reviewer) -> Response:
    return await _decide(request, svc, review_id, lambda d: cashmatch.ignore(
        svc.store, svc.rules, review_id, str(d.get("reason", "")), who.name))


async def _act(request: Request, svc: Any, back: str, work: Callable[[dict[str, Any]], Any],
               said: Callable[[Any], str]) -> Response:
    """Any other form: ``work`` on the store; back to ``back`` with what it did or why not."""
    data = await form(request)
    try:
        done = await run_in_threadpool(svc.locked, lambda: work(data))
    except CashmatchError as exc:
        return go(back, "error", str(exc))
    return go(back, "ok", said(done))


@router.post("/movement/{movement_id}/unmatch")
async def unmatch(movement_id: int, request: Request, svc: Svc, who: Reviewer) -> Response:
    said = words(request)
    return await _act(request, svc, f"/web/movement/{movement_id}", lambda d: cashmatch.unmatch(
        svc.store, svc.rules, movement_id, str(d.get("reason", "")), who.name),
        lambda done: said.text("Decision {id} recorded.", id=done))


@router.post("/approvals/{approval_id}/approve")
async def approve(approval_id: int, request: Request, svc: Svc, who: Approver) -> Response:
    said = words(request)
    return await _act(request, svc, "/web/today", lambda _: cashmatch.approve_writeoff(
        svc.store, svc.rules, approval_id, who.name),
        lambda done: said.text("Request {id} approved: decision {decision}.", id=approval_id,
                               decision=done))


@router.post("/approvals/{approval_id}/reject")
async def reject(approval_id: int, request: Request, svc: Svc, who: Approver) -> Response:
    said = words(request)
    return await _act(request, svc, "/web/today", lambda d: cashmatch.reject_writeoff(
        svc.store, approval_id, str(d.get("reason", "")), who.name),
        lambda _: said.text("Request {id} rejected.", id=approval_id))


@router.post("/upload/statements")
async def upload_statements(request: Request, svc: Svc, _: Reviewer) -> Response:
    said = words(request)
    blobs = [(f.filename or "upload", await f.read())
             for f in (await request.form()).getlist("files") if isinstance(f, UploadFile)]
    return await _act(request, svc, "/web/upload",
                      lambda _: cashmatch.import_uploads(svc.store, blobs),
                      lambda done: said.text("Imported: {new} new movements, {known} already "
                                             "known.", new=done.new, known=done.known))


@router.post("/upload/items")
async def upload_items(request: Request, svc: Svc, _: Reviewer) -> Response:
    said = words(request)
    sent = (await request.form()).get("file")
    name, data = ((sent.filename or "items.csv", await sent.read())
                  if isinstance(sent, UploadFile) else ("items.csv", b""))
    return await _act(request, svc, "/web/upload",
                      lambda _: cashmatch.import_items_upload(svc.store, name, data),
                      lambda done: said.text("Imported: {new} new items, {updated} updated.",
                                             new=done.new, updated=done.updated))


@router.post("/match")
async def match(request: Request, svc: Svc, _: Reviewer) -> Response:
    said = words(request)
    return await _act(request, svc, "/web/today",
                      lambda _: cashmatch.run_match(svc.store, svc.rules),
                      lambda s: said.text("Matching run {id}: {auto} applied, {review} to "
                                          "review, {unmatched} unmatched.", id=s.run_id,
                                          auto=s.auto, review=s.review, unmatched=s.unmatched))


@router.post("/users")
async def add_user(request: Request, svc: Svc, who: Admin) -> Response:
    said = words(request)
    return await _act(request, svc, "/web/users", lambda d: cashmatch.add_user(
        svc.store, str(d.get("name", "")), str(d.get("role", "viewer")),
        str(d.get("password", "")) or None, str(d.get("token", "")) or None, who.name),
        lambda u: said.text("User {name} added.", name=u["user_name"]))


@router.post("/users/{name}/disable")
async def disable_user(name: str, request: Request, svc: Svc, who: Admin) -> Response:
    said = words(request)
    return await _act(request, svc, "/web/users", lambda _: cashmatch.disable_user(
        svc.store, name, who.name), lambda _: said.text("User {name} disabled.", name=name))
