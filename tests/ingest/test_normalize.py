"""The normalise stage: each key has one definition, and its column or SQL form agrees with it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import cashmatch
from cashmatch.ingest import normalize
from tests.conftest import ITEM_HEADER, STATEMENT_HEADER, item, movement, write_csv

TEXTS = st.text(alphabet=st.sampled_from(list("aZ09 \t\u00a0\u2003-./éÉçßØ&\u0301")), max_size=30)


_MEMORY = cashmatch.Store.open(":memory:")


def _sql(expr: str, value: str | None) -> str:
    """``expr`` (written over ``$x``) evaluated by the store for ``value``."""
    return str(_MEMORY.scalar(f"SELECT {expr.replace('$x', 'x')} FROM (SELECT ?::VARCHAR AS x)",
                              [value]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXTS), max_size=20))
def test_iban_column_form_agrees_with_the_definition(values: list[str | None]) -> None:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    column = frame.select(normalize.iban_expr(pl.col("x"))).to_series().to_list()
    assert column == [normalize.iban(v) for v in values]


def test_iban_is_compact_and_upper_case() -> None:
    assert normalize.iban(" fr76 3000 4000\t0312 ") == "FR76300040000312"
    assert normalize.iban("   ") is None
    assert normalize.iban(None) is None


def _folded(text: str) -> str:
    """The text key as the glossary defines it, written independently of the SQL."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text)
                     if not unicodedata.combining(c))
    return re.sub(r"[^A-Z0-9]", "", folded.upper())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09 -./éÉçà\u0301")), max_size=30))
def test_text_key_folds_accents_and_drops_separators(text: str) -> None:
    assert _sql(normalize.text_key_sql("$x"), text) == _folded(text)


def test_name_examples() -> None:
    cases = {"Dupont S.A.R.L.": "DUPONT", "SARL DUPONT": "DUPONT", "Martin & Fils SAS":
             "MARTIN ET FILS", "Société Générale": "SOCIETE GENERALE", "SA SARL": "SA SARL",
             "ACME GmbH & Co. KG": "ACME", "Bois & Cie": "BOIS", "SARL BOIS ET COMPAGNIE": "BOIS",
             "König Logistik": "KOENIG LOGISTIK", "Koenig Logistik": "KOENIG LOGISTIK",
             "Straße Œuvre": "STRASSE OEUVRE", "": ""}
    for raw, expected in cases.items():
        assert _sql(normalize.name_sql("$x"), raw) == expected, raw


def test_an_accented_reference_is_the_same_key_on_both_sides(tmp_path: Path) -> None:
    """``FACTÉ-2026-0042`` in the ledger, "facte 2026 0042" and "FACTÉ/2026/0042" on the bank
    side: the exact-reference rule finds it each time."""
    items = write_csv(tmp_path / "items.csv", ITEM_HEADER,
                      [item("I1", "100.00", ref="FACTÉ-2026-0042"),
                       item("I2", "250.00", ref="FACTÉ-2026-0043")])
    bank = write_csv(tmp_path / "bank.csv", STATEMENT_HEADER,
                     [movement("100.00", "VIR facte 2026 0042", bank_ref="B1"),
                      movement("250.00", "FACTÉ/2026/0043", bank_ref="B2")])
    with cashmatch.Store.open(tmp_path / "s.duckdb") as store:
        cashmatch.import_items(store, items)
        cashmatch.import_statements(store, [bank])
        cashmatch.run_match(store, cashmatch.load_rules(None))
        rows = cashmatch.matches_frame(store).filter(pl.col("status") == "auto")
    found = {r["item_id"]: r["evidence"] for r in rows.to_dicts()}
    assert set(found) == {"I1", "I2"}
    assert all('"ref_level":"exact"' in ev for ev in found.values())
