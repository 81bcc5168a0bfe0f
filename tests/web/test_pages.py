"""The review workspace in a real browser: signing in, the queue, every action on a line,
the keyboard, two people on one line, uploads, the FEC download, French, and a screenshot
of every page (``test-artifacts/screenshots``)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import cashmatch
from tests.web.conftest import ROOT, Site, shot

SAMPLES = ROOT / "sample_statements"


def _line(site: Site, page, bank_ref: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/web/review/{site.reviews()[bank_ref]}")


def _flash(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("#flash").inner_text()


def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Click a button that posts a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def test_sign_in_and_out(site: Site) -> None:
    page = site.page(user=None)
    page.goto(site.url + "/web/queue")
    assert "/web/login" in page.url
    shot(page, "login")
    page.fill("#name", "rita")
    page.fill("#secret", "wrong password")
    page.click("button[type=submit]")
    assert "Unknown user, or wrong password or token." in page.inner_text("main")
    page.fill("#name", "rita")
    page.fill("#secret", "rita-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/web/queue")
    cookie = next(c for c in page.context.cookies() if c["name"] == "cm_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.click("text=Sign out")
    page.wait_for_url("**/web/login")
    page.goto(site.url + "/web/today")
    assert "/web/login" in page.url  # the session ended with the sign-out


def test_today_counts(site: Site) -> None:
    page = site.page()
    summary = page.locator("table.summary")
    assert summary.locator("tr.outcome-auto td").first.inner_text() == "3"
    assert "4 lines to review" in page.inner_text("main")
    assert page.locator("svg.chart rect.bar").count() >= 1
    shot(page, "today")


@pytest.mark.parametrize("site", [120], indirect=True)
def test_the_queue_pages_filters_and_sorts(site: Site) -> None:
    page = site.page()
    page.goto(site.url + "/web/queue")
    assert "1–50 of 124" in page.inner_text(".pager")
    shot(page, "queue")
    page.click("a[rel=next]")
    assert "51–100 of 124" in page.inner_text(".pager")
    page.goto(site.url + "/web/queue")
    page.click("thead >> text=Amount")
    page.click("thead >> text=Amount")  # largest first
    assert page.locator("tbody tr").first.locator("td.num").first.inner_text().startswith(
        "1,119.19")
    page.fill("#f-q", "DIVERS 7")
    page.press("#f-q", "Enter")
    page.wait_for_url(re.compile(r".*q=DIVERS(\+|%20)7.*"))
    assert "1–11 of 11" in page.inner_text(".pager")  # DIVERS 7 and DIVERS 70 to 79
    page.select_option("#f-dir", "out")
    page.wait_for_url(re.compile(r".*dir=out.*"))
    assert "No line matches." in page.inner_text("#queue-table")


def test_keyboard_moves_along_the_queue_and_accepts(site: Site) -> None:
    page = site.page()
    _line(site, page, "M4")
    assert "Line 2 of 4" in page.inner_text("nav.lines")
    shot(page, "movement")
    page.keyboard.press("k")
    page.wait_for_url(f"**/web/review/{site.reviews()['M3']}*")
    page.keyboard.press("j")
    page.wait_for_url(f"**/web/review/{site.reviews()['M4']}*")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.press("Escape")
    m4 = site.reviews()["M4"]
    page.keyboard.press("1")
    page.wait_for_url(f"**/web/review/{site.reviews()['M6']}*")
    assert "Decision 4 recorded." in _flash(page)
    assert "Line 2 of 3" in page.inner_text("nav.lines")  # the next line, same place
    decided = site.locked(lambda s: cashmatch.show_review(s, m4))
    assert decided["status"] == "accepted"
    assert site.locked(lambda s: cashmatch.decision_log(s))[-1]["actor"] == "rita"


def test_a_stale_suggestion_names_what_settled_its_item(site: Site) -> None:
    page = site.page()
    _line(site, page, "M3")  # its first suggestion, FA-1, was applied to M1 by the run
    assert "FA-1 was settled meanwhile: 0.00\u00a0EUR open." in page.inner_text("#candidate-1")
    shot(page, "movement-stale")
    _submit(page, "#candidate-1 button[type=submit]")
    assert re.search(r"FA-1 is already settled by decision \d+ \(movement 1 of 2026-02-10, "
                     r"100\.00 EUR, auto by engine", _flash(page))
    assert "Line 1 of 4" in page.inner_text("nav.lines")  # still on the same line


def test_assign_several_items_of_two_parties_with_a_running_remainder(site: Site) -> None:
    page = site.page()
    _line(site, page, "M7")  # 99.00 and no suggestion
    page.fill("#search", "FA-3")
    page.press("#search", "Enter")
    page.wait_for_selector("#offered tr[data-item='FA-3']")
    page.check("#tick-FA-3")
    assert page.inner_text("#remainder") == "59.00\u00a0EUR"
    page.fill("#search", "LEROY")
    page.press("#search", "Enter")
    page.wait_for_selector("#offered tr[data-item='FA-5']")
    assert page.is_checked("#picked #tick-FA-3")  # kept across the search
    page.check("#tick-FA-5")  # 80.00 open: takes what is left, 59.00
    assert page.input_value("input[name=amount_FA-5]") == "59.00"
    assert page.inner_text("#remainder") == "0.00\u00a0EUR"
    shot(page, "movement-assign")
    page.fill("#pick-reason", "remittance advice by mail")
    page.click("text=Assign the ticked items")
    page.wait_for_url(f"**/web/review/{site.reviews()['M6']}*")  # the last line: the one before
    assert re.search(r"Decision \d+ recorded\.", _flash(page))
    applied = site.locked(lambda s: [(r["item_id"], r["party_id"], r["applied_amount"])
                                     for r in cashmatch.matches_frame(s).to_dicts()
                                     if r["transaction_id"] == 7])
    assert applied == [("FA-3", "C1", "40.00"), ("FA-5", "C3", "59.00")]


def test_suspense_and_ignore(site: Site) -> None:
    page = site.page()
    _line(site, page, "M6")
    page.fill("#suspense-reason", "bank to ask")
    page.click("text=Book in suspense (471)")
    page.wait_for_url(f"**/web/review/{site.reviews()['M7']}*")
    _line(site, page, "M3")
    page.click("#ignore-reason")
    page.click("text=Ignore")  # the reason is required: the browser says so, nothing sent
    assert "M3" in site.reviews()
    page.fill("#ignore-reason", "paid twice, refunded by the bank")
    _submit(page, "text=Ignore")
    log = site.locked(lambda s: [(d["action"], d["reason"]) for d in cashmatch.decision_log(s)
                                 if d["actor"] == "rita"])
    assert log == [("suspense", "bank to ask"), ("ignore", "paid twice, refunded by the bank")]


def test_post_a_line_to_an_account_net_of_its_vat(site: Site) -> None:
    page = site.page()
    _line(site, page, "M6")
    page.fill("#post-account", "651000")
    page.fill("#post-label", "Licence logiciel ABC")
    page.fill("#post-vat", "20")
    page.fill("#post-reason", "annual licence, no invoice in the ledger")
    shot(page, "movement-post")
    _submit(page, "text=Post to the account")
    assert "M6" not in site.reviews()
    lines = site.locked(lambda s: [(r["account"], r["debit"], r["credit"], r["label"])
                                   for r in cashmatch.journal_frame(s).to_dicts()
                                   if r["movement_id"] == 6])
    by_account = {a: (d, c) for a, d, c, _ in lines}
    assert by_account["512000"] == ("0.00", "12.00")
    assert by_account["651000"] == ("10.00", "0.00")
    assert sum(Decimal(d) - Decimal(c) for _, d, c, _ in lines) == 0
    assert {label for *_, label in lines} >= {"Licence logiciel ABC"}
    log = site.locked(lambda s: cashmatch.decision_log(s))[-1]
    assert (log["action"], log["actor"], log["reason"]) == (
        "post", "rita", "annual licence, no invoice in the ledger")


def test_a_large_write_off_waits_for_an_approver(site: Site) -> None:
    page = site.page()
    _line(site, page, "M4")
    page.fill("#search", "FA-5")
    page.press("#search", "Enter")
    page.wait_for_selector("#offered tr[data-item='FA-5']")
    page.check("#tick-FA-5")
    page.fill("#pick-reason", "agreed with the customer")
    _submit(page, "text=Write off the difference")
    assert "The write-off waits for an approver (request 1)." in _flash(page)
    page.goto(site.url + "/web/today")
    assert page.locator("button:has-text('Approve')").count() == 0  # she asked: not her
    boss = site.page("alan")
    assert "agreed with the customer" in boss.inner_text("main")
    shot(boss, "today-approvals")
    _submit(boss, "button:has-text('Approve')")
    assert re.search(r"Request 1 approved: decision \d+\.", _flash(boss))
    (entry,) = [d for d in site.locked(cashmatch.decision_log) if d["actor"] == "rita"]
    assert entry["evidence"]["approved_by"] == "alan"


def test_two_people_on_the_same_line(site: Site) -> None:
    rita, alan = site.page("rita"), site.page("alan")
    for page in (rita, alan):
        _line(site, page, "M4")
    _submit(rita, "#candidate-1 button[type=submit]")
    _submit(alan, "#candidate-1 button[type=submit]")
    assert re.search(r"review item \d+ was already accepted by rita at \d\d:\d\d "
                     r"\(decision \d+\)", _flash(alan))
    shot(alan, "conflict")
    people = [d for d in site.locked(cashmatch.decision_log) if d["actor"] != "engine"]
    assert [d["actor"] for d in people] == ["rita"]  # nothing doubled


def test_upload_and_match(site: Site) -> None:
    page = site.page()
    page.goto(site.url + "/web/upload")
    shot(page, "upload")
    page.set_input_files("#items", str(SAMPLES / "open_items.csv"))
    _submit(page, "form[action='/web/upload/items'] button")
    assert "Imported: 15 new items, 0 updated." in _flash(page)
    page.set_input_files("#statements", [str(SAMPLES / "bank_2026-02.csv"),
                                         str(SAMPLES / "camt053_2026-02-23.xml")])
    _submit(page, "form[action='/web/upload/statements'] button")
    assert "Imported: 17 new movements, 0 already known." in _flash(page)
    page.click("main form[action='/web/match'] button")
    page.wait_for_url("**/web/today")
    assert re.search(r"Matching run 2: \d+ applied", _flash(page))
    page.goto(site.url + "/web/upload")
    page.set_input_files("#statements", {"name": "broken.xml", "mimeType": "text/xml",
                                         "buffer": b"<Document><BkToCstmrStmt>"})
    _submit(page, "form[action='/web/upload/statements'] button")
    assert "broken.xml" in _flash(page) and "/tmp" not in _flash(page)


def test_fec_download(site: Site, tmp_path: Path) -> None:
    page = site.page()
    page.goto(site.url + "/web/exports")
    shot(page, "exports")
    page.fill("#siren", "123456782")
    page.fill("#year-end", "2026-12-31")
    with page.expect_download() as got:
        page.click("#fec button")
    download = got.value
    assert download.suggested_filename == "123456782FEC20261231.txt"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_text(encoding="utf-8").startswith("JournalCode\t")
    assert cashmatch.check_fec(saved) == []


def test_history_undo_and_reopen(site: Site) -> None:
    page = site.page()
    page.goto(site.url + "/web/history")
    shot(page, "history")
    page.click("a[href='/web/movement/1'] >> nth=0")
    page.wait_for_url("**/web/movement/1")
    shot(page, "movement-story")
    page.fill("#undo-reason", "wrong customer")
    _submit(page, "button:has-text('Undo')")
    assert re.search(r"Decision \d+ recorded\.", _flash(page))
    reopened = site.locked(lambda s: [r for r in cashmatch.list_reviews(s)
                                      if r["movement_id"] == 1])
    assert reopened[0]["reason"] == "reopened"
    page.goto(site.url + "/web/history")
    assert page.locator("tr.undone").count() == 1


def test_every_page_loads_from_the_service_only(site: Site) -> None:
    page = site.page("ada")
    for name, path in (("customers", "/web/customers?q=DUPONT"), ("customer",
                       "/web/customers/C1"), ("statements", "/web/statements"),
                       ("reports", "/web/reports?as_of=2026-03-31"), ("users", "/web/users"),
                       ("docs", "/docs")):
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        shot(page, name)
    assert page.outside == []  # type: ignore[attr-defined]
    assert page.locator("#swagger-ui .opblock").count() > 30


def test_french_when_the_browser_asks_for_it(site: Site) -> None:
    page = site.page(locale="fr-FR")
    assert page.locator("nav a[aria-current=page]").inner_text() == "Aujourd'hui"
    page.goto(site.url + "/web/queue")
    assert "File de revue" in page.inner_text("header")
    assert "130,00\u00a0EUR" in page.inner_text("#queue-table")
    assert "11/02/2026" in page.inner_text("#queue-table")
    shot(page, "queue-fr")
    page.click("header a[lang=en]")
    assert "Queue" in page.inner_text("header")


def test_forms_without_their_csrf_token_are_refused(site: Site) -> None:
    page = site.page()
    _line(site, page, "M6")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'x')")
    page.fill("#ignore-reason", "forged")
    _submit(page, "text=Ignore")
    assert "403" in page.inner_text("main")
    assert "M6" in site.reviews()


def test_labels_names_and_language(site: Site) -> None:
    page = site.page()
    for path in ("/web/today", "/web/queue", f"/web/review/{site.reviews()['M7']}",
                 "/web/customers/C1", "/web/statements", "/web/history", "/web/upload",
                 "/web/exports", "/web/reports"):
        page.goto(site.url + path)
        assert page.get_attribute("html", "lang") == "en"
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')].filter(e => !(e.labels &&
            e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)""")
        assert unlabelled == [], path
        assert page.evaluate("[...document.images].every(i => i.alt)"), path
        nameless = page.evaluate("""() => [...document.querySelectorAll('button, a')]
            .filter(e => !(e.innerText.trim() || e.getAttribute('aria-label'))).length""")
        assert nameless == 0, path
