"""Kernel state of the magics: secrets from login, current threads, the runs of this kernel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..secrets import mask_hint
from .live import LiveRun
from .target import Target


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
    # The kernel's current conversation: where a cell without -r goes on.
    conversation: Target | None = None
    said: set[str] = field(default_factory=set)  # notices given once per kernel
    _numbered: int = 0
    _moves: dict[int, tuple[Target | None, Target]] = field(default_factory=dict)  # run -> (before, after)

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

    def move_conversation(self, number: int, target: Target) -> None:
        """Run ``number`` goes to ``target``: the next cell without -r follows it there."""
        self._moves[number] = (self.conversation, target)
        self.conversation = target

    def settle_conversation(self, number: int, accepted: bool) -> None:
        """Run ``number`` ended; a run the API never answered (refused, unreachable, stopped before
        any event) did not move the conversation, unless a later cell moved it since."""
        before, after = self._moves.pop(number, (None, None))
        if not accepted and after is not None and self.conversation is after:  # no later cell moved it
            self.conversation = before

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
