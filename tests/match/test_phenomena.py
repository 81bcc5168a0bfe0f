"""One small case per phenomenon of real payments: what is applied, and how it is posted."""


import pytest

import cashmatch
from cashmatch.config import Matching, Rules
from cashmatch.ingest.items import import_items
from cashmatch.ingest.normalize import rf_encode
from cashmatch.ingest.statements import import_statements
from cashmatch.match.run import run_match
from tests.conftest import applied, item, journal_lines, movement

IBAN = "FR7630004000031234567890143"
OTHER_IBAN = "DE89370400440532013000"
FOREIGN_IBAN = "CH9300762011623852957"
FEE = "627000"


def run(store, rules, statements_file, items_file, items, movements):
    import_items(store, items_file(*items))
    import_statements(store, [statements_file(*movements)])
    return run_match(store, rules)


def lines(store, movement_id: int = 1) -> list[tuple[str, int, int]]:
    return [(account, debit, credit)
            for account, _, debit, credit, _ in journal_lines(store, movement_id)]


def candidates(store, movement_id: int = 1) -> list[dict[str, object]]:
    """The ranked candidates of the movement's review item."""
    (review,) = [r for r in cashmatch.list_reviews(store) if r["movement_id"] == movement_id]
    return cashmatch.show_review(store, review["review_id"])["candidates"]


@pytest.mark.parametrize("text", [
    "Facture n° FA-2026-004512", "FA2026004512", "fa 2026 004512", "REGLEMENT 004512 MERCI",
    "VIR SEPA RECU /DE X /MOTIF FACT FA-2026-004512 DU 12/03/2026 /REF E2E-1",
    "CDE 88123 FACT FA-2026-004512 CLIENT 0042",
])
def test_reference_shapes(store, rules, statements_file, items_file, text) -> None:
    s = run(store, rules, statements_file, items_file,
            [item("FA-2026-004512", "812.40"), item("FA-2026-004513", "812.40")],
            [movement("812.40", text, name="Client Un")])
    assert s.auto == 1 and applied(store) == {1: {"FA-2026-004512": 81240}}


def test_rf_creditor_reference(store, rules, statements_file, items_file) -> None:
    rf = rf_encode("FA-2026-004512")
    assert run(store, rules, statements_file, items_file, [item("FA-2026-004512", "99.00")],
               [movement("99.00", "", ref=rf)]).auto == 1


@pytest.mark.parametrize("typo", ["FA-2026-004521", "FA-2026-004612", "FA-2026-00412"])
def test_reference_with_a_typo(store, rules, statements_file, items_file, typo) -> None:
    s = run(store, rules, statements_file, items_file, [item("FA-2026-004512", "640.00")],
            [movement("640.00", f"FACTURE {typo}", name="CLIENT UN")])
    assert s.auto == 1


def test_known_iban_without_reference(store, rules, statements_file, items_file) -> None:
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "410.00", iban=IBAN), item("FA-2", "95.00", iban=IBAN)],
            [movement("410.00", "VIREMENT", iban=IBAN)])
    assert s.auto == 1 and applied(store) == {1: {"FA-1": 41000}}


def test_the_partys_own_name_and_its_exact_amount(store, rules, statements_file,
                                                  items_file) -> None:
    """No reference, no known IBAN: the payer's name is the party's own (legal form moved,
    accents and case as the bank writes them; or cut at 35 characters) and one open item of
    that party has exactly the amount."""
    long_name = "Société Générale de Boulangerie et Pâtisserie du Centre SARL"
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "410.00", name="Boulangerie Dupont SARL"), item("FA-2", "95.00"),
             item("FA-3", "77.10", party="C3", name=long_name)],
            [movement("410.00", "VIREMENT", name="SARL BOULANGERIE DUPONT"),
             movement("77.10", "PAIEMENT", name=long_name.upper()[:35])])
    assert s.auto == 2 and applied(store) == {1: {"FA-1": 41000}, 2: {"FA-3": 7710}}
    assert cashmatch.decision_log(store, 1)[0]["explanation"] == (
        "No reference to FA-1; amount 410.00 EUR equals the open amount; payer name is that "
        "of Boulangerie Dupont SARL")


