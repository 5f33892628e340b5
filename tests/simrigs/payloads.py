"""Payload variants of a task's events: history, a node-name wrapper, no task_name, one stdout form."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cc_jupyter.simulator.messages import Message
from cc_jupyter.simulator.taskrun import TaskRun

from .options import RiggedScenario

Messages = Callable[[], list[Message]]  # a turn's messages so far (they grow while it plays)


class History:
    """Every turn's messages, by thread, for `history`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._turns: dict[str, list[Messages]] = {}

    def add(self, thread_id: str, messages: Messages) -> None:
        with self._lock:
            self._turns.setdefault(thread_id, []).append(messages)

    def earlier(self, thread_id: str) -> list[Message]:
        """Every message of the thread's turns so far."""
        with self._lock:
            turns = list(self._turns.get(thread_id, []))
        return [msg for turn in turns for msg in turn()]

    def clear(self) -> None:
        with self._lock:
            self._turns.clear()


class VariantTaskRun(TaskRun):
    """A TaskRun shaped by `history`, `wrap`, `notask` and `stdout=plain|json|both`."""

    def __init__(self, name: str, prompt: str, run_id: str, *, labelled: bool, haiku: bool, sc: RiggedScenario,
                 earlier: Messages) -> None:
        super().__init__(name, prompt, run_id, labelled=labelled, haiku=haiku)
        self.sc = sc
        self.seen: list[Message] = earlier() if sc.history else []

    def shown(self, msgs: list[Message]) -> list[Message]:
        self.seen.extend(msgs)
        return list(self.seen) if self.sc.history else msgs

    def wrapped(self, payload: dict[str, Any]) -> Any:
        return {"executor": payload} if self.sc.wrap else payload

    def names_custom(self) -> bool:
        return self.labelled or not self.sc.notask

    def shows(self, form: str) -> bool:
        return self.sc.stdout in (form, "both")
