"""The party rules keep, per movement, the items the blocking module says they keep: the
payer's own party's first (for party_name), then the oldest due, then by id, at most the cap
of them, among the items that can take part in settling the payment. Checked against the
same choice made the plain way, item by item, on generated ledgers."""

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cashmatch.config import AliasRule, Rules, Tolerances
from cashmatch.ingest.items import import_items
from cashmatch.ingest.statements import import_statements
from cashmatch.match import candidates as blocking
from cashmatch.match.evidence import cents
from cashmatch.match.text_rules import named_payers
from cashmatch.match.workspace import Workspace
from cashmatch.store import Store
from tests.conftest import ITEM_HEADER, STATEMENT_HEADER, item, movement, write_csv

IBAN = "FR7630004000031234567890143"
#: Names sharing their first 12 letters, one the start of another, and a short one.
NAMES = ["ETABLISSEMENTS MARTIN", "ETABLISSEMENTS MARTINEZ", "ETABLISSEMENTS DUPONT",
         "DUPONT", "DUPONT FRERES"]
DUES = ["2026-01-10", "2026-01-20", "2026-02-01", ""]


def _settles(open_minor: int, amount: int, tol: Tolerances) -> bool:
    """:func:`cashmatch.match.candidates._can_settle`, for one item and one payment."""
    short_max = cents(max(tol.fee_max, tol.rounding_max))
    short_max_bp = int(tol.discount_max_percent * 100)
    return ((open_minor > 0) != (amount > 0) or abs(open_minor) <= abs(amount)
            or (open_minor > 0 and amount > 0
                and (open_minor - amount <= short_max
                     or (open_minor - amount - 1) * 10_000 <= open_minor * short_max_bp)))


def _oldest_first(rows: list[tuple[str, date | None, bool]], cap: int) -> set[str]:
    """Item ids of ``rows`` (id, due, later), those not ``later`` first, then by due date
    (undated last), then id: the first ``cap``."""
    ordered = sorted(rows, key=lambda r: (r[2], r[1] is None, r[1] or date.min, r[0]))
    return {r[0] for r in ordered[:cap]}


ledgers = st.lists(st.tuples(st.integers(0, len(NAMES) - 1), st.sampled_from(DUES),
                             st.integers(-5_000, 60_000).filter(bool), st.booleans()),
                   min_size=1, max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledger=ledgers, payer=st.integers(0, len(NAMES) - 1),
       amount=st.integers(1, 50_000), cap=st.integers(1, 6), by_iban=st.booleans(),
       by_rule=st.booleans())
def test_party_rules_keep_the_payers_own_then_the_oldest(ledger, payer, amount, cap,
                                                         by_iban, by_rule) -> None:
    """(``by_rule``: an ``[[alias]]`` rule names the payer's party as well, so that the party
    is known two ways: its items still count once each against the cap.)"""
    tol = Rules().tolerances
    aliases = (AliasRule("payer", f"C{payer}", iban=IBAN),) if by_rule else ()
    items = [item(f"FA-{n:03d}", f"{c / 100:.2f}", party=f"C{p}", name=NAMES[p], due=due,
                  kind="invoice" if c > 0 else "credit_note",
                  iban=IBAN if known and p == payer else "")
             for n, (p, due, c, known) in enumerate(ledger)]
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.duckdb") as store:
        import_items(store, write_csv(Path(tmp) / "items.csv", ITEM_HEADER, items))
        import_statements(store, [write_csv(Path(tmp) / "bank.csv", STATEMENT_HEADER, [
            movement(f"{amount / 100:.2f}", "VIREMENT", name=NAMES[payer],
                     iban=IBAN if by_iban else "")])])
        with_aliases = Rules(aliases=aliases)
        with Workspace(store, with_aliases) as ws:
            ids = ws.open().get_column("movement_id").to_list()
            ws.pairs(with_aliases, ids, named_payers(ws.texts(), with_aliases))
            rules = {r.name: r for r in blocking.rules(cap, tol)}
            found = {name: {i for (i,) in store.rows(f"SELECT item_id FROM ({rules[name].sql})")}
                     for name in ("party_name", "payer_party")}
            ((m_name, m_amount),) = store.rows(
                "SELECT name_norm, amount_minor FROM cm_tmp_movements")
            open_items = store.rows("SELECT item_id, name_norm, party_id, open_minor, due_date "
                                    "FROM cm_tmp_open_items")
            payers = {p for (p,) in store.rows("SELECT party_id FROM cm_tmp_payer")}
    usable = [(i, name, party, due) for i, name, party, o, due in open_items
              if _settles(o, m_amount, tol)]
    by_name = [(i, due, not name.startswith(m_name)) for i, name, _, due in usable
               if len(m_name) >= 4 and name[:12] == m_name[:12]]
    assert found["party_name"] == _oldest_first(by_name, cap)
    by_party = [(i, due, False) for i, _, party, due in usable if party in payers]
    assert found["payer_party"] == _oldest_first(by_party, cap)
    # without its IBAN, a payer whose own name is a party's is known as that party alone
    if not by_iban and any(p == payer for p, *_ in ledger):
        assert payers == {f"C{payer}"}