@pytest.mark.parametrize(("payer", "ledger"), [
    ("DUPONT", "Dupont et Fils SARL"),      # a part of the party's name
    ("DUPONT ET FILS DISTRIBUTION", "Dupont et Fils SARL"),  # more than the party's name
    ("DUPOND ET FILS", "Dupont et Fils SARL"),               # a name like it
])
def test_a_name_that_is_not_the_partys_own_is_not_enough(store, rules, statements_file,
                                                         items_file, payer, ledger) -> None:
    s = run(store, rules, statements_file, items_file, [item("FA-1", "410.00", name=ledger)],
            [movement("410.00", "VIREMENT", name=payer)])
    assert (s.auto, s.review) == (0, 1)


def test_two_parties_of_one_name_are_not_told_apart_by_name(store, rules, statements_file,
                                                            items_file) -> None:
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "410.00", name="MARTIN SARL"),
             item("FA-2", "410.00", party="C2", name="Martin SAS")],
            [movement("410.00", "VIREMENT", name="MARTIN")])
    assert (s.auto, s.review) == (0, 1)


def test_parties_sharing_their_first_words_do_not_crowd_out_the_payers_own(
        store, rules, statements_file, items_file) -> None:
    """Many parties' names start alike; their older items must not push the payer's own
    unquoted invoice out of the candidates (the quoted one would then be read alone, as an
    over-payment)."""
    crowd = [item(f"FA-2025-{k:04d}", "10.00", party=f"C9{k:03d}",
                  name=f"ETABLISSEMENTS MARTIN {k}", due="2025-06-01")
             for k in range(rules.matching.candidates_per_rule + 5)]
    own = "ETABLISSEMENTS DUPONT SAS"
    s = run(store, rules, statements_file, items_file,
            [*crowd, item("FA-2026-0800", "15200.59", name=own),
             item("FA-2026-0809", "3925.24", name=own, due="2026-02-28")],
            [movement("19125.83", "FACTURES FA-2026-0800", name=own)])
    assert s.auto == 1 and applied(store) == {1: {"FA-2026-0800": 1520059,
                                                  "FA-2026-0809": 392524}}


def test_several_invoices_and_a_credit_note(store, rules, statements_file, items_file) -> None:
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "1200.00"), item("FA-2", "300.00"), item("AV-1", "-150.00", kind="credit_note"),
             item("FA-3", "77.00")],
            [movement("1350.00", "FACTURES FA-1 FA-2 AVOIR AV-1")])
    assert s.auto == 1 and applied(store) == {1: {"FA-1": 120000, "FA-2": 30000, "AV-1": -15000}}
    assert sorted(lines(store)) == [("411000", 0, 30000), ("411000", 0, 120000),
                                    ("411000", 15000, 0), ("512000", 135000, 0)]


def test_instalments_then_balance(store, rules, statements_file, items_file) -> None:
    import_items(store, items_file(item("FA-1", "1000.00", iban=IBAN)))
    import_statements(store, [statements_file(movement("400.00", "ACOMPTE FA-1", iban=IBAN, bank_ref="1"))])
    assert run_match(store, rules).auto == 1
    import_statements(store, [statements_file(movement("600.00", "SOLDE FA-1", iban=IBAN, bank_ref="2"))])
    assert run_match(store, rules).auto == 1
    assert applied(store) == {1: {"FA-1": 40000}, 2: {"FA-1": 60000}}


#: Early-payment terms: 2 % if paid by 15 February (the movements are booked on the 10th).
TERMS = {"discount_until": "2026-02-15", "discount_rate": "0.02"}


@pytest.mark.parametrize("paid, text, account, debit", [
    ("1188.00", "FACT FA-1", "627000", 1200),             # intermediary bank fee
    ("1176.00", "FACT FA-1 ESCOMPTE 2%", "665000", 2400),  # early-payment discount
    ("1199.97", "FACT FA-1", "658000", 3),                 # rounding
])
def test_short_payments_post_the_difference(store, rules, statements_file, items_file, paid, text,
                                            account, debit) -> None:
    assert run(store, rules, statements_file, items_file, [item("FA-1", "1200.00", **TERMS)],
               [movement(paid, text)]).auto == 1
    assert applied(store) == {1: {"FA-1": 120000}}
    assert (account, debit, 0) in lines(store)


