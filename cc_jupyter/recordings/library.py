"""The recordings of a directory, found again by what a cell asks and where it stands.

A cell matches a recording when it asks the same (repository, branch, model, prompt or tasks —
:func:`~.format.ask_key`) at the same place in the conversation: the first cell of a thread
matches a recording that continued nothing; the next one matches a recording that continued the
run just replayed or made. Only completed runs move the conversation on, so a failed attempt
and its successful retry follow the same run (the newest recording wins). A kernel never
replays its own recordings: running a cell again continues the conversation live.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..text import one_line
from .format import read_end, read_header


@dataclass(frozen=True)
class Entry:
    """One recording, as its header (and closing line) describe it."""

    path: Path
    header: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.header.get("id", ""))

    @property
    def key(self) -> str:
        return str(self.header.get("key", ""))

    @property
    def continues(self) -> str | None:
        value = self.header.get("continues")
        return value if isinstance(value, str) else None

    @property
    def kernel(self) -> str:
        return str(self.header.get("kernel", ""))

    @property
    def recorded_at(self) -> datetime.datetime | None:
        try:
            return datetime.datetime.fromisoformat(str(self.header.get("recorded_at")))
        except ValueError:
            return None

    @property
    def when(self) -> str:
        """When it was recorded, in this machine's time: ``2026-11-29 07:12``."""
        moment = self.recorded_at
        return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "an unknown date"

    @property
    def prompt(self) -> str:
        prompts = self.header.get("prompts")
        first = next(iter(prompts.values()), "") if isinstance(prompts, dict) and prompts else ""
        return one_line(str(first), 60)

    def end(self) -> dict[str, Any] | None:
        return read_end(self.path)


class Library:
    """The recordings in ``directory`` (read lazily; a file's header is read once)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._cache: dict[Path, tuple[float, Entry | None]] = {}

    def entries(self) -> list[Entry]:
        """Every recording, oldest first."""
        found: list[Entry] = []
        if not self.directory.is_dir():
            return found
        for path in sorted(self.directory.glob("*.jsonl")):
            try:
                stamp = path.stat().st_mtime
            except OSError:
                continue
            cached = self._cache.get(path)
            if cached is None or cached[0] != stamp and cached[1] is None:
                header = read_header(path)
                cached = self._cache[path] = (stamp, Entry(path, header) if header else None)
            if cached[1] is not None:
                found.append(cached[1])
        return sorted(found, key=lambda entry: (str(entry.header.get("recorded_at")), entry.path.name))

    def match(self, key: str, continues: str | None, *, kernel: str) -> Entry | None:
        """The newest recording of another kernel asking ``key`` right after ``continues``."""
        candidates = [e for e in self.entries() if e.key == key and e.continues == continues and e.kernel != kernel]
        return candidates[-1] if candidates else None

    def find(self, prefix: str) -> Entry | None:
        """The recording whose id starts with ``prefix`` (None when none or several do)."""
        found = [e for e in self.entries() if prefix and e.id.startswith(prefix)]
        return found[0] if len(found) == 1 else None

    def last_completed_on_thread(self, thread_id: str) -> Entry | None:
        for entry in reversed(self.entries()):
            end = entry.end()
            if end and end.get("thread_id") == thread_id and end.get("status") == "completed":
                return entry
        return None
