"""Bearer tokens: who may read and who may also write.

Tokens come from a TOML file (``[tokens.NAME] token = "…", access = "read" | "write"``) or
``$CASHMATCH_TOKENS`` (``token:write,other:read``). A ``read`` token may only read; a
``write`` token may also change the store. The check runs before any body is read.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Header

from cashmatch.errors import ConfigError
from cashmatch.http.problems import Problem

USER_HEADER = "X-User"
ACCESS = ("read", "write")


def load_tokens(path: Path | None = None) -> dict[str, str]:
    """token → ``read`` | ``write``, from ``path`` and ``$CASHMATCH_TOKENS``."""
    tokens: dict[str, str] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(str(path), [f"cannot read the tokens file: {exc}"]) from exc
        for name, entry in data.get("tokens", {}).items():
            access = entry.get("access", "read")
            if access not in ACCESS or not entry.get("token"):
                raise ConfigError(str(path), [
                    f"tokens.{name}: needs a token and access read or write"])
            tokens[entry["token"]] = access
    for part in filter(None, os.environ.get("CASHMATCH_TOKENS", "").split(",")):
        token, _, access = part.partition(":")
        tokens[token.strip()] = access.strip() or "read"
    return tokens


def requires(level: str, tokens: dict[str, str]) -> Callable[..., str]:
    """A dependency that admits a token of ``level`` (``write`` also admits for ``read``) and
    gives the acting user: ``X-User``, else a name derived from the token."""

    def check(authorization: Annotated[str | None, Header()] = None,
              x_user: Annotated[str | None, Header(alias=USER_HEADER)] = None) -> str:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
        granted = tokens.get(authorization[7:].strip())
        if granted is None:
            raise Problem(401, "Unauthorized", "unknown token")
        if level == "write" and granted != "write":
            raise Problem(403, "Forbidden", "this token may only read")
        return x_user or f"api:{hashlib.sha256(authorization.encode()).hexdigest()[:8]}"

    return check
