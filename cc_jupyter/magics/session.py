"""Kernel state of the magics: secrets from login, current threads, the runs of this kernel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..secrets import mask_hint
from .live import LiveRun


@dataclass
class Session:
    """Everything the magics remember between cells. Secrets stay in kernel memory only."""

    api_key: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    threads: dict[tuple[str, str], str] = field(default_factory=dict)
    runs: list[LiveRun] = field(default_factory=list)
    # Where each conversation stands: (repo, branch) -> the recording of its last completed run.
    positions: dict[tuple[str, str], str] = field(default_factory=dict)
    kernel_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # this kernel's recordings never replay here
    _numbered: int = 0

    def __repr__(self) -> str:
        return (
            f"Session(api_key={mask_hint(self.api_key)}, github_token={mask_hint(self.github_token)}, "
            f"threads={len(self.threads)}, runs={len(self.runs)})"
        )

    def thread_for(self, repo: str, branch: str) -> str | None:
        return self.threads.get((repo, branch))

    def set_thread(self, repo: str, branch: str, thread_id: str | None) -> None:
        if thread_id != self.threads.get((repo, branch)):
            self.positions.pop((repo, branch), None)  # another conversation: no recording follows yet
        if thread_id:
            self.threads[(repo, branch)] = thread_id
        else:
            self.threads.pop((repo, branch), None)

    def next_number(self) -> int:
        self._numbered += 1
        return self._numbered

    def add(self, live: LiveRun) -> None:
        """Listed before any I/O starts: an interrupt can never leave a run no command can reach."""
        self.runs.append(live)

    def unfinished(self) -> list[LiveRun]:
        """Runs whose transcript is not yet in place (running, or ended unseen)."""
        return [live for live in self.runs if not live.finished]

    def running(self) -> list[LiveRun]:
        return [live for live in self.runs if not live.ended]

    def running_on_thread(self, thread_id: str | None) -> list[LiveRun]:
        return [live for live in self.running() if thread_id and live.run is not None and live.run.thread_id == thread_id]

    def find(self, number: int | None) -> LiveRun | None:
        """Run ``number`` of this kernel, or the last one."""
        if number is None:
            return self.runs[-1] if self.runs else None
        return next((live for live in self.runs if live.number == number), None)

    def clear_finished(self) -> int:
        """Forget the finished runs (their Runs are freed unless held elsewhere); how many."""
        kept = [live for live in self.runs if not live.finished]
        cleared = len(self.runs) - len(kept)
        self.runs = kept
        return cleared
