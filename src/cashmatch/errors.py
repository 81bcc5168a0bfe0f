"""Errors raised to callers, and problems collected as values.

Exception tree::

    CashmatchError
    ├── InputError            unusable input: names the file, the place in it and the reason
    │   ├── ParseError        a statement file that cannot be read
    │   └── ItemsError        an open-items file with bad rows (lists every bad cell)
    ├── ConfigError           a rules file with errors (lists every error with rule and key)
    ├── StoreError            the DuckDB store cannot be opened, is newer than the code...
    │   └── StoreInUse        ...or another process holds it
    ├── PostingError          an entry that would not balance or would over-apply an item
    ├── ReviewError           a decision that cannot be taken as asked (bad amount, no reason)
    ├── NotFound              no such review item, movement, item, alias...
    ├── Conflict              the thing exists but its state forbids the action (already
    │                         decided, settled meanwhile, idempotency key reused)
    └── AmountError           (cashmatch.money) text that is not an exact amount, or too many
                              decimals for the currency

A :class:`Problem` is a non-fatal finding (a balance that does not add up, a skipped record)
returned next to results, in beancount's style, so that a run can keep going and report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is in an input file.

    Attributes:
        file: path of the file as given by the user.
        line: 1-based line number, when the format has lines.
        element: element path, record number or column name that pins the place further.
    """

    file: str
    line: int | None = None
    element: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.element:
            parts.append(self.element)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Problem:
    """A finding that does not stop the work: where, what, and how bad.

    Attributes:
        location: where it was found.
        message: one sentence for a person.
        severity: ``warning`` (the data was used) or ``error`` (the data was skipped).
    """

    location: Location
    message: str
    severity: Literal["warning", "error"] = "warning"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


class CashmatchError(Exception):
    """Base of every error cashmatch raises on purpose."""


class InputError(CashmatchError):
    """Input that cannot be used; nothing was stored."""

    def __init__(self, location: Location, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


class ParseError(InputError):
    """A statement file that cannot be parsed."""


class ItemsError(CashmatchError):
    """An open-items file with one or more bad cells; ``problems`` lists each of them."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        shown = "\n".join(f"  {p.location}: {p.message}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{file}: {len(problems)} problem(s), nothing imported:\n{shown}{more}")
        self.file = file
        self.problems = problems


class ConfigError(CashmatchError):
    """A rules file with errors; ``errors`` lists each as ``rule.key: reason``."""

    def __init__(self, file: str, errors: list[str]) -> None:
        super().__init__(f"{file}: {len(errors)} error(s):\n" + "\n".join(f"  {e}" for e in errors))
        self.file = file
        self.errors = errors


class StoreError(CashmatchError):
    """The store cannot be used as asked."""


class StoreInUse(StoreError):
    """Another process (a running ``cashmatch serve``, another command) holds the store."""


class PostingError(CashmatchError):
    """An entry that would not balance, or an allocation beyond an item's open amount."""


class ReviewError(CashmatchError):
    """A decision that cannot be taken as asked (a bad amount, a missing reason...)."""


class NotFound(CashmatchError, LookupError):
    """What was asked for does not exist."""


class Conflict(CashmatchError):
    """What was asked for exists, but its state forbids the action."""
