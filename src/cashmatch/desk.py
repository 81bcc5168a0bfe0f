"""What each page of the review workspace shows, in one call: built from the stages'
functions (no SQL here), so that a page's route calls one function of the curated API and
renders what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from cashmatch.config import Rules
from cashmatch.errors import InputError, Location
from cashmatch.ledger import account, export, fec, history, reports, review, writeoff
from cashmatch.store import Store


def today(store: Store, day: date) -> dict[str, Any]:
    """The day's page: what came in on ``day`` and what became of it, the matching rate per
    booking day, the open queue, and the write-offs waiting for an approver."""
    return reports.day_summary(store, day) | {
        "kpis": reports.matching_kpis(store),
        "backlog": reports.review_backlog(store, day),
        "approvals": writeoff.list_approvals(store),
    }


def movement_desk(store: Store, rules: Rules, review_id: int, flt: review.ReviewFilter,
                  party: str | None = None, search: str | None = None) -> dict[str, Any]:
    """The movement page of review item ``review_id``: the item with its ranked candidates,
    the bank line in full with its history, where it stands in the queue ``flt`` gives, the
    payer's parties and the open items offered to tick (``party``'s, the first payer
    party's by default, or those ``search`` finds among all open items), the limits of the
    write-off and the request it waits on."""
    item = review.show_review(store, review_id)
    story = history.movement_story(store, item["movement_id"])
    parties = account.payer_parties(store, item["movement_id"])
    chosen = party or (parties[0]["party_id"] if parties else None)
    if search:
        offered = history.items_page(store, history.ItemFilter(text=search, open_only=True),
                                     limit=50)
    elif chosen:
        offered = history.items_page(store, history.ItemFilter(party=chosen, open_only=True),
                                     limit=200)
    else:
        offered = None
    waiting = [a for a in writeoff.list_approvals(store) if a["review_id"] == review_id]
    return {"review": item, "movement": story["movement"], "decisions": story["decisions"],
            "position": review.queue_position(store, flt, review_id),
            "parties": parties, "party": chosen, "search": search or "",
            "offered": offered, "approval": waiting[0] if waiting else None,
            "writeoff_max": rules.tolerances.manual_writeoff_max,
            "approval_above": rules.tolerances.writeoff_approval_above}


def next_in_queue(store: Store, flt: review.ReviewFilter, review_id: int) -> int | None:
    """The line to open after review item ``review_id`` was decided: the next one in the
    queue ``flt`` gives, else the one before it, else None (the queue is done)."""
    place = review.queue_position(store, flt, review_id)
    return place["next"] or place["previous"]


def overview(store: Store, as_of: date, months: int = 3) -> dict[str, Any]:
    """The reports page: aged balance, DSO, payment delays, matching per day, backlog."""
    return {"as_of": as_of, "months": months,
            "aged": reports.aged_balance(store, as_of),
            "dso": reports.dso(store, as_of, months),
            "delays": reports.payment_delays(store),
            "kpis": reports.matching_kpis(store),
            "backlog": reports.review_backlog(store, as_of)}


@dataclass(frozen=True, slots=True)
class Download:
    """A file to send: its name, media type and content."""

    name: str
    media_type: str
    content: bytes


_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json",
          "parquet": "application/vnd.apache.parquet", "fec": "text/plain; charset=utf-8"}


def download(store: Store, rules: Rules, what: str, fmt: str, siren: str | None = None,
             year_end: date | None = None, flt: export.MatchFilter | None = None,
             year_start: date | None = None) -> Download:
    """The ``matches`` or ``journal`` export as a file (``csv``, ``json``, ``parquet``; the
    journal also as ``fec``: the fiscal year ending ``year_end``, from ``year_start`` or
    twelve months, named ``<SIREN>FEC<AAAAMMJJ>.txt``)."""
    import tempfile
    from pathlib import Path

    if what not in ("matches", "journal") or fmt not in (*export.EXPORT_FORMATS, "fec") or (
            fmt == "fec" and what != "journal"):
        raise InputError(Location("query", element="format"),
                         f"no {fmt} export of {what} (matches: csv, json, parquet; journal: "
                         "the same and fec)")
    if fmt == "fec":
        if not siren or year_end is None:
            raise InputError(Location("query", element="siren"),
                             "a FEC needs the SIREN and the closing date of the fiscal year")
        made = fec.fec_file(store, rules, siren, year_end, year_start)
        return Download(made.name, _MEDIA["fec"], made.text.encode("utf-8"))
    frame = (export.matches_frame(store, flt or export.MatchFilter()) if what == "matches"
             else export.journal_frame(store))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{what}.{fmt}"
        export.write(frame, path, fmt)
        return Download(path.name, _MEDIA[fmt], path.read_bytes())


__all__ = ["Download", "download", "movement_desk", "next_in_queue", "overview", "today"]
