"""Statement parsers: one module per format, one interface, found by registration.

A parser module defines:

``FORMAT: str``
    the format name shown to users (``csv``, ``camt``, ``mt940``, ``ofx``, ``cfonb120``).
``PRIORITY: int``
    lower is asked first by :func:`detect`; generic formats (CSV) ask last.
``identify(head: bytes, path: Path) -> str | None``
    looks at the first bytes of a file (``HEAD_BYTES`` of them) and returns the reason it
    claims the file (``"XML namespace camt.053.001.08"``) or None. Cheap and never raises.
``parse(path: Path, currency: str | None = None) -> ParseResult``
    reads the whole file into statements with movements, collecting non-fatal problems, and
    raises :class:`~cashmatch.errors.ParseError` (file + line/element + reason) when the file
    cannot be used. ``currency`` is the currency the user states (``--currency``) for what
    the file leaves without one; without it the parser assumes EUR and says so in a
    problem.

Every module of this package that defines ``FORMAT`` is registered on first use, so a new
format is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast

from cashmatch.errors import Location, ParseError
from cashmatch.model import ParseResult

HEAD_BYTES = 64 * 1024


class Parser(Protocol):
    """The interface every parser module satisfies."""

    FORMAT: str
    PRIORITY: int

    def identify(self, head: bytes, path: Path) -> str | None: ...

    def parse(self, path: Path, currency: str | None = None) -> ParseResult: ...


@dataclass(frozen=True, slots=True)
class Identification:
    """Which parser claims a file, and why."""

    path: Path
    format: str | None
    reason: str


_REGISTRY: list[Parser] | None = None


def parsers() -> list[Parser]:
    """All registered parsers, in the order :func:`detect` asks them."""
    global _REGISTRY
    if _REGISTRY is None:
        found: list[Parser] = []
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("_"):
                continue
            module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
            if hasattr(module, "FORMAT"):
                found.append(cast(Parser, module))
        _REGISTRY = sorted(found, key=lambda p: (p.PRIORITY, p.FORMAT))
    return _REGISTRY


def parser_for(fmt: str) -> Parser:
    """The parser registered under ``fmt``."""
    for p in parsers():
        if p.FORMAT == fmt:
            return p
    known = ", ".join(p.FORMAT for p in parsers())
    raise ValueError(f"unknown statement format {fmt!r} (known: {known})")


def read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError as exc:
        raise ParseError(Location(str(path)), f"cannot read the file: {exc.strerror}") from exc


def identify(path: Path) -> Identification:
    """Ask each parser in turn; the first that claims the file wins."""
    head = read_head(path)
    if not head.strip():
        return Identification(path, None, "the file is empty")
    for p in parsers():
        reason = p.identify(head, path)
        if reason:
            return Identification(path, p.FORMAT, reason)
    from cashmatch.ingest.parsers.csv import looks_like_csv

    return Identification(path, None, looks_like_csv(head) or "no parser recognises this "
                                                              "content")


def parse_file(path: Path, fmt: str | None = None,
               currency: str | None = None) -> tuple[str, ParseResult]:
    """Detect the format of ``path`` (or use ``fmt``) and parse it; ``currency`` as the
    user states it (see the module docstring)."""
    if fmt is None:
        ident = identify(path)
        if ident.format is None:
            raise ParseError(Location(str(path)), f"unknown statement format: {ident.reason}")
        fmt = ident.format
    return fmt, parser_for(fmt).parse(path, currency=currency)
