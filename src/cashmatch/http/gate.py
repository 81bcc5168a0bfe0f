"""The gate every request passes before any route reads its body.

In order: who is asking (a bearer token, or for the pages a session cookie; nobody: 401, or
the sign-in page), whether their role may send a body that changes the store at all (403),
whether the body is of the media type the route reads (415) and within the size limit (413,
counted as it arrives, so a chunked body without ``Content-Length`` is cut off too). A route
then checks the finer roles (approver, admin). Every answer says how long the service took
(``Server-Timing: app;dur=<ms>``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

import anyio
from starlette.datastructures import Headers

from cashmatch.http import problems
from cashmatch.http.auth import SESSION_COOKIE, USER_HEADER
from cashmatch.store.users import Principal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PUBLIC = frozenset({"/", "/health", "/openapi.json", "/docs", "/web/login", "/favicon.ico"})
#: POSTs that change nothing: a viewer may send them.
READING_POSTS = frozenset({"/match/preview", "/statements/parse", "/fec/check",
                           "/service/read", "/web/logout", "/web/lang"})
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class TooLarge(Exception):
    """The body went past the limit while it was read."""


class Gate:
    """ASGI middleware: authentication, the coarse role check, media type and size."""

    def __init__(self, app: Callable[..., Awaitable[None]], max_body: int) -> None:
        self.app, self.max_body = app, max_body
        self._media: list[tuple[str, re.Pattern[str], str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["cm_started"] = time.perf_counter()
        headers = Headers(scope=scope)
        refused = await self._admit(scope, headers)
        if refused is None:
            refused = self._body_refused(scope, headers)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self._limited(scope, receive, send)

    async def _admit(self, scope: Scope, headers: Headers) -> Any:
        """None when the request may go on, else the response refusing it."""
        path, method = scope["path"], scope["method"]
        if path in PUBLIC or path.startswith("/static/"):
            return None
        service = scope["app"].state.service
        who, session_id, refusal = await anyio.to_thread.run_sync(
            _identify, service, headers, path)
        if who is None:
            if path.startswith("/web/"):
                target = path + (f"?{scope['query_string'].decode()}"
                                 if scope.get("query_string") else "")
                return problems.redirect(f"/web/login?next={quote(target, safe='')}")
            return problems.problem(401, "Unauthorized", refusal,
                                    headers={"WWW-Authenticate": "Bearer"})
        if method not in SAFE and path not in READING_POSTS and not who.may("reviewer"):
            return problems.problem(403, "Forbidden",
                                    f"{who.name} is a {who.role}: this changes the store")
        if session_id is not None and method not in SAFE and not _same_origin(headers):
            return problems.problem(403, "Forbidden", "a form of another site")
        scope.setdefault("state", {}).update(principal=who, session_id=session_id)
        return None

    def _body_refused(self, scope: Scope, headers: Headers) -> Any:
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body:
            return problems.problem(413, "Request too large",
                                    f"the body has {length} bytes; the limit is {self.max_body}")
        expected = self._expected_media(scope)
        given = headers.get("content-type", "").split(";")[0].strip().lower()
        if expected is None or not given:
            return None
        fits = (given.startswith("multipart/form-data") if expected == "multipart"
                else given == "application/json" or given.endswith("+json"))
        if fits:
            return None
        wanted = "multipart/form-data" if expected == "multipart" else "application/json"
        return problems.problem(415, "Unsupported media type",
                                f"this route reads {wanted}, not {given}")

    def _expected_media(self, scope: Scope) -> str | None:
        """``json`` or ``multipart``: what the route of ``scope`` reads, if it reads a body
        (as the OpenAPI document declares it)."""
        if self._media is None:
            self._media = []
            for path, methods in scope["app"].openapi()["paths"].items():
                pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$")
                for method, op in methods.items():
                    content = op.get("requestBody", {}).get("content", {})
                    if content:
                        kind = "multipart" if "multipart/form-data" in content else "json"
                        self._media.append((method.upper(), pattern, kind))
        for method, pattern, kind in self._media:
            if method == scope["method"] and pattern.match(scope["path"]):
                return kind
        return None

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app with a body cut off at the limit: 413 if it goes past."""
        seen = 0
        over = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    over = True
                    raise TooLarge
            return message

        started = False

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # the app's own answer to a body cut short is not sent
            if message["type"] == "http.response.start":
                spent = (time.perf_counter() - scope["cm_started"]) * 1000
                message["headers"] = [*message.get("headers", []),
                                      (b"server-timing", f"app;dur={spent:.1f}".encode())]
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except TooLarge:
            over = True
        if over and not started:
            answer = problems.problem(413, "Request too large",
                                      f"the body went past the limit of {self.max_body} bytes")
            await answer(scope, receive, send)


def _identify(service: Any, headers: Headers, path: str
              ) -> tuple[Principal | None, str | None, str]:
    """(who, session id or None, why nobody) from the request's credentials."""
    authorization = headers.get("authorization", "")
    if authorization:
        if not authorization.lower().startswith("bearer "):
            return None, None, "send Authorization: Bearer <token>"
        who = service.read(lambda st: service.keeper.bearer(st, authorization[7:].strip(),
                                                            headers.get(USER_HEADER)))
        return who, None, "unknown token"
    cookie = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
    if cookie and path.startswith("/web/"):
        found = service.read(lambda st: service.keeper.session(st, cookie))
        if found is not None:
            return found[0], found[1], ""
    return None, None, "send Authorization: Bearer <token>"


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _same_origin(headers: Headers) -> bool:
    """A form posted from one of the service's own pages (the browser says where from)."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == headers.get("host")
