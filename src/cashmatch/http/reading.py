"""Routes that read: movements and their story, customers, the decision log, the payer
memory, replay and rules checks, exports, reports; and the administration of users."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

import cashmatch
from cashmatch import remote
from cashmatch.http import schemas as s
from cashmatch.http.encoding import ExactRoute, dumps
from cashmatch.http.problems import PROBLEMS
from cashmatch.http.service import Admin, Reviewer, Svc, Viewer

router = APIRouter(responses=PROBLEMS, route_class=ExactRoute,
                   tags=["reading, exports and reports"])
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]
Siren = Annotated[str | None, Query(pattern=r"^\d{9}$")]


@router.get("/movements", response_model=s.MovementsPage)
def movements(svc: Svc, _: Viewer,
              state: Literal["settled", "review", "new", "duplicate"] | None = None,
              text: str | None = None, account: str | None = None,
              date_from: date | None = None, date_to: date | None = None,
              limit: Limit = 50, offset: Offset = 0) -> Any:
    """Stored movements with their state, a page at a time."""
    flt = cashmatch.MovementFilter(state, text, account, date_from, date_to)
    page = svc.read(lambda st: cashmatch.movements_page(st, flt, limit, offset))
    return {"movements": page.rows, "total": page.total, "offset": offset, "limit": limit}


@router.get("/movements/{movement_id}", response_model=s.StoryOut)
def explain(movement_id: int, svc: Svc, _: Viewer) -> Any:
    """Why a movement was applied, queued or left alone: decisions and candidates."""
    return svc.read(lambda st: cashmatch.movement_story(st, movement_id))


@router.get("/customers/{party_id}", response_model=s.AccountOut)
def customer(party_id: str, svc: Svc, _: Viewer, as_of: date | None = None) -> Any:
    """A customer's account at a date: open items, payments and lettrage, unapplied
    credits, aged balance, open total and balance."""
    return svc.read(lambda st: cashmatch.customer_account(st, party_id,
                                                         as_of or date.today()))


@router.get("/decisions", response_model=s.DecisionsPage)
def decisions(svc: Svc, _: Viewer, actor: str | None = None,
              action: Literal["auto", "accept", "assign", "ignore", "post", "suspense",
                              "reclass", "unmatch"] | None = None,
              movement_id: int | None = None, date_from: date | None = None,
              date_to: date | None = None, limit: Limit = 50, offset: Offset = 0) -> Any:
    """The decision log, newest first: who, when, why."""
    flt = cashmatch.DecisionFilter(actor, action, movement_id, date_from, date_to, True)
    page = svc.read(lambda st: cashmatch.decision_page(st, flt, limit, offset))
    return {"decisions": page.rows, "total": page.total, "offset": offset, "limit": limit}


@router.get("/aliases", response_model=s.AliasesOut)
def aliases(svc: Svc, _: Viewer, party: str | None = None, all: bool = False) -> Any:
    """What the payer memory knows: payer IBAN or name → party."""
    return {"aliases": svc.read(lambda st: cashmatch.list_aliases(st, party, all))}


@router.delete("/aliases/{alias_id}", response_model=s.RemovedOut)
def remove_alias(alias_id: int, svc: Svc, who: Reviewer) -> Any:
    """Forget an alias (kept in the history as removed)."""
    svc.locked(lambda: cashmatch.remove_alias(svc.store, alias_id, who.name))
    return {"removed": alias_id}


@router.get("/replay", response_model=s.ReplayOut)
def replay(svc: Svc, _: Viewer, run_id: int | None = None) -> Any:
    """Would past automatic decisions be taken the same way with the service's rules?"""
    return asdict(svc.read(lambda st: cashmatch.replay(st, svc.rules, run_id)))


