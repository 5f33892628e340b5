"""Payload variants of a task's events: history, a node-name wrapper, no task_name, one stdout form."""
from __future__ import annotations

from typing import Any

from cc_jupyter.simulator.messages import Message
from cc_jupyter.simulator.taskrun import TaskRun
from cc_jupyter.simulator.threads import TurnInfo

from .options import RiggedScenario


class VariantTaskRun(TaskRun):
    """A TaskRun shaped by `history`, `wrap`, `notask` and `stdout=plain|json|both`."""

    def __init__(self, name: str, prompt: str, run_id: str, *, labelled: bool, haiku: bool, sc: RiggedScenario,
                 turn: TurnInfo) -> None:
        super().__init__(name, prompt, run_id, labelled=labelled, haiku=haiku)
        self.sc = sc
        self.seen: list[Message] = list(turn.previous) if sc.history else []

    def shown(self, msgs: list[Message]) -> list[Message]:
        self.seen.extend(msgs)
        return list(self.seen) if self.sc.history else msgs

    def wrapped(self, payload: dict[str, Any]) -> Any:
        return {"executor": payload} if self.sc.wrap else payload

    def names_custom(self) -> bool:
        return self.labelled or not self.sc.notask

    def shows(self, form: str) -> bool:
        return self.sc.stdout in (form, "both")
