"""A bounded schemathesis run against the service's own OpenAPI document: whatever the
generated request, the service never answers with a server error, and what it answers
fits the schema the document declares for it."""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings

from cashmatch.http.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_no_server_errors(tmp_path: Path) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    import cashmatch

    db = tmp_path / "s.duckdb"
    with cashmatch.Store.open(db) as store:  # answers with rows in them, not only empty lists
        samples = ROOT / "sample_statements"
        cashmatch.daily_run(store, cashmatch.load_rules(ROOT / "rules" / "default.toml"),
                            [samples / "bank_2026-02.csv"], samples / "open_items.csv")
    app = create_app(db, {"w": "admin"}, ROOT / "rules" / "default.toml")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 45
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers={"Authorization": "Bearer w"})
            case.validate_response(response, checks=[not_a_server_error,
                                                     response_schema_conformance])

        check()