@pytest.mark.parametrize(("iban", "posted"), [(FOREIGN_IBAN, True), (IBAN, False)])
def test_a_bank_charge_is_kept_only_on_a_transfer_from_abroad(
        store, rules, statements_file, items_file, iban, posted) -> None:
    """18.00 short of a quoted invoice: an intermediary bank's charge on a transfer from
    Switzerland; from an account in France (ours is too) no intermediary bank takes one, so
    it is a part payment for a person to look at."""
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "174.00", iban=iban)], [movement("156.00", "FACTURE FA-1", iban=iban)])
    if posted:
        assert s.auto == 1 and (FEE, 1800, 0) in lines(store)
    else:
        assert (s.auto, s.review) == (0, 1)
        assert cashmatch.list_reviews(store)[0]["reason"] == "partial"


@pytest.mark.parametrize("terms", [
    {},                                                           # the item grants none
    {"discount_until": "2026-02-01", "discount_rate": "0.02"},    # its period is over
])
def test_a_discount_the_terms_do_not_grant_waits_for_a_person(store, rules, statements_file,
                                                              items_file, terms) -> None:
    """Read as a bank fee or a part payment, the shortfall would be posted; the text says it is
    a discount, and the item's terms do not grant it."""
    s = run(store, rules, statements_file, items_file, [item("FA-1", "1200.00", **terms)],
            [movement("1176.00", "FACT FA-1 ESCOMPTE 2%")])
    assert (s.auto, s.review) == (0, 1)
    (review,) = cashmatch.list_reviews(store)
    assert review["reason"] == "discount_unearned"


@pytest.mark.parametrize(("paid", "text", "iban", "kind"), [
    ("395.00", "VIREMENT", FOREIGN_IBAN, "fee"),
    ("401.80", "VIREMENT ESCOMPTE", IBAN, "discount")])
def test_a_known_payer_paying_short_without_a_reference(store, rules, statements_file,
                                                        items_file, paid, text, iban,
                                                        kind) -> None:
    """The payer is known by its IBAN and quotes nothing; a bank fee or a discount came off
    the invoice. Nothing says which invoice, so it is reviewed, with that invoice first
    (the party rules used to skip every item larger than the payment)."""
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "410.00", iban=iban, **TERMS), item("FA-2", "95.00", iban=iban)],
            [movement(paid, text, iban=iban)])
    assert (s.auto, s.review) == (0, 1)
    first = candidates(store)[0]
    assert [a["item_id"] for a in first["allocations"]] == ["FA-1"]
    assert first["evidence"]["amount_level"] == kind


def test_an_over_payment_waits_for_a_person(store, rules, statements_file, items_file) -> None:
    s = run(store, rules, statements_file, items_file, [item("FA-1", "500.00")],
            [movement("550.00", "FACT FA-1", name="Client Un")])
    assert (s.auto, s.review) == (0, 1) and applied(store) == {}
    assert cashmatch.list_reviews(store)[0]["reason"] == "over"


def test_an_over_payment_allowed_by_the_rules_leaves_a_customer_credit(
        store, statements_file, items_file) -> None:
    rules = Rules(matching=Matching(auto_overpayment=True))
    run(store, rules, statements_file, items_file, [item("FA-1", "500.00")],
        [movement("550.00", "FACT FA-1", name="Client Un")])
    assert applied(store) == {1: {"FA-1": 50000}}
    assert lines(store) == [("512000", 55000, 0), ("411000", 0, 5000), ("411000", 0, 50000)]


def test_same_invoice_paid_twice(store, rules, statements_file, items_file) -> None:
    s = run(store, rules, statements_file, items_file, [item("FA-1", "80.00")],
            [movement("80.00", "FACT FA-1"), movement("80.00", "FACT FA-1", day="2026-02-11")])
    assert s.auto == 0 and s.review == 2  # a conflict: a person decides which one is the double


