"""cashmatch: bank reconciliation and cash application.

The Python API — the command line (:mod:`cashmatch.cli`) and the HTTP service call only
these::

    import cashmatch

    store = cashmatch.Store.open("cashmatch.duckdb")
    rules = cashmatch.load_rules(None)                      # built-in defaults
    cashmatch.import_items(store, Path("open_items.csv"))
    cashmatch.import_statements(store, [Path("2026-02-03.xml")])
    summary = cashmatch.run_match(store, rules)             # auto, review, unmatched
    for item in cashmatch.list_reviews(store):
        ...
    cashmatch.accept(store, rules, review_id=12)
    cashmatch.write(cashmatch.journal_frame(store), Path("journal.csv"), "csv")
    proposals = cashmatch.preview(movements, items, rules)   # stateless, nothing stored

Names are loaded on first use, so ``import cashmatch`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # store, rules, records, errors
    "Store": "cashmatch.store", "load_rules": "cashmatch.config", "Rules": "cashmatch.config",
    "Movement": "cashmatch.model", "Statement": "cashmatch.model", "OpenItem": "cashmatch.model",
    "Reference": "cashmatch.model", "Source": "cashmatch.model",
    "CashmatchError": "cashmatch.errors", "ParseError": "cashmatch.errors",
    "ItemsError": "cashmatch.errors", "ConfigError": "cashmatch.errors",
    "StoreError": "cashmatch.errors", "PostingError": "cashmatch.errors",
    "ReviewError": "cashmatch.errors",
    # imports and matching
    "parse_statement_file": "cashmatch.ingest.statements", "import_statements": "cashmatch.ingest.statements",
    "import_items": "cashmatch.ingest.items", "upsert_items": "cashmatch.ingest.items",
    "run_match": "cashmatch.match.run",
    "daily_run": "cashmatch.pipeline", "preview": "cashmatch.match.preview",
    # review decisions
    "list_reviews": "cashmatch.ledger.review", "show_review": "cashmatch.ledger.review",
    "ReviewFilter": "cashmatch.ledger.review", "accept": "cashmatch.ledger.review",
    "accept_above": "cashmatch.ledger.review", "assign": "cashmatch.ledger.review",
    "ignore": "cashmatch.ledger.review", "writeoff": "cashmatch.ledger.review",
    "suspense": "cashmatch.ledger.review", "reclass": "cashmatch.ledger.review",
    "unmatch": "cashmatch.ledger.review", "movement_story": "cashmatch.ledger.history",
    # exports, audit, reports
    "matches_frame": "cashmatch.ledger.export", "journal_frame": "cashmatch.ledger.export",
    "write": "cashmatch.ledger.export", "write_fec": "cashmatch.ledger.fec", "check_fec": "cashmatch.ledger.fec",
    "replay": "cashmatch.match.replay", "aged_balance": "cashmatch.ledger.reports", "dso": "cashmatch.ledger.reports",
    "payment_delays": "cashmatch.ledger.reports", "matching_kpis": "cashmatch.ledger.reports",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cashmatch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
