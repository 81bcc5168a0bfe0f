"""The HTTP service through the ASGI test client: every route and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cashmatch.http.app import create_app

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_statements"
W = {"Authorization": "Bearer w-token", "X-User": "api-test"}
R = {"Authorization": "Bearer r-token"}


@pytest.fixture
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(tmp_path / "svc.duckdb", {"w-token": "write", "r-token": "read"},
                     ROOT / "rules" / "default.toml", max_body=2_000_000)
    with TestClient(app) as c:
        yield c


ITEMS = [{"id": "FA-1", "amount": "100.00", "due_date": "2026-02-01", "party_id": "C1"},
         {"id": "FA-2", "amount": "60.00", "due_date": "2026-02-01", "party_id": "C1"}]
BANK = ("booking_date,amount,description,bank_reference\n"
        "2026-02-03,100.00,FACTURE FA-1,B1\n2026-02-03,40.00,acompte FA-2,B2\n")


def load(client: TestClient) -> None:
    assert client.post("/items", json=ITEMS, headers=W).status_code == 200
    r = client.post("/statements", files={"files": ("bank.csv", BANK, "text/csv")}, headers=W)
    assert r.status_code == 200, r.text
    assert r.json()["files"][0]["new"] == 2


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"


def test_auth(client: TestClient) -> None:
    assert client.get("/review").status_code == 401
    r = client.get("/review", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/match", headers=R)
    assert r.status_code == 403 and r.json()["title"] == "Forbidden"


def test_day_through_the_api(client: TestClient) -> None:
    load(client)
    run = client.post("/match", headers=W).json()
    assert (run["auto"], run["review"]) == (1, 1)
    assert run["amounts"]["auto"]["EUR"] == "100.00"  # amounts are strings
    queue = client.get("/review", headers=R).json()["items"]
    (item,) = queue
    shown = client.get(f"/review/{item['review_id']}", headers=R).json()
    assert shown["candidates"][0]["allocations"][0]["item_id"] == "FA-2"
    accepted = client.post(f"/review/{item['review_id']}/accept", json={"candidate": 1},
                           headers=W)
    assert accepted.status_code == 200
    matches = client.get("/matches", headers=R).json()["matches"]
    assert [m["status"] for m in matches] == ["auto", "manual"]
    fec = client.get("/journal?format=fec&siren=123456782&year_end=2026-12-31", headers=R)
    assert fec.text.startswith("JournalCode\t")
    assert 'filename="123456782FEC20261231.txt"' in fec.headers["content-disposition"]
    assert client.get("/journal?format=fec", headers=R).status_code == 422
    assert "entry_number" in client.get("/journal?format=csv", headers=R).text
    assert client.get("/reports/aged?as_of=2026-03-31", headers=R).json()["rows"]
    assert client.get("/reports/dso?as_of=2026-03-31", headers=R).json()["dso"]
    assert client.get("/reports/kpis", headers=R).json()["days"]


def test_assign_ignore_and_review_errors(client: TestClient) -> None:
    load(client)
    client.post("/match", headers=W)
    (item,) = client.get("/review", headers=R).json()["items"]
    rid = item["review_id"]
    r = client.post(f"/review/{rid}/assign", json={"items": [{"item_id": "FA-2", "amount": "99"}]},
                    headers=W)
    assert r.status_code == 409 and "exceeds the open amount" in r.json()["detail"]
    assert client.post(f"/review/{rid}/assign", json={"items": [{"item_id": "FA-2"}]},
                       headers=W).status_code == 200
    r = client.post(f"/review/{rid}/ignore", json={"reason": "x"}, headers=W)
    assert r.status_code == 409 and "was already assigned by api-test" in r.json()["detail"]
    assert client.get("/review/999", headers=R).status_code == 404


def test_validation_errors_name_the_field(client: TestClient) -> None:
    r = client.post("/items", json=[{"id": "X", "amount": "1.5e3", "due_date": "2026-01-01"}],
                    headers=W)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].endswith("amount")
    r = client.post("/items", json=[{"id": "X", "amount": "-5", "kind": "invoice",
                                     "due_date": "2026-01-01"}], headers=W)
    assert r.status_code == 422 and "wrong sign" in r.json()["errors"][0]["message"]
    r = client.post("/statements", files={"files": ("x.csv", "hello", "text/csv")}, headers=W)
    assert r.status_code == 422 and r.json()["title"] == "Invalid statement"


def test_idempotency_keys(client: TestClient) -> None:
    headers = W | {"Idempotency-Key": "k1"}
    first = client.post("/items", json=ITEMS, headers=headers)
    again = client.post("/items", json=ITEMS, headers=headers)
    assert first.json() == again.json() and first.json()["new"] == 2
    other = client.post("/items", json=ITEMS[:1], headers=headers)
    assert other.status_code == 409


def test_preview_is_stateless(client: TestClient) -> None:
    body = {"movements": [{"booking_date": "2026-02-03", "amount": "100.00",
                           "remittance": "FACTURE FA-1"}], "items": ITEMS}
    out = client.post("/match/preview", json=body, headers=R).json()["results"]
    assert out[0]["decision"] == "auto"
    assert out[0]["proposals"][0]["allocations"][0] == {"item_id": "FA-1", "amount": "100.00"}
    assert client.get("/matches", headers=R).json()["matches"] == []


def test_body_size_limit(client: TestClient) -> None:
    big = "x" * 2_100_000
    r = client.post("/statements", files={"files": ("big.csv", big, "text/csv")}, headers=W)
    assert r.status_code == 413


def test_openapi_document(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert {"/statements", "/items", "/match", "/match/preview", "/review/{review_id}/accept",
            "/journal", "/reports/aged"} <= set(doc["paths"])


def test_items_as_csv_or_parquet_files(client: TestClient, tmp_path: Path) -> None:
    import polars as pl

    csv = "id,amount,due_date\nFA-7,70.00,2026-02-01\n"
    r = client.post("/items/file", files={"file": ("items.csv", csv, "text/csv")}, headers=W)
    assert r.status_code == 200 and r.json()["new"] == 1
    pq = tmp_path / "items.parquet"
    pl.DataFrame({"id": ["FA-8"], "amount": ["80.00"], "due_date": ["2026-02-01"]}).write_parquet(pq)
    r = client.post("/items/file", files={"file": ("items.parquet", pq.read_bytes())}, headers=W)
    assert r.status_code == 200 and r.json()["new"] == 1
    r = client.post("/items/file", files={"file": ("items.txt", "x")}, headers=W)
    assert r.status_code == 422 and "unknown items file type" in r.json()["errors"][0]["message"]


def test_a_cli_write_while_the_service_holds_the_store(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "held.duckdb"
    app = create_app(db, {"w-token": "write"})
    with TestClient(app):
        done = subprocess.run([sys.executable, "-m", "cashmatch", "--db", str(db), "match"],
                              capture_output=True, text=True)
    assert done.returncode == 1 and "in use by another process" in done.stderr


def test_filters(client: TestClient) -> None:
    load(client)
    client.post("/match", headers=W)
    assert [m["status"] for m in client.get("/matches?status=auto", headers=R).json()["matches"]] \
        == ["auto"]
    assert client.get("/matches?party_id=C9", headers=R).json()["matches"] == []
    assert client.get("/matches?date_from=2026-02-04", headers=R).json()["matches"] == []
    assert len(client.get("/review?min_amount=30", headers=R).json()["items"]) == 1
    assert client.get("/review?max_amount=30", headers=R).json()["items"] == []
    assert client.get("/review?min_amount=abc", headers=R).status_code == 422


def test_posting_by_hand_credit_refund_and_the_bank_reports(client: TestClient) -> None:
    load(client)
    client.post("/match", headers=W)  # FA-1 paid by B1; B2 waits in review
    bank = ("booking_date,amount,description,counterparty_name,bank_reference,account_iban\n"
            "2026-02-04,-12.00,LOYER TERMINAL,,B3,FR7630004001230001234567805\n"
            "2026-02-04,100.00,FACTURE FA-1,,B4,FR7630004001230001234567805\n"
            "2026-02-05,100.00,FACTURE FA-1,,B5,FR7630004001230001234567805\n")
    client.post("/statements", files={"files": ("b.csv", bank, "text/csv")}, headers=W)
    client.post("/match", headers=W)
    queue = {r["bank_reference"]: r["review_id"]
             for r in client.get("/review", headers=R).json()["items"]}
    r = client.post(f"/review/{queue['B3']}/post", headers=W,
                    json={"account": "613500", "label": "Loyer TPE", "vat_rate": "20"})
    assert r.status_code == 200, r.text
    r = client.post(f"/review/{queue['B4']}/credit", json={"party": "C1"}, headers=W)
    assert r.status_code == 200, r.text
    r = client.post(f"/review/{queue['B5']}/refund", json={"party": "C9"}, headers=W)
    assert r.status_code == 404
    assert client.post(f"/review/{queue['B5']}/refund", json={"party": "C1"},
                       headers=W).status_code == 200
    r = client.post(f"/review/{queue['B5']}/post", json={"account": "6", "label": "x"},
                    headers=W)
    assert r.status_code == 422
    rec = client.get("/reports/bankrec?as_of=2026-02-28", headers=R).json()["accounts"]
    assert [a["unposted_total"] for a in rec] == ["40.00", "0.00"]  # B2 waits; no account
    account = client.get("/customers/C1?as_of=2026-02-28", headers=R).json()
    assert account["unapplied_credits"][0]["amount"] == "-100.00"
    assert client.get("/customers/NOBODY", headers=R).status_code == 404
    assert [m["status"] for m in client.get("/matches?status=posted", headers=R).json()[
        "matches"]] == ["posted"] * 3


def test_items_snapshot_upload(client: TestClient) -> None:
    assert client.post("/items", json=ITEMS, headers=W).status_code == 200
    csv = "id,amount,due_date\nFA-1,100.00,2026-02-01\n"
    r = client.post("/items/file?snapshot=true", files={"file": ("items.csv", csv, "text/csv")},
                    headers=W)
    assert r.status_code == 200
    assert r.json()["closed"] == [{"item_id": "FA-2", "open_amount": "60.00", "currency": "EUR"}]
