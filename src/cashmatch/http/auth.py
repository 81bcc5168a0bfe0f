"""Who is asking: bearer tokens and the pages' signed session cookies.

Tokens come from a TOML file (``[tokens.NAME] token = "…", role = "reviewer"``; the older
``access = "read" | "write"`` means viewer and reviewer), from ``$CASHMATCH_TOKENS``
(``token:role,other:read``), or are a user's personal token kept (hashed) in the store. A
named token acts as its name; an unnamed one as ``X-User`` or a name derived from it.

The pages sign in with a password or a personal token and keep a session cookie: the
session id, signed with the store's key (HttpOnly, SameSite=Strict; only the id's hash is
stored). Forms carry a CSRF token derived from the session id with the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cashmatch.errors import CashmatchError, ConfigError
from cashmatch.store import Store
from cashmatch.store.users import (
    Principal,
    check_password,
    end_session,
    open_session,
    role_of,
    secret,
    session_user,
    token_user,
)

USER_HEADER = "X-User"
SESSION_COOKIE = "cm_session"


@dataclass(frozen=True, slots=True)
class Credential:
    """What a configured token grants: a role, and the name it acts as (None: ``X-User``)."""

    name: str | None
    role: str


def load_tokens(path: Path | None = None) -> dict[str, Credential]:
    """token → :class:`Credential`, from ``path`` and ``$CASHMATCH_TOKENS``."""
    tokens: dict[str, Credential] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(str(path), [f"cannot read the tokens file: {exc}"]) from exc
        for name, entry in data.get("tokens", {}).items():
            try:
                role = role_of(str(entry.get("role", entry.get("access", "read"))))
            except CashmatchError as exc:
                raise ConfigError(str(path), [f"tokens.{name}: {exc}"]) from None
            if not entry.get("token"):
                raise ConfigError(str(path), [f"tokens.{name}: needs a token"])
            tokens[str(entry["token"])] = Credential(name, role)
    for part in filter(None, os.environ.get("CASHMATCH_TOKENS", "").split(",")):
        token, _, level = part.partition(":")
        try:
            tokens[token.strip()] = Credential(None, role_of(level.strip() or "read"))
        except CashmatchError as exc:
            raise ConfigError("$CASHMATCH_TOKENS", [str(exc)]) from None
    return tokens


def credentials(tokens: dict[str, Credential] | dict[str, str]) -> dict[str, Credential]:
    """Tokens given as ``{token: role}`` (or access level) or as credentials."""
    return {t: c if isinstance(c, Credential) else Credential(None, role_of(c))
            for t, c in tokens.items()}


class Gatekeeper:
    """Checks tokens, passwords and sessions against a store (given to each call: a read
    connection for the checks, the writer's for what writes)."""

    def __init__(self, store: Store, tokens: dict[str, Credential], session_hours: float
                 ) -> None:
        self.tokens, self.session_hours = tokens, session_hours
        self.key = secret(store)

    def bearer(self, store: Store, token: str, claimed: str | None) -> Principal | None:
        """Who a bearer token is (``claimed``: the ``X-User`` of an unnamed token)."""
        found = self.tokens.get(token)
        if found is not None:
            name = found.name or claimed or "api:" + hashlib.sha256(token.encode()).hexdigest()[:8]
            return Principal(name, found.role)
        return token_user(store, token)

    def sign_in(self, store: Store, name: str, secret_text: str) -> Principal | None:
        """A user's password, or a personal token (any name), checked."""
        who = check_password(store, name, secret_text) if name else None
        if who is None:
            found = self.bearer(store, secret_text, None)
            if found is not None and (not name or name == found.name):
                who = found
        return who

    def open(self, store: Store, who: Principal) -> str:
        """A new session for ``who`` (written): the signed cookie value."""
        return self._sign(open_session(store, who, self.session_hours))

    def session(self, store: Store, cookie: str) -> tuple[Principal, str] | None:
        """Who a session cookie belongs to, and the session id (None if forged or over)."""
        session_id = self._unsign(cookie)
        if session_id is None:
            return None
        who = session_user(store, session_id)
        return None if who is None else (who, session_id)

    def close(self, store: Store, cookie: str) -> None:
        """End the session of ``cookie`` (written)."""
        session_id = self._unsign(cookie)
        if session_id is not None:
            end_session(store, session_id)

    def csrf(self, session_id: str) -> str:
        """The CSRF token of a session: the forms of its pages carry it."""
        return hmac.new(self.key, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()

    def _sign(self, value: str) -> str:
        mac = hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()
        return f"{value}.{mac}"

    def _unsign(self, signed: str) -> str | None:
        value, _, _mac = signed.rpartition(".")
        if not value or not hmac.compare_digest(self._sign(value), signed):
            return None
        return value
