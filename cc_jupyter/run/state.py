"""The Run: the single source of truth of one agent run, filled by events, read by views.

Everything the Run keeps is masked: payloads (keys and values) as they arrive, stdout as whole
lines (see :mod:`.output`). It is written by one thread only — the I/O thread that applies the
events — and read by any. ``pickle.dumps(run)`` holds no secret.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import RunFailedError
from ..json_types import JSON
from ..protocol.events import Event
from ..protocol.request import DEFAULT_TASK, Request
from ..protocol.threads import plausible_thread_id, thread_id_in_payload
from ..secrets import SecretMasker
from ..text import clip, one_line, strip_escapes
from .changes import Changes
from .history import HistoryFilter, repeated_count
from .messages import asks_for_tool
from .task import FINAL_STATUSES, Status, TaskState

ErrorKind = Literal[
    "http",  # an HTTP error or unreachable API before the stream started
    "error_event",  # the server sent an ``error`` event
    "task_error",  # a task's result record says it failed
    "auth",  # a legacy ``{"auth": ...}`` report inside the stream
    "disconnected",  # the connection ended before the run finished
    "idle_timeout",  # no event for ``idle_timeout`` seconds
    "empty_stream",  # the stream ended without a single event
    "cancelled",  # stopped by the user (Stop, Interrupt, cancel)
    "internal",  # cc_jupyter could not process what arrived (a bug to report)
]
Outcome = Literal["closed", "cancelled", "disconnected", "idle_timeout"]
_MESSAGE_CHARS = 500  # server text quoted in an error sentence


@dataclass
class RunError:
    """Why a run that had started did not complete: one sentence with a next step."""

    kind: ErrorKind
    message: str
    detail: JSON = None

    def __str__(self) -> str:
        return self.message


@dataclass
class RunInfo:
    """What was asked, without secrets."""

    repo: str
    branch: str
    haiku: bool
    prompts: dict[str, str]
    parallel: bool
    origin: str = ""  # where the repository came from ("this cell", "the conversation", …), when known

    @classmethod
    def of(cls, request: Request, origin: str = "") -> RunInfo:
        return cls(request.repo, request.branch, request.haiku, dict(request.prompts), request.parallel, origin)

    @property
    def model(self) -> str:
        return "haiku" if self.haiku else "sonnet"


def _names(tasks: list[TaskState], noun: str) -> str:
    """``task a`` or ``tasks a, b …`` (at most five names)."""
    names = ", ".join(clip(t.name, 40) for t in tasks[:5]) + (" …" if len(tasks) > 5 else "")
    return f"{noun} {names}" if len(tasks) == 1 else f"{noun}s {names}"


def _json_text(value: JSON) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def status_word(status: str) -> str:
    """A status as said to a user: a run waiting for a group's slot (``pending``) is ``queued``."""
    return "queued" if status == "pending" else status


