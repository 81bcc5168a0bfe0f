"""What the routes share, and the dependencies that give it to them.

The service is the single writer of its store: it holds the DuckDB file open and runs the
work of requests one at a time under a lock. POSTs that change the store accept an
``Idempotency-Key``: the first response to a key is kept in the store and replayed.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

import cashmatch
from cashmatch.http.auth import Gatekeeper
from cashmatch.http.encoding import dumps
from cashmatch.http.problems import Problem
from cashmatch.store.users import Principal

T = TypeVar("T")

#: Declares the bearer scheme in the OpenAPI document; the gate checks the token.
bearer = HTTPBearer(auto_error=False, description="a token of the tokens file, of "
                    "$CASHMATCH_TOKENS, or a user's personal token")

Key = Annotated[str | None, Header(alias="Idempotency-Key")]


#: Connections kept for reads: as many reads run at once, beside the one writer.
READERS = 4


@dataclass
class Service:
    """The store, the rules, the gatekeeper, the lock that runs writes one at a time, and
    connections for reads, which run beside them on what is committed."""

    store: cashmatch.Store
    rules: cashmatch.Rules
    keeper: Gatekeeper
    lock: threading.Lock = field(default_factory=threading.Lock)
    readers: queue.SimpleQueue[cashmatch.Store] = field(default_factory=queue.SimpleQueue)

    def __post_init__(self) -> None:
        for _ in range(READERS):
            self.readers.put(self.store.reader())

    def locked(self, work: Callable[[], T]) -> T:
        """``work`` that writes (or must see the writer's own state), alone."""
        with self.lock:
            return work()

    def read(self, work: Callable[[cashmatch.Store], T]) -> T:
        """``work`` that only reads, on a connection of its own."""
        store = self.readers.get()
        try:
            return work(store)
        finally:
            self.readers.put(store)

    def close(self) -> None:
        while not self.readers.empty():
            self.readers.get().close()
        self.store.close()

    def once(self, key: str | None, body: bytes, path: str, work: Callable[[], Any],
             status: Callable[[Any], int] = lambda _: 200) -> Response:
        """Run ``work`` under the lock, at most once per idempotency key; ``status`` gives
        the response's status from the result."""
        digest = hashlib.sha256(path.encode() + b"\0" + body).hexdigest()
        with self.lock:
            if key and (seen := cashmatch.recall_response(self.store, key, digest)) is not None:
                return Response(seen.body, status_code=seen.status,
                                media_type="application/json")
            result = work()
            text, code = dumps(result), status(result)
            if key:
                cashmatch.remember_response(self.store, key, digest, code, text)
            return Response(text, status_code=code, media_type="application/json")


def service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def role(needed: str) -> Any:
    """A dependency admitting a principal whose role allows what ``needed`` allows; it
    gives the principal."""

    def check(request: Request,
              _: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> Principal:
        who: Principal | None = getattr(request.state, "principal", None)
        if who is None:
            raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
        if not who.may(needed):
            raise Problem(403, "Forbidden", f"{who.name} is a {who.role}; this needs a {needed}")
        return who

    return Depends(check)


Svc = Annotated[Service, Depends(service)]
Viewer = Annotated[Principal, role("viewer")]
Reviewer = Annotated[Principal, role("reviewer")]
Approver = Annotated[Principal, role("approver")]
Admin = Annotated[Principal, role("admin")]
