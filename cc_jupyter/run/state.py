"""The Run: the single source of truth of one agent run, filled by events, read by views."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from ..client.events import Event
from ..client.request import DEFAULT_TASK, Request
from ..client.threads import adopt_thread_id
from ..secrets import SecretMasker
from .messages import message_key, message_text

Status = Literal["pending", "running", "completed", "failed", "cancelled", "disconnected"]
FINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "disconnected"})


@dataclass
class RunError:
    """Why a run that had started did not complete: one sentence with a next step."""

    kind: str  # "error_event", "task_error", "auth", "disconnected", "idle_timeout", "cancelled"
    message: str
    detail: Any = None

    def __str__(self) -> str:
        return self.message


class TaskState:
    """One task of a run: its stdout chunks in arrival order, messages, status and timing."""

    def __init__(self, name: str, status: Status = "pending", masker: SecretMasker | None = None) -> None:
        self.name = name
        self._masker = masker or SecretMasker()
        self.status: Status = status
        self.chunks: list[str] = []  # complete lines, masked (a chunk may hold several)
        self.pending = ""  # the unfinished last line, unmasked: a secret may straddle chunks
        self.newlines = 0  # "\n" characters in ``chunks``, counted as they arrive
        self.messages: list[dict[str, Any]] = []
        self.run_id: str | None = None
        self.result: dict[str, Any] | None = None  # Claude Code stream-json "result" record
        self.started_at: float | None = None
        self.ended_at: float | None = None

    @property
    def stdout(self) -> str:
        """All stdout received for this task, in order (secrets masked)."""
        return "".join(self.chunks) + (self._masker.text(self.pending) if self.pending else "")

    @property
    def summary(self) -> str:
        """The agent's closing words for this task: its last AI text, else the result record's."""
        for message in reversed(self.messages):
            if message.get("type") in ("ai", "AIMessage", "AIMessageChunk") and message_text(message).strip():
                return message_text(message).strip()
        if self.result and isinstance(self.result.get("result"), str):
            return self.result["result"].strip()
        return ""

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at

    def __repr__(self) -> str:
        return f"<Task {self.name!r} {self.status}: {len(self.chunks)} stdout chunks, {len(self.messages)} messages>"


@dataclass
class RunInfo:
    """What was asked, without secrets."""

    repo: str
    branch: str
    haiku: bool
    prompts: dict[str, str]
    parallel: bool
    endpoint: str

    @classmethod
    def of(cls, request: Request) -> "RunInfo":
        return cls(request.repo, request.branch, request.haiku, dict(request.prompts), request.parallel, request.endpoint)

    @property
    def model(self) -> str:
        return "haiku" if self.haiku else "sonnet"


class Run:
    """State of one run. Mutated only by :meth:`apply` and :meth:`finish` (on the I/O thread)."""

    def __init__(self, request: Request, *, masker: SecretMasker | None = None) -> None:
        self.info = RunInfo.of(request)
        self.status: Status = "running"
        self.masker = masker or SecretMasker(request.secrets)
        self.tasks: dict[str, TaskState] = {name: TaskState(name, masker=self.masker) for name in request.prompts}
        self.messages: list[dict[str, Any]] = []
        self.run_ids: list[str] = []
        self.thread_id: str | None = request.thread_id
        self.error: RunError | None = None
        self.events: list[Event] = []
        self.other_events: list[Event] = []  # types or shapes the protocol does not describe, kept raw
        self.started_at: float = time.time()
        self.ended_at: float | None = None
        self.version = 0  # bumped on every change; views compare it to know what to redraw
        self._message_index: dict[str, int] = {}
        self._task_of_run_id: dict[str, str] = {}

    # ----- reading -----
    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def duration(self) -> float:
        return (self.ended_at or time.time()) - self.started_at

    @property
    def stdout(self) -> str:
        """All stdout of a single-task run (for parallel runs, use ``tasks[name].stdout``)."""
        return "\n".join(t.stdout for t in self.tasks.values()) if len(self.tasks) > 1 else next(
            iter(self.tasks.values())
        ).stdout

    @property
    def summary(self) -> str:
        """The agent's closing words: per task for parallel runs."""
        if len(self.tasks) == 1:
            return next(iter(self.tasks.values())).summary
        return "\n\n".join(f"[{name}] {task.summary}" for name, task in self.tasks.items() if task.summary)

    def __repr__(self) -> str:
        tasks = ", ".join(f"{n}:{t.status}" for n, t in self.tasks.items())
        return (
            f"<Run {self.status} {self.info.repo}@{self.info.branch} thread={self.thread_id} "
            f"tasks=[{tasks}] messages={len(self.messages)} events={len(self.events)}>"
        )

    # ----- writing (I/O thread) -----
    def apply(self, event: Event) -> None:
        """Fold one normalised event into the state; unknown events are kept, never fatal."""
        kind = event.type
        if kind == "custom" and type(event.data) is dict:
            self._custom(event.data)
        elif kind == "updates" and type(event.data) is dict:
            event.data = self.masker.deep(event.data)
            self._updates(event.data)
        elif kind == "metadata" and type(event.data) is dict:
            event.data = self.masker.deep(event.data)
            self._ids(event.data, None)
        elif kind == "error":
            event.data = self.masker.deep(event.data)
            self._error_event(event.data)
        elif type(event.data) is dict and "auth" in event.data and len(event.data) <= 2:
            event.data = self.masker.deep(event.data)
            self.error = RunError(
                "auth",
                f"The API refused the credentials inside the stream ({event.data['auth']}): "
                "check CLOUDCODE_API_KEY and GITHUB_TOKEN, or run %cloudcode login.",
                event.data,
            )
        else:
            event.data = self.masker.deep(event.data)
            if kind != "end":
                self.other_events.append(event)
        self.events.append(event)
        self.version += 1

    def _flush_pending(self) -> None:
        for task in self.tasks.values():
            if task.pending:
                task.chunks.append(self.masker.text(task.pending))
                task.newlines += task.pending.count("\n")
                task.pending = ""

    def fail(self, error: RunError) -> None:
        """The run failed before its stream started (HTTP error, connection refused)."""
        self._flush_pending()
        self.error = error
        self.status = "failed"
        self.ended_at = time.time()
        for task in self.tasks.values():
            if task.status not in FINAL_STATUSES:
                task.status = "failed"
        self.version += 1

    def finish(self, outcome: Literal["closed", "cancelled", "disconnected", "idle_timeout"], detail: str = "") -> None:
        """Settle the final status once the stream is over, however it ended."""
        if self.done:
            return
        self._flush_pending()
        now = time.time()
        if outcome == "cancelled":
            status: Status = "cancelled"
            self.error = self.error or RunError("cancelled", "The run was stopped; what arrived is kept.")
        elif outcome in ("disconnected", "idle_timeout"):
            status = "disconnected"
            self.error = self.error or RunError(
                outcome,
                f"The connection ended before the run finished ({detail or 'stream cut'}): the agent may "
                "still be working; check the repository before re-running.",
            )
        elif self.error is not None:
            status = "failed"
        else:
            failed = [t for t in self.tasks.values() if t.status == "failed"]
            status = "failed" if failed else "completed"
            if failed:
                names = ", ".join(t.name for t in failed)
                self.error = RunError("task_error", f"Task {names} reported an error: see its output for what went wrong.")
        for task in self.tasks.values():
            if task.status not in FINAL_STATUSES:
                task.status = "failed" if status == "failed" and self.error and self.error.kind != "task_error" else status
                task.ended_at = task.ended_at or now
        self.status = status
        self.ended_at = now
        self.version += 1

    # ----- internals -----
    def _task(self, name: str | None) -> TaskState:
        name = name or DEFAULT_TASK
        task = self.tasks.get(name)
        if task is None:
            task = self.tasks[name] = TaskState(name, masker=self.masker)
        if task.status == "pending":
            task.status = "running"
            task.started_at = time.time()
        return task

    def _custom(self, payload: dict[str, Any]) -> None:
        stdout = payload.get("stdout")
        if stdout is None:
            return
        chunk = stdout if type(stdout) is str else json.dumps(stdout)
        name = payload.get("task_name")
        task = self.tasks.get(name) if type(name) is str else None
        if task is None or task.status == "pending":
            task = self._task(name if isinstance(name, str) and name else None)
        text = task.pending + chunk if task.pending else chunk
        task.pending = ""
        if not text.endswith(("\n", "\r")):  # keep the unfinished line until it is complete
            cut = max(text.rfind("\n"), text.rfind("\r")) + 1
            task.pending = text[cut:]
            text = text[:cut]
        masked = self.masker.text(text) if text else ""
        payload["stdout"] = masked if text is chunk else self.masker.text(chunk)
        if not masked:
            return
        text = masked
        task.newlines += text.count("\n")
        task.chunks.append(text)
        if '"result"' in text and text.lstrip().startswith("{"):
            self._maybe_result(task, text)

    def _maybe_result(self, task: TaskState, text: str) -> None:
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("type") == "result":
                task.result = record
                task.status = "failed" if record.get("is_error") else "completed"
                task.ended_at = time.time()

    def _updates(self, payload: dict[str, Any]) -> None:
        name = payload.get("task_name")
        run_id = payload.get("run_id")
        if not (isinstance(name, str) and name) and isinstance(run_id, str):
            name = self._task_of_run_id.get(run_id)
        if not (isinstance(name, str) and name) and len(self.tasks) == 1:
            name = next(iter(self.tasks))
        task = self._task(name if isinstance(name, str) and name else None)
        self._ids(payload, task)
        for message in payload.get("messages") or []:
            if isinstance(message, dict):
                self._message(message, task)

    def _ids(self, payload: dict[str, Any], task: TaskState | None) -> None:
        run_id = payload.get("run_id")
        if isinstance(run_id, str) and run_id:
            if run_id not in self.run_ids:
                self.run_ids.append(run_id)
            if task is not None:
                task.run_id = task.run_id or run_id
                self._task_of_run_id.setdefault(run_id, task.name)
        adopted = adopt_thread_id(self.thread_id, payload)
        if adopted:
            self.thread_id = adopted

    def _message(self, message: dict[str, Any], task: TaskState) -> None:
        key = message_key(message)
        index = self._message_index.get(key)
        if index is None:
            self._message_index[key] = len(self.messages)
            self.messages.append(message)
            task.messages.append(message)
        elif self.messages[index] != message:
            old = self.messages[index]
            self.messages[index] = message  # a newer version of the same message: keep its place
            for i, m in enumerate(task.messages):
                if m is old:
                    task.messages[i] = message

    def _error_event(self, data: Any) -> None:
        if isinstance(data, dict):
            name = str(data.get("error") or "Error")
            text = str(data.get("message") or data.get("detail") or "")
        else:
            name, text = "Error", str(data)
        self.error = RunError(
            "error_event",
            f"The agent reported {name}: {text or 'no message'} — what arrived is kept; fix the cause and run again.",
            data,
        )