class Run:
    """State of one run. ``apply``, ``commit``, ``finish``, ``fail`` and the thread methods are
    called by the I/O thread only (the transport, or a replay); everything else only reads."""

    def __init__(self, request: Request, *, masker: SecretMasker | None = None, origin: str = "") -> None:
        self.info = RunInfo.of(request, origin)
        self.status: Status = "running"
        self.masker = masker or SecretMasker(request.secrets)
        self.tasks: dict[str, TaskState] = {name: TaskState(name, self.masker) for name in request.prompts}
        self.messages: list[dict[str, JSON]] = []
        self.run_ids: list[str] = []
        self.thread_id: str | None = request.thread_id
        self.error: RunError | None = None
        self.events: list[Event] = []  # every event but stdout (that is folded into the tasks), masked
        self.other_events: list[Event] = []  # types or shapes the protocol does not describe, kept raw
        self.event_count = 0  # events received, stdout included
        self.started_at: float = time.time()
        self.ended_at: float | None = None
        self.version = 0  # bumped on every change; views compare it to know what to redraw
        self.on_event: Callable[[Event], None] | None = None  # sees every masked event kept (a recorder)
        self.recording: Path | None = None  # the file this run is recorded in, if any
        self.changes: Changes | None = None  # what the run pushed, read from GitHub once it ended
        self._history = HistoryFilter()  # raw (unmasked) messages of each task's last update: never pickled
        self._message_index: dict[str, tuple[int, TaskState, int]] = {}  # key -> (run index, task, task index)
        self._positions: dict[str, list[str]] = {}  # task -> the key of each message of its last update
        self._unnamed = 0  # messages without an id, numbered
        self._task_of_run_id: dict[str, str] = {}
        self._run_id_set: set[str] = set()
        self._task_of_name: dict[str | None, TaskState] = {}  # raw task name from the wire -> its task
        self._dirty: dict[str, TaskState] = {}  # tasks with stdout not yet committed, in order

    # ----- reading -----
    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def failed(self) -> bool:
        """Whether the run failed or was cut (a run the user cancelled did not fail)."""
        return self.status in ("failed", "disconnected")

    @property
    def duration(self) -> float:
        return (self.ended_at or time.time()) - self.started_at

    @property
    def stdout(self) -> str:
        """All stdout of a single-task run (for parallel runs, use ``tasks[name].stdout``)."""
        if len(self.tasks) == 1:
            return next(iter(self.tasks.values())).stdout
        return "\n".join(t.stdout for t in list(self.tasks.values()))

    @property
    def summary(self) -> str:
        """The agent's closing words: per task for parallel runs."""
        tasks = list(self.tasks.values())
        if len(tasks) == 1:
            return tasks[0].summary
        return "\n\n".join(f"[{task.name}] {task.summary}" for task in tasks if task.summary)

    def raise_for_status(self) -> Run:
        """Raise :class:`~cc_jupyter.RunFailedError` if the run failed or was cut; else return it.

        A run the user cancelled is not an error."""
        if self.failed:
            message = self.error.message if self.error else f"The run ended {self.status}."
            raise RunFailedError(message, run=self)
        return self

    def __repr__(self) -> str:
        # Task names and ids came from a server or a recording: no escape sequence reaches a terminal.
        tasks = ", ".join(f"{clip(strip_escapes(n), 40)}:{t.status}" for n, t in list(self.tasks.items())[:10])
        more = f", … {len(self.tasks) - 10} more" if len(self.tasks) > 10 else ""
        thread = clip(strip_escapes(self.thread_id), 64) if self.thread_id else None
        return (
            f"<Run {self.status} {self.info.repo}@{self.info.branch} thread={thread} "
            f"tasks=[{tasks}{more}] messages={len(self.messages)} events={self.event_count}>"
        )

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["on_event"] = None
        state["_task_of_name"] = {}  # raw names from the wire: rebuilt on use
        state["_dirty"] = {}
        state["_history"] = HistoryFilter()  # unmasked: left behind
        return state

    # ----- writing (the I/O thread) -----
    def sent_thread(self, thread_id: str | None) -> None:
        """The thread id the request carried (policy rule 2; None when resent without one)."""
        self.thread_id = thread_id
        self.version += 1

    def queue(self) -> None:
        """Not started: waiting, ``pending``, for one of a group's slots (before any view draws it)."""
        if self.status == "running" and self.event_count == 0:
            self.status = "pending"
            self.version += 1

    def adopt_thread(self, candidate: JSON) -> bool:
        """Adopt a thread id the server sent (policy rule 1), if it looks like an id."""
        if not plausible_thread_id(candidate):
            return False
        candidate = self.masker.text(candidate)
        if candidate == self.thread_id:
            return False
        self.thread_id = candidate
        self.version += 1
        return True

    def apply_all(self, events: list[Event]) -> None:
        """Fold the events of one network chunk, then release their stdout (see :meth:`commit`)."""
        adders: dict[str | None, Callable[[str], None]] = {}  # task name -> add, until the next commit
        count = 0
        for event in events:
            data = event.data
            if event.type == "custom" and type(data) is dict and len(data) <= 2:  # the hot path
                stdout = data.get("stdout")
                if type(stdout) is str and (len(data) == 1 or "task_name" in data):
                    count += 1
                    name = data.get("task_name")
                    add = adders.get(name)
                    if add is None:
                        self._stdout(name, stdout)
                        if name.__class__ is str:
                            adders[name] = self._task_of_name[name].output.add
                    else:
                        add(stdout)
                    continue
            adders.clear()  # apply() may commit
            self.apply(event)
        self.event_count += count
        self.commit()

    def apply(self, event: Event) -> None:
        """Fold one normalised event into the state; unknown events are kept, never fatal."""
        self.event_count += 1
        data = event.data
        if event.type == "custom" and type(data) is dict:
            stdout = data.get("stdout")
            if type(stdout) is str and (len(data) == 1 or (len(data) == 2 and "task_name" in data)):
                self._stdout(data.get("task_name"), stdout)
                return
            if stdout is not None:
                self._stdout(data.get("task_name"), stdout if isinstance(stdout, str) else _json_text(stdout))
                data = {k: v for k, v in data.items() if k != "stdout"}
                if set(data) <= {"task_name"}:
                    return
        self.commit()  # stdout that came before this event is kept before it
        if event.type == "updates" and type(data) is dict:
            data = self._history.reduce(data)  # before masking: only the new messages cost anything
        masked = Event(self.masker.text(event.type), self.masker.deep(data), event.framing, self.masker.text(event.id))
        self._fold(masked)
        self.events.append(masked)
        self._emit(masked)
        self.version += 1

    def commit(self) -> None:
        """Release the stdout received since the last commit (after each network chunk)."""
        if not self._dirty:
            return
        tasks = list(self._dirty.values())
        self._dirty.clear()
        for task in tasks:
            self._released(task, task.output.commit())
        self.version += 1

    def fail(self, error: RunError) -> None:
        """The run failed before its stream started (HTTP error, connection refused)."""
        self._end("failed", error)

    def finish(self, outcome: Outcome, detail: str = "", *, silent_for: float | None = None) -> None:
        """Settle the final status once the stream is over, however it ended. ``detail``: why a
        connection broke; ``silent_for``: the idle limit that closed it (outcome ``idle_timeout``)."""
        if self.done:
            return
        if outcome == "cancelled":
            self._end("cancelled", self.error or RunError("cancelled", "The run was stopped; what arrived is kept."))
        elif outcome == "idle_timeout":
            self._end("disconnected", self.error or RunError("idle_timeout", self._silence(silent_for)))
        elif outcome == "disconnected":
            why = one_line(strip_escapes(detail), 200) or "stream cut"
            self._end("disconnected", self.error or RunError("disconnected", self._cut(f"The connection ended before the run finished ({why})")))
        elif self.error is not None:
            self._end("failed", self.error)
        elif self.event_count == 0:
            self._end(
                "disconnected",
                RunError(
                    "empty_stream",
                    "The API closed the stream without sending a single event: the run may not have "
                    "started, or may still be going; check the repository before running the prompt again.",
                ),
            )
        elif waiting := self._waiting_on_tools():
            self._end("disconnected", RunError("disconnected", self._cut(
                f"The stream ended while {self._who(waiting)} still waited on a tool call, with no closing answer")))
        else:
            failed = [t for t in self.tasks.values() if t.status == "failed"]
            if failed:
                self._end("failed", RunError("task_error", f"{_names(failed, 'Task').capitalize()} reported an error: see its output for what went wrong."))
            else:
                self._end("completed", None)

    def set_changes(self, changes: Changes | None) -> None:
        """What the run pushed (read after its end, or from its recording)."""
        self.changes = changes
        self.version += 1

    def restore_end(
        self,
        status: Status,
        error: RunError | None,
        *,
        ended_at: float | None,
        tasks: dict[str, tuple[str, float | None, float | None]],
        event_count: int | None,
    ) -> None:
        """End as a recording says this run ended (a replay or a recording read back)."""
        self._end(status, error)
        if ended_at is not None:
            self.ended_at = ended_at
        for name, (task_status, started, ended) in tasks.items():
            task = self.tasks.get(name)
            if task is not None and task_status in FINAL_STATUSES:
                task.status = task_status  # type: ignore[assignment]
                task.started_at, task.ended_at = started or task.started_at, ended or task.ended_at
        if event_count is not None:
            self.event_count = event_count
        self.version += 1

    # ----- internals -----
    def _cut(self, what: str) -> str:
        """A broken-off run's error: what happened, that the agent may go on, where to look."""
        where = f"{self.info.repo} branch {self.info.branch}"
        return (f"{what}: the agent may still be working and may push; check {where} "
                "before running the prompt again.")

    def _silence(self, seconds: float | None) -> str:
        silent = f"{seconds:g} s" if seconds else "the idle limit"
        return self._cut(
            f"Nothing arrived for {silent}, not even a keep-alive, so the connection was closed "
            "(the limit is CloudCode.idle_timeout or CLOUDCODE_IDLE_TIMEOUT, in seconds; 0 = never)"
        )

    def _who(self, tasks: list[TaskState]) -> str:
        return "the agent" if len(self.tasks) == 1 else _names(tasks, "task")

    def _waiting_on_tools(self) -> list[TaskState]:
        """Tasks without a closing answer whose last message still calls a tool."""
        return [task for task in list(self.tasks.values())
                if task.result is None and task.messages and asks_for_tool(task.messages[-1])]

    def _end(self, status: Status, error: RunError | None) -> None:
        if self.done:
            return
        self.commit()
        for task in list(self.tasks.values()):
            self._released(task, task.output.flush())
        now = time.time()
        self.error = error
        for task in self.tasks.values():
            if task.status not in FINAL_STATUSES:
                task.status = "failed" if status == "failed" and error is not None and error.kind != "task_error" else status
                task.ended_at = task.ended_at or now
        self.status = status
        self.ended_at = now
        self.version += 1

    def _emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _stdout(self, raw_name: JSON, text: str) -> None:
        if raw_name.__class__ is not str:
            raw_name = None  # absent, or not a name at all
        task = self._task_of_name.get(raw_name)
        if task is None:
            task = self._task_named(raw_name)
        task.output.add(text)
        if task.name not in self._dirty:
            self._dirty[task.name] = task
            task.start()

    def _task_named(self, raw_name: str | None) -> TaskState:
        """The task a wire task name stands for (masked; a single task when none is named)."""
        if isinstance(raw_name, str) and raw_name:
            name = self.masker.text(raw_name)
        elif len(self.tasks) == 1:
            name = next(iter(self.tasks))
        else:
            name = DEFAULT_TASK
        task = self.tasks.get(name)
        if task is None:
            task = self.tasks[name] = TaskState(name, self.masker)
        self._task_of_name[raw_name] = task
        return task

    def _released(self, task: TaskState, text: str) -> None:
        if not text:
            return
        self._emit(Event("custom", {"task_name": task.name, "stdout": text}))
        if '"result"' in text:
            self._maybe_result(task, text)

    def _maybe_result(self, task: TaskState, text: str) -> None:
        for line in text.splitlines():
            line = line.strip()
            if not (line.startswith("{") and '"result"' in line):
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict) and record.get("type") == "result":
                task.result = record
                task.status = "failed" if record.get("is_error") else "completed"
                task.ended_at = time.time()

    def _fold(self, event: Event) -> None:
        kind, data = event.type, event.data
        if kind == "updates" and type(data) is dict:
            self._updates(data)
        elif kind == "metadata" and type(data) is dict:
            self._ids(data, None)
        elif kind == "error":
            self._error_event(data)
        elif type(data) is dict and "auth" in data and len(data) <= 2:
            said = one_line(strip_escapes(str(data["auth"])), 200)
            self.error = RunError(
                "auth",
                f"The API refused the credentials inside the stream ({said}): "
                "check CLOUDCODE_API_KEY and GITHUB_TOKEN, or run %cloudcode login.",
                data,
            )
        elif kind != "end":
            self.other_events.append(event)

    def _updates(self, payload: dict[str, JSON]) -> None:
        name = payload.get("task_name")
        run_id = payload.get("run_id")
        if not (isinstance(name, str) and name):
            name = self._task_of_run_id.get(run_id) if isinstance(run_id, str) else None
        task = self._task_of_name.get(name) or self._task_named(name)
        task.start()
        self._ids(payload, task)
        messages = payload.get("messages")
        if isinstance(messages, list):
            self._messages(messages, repeated_count(payload), task)

    def _messages(self, messages: list[JSON], repeated: int, task: TaskState) -> None:
        """Fold an update's messages, the first ``repeated`` of its task's last update left out.

        A message is known by its id; one without an id by its place in a re-sent history (an
        update that repeats nothing is new messages, appended)."""
        known = self._positions.get(task.name, [])
        repeated = min(repeated, len(known))
        keys = known[:repeated]
        for message in messages:
            place = len(keys)
            mid = message.get("id") if isinstance(message, dict) else None
            if isinstance(mid, str) and mid:
                key = "id:" + mid
            elif repeated and place < len(known) and known[place].startswith("#"):
                key = known[place]  # a newer version of the message in that place
            else:
                self._unnamed += 1
                key = f"#{self._unnamed}"
            keys.append(key)
            if isinstance(message, dict):
                self._message(key, message, task)
        self._positions[task.name] = keys

    def _ids(self, payload: dict[str, JSON], task: TaskState | None) -> None:
        run_id = payload.get("run_id")
        if isinstance(run_id, str) and run_id:
            if run_id not in self._run_id_set and len(self.run_ids) < 10_000:
                self._run_id_set.add(run_id)
                self.run_ids.append(run_id)
            if task is not None:
                task.run_id = task.run_id or run_id
                self._task_of_run_id.setdefault(run_id, task.name)
        self.adopt_thread(thread_id_in_payload(payload))

    def _message(self, key: str, message: dict[str, JSON], task: TaskState) -> None:
        found = self._message_index.get(key)
        if found is None:
            self._message_index[key] = (len(self.messages), task, len(task.messages))
            self.messages.append(message)
            task.messages.append(message)
            return
        index, owner, task_index = found
        if self.messages[index] != message:  # a newer version of the same message: keep its place
            self.messages[index] = owner.messages[task_index] = message

    def _error_event(self, data: JSON) -> None:
        if isinstance(data, dict):
            name = str(data.get("error") or "Error")
            text = str(data.get("message") or data.get("detail") or "")
        else:
            name, text = "Error", str(data)
        name = one_line(strip_escapes(name), 80)
        text = one_line(strip_escapes(text), _MESSAGE_CHARS)
        self.error = RunError(
            "error_event",
            f"The agent reported {name}: {text or 'no message'} — what arrived is kept; fix the cause and run again.",
            data,
        )
