"""cashmatch: bank reconciliation and cash application.

The Python API — the command line (:mod:`cashmatch.cli`) and the HTTP service
(:mod:`cashmatch.http`) call only these names::

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

_MODULES = {
    "cashmatch.store": ("Store", "default_path"),
    "cashmatch.store.idempotency": ("recall_response", "remember_response"),
    "cashmatch.config": ("Rules", "load_rules", "default_rules_path", "check_examples"),
    "cashmatch.model": ("Movement", "Statement", "Reference", "Source", "Action",
                        "ReviewStatus", "Page"),
    "cashmatch.errors": ("CashmatchError", "InputError", "ParseError", "ItemsError",
                         "ConfigError", "StoreError", "StoreInUse", "PostingError", "ReviewError",
                         "NotFound", "Conflict"),
    "cashmatch.money": ("parse_amount",),
    "cashmatch.ingest.parsers": ("identify",),
    "cashmatch.ingest.parsers.csv": ("load_mapping",),
    "cashmatch.ingest.statements": ("parse_statement_file", "import_statements",
                                    "import_uploads", "statement_dict", "file_import_dict",
                                    "list_statements", "parse_uploads"),
    "cashmatch.ingest.items": ("import_items", "import_items_upload", "upsert_items"),
    "cashmatch.ingest.items_mapping": ("load_items_mapping",),
    "cashmatch.match.run": ("run_match",),
    "cashmatch.match.preview": ("preview", "movements_from_records"),
    "cashmatch.match.replay": ("replay",),
    "cashmatch.match.fit": ("fit_rules", "fitted_rules", "describe_fit"),
    "cashmatch.match.memory": ("list_aliases", "remove_alias"),
    "cashmatch.pipeline": ("daily_run", "demo"),
    "cashmatch.ledger.review": ("ReviewFilter", "list_reviews", "queue_page",
                                "queue_position", "show_review", "reason_text", "REASONS"),
    "cashmatch.ledger.actions": ("accept", "accept_above", "assign", "ignore", "suspense",
                                 "reclass", "unmatch", "reopen", "in_suspense",
                                 "current_user", "post_to_account", "keep_as_credit",
                                 "refund"),
    "cashmatch.ledger.writeoff": ("writeoff", "approve_writeoff", "reject_writeoff",
                                  "list_approvals"),
    "cashmatch.ledger.history": ("movement_story", "decision_log", "decision_page",
                                 "DecisionFilter", "list_movements", "movements_page",
                                 "MovementFilter", "list_items", "items_page", "ItemFilter"),
    "cashmatch.ledger.account": ("customer_account", "payer_parties"),
    "cashmatch.ledger.export": ("MatchFilter", "matches_frame", "journal_frame", "write",
                                "export_text", "EXPORT_FORMATS"),
    "cashmatch.ledger.bankrec": ("bank_reconciliation",),
    "cashmatch.ledger.fec": ("fec_lines", "write_fec", "check_fec", "fec_path", "fec_file",
                             "check_fec_upload", "export_fec", "is_siren"),
    "cashmatch.store.users": ("Principal", "ROLES", "add_user", "list_users", "disable_user"),
    "cashmatch.desk": ("today", "movement_desk", "next_in_queue", "overview", "download",
                       "Download"),
    "cashmatch.ledger.reports": ("aged_balance", "aged_balance_chart", "dso",
                                 "payment_delays", "matching_kpis", "review_backlog",
                                 "kpi_chart", "AGED_BUCKETS", "day_summary", "chart",
                                 "DAY_OUTCOMES"),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

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
