"""The ``cashmatch`` command line: a thin layer over the library.

Each command parses its options, calls one library function and prints the result. Library
errors (:class:`~cashmatch.errors.CashmatchError`) become a one-paragraph message and exit
status 1. Heavy packages are imported inside the commands so that ``cashmatch --help``
stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

import cashmatch

if TYPE_CHECKING:
    from cashmatch.config import Rules
    from cashmatch.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def _dump(data: object) -> None:
    from cashmatch.encoding import dumps

    click.echo(dumps(data, indent=2))


@contextmanager
def _errors() -> Iterator[None]:
    """Library errors → a clear message and exit status 1."""
    try:
        yield
    except cashmatch.CashmatchError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _session(ctx: click.Context, read_only: bool = False) -> Iterator[Store]:
    """The store for one command: opened, errors made clear, always closed."""
    with _errors():
        store = cashmatch.Store.open(ctx.obj["db"], read_only=read_only)
        try:
            yield store
        finally:
            store.close()

class _Reader:
    """Calls of the curated API's reads on a store: ``read.list_reviews(flt)`` runs
    ``cashmatch.list_reviews(store, flt)`` on a read-only connection, or through the service
    that holds the store (:mod:`cashmatch.remote`)."""

    def __init__(self, store: Store | None, service: Any = None) -> None:
        self._store, self._service = store, service

    def __getattr__(self, name: str) -> Callable[..., Any]:
        from cashmatch import remote

        if self._store is None:
            return lambda *args: self._service.read(name, *args)
        return lambda *args: remote.call(self._store, name, list(args))


@contextmanager
def _reading(ctx: click.Context) -> Iterator[_Reader]:
    """Reads for one command: a read-only connection to the store, or, while a running
    ``cashmatch serve`` holds it, that service (errors made clear either way)."""
    from cashmatch.remote import Service

    with _errors():
        try:
            store = cashmatch.Store.open(ctx.obj["db"], read_only=True)
        except cashmatch.StoreInUse:
            service = Service.find(ctx.obj["db"])
            if service is None:
                raise
            yield _Reader(None, service)
            return
        try:
            yield _Reader(store)
        finally:
            store.close()


def _rules(path: Path | None) -> Rules:
    with _errors():
        return cashmatch.load_rules(path if path is not None
                                    else cashmatch.default_rules_path())


def rules_option(f: F) -> F:
    return click.option("--rules", "rules_path", type=click.Path(path_type=Path, dir_okay=False),
                        help="Rules file (default: ./rules/default.toml, else built-in).")(f)


def _decide(ctx: click.Context, rules_path: Path | None, act: Callable[..., Any],
            *args: Any) -> Any:
    """Take one decision with the rules given: ``act(store, rules, *args)``."""
    rules = _rules(rules_path)
    with _session(ctx) as store:
        return act(store, rules, *args)


def user_option(f: F) -> F:
    return click.option("--user", help="Who takes the decision (default: $CASHMATCH_USER or "
                                       "the login name).")(f)


def _with(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    def deco(f: F) -> F:
        for opt in reversed(options):
            f = opt(f)
        return f
    return deco


def _amount(text: str) -> Decimal:
    try:
        return cashmatch.parse_amount(text)
    except cashmatch.CashmatchError as exc:
        raise click.BadParameter(str(exc)) from exc


def _with(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    def deco(f: F) -> F:
        for opt in reversed(options):
            f = opt(f)
        return f
    return deco


page_options = [
    click.option("--limit", type=click.IntRange(min=1), help="At most this many rows."),
    click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
                 help="Rows to skip first."),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), envvar="CASHMATCH_DB",
              default="cashmatch.duckdb", show_default=True,
              help="The store (a DuckDB file). Also $CASHMATCH_DB.")
@click.version_option(package_name="cashmatch")
@click.pass_context
def cli(ctx: click.Context, db: Path) -> None:
    """Bank reconciliation and cash application: statements in, matched invoices and
    balanced journal entries out."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the store, or upgrade it to the current schema."""
    with _session(ctx) as store:
        click.echo(f"{store.path}: schema version {store.schema_version()}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True,
                                                                   dir_okay=False))
def identify(files: tuple[Path, ...]) -> None:
    """Show which statement format each file is detected as, and why."""
    failed = False
    for f in files:
        with _errors():
            result = cashmatch.identify(f)
        failed |= result.format is None
        click.echo(f"{f}: {result.format or 'unknown'} ({result.reason})")
    if failed:
        sys.exit(1)


def _parse_date(_: Any, __: Any, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc



# -- statements ---------------------------------------------------------------------------

@cli.group()
def statements() -> None:
    """Bank statements: parse and import."""


def _mapping(path: Path | None) -> Any:
    if path is None:
        return None
    with _errors():
        return cashmatch.load_mapping(path)


format_option = click.option("--format", "fmt", help="Force the format instead of detecting it.")
mapping_option = click.option("--mapping", type=click.Path(path_type=Path, exists=True,
                                                           dir_okay=False),
                              help="CSV column mapping (TOML) for a bank's CSV export.")
files_argument = click.argument("files", nargs=-1, required=True,
                                type=click.Path(path_type=Path, exists=True, dir_okay=False))


def _currency(_: Any, __: Any, value: str | None) -> str | None:
    from cashmatch.money import is_currency

    if value is not None and not is_currency(value.upper()):
        raise click.BadParameter(f"{value!r} is not an ISO 4217 currency code")
    return None if value is None else value.upper()


currency_option = click.option("--currency", callback=_currency,
                               help="Currency of amounts the file leaves without one (default: "
                                    "EUR, with a warning).")


@statements.command("import")
@files_argument
@format_option
@mapping_option
@currency_option
@click.pass_context
def statements_import(ctx: click.Context, files: tuple[Path, ...], fmt: str | None,
                      mapping: Path | None, currency: str | None) -> None:
    """Import statement files (all or nothing; movements already known are skipped)."""
    with _session(ctx) as store:
        summary = cashmatch.import_statements(store, list(files), fmt, _mapping(mapping),
                                              currency)
    _print_import(summary)


def _print_import(summary: Any) -> None:
    for f in summary.files:
        note = f.note
        extra = "".join([
            f", {f.suspected_duplicates} suspected duplicate(s) kept aside"
            if f.suspected_duplicates else "",
            f", {f.pending} pending" if f.pending else "",
            f", {f.pending_superseded} pending replaced by booked" if f.pending_superseded else ""])
        click.echo(f"{f.file}: {f.format}, {f.statements} statement(s), {f.movements} "
                   f"movement(s): {f.new} new, {f.known} already known{extra}{note}")
        for p in f.problems:
            click.echo(f"  {p.severity}: {p.location}: {p.message}")


@statements.command("parse")
@files_argument
@format_option
@mapping_option
@currency_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (amounts as strings).")
def statements_parse(files: tuple[Path, ...], fmt: str | None, mapping: Path | None,
                     currency: str | None, as_json: bool) -> None:
    """Parse statement files and print what they hold, without storing anything."""
    out: dict[str, list[dict[str, Any]]] = {"statements": [], "problems": []}
    failed = False
    for f in files:
        try:
            pf = cashmatch.parse_statement_file(f, fmt, _mapping(mapping), currency)
        except cashmatch.InputError as exc:
            failed = True
            out["problems"].append({"file": str(f), "location": str(exc.location),
                                    "severity": "error", "message": exc.reason})
            continue
        for st in pf.result.statements:
            out["statements"].append(cashmatch.statement_dict(st))
        out["problems"].extend({"file": p.location.file, "location": str(p.location),
                                "severity": p.severity, "message": p.message}
                               for p in pf.result.problems)
    if as_json:
        _dump(out)
    else:
        for st in out["statements"]:
            click.echo(f"{st['file']}: {st['format']} account {st['account']} "
                       f"{st['currency']} {len(st['movements'])} movement(s), opening "
                       f"{st['opening_balance']} closing {st['closing_balance']}")
            for m in st["movements"]:
                click.echo(f"  {m['booking_date']} {m['amount']:>12} {m['currency']} "
                           f"{(m['counterparty_name'] or '')[:30]:30} {m['remittance'][:60]}")
        for p in out["problems"]:
            click.echo(f"{p['severity']}: {p['location']}: {p['message']}")
    if failed:
        sys.exit(1)


# -- open items ---------------------------------------------------------------------------

@cli.group()
def items() -> None:
    """Open items (invoices, credit notes, supplier items...)."""


@items.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--snapshot", is_flag=True,
              help="The file is the complete list of open items: the items it does not list "
                   "are closed as settled outside cashmatch (kept, recorded and listed).")
