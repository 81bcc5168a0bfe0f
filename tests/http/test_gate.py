"""The gate before the routes: authentication before any body is read, the size limit on
chunked bodies too, problem details for 404 / 405 / 415, 422 for unknown filter values,
upload errors naming the file as sent, and the OpenAPI document's security and schemas."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cashmatch.http.app import create_app
from tests.conftest import served

ROOT = Path(__file__).resolve().parents[2]
W = {"Authorization": "Bearer w-token"}
R = {"Authorization": "Bearer r-token"}
LIMIT = 200_000


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(tmp_path / "gate.duckdb", {"w-token": "write", "r-token": "read"},
                     ROOT / "rules" / "default.toml", max_body=LIMIT)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    """The service on a real socket (a body is streamed, not handed over whole)."""
    with served(create_app(tmp_path / "sock.duckdb", {"w-token": "write"},
                           max_body=LIMIT)) as port:
        yield port


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_no_token_is_refused_before_the_body_is_sent(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=10) as s:
        s.sendall(b"POST /statements HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n"
                  b"Content-Type: multipart/form-data; boundary=b\r\n\r\n")
        answer = s.recv(4096)  # not one byte of the 300 MB was sent
    assert _status(answer) == 401 and b"application/problem+json" in answer


def test_a_chunked_body_is_cut_off_at_the_limit(server: int) -> None:
    sent = 0
    with socket.create_connection(("127.0.0.1", server), timeout=10) as s:
        s.sendall(b"POST /statements HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer w-token\r\n"
                  b"Transfer-Encoding: chunked\r\n"
                  b"Content-Type: multipart/form-data; boundary=b\r\n\r\n")
        head = (b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.csv"'
                b"\r\nContent-Type: text/csv\r\n\r\n")
        s.sendall(b"%x\r\n%s\r\n" % (len(head), head))
        chunk = b"booking_date,amount\n" * 2500
        s.settimeout(0.05)
        answer = b""
        for _ in range(6000):  # up to 300 MB
            try:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                answer = s.recv(4096)
                if answer:
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        s.settimeout(5)
        answer = answer or s.recv(4096)
    assert _status(answer) == 413
    assert sent < 100 * LIMIT  # stopped long before the end


def test_a_large_body_with_a_length_is_refused_at_once(client: TestClient) -> None:
    r = client.post("/items", content=b"[" + b" " * (LIMIT + 10) + b"]",
                    headers=W | {"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["title"] == "Request too large"


def test_framework_errors_are_problems(client: TestClient) -> None:
    r = client.get("/no/such/route", headers=R)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "no route /no/such/route"
    r = client.delete("/review", headers=W)
    assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/items", content=b"id,amount\n", headers=W | {"Content-Type": "text/csv"})
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/statements", json={"files": []}, headers=W)
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]


def test_unknown_filter_values_are_422(client: TestClient) -> None:
    for query in ("/review?status=lost", "/review?reason=whim", "/review?sort=colour",
                  "/review?direction=up", "/review?min_amount=1e3", "/movements?state=gone",
                  "/items?sort=size", "/decisions?action=shred", "/matches?status=maybe"):
        r = client.get(query, headers=R)
        assert r.status_code == 422, query
        assert r.headers["content-type"] == "application/problem+json"


def test_roles(client: TestClient) -> None:
    r = client.post("/match", headers=R)
    assert r.status_code == 403 and "viewer" in r.json()["detail"]
    assert client.get("/users", headers=W).status_code == 403  # a reviewer is not an admin
    assert client.post("/approvals/1/approve", headers=W).status_code == 403


@pytest.mark.parametrize(("name", "content"), [
    ("bank.xml", (b"<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:"
                  b"camt.053.001.08'><BkToCstmrStmt><Stmt><Ntry>")),
    ("archive.zip", b"PK\x03\x04 broken"),
    ("releve.csv", b"booking_date,amount\n2026-02-31,12.00\n"),
])
def test_upload_errors_name_the_file_as_sent(client: TestClient, name: str,
                                             content: bytes) -> None:
    r = client.post("/statements", files={"files": (name, content)}, headers=W)
    assert r.status_code == 422, r.text
    assert name in r.text
    assert "/tmp" not in r.text and "cashmatch-upload" not in r.text


def test_items_upload_errors_name_the_file_as_sent(client: TestClient) -> None:
    r = client.post("/items/file", files={"file": ("ouverts.csv", b"id,amount\nX,abc\n")},
                    headers=W)
    assert r.status_code == 422 and "ouverts.csv" in r.text and "/tmp" not in r.text


def test_the_openapi_document_declares_security_and_answers(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if path != "/health":
                assert op.get("security") == [{"HTTPBearer": []}], (method, path)
            ok = [c for c in op["responses"] if c.startswith("2")]
            assert ok, (method, path)
            for code in ok:
                content = op["responses"][code].get("content", {})
                assert any(v.get("schema") or k != "application/json"
                           for k, v in content.items()), (method, path, code)
            assert "application/problem+json" in op["responses"]["422"]["content"]


def test_the_docs_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    import re

    html = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert not re.findall(r'(?:src|href)="https?://', html)
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