@router.get("/rules/check", response_model=s.RulesCheckOut)
def rules_check(svc: Svc, _: Viewer) -> Any:
    """The service's rules: each rule's examples tested against its pattern."""
    results = cashmatch.check_examples(svc.rules)
    return {"source": svc.rules.source, "version": svc.rules.version,
            "ok": all(ok for _, _, ok in results),
            "results": [{"rule": r, "check": what, "ok": ok} for r, what, ok in results]}


@router.get("/rules/fit", response_model=s.RulesFitOut)
def rules_fit(svc: Svc, _: Viewer, held_back: Annotated[float, Query(ge=0.05, le=0.5)] = 0.25,
              seed: int = 1) -> Any:
    """The evidence weights learned from the store's decisions, measured on held-back
    movements beside the service's own, and the service's rules file with them (to review
    and adopt; the service's rules are not changed)."""
    fitted, text = svc.read(lambda st: cashmatch.fitted_rules(st, svc.rules, None, held_back,
                                                               seed))
    return {"trained": fitted.trained, "held_back": fitted.held_back,
            "weights": {k: str(v) for k, v in fitted.weights.items()},
            "bands": [{"low": str(new.low), "high": str(new.high), "readings": new.readings,
                       "fitted_precision": _share(new.precision),
                       "current_readings": cur.readings,
                       "current_precision": _share(cur.precision)}
                      for new, cur in zip(fitted.fitted_bands, fitted.current_bands,
                                          strict=True)],
            "rules": text}


def _share(value: Any) -> str | None:
    return None if value is None else f"{value:.4f}"


@router.post("/fec/check", response_model=s.FecCheckOut)
async def fec_check(file: Annotated[UploadFile, File()], _: Viewer) -> Any:
    """Check a FEC file against the format's rules."""
    name = file.filename or "fec.txt"
    problems = cashmatch.check_fec_upload(name, await file.read())
    return {"file": name, "ok": not problems, "problems": [str(p) for p in problems]}


@router.get("/matches", response_model=s.MatchesOut)
def matches(svc: Svc, _: Viewer,
            status: Literal["auto", "manual", "suggested", "unmatched", "ignored",
                            "posted"] | None = None,
            party_id: str | None = None, date_from: date | None = None,
            date_to: date | None = None) -> Any:
    """Allocations, suggestions and unmatched movements, filtered."""
    flt = cashmatch.MatchFilter(status, party_id, date_from, date_to)
    return {"matches": svc.read(lambda st: cashmatch.matches_frame(st, flt).to_dicts())}


@router.get("/journal", responses={200: {"model": s.JournalOut,
                                         "content": {"text/csv": {}, "text/plain": {}}}})
def journal(svc: Svc, _: Viewer, format: Literal["json", "csv", "parquet", "fec"] = "json",
            siren: Siren = None, year_end: date | None = None,
            year_start: date | None = None) -> Response:
    """The journal, one row per line: JSON, CSV, Parquet, or the FEC of one fiscal year
    (the SIREN, its closing date and, unless twelve months, its first day) as a download."""
    if format == "json":
        frame = svc.read(lambda st: cashmatch.journal_frame(st))
        return Response(dumps({"lines": frame.to_dicts()}),
                        media_type="application/json")
    return _download(svc, "journal", format, siren, year_end, year_start)


@router.get("/exports/{what}", responses={200: {"content": {"text/csv": {},
                                                            "application/json": {}}}})
def export_file(what: Literal["matches", "journal"], svc: Svc, _: Viewer,
                format: Literal["csv", "json", "parquet", "fec"] = "csv",
                siren: Siren = None, year_end: date | None = None,
                year_start: date | None = None) -> Response:
    """The matches or the journal as a file to download (the journal also as the FEC of
    one fiscal year)."""
    return _download(svc, what, format, siren, year_end, year_start)


