"""Kernel state of the magics: secrets from login, current threads, history, live runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..secrets import mask_hint

if TYPE_CHECKING:
    from ..client.runner import RunHandle
    from ..run.state import Run
    from .presenter import Presenter


@dataclass
class HistoryEntry:
    """One run started from this kernel."""

    number: int
    handle: "RunHandle"
    presenter: "Presenter"

    @property
    def run(self) -> "Run":
        return self.handle.run


@dataclass
class Session:
    """Everything the magics remember between cells. Secrets stay in kernel memory only."""

    api_key: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    threads: dict[tuple[str, str], str] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"Session(api_key={mask_hint(self.api_key)}, github_token={mask_hint(self.github_token)}, "
            f"threads={len(self.threads)}, runs={len(self.history)})"
        )

    def thread_for(self, repo: str, branch: str) -> str | None:
        return self.threads.get((repo, branch))

    def set_thread(self, repo: str, branch: str, thread_id: str | None) -> None:
        if thread_id:
            self.threads[(repo, branch)] = thread_id
        else:
            self.threads.pop((repo, branch), None)

    def record(self, handle: "RunHandle", presenter: "Presenter") -> HistoryEntry:
        entry = HistoryEntry(len(self.history) + 1, handle, presenter)
        self.history.append(entry)
        return entry

    def running(self) -> list[HistoryEntry]:
        return [e for e in self.history if not e.handle.done()]

    def running_on_thread(self, thread_id: str | None) -> list[HistoryEntry]:
        return [e for e in self.running() if thread_id and e.run.thread_id == thread_id]
