"""Shared fixtures: an empty store, and writers for small input files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from cashmatch.config import Rules
from cashmatch.store import Store

STATEMENT_HEADER = ["booking_date", "value_date", "amount", "currency", "description",
                    "counterparty_name", "counterparty_iban", "reference", "bank_reference",
                    "account_iban"]
ITEM_HEADER = ["id", "kind", "party_id", "party_name", "party_iban", "reference", "issue_date",
               "due_date", "amount", "currency", "discount_until", "discount_rate", "description"]
ACCOUNT = "FR7630004001230001234567805"

#: Timing is not what property tests check: a first call that imports polars is slow.
settings.register_profile("cashmatch", deadline=None)
settings.load_profile("cashmatch")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture
def rules() -> Rules:
    return Rules()


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def movement(amount: str, text: str = "", *, day: str = "2026-02-10", name: str = "",
             iban: str = "", bank_ref: str = "", ref: str = "") -> dict[str, str]:
    return {"booking_date": day, "value_date": day, "amount": amount, "currency": "EUR",
            "description": text, "counterparty_name": name, "counterparty_iban": iban,
            "reference": ref, "bank_reference": bank_ref, "account_iban": ACCOUNT}


def item(item_id: str, amount: str, *, party: str = "C1", name: str = "CLIENT UN",
         kind: str = "invoice", iban: str = "", due: str = "2026-02-01",
         ref: str | None = None, discount_until: str = "", discount_rate: str = "",
         issued: str = "2026-01-01", description: str = "") -> dict[str, str]:
    return {"id": item_id, "kind": kind, "party_id": party, "party_name": name,
            "party_iban": iban, "reference": ref or item_id, "issue_date": issued,
            "due_date": due, "amount": amount, "currency": "EUR",
            "discount_until": discount_until, "discount_rate": discount_rate,
            "description": description}


@pytest.fixture
def statements_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    counter = iter(range(1000))

    def make(*rows: dict[str, str]) -> Path:
        return write_csv(tmp_path / f"bank{next(counter)}.csv", STATEMENT_HEADER, list(rows))
    return make


@pytest.fixture
def items_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    counter = iter(range(1000))

    def make(*rows: dict[str, str]) -> Path:
        return write_csv(tmp_path / f"items{next(counter)}.csv", ITEM_HEADER, list(rows))
    return make


def plan_of(store: Store, rules: Rules, **options: object):  # type: ignore[no-untyped-def]
    """What a run would decide now (nothing written): :func:`cashmatch.match.run.plan` in a
    workspace of its own."""
    from cashmatch.match.run import plan
    from cashmatch.match.workspace import Workspace

    with Workspace(store, rules) as ws:
        return plan(ws, rules, **options)  # type: ignore[arg-type]



def journal_lines(store: Store, movement_id: int | None = None,
                  entry_number: str | None = None) -> list[tuple[object, ...]]:
    """(account, aux account, debit, credit, item) of the journal's lines, read through the
    library, amounts in cents; only a movement's or an entry's when asked."""
    from decimal import Decimal

    import cashmatch

    return [(r["account"], r["aux_account"], int(Decimal(r["debit"]) * 100),
             int(Decimal(r["credit"]) * 100), r["item_id"])
            for r in cashmatch.journal_frame(store).to_dicts()
            if (movement_id is None or r["movement_id"] == movement_id)
            and (entry_number is None or r["entry_number"] == entry_number)]


def applied(store: Store) -> dict[int, dict[str, int]]:
    """What stands applied: movement → item → cents (the matches export, read through the
    library)."""
    from decimal import Decimal

    import cashmatch

    out: dict[int, dict[str, int]] = {}
    for r in cashmatch.matches_frame(store).to_dicts():
        if r["status"] in ("auto", "manual"):
            out.setdefault(r["transaction_id"], {})[r["item_id"]] = int(
                Decimal(r["applied_amount"]) * 100)
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: object) -> Iterator[int]:
    """``app`` served by uvicorn on a loopback port in a thread of this process (a real
    socket: bodies are streamed, browsers can reach it); yields the port."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,  # type: ignore[arg-type]
                                           log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def service_process(db: Path, tokens: str) -> Iterator[str]:
    """``cashmatch serve`` over ``db`` in a child process, once it answers; yields its
    address and ends it (by its own process id) afterwards."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cashmatch", "--db", str(db), "serve",
                               "--port", str(port)], env=os.environ | {"CASHMATCH_TOKENS": tokens},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(30)