@click.option("--mapping", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Column mapping (TOML) for an ERP's own CSV export "
                   "(rules/csv/example_items.toml documents every key).")
@click.pass_context
def items_import(ctx: click.Context, file: Path, snapshot: bool, mapping: Path | None) -> None:
    """Import or update open items from CSV, Parquet or JSON (all rows or none)."""
    with _errors():
        read = None if mapping is None else cashmatch.load_items_mapping(mapping)
    with _session(ctx) as store:
        r = cashmatch.import_items(store, file, read, snapshot)
    click.echo(f"{r.file}: {r.rows} item(s): {r.new} new, {r.updated} updated, "
               f"{r.unchanged} unchanged")
    if snapshot:
        click.echo(f"{len(r.closed)} item(s) missing from the snapshot closed as settled "
                   "outside cashmatch" + (":" if r.closed else ""))
        for c in r.closed:
            click.echo(f"  {c['item_id']}  {c['open_amount']} {c['currency']} was open")


@items.command("list")
@click.option("--party", help="Only this party's items.")
@click.option("--text", help="Words of the item's id, reference or party name.")
@click.option("--open", "open_only", is_flag=True, help="Only items with something open.")
@click.option("--kind", type=click.Choice(["invoice", "credit_note", "supplier_invoice",
                                           "supplier_credit_note", "entry"]))
@click.option("--sort", default="due", show_default=True,
              type=click.Choice(["due", "id", "amount"]))
@_with(page_options)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def items_list(ctx: click.Context, party: str | None, text: str | None, open_only: bool,
               kind: str | None, sort: str, limit: int | None, offset: int,
               as_json: bool) -> None:
    """Open items with what is still open on each and their lettrage."""
    flt = cashmatch.ItemFilter(party, text, open_only, kind, sort)
    with _reading(ctx) as read:
        page = read.items_page(flt, limit, offset)
    _listed(page, as_json, lambda r: (
        f"{r['item_id']:18} {r['kind']:12} {(r['party_id'] or ''):10} "
        f"{r['due_date'] or '':10}  {r['amount']:>12}  open {r['open_amount']:>12} "
        f"{r['currency']}  {r['lettrage_code'] or ''}"))


@cli.group()
def movements() -> None:
    """Bank movements as stored, with their state."""


