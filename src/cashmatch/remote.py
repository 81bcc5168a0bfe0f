"""Reading a store that a running service holds: the command line's reads go through it.

DuckDB lets one process open a store file for writing and no other process open it
meanwhile, not even to read. ``cashmatch serve`` therefore leaves a note beside the store
(``<store>.service``, readable by its owner only) with its address and a read-only token of
its own. A command that only reads and finds the store in use sends its library call to the
service (``POST /service/read``), which runs it on its own connection and sends the result
back typed: amounts stay ``Decimal``, dates ``date``, frames polars frames. Only the
functions of :data:`READS` may be called so, and none of them writes.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from cashmatch.errors import CashmatchError, Conflict, InputError, Location, NotFound, StoreError

#: The library functions (all ``fn(store, ...)``, none writing) a command may call through
#: the service: what any viewer may read (the users are for admins: ``GET /users``).
READS = frozenset({
    "list_reviews", "queue_page", "queue_position", "show_review", "movement_story",
    "decision_log", "decision_page", "movements_page", "items_page", "list_items",
    "list_movements", "list_aliases", "matches_frame", "journal_frame", "aged_balance",
    "dso", "payment_delays", "matching_kpis", "review_backlog", "replay", "list_approvals",
    "customer_account", "list_statements", "day_summary", "in_suspense",
    "bank_reconciliation", "fec_file",
})


def _classes() -> dict[str, type[Any]]:
    """The dataclasses that travel as arguments or results, by name."""
    from cashmatch import config, model
    from cashmatch.ledger import export, fec, history, reports, review
    from cashmatch.match import replay

    found = [review.ReviewFilter, history.DecisionFilter, history.MovementFilter,
             history.ItemFilter, export.MatchFilter, model.Page, reports.Dso,
             replay.ReplayReport, replay.Difference, config.Rules, config.Ledger,
             config.Matching, config.Weights, config.Tolerances, config.IgnoreRule,
             config.AliasRule, config.BankRule, config.PostRule, fec.FecFile]
    return {c.__name__: c for c in found}


def encode(value: Any) -> Any:
    """``value`` as JSON data that :func:`decode` turns back into the same Python value."""
    if isinstance(value, bool | int | str | float) or value is None:
        return value
    if isinstance(value, Decimal):
        return {"$decimal": format(value, "f")}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"$class": type(value).__name__,
                "fields": {f.name: encode(getattr(value, f.name))
                           for f in dataclasses.fields(value)}}
    if type(value).__name__ == "DataFrame":
        buffer = io.BytesIO()
        value.write_ipc(buffer)
        return {"$frame": base64.b64encode(buffer.getvalue()).decode("ascii")}
    raise TypeError(f"cannot send a {type(value).__name__} through the service")


def decode(data: Any) -> Any:
    """The Python value :func:`encode` wrote as ``data``."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    readers: dict[str, Callable[[Any], Any]] = {
        "$decimal": Decimal, "$date": dt.date.fromisoformat,
        "$datetime": dt.datetime.fromisoformat,
        "$tuple": lambda v: tuple(decode(x) for x in v),
        "$dict": lambda v: {decode(k): decode(x) for k, x in v},
        "$frame": _frame,
    }
    for key, read in readers.items():
        if key in data:
            return read(data[key])
    if "$class" in data:
        cls = _classes().get(data["$class"])
        if cls is None:
            raise InputError(Location("request", element="args"),
                             f"unknown kind of value {data['$class']!r}")
        return cls(**{k: decode(v) for k, v in data["fields"].items()})
    raise InputError(Location("request", element="args"), "a value cashmatch cannot read")


def _frame(text: str) -> Any:
    import polars as pl

    return pl.read_ipc(io.BytesIO(base64.b64decode(text)))


def call(store: Any, name: str, args: list[Any]) -> Any:
    """Run the read ``name`` of the curated API on ``store`` (what the service does)."""
    import cashmatch

    if name not in READS:
        raise InputError(Location("request", element="function"),
                         f"{name} is not a read the service runs for the command line")
    return getattr(cashmatch, name)(store, *args)


# -- the note beside the store ---------------------------------------------------------------


def note_path(db: str | Path) -> Path:
    """Where ``cashmatch serve`` leaves its address beside the store ``db``."""
    return Path(f"{db}.service")


def leave_note(db: str | Path, url: str, token: str) -> Path:
    """Write the note (owner-only permissions: it holds a token)."""
    path = note_path(db)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"url": url, "token": token, "pid": os.getpid()}, fh)
    return path


def take_note(db: str | Path) -> None:
    """Remove the note of this process (never another process's)."""
    path = note_path(db)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


class Service:
    """The running service that holds a store, found through its note."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url.rstrip("/"), token

    @classmethod
    def find(cls, db: str | Path) -> Service | None:
        try:
            note = json.loads(note_path(db).read_text(encoding="utf-8"))
            return cls(str(note["url"]), str(note["token"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def read(self, name: str, *args: Any) -> Any:
        """Call the read ``name`` on the service's store."""
        import urllib.error
        import urllib.request

        body = json.dumps({"function": name, "args": encode(list(args))}).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}/service/read", data=body, method="POST",
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=600) as answer:
                return decode(json.loads(answer.read())["result"])
        except urllib.error.HTTPError as exc:
            detail = str(json.loads(exc.read() or b"{}").get("detail", exc.reason))
            kind = {404: NotFound, 409: Conflict}.get(exc.code, CashmatchError)
            raise kind(detail) from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"the store is in use, and the service at {self.url} does not "
                             f"answer: {exc}") from None