def test_wrong_reference_with_a_fitting_own_invoice(store, rules, statements_file, items_file) -> None:
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "300.00", party="C1", iban=IBAN), item("FA-9", "999.00", party="C9", name="AUTRE")],
            [movement("300.00", "FACTURE FA-9", iban=IBAN)])
    assert applied(store) == {1: {"FA-1": 30000}} or s.auto == 0
    assert "FA-9" not in str(applied(store))


#: A monthly subscription: January's, February's and March's invoices, one amount.
MONTHLY = [item("AB-1", "49.00", iban=IBAN, issued="2026-01-01", due="2026-01-31"),
           item("AB-2", "49.00", iban=IBAN, issued="2026-02-01", due="2026-02-28"),
           item("AB-3", "49.00", iban=IBAN, issued="2026-03-01", due="2026-03-31")]


def test_identical_amounts_nothing_tells_apart_are_a_question(store, rules, statements_file,
                                                              items_file) -> None:
    """Paid on 10 February, it may be January's or February's (March's is not issued yet):
    no oldest-first guess is posted."""
    s = run(store, rules, statements_file, items_file, MONTHLY,
            [movement("49.00", "ABONNEMENT", iban=IBAN)])
    assert (s.auto, s.review) == (0, 1)
    assert sorted(a["item_id"] for c in candidates(store)[:2] for a in c["allocations"]) == [
        "AB-1", "AB-2"]


@pytest.mark.parametrize(("text", "paid"), [("ABONNEMENT JANVIER", "AB-1"),
                                            ("ABONNEMENT FEVRIER 2026", "AB-2"),
                                            ("Miete Februar", "AB-2"),
                                            ("FACTURE DU 01/02/2026", "AB-2")])
def test_a_month_or_date_named_tells_identical_amounts_apart(store, rules, statements_file,
                                                             items_file, text, paid) -> None:
    s = run(store, rules, statements_file, items_file, MONTHLY,
            [movement("49.00", text, iban=IBAN)])
    assert s.auto == 1 and applied(store) == {1: {paid: 4900}}
    assert cashmatch.decision_log(store, 1)[0]["evidence"]["period_level"] == "match"


def test_a_payment_before_the_invoice_was_issued_is_not_posted(store, rules, statements_file,
                                                                items_file) -> None:
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "49.00", issued="2026-03-01", due="2026-03-31")],
            [movement("49.00", "FACT FA-1", name="CLIENT UN")])
    assert (s.auto, s.review) == (0, 1)
    assert cashmatch.list_reviews(store)[0]["reason"] == "before_issue"


def test_weekly_entries_of_one_amount_are_told_apart_by_their_dates(
        store, rules, statements_file, items_file) -> None:
    """A supplier paid the same amount every week: the ledger's payment entries are dated, and
    the bank booking on 27 January is the entry of the 26th, not the one of the 5th."""
    weeks = [item(f"JE-{day}", "-300.00", kind="entry", party="F1", name="CLEANCO",
                  iban=OTHER_IBAN, issued=f"2026-01-{day}", due=f"2026-01-{day}")
             for day in ("05", "12", "19", "26")]
    s = run(store, rules, statements_file, items_file, weeks,
            [movement("-300.00", "CLEANCO WEEKLY", iban=OTHER_IBAN, day="2026-01-27")])
    assert s.auto == 1 and applied(store) == {1: {"JE-26": -30000}}


@pytest.mark.parametrize("amount, text", [
    ("-120.00", "REMBOURSEMENT FA-1"),      # a refund is not a receipt
    ("120.00", "REMISE CB 8812"),           # a card settlement of the same amount
    ("120.00", "DIVERS"),                   # an unknown payer, same amount
])
def test_non_receipts_are_never_applied(store, rules, statements_file, items_file, amount, text) -> None:
    run(store, rules, statements_file, items_file, [item("FA-1", "120.00")],
        [movement(amount, text, iban=OTHER_IBAN, name="QUELQU'UN")])
    assert applied(store) == {}


