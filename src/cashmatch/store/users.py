"""People who use the service: named users with a role, their password and personal token
(kept as hashes only), and the sessions of the pages.

Roles, each allowing what the one before it allows: ``viewer`` reads; ``reviewer`` decides
on the queue, imports and matches; ``approver`` also approves write-offs above the four-eyes
amount; ``admin`` also manages users. A session lives a fixed number of hours, or until its
user signs out or is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cashmatch.errors import Conflict, InputError, Location, NotFound
from cashmatch.store import Store, now

ROLES = ("viewer", "reviewer", "approver", "admin")
#: The access levels of the tokens files written before roles: read and write.
ACCESS_ROLES = {"read": "viewer", "write": "reviewer"}
_SCRYPT = (2**14, 8, 1)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user name and a role."""

    name: str
    role: str

    def may(self, role: str) -> bool:
        """Whether this role allows what ``role`` allows."""
        return ROLES.index(self.role) >= ROLES.index(role)


def role_of(level: str) -> str:
    """A role from a role name or an access level of the older tokens files."""
    role = ACCESS_ROLES.get(level, level)
    if role not in ROLES:
        raise InputError(Location("user", element="role"),
                         f"unknown role {level!r} (known: {', '.join(ROLES)}; or read, write)")
    return role


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    n, r, p = _SCRYPT
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def _password_ok(stored: str | None, password: str) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    again = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                           p=int(p))
    return hmac.compare_digest(again.hex(), digest)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- users -----------------------------------------------------------------------------------

_USER_SQL = "SELECT * FROM cm_users WHERE user_name = ?"
_ADD_SQL = ("INSERT INTO cm_users (user_name, role, password_hash, token_hash, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?)")


def add_user(store: Store, name: str, role: str, password: str | None = None,
             token: str | None = None, by: str = "admin") -> dict[str, Any]:
    """A new user with a role and a password or a personal token (or both)."""
    name = name.strip()
    if not name or name == "engine" or ":" in name:
        raise InputError(Location("user", element="name"), f"{name!r} cannot be a user name")
    if not password and not token:
        raise InputError(Location("user", element="password"),
                         "give the user a password or a personal token")
    if password is not None and len(password) < 10:
        raise InputError(Location("user", element="password"),
                         "a password has at least 10 characters")
    with store.transaction():
        if store.row(_USER_SQL, [name]):
            raise Conflict(f"user {name} exists already")
        store.execute(_ADD_SQL, [name, role_of(role), hash_password(password) if password
                                 else None, token_hash(token) if token else None, now(), by])
    return user(store, name)


def user(store: Store, name: str) -> dict[str, Any]:
    """A user without their secrets: name, role, which secrets they have, since when."""
    rows = store.dicts("SELECT user_name, role, password_hash IS NOT NULL AS has_password, "
                       "token_hash IS NOT NULL AS has_token, created_at, created_by, "
                       "disabled_at FROM cm_users WHERE user_name = ?", [name])
    if not rows:
        raise NotFound(f"no user {name}")
    return rows[0]


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user (secrets left out), by name."""
    names = [r[0] for r in store.rows("SELECT user_name FROM cm_users ORDER BY user_name")]
    return [user(store, n) for n in names]


def disable_user(store: Store, name: str, by: str = "admin") -> dict[str, Any]:
    """Stop a user from signing in or using their token; their sessions end now. Returns
    the user as they now stand."""
    with store.transaction():
        found = user(store, name)
        if found["disabled_at"] is not None:
            raise Conflict(f"user {name} was disabled on {found['disabled_at']}")
        stamp = now()
        store.execute("UPDATE cm_users SET disabled_at = ? WHERE user_name = ?", [stamp, name])
        store.execute("UPDATE cm_sessions SET ended_at = ? WHERE user_name = ? "
                      "AND ended_at IS NULL", [stamp, name])
    return user(store, name)


def check_password(store: Store, name: str, password: str) -> Principal | None:
    """The user ``name`` if ``password`` is theirs and they are not disabled."""
    row = store.dicts(_USER_SQL, [name])
    if not row or row[0]["disabled_at"] is not None:
        _password_ok(hash_password("x"), password)  # the same time either way
        return None
    if not _password_ok(row[0]["password_hash"], password):
        return None
    return Principal(name, row[0]["role"])


def token_user(store: Store, token: str) -> Principal | None:
    """The user whose personal token ``token`` is, unless disabled."""
    row = store.row("SELECT user_name, role FROM cm_users WHERE token_hash = ? "
                    "AND disabled_at IS NULL", [token_hash(token)])
    return None if row is None else Principal(row[0], row[1])


# -- sessions --------------------------------------------------------------------------------


def secret(store: Store) -> bytes:
    """The key that signs session cookies, made once per store."""
    with store.transaction():
        found = store.scalar("SELECT value FROM cm_settings WHERE key = 'session_secret'")
        if found is None:
            found = secrets.token_hex(32)
            store.execute("INSERT INTO cm_settings VALUES ('session_secret', ?)", [found])
    return bytes.fromhex(found)


def open_session(store: Store, who: Principal, hours: float) -> str:
    """A new session for ``who``; returns its id (only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    stamp = now()
    store.execute("INSERT INTO cm_sessions VALUES (?, ?, ?, ?, ?, NULL)",
                  [token_hash(session_id), who.name, who.role, stamp,
                   stamp + timedelta(hours=hours)])
    return session_id


_SESSION_SQL = """
SELECT s.user_name, s.role FROM cm_sessions s
LEFT JOIN cm_users u USING (user_name)
WHERE s.session_hash = ? AND s.ended_at IS NULL AND s.expires_at > ? AND u.disabled_at IS NULL
"""


def session_user(store: Store, session_id: str) -> Principal | None:
    """Who a live session belongs to (None once it expired, ended or its user was
    disabled)."""
    row = store.row(_SESSION_SQL, [token_hash(session_id), now()])
    return None if row is None else Principal(row[0], row[1])


def end_session(store: Store, session_id: str) -> None:
    store.execute("UPDATE cm_sessions SET ended_at = ? WHERE session_hash = ? "
                  "AND ended_at IS NULL", [now(), token_hash(session_id)])
