"""Rules and settings: ``rules/*.toml`` → a validated, immutable :class:`Rules`.

Loading collects every error (with its section and key) and raises one
:class:`~cashmatch.errors.ConfigError`; nothing runs on a half-valid file. Amounts and
thresholds are written as strings and read as ``Decimal``. The rules version stored with
every decision is a digest of the file's content, so a changed file is a new version.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cashmatch.errors import ConfigError
from cashmatch.ingest import normalize


@dataclass(frozen=True, slots=True)
class Ledger:
    """Accounts and journal used when posting (French PCG defaults).

    ``journal``, ``journal_label`` and ``bank_account`` serve the statement accounts no
    ``[[bank]]`` rule names. ``overpayment_account`` (e.g. 419100): where an excess goes;
    empty keeps it on the party's own account as a credit. ``discount_vat_rate`` (e.g. 20):
    when set, a discount is posted net to ``discount_account`` and its VAT to ``vat_account``
    (the credit note documenting the VAT reduction is the ledger's job).
    ``vat_deductible_account``: the VAT a posting rule splits off a payment (a receipt's goes
    to ``vat_account``). ``reversal_date``: the date of the entry that reverses another,
    ``today`` (the day it is posted) or ``original`` (the reversed entry's date); either way
    no entry is dated before the latest entry of its journal (see :mod:`ledger.journal`)."""

    journal: str = "BQ"
    journal_label: str = "Banque"
    bank_account: str = "512000"
    suspense_account: str = "471000"
    fee_account: str = "627000"
    discount_account: str = "665000"
    writeoff_loss_account: str = "658000"
    writeoff_gain_account: str = "758000"
    fx_loss_account: str = "656000"
    fx_gain_account: str = "756000"
    overpayment_account: str = ""
    vat_account: str = "445710"
    discount_vat_rate: Decimal = Decimal(0)
    vat_deductible_account: str = "445660"
    reversal_date: str = "today"


@dataclass(frozen=True, slots=True)
class Matching:
    """Thresholds of the matcher.

    Attributes:
        auto_threshold: minimum confidence to post without review.
        auto_margin: how far (in evidence points) the best proposal must stand above the next
            one of the same movement, and above any other movement's claim on its items.
        review_min_confidence: candidates below this are not shown.
        max_suggestions: ranked candidates kept per review item.
        candidates_per_rule: cap of pairs one blocking rule may produce per movement.
        fuzzy_reference_min: rapidfuzz similarity (0–100) from which a near reference counts.
        name_similarity_min: rapidfuzz similarity (0–100) from which a payer name counts.
        max_subset_items: largest number of items one payment is tried against (1:N).
        auto_overpayment: post a payment larger than what it settles automatically, the
            excess left on the party's account (off: such payments go to review).
        auto_partial: post a part payment automatically when nothing in its text says it is
            one (off: only an "acompte", "instalment", "1/3"... is posted as a part payment).
    """

    auto_threshold: Decimal = Decimal("0.95")
    auto_margin: Decimal = Decimal(2)
    review_min_confidence: Decimal = Decimal("0.02")
    max_suggestions: int = 5
    candidates_per_rule: int = 30
    fuzzy_reference_min: int = 85
    name_similarity_min: int = 90
    max_subset_items: int = 20
    auto_overpayment: bool = False
    auto_partial: bool = False


@dataclass(frozen=True, slots=True)
class Weights:
    """Evidence points (log-odds) each level of each feature adds to a candidate.

    The confidence is ``1 / (1 + exp(-(prior + reference + amount + party)))``: independent
    pieces of evidence add up, as in Fellegi–Sunter record linkage.
    """

    prior: Decimal = Decimal(-5)
    ref_exact: Decimal = Decimal(6)
    ref_rf: Decimal = Decimal(7)
    ref_number: Decimal = Decimal(5)
    ref_tail: Decimal = Decimal(3)
    ref_fuzzy: Decimal = Decimal("2.5")
    ref_contradicted: Decimal = Decimal(-2)
    amount_exact: Decimal = Decimal(4)
    amount_rounding: Decimal = Decimal(3)
    amount_fee: Decimal = Decimal(2)
    amount_discount: Decimal = Decimal(2)
    amount_partial: Decimal = Decimal(1)
    amount_over: Decimal = Decimal(1)
    amount_mismatch: Decimal = Decimal(-4)
    party_iban: Decimal = Decimal(4)
    party_name: Decimal = Decimal(2)
    party_name_same: Decimal = Decimal(4)
    party_other: Decimal = Decimal(-4)
    subset_some_referenced: Decimal = Decimal(5)
    subset_without_reference: Decimal = Decimal(0)
    subset_balance: Decimal = Decimal(2)
    subset_unreferenced_item: Decimal = Decimal(1)
    date_before_issue: Decimal = Decimal(-4)
    date_not_due: Decimal = Decimal(0)
    period_match: Decimal = Decimal(2)
    period_other: Decimal = Decimal(-3)


@dataclass(frozen=True, slots=True)
class Tolerances:
    """Which short or long payments settle an item in full, the difference being posted.

    Attributes:
        rounding_max: a difference up to this (either way) is written off (658 / 758).
        fee_max: a shortfall up to this is a bank fee (627)...
        fee_max_percent: ...provided it is no more than this share of the item.
        discount_min_percent / discount_max_percent: a shortfall in this share of the item is
            an early-payment discount (665).
        manual_writeoff_max: the largest difference a person may write off (``review
            writeoff``).
        discount_days: the discount period after the issue date when an item states no
            terms of its own (0: a shortfall on an item without terms is no discount).
        discount_grace_days: days after the end of a discount period a payment may still be
            booked (the bank's delay) and take the discount.
        writeoff_approval_above: a write-off of a larger difference waits for an approver
            other than the person who asked for it (four eyes).
    """

    rounding_max: Decimal = Decimal("0.05")
    fee_max: Decimal = Decimal("30.00")
    fee_max_percent: Decimal = Decimal(15)
    discount_min_percent: Decimal = Decimal("0.5")
    discount_max_percent: Decimal = Decimal("3.5")
    manual_writeoff_max: Decimal = Decimal("50.00")
    discount_days: int = 0
    discount_grace_days: int = 3
    writeoff_approval_above: Decimal = Decimal("20.00")


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """``[[ignore]]``: movements whose text matches ``pattern`` are not receipts to apply
    (card settlements, fees, salaries...): the engine records an ``ignore`` decision naming
    the rule and never applies them.

    Attributes:
        name: the rule's name, shown in decisions.
        pattern: a regular expression searched in the counterparty name and remittance text.
        direction: ``in`` (credits), ``out`` (debits) or ``any``.
        examples: texts the pattern must match (checked by ``cashmatch rules check``).
        counter_examples: texts it must not match.
    """

    name: str
    pattern: str
    direction: str = "any"
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AliasRule:
    """``[[alias]]``: a payer IBAN, or payer names matching ``name_pattern``, belong to
    ``party`` (a parent group paying for a subsidiary, a trade name...).

    Attributes:
        name: the rule's name.
        party: the party id the payer stands for.
        iban: an IBAN of that payer.
        name_pattern: a regular expression matched against the payer's name.
        examples / counter_examples: names the pattern must / must not match.
    """

    name: str
    party: str
    iban: str | None = None
    name_pattern: str | None = None
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BankRule:
    """``[[bank]]``: one of the company's bank accounts, and where its entries go.

    Attributes:
        name: the rule's name.
        iban: the account's IBAN. A statement naming the account otherwise matches too: for a
            French IBAN, the 21 characters of bank, branch and account number a CFONB 120
            statement carries.
        account: its general-ledger account (PCG 512, e.g. ``512100``).
        journal: the FEC ``JournalCode`` of its entries (e.g. ``BQ1``).
        journal_label: the FEC ``JournalLib`` (default: the journal code).
        opening_balance: the ledger's balance of ``account`` before the first statement of
            the account cashmatch holds; None takes that statement's opening balance (books
            and bank agreed when cashmatch took over the journal).
    """

    name: str
    iban: str
    account: str
    journal: str
    journal_label: str = ""
    opening_balance: Decimal | None = None

    def holds(self, statement_account: str | None) -> bool:
        """True when ``statement_account`` (a movement's or a statement's account id) is
        this bank account."""
        if not statement_account:
            return False
        key = normalize.iban(statement_account)
        return key == self.iban or (self.iban[:2] in ("FR", "MC") and key == self.iban[4:25])


@dataclass(frozen=True, slots=True)
class PostRule:
    """``[[post]]``: movements that settle no open item (bank fees, interest, taxes, social
    charges, payroll, card settlements, loan instalments, internal transfers) are posted
    straight to ``account``; the run records a ``post`` decision naming the rule.

    A movement matches when every condition given holds: ``pattern`` is found in its text
    (payer name, remittance, references), the ``direction`` fits, its absolute amount lies
    between ``min_amount`` and ``max_amount``, its counterparty IBAN is one of
    ``counterparty_iban``, and (``own_account = true``) that IBAN is one of the company's own
    ``[[bank]]`` accounts. Rules are tried in file order; the first that matches posts.

    Attributes:
        name: the rule's name, shown in decisions.
        account: where the movement is posted (e.g. ``627000``).
        label: the label of that line (the movement's payer follows it).
        pattern: a regular expression searched in the movement's text.
        direction: ``in`` (credits), ``out`` (debits) or ``any``.
        min_amount / max_amount: bounds of the absolute amount.
        counterparty_iban: IBANs the counterparty's must be one of.
        own_account: the counterparty is one of the company's ``[[bank]]`` accounts.
        vat_rate: the VAT included in the amount, in percent (``"20"``): ``account`` gets
            the net amount, ``vat_account`` the VAT (rounded half up to the cent).
        vat_account: where that VAT goes (default: ``[ledger] vat_deductible_account`` for a
            payment, ``vat_account`` for a receipt).
        examples / counter_examples: texts the pattern must / must not match.
    """

    name: str
    account: str
    label: str
    pattern: str | None = None
    direction: str = "any"
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    counterparty_iban: tuple[str, ...] = ()
    own_account: bool = False
    vat_rate: Decimal | None = None
    vat_account: str | None = None
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything a run needs to decide and post; ``version`` identifies the source file."""

    ledger: Ledger = field(default_factory=Ledger)
    matching: Matching = field(default_factory=Matching)
    weights: Weights = field(default_factory=Weights)
    tolerances: Tolerances = field(default_factory=Tolerances)
    ignore: tuple[IgnoreRule, ...] = ()
    aliases: tuple[AliasRule, ...] = ()
    banks: tuple[BankRule, ...] = ()
    postings: tuple[PostRule, ...] = ()
    version: str = "builtin"
    source: str = "<built-in defaults>"

    def bank(self, statement_account: str | None) -> BankRule:
        """The ``[[bank]]`` rule of a statement account, or the ledger's default bank
        account and journal for an account no rule names."""
        for rule in self.banks:
            if rule.holds(statement_account):
                return rule
        ledger = self.ledger
        return BankRule("default", "", ledger.bank_account, ledger.journal,
                        ledger.journal_label)

    def journal_labels(self) -> dict[str, str]:
        """Each journal code's label (``JournalLib``)."""
        labels = {rule.journal: rule.journal_label or rule.journal for rule in self.banks}
        return {self.ledger.journal: self.ledger.journal_label} | labels


#: The rules file's lists of rules: TOML array name → (class, ``Rules`` field).
RULE_LISTS: dict[str, tuple[type[Any], str]] = {
    "ignore": (IgnoreRule, "ignore"), "alias": (AliasRule, "aliases"),
    "bank": (BankRule, "banks"), "post": (PostRule, "postings")}
#: Keys of rules written as decimal strings.
_DECIMAL_KEYS = ("opening_balance", "min_amount", "max_amount", "vat_rate")
_ACCOUNT_RE = re.compile(r"^[1-8][0-9]{2}[0-9A-Z]{0,17}$")
_JOURNAL_RE = re.compile(r"^[A-Z0-9]{1,6}$")


def is_account(text: str) -> bool:
    """True when ``text`` has the shape of a general-ledger account number: a digit of
    class 1 to 8, two more digits, then digits or capitals (``627000``, ``411DUP``)."""
    return bool(_ACCOUNT_RE.match(text))


def load_rules(path: Path | None) -> Rules:
    """Read a rules file; None gives the built-in defaults."""
    if path is None:
        return Rules()
    name = str(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ConfigError(name, [f"cannot read the file: {exc.strerror}"]) from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(name, [f"not valid TOML: {exc}"]) from exc
    errors: list[str] = []
    known_sections: dict[str, type[Any]] = {"ledger": Ledger, "matching": Matching,
                                            "weights": Weights, "tolerances": Tolerances}
    for key in data:
        if key not in known_sections and key not in RULE_LISTS:
            errors.append(f"{key}: unknown section (known: {', '.join(known_sections)}, "
                          + ", ".join(f"[[{k}]]" for k in RULE_LISTS) + ")")
    parts: dict[str, Any] = {key: _section(cls, data.get(key, {}), key, errors)
                             for key, cls in known_sections.items()}
    for section, (cls, attribute) in RULE_LISTS.items():
        parts[attribute] = tuple(_rule_list(cls, data.get(section, []), section, errors))
    _check_settings(parts, errors)
    _check_banks(parts["banks"], errors)
    if errors:
        raise ConfigError(name, errors)
    version = hashlib.sha256(raw).hexdigest()[:12]
    return Rules(version=version, source=name, **parts)


def _check_settings(parts: dict[str, Any], errors: list[str]) -> None:
    """Settings that must agree with each other."""
    matching = parts["matching"]
    if isinstance(matching, Matching):
        for key in ("auto_threshold", "review_min_confidence"):
            value = getattr(matching, key)
            if not Decimal(0) <= value <= Decimal(1):
                errors.append(f"matching.{key}: must lie between 0 and 1 (got {value})")
    tol = parts["tolerances"]
    if isinstance(tol, Tolerances) and tol.discount_min_percent > tol.discount_max_percent:
        errors.append("tolerances.discount_min_percent: must not exceed discount_max_percent")
    ledger = parts["ledger"]
    if isinstance(ledger, Ledger):
        if ledger.reversal_date not in ("today", "original"):
            errors.append("ledger.reversal_date: must be today or original")
        if not _JOURNAL_RE.match(ledger.journal):
            errors.append("ledger.journal: 1 to 6 capital letters or digits")


def _check_banks(banks: tuple[BankRule, ...], errors: list[str]) -> None:
    """Each bank account named once."""
    seen: dict[str, str] = {}
    for rule in banks:
        if rule.iban in seen:
            errors.append(f"bank {rule.name}.iban: already the iban of bank {seen[rule.iban]}")
        seen[rule.iban] = rule.name


def _rule_list(cls: type[Any], entries: Any, section: str, errors: list[str]) -> list[Any]:
    """The ``[[section]]`` entries as ``cls``; errors name the rule and the key."""
    if not isinstance(entries, list):
        errors.append(f"{section}: write each rule as [[{section}]]")
        return []
    out = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            errors.append(f"{section}[{n}]: must be a table")
            continue
        label = f"{section} {entry.get('name', f'#{n}')!s}"
        if entry.get("name") in seen:
            errors.append(f"{label}.name: another rule has the same name")
        seen.add(str(entry.get("name")))
        found: list[str] = []
        kwargs = _rule_values(cls, entry, label, found)
        _rule_checks(cls, kwargs, label, found)
        errors.extend(found)
        if not found:
            out.append(cls(**kwargs))
    return out


def _rule_values(cls: type[Any], entry: dict[str, Any], label: str,
                 errors: list[str]) -> dict[str, Any]:
    """A rule's values checked for shape and read: lists as tuples, decimal strings as
    ``Decimal``, IBANs normalised."""
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING}
    for key in entry:
        if key not in names:
            errors.append(f"{label}.{key}: unknown key (known: {', '.join(sorted(names))})")
    errors.extend(f"{label}.{key}: required" for key in sorted(required - entry.keys()))
    kwargs = {k: v for k, v in entry.items() if k in names}
    for key in ("examples", "counter_examples", "counterparty_iban"):
        value = entry.get(key, [])
        if key == "counterparty_iban" and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(f"{label}.{key}: must be a list of texts")
        elif key in names:
            kwargs[key] = tuple(normalize.iban(v) or v for v in value) \
                if key == "counterparty_iban" else tuple(value)
    for key in _DECIMAL_KEYS:
        if key in kwargs:
            kwargs[key] = _decimal(kwargs[key], f"{label}.{key}", errors)
    for key in ("pattern", "name_pattern"):
        if isinstance(entry.get(key), str):
            try:
                re.compile(entry[key])
            except re.error as exc:
                errors.append(f"{label}.{key}: not a valid regular expression: {exc}")
    if kwargs.get("iban"):
        kwargs["iban"] = normalize.iban(str(kwargs["iban"])) or str(kwargs["iban"])
    return kwargs


def _decimal(value: Any, where: str, errors: list[str]) -> Decimal | None:
    if not isinstance(value, str):
        errors.append(f"{where}: write numbers as strings (\"0.95\"), got {value!r}")
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        errors.append(f"{where}: {value!r} is not a number")
        return None


def _rule_checks(cls: type[Any], kwargs: dict[str, Any], label: str,
                 errors: list[str]) -> None:
    """What each kind of rule must say beyond its keys' shapes."""
    if kwargs.get("direction", "any") not in ("in", "out", "any"):
        errors.append(f"{label}.direction: must be in, out or any")
    if cls is AliasRule and not (kwargs.get("iban") or kwargs.get("name_pattern")):
        errors.append(f"{label}: give an iban or a name_pattern")
    for key in ("account", "vat_account"):
        if kwargs.get(key) is not None and not is_account(str(kwargs[key])):
            errors.append(f"{label}.{key}: {kwargs[key]!r} is not an account number (a digit "
                          "of class 1 to 8, two more digits, then digits or capitals)")
    if cls is BankRule:
        if "journal" in kwargs and not _JOURNAL_RE.match(str(kwargs["journal"])):
            errors.append(f"{label}.journal: 1 to 6 capital letters or digits")
        if "account" in kwargs and not str(kwargs["account"]).startswith("5"):
            errors.append(f"{label}.account: a bank account is in class 5 (e.g. 512100)")
    if cls is PostRule:
        _post_checks(kwargs, label, errors)


def _post_checks(kwargs: dict[str, Any], label: str, errors: list[str]) -> None:
    if not (kwargs.get("pattern") or kwargs.get("counterparty_iban")
            or kwargs.get("own_account")):
        errors.append(f"{label}: give a pattern, a counterparty_iban or own_account = true")
    if not isinstance(kwargs.get("own_account", False), bool):
        errors.append(f"{label}.own_account: must be true or false")
    low, high = kwargs.get("min_amount"), kwargs.get("max_amount")
    if isinstance(low, Decimal) and isinstance(high, Decimal) and low > high:
        errors.append(f"{label}.min_amount: must not exceed max_amount")
    rate = kwargs.get("vat_rate")
    if isinstance(rate, Decimal) and not (0 <= rate < 100 and (rate * 100) == int(rate * 100)):
        errors.append(f"{label}.vat_rate: a percentage from 0 to 100 with at most two "
                      f"decimals (got {rate})")


def check_examples(rules: Rules) -> list[tuple[str, str, bool]]:
    """Each rule's examples against its pattern: (rule, what was checked, passed)."""
    results = []
    patterns: list[tuple[str, str | None, tuple[str, ...], tuple[str, ...]]] = [
        (f"ignore {r.name}", r.pattern, r.examples, r.counter_examples) for r in rules.ignore]
    patterns += [(f"alias {r.name}", r.name_pattern, r.examples, r.counter_examples)
                 for r in rules.aliases]
    patterns += [(f"post {r.name}", r.pattern, r.examples, r.counter_examples)
                 for r in rules.postings]
    import polars as pl

    from cashmatch.match.text_rules import found  # what a run runs

    for label, pattern, examples, counter in patterns:
        if pattern is None:
            continue
        hits = found(pl.Series([*examples, *counter], dtype=pl.String), pattern).to_list()
        for text, hit in zip(examples, hits, strict=False):
            results.append((label, f"matches {text!r}", hit))
        for text, hit in zip(counter, hits[len(examples):], strict=True):
            results.append((label, f"does not match {text!r}", not hit))
    return results


def _section(cls: type[Any], values: Any, section: str, errors: list[str]) -> Any:
    if not isinstance(values, dict):
        errors.append(f"{section}: must be a table")
        return None
    defaults = cls()
    kwargs: dict[str, Any] = {}
    names = {f.name: f for f in fields(cls)}
    for key, value in values.items():
        if key not in names:
            errors.append(f"{section}.{key}: unknown key (known: {', '.join(names)})")
            continue
        expected = type(getattr(defaults, key))
        where = f"{section}.{key}"
        if expected is Decimal:
            if not isinstance(value, str):
                errors.append(f"{where}: write numbers as strings (\"0.95\"), got {value!r}")
                continue
            try:
                kwargs[key] = Decimal(value)
            except InvalidOperation:
                errors.append(f"{where}: {value!r} is not a number")
        elif expected is int:
            least = 0 if getattr(defaults, key) == 0 else 1
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                errors.append(f"{where}: must be a whole number of at least {least}, "
                              f"got {value!r}")
            else:
                kwargs[key] = value
        elif not isinstance(value, expected):
            errors.append(f"{where}: must be a {expected.__name__}, got {value!r}")
        else:
            kwargs[key] = value
    return cls(**kwargs) if not errors else None


def default_rules_path() -> Path | None:
    """``./rules/default.toml`` when it exists, else the project's ``rules/default.toml``
    beside the sources (an editable install), else None (built-in defaults)."""
    for candidate in (Path("rules") / "default.toml",
                      Path(__file__).resolve().parents[2] / "rules" / "default.toml"):
        if candidate.exists():
            return candidate
    return None
