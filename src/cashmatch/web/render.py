"""Rendering the pages: the Jinja2 templates shipped in the package, the words and formats
of the person's language, the CSRF token of their session, and the one-shot messages
(“flash”) a form leaves for the page it leads to."""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import quote, unquote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from cashmatch.http.problems import Problem
from cashmatch.web.i18n import Words, language

FLASH_COOKIE = "cm_flash"
LANG_COOKIE = "cm_lang"

#: The pages of the navigation: (key, path, English name, lowest role that sees it).
NAV = (("today", "/web/today", "Today", "viewer"), ("queue", "/web/queue", "Queue", "viewer"),
       ("customers", "/web/customers", "Customers", "viewer"),
       ("statements", "/web/statements", "Statements", "viewer"),
       ("history", "/web/history", "History", "viewer"),
       ("upload", "/web/upload", "Upload", "reviewer"),
       ("exports", "/web/exports", "Exports", "viewer"),
       ("reports", "/web/reports", "Reports", "viewer"),
       ("users", "/web/users", "Users", "admin"))


#: What became of a day's movements, in people's words (:data:`cashmatch.DAY_OUTCOMES`).
OUTCOMES = {"auto": "applied automatically", "manual": "applied by a person",
            "post": "posted to an account", "suspense": "in suspense (471)",
            "ignore": "ignored", "review": "to review", "unmatched": "unmatched"}


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("cashmatch.web", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals["NAV"] = NAV
    env.globals["OUTCOMES"] = OUTCOMES
    return env


def words(request: Request) -> Words:
    return Words(language(request.cookies.get(LANG_COOKIE),
                          request.headers.get("accept-language")))


def csrf(request: Request) -> str:
    session_id = getattr(request.state, "session_id", None)
    return "" if session_id is None else request.app.state.service.keeper.csrf(session_id)


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """The page ``template`` with ``context``, in the person's language, with the message a
    form left for it (then forgotten)."""
    said = words(request)
    flash = _flash(request)
    html = environment().get_template(template).render(
        request=request, _=said.text, fmt=said, lang=said.lang, me=request.state.principal,
        csrf=csrf(request), flash=flash, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/web")
    return response


def _flash(request: Request) -> list[str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        kind, text = json.loads(unquote(raw))
        return [str(kind), str(text)]
    except (ValueError, TypeError):
        return None


def go(location: str, kind: str | None = None, text: str | None = None) -> Response:
    """See other ``location``, leaving it a message (``kind``: ``ok`` or ``error``)."""
    response = Response(status_code=303, headers={"Location": location})
    if kind and text:
        response.set_cookie(FLASH_COOKIE, quote(json.dumps([kind, text])), max_age=60,
                            path="/web", httponly=True, samesite="strict")
    return response


async def form(request: Request) -> dict[str, Any]:
    """The posted form, once its CSRF token is checked (403 otherwise). Fields given more
    than once are lists."""
    data = await request.form()
    expected = csrf(request)
    if not expected or data.get("csrf") != expected:
        raise Problem(403, "Forbidden", "the form's CSRF token is missing or stale")
    out: dict[str, Any] = {}
    for key in data:
        values = data.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out
