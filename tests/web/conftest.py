"""Browser tests: the pages in a real headless Chromium (Debian's ``chromium``, installed by
``make test`` when missing), driven by Playwright against ``cashmatch serve``'s application
on a loopback port. Each test gets a fresh store; screenshots of the pages at 1366×768 go to
``test-artifacts/screenshots/``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import cashmatch
from cashmatch.http.app import create_app
from cashmatch.http.auth import Credential
from tests.conftest import ITEM_HEADER, STATEMENT_HEADER, item, movement, served, write_csv

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
PASSWORDS = {"rita": "rita-password-1", "alan": "alan-password-1"}
ADMIN_TOKEN = "ada-personal-token-0001"

ITEMS = [item("FA-1", "100.00", party="C1", name="DUPONT SARL"),
         item("FA-2", "60.00", party="C1", name="DUPONT SARL"),
         item("FA-3", "40.00", party="C1", name="DUPONT SARL"),
         item("FA-4", "250.00", party="C2", name="MARTIN ET FILS", due="2026-02-20"),
         item("FA-5", "80.00", party="C3", name="BOULANGERIE LEROY"),
         item("FA-6", "75.00", party="C2", name="MARTIN ET FILS")]
MOVEMENTS = [movement("100.00", "VIR FACTURE FA-1", name="DUPONT SARL", bank_ref="M1"),
             movement("30.00", "ACOMPTE FA-2", name="DUPONT SARL", bank_ref="M2"),
             movement("130.00", "REGLEMENT DIVERS", name="DUPONT SARL", bank_ref="M3",
                      day="2026-02-11"),
             movement("55.00", "VIREMENT LEROY", name="BOULANGERIE LEROY", bank_ref="M4",
                      day="2026-02-12"),
             movement("72.00", "VIR MARTIN FA-6", name="MARTIN ET FILS", bank_ref="M5",
                      day="2026-02-13"),
             movement("-12.00", "PRLV ABC LOGICIELS", bank_ref="M6", day="2026-02-14"),
             movement("99.00", "REMISE CHEQUE", bank_ref="M7", day="2026-02-15")]


def chromium() -> str:
    """Debian's Chromium (``make test`` installs it when it is missing)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail("no Chromium for the browser tests: run `make test`, which installs "
                    "Debian's chromium, or set $CHROMIUM")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class Site:
    """A running service over a fresh store, and what the tests do with it."""

    url: str
    app: Any
    browser: Any

    def locked(self, work: Callable[[Any], Any]) -> Any:
        svc = self.app.state.service
        return svc.locked(lambda: work(svc.store))

    def reviews(self) -> dict[str, int]:
        """Open review items by the movement's bank reference."""
        rows = self.locked(lambda s: cashmatch.list_reviews(s))
        return {r["bank_reference"]: r["review_id"] for r in rows}

    def page(self, user: str | None = "rita", locale: str = "en-GB") -> Any:
        """A new browser window of ``user`` (signed in), at 1366×768."""
        context = self.browser.new_context(viewport={"width": 1366, "height": 768},
                                           locale=locale, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.outside: list[str] = []
        page.on("request", lambda r: page.outside.append(r.url)
                if not r.url.startswith((self.url, "data:", "blob:")) else None)
        if user is not None:
            page.goto(self.url + "/web/login")
            page.fill("#name", "" if user == "ada" else user)
            page.fill("#secret", ADMIN_TOKEN if user == "ada" else PASSWORDS[user])
            page.click("button[type=submit]")
            page.wait_for_url("**/web/today")
        return page


def shot(page: Any, name: str) -> Path:
    """A screenshot of the page as a test artefact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def site(tmp_path: Path, browser: Any, request: Any) -> Iterator[Site]:
    db = tmp_path / "pages.duckdb"
    extra = getattr(request, "param", 0)
    with cashmatch.Store.open(db) as store:
        rules = cashmatch.load_rules(ROOT / "rules" / "default.toml")
        cashmatch.import_items(store, write_csv(tmp_path / "items.csv", ITEM_HEADER, ITEMS))
        rows = MOVEMENTS + [movement(f"{1000 + n}.{n % 100:02d}", f"DIVERS {n}",
                                     bank_ref=f"X{n}", day=f"2026-03-{1 + n % 28:02d}")
                            for n in range(extra)]
        cashmatch.import_statements(store, [write_csv(tmp_path / "bank.csv", STATEMENT_HEADER,
                                                      rows)])
        cashmatch.run_match(store, rules)
        for name, role in (("rita", "reviewer"), ("alan", "approver")):
            cashmatch.add_user(store, name, role, PASSWORDS[name], by="test")
        cashmatch.add_user(store, "ada", "admin", token=ADMIN_TOKEN, by="test")
    app = create_app(db, {"svc-token": Credential("svc", "viewer")},
                     ROOT / "rules" / "default.toml")
    with served(app) as port:
        yield Site(f"http://127.0.0.1:{port}", app, browser)
