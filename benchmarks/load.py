"""A bounded load test of ``cashmatch serve`` on loopback: requests/s, p95 latency, and no
lost or doubled write.

Starts the service on 127.0.0.1 in a child process with a fresh store, then runs a fixed
number of requests from several threads: writes (POST /items with an Idempotency-Key, each
sent twice to check it is applied once), reads (GET /review, GET /matches) and matching runs
(POST /match). At the end the store must hold exactly the items written. Bounded in count
and in time; it stops by itself.

    .venv/bin/python benchmarks/load.py --requests 600 --threads 8
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

TOKEN = "load-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(db: Path, tokens: str) -> tuple[subprocess.Popen[bytes], str]:
    """``cashmatch serve`` over ``db`` in a child process on a free loopback port, once it
    answers: the process and its address."""
    port = free_port()
    env = os.environ | {"CASHMATCH_TOKENS": tokens}
    server = subprocess.Popen([sys.executable, "-m", "cashmatch", "--db", str(db), "serve",
                               "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=120.0, help="stop after this many seconds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.duckdb"
        server, base = start_service(db, f"{TOKEN}:write")
        try:
            latencies: list[float] = []
            errors: list[str] = []
            written: set[str] = set()
            lock = threading.Lock()
            deadline = time.monotonic() + args.timeout
            counter = iter(range(args.requests))

            def worker() -> None:
                headers = {"Authorization": f"Bearer {TOKEN}"}
                with httpx.Client(base_url=base, timeout=30) as client:
                    for n in counter:
                        if time.monotonic() > deadline:
                            return
                        kind = n % 4
                        t = time.perf_counter()
                        if kind in (0, 1):  # a write, then the same write again (retry)
                            item = f"LOAD-{n // 2 if kind == 0 else (n - 1) // 2}"
                            body = [{"id": item, "amount": "10.00", "due_date": "2026-01-01"}]
                            r = client.post("/items", json=body,
                                            headers=headers | {"Idempotency-Key": item})
                            with lock:
                                written.add(item)
                        elif kind == 2:
                            r = client.get("/review", headers=headers)
                        else:
                            r = client.post("/match", headers=headers)
                        elapsed = time.perf_counter() - t
                        with lock:
                            latencies.append(elapsed)
                            if r.status_code != 200:
                                errors.append(f"{r.status_code} {r.text[:80]}")

            start = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.threads)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(timeout=30)
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        stored = con.execute("SELECT count(*) FROM cm_items").fetchall()[0][0]
        keys = con.execute("SELECT count(*) FROM cm_idempotency").fetchall()[0][0]
        con.close()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    print(f"{len(latencies)} requests from {args.threads} threads in {wall:.2f} s: "
          f"{len(latencies) / wall:.0f} requests/s, median {statistics.median(latencies) * 1000:.1f}"
          f" ms, p95 {p95 * 1000:.1f} ms, {len(errors)} error(s)")
    print(f"items written {len(written)}, items stored {stored}, idempotency keys {keys}: "
          f"{'no write lost or doubled' if stored == len(written) == keys else 'MISMATCH'}")
    for e in errors[:5]:
        print("  error:", e)


if __name__ == "__main__":
    main()
