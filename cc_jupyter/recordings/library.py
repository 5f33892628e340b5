"""The recordings of a directory, found again by what a cell asks and where it stands.

A cell matches a recording when it asks the same (repository, branch, model, prompt or tasks —
:func:`~.format.ask_key`, computed from the recorded request, never read from the file) at the
same place in the conversation: the first cell of a thread matches a recording that continued
nothing; the next one matches a recording that continued the run just replayed or made. Only
completed runs move the conversation on, so a failed attempt and its successful retry follow
the same run (the newest recording wins). A kernel never replays its own recordings: running a
cell again continues the conversation live.

The folder may come from anyone: each file is read as :mod:`.parse` says, and one that cannot
be read is skipped and named once (through ``on_problem``), never breaking a listing or a cell.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import Unreadable
from ..secrets import SecretMasker
from ..text import one_line
from .parse import End, Header, Recorded, read, read_end, read_header


@dataclass(frozen=True)
class Entry:
    """One recording, as its checked header describes it."""

    path: Path
    header: Header

    @property
    def id(self) -> str:
        return self.header.id

    @property
    def key(self) -> str:
        return self.header.key

    @property
    def continues(self) -> str | None:
        return self.header.continues

    @property
    def kernel(self) -> str:
        return self.header.kernel

    @property
    def recorded_at(self) -> datetime.datetime:
        return self.header.recorded_at

    @property
    def when(self) -> str:
        """When it was recorded, in this machine's time: ``2026-11-29 07:12``."""
        return self.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M")

    @property
    def simulated(self) -> bool:
        """Its answers came from the simulator (demo mode), not from the API."""
        return self.header.source == "simulator"

    @property
    def prompt(self) -> str:
        first = next(iter(self.header.prompts.values()), "")
        return one_line(first, 60)


class Library:
    """The recordings in ``directory`` (read lazily; a file's header is read once per change of
    the file or of the secrets to mask).

    ``masker`` masks what is read; ``on_problem`` hears, once per file, why one is skipped."""

    def __init__(
        self,
        directory: str | Path,
        *,
        masker: SecretMasker | None = None,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.on_problem = on_problem
        self._cache: dict[Path, tuple[tuple[int, int], Entry | None]] = {}
        self._masker = masker or SecretMasker()

    @property
    def masker(self) -> SecretMasker:
        return self._masker

    @masker.setter
    def masker(self, masker: SecretMasker) -> None:
        if masker.values != self._masker.values:
            self._cache.clear()  # what was read is masked again with the secrets known now
        self._masker = masker

    def entries(self) -> list[Entry]:
        """Every readable recording, oldest first."""
        found: list[Entry] = []
        try:
            paths = sorted(self.directory.glob("*.jsonl")) if self.directory.is_dir() else []
        except OSError:
            return found
        for path in paths:
            try:
                facts = os.stat(path)  # never blocks, whatever the file is
            except OSError:
                try:
                    facts = os.lstat(path)  # a broken link: read (and named) once
                except OSError:
                    continue
            stamp = (facts.st_mtime_ns, facts.st_size)
            cached = self._cache.get(path)
            if cached is None or cached[0] != stamp:
                cached = self._cache[path] = (stamp, self._read(path))
            if cached[1] is not None:
                found.append(cached[1])
        return sorted(found, key=lambda entry: (entry.recorded_at, entry.path.name))

    def _read(self, path: Path) -> Entry | None:
        try:
            return Entry(path, read_header(path, masker=self.masker, folder=self.directory))
        except Unreadable as problem:
            if self.on_problem is not None:
                self.on_problem(f"{problem}; it was skipped.")
            return None

    def match(self, key: str, continues: str | None, *, kernel: str, simulated: bool = True) -> Entry | None:
        """The newest recording of another kernel asking ``key`` right after ``continues``
        (``simulated=False``: only one whose answers came from the API)."""
        candidates = [
            e for e in self.entries()
            if e.key == key and e.continues == continues and e.kernel != kernel and (simulated or not e.simulated)
        ]
        return candidates[-1] if candidates else None

    def replayable(
        self, key: str, continues: str | None, *, kernel: str, simulated: bool = True
    ) -> tuple[Entry, Recorded] | None:
        """The recording :meth:`match` finds, read whole (a file that cannot be read is named
        through ``on_problem`` and not replayed)."""
        entry = self.match(key, continues, kernel=kernel, simulated=simulated)
        if entry is None:
            return None
        try:
            return entry, read(entry.path, masker=self.masker, folder=self.directory)
        except Unreadable as problem:
            if self.on_problem is not None:
                self.on_problem(f"{problem}; it is not replayed.")
            return None

    def find(self, prefix: str) -> Entry | None:
        """The recording whose id starts with ``prefix`` (None when none or several do)."""
        found = [e for e in self.entries() if prefix and e.id.startswith(prefix)]
        return found[0] if len(found) == 1 else None

    def end(self, entry: Entry) -> End | None:
        """How ``entry``'s run ended, if its closing line is there and valid (read from the end)."""
        return read_end(entry.path, masker=self.masker, folder=self.directory)

    def last_completed_on_thread(self, thread_id: str) -> Entry | None:
        for entry in reversed(self.entries()):
            end = self.end(entry)
            if end and end.thread_id == thread_id and end.status == "completed":
                return entry
        return None
