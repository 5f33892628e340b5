"""One task's `updates` and `custom` events; a subclass may shape them differently."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from . import messages as m
from .items import Emit, Item, Later


class TaskRun:
    """Makes a task's events and remembers the messages it sent (this turn's, for thread memory)."""

    def __init__(self, name: str, prompt: str, run_id: str, *, labelled: bool, haiku: bool) -> None:
        self.name, self.prompt, self.run_id = name, prompt, run_id
        self.labelled = labelled  # task_name on updates only in parallel runs
        self.new: list[m.Message] = []
        self.session = str(uuid.uuid4())
        self.model = "claude-3-5-haiku-20241022" if haiku else "claude-sonnet-4-20250514"

    # -- how events are shaped (what a subclass changes) ---------------------------------------

    def shown(self, msgs: list[m.Message]) -> list[m.Message]:
        """The messages an `updates` event carries: the new ones."""
        return msgs

    def wrapped(self, payload: dict[str, Any]) -> Any:
        """The `updates` payload as sent."""
        return payload

    def names_custom(self) -> bool:
        """Whether `custom` events carry task_name."""
        return True

    def shows(self, form: str) -> bool:
        """Whether tool stdout comes as `plain` ANSI text and as `json` stream-json lines."""
        return True

    # -- events known when the script is built -------------------------------------------------

    def updates(self, *msgs: m.Message) -> Emit:
        self.new.extend(msgs)
        payload: dict[str, Any] = {"run_id": self.run_id}
        if self.labelled:
            payload["task_name"] = self.name
        payload["messages"] = self.shown(list(msgs))
        payload["stream_events"] = []
        return Emit("updates", self.wrapped(payload))

    def out(self, text: str) -> Emit:
        payload = {"stdout": text}
        if self.names_custom():
            payload = {"task_name": self.name, **payload}
        return Emit("custom", payload)

    def plain(self, text: str) -> list[Item]:
        return [self.out(text)] if self.shows("plain") else []

    def json(self, line: str) -> list[Item]:
        return [self.out(line)] if self.shows("json") else []

    # -- events whose text is known only when they are played ----------------------------------

    def later_updates(self, message: Callable[[], m.Message]) -> Later:
        return Later(lambda: self.updates(message()))

    def later_plain(self, text: Callable[[], str]) -> list[Item]:
        return [Later(lambda: self.out(text()))] if self.shows("plain") else []

    def later_json(self, line: Callable[[], str]) -> list[Item]:
        return [Later(lambda: self.out(line()))] if self.shows("json") else []
