"""One task's events, shaped the way the request asked (history, wrap, notask, stdout=plain|json|both)."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from . import messages as m
from .items import Emit, Item, Later
from .scenario import Scenario
from .threads import TurnInfo


class TaskRun:
    """Makes a task's `updates` and `custom` events and remembers the messages it sent."""

    def __init__(self, name: str, prompt: str, run_id: str, *, parallel: bool, haiku: bool, sc: Scenario,
                 turn: TurnInfo) -> None:
        self.name, self.prompt, self.run_id, self.sc = name, prompt, run_id, sc
        self.labelled = parallel  # task_name on updates only in parallel runs
        self.seen: list[m.Message] = list(turn.previous) if sc.history else []
        self.new: list[m.Message] = []  # this turn's messages, for thread memory
        self.session = str(uuid.uuid4())
        self.model = "claude-3-5-haiku-20241022" if haiku else "claude-sonnet-4-20250514"

    # -- events known when the script is built -------------------------------------------------

    def updates(self, *msgs: m.Message) -> Emit:
        self.new.extend(msgs)
        self.seen.extend(msgs)
        payload: dict[str, Any] = {"run_id": self.run_id}
        if self.labelled:
            payload["task_name"] = self.name
        payload["messages"] = list(self.seen) if self.sc.history else list(msgs)
        payload["stream_events"] = []
        return Emit("updates", {"executor": payload} if self.sc.wrap else payload)

    def out(self, text: str, split: bool = False) -> Emit:
        payload = {"stdout": text}
        if self.labelled or not self.sc.notask:
            payload = {"task_name": self.name, **payload}
        return Emit("custom", payload, split=split)

    def plain(self, text: str) -> list[Item]:
        """Tool output as ANSI text, unless the request wants stream-json only."""
        return [self.out(text)] if self.sc.stdout in ("plain", "both") else []

    def json(self, line: str) -> list[Item]:
        """A Claude Code stream-json line, unless the request wants plain text only."""
        return [self.out(line)] if self.sc.stdout in ("json", "both") else []

    # -- events whose text is known only when they are played ----------------------------------

    def later_updates(self, message: Callable[[], m.Message]) -> Later:
        return Later(lambda: self.updates(message()))

    def later_plain(self, text: Callable[[], str]) -> list[Item]:
        return [Later(lambda: self.out(text()))] if self.sc.stdout in ("plain", "both") else []

    def later_json(self, line: Callable[[], str]) -> list[Item]:
        return [Later(lambda: self.out(line()))] if self.sc.stdout in ("json", "both") else []