def _download(svc: Any, what: str, fmt: str, siren: str | None,
              year_end: date | None, year_start: date | None) -> Response:
    got = svc.read(lambda st: cashmatch.download(st, svc.rules, what, fmt, siren,
                                                year_end, year_start=year_start))
    return Response(got.content, media_type=got.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{got.name}"'})


@router.get("/reports/aged", response_model=s.AgedOut)
def report_aged(svc: Svc, _: Viewer, as_of: date | None = None) -> Any:
    """Aged balance per customer: not due, 1-30, 31-60, 61-90, > 90 days past due."""
    day = as_of or date.today()
    return {"as_of": day, "rows": svc.read(lambda st: cashmatch.aged_balance(st, day))}


@router.get("/reports/bankrec", response_model=s.BankrecOut)
def report_bankrec(svc: Svc, _: Viewer, as_of: date) -> Any:
    """The reconciliation statement of each bank account at the end of ``as_of``:
    statement balance = ledger balance + movements not yet posted; gaps between statements."""
    return {"as_of": as_of,
            "accounts": svc.read(lambda st: cashmatch.bank_reconciliation(st, svc.rules,
                                                                        as_of))}


@router.get("/reports/dso", response_model=s.DsoOut)
def report_dso(svc: Svc, _: Viewer, as_of: date | None = None,
               months: Annotated[int, Query(ge=1, le=24)] = 3) -> Any:
    """Days sales outstanding: simple ratio and countback."""
    day = as_of or date.today()
    return {"dso": [asdict(d) for d in svc.read(lambda st: cashmatch.dso(st, day,
                                                                        months))]}


@router.get("/reports/delays", response_model=s.RowsOut)
def report_delays(svc: Svc, _: Viewer) -> Any:
    """Average payment delay per customer, weighted by amount."""
    return {"rows": svc.read(lambda st: cashmatch.payment_delays(st))}


@router.get("/reports/kpis", response_model=s.KpisOut)
def report_kpis(svc: Svc, _: Viewer, as_of: date | None = None) -> Any:
    """Matching per booking day and the review backlog."""
    day = as_of or date.today()
    return svc.read(lambda st: {"days": cashmatch.matching_kpis(st),
                               "review_backlog": cashmatch.review_backlog(st, day)})


@router.get("/reports/today", response_model=s.TodayOut)
def report_today(svc: Svc, _: Viewer, day: date | None = None) -> Any:
    """What came in on a day and what became of it, per outcome, direction and currency."""
    return svc.read(lambda st: cashmatch.day_summary(st, day or date.today()))


@router.get("/reports/{kind}.png", responses={200: {"content": {"image/png": {}}}})
def report_chart(kind: Literal["aged", "kpis"], svc: Svc, _: Viewer,
                 as_of: date | None = None) -> Response:
    """A report's chart (PNG)."""
    png = svc.read(lambda st: cashmatch.chart(st, kind, as_of or date.today()))
    return Response(png, media_type="image/png")


@router.get("/users", response_model=s.UsersOut)
def users(svc: Svc, _: Admin) -> Any:
    """Users of the pages and of personal tokens, with their roles (no secrets)."""
    return {"users": svc.read(lambda st: cashmatch.list_users(st))}


@router.post("/users", response_model=s.UserOut)
def add_user(body: s.UserIn, svc: Svc, who: Admin) -> Any:
    """A new user with a role and a password or a personal token."""
    return svc.locked(lambda: cashmatch.add_user(svc.store, body.name, body.role,
                                                 body.password, body.token, who.name))


@router.post("/users/{name}/disable", response_model=s.UserOut)
def disable_user(name: str, svc: Svc, who: Admin) -> Any:
    """Stop a user from signing in or using their token; their sessions end."""
    return svc.locked(lambda: cashmatch.disable_user(svc.store, name, who.name))


@router.post("/service/read", response_model=s.ReadOut)
def service_read(body: s.ReadIn, svc: Svc, _: Viewer) -> Any:
    """A read of the curated API run for the command line while the service holds the
    store (:mod:`cashmatch.remote`)."""
    args = remote.decode(body.args)
    return {"result": remote.encode(svc.read(lambda st: remote.call(st, body.function,
                                                                   args)))}
