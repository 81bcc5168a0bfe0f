"""The review workspace under load: server time of the pages people wait for, and several
reviewers at once on loopback.

1. ``build``: a store with ``--items`` open items (500k) and a queue of ``--queue`` lines
   (10k): payments whose amount fits about ten invoices of parties the payer's name does
   not reveal, so each goes to review with suggestions. Kept in ``--store`` and reused.
2. ``pages``: in-process (the ASGI application, no network), the p50 / p95 / max of the
   service's own time (its ``Server-Timing`` header) for the queue page (pages, sorts,
   filters), the movement page, and an accept round trip: the decision's request alone, and
   with the hop to the next line and that line's page. Targets: p95 <= 150 ms each.
3. ``load``: ``cashmatch serve`` in a child process; ``--reviewers`` people sign in and work
   the start of the same queue (open a page, open a line, accept it or ignore it), for
   ``--requests`` requests in all; requests/s and p95 per kind; then every decision the
   service said it took is in the log once, and no movement has two standing decisions.

    .venv/bin/python benchmarks/web.py --store /tmp/web-bench.duckdb
    .venv/bin/python benchmarks/web.py --store /tmp/web-bench.duckdb --items 50000 --queue 2000
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import httpx

import cashmatch

sys.path.insert(0, str(Path(__file__).parent))
from load import start_service

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password"


# -- 1. the store ----------------------------------------------------------------------------


def build(path: Path, n_items: int, n_queue: int, seed: int) -> None:
    """Open items and a queue of lines with suggestions (see the module's docstring)."""
    import polars as pl

    rng = random.Random(seed)
    amounts = [rng.randrange(1_000, 900_000) for _ in range(max(n_items // 10, 1))]
    with tempfile.TemporaryDirectory() as tmp:
        items = Path(tmp) / "items.csv"
        pl.DataFrame({
            "id": [f"FA-{n:07d}" for n in range(n_items)],
            "kind": "invoice",
            "party_id": [f"C{rng.randrange(20_000):05d}" for _ in range(n_items)],
            "party_name": [f"CLIENT {rng.randrange(20_000):05d} SAS" for _ in range(n_items)],
            "due_date": [f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                         for _ in range(n_items)],
            "amount": [f"{amounts[n % len(amounts)] / 100:.2f}" for n in range(n_items)],
            "currency": "EUR"}).write_csv(items)
        bank = Path(tmp) / "bank.csv"
        pl.DataFrame({
            "booking_date": [f"2026-03-{1 + n % 28:02d}" for n in range(n_queue)],
            "amount": [f"{amounts[rng.randrange(len(amounts))] / 100:.2f}"
                       for _ in range(n_queue)],
            "currency": "EUR",
            "description": [f"VIR SEPA RECU /DE PAYEUR {n} /MOTIF REGLEMENT" for n in range(n_queue)],
            "counterparty_name": [f"PAYEUR {n}" for n in range(n_queue)],
            "bank_reference": [f"B{n:07d}" for n in range(n_queue)]}).write_csv(bank)
        store = cashmatch.Store.open(path)
        t = time.perf_counter()
        cashmatch.import_items(store, items)
        cashmatch.import_statements(store, [bank])
        summary = cashmatch.run_match(store, cashmatch.load_rules(None))
        for n in range(16):
            cashmatch.add_user(store, f"reviewer{n}", "reviewer", PASSWORD, by="bench")
        store.close()
    print(f"built {path}: {n_items} items, {n_queue} movements -> {summary.review} to "
          f"review, {summary.unmatched} unmatched, {summary.auto} applied "
          f"({time.perf_counter() - t:.0f} s)")


# -- 2. the pages, in-process ----------------------------------------------------------------


def _ms(response: httpx.Response) -> float:
    return float(response.headers["server-timing"].split("dur=")[1])


def _stats(name: str, times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"  {name:34} n={len(times):4}  p50 {statistics.median(times):6.1f} ms  "
          f"p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms")
    return statistics.median(times), p95


def _sign_in(client: httpx.Client | object, name: str) -> None:
    r = client.post("/web/login", data={"name": name, "secret": PASSWORD,  # type: ignore[attr-defined]
                                        "next": "/web/today"}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def pages(path: Path, rounds: int, seed: int) -> None:
    from fastapi.testclient import TestClient

    from cashmatch.http.app import create_app

    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp()) / "pages.duckdb"
    shutil.copy(path, work)
    app = create_app(work, {})
    with TestClient(app) as client:
        _sign_in(client, "reviewer0")
        ids = [r["review_id"] for r in app.state.service.locked(
            lambda: cashmatch.queue_page(app.state.service.store, limit=None).rows)]
        pages_n = max(len(ids) // 50, 1)
        queries = ["", "sort=amount&desc=1", "sort=confidence", "q=PAYEUR+12", "min=100&max=2000",
                   "sort=payer", "dir=out"]
        client.get("/web/queue")  # first use: templates compiled, caches warm
        queue = [_ms(client.get(f"/web/queue?{rng.choice(queries)}&page={rng.randrange(1, pages_n + 1)}"))
                 for _ in range(rounds)]
        movement = [_ms(client.get(f"/web/review/{rng.choice(ids)}")) for _ in range(rounds)]
        decisions, trips, refused = [], [], 0
        for review_id in rng.sample(ids, min(rounds, len(ids))):
            page = client.get(f"/web/review/{review_id}")
            if 'name="rank" value="1"' not in page.text:
                continue
            revision = re.search(r'name="revision" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
            posted = client.post(f"/web/review/{review_id}/accept", follow_redirects=False,
                                 data={"csrf": _csrf(page.text), "rank": "1",
                                       "revision": revision, "ctx": ""})
            hop = client.get(posted.headers["location"], follow_redirects=False)
            decisions.append(_ms(posted))
            spent = _ms(posted) + _ms(hop)
            if hop.status_code == 303:
                spent += _ms(client.get(hop.headers["location"]))
            refused += "error" in unquote(posted.headers.get("set-cookie", ""))
            trips.append(spent)
    print(f"pages of a queue of {len(ids)} lines ({pages_n} pages), server time:")
    _stats("queue page (pages, sorts, filters)", queue)
    _stats("movement page", movement)
    _stats("accept (the decision's request)", decisions)
    _stats("accept + next line shown (3 requests)", trips)
    print(f"  accepts refused as stale: {refused} of {len(trips)}")


# -- 3. several reviewers on loopback --------------------------------------------------------


def load(path: Path, reviewers: int, requests: int, timeout: float) -> None:
    work = Path(tempfile.mkdtemp()) / "load.duckdb"
    shutil.copy(path, work)
    server, base = start_service(work, "bench-token:viewer")
    try:
        latencies, said_ok, errors, elapsed = _work(base, reviewers, requests, timeout)
    finally:
        server.terminate()
        server.wait(60)
    total = sum(len(v) for v in latencies.values())
    print(f"load: {reviewers} reviewers, {total} requests in {elapsed:.1f} s = "
          f"{total / elapsed:.0f} requests/s (wall time seen by the clients)")
    for kind, times in latencies.items():
        if times:
            _stats(kind, times)
    _check(work, said_ok, errors)


def _work(base: str, reviewers: int, requests: int, timeout: float
          ) -> tuple[dict[str, list[float]], dict[str, int], list[str], float]:
    latencies: dict[str, list[float]] = {"queue page": [], "movement page": [], "decision": []}
    said_ok: dict[str, int] = {}
    errors: list[str] = []
    budget = iter(range(requests))
    lock = threading.Lock()
    deadline = time.monotonic() + timeout

    def timed(kind: str, request: httpx.Request, client: httpx.Client) -> httpx.Response:
        t = time.perf_counter()
        r = client.send(request, follow_redirects=False)
        with lock:
            latencies[kind].append((time.perf_counter() - t) * 1000)
        return r

    def reviewer(n: int) -> None:
        name = f"reviewer{n}"
        rng = random.Random(n)
        with httpx.Client(base_url=base, timeout=60) as client:
            _sign_in(client, name)
            for _ in budget:
                if time.monotonic() > deadline:
                    return
                queue = timed("queue page", client.build_request("GET", "/web/queue?page=1"),
                              client)
                lines = re.findall(r'href="/web/review/(\d+)\?', queue.text)
                if not lines:
                    return
                line = rng.choice(lines[:10])  # the start of the queue: people collide
                page = timed("movement page", client.build_request(
                    "GET", f"/web/review/{line}"), client)
                form = {"csrf": _csrf(page.text), "ctx": ""}
                if 'name="rank" value="1"' in page.text:
                    action, form = "accept", form | {"rank": "1"}
                else:
                    action, form = "ignore", form | {"reason": "load test"}
                posted = timed("decision", client.build_request(
                    "POST", f"/web/review/{line}/{action}", data=form), client)
                flash = unquote(posted.headers.get("set-cookie", ""))
                with lock:
                    if posted.status_code != 303:
                        errors.append(f"{name}: {posted.status_code}")
                    elif '"ok"' in flash:
                        said_ok[name] = said_ok.get(name, 0) + 1

    start = time.perf_counter()
    threads = [threading.Thread(target=reviewer, args=(n,)) for n in range(reviewers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, said_ok, errors, time.perf_counter() - start


def _check(db: Path, said_ok: dict[str, int], errors: list[str]) -> None:
    """Nothing lost, nothing doubled: every decision announced is in the log once, and no
    movement has two standing decisions."""
    with cashmatch.Store.open(db, read_only=True) as store:
        log = cashmatch.decision_log(store)
    by_people = [d for d in log if d["actor"].startswith("reviewer")]
    logged: dict[str, int] = {}
    for d in by_people:
        logged[d["actor"]] = logged.get(d["actor"], 0) + 1
    per_movement: dict[int, int] = {}
    for d in log:
        if d["action"] != "unmatch":
            per_movement[d["movement_id"]] = per_movement.get(d["movement_id"], 0) + 1
    doubled = [m for m, n in per_movement.items() if n > 1]
    print(f"  decisions announced {sum(said_ok.values())}, in the log {len(by_people)}; "
          f"movements decided twice: {len(doubled)}; errors: {len(errors)}")
    assert logged == said_ok, (logged, said_ok)
    assert not doubled and not errors, (doubled[:5], errors[:5])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "web-bench.duckdb")
    ap.add_argument("--items", type=int, default=500_000)
    ap.add_argument("--queue", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=200, help="requests per page measured")
    ap.add_argument("--reviewers", type=int, default=8)
    ap.add_argument("--requests", type=int, default=1200, help="load: requests in all (x3)")
    ap.add_argument("--timeout", type=float, default=300.0, help="load: stop after seconds")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--only", choices=["pages", "load"], help="run one part only")
    args = ap.parse_args()
    if args.rebuild or not args.store.exists():
        args.store.unlink(missing_ok=True)
        build(args.store, args.items, args.queue, args.seed)
    if args.only != "load":
        pages(args.store, args.rounds, args.seed)
    if args.only != "pages":
        load(args.store, args.reviewers, args.requests // 3, args.timeout)


if __name__ == "__main__":
    main()
