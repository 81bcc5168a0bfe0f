"""Files received over HTTP: written under the names they were sent under, each in a private
folder of its own, for as long as the work on them lasts; every error and problem then names
the file as it was sent, never the folder on the server."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from cashmatch.errors import InputError, ItemsError, Location, Problem
from cashmatch.ingest.parsers.csv import CsvCellsError


@dataclass(frozen=True, slots=True)
class Received:
    """The files of one upload on disk: ``paths`` in the order sent, and the names sent."""

    folder: str
    paths: list[Path]
    names: dict[str, str]

    def name(self, text: str) -> str:
        """``text`` (a path or a message) with every path of the upload as it was sent."""
        for path, sent in self.names.items():
            text = text.replace(path, sent)
        return text.replace(self.folder + "/", "").replace(self.folder, "")

    def location(self, where: Location) -> Location:
        return replace(where, file=self.name(where.file))

    def problem(self, found: Problem) -> Problem:
        return replace(found, location=self.location(found.location),
                       message=self.name(found.message))

    def error(self, exc: Exception) -> Exception:
        """The same error, naming the files as sent."""
        if isinstance(exc, ItemsError | CsvCellsError):
            return type(exc)(self.name(exc.file), [self.problem(p) for p in exc.problems])
        if isinstance(exc, InputError):
            return type(exc)(self.location(exc.location), self.name(exc.reason))
        return exc


@contextmanager
def received(uploads: list[tuple[str, bytes]]) -> Iterator[Received]:
    """Write ``uploads`` (name sent, content) to disk for the block; an input error raised
    in the block leaves it naming the files as sent."""
    with tempfile.TemporaryDirectory(prefix="cashmatch-upload-") as tmp:
        paths = []
        for n, (name, data) in enumerate(uploads):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            path = folder / (Path(name).name or "upload")
            path.write_bytes(data)
            paths.append(path)
        got = Received(tmp, paths, {str(p): Path(name).name or "upload"
                                    for p, (name, _) in zip(paths, uploads, strict=True)})
        try:
            yield got
        except (InputError, ItemsError) as exc:
            raise got.error(exc) from None