@movements.command("list")
@click.option("--state", type=click.Choice(["settled", "review", "new", "duplicate"]))
@click.option("--text", help="Words of the payer's name, the remittance or the bank reference.")
@click.option("--account", help="Only this bank account.")
@click.option("--from", "date_from", callback=_parse_date, help="Booked on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=_parse_date, help="Booked on or before (YYYY-MM-DD).")
@_with(page_options)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def movements_list(ctx: click.Context, state: str | None, text: str | None,
                   account: str | None, date_from: date | None, date_to: date | None,
                   limit: int | None, offset: int, as_json: bool) -> None:
    """Stored movements in id order, with their state."""
    flt = cashmatch.MovementFilter(state, text, account, date_from, date_to)
    with _reading(ctx) as read:
        page = read.movements_page(flt, limit, offset)
    _listed(page, as_json, lambda r: (
        f"{r['movement_id']:>6}  {r['booking_date']}  {r['amount']:>12} {r['currency']}  "
        f"{r['state']:9} {(r['counterparty_name'] or '')[:24]:24} {r['remittance'][:50]}"))


@cli.command()
@click.argument("party_id")
@click.option("--as-of", callback=_parse_date,
              help="The account at the end of this day (default: today), YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def customer(ctx: click.Context, party_id: str, as_of: date | None, as_json: bool) -> None:
    """A customer's account: open items, payments and lettrage, unapplied credits
    (over-payments, payments kept as credits), aged balance and balance."""
    with _reading(ctx) as read:
        acct = read.customer_account(party_id, as_of or date.today())
    if as_json:
        _dump(acct)
        return
    click.echo(f"{acct['party_id']} {acct['party_name'] or ''} at {acct['as_of']}  open: "
               + ", ".join(f"{v} {c}" for c, v in acct["open_total"].items()))
    for i in acct["open_items"]:
        click.echo(f"  open    {i['item_id']:18} due {i['due_date'] or '':10} "
                   f"{i['open_amount']:>12} of {i['amount']:>12} {i['currency']}")
    for p in acct["payments"]:
        undone = f" (undone by {p['undone_by']})" if p["undone_by"] else ""
        click.echo(f"  paid    {p['booking_date']} {p['applied']:>12} {p['currency']} "
                   f"{p['items']} [{p['lettrage'] or ''}] decision {p['decision_id']}{undone}")
    for c in acct["unapplied_credits"]:
        click.echo(f"  credit  {c['entry_number']} {c['entry_date']} {c['amount']:>12} "
                   f"{c['currency']}  {c['label']}")
    for currency, total in acct["balance"].items():
        click.echo(f"  balance {total} {currency}")


@statements.command("list")
@_with(page_options)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def statements_list(ctx: click.Context, limit: int | None, offset: int, as_json: bool) -> None:
    """Imported statements with their balances and the balance and continuity checks."""
    with _reading(ctx) as read:
        page = read.list_statements(limit, offset)
    marks = {True: "ok", False: "NO", None: "-"}
    _listed(page, as_json, lambda r: (
        f"{r['statement_id']:>5}  {r['account'] or '-':28} {r['closing_date'] or '':10} "
        f"opening {r['opening_balance']} closing {r['closing_balance']}  balanced "
        f"{marks[r['balanced']]}  continuous {marks[r['continuous']]}  "
        f"{Path(r['file_name']).name}"))


@cli.command()
@click.option("--actor", help="Only this person's decisions (engine: the automatic ones).")
@click.option("--action", type=click.Choice([a.value for a in cashmatch.Action]))
@click.option("--movement", "movement_id", type=int, help="Only this movement's.")
@click.option("--from", "date_from", callback=_parse_date, help="Taken on or after.")
@click.option("--to", "date_to", callback=_parse_date, help="Taken on or before.")
@_with(page_options)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def history(ctx: click.Context, actor: str | None, action: str | None,
            movement_id: int | None, date_from: date | None, date_to: date | None,
            limit: int | None, offset: int, as_json: bool) -> None:
    """The decision log, newest first: who, when, why (and what undid it)."""
    flt = cashmatch.DecisionFilter(actor, action, movement_id, date_from, date_to, True)
    with _reading(ctx) as read:
        page = read.decision_page(flt, limit, offset)
    _listed(page, as_json, lambda d: (
        f"{d['decision_id']:>6}  {d['created_at']}  {d['actor']:12} {d['action']:8} "
        f"movement {d['movement_id']}: {d['explanation']}"
        f"{' (' + d['reason'] + ')' if d['reason'] else ''}"
        f"{' [undone by ' + str(d['undone_by']) + ']' if d['undone_by'] else ''}"))


# -- matching -----------------------------------------------------------------------------

def _print_match(s: Any) -> None:
    def amounts(outcome: str) -> str:
        def per(table: dict[str, dict[str, Any]]) -> str:
            return ", ".join(f"{v} {c}" for c, v in sorted(table[outcome].items()))
        return f"receipts {per(s.receipts)}   payments {per(s.payments)}" if s.currencies else ""

    click.echo(f"run {s.run_id}: {s.considered} movement(s) considered: {s.new} new, "
               f"{s.returning} back from review")
    for label, outcome in (("applied automatically", "auto"), ("posted by rules", "posted"),
                           ("to review", "review"), ("unmatched", "unmatched"),
                           ("ignored by rules", "ignored")):
        n = getattr(s, outcome)
        if n or outcome not in ("posted", "ignored"):
            click.echo(f"  {label + ':':22} {n:>6}   {amounts(outcome)}".rstrip())


@cli.command()
@rules_option
@click.pass_context
def match(ctx: click.Context, rules_path: Path | None) -> None:
    """Match every unsettled movement against the open items."""
    rules = _rules(rules_path)
    with _session(ctx) as store:
        summary = cashmatch.run_match(store, rules)
    _print_match(summary)


@cli.command()
@files_argument
@click.option("--items", "items_file", type=click.Path(path_type=Path, exists=True,
                                                        dir_okay=False),
              help="Open items to import first.")
@format_option
@mapping_option
@rules_option
@click.pass_context
def run(ctx: click.Context, files: tuple[Path, ...], items_file: Path | None, fmt: str | None,
        mapping: Path | None, rules_path: Path | None) -> None:
    """The daily run: import statements (and items), match, print the summary."""
    rules = _rules(rules_path)
    with _session(ctx) as store:
        result = cashmatch.daily_run(store, rules, list(files), items_file, fmt,
                                     _mapping(mapping))
    if result.items is not None:
        r = result.items
        click.echo(f"{r.file}: {r.rows} item(s): {r.new} new, {r.updated} updated")
    _print_import(result.imported)
    _print_match(result.matched)


@cli.command()
@click.argument("movement_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def explain(ctx: click.Context, movement_id: int, as_json: bool) -> None:
    """Why a movement was applied, queued or left alone: decisions and candidates."""
    with _reading(ctx) as read:
        story = read.movement_story(movement_id)
    if as_json:
        _dump(story)
    else:
        mv = story["movement"]
        click.echo(f"movement {mv['movement_id']}: {mv['booking_date']} {mv['amount']} "
                   f"{mv['currency']} {mv['counterparty_name'] or ''}")
        click.echo(f"  text: {mv['remittance']}")
        for d in story["decisions"]:
            click.echo(f"  decision {d['decision_id']} ({d['action']} by {d['actor']}, "
                       f"{d['created_at']}): {d['rule']}: {d['explanation']}")
        for r in story["reviews"]:
            click.echo(f"  review {r['review_id']} ({r['status']}): {r['reason']}")
            for c in r["candidates"]:
                click.echo(f"    #{c['rank']} {c['confidence']} {c['items']}: {c['explanation']}")


@cli.command()
@click.option("--run", "run_id", type=int, help="Only this run (default: every run).")
@rules_option
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def replay(ctx: click.Context, run_id: int | None, rules_path: Path | None,
           as_json: bool) -> None:
    """Recompute past automatic decisions with the rules given; list any that would differ.
    Exits 1 when one does."""
    from dataclasses import asdict

    rules = _rules(rules_path)
    with _reading(ctx) as read:
        report = read.replay(rules, run_id)
    if as_json:
        _dump({"runs": report.runs, "decisions": report.decisions, "notes": report.notes,
               "differences": [asdict(d) for d in report.differences]})
    else:
        for note in report.notes:
            click.echo(f"note: {note}")
        for d in report.differences:
            click.echo(f"run {d.run_id} movement {d.movement_id} (decision {d.decision_id}): "
                       f"{d.why}; recorded {d.recorded}, now {d.now}")
        click.echo(f"{report.decisions} automatic decision(s) in {report.runs} run(s) replayed "
                   f"with rules {rules.version}: {len(report.differences)} would differ")
    if report.differences:
        sys.exit(1)


# -- rules and payer memory ---------------------------------------------------------------

@cli.group("rules")
def rules_group() -> None:
    """The rules file: thresholds, tolerances, ignore and alias rules."""


@rules_group.command("check")
@rules_option
def rules_check(rules_path: Path | None) -> None:
    """Load the rules (every error with its rule and key) and test each rule's examples."""
    rules = _rules(rules_path)
    results = cashmatch.check_examples(rules)
    failed = [r for r in results if not r[2]]
    for label, what, ok in results:
        click.echo(f"{'ok  ' if ok else 'FAIL'} {label}: {what}")
    click.echo(f"{rules.source} (version {rules.version}): {len(rules.postings)} posting "
               f"rule(s), {len(rules.banks)} bank(s), {len(rules.ignore)} ignore rule(s), "
               f"{len(rules.aliases)} alias rule(s), {len(results) - len(failed)}/{len(results)} "
               "example(s) pass")
    if failed:
        sys.exit(1)


@rules_group.command("fit")
@rules_option
@click.option("--truth", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Label the readings by this file (JSON lines: bank_reference, expected) "
                   "instead of the store's decisions.")
@click.option("--held-back", type=click.FloatRange(0.05, 0.5), default=0.25, show_default=True,
              help="Share of the movements kept out of the fit to measure it.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Which movements are held back.")
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Where to write the rules with the fitted weights.")
@click.pass_context
def rules_fit(ctx: click.Context, rules_path: Path | None, truth: Path | None,
              held_back: float, seed: int, out: Path) -> None:
    """Learn the evidence weights from the decisions in the store (or a truth file) and write
    a copy of the rules with them; the held-back precision per confidence band is printed,
    fitted beside the rules' own. The rules in use are never changed: adopt the copy with
    --rules."""
    rules = _rules(rules_path)
    with _session(ctx, read_only=True) as store:
        fitted = cashmatch.fit_rules(store, rules, out, truth, held_back, seed)
    for line in cashmatch.describe_fit(fitted):
        click.echo(line)
    click.echo(f"wrote {out}")


@cli.group()
def aliases() -> None:
    """The payer memory: IBANs and names learned from confirmed matches."""


@aliases.command("list")
@click.option("--party", help="Only this party.")
@click.option("--all", "show_all", is_flag=True, help="Include removed aliases.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def aliases_list(ctx: click.Context, party: str | None, show_all: bool, as_json: bool) -> None:
    """List what the memory knows: payer IBAN or name → party, with source and date."""
    with _reading(ctx) as read:
        rows = read.list_aliases(party, show_all)
    if as_json:
        _dump(rows)
        return
    if not rows:
        click.echo("no aliases")
    for r in rows:
        gone = f"  removed {r['removed_at']} by {r['removed_by']}" if r["removed_at"] else ""
        click.echo(f"{r['alias_id']:>5}  {r['kind']:4}  {r['value']:34}  → {r['party_id']:10} "
                   f"{r['source']:6} {r['created_at']} (decision {r['decision_id']}){gone}")


@aliases.command("remove")
@click.argument("alias_id", type=int)
@user_option
@click.pass_context
def aliases_remove(ctx: click.Context, alias_id: int, user: str | None) -> None:
    """Forget an alias (kept in the history as removed)."""
    with _session(ctx) as store:
        cashmatch.remove_alias(store, alias_id, cashmatch.current_user(user))
    click.echo(f"alias {alias_id} removed")


# -- review -------------------------------------------------------------------------------

@cli.group()
def review() -> None:
    """The review queue: what the engine was not sure enough to post."""


def _item_amounts(item_ids: tuple[str, ...],
                  amounts: tuple[str, ...]) -> list[tuple[str, Decimal | None]]:
    """``--item`` options paired with the ``--amount`` in the same position (or None)."""
    if len(amounts) > len(item_ids):
        raise click.UsageError("more --amount than --item")
    parsed: list[Decimal | None] = [_amount(a) for a in amounts]
    parsed += [None] * (len(item_ids) - len(amounts))
    return list(zip(item_ids, parsed, strict=True))


def _parse_amount_opt(_: Any, __: Any, value: str | None) -> Decimal | None:
    return None if value is None else _amount(value)


@review.command("list")
@click.option("--status", default="open", show_default=True,
              type=click.Choice(["open", "accepted", "assigned", "ignored", "suspense",
                                 "posted", "superseded", "all"]))
@click.option("--reason", help="Only this reason code (conflict, ambiguous, amount_differs, "
                               "no_reference, other_party, weak, no_candidate, reopened).")
@click.option("--party", help="Only items with a candidate of this party id.")
@click.option("--min-amount", callback=_parse_amount_opt)
@click.option("--max-amount", callback=_parse_amount_opt)
@click.option("--from", "date_from", callback=_parse_date, help="Booked on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=_parse_date, help="Booked on or before (YYYY-MM-DD).")
@click.option("--text", help="Words of the payer's name, the remittance or the bank reference.")
@click.option("--direction", type=click.Choice(["in", "out"]),
              help="Only receipts (in) or payments (out).")
@click.option("--sort", default="date", show_default=True,
              type=click.Choice(["date", "amount", "confidence", "payer", "reason", "id"]))
@click.option("--desc", "descending", is_flag=True, help="Largest or latest first.")
@_with(page_options)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def review_list(ctx: click.Context, status: str, reason: str | None, party: str | None,
                min_amount: Decimal | None, max_amount: Decimal | None, date_from: date | None,
                date_to: date | None, text: str | None, direction: str | None, sort: str,
                descending: bool, limit: int | None, offset: int, as_json: bool) -> None:
    """List review items (all of them, or a page with --limit)."""
    flt = cashmatch.ReviewFilter(None if status == "all" else status, reason, party, min_amount,
                                 max_amount, date_from, date_to, text, direction, sort,
                                 descending)
    with _reading(ctx) as read:
        page = read.queue_page(flt, limit, offset)
    if not page.rows and not as_json:
        click.echo("no review items")
    _listed(page, as_json, lambda r: (
        f"{r['review_id']:>5}  {r['booking_date']}  {r['amount']:>12} {r['currency']}  "
        f"{(r['counterparty_name'] or '')[:24]:24}  {r['reason']:15} "
        + (f"#1 {r['top_items']} ({r['top_confidence']})" if r["top_items"] else "-")))


def _listed(page: Any, as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    """A page of rows: as JSON, or a line each and, when there are more, where it stands."""
    if as_json:
        _dump(page.rows)
        return
    for row in page.rows:
        click.echo(line(row))
    if page.limit is not None and page.total > len(page.rows):
        click.echo(f"{page.offset + 1}-{page.offset + len(page.rows)} of {page.total}")


@review.command("show")
@click.argument("review_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def review_show(ctx: click.Context, review_id: int, as_json: bool) -> None:
    """A review item with its ranked candidates and their evidence."""
    with _reading(ctx) as read:
        item = read.show_review(review_id)
    if as_json:
        _dump(item)
    else:
        click.echo(f"review {item['review_id']} ({item['status']}): {item['reason_text']}")
        click.echo(f"  movement {item['movement_id']}: {item['booking_date']} {item['amount']} "
                   f"{item['currency']} {item['counterparty_name'] or ''}")
        click.echo(f"  text: {item['remittance']}")
        for c in item["candidates"]:
            allocs = ", ".join(f"{a['item_id']} ({a['party_name'] or a['party_id'] or '?'}) "
                               f"{a['amount']}" for a in c["allocations"])
            click.echo(f"  #{c['rank']} confidence {c['confidence']}  {allocs}")
            click.echo(f"     {c['explanation']}  [rule {c['rule']}]")
        if not item["candidates"]:
            click.echo("  no candidate: use `review assign` or `review ignore`")


@review.command("accept")
@click.argument("review_id", type=int, required=False)
@click.option("--candidate", "rank", type=int, default=1, show_default=True,
              help="Rank of the candidate to apply.")
@click.option("--all-above", "minimum", callback=_parse_amount_opt,
              help="Instead of one item: accept the first candidate of every open review item "
                   "with at least this confidence (e.g. 0.9).")
@user_option
@rules_option
@click.pass_context
def review_accept(ctx: click.Context, review_id: int | None, rank: int, minimum: Decimal | None,
                  user: str | None, rules_path: Path | None) -> None:
    """Apply a ranked candidate and post it (or, with --all-above, many at once)."""
    if (review_id is None) == (minimum is None):
        raise click.UsageError("give a review id or --all-above, not both")
    rules = _rules(rules_path)
    with _session(ctx) as store:
        if minimum is not None:
            result = cashmatch.accept_above(store, rules, minimum, user)
            click.echo(f"accepted {len(result.accepted)} review item(s) with confidence "
                       f">= {minimum}")
            for rid, why in result.refused:
                click.echo(f"  review {rid} skipped: {why}")
            return
        assert review_id is not None
        decision = cashmatch.accept(store, rules, review_id, rank, user)
    click.echo(f"review {review_id}: candidate {rank} applied (decision {decision})")


@review.command("assign")
@click.argument("review_id", type=int)
@click.option("--item", "item_ids", multiple=True, required=True, help="Item id (repeatable).")
@click.option("--amount", "amounts", multiple=True,
              help="Amount for the item in the same position (repeatable; default: what is "
                   "open on the item, within the movement).")
@click.option("--reason", help="Why (kept in the decision log).")
@user_option
@rules_option
@click.pass_context
def review_assign(ctx: click.Context, review_id: int, item_ids: tuple[str, ...],
                  amounts: tuple[str, ...], reason: str | None, user: str | None,
                  rules_path: Path | None) -> None:
    """Apply the movement to items chosen by hand (remainder to suspense)."""
    lines = _item_amounts(item_ids, amounts)
    decision = _decide(ctx, rules_path, cashmatch.assign, review_id, lines, user, reason)
    click.echo(f"review {review_id}: assigned to {', '.join(item_ids)} (decision {decision})")


@review.command("writeoff")
@click.argument("review_id", type=int)
@click.option("--item", "item_ids", multiple=True, required=True, help="Item id (repeatable).")
@click.option("--reason", required=True, help="Why the difference is written off.")
@user_option
@rules_option
@click.pass_context
def review_writeoff(ctx: click.Context, review_id: int, item_ids: tuple[str, ...], reason: str,
                    user: str | None, rules_path: Path | None) -> None:
    """Settle items in full and write the small difference off (658 / 758); above
    tolerances.writeoff_approval_above it waits for an approver (review approve)."""
    done = _decide(ctx, rules_path, cashmatch.writeoff, review_id, list(item_ids), reason, user)
    if done.approval_id is not None:
        click.echo(f"review {review_id}: the write-off waits for an approver (request "
                   f"{done.approval_id}: `cashmatch review approve {done.approval_id}`)")
    else:
        click.echo(f"review {review_id}: settled with a write-off (decision {done.decision_id})")


@review.command("approvals")
@click.option("--status", default="pending", show_default=True,
              type=click.Choice(["pending", "approved", "rejected", "void", "all"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def review_approvals(ctx: click.Context, status: str, as_json: bool) -> None:
    """Write-off requests waiting for an approver (four eyes), or decided ones."""
    with _reading(ctx) as read:
        rows = read.list_approvals(None if status == "all" else status)
    if as_json:
        _dump(rows)
        return
    if not rows:
        click.echo(f"no {'' if status == 'all' else status + ' '}write-off requests")
    for r in rows:
        click.echo(f"{r['approval_id']:>5}  review {r['review_id']}  {r['difference']} "
                   f"{r['currency']}  {', '.join(r['items'])}  by {r['requested_by']} "
                   f"{r['requested_at']}  {r['status']}: {r['reason']}")


@review.command("approve")
@click.argument("approval_id", type=int)
@user_option
@rules_option
@click.pass_context
def review_approve(ctx: click.Context, approval_id: int, user: str | None,
                   rules_path: Path | None) -> None:
    """Approve a write-off request (someone other than the person who asked): it is posted."""
    decision = _decide(ctx, rules_path, cashmatch.approve_writeoff, approval_id, user)
    click.echo(f"write-off request {approval_id}: approved and posted (decision {decision})")


@review.command("reject")
@click.argument("approval_id", type=int)
@click.option("--reason", required=True, help="Why the write-off is turned down.")
@user_option
@click.pass_context
def review_reject(ctx: click.Context, approval_id: int, reason: str, user: str | None) -> None:
    """Turn a write-off request down (its line is open to any action again)."""
    with _session(ctx) as store:
        cashmatch.reject_writeoff(store, approval_id, reason, user)
    click.echo(f"write-off request {approval_id}: rejected")


@review.command("suspense")
@click.argument("review_id", type=int)
@click.option("--reason", required=True, help="Why it cannot be identified now.")
@user_option
@rules_option
@click.pass_context
def review_suspense(ctx: click.Context, review_id: int, reason: str, user: str | None,
                    rules_path: Path | None) -> None:
    """Book an unidentified movement on the suspense account (471) until it is known."""
    decision = _decide(ctx, rules_path, cashmatch.suspense, review_id, reason, user)
    click.echo(f"review {review_id}: booked in suspense (decision {decision})")


@cli.command()
@click.argument("movement_id", type=int)
@click.option("--item", "item_ids", multiple=True, required=True, help="Item id (repeatable).")
@click.option("--amount", "amounts", multiple=True, help="Amount per item (default: open).")
@click.option("--reason", help="Why (kept in the decision log).")
@user_option
@rules_option
@click.pass_context
def reclass(ctx: click.Context, movement_id: int, item_ids: tuple[str, ...],
            amounts: tuple[str, ...], reason: str | None, user: str | None,
            rules_path: Path | None) -> None:
    """Move money booked in suspense (471) to the items it pays, once identified."""
    lines = _item_amounts(item_ids, amounts)
    decision = _decide(ctx, rules_path, cashmatch.reclass, movement_id, lines, user, reason)
    click.echo(f"movement {movement_id}: reclassified (decision {decision})")


@review.command("ignore")
@click.argument("review_id", type=int)
@click.option("--reason", required=True, help="Why this movement is not to be matched.")
@user_option
@rules_option
@click.pass_context
def review_ignore(ctx: click.Context, review_id: int, reason: str, user: str | None,
                  rules_path: Path | None) -> None:
    """Take a movement out of matching, with a reason."""
    decision = _decide(ctx, rules_path, cashmatch.ignore, review_id, reason, user)
    click.echo(f"review {review_id}: ignored (decision {decision})")


@review.command("post")
@click.argument("review_id", type=int)
@click.option("--account", required=True, help="The account to post to (e.g. 627000).")
@click.option("--label", required=True, help="The label of the entry's line.")
@click.option("--vat-rate", callback=_parse_amount_opt,
              help="VAT included in the amount, in percent (e.g. 20): the account gets the "
                   "net amount, the VAT goes to the VAT account of the movement's direction.")
@click.option("--reason", help="Why (kept in the decision log).")
@user_option
@rules_option
@click.pass_context
def review_post(ctx: click.Context, review_id: int, account: str, label: str,
                vat_rate: Decimal | None, reason: str | None, user: str | None,
                rules_path: Path | None) -> None:
    """Post a movement straight to an account (a fee, a tax, a salary no rule took)."""
    decision = _decide(ctx, rules_path, cashmatch.post_to_account, review_id, account, label,
                       user, reason, vat_rate)
    click.echo(f"review {review_id}: posted to {account} (decision {decision})")


customer_options = [
    click.argument("review_id", type=int),
    click.option("--party", help="The customer (party id); default: the party of the best "
                                 "candidate, else the payer memory's."),
    click.option("--reason", help="Why (kept in the decision log)."),
    user_option, rules_option, click.pass_context]


@review.command("credit")
@_with(customer_options)
def review_credit(ctx: click.Context, review_id: int, party: str | None, reason: str | None,
                  user: str | None, rules_path: Path | None) -> None:
    """Keep a receipt that settles nothing (e.g. paid twice) as the customer's credit
    (411 with the party, or [ledger] overpayment_account)."""
    decision = _decide(ctx, rules_path, cashmatch.keep_as_credit, review_id, party, user,
                       reason)
    click.echo(f"review {review_id}: kept as the customer's credit (decision {decision})")


@review.command("refund")
@_with(customer_options)
def review_refund(ctx: click.Context, review_id: int, party: str | None, reason: str | None,
                  user: str | None, rules_path: Path | None) -> None:
    """Owe a receipt back to the customer (e.g. paid twice): an open item RMB-M<movement>
    payable to the customer, settled when the refund is paid out."""
    decision = _decide(ctx, rules_path, cashmatch.refund, review_id, party, user, reason)
    click.echo(f"review {review_id}: owed back to the customer (decision {decision})")


@review.command("reopen")
@click.argument("review_id", type=int)
@click.option("--reason", required=True, help="Why the decision is undone.")
@user_option
@rules_option
@click.pass_context
def review_reopen(ctx: click.Context, review_id: int, reason: str, user: str | None,
                  rules_path: Path | None) -> None:
    """Undo the decision taken on a review item (a reversal entry is posted)."""
    decision = _decide(ctx, rules_path, cashmatch.reopen, review_id, reason, user)
    click.echo(f"review {review_id}: reopened (decision {decision})")


@cli.command()
@click.argument("movement_id", type=int)
@click.option("--reason", required=True, help="Why the decision is undone.")
@user_option
@rules_option
@click.pass_context
def unmatch(ctx: click.Context, movement_id: int, reason: str, user: str | None,
            rules_path: Path | None) -> None:
    """Undo what was decided for a movement: a reversal entry is posted, the items reopen and
    the movement goes back to the review queue. Nothing is edited or deleted."""
    decision = _decide(ctx, rules_path, cashmatch.unmatch, movement_id, reason, user)
    click.echo(f"movement {movement_id}: decision undone (decision {decision})")


# -- exports ------------------------------------------------------------------------------

@cli.group()
def export() -> None:
    """Export matches or the journal as CSV, Parquet or JSON."""


def _export(ctx: click.Context, what: str, output: Path, fmt: str | None) -> None:
    fmt = fmt or output.suffix.lstrip(".").lower() or "csv"
    if fmt not in cashmatch.EXPORT_FORMATS:
        raise click.BadParameter(f"unknown format {fmt!r} (csv, parquet, json)",
                                 param_hint="--format")
    with _reading(ctx) as read:
        frame = (read.matches_frame() if what == "matches"
                 else read.journal_frame())
        n = cashmatch.write(frame, output, fmt)
    click.echo(f"{output}: {n} row(s) ({fmt})")


export_options = [
    click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
                 required=True),
    click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]),
                 help="Default: from the file name."),
]


@export.command("matches")
@_with(export_options)
@click.pass_context
def export_matches(ctx: click.Context, output: Path, fmt: str | None) -> None:
    """One row per allocation, suggestion and unmatched movement."""
    _export(ctx, "matches", output, fmt)


@export.command("journal")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File; for FEC, the folder to write <SIREN>FEC<AAAAMMJJ>.txt into (created "
                   "when its parent exists).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json", "fec"]),
              help="Default: from the file name.")
@click.option("--siren", help="FEC: the company's SIREN (9 digits, Luhn checked), for the file "
                              "name.")
@click.option("--year-end", callback=_parse_date,
              help="FEC: closing date of the fiscal year exported (entries outside it are "
                   "left out and counted).")
@click.option("--year-start", callback=_parse_date,
              help="FEC: first day of the fiscal year (default: the day after the same date a "
                   "year before the closing date).")
@click.option("--separator", type=click.Choice(["tab", "pipe"]), default="tab", show_default=True,
              help="FEC: field separator.")
@rules_option
@click.pass_context
def export_journal(ctx: click.Context, output: Path, fmt: str | None, siren: str | None,
                   year_end: date | None, year_start: date | None, separator: str,
                   rules_path: Path | None) -> None:
    """One row per journal line, with lettrage and the decision behind it (or the FEC of one
    fiscal year)."""
    if fmt != "fec":
        if output.is_dir():
            raise click.BadParameter("give a file name", param_hint="-o")
        _export(ctx, "journal", output, fmt)
        return
    if not siren or not year_end:
        raise click.UsageError("a FEC needs --siren and --year-end")
    rules = _rules(rules_path)
    with _reading(ctx) as read:
        made = read.fec_file(rules, siren, year_end, year_start,
                             "\t" if separator == "tab" else "|")
    with _errors():
        done = made.save(output)
    click.echo(f"{done.path}: {done.lines} line(s), {done.entries} entrie(s) of the fiscal "
               f"year {done.first_day} to {done.closing} (FEC)")
    if done.before or done.after:
        click.echo(f"left out: {done.before} entrie(s) dated before {done.first_day}, "
                   f"{done.after} after {done.closing}")


@cli.group()
def fec() -> None:
    """FEC files (the French legal audit export)."""


@fec.command("check")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def fec_check(file: Path) -> None:
    """Check a FEC file against the format's rules; print every problem."""
    problems = cashmatch.check_fec(file)
    for p in problems:
        click.echo(f"{file}: {p}")
    click.echo(f"{file}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    if problems:
        sys.exit(1)


# -- reports ------------------------------------------------------------------------------

@cli.group()
def report() -> None:
    """Receivables and matching reports: tables, --json / --csv, PNG charts."""


def _plain(value: object) -> object:
    from cashmatch.encoding import plain

    return plain(value)


def _table(rows: list[dict[str, Any]], columns: list[str], as_json: bool, as_csv: bool) -> None:
    if as_json:
        _dump(rows)
        return
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([_plain(r[c]) if r[c] is not None else "" for c in columns])
        return
    cells = [[("" if r[c] is None else str(_plain(r[c])
                                       if not isinstance(r[c], str) else r[c])) for c in columns]
             for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        click.echo("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))


output_flags = [click.option("--json", "as_json", is_flag=True),
                click.option("--csv", "as_csv", is_flag=True)]
as_of_option = click.option("--as-of", callback=_parse_date,
                            help="Report date (default: today), YYYY-MM-DD.")


@report.command("aged")
@as_of_option
@_with(output_flags)
@click.option("--png", type=click.Path(path_type=Path, dir_okay=False), help="Also draw a chart.")
@click.pass_context
def report_aged(ctx: click.Context, as_of: date | None, as_json: bool, as_csv: bool,
                png: Path | None) -> None:
    """Aged balance per customer: not due, 1-30, 31-60, 61-90, > 90 days past due."""
    day = as_of or date.today()
    with _reading(ctx) as read:
        rows = read.aged_balance(day)
    _table(rows, ["party_id", "party_name", "currency", *cashmatch.AGED_BUCKETS, "unapplied",
                  "total"], as_json, as_csv)
    if png:
        cashmatch.aged_balance_chart(rows, str(png), day)
        click.echo(f"chart: {png}", err=True)


@report.command("bankrec")
@click.option("--as-of", callback=_parse_date, required=True,
              help="The day whose closing position is reconciled, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True)
@rules_option
@click.pass_context
def report_bankrec(ctx: click.Context, as_of: date, as_json: bool,
                   rules_path: Path | None) -> None:
    """The reconciliation statement (état de rapprochement) of each bank account: statement
    balance = ledger balance (512) + movements not yet posted; gaps between statements."""
    rules = _rules(rules_path)
    with _reading(ctx) as read:
        accounts = read.bank_reconciliation(rules, as_of)
    if as_json:
        _dump(accounts)
        return
    if not accounts:
        click.echo(f"no bank movement nor statement by {as_of}")
    for a in accounts:
        _print_bankrec(a)


def _print_bankrec(a: dict[str, Any]) -> None:
    ccy = a["currency"]
    click.echo(f"{a['account'] or '(no account)'}  {a['bank_account']}  journal {a['journal']}"
               f"  at the end of {a['as_of']}, {ccy}")
    shown = "unknown" if a["statement_balance"] is None else f"{a['statement_balance']} {ccy}"
    click.echo(f"  statement balance   {shown:>22}   {a['statement_source']}")
    click.echo(f"  ledger balance      {str(a['ledger_balance']) + ' ' + ccy:>22}   "
               f"{a['bank_account']}, after {a['ledger_opening']} ({a['ledger_opening_source']})")
    click.echo(f"  not yet posted      {str(a['unposted_total']) + ' ' + ccy:>22}   "
               f"{len(a['unposted'])} movement(s)")
    for u in a["unposted"]:
        where = f"review {u['review_id']}" if u["review_id"] else "not in review"
        click.echo(f"    {u['booking_date']}  movement {u['movement_id']:<7} {u['unposted']:>14}"
                   f"  {(u['counterparty_name'] or '')[:24]:24} {u['remittance'][:40]} ({where})")
    for g in a["gaps"]:
        click.echo(f"  gap: {g['file']} opens on {g['opening_date']} at {g['opening']}, but "
                   f"{g['previous_file']} closed on {g['previous_closing_date']} at "
                   f"{g['previous_closing']}: {g['gap']} {ccy} of movements never received")
    if a["difference"] is not None:
        verdict = {"reconciled": "statement = ledger + not yet posted",
                   "gaps": "the movements of the missing statement(s)"}.get(a["state"],
                                                                              a["state"])
        click.echo(f"  difference          {str(a['difference']) + ' ' + ccy:>22}   {verdict}")


@report.command("dso")
@as_of_option
@click.option("--months", type=int, default=3, show_default=True, help="Months of sales.")
@_with(output_flags)
@click.pass_context
def report_dso(ctx: click.Context, as_of: date | None, months: int, as_json: bool,
               as_csv: bool) -> None:
    """Days sales outstanding: simple ratio and countback, over the last months' sales."""
    from dataclasses import asdict

    with _reading(ctx) as read:
        rows = [asdict(d) for d in read.dso(as_of or date.today(), months)]
    _table(rows, ["currency", "receivables", "sales", "months", "simple_ratio", "countback"],
           as_json, as_csv)
    if not (as_json or as_csv):
        click.echo("simple ratio = receivables / sales of the period x days of the period; "
                   "countback = days of sales, most recent month first, that the receivables "
                   "represent. Sales are the customer invoices imported into cashmatch.")


@report.command("delays")
@_with(output_flags)
@click.pass_context
def report_delays(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """Average payment delay per customer (days after the due date, weighted by amount)."""
    with _reading(ctx) as read:
        rows = read.payment_delays()
    _table(rows, ["party_id", "party_name", "currency", "items", "paid", "average_delay_days"],
           as_json, as_csv)


@report.command("today")
@click.option("--day", callback=_parse_date, help="The day (default: today), YYYY-MM-DD.")
@_with(output_flags)
@click.pass_context
def report_today(ctx: click.Context, day: date | None, as_json: bool, as_csv: bool) -> None:
    """What came in on a day and what became of it: per outcome, direction and currency."""
    with _reading(ctx) as read:
        summary = read.day_summary(day or date.today())
    if as_json:
        _dump(summary)
        return
    _table(summary["outcomes"], ["outcome", "direction", "currency", "n", "total"], False,
           as_csv)


@report.command("kpis")
@as_of_option
@_with(output_flags)
@click.option("--png", type=click.Path(path_type=Path, dir_okay=False), help="Also draw a chart.")
@click.pass_context
def report_kpis(ctx: click.Context, as_of: date | None, as_json: bool, as_csv: bool,
                png: Path | None) -> None:
    """Matching per booking day (automatic, by a person, open) and the review backlog."""
    with _reading(ctx) as read:
        rows = read.matching_kpis()
        backlog = read.review_backlog(as_of or date.today())
    if as_json:
        _dump({"days": rows, "review_backlog": backlog})
    else:
        _table(rows, ["day", "currency", "auto", "manual", "ignored", "posted", "open",
                      "auto_rate",
                      "auto_amount", "manual_amount", "open_amount"], False, as_csv)
        if not as_csv:
            click.echo(f"review backlog: {backlog['open_items']} open, oldest booked "
                       f"{backlog['oldest_booking_date']}, median age "
                       f"{backlog['median_age_days']} days")
    if png:
        cashmatch.kpi_chart(rows, str(png))
        click.echo(f"chart: {png}", err=True)


# -- service ------------------------------------------------------------------------------

@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default).")
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--tokens", "tokens_file", type=click.Path(path_type=Path, exists=True,
                                                         dir_okay=False),
              help="TOML file of bearer tokens ([tokens.NAME] token=..., role=viewer|reviewer|"
                   "approver|admin); also $CASHMATCH_TOKENS=token:reviewer,other:viewer.")
@click.option("--session-hours", type=click.FloatRange(min=0.1), default=10.0,
              show_default=True, help="How long a sign-in to the pages lasts.")
@rules_option
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, tokens_file: Path | None,
          session_hours: float, rules_path: Path | None) -> None:
    """Run the HTTP service and the review pages over the store (its single writer); the
    command line reads through it meanwhile."""
    import secrets

    import uvicorn

    from cashmatch.http.app import create_app, load_tokens
    from cashmatch.http.auth import Credential
    from cashmatch.remote import leave_note, take_note

    own = secrets.token_urlsafe(32)
    with _errors():
        tokens = load_tokens(tokens_file)
        app = create_app(ctx.obj["db"], {**tokens, own: Credential("cli", "viewer")},
                         rules_path or cashmatch.default_rules_path(),
                         session_hours=session_hours)
        store = app.state.service.store
        if not tokens and not cashmatch.list_users(store):
            store.close()
            raise click.UsageError("nobody could sign in: give --tokens FILE, set "
                                   "$CASHMATCH_TOKENS, or add users (cashmatch users add)")
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    leave_note(ctx.obj["db"], f"http://{reachable}:{port}", own)
    app.state.closers.append(lambda: take_note(ctx.obj["db"]))
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        take_note(ctx.obj["db"])


# -- users --------------------------------------------------------------------------------

@cli.group()
def users() -> None:
    """People who sign in to the pages or use a personal token, with their roles."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["viewer", "reviewer", "approver",
                                                           "admin"]))
@click.option("--password", "ask_password", is_flag=True,
              help="Ask for a password (at least 10 characters; read from stdin when piped).")
@click.option("--token", "make_token", is_flag=True,
              help="Make a personal token for the API and print it (once).")
@user_option
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, ask_password: bool, make_token: bool,
              user: str | None) -> None:
    """Add a user with a role and a password, a personal token, or both."""
    import secrets

    password = (click.prompt("password", hide_input=True, confirmation_prompt=True)
                if ask_password else None)
    token = secrets.token_urlsafe(24) if make_token else None
    with _session(ctx) as store:
        cashmatch.add_user(store, name, role, password, token, cashmatch.current_user(user))
    click.echo(f"user {name} added ({role})")
    if token:
        click.echo(f"personal token (shown once): {token}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Users with their roles and which secrets they have (never the secrets). While a
    service holds the store, an admin token lists them over HTTP (GET /users)."""
    with _session(ctx, read_only=True) as store:
        rows = cashmatch.list_users(store)
    if as_json:
        _dump(rows)
        return
    for u in rows:
        state = f"disabled {u['disabled_at']}" if u["disabled_at"] else "active"
        secrets = " ".join(f"{what} {'yes' if u[key] else 'no':3}" for what, key in (
            ("password", "has_password"), ("token", "has_token")))
        click.echo(f"{u['user_name']:20} {u['role']:9} {secrets} {state}")


@users.command("disable")
@click.argument("name")
@user_option
@click.pass_context
def users_disable(ctx: click.Context, name: str, user: str | None) -> None:
    """Stop a user from signing in or using their token; their sessions end."""
    with _session(ctx) as store:
        cashmatch.disable_user(store, name, cashmatch.current_user(user))
    click.echo(f"user {name} disabled")


# -- demo ---------------------------------------------------------------------------------

@cli.command()
@click.option("--samples", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Folder with statements and open_items.csv (default: sample_statements/).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default="demo-out",
              show_default=True, help="Where to write the store and the exports.")
def demo(samples: Path | None, out: Path) -> None:
    """Run the whole pipeline on the bundled samples into a fresh store."""
    rules = _rules(None)
    with _errors():
        done = cashmatch.demo(rules, out, samples)
    result = done.run
    click.echo(f"store: {done.store}")
    click.echo(f"{result.items.rows if result.items else 0} open item(s) from {done.items_file}")
    _print_import(result.imported)
    _print_match(result.matched)
    click.echo("\nsome matches:")
    for status in ("auto", "suggested", "unmatched", "ignored"):
        for row in done.matches.filter(done.matches["status"] == status).head(3).iter_rows(
                named=True):
            click.echo(f"  [{row['status']}] movement {row['transaction_id']} {row['amount']} "
                       f"{row['currency']} → {row['item_id'] or '-'}: {row['explanation']}")
    for path, rows in done.written:
        click.echo(f"wrote {path} ({rows} rows)")


def main() -> None:
    from cashmatch.bulk import tune_allocator

    tune_allocator()
    cli(obj={})


if __name__ == "__main__":  # pragma: no cover
    main()
