"""Rules and settings: ``rules/*.toml`` → a validated, immutable :class:`Rules`.

Loading collects every error (with its section and key) and raises one
:class:`~cashmatch.errors.ConfigError`; nothing runs on a half-valid file. Amounts and
thresholds are written as strings and read as ``Decimal``. The rules version stored with
every decision is a digest of the file's content, so a changed file is a new version.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cashmatch.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Ledger:
    """Accounts and journal used when posting (French PCG defaults)."""

    journal: str = "BQ"
    journal_label: str = "Banque"
    bank_account: str = "512000"
    bank_account_label: str = "Banque"
    suspense_account: str = "471000"
    suspense_label: str = "Compte d'attente"


@dataclass(frozen=True, slots=True)
class Matching:
    """Thresholds of the matcher.

    Attributes:
        auto_threshold: minimum confidence to post without review.
        review_min_confidence: candidates below this are not shown.
        max_suggestions: ranked candidates kept per review item.
        candidates_per_rule: cap of pairs one blocking rule may produce per movement.
        weight_reference / weight_amount / weight_party: how the confidence is composed.
        fuzzy_reference_min: rapidfuzz similarity (0–100) from which a near reference counts.
        name_similarity_min: rapidfuzz similarity (0–100) from which a payer name counts.
    """

    auto_threshold: Decimal = Decimal("0.95")
    review_min_confidence: Decimal = Decimal("0.10")
    max_suggestions: int = 5
    candidates_per_rule: int = 20
    weight_reference: Decimal = Decimal("0.60")
    weight_amount: Decimal = Decimal("0.35")
    weight_party: Decimal = Decimal("0.05")
    fuzzy_reference_min: int = 80
    name_similarity_min: int = 85


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything a run needs to decide and post; ``version`` identifies the source file."""

    ledger: Ledger = field(default_factory=Ledger)
    matching: Matching = field(default_factory=Matching)
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
    known_sections = {"ledger": Ledger, "matching": Matching}
    for key in data:
        if key not in known_sections:
            errors.append(f"{key}: unknown section (known: {', '.join(known_sections)})")
    ledger = _section(Ledger, data.get("ledger", {}), "ledger", errors)
    matching = _section(Matching, data.get("matching", {}), "matching", errors)
    if isinstance(matching, Matching):
        total = matching.weight_reference + matching.weight_amount + matching.weight_party
        if total != 1:
            errors.append(f"matching.weight_*: the three weights must add up to 1 (they add up to {total})")
        for key in ("auto_threshold", "review_min_confidence"):
            value = getattr(matching, key)
            if not Decimal(0) <= value <= Decimal(1):
                errors.append(f"matching.{key}: must lie between 0 and 1 (got {value})")
    if errors:
        raise ConfigError(name, errors)
    assert isinstance(ledger, Ledger) and isinstance(matching, Matching)
    version = hashlib.sha256(raw).hexdigest()[:12]
    return Rules(ledger=ledger, matching=matching, version=version, source=name)


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
    """``./rules/default.toml`` when it exists (the project's own rules), else None."""
    candidate = Path("rules") / "default.toml"
    return candidate if candidate.exists() else None
