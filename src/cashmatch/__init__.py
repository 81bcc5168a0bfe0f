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
    "parse_statement_file": "cashmatch.statements", "import_statements": "cashmatch.statements",
    "import_items": "cashmatch.items", "upsert_items": "cashmatch.items",
    "run_match": "cashmatch.matching",
    "daily_run": "cashmatch.pipeline", "preview": "cashmatch.stateless",
    # review decisions
    "list_reviews": "cashmatch.review", "show_review": "cashmatch.review",
    "ReviewFilter": "cashmatch.review", "accept": "cashmatch.review",
    "accept_above": "cashmatch.review", "assign": "cashmatch.review",
    "ignore": "cashmatch.review", "writeoff": "cashmatch.review",
    "suspense": "cashmatch.review", "reclass": "cashmatch.review",
    "unmatch": "cashmatch.review", "movement_story": "cashmatch.history",
    # exports, audit, reports
    "matches_frame": "cashmatch.export", "journal_frame": "cashmatch.export",
    "write": "cashmatch.export", "write_fec": "cashmatch.fec", "check_fec": "cashmatch.fec",
    "replay": "cashmatch.audit", "aged_balance": "cashmatch.reports", "dso": "cashmatch.reports",
    "payment_delays": "cashmatch.reports", "matching_kpis": "cashmatch.reports",
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
