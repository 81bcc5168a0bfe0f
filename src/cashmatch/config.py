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

    ``overpayment_account`` (e.g. 419100): where an excess goes; empty keeps it on the party's
    own account as a credit. ``discount_vat_rate`` (e.g. 20): when set, a discount is posted
    net to ``discount_account`` and its VAT to ``vat_account`` (the credit note documenting
    the VAT reduction is the ledger's job)."""

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
    """

    auto_threshold: Decimal = Decimal("0.95")
    auto_margin: Decimal = Decimal(2)
    review_min_confidence: Decimal = Decimal("0.05")
    max_suggestions: int = 5
    candidates_per_rule: int = 30
    fuzzy_reference_min: int = 85
    name_similarity_min: int = 90
    max_subset_items: int = 20


@dataclass(frozen=True, slots=True)
class Weights:
    """Evidence points (log-odds) each level of each feature adds to a candidate.

    The confidence is ``1 / (1 + exp(-(prior + reference + amount + party)))``: independent
    pieces of evidence add up, as in Fellegi–Sunter record linkage.
    """

    prior: Decimal = Decimal(-5)
    ref_exact: Decimal = Decimal(6)
    ref_rf: Decimal = Decimal(7)
    ref_tail: Decimal = Decimal(3)
    ref_fuzzy: Decimal = Decimal("2.5")
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
    subset_unreferenced_item: Decimal = Decimal(1)


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
        writeoff_approval_above: a write-off of a larger difference waits for an approver
            other than the person who asked for it (four eyes).
    """

    rounding_max: Decimal = Decimal("0.05")
    fee_max: Decimal = Decimal("30.00")
    fee_max_percent: Decimal = Decimal(10)
    discount_min_percent: Decimal = Decimal("0.5")
    discount_max_percent: Decimal = Decimal("3.5")
    manual_writeoff_max: Decimal = Decimal("50.00")
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
class Rules:
    """Everything a run needs to decide and post; ``version`` identifies the source file."""

    ledger: Ledger = field(default_factory=Ledger)
    matching: Matching = field(default_factory=Matching)
    weights: Weights = field(default_factory=Weights)
    tolerances: Tolerances = field(default_factory=Tolerances)
    ignore: tuple[IgnoreRule, ...] = ()
    aliases: tuple[AliasRule, ...] = ()
    version: str = "builtin"
    source: str = "<built-in defaults>"


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
        if key not in known_sections and key not in ("ignore", "alias"):
            errors.append(f"{key}: unknown section (known: {', '.join(known_sections)}, "
                          "[[ignore]], [[alias]])")
    parts: dict[str, Any] = {key: _section(cls, data.get(key, {}), key, errors)
                             for key, cls in known_sections.items()}
    parts["ignore"] = tuple(_rule_list(IgnoreRule, data.get("ignore", []), "ignore", errors))
    parts["aliases"] = tuple(_rule_list(AliasRule, data.get("alias", []), "alias", errors))
    matching = parts["matching"]
    if isinstance(matching, Matching):
        for key in ("auto_threshold", "review_min_confidence"):
            value = getattr(matching, key)
            if not Decimal(0) <= value <= Decimal(1):
                errors.append(f"matching.{key}: must lie between 0 and 1 (got {value})")
    tol = parts["tolerances"]
    if isinstance(tol, Tolerances) and tol.discount_min_percent > tol.discount_max_percent:
        errors.append("tolerances.discount_min_percent: must not exceed discount_max_percent")
    if errors:
        raise ConfigError(name, errors)
    version = hashlib.sha256(raw).hexdigest()[:12]
    return Rules(version=version, source=name, **parts)


def _rule_list(cls: type[Any], entries: Any, section: str, errors: list[str]) -> list[Any]:
    """``[[ignore]]`` / ``[[alias]]`` entries; errors name the rule and the key."""
    if not isinstance(entries, list):
        errors.append(f"{section}: write each rule as [[{section}]]")
        return []
    out = []
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING}
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        label = f"{section}[{n}]"
        if not isinstance(entry, dict):
            errors.append(f"{label}: must be a table")
            continue
        label = f"{section} {entry.get('name', f'#{n}')!s}"
        bad = False
        for key in entry:
            if key not in names:
                errors.append(f"{label}.{key}: unknown key (known: {', '.join(sorted(names))})")
                bad = True
        for key in required - entry.keys():
            errors.append(f"{label}.{key}: required")
            bad = True
        if entry.get("name") in seen:
            errors.append(f"{label}.name: another rule has the same name")
        seen.add(str(entry.get("name")))
        for key in ("pattern", "name_pattern"):
            if isinstance(entry.get(key), str):
                try:
                    re.compile(entry[key])
                except re.error as exc:
                    errors.append(f"{label}.{key}: not a valid regular expression: {exc}")
                    bad = True
        if "direction" in entry and entry["direction"] not in ("in", "out", "any"):
            errors.append(f"{label}.direction: must be in, out or any")
            bad = True
        if cls is AliasRule and not (entry.get("iban") or entry.get("name_pattern")):
            errors.append(f"{label}: give an iban or a name_pattern")
            bad = True
        for key in ("examples", "counter_examples"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append(f"{label}.{key}: must be a list of texts")
                bad = True
        if not bad:
            kwargs = dict(entry)
            for key in ("examples", "counter_examples"):
                kwargs[key] = tuple(kwargs.get(key, ()))
            if kwargs.get("iban"):
                kwargs["iban"] = normalize.iban(str(kwargs["iban"]))
            out.append(cls(**kwargs))
    return out


def check_examples(rules: Rules) -> list[tuple[str, str, bool]]:
    """Each rule's examples against its pattern: (rule, what was checked, passed)."""
    results = []
    patterns: list[tuple[str, str | None, tuple[str, ...], tuple[str, ...]]] = [
        (f"ignore {r.name}", r.pattern, r.examples, r.counter_examples) for r in rules.ignore]
    patterns += [(f"alias {r.name}", r.name_pattern, r.examples, r.counter_examples)
                 for r in rules.aliases]
    for label, pattern, examples, counter in patterns:
        if pattern is None:
            continue
        rx = re.compile(pattern)
        for text in examples:
            results.append((label, f"matches {text!r}", rx.search(text) is not None))
        for text in counter:
            results.append((label, f"does not match {text!r}", rx.search(text) is None))
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
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                errors.append(f"{where}: must be a positive whole number, got {value!r}")
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