def test_supplier_payment(store, rules, statements_file, items_file) -> None:
    run(store, rules, statements_file, items_file,
        [item("FF-88213", "-412.80", kind="supplier_invoice", party="F1", ref="88213")],
        [movement("-412.80", "VIR FACTURE 88213")])
    assert applied(store) == {1: {"FF-88213": -41280}}
    assert lines(store) == [("512000", 0, 41280), ("401000", 41280, 0)]


def test_explanations_say_why(store, rules, statements_file, items_file) -> None:
    run(store, rules, statements_file, items_file, [item("FA-1", "1200.00")],
        [movement("1188.00", "FACT FA-1")])
    (text,) = [d["explanation"] for d in cashmatch.decision_log(store)]
    assert "FA-1" in text and "12.00 short" in text and "bank fee" in text


def test_foreign_currency_invoice_with_an_exchange_difference(store, rules, tmp_path) -> None:
    """A USD 1,000.00 invoice booked at EUR 920.00, paid EUR 900.00 (instructed USD 1,000.00):
    512 900 / 656 20 / 411 920, the invoice settled in full in its own currency."""
    from cashmatch.ingest.items import upsert_items

    upsert_items(store, [{"id": "INV-US-7", "amount": "1000.00", "currency": "USD",
                          "book_amount": "920.00", "book_currency": "EUR",
                          "due_date": "2026-02-01", "party_id": "C77", "party_name": "ACME INC"}])
    camt = tmp_path / "fx.xml"
    camt.write_text(
        "<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'>"
        "<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-02-04T06:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S</Id><Acct><Id><IBAN>FR7630004001230001234567805</IBAN></Id></Acct>"
        "<Ntry><Amt Ccy='EUR'>900.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        "<BookgDt><Dt>2026-02-03</Dt></BookgDt><AcctSvcrRef>FX1</AcctSvcrRef><NtryDtls><TxDtls>"
        "<AmtDtls><InstdAmt><Amt Ccy='USD'>1000.00</Amt></InstdAmt></AmtDtls>"
        "<RmtInf><Ustrd>INVOICE INV-US-7</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>")
    import_statements(store, [camt])
    assert run_match(store, rules).auto == 1
    assert applied(store) == {1: {"INV-US-7": 100000}}
    assert lines(store) == [("512000", 90000, 0), ("411000", 0, 92000), ("656000", 2000, 0)]


def test_a_weakly_quoted_item_does_not_vouch_for_a_chance_sum(store, rules, statements_file,
                                                              items_file) -> None:
    """The customer number 1797 is also the tail of one invoice's reference; that invoice and
    three others of the party add up to the payment, but the party has thirty open items, so
    some set containing it would add up by chance: review, not an automatic application."""
    many = [item(f"FA-2026-01{n:05d}", f"{97 + 13 * n}.{(37 * n) % 100:02d}",
                 name="CLIENT 1797 SAS", due=f"2026-01-{1 + n % 28:02d}") for n in range(26)]
    s = run(store, rules, statements_file, items_file,
            [item("FA-2026-0001797", "2418.33", name="CLIENT 1797 SAS"),
             item("FA-2026-0041797", "8035.87", name="CLIENT 1797 SAS"),
             item("FA-2026-0066797", "794.24", name="CLIENT 1797 SAS"),
             item("FA-2026-0156797", "372.30", name="CLIENT 1797 SAS"), *many],
            [movement("11620.74", "VIR CLIENT 1797", name="CLIENT 1797 SAS")])
    assert (s.auto, s.review) == (0, 1)


def test_items_due_the_same_day_are_not_an_oldest_first_set(store, rules, statements_file,
                                                            items_file) -> None:
    """Four of five invoices due the same day add up to the payment of a known payer that
    quotes nothing: paying "the oldest" would be a choice among equals, so a person decides."""
    s = run(store, rules, statements_file, items_file,
            [item(f"FA-{n}", amount, iban=IBAN) for n, amount in enumerate(
                ("2418.33", "8035.87", "794.24", "372.30", "999.99"))],
            [movement("11620.74", "VIREMENT", iban=IBAN)])
    assert (s.auto, s.review) == (0, 1)
    first = candidates(store)[0]
    assert sorted(a["item_id"] for a in first["allocations"]) == ["FA-0", "FA-1", "FA-2", "FA-3"]


