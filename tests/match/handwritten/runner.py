"""Run one hand-written case (``cases/*.toml``, see README.md) through the engine, the way a
company would: its items imported, its earlier payments confirmed (the payer memory), then
the movement imported and a run. What the engine did is judged against the case's truth:

* ``auto``: the expected items, for the expected amounts, applied automatically;
* ``review``: nothing applied automatically; the expected set (when there is one) among the
  first three suggestions;
* ``none``: nothing applied to an open item.

``python -m tests.match.handwritten.runner > tests/match/handwritten/known_misses.toml`` writes
the cases the engine misses (``test_handwritten.py`` expects exactly those to fail).
"""

from __future__ import annotations

import csv
import sys
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import cashmatch

HERE = Path(__file__).parent
CASES = HERE / "cases"
ITEM_COLUMNS = ("id", "kind", "account", "party_id", "party_name", "party_iban", "reference",
                "issue_date", "due_date", "amount", "currency", "description", "open_amount",
                "discount_until", "discount_rate")
MOVEMENT_COLUMNS = ("booking_date", "value_date", "amount", "currency", "description",
                    "counterparty_name", "counterparty_iban", "reference", "bank_reference",
                    "account_iban")
#: The company's own account the statements are of.
ACCOUNT = "FR7630004001230001234567805"


@dataclass(frozen=True, slots=True)
class Case:
    file: str
    name: str
    phenomenon: str
    raw: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file[:2]}:{self.name}"


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    posted: dict[str, Decimal]
    top3: bool
    detail: str


def load_cases() -> list[Case]:
    out = []
    for path in sorted(CASES.glob("*.toml")):
        for raw in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            out.append(Case(path.name, raw["name"], raw["phenomenon"], raw))
    return out


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=columns)
        out.writeheader()
        for row in rows:
            out.writerow({c: row.get(c, "") for c in columns})
    return path


def _movement(raw: dict[str, Any], day: str, bank_ref: str,
              currency: str = "EUR") -> dict[str, Any]:
    return {**raw, "booking_date": day, "value_date": raw.get("value_date", day),
            "currency": raw.get("currency", currency), "bank_reference": bank_ref,
            "account_iban": ACCOUNT}


def _confirm(store: cashmatch.Store, rules: cashmatch.Rules, bank_ref: str,
             settles: dict[str, str]) -> None:
    """An earlier payment as the company confirmed it: applied automatically to what it
    settles, or assigned by a person from the review queue."""
    auto = {r["item_id"]: Decimal(r["applied_amount"]) for r in _rows(store, bank_ref)
            if r["status"] == "auto"}
    if auto == {k: Decimal(v) for k, v in settles.items()}:
        return
    if auto:
        raise AssertionError(f"history {bank_ref}: applied {auto}, the case says {settles}")
    (review,) = [r for r in cashmatch.list_reviews(store) if r["bank_reference"] == bank_ref]
    cashmatch.assign(store, rules, review["review_id"],
                     [(k, Decimal(v)) for k, v in settles.items()], user="history")


def _currency(past: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """The currency of an earlier payment that does not say: that of what it settled."""
    currencies = {i["id"]: i.get("currency", "EUR") for i in items}
    return next((currencies[k] for k in past["settles"] if k in currencies), "EUR")


def _rows(store: cashmatch.Store, bank_ref: str) -> list[dict[str, Any]]:
    return [r for r in cashmatch.matches_frame(store).to_dicts()
            if r["bank_reference"] == bank_ref]


def run_case(case: Case, folder: Path, rules: cashmatch.Rules | None = None) -> Verdict:
    """Run ``case`` in a store of its own under ``folder`` and judge it."""
    rules = rules or cashmatch.Rules()
    raw = case.raw
    history = sorted(raw.get("history", []), key=lambda h: h["booking_date"])
    # an item the history part-paid shows what is left open: here the history pays it
    touched = {k for h in history for k in h["settles"]}
    items = [{k: v for k, v in i.items() if k != "open_amount" or i["id"] not in touched}
             for i in [*raw["items"], *(i for h in history for i in h.get("items", []))]]
    with cashmatch.Store.open(folder / "case.duckdb") as store:
        cashmatch.import_items(store, _write(folder / "items.csv", ITEM_COLUMNS, items))
        for n, past in enumerate(history, start=1):
            ref = f"HIST-{n}"
            cashmatch.import_statements(store, [_write(
                folder / f"history{n}.csv", MOVEMENT_COLUMNS,
                [_movement(past, past["booking_date"], ref, _currency(past, items))])])
            cashmatch.run_match(store, rules)
            _confirm(store, rules, ref, past["settles"])
        cashmatch.import_statements(store, [_write(
            folder / "statement.csv", MOVEMENT_COLUMNS,
            [_movement(raw["movement"], raw["booking_date"], "CASE")])])
        cashmatch.run_match(store, rules)
        rows = _rows(store, "CASE")
    return judge(raw["expected"], rows)


def judge(expected: dict[str, Any], rows: list[dict[str, Any]]) -> Verdict:
    want = {k: Decimal(v) for k, v in expected["items"].items()}
    posted = {r["item_id"]: Decimal(r["applied_amount"]) for r in rows if r["status"] == "auto"}
    ranks: dict[int, set[str]] = {}
    for r in rows:
        if r["status"] == "suggested" and r["rank"] is not None:
            ranks.setdefault(int(r["rank"]), set()).add(r["item_id"])
    top3 = any(items == set(want) for rank, items in ranks.items() if rank <= 3)
    outcome = expected["outcome"]
    if outcome == "auto":
        passed = posted == want
    elif outcome == "review":
        passed = not posted and (not want or top3)
    else:
        passed = not posted
    shown = "; ".join(f"{n}: {sorted(ranks[n])}" for n in sorted(ranks)[:3])
    detail = (f"expected {outcome} {dict(sorted(want.items()))}; posted "
              f"{dict(sorted(posted.items()))}; suggested {shown or 'nothing'}")
    return Verdict(passed, posted, top3, detail)


HEADER = """\
# Hand-written cases the engine misses today (written by `python -m tests.match.handwritten.runner`).
# test_handwritten.py expects exactly these to fail: a case that starts passing must leave
# this list. engine: "posted" (what the case leaves to a person), "review" (what the case
# posts), "answer not in the first three" (suggestions).
"""


def kind_of_miss(expected: dict[str, Any], verdict: Verdict) -> str:
    """How the engine misses a case: it posts what the case leaves to a person (or other
    items than the case's), or leaves to a person what the case posts, or does not show the
    case's answer among its first three suggestions."""
    if verdict.posted:
        return "posted other items" if expected["outcome"] == "auto" else "posted"
    if expected["outcome"] == "auto":
        return "review" if verdict.top3 else "review, answer not in the first three"
    return "answer not in the first three"


def main() -> None:
    """Print the cases the engine misses as ``known_misses.toml`` entries."""
    import tempfile

    print(HEADER)
    misses = 0
    for case in load_cases():
        with tempfile.TemporaryDirectory() as tmp:
            verdict = run_case(case, Path(tmp))
        if not verdict.passed:
            misses += 1
            print(f'[[miss]]\ncase = "{case.id}"\nphenomenon = "{case.phenomenon}"\n'
                  f'engine = "{kind_of_miss(case.raw["expected"], verdict)}"\n')
    print(f"{misses} misses", file=sys.stderr)


if __name__ == "__main__":
    main()
