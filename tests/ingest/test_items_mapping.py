"""An ERP's items export read through a TOML column mapping."""

from decimal import Decimal
from pathlib import Path

import pytest

from cashmatch.errors import ConfigError, ItemsError
from cashmatch.ingest.items import import_items
from cashmatch.ingest.items_mapping import load_items_mapping
from cashmatch.ledger.history import list_items
from cashmatch.store import Store


def _items(store: Store) -> dict[str, dict]:
    return {r["item_id"]: r for r in list_items(store)}


def test_an_erp_export_through_a_mapping_reports_every_bad_cell(store: Store,
                                                                tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    example = (root / "rules" / "csv" / "example_items.toml").read_text(encoding="utf-8")
    assert load_items_mapping(root / "rules" / "csv" / "example_items.toml").decimal == ","
    kept = [ln for ln in example.splitlines() if not ln.startswith(
        ("account =", "party_iban =", "reference =", "currency =", "description ="))]
    (tmp_path / "erp.toml").write_text("\n".join(kept), encoding="utf-8")
    mapping = load_items_mapping(tmp_path / "erp.toml")
    head = ("N° pièce;Type;Code tiers;Raison sociale;Date pièce;Échéance;Montant TTC;"
            "Reste dû;Dernier lettrage;Autre\n")
    good = tmp_path / "erp.csv"
    good.write_bytes((head + "FA-1;Facture;C1;DUPONT;03/01/2026;02/02/26;1 250,50;1 000,00;AAF;x\n"
                      "AV-1;Avoir;C1;DUPONT;04/01/2026;;-80,00;;;y\n").encode("latin-1"))
    r = import_items(store, good, mapping)
    got = _items(store)
    assert r.new == 2 and got["FA-1"]["amount"] == Decimal("1250.50")
    assert got["FA-1"]["open_amount"] == Decimal("1000.00")
    assert str(got["FA-1"]["due_date"]) == "2026-02-02" and got["AV-1"]["kind"] == "credit_note"
    bad = tmp_path / "bad.csv"
    bad.write_bytes((head + "FA-2;Facture;C1;X;31/02/2026;;12,345;;AB;x\n"
                     "FA-3;Facture;C1;X;01/02/2026;;12.34;;;x\n"
                     "FA-4;Devis;C1;X;01/02/2026;;5,00;;;x\n").encode("latin-1"))
    with pytest.raises(ItemsError) as caught:
        import_items(store, bad, mapping)
    found = [(p.location.line, p.location.element, p.message) for p in caught.value.problems]
    assert [(line, where) for line, where, _ in found] == [
        (2, "column issue_date"), (2, "column last_lettrage"), (2, "column amount"),
        (3, "column amount"), (4, "column kind")]
    assert "31/02/2026 is not a date (%d/%m/%Y or %d/%m/%y)" in found[0][2]
    assert "12,345 has more decimals than EUR allows" in found[2][2]
    assert "12.34 is not an amount (digits, optional comma and decimals)" in found[3][2]
    assert len(_items(store)) == 2  # nothing imported


def test_a_mapping_with_errors_names_each_key(tmp_path: Path) -> None:
    f = tmp_path / "m.toml"
    f.write_text('decimal = ";"\ncolour = 1\n[columns]\nid = "N"\nmontant = "M"\n'
                 '[kinds]\nFacture = "bill"\n')
    with pytest.raises(ConfigError) as caught:
        load_items_mapping(f)
    assert caught.value.errors == [
        ("colour: unknown key (known: columns, date_formats, decimal, delimiter, encoding, "
         "kinds, name, quotechar, thousands)"),
        ("columns.montant: unknown column (known: id, kind, account, party_id, party_name, "
         "party_iban, reference, issue_date, due_date, amount, currency, description, "
         "open_amount, book_amount, book_currency, discount_until, discount_rate, "
         "last_lettrage)"),
        "columns.amount: required",
        ("kinds.Facture: 'bill' is not a kind (invoice, credit_note, supplier_invoice, "
         "supplier_credit_note, entry)"), "decimal: must be '.' or ','"]


@pytest.mark.parametrize("text, message", [
    ('encoding = "klingon"\n[columns]\nid = "N"\namount = "M"\n', "encoding: 'klingon'"),
    ('delimiter = ";;"\n[columns]\nid = "N"\namount = "M"\n', "delimiter: one character"),
])
def test_a_mapping_that_could_not_read_a_file_is_refused(tmp_path: Path, text: str,
                                                         message: str) -> None:
    f = tmp_path / "m.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_items_mapping(f)
    assert any(e.startswith(message) for e in caught.value.errors), caught.value.errors