def test_quoted_invoices_and_an_unquoted_credit_note(store, rules, statements_file,
                                                     items_file) -> None:
    """Two invoices quoted exactly, the party's credit note netted without being quoted."""
    s = run(store, rules, statements_file, items_file,
            [item("FA-2026-0012", "1200.00", iban=IBAN), item("FA-2026-0013", "300.00", iban=IBAN),
             item("AV-2026-0003", "-150.00", kind="credit_note", iban=IBAN)],
            [movement("1350.00", "FACTURES FA-2026-0012 FA-2026-0013", iban=IBAN)])
    assert s.auto == 1 and applied(store) == {
        1: {"FA-2026-0012": 120000, "FA-2026-0013": 30000, "AV-2026-0003": -15000}}


def test_a_fitting_reference_is_not_read_as_a_typo_of_its_neighbours(
        store, rules, statements_file, items_file) -> None:
    """Sequential invoice numbers: FA-2026-004512 has open neighbours one typo away. A payment
    quoting it with its exact amount is that invoice; the neighbours are not candidates."""
    from cashmatch.match.run import plan
    from cashmatch.match.workspace import Workspace

    neighbours = [item(f"FA-2026-0045{n:02d}", "100.00", party="C2", name="AUTRE")
                  for n in range(10, 20) if n != 12]
    import_items(store, items_file(item("FA-2026-004512", "640.00"), *neighbours))
    import_statements(store, [statements_file(movement("640.00", "FACTURE FA-2026-004512"))])
    with Workspace(store, rules) as ws:
        plan(ws, rules)
        assert store.rows("SELECT item_id FROM cm_tmp_pairs") == [("FA-2026-004512",)]


def test_a_reference_quoted_for_a_part_payment_is_read_as_a_typo_only_of_what_fits(
        store, rules, statements_file, items_file) -> None:
    """A part payment quoting FA-2026-004512 (an open invoice that does not fit the amount):
    of its one-typo neighbours only the one whose open amount is the payment is a candidate
    (the payer may have typed an existing reference); the others are not."""
    from cashmatch.match.run import plan
    from cashmatch.match.workspace import Workspace

    neighbours = [item(f"FA-2026-0045{n:02d}", "300.00" if n == 13 else "100.00",
                       party="C2", name="AUTRE") for n in range(10, 20) if n != 12]
    import_items(store, items_file(item("FA-2026-004512", "640.00"), *neighbours))
    import_statements(store, [statements_file(movement("300.00", "FACTURE FA-2026-004512"))])
    with Workspace(store, rules) as ws:
        plan(ws, rules)
        assert store.rows("SELECT item_id FROM cm_tmp_pairs ORDER BY 1") == [
            ("FA-2026-004512",), ("FA-2026-004513",)]


def test_a_quoted_reference_that_does_not_fit_is_still_read_as_a_possible_typo(
        store, rules, statements_file, items_file) -> None:
    """The payer typed FA-2026-004521 (an open invoice of another party and amount) for
    FA-2026-004512: the neighbour one typo away that fits the amount is found. The text
    quotes another item exactly, so a person confirms, even when the payer's own name makes
    the neighbour the first suggestion."""
    items = [item("FA-2026-004512", "640.00"),
             item("FA-2026-004521", "99.00", party="C2", name="AUTRE CLIENT")]
    s = run(store, rules, statements_file, items_file, items,
            [movement("640.00", "FACTURE FA-2026-004521")])
    assert (s.auto, s.review) == (0, 1)
    assert sorted(a["item_id"] for c in candidates(store)[:2] for a in c["allocations"]) == [
        "FA-2026-004512", "FA-2026-004521"]
    import_statements(store, [statements_file(
        movement("640.00", "FACTURE FA-2026-004521", name="CLIENT UN", day="2026-02-11"))])
    s = run_match(store, rules)
    assert (s.auto, s.review) == (0, 2)
    assert [a["item_id"] for a in candidates(store, 2)[0]["allocations"]] == ["FA-2026-004512"]


