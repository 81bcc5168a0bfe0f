"""Idempotency keys of the HTTP service, kept in the store: the first response to a key is
stored and replayed for the same request; the same key with another request is refused."""

from __future__ import annotations

from dataclasses import dataclass

from cashmatch.errors import Conflict
from cashmatch.store import Store

_SEEN_SQL = "SELECT request_hash, status, response FROM cm_idempotency WHERE key = ?"
_KEEP_SQL = "INSERT INTO cm_idempotency VALUES (?, ?, ?, ?, now()::TIMESTAMP)"


@dataclass(frozen=True, slots=True)
class Stored:
    """A response given before under a key."""

    status: int
    body: str


def recall_response(store: Store, key: str, request_hash: str) -> Stored | None:
    """The response stored under ``key``, if any; :class:`Conflict` when ``key`` was used for
    another request (another ``request_hash``)."""
    seen = store.row(_SEEN_SQL, [key])
    if seen is None:
        return None
    if seen[0] != request_hash:
        raise Conflict("this Idempotency-Key was used for another request")
    return Stored(int(seen[1]), str(seen[2]))


def remember_response(store: Store, key: str, request_hash: str, status: int, body: str) -> None:
    """Keep the response to the request under ``key``."""
    store.execute(_KEEP_SQL, [key, request_hash, status, body])
