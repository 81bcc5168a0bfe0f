"""Users, their secrets (kept as hashes) and the sessions of the pages."""

from __future__ import annotations

import pytest

from cashmatch.errors import Conflict, InputError
from cashmatch.store import Store
from cashmatch.store.users import (
    add_user,
    check_password,
    disable_user,
    end_session,
    list_users,
    open_session,
    role_of,
    secret,
    session_user,
    token_user,
)


def test_users_their_roles_and_secrets(store: Store) -> None:
    add_user(store, "rita", "reviewer", password="correct horse", by="ada")
    add_user(store, "api", "write", token="a-personal-token-123456", by="ada")
    assert [(u["user_name"], u["role"], u["has_password"], u["has_token"])
            for u in list_users(store)] == [("api", "reviewer", False, True),
                                            ("rita", "reviewer", True, False)]
    assert check_password(store, "rita", "correct horse").role == "reviewer"  # type: ignore[union-attr]
    assert check_password(store, "rita", "wrong horse") is None
    assert check_password(store, "nobody", "correct horse") is None
    assert token_user(store, "a-personal-token-123456").name == "api"  # type: ignore[union-attr]
    assert "correct horse" not in str(store.rows("SELECT * FROM cm_users"))
    with pytest.raises(Conflict, match="exists already"):
        add_user(store, "rita", "viewer", password="another password")
    for bad in ({"name": "engine"}, {"name": "x", "password": "short"}, {"name": "y"},
                {"name": "z", "role": "boss", "password": "long enough!"}):
        with pytest.raises(InputError):
            add_user(store, bad["name"], bad.get("role", "viewer"), bad.get("password"))


def test_sessions_end_when_signed_out_or_disabled(store: Store) -> None:
    who = add_user(store, "alan", "approver", password="a long password")
    assert who["role"] == "approver" and role_of("read") == "viewer"
    principal = check_password(store, "alan", "a long password")
    assert principal is not None and principal.may("reviewer") and not principal.may("admin")
    first, second = open_session(store, principal, 8), open_session(store, principal, 8)
    assert session_user(store, first) == principal
    end_session(store, first)
    assert session_user(store, first) is None and session_user(store, second) == principal
    assert session_user(store, open_session(store, principal, -1)) is None  # expired
    disable_user(store, "alan", by="ada")
    assert session_user(store, second) is None
    assert check_password(store, "alan", "a long password") is None
    with pytest.raises(Conflict, match="was disabled"):
        disable_user(store, "alan")
    assert secret(store) == secret(store) and len(secret(store)) == 32