def test_the_instalment_named_picks_its_line(store, rules, statements_file, items_file) -> None:
    """One invoice in three instalments of one amount, one line each with the invoice's
    reference: "ECHEANCE 3/3" pays the third, although the second is due first."""
    instalments = [item(f"FA-7-E{n}", "300.00", ref="FA-7", due=due, issued="2026-01-05",
                        description=f"Echeance {n}/3 de la facture FA-7")
                   for n, due in ((2, "2026-02-05"), (3, "2026-03-05"))]
    s = run(store, rules, statements_file, items_file, instalments,
            [movement("300.00", "FA-7 ECHEANCE 3/3", name="CLIENT UN")])
    assert s.auto == 1 and applied(store) == {1: {"FA-7-E3": 30000}}


def test_a_tolerance_does_not_explain_away_a_rival_that_is_the_amount(
        store, rules, statements_file, items_file) -> None:
    """174.00 quoted and 156.00 paid from abroad: an intermediary's 18.00, or the payer's other
    invoice of exactly 156.00? A person decides."""
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "174.00", iban=FOREIGN_IBAN), item("FA-2", "156.00", iban=FOREIGN_IBAN)],
            [movement("156.00", "FACTURE FA-1", iban=FOREIGN_IBAN)])
    assert (s.auto, s.review) == (0, 1)
    assert cashmatch.list_reviews(store)[0]["reason"] == "rival_exact"


def test_two_sets_of_a_payers_items_adding_up_are_a_question(store, rules, statements_file,
                                                             items_file) -> None:
    """900 + 600 and 1000 + 500 both make 1,500.00, the oldest two among them: which two
    the payer meant is for a person."""
    s = run(store, rules, statements_file, items_file,
            [item("FA-1", "900.00", iban=IBAN, due="2026-01-10"),
             item("FA-2", "600.00", iban=IBAN, due="2026-01-20"),
             item("FA-3", "1000.00", iban=IBAN, due="2026-01-25"),
             item("FA-4", "500.00", iban=IBAN, due="2026-01-30")],
            [movement("1500.00", "VIREMENT", iban=IBAN)])
    assert (s.auto, s.review) == (0, 1)


def test_a_set_with_an_item_of_another_month_than_named_is_held(store, rules, statements_file,
                                                                items_file) -> None:
    """ABONNEMENT JANVIER FEVRIER: December's and January's lines are the oldest two and add up
    as well as January's and February's; the months named say which."""
    months = [item(f"AB-{m}", "174.00", iban=IBAN, issued=f"{y}-{m:02d}-01",
                   due=f"{y}-{m:02d}-28") for y, m in ((2025, 12), (2026, 1), (2026, 2))]
    s = run(store, rules, statements_file, items_file, months,
            [movement("348.00", "ABONNEMENT JANVIER FEVRIER", iban=IBAN, day="2026-02-20")])
    assert "AB-12" not in str(applied(store))
    assert s.auto == 0 or applied(store) == {1: {"AB-1": 17400, "AB-2": 17400}}


def test_a_weekly_bill_is_the_one_of_the_debits_week(store, rules, statements_file,
                                                     items_file) -> None:
    """Weekly bills of one amount, dated Monday, debited Tuesday: the bill of the debit's week,
    not a stale one of the same amount that falls due that day."""
    bills = [item("BILL-1", "-545.46", kind="supplier_invoice", party="V1", name="CINTAS",
                  issued="2026-02-02", due="2026-03-04"),
             item("BILL-2", "-545.46", kind="supplier_invoice", party="V1", name="CINTAS",
                  issued="2026-03-02", due="2026-04-01")]
    s = run(store, rules, statements_file, items_file, bills,
            [movement("-545.46", "ACH DEBIT CINTAS CORP AUTOPAY", day="2026-03-03")])
    assert s.auto == 1 and applied(store) == {1: {"BILL-2": -54546}}


