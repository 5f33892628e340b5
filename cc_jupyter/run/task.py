"""One task of a run: its stdout, messages, status and timing."""

from __future__ import annotations

import time
from typing import Literal

from ..json_types import JSON
from ..secrets import SecretMasker
from .messages import is_ai, message_text
from .output import TaskOutput

Status = Literal["pending", "running", "completed", "failed", "cancelled", "disconnected"]
FINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "disconnected"})


class TaskState:
    """One task: ``output`` (masked stdout), ``messages``, ``status``, ids and timing.

    Written only by its :class:`~cc_jupyter.run.state.Run` on the I/O thread; read anywhere."""

    def __init__(self, name: str, masker: SecretMasker, status: Status = "pending") -> None:
        self.name = name
        self.status: Status = status
        self.output = TaskOutput(masker)
        self.messages: list[dict[str, JSON]] = []
        self.run_id: str | None = None
        self.result: dict[str, JSON] | None = None  # Claude Code stream-json "result" record
        self.started_at: float | None = None
        self.ended_at: float | None = None

    @property
    def stdout(self) -> str:
        """All stdout received for this task, in order (secrets masked)."""
        return self.output.text()

    @property
    def summary(self) -> str:
        """The agent's closing words for this task: its last AI text, else the result record's."""
        for message in reversed(self.messages):
            if is_ai(message):
                text = message_text(message).strip()
                if text:
                    return text
        closing = self.result.get("result") if self.result else None
        if isinstance(closing, str):
            return closing.strip()
        return ""

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at

    def start(self) -> None:
        if self.status == "pending":
            self.status = "running"
            self.started_at = time.time()

    def __repr__(self) -> str:
        return f"<Task {self.name!r} {self.status}: {self.output.length:,} characters of stdout, {len(self.messages)} messages>"
