"""The API at parity with the command line: every decision, the listings a page at a time,
the customer account, exports, users and roles, the four eyes, the reads the command line
sends through the service."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cashmatch import remote
from cashmatch.http.app import create_app
from cashmatch.http.auth import Credential

ROOT = Path(__file__).resolve().parents[2]
RITA = {"Authorization": "Bearer rita-token"}      # reviewer
ALAN = {"Authorization": "Bearer alan-token"}      # approver
ADA = {"Authorization": "Bearer ada-token"}        # admin
VERA = {"Authorization": "Bearer vera-token"}      # viewer
ITEMS = [{"id": "FA-1", "amount": "100.00", "due_date": "2026-02-01", "party_id": "C1",
          "party_name": "CLIENT UN"},
         {"id": "FA-2", "amount": "60.00", "due_date": "2026-02-01", "party_id": "C1",
          "party_name": "CLIENT UN"},
         {"id": "FA-3", "amount": "80.00", "due_date": "2026-02-01", "party_id": "C3"}]
BANK = ("booking_date,amount,description,bank_reference\n"
        "2026-02-03,100.00,FACTURE FA-1,B1\n2026-02-03,40.00,acompte FA-2,B2\n"
        "2026-02-04,55.00,VIREMENT,B3\n2026-02-05,-12.00,PRLV ABC LOGICIELS,B4\n")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    tokens = {"rita-token": Credential("rita", "reviewer"),
              "alan-token": Credential("alan", "approver"),
              "ada-token": Credential("ada", "admin"), "vera-token": Credential("vera", "viewer")}
    app = create_app(tmp_path / "api.duckdb", tokens, ROOT / "rules" / "default.toml")
    with TestClient(app) as c:
        assert c.post("/items", json=ITEMS, headers=RITA).status_code == 200
        r = c.post("/statements", files={"files": ("bank.csv", BANK)}, headers=RITA)
        assert r.status_code == 200, r.text
        assert c.post("/match", headers=RITA).json()["auto"] == 1
        yield c


def _queue(c: TestClient) -> dict[int, int]:
    rows = c.get("/review", headers=VERA).json()["items"]
    return {r["movement_id"]: r["review_id"] for r in rows}


def test_the_queue_a_page_at_a_time(client: TestClient) -> None:
    page = client.get("/review?limit=2&sort=amount&descending=true", headers=VERA).json()
    assert page["total"] == 3 and [r["amount"] for r in page["items"]] == ["55.00", "40.00"]
    assert client.get("/review?limit=2&offset=2", headers=VERA).json()["items"][0]["amount"] \
        == "-12.00"
    assert client.get("/review?direction=out", headers=VERA).json()["total"] == 1
    shown = client.get(f"/review/{_queue(client)[2]}", headers=VERA).json()
    assert shown["candidates"][0]["allocations"][0]["amount"] == "40.00"


def test_two_people_on_the_same_line(client: TestClient) -> None:
    rid = _queue(client)[2]
    assert client.post(f"/review/{rid}/accept", json={}, headers=RITA).status_code == 200
    r = client.post(f"/review/{rid}/accept", json={}, headers=ALAN)
    assert r.status_code == 409
    assert f"review item {rid} was already accepted by rita at" in r.json()["detail"]
    assert len([d for d in client.get("/decisions", headers=VERA).json()["decisions"]
                if d["actor"] != "engine"]) == 1


def test_suspense_reclass_unmatch_reopen(client: TestClient) -> None:
    queue = _queue(client)
    r = client.post(f"/review/{queue[3]}/suspense", json={"reason": "payer unknown"}, headers=RITA)
    assert r.status_code == 200
    r = client.post("/movements/3/reclass", json={"items": [{"item_id": "FA-3", "amount": "55.00"}],
                                                  "reason": "phone call"}, headers=RITA)
    assert r.status_code == 200
    story = client.get("/movements/3", headers=VERA).json()
    assert [d["action"] for d in story["decisions"]] == ["suspense", "reclass"]
    assert client.post("/movements/3/unmatch", json={"reason": "wrong"},
                       headers=RITA).status_code == 200
    accepted = client.post(f"/review/{queue[2]}/accept", json={}, headers=RITA).json()
    assert accepted["decision_id"]
    r = client.post(f"/review/{queue[2]}/reopen", json={"reason": "not theirs"}, headers=RITA)
    assert r.status_code == 200
    assert client.post(f"/review/{queue[4]}/ignore", json={"reason": ""},
                       headers=RITA).status_code == 422


def test_a_large_write_off_waits_for_an_approver(client: TestClient) -> None:
    rid = _queue(client)[3]  # 55.00 received for FA-1's 100.00? no: FA-3, 80.00 open
    r = client.post(f"/review/{rid}/writeoff", json={"items": ["FA-3"], "reason": "agreed"},
                    headers=RITA)
    assert r.status_code == 202 and r.json()["approval_id"] == 1
    (waiting,) = client.get("/approvals", headers=VERA).json()["approvals"]
    assert (waiting["difference"], waiting["requested_by"]) == ("25.00", "rita")
    assert client.post("/approvals/1/approve", headers=RITA).status_code == 403  # a reviewer
    done = client.post("/approvals/1/approve", headers=ALAN)
    assert done.status_code == 200
    log = client.get("/decisions?action=assign", headers=VERA).json()["decisions"]
    assert log[0]["actor"] == "rita" and "approved by alan" in log[0]["explanation"]


def test_listings_and_the_customer_account(client: TestClient) -> None:
    movements = client.get("/movements?limit=2", headers=VERA).json()
    assert movements["total"] == 4 and len(movements["movements"]) == 2
    assert [m["state"] for m in client.get("/movements", headers=VERA).json()["movements"]] \
        == ["settled", "review", "review", "review"]
    items = client.get("/items?party=C1&open_only=true", headers=VERA).json()
    assert [(i["item_id"], i["open_amount"]) for i in items["items"]] == [("FA-2", "60.00")]
    acct = client.get("/customers/C1?as_of=2026-03-31", headers=VERA).json()
    assert acct["open_total"] == {"EUR": "60.00"} and acct["payments"][0]["applied"] == "100.00"
    assert client.get("/customers/C9", headers=VERA).status_code == 404
    assert client.get("/statements", headers=VERA).json()["total"] == 1
    assert client.get("/reports/today", headers=VERA).json()["outcomes"]
    assert client.get("/reports/delays", headers=VERA).status_code == 200
    assert client.get("/reports/aged.png?as_of=2026-03-31", headers=VERA).content[:4] \
        == b"\x89PNG"
    assert client.get("/replay", headers=VERA).json()["decisions"] == 1
    assert client.get("/rules/check", headers=VERA).json()["ok"] is True
    assert client.get("/aliases", headers=VERA).json() == {"aliases": []}


def test_exports_and_the_fec_check(client: TestClient) -> None:
    csv = client.get("/exports/matches?format=csv", headers=VERA)
    assert csv.headers["content-disposition"] == 'attachment; filename="matches.csv"'
    assert csv.text.startswith("transaction_id,")
    fec = client.get("/exports/journal?format=fec&siren=123456782&year_end=2026-12-31",
                     headers=VERA)
    checked = client.post("/fec/check", files={"file": ("123456782FEC20261231.txt",
                                                        fec.content)}, headers=VERA).json()
    assert checked == {"file": "123456782FEC20261231.txt", "ok": True, "problems": []}
    assert client.get("/exports/matches?format=fec", headers=VERA).status_code == 422


def test_users_and_personal_tokens(client: TestClient) -> None:
    r = client.post("/users", json={"name": "nora", "role": "reviewer",
                                    "token": "nora-personal-token-123"}, headers=ADA)
    assert r.status_code == 200 and r.json()["has_token"] is True
    nora = {"Authorization": "Bearer nora-personal-token-123"}
    rid = _queue(client)[2]
    assert client.post(f"/review/{rid}/accept", json={}, headers=nora).status_code == 200
    assert client.get(f"/review/{rid}", headers=VERA).json()["status"] == "accepted"
    assert client.post("/users/nora/disable", headers=ADA).json()["disabled_at"]
    assert client.get("/review", headers=nora).status_code == 401
    assert client.post("/users", json={"name": "x", "role": "viewer"},
                       headers=ADA).status_code == 422  # neither password nor token
    assert client.get("/users", headers=RITA).status_code == 403


def test_the_command_line_reads_through_the_service(client: TestClient) -> None:
    from cashmatch.ledger.review import ReviewFilter

    body = {"function": "queue_page", "args": remote.encode([ReviewFilter(direction="in"), 1, 0])}
    page = remote.decode(client.post("/service/read", json=body, headers=VERA).json()["result"])
    assert page.total == 2 and isinstance(page.rows[0]["amount"], Decimal)
    r = client.post("/service/read", json={"function": "run_match", "args": []}, headers=VERA)
    assert r.status_code == 422 and "not a read" in r.json()["detail"]