@pytest.mark.parametrize("text", ["SEPA-Gutschrift Koenig Logistik Rechnung",
                                  "SEPA-Gutschrift König Logistik Rechnung"])
def test_umlauts_written_out_or_not_name_the_same_party(store, rules, statements_file,
                                                        items_file, text) -> None:
    s = run(store, rules, statements_file, items_file,
            [item("RE-1", "714.00", name="König Logistik GmbH"),
             item("RE-2", "714.00", party="C2", name="Braun Maschinenbau AG")],
            [movement("714.00", text)])
    assert s.auto == 1 and applied(store) == {1: {"RE-1": 71400}}


def test_a_factor_pays_several_customers_invoices_each_quoted(store, rules, statements_file,
                                                              items_file) -> None:
    """A reverse-factoring platform, known as a party of its own, pays three customers'
    invoices in one transfer, each quoted, the sum exact: its being another party is what a
    factor is, not a contradiction."""
    s = run(store, rules, statements_file, items_file,
            [item("FA-10", "54.74", party="C1", name="ALPHA SA"),
             item("FA-20", "9000.00", party="C2", name="BETA SARL"),
             item("FA-30", "82.80", party="C3", name="GAMMA SAS"),
             item("FA-31", "9137.54", party="C3", name="GAMMA SAS"),
             item("FACT-9", "-10.00", party="F1", name="FACTOR PLATEFORME SA", iban=IBAN,
                  kind="supplier_invoice")],
            [movement("9137.54", "REMISE 615359 FACT FA-10 FA-20 FA-30", iban=IBAN,
                      name="FACTOR PLATEFORME SA")])
    assert s.auto == 1
    assert applied(store) == {1: {"FA-10": 5474, "FA-20": 900000, "FA-30": 8280}}


def test_a_list_cut_by_the_bank_is_completed_from_the_payers_older_items(
        store, rules, statements_file, items_file) -> None:
    """Three invoices quoted, the list cut; the payer has more open items than a set search
    tries at once (here 4): the two that complete the amount are found among its other
    items, and being the only ones, the set is posted."""
    rules = Rules(matching=Matching(max_subset_items=4))
    older = [item(f"FA-{n}", amount, iban=IBAN, due=f"2026-01-{n:02d}") for n, amount in
             enumerate(["118.40", "213.96", "95.10", "402.33", "77.85", "160.02", "251.47",
                        "330.18"], start=1)]
    quoted = [item(f"FA-{n}", f"{300 + n}.00", iban=IBAN, due="2026-02-01")
              for n in (21, 22, 23)]
    paid = sum(int(i["amount"].replace(".", "")) for i in [*quoted, older[1], older[5]])
    s = run(store, rules, statements_file, items_file, older + quoted,
            [movement(f"{paid // 100}.{paid % 100:02d}", "FACTURES FA-21 FA-22 FA-23 FA-",
                      iban=IBAN)])
    assert s.auto == 1  # the only two of the payer's items that complete it, all of them tried
    assert sorted(applied(store)[1]) == ["FA-2", "FA-21", "FA-22", "FA-23", "FA-6"]


def test_a_set_that_leaves_out_an_item_the_text_quotes_is_held(store, rules, statements_file,
                                                               items_file) -> None:
    """FA-1, 5264 and 8974 are quoted; FA-9 is of the same amount as FA-5264 and unquoted:
    the set with FA-9 leaves out a quoted item, so the quoted set is posted."""
    s = run(store, rules, statements_file, items_file,
            [item("FA-2025-045030", "586.70", iban=IBAN),
             item("FA-2025-055264", "1020.00", iban=IBAN),
             item("FA-2025-058974", "931.20", iban=IBAN),
             item("FA-2026-010659", "1020.00", iban=IBAN, due="2026-03-01")],
            [movement("2537.90", "FACT FA-2025-045030 ET 55264 ET 58974", iban=IBAN)])
    assert s.auto == 1
    assert set(applied(store)[1]) == {"FA-2025-045030", "FA-2025-055264", "FA-2025-058974"}
