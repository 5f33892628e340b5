"""A Run rebuilt from its recording: the same stdout, messages, ids, thread, status and error."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from ..protocol.events import Event
from ..protocol.request import DEFAULT_TASK, Request
from ..run.changes import Changes
from ..run.state import Run, RunError
from ..run.task import FINAL_STATUSES, Status
from .format import Recorded, read

UNFINISHED = (
    "The recording ends before the run did: the kernel stopped while the run was going on; the "
    "agent may have gone on and pushed, so check the repository before running the prompt again."
)


def load_run(path: str | Path) -> Run:
    """Rebuild the :class:`~cc_jupyter.Run` a recording holds (no request is made).

    A recording without its closing line (the kernel died mid-run) loads as ``disconnected``."""
    recorded = read(path)
    run = empty_run(recorded)
    for _, kind, data in recorded.events:
        run.apply_all([Event(kind, data)])
    settle(run, recorded)
    run.recording = Path(path)
    return run


def empty_run(recorded: Recorded) -> Run:
    """The Run a recording's header describes, before any event (no secret in it)."""
    header = recorded.header
    prompts = header.get("prompts")
    request = Request(
        endpoint="",
        repo=str(header.get("repo", "")),
        branch=str(header.get("branch", "")),
        haiku=bool(header.get("haiku")),
        prompts={str(k): str(v) for k, v in prompts.items()} if isinstance(prompts, dict) else {DEFAULT_TASK: ""},
        parallel=bool(header.get("parallel")),
        thread_id=header.get("thread_id") if isinstance(header.get("thread_id"), str) else None,
    )
    run = Run(request)
    run.started_at = recorded_at(header)
    return run


def settle(run: Run, recorded: Recorded) -> None:
    """Give ``run`` the end its recording says it had, and what it pushed."""
    if recorded.changes is not None:
        run.set_changes(Changes.from_json(recorded.changes))
    end = recorded.end
    if end is None:
        run.finish("disconnected")
        if run.error is not None:
            run.error.message = UNFINISHED
        return
    if isinstance(end.get("thread_id"), str):
        run.adopt_thread(end["thread_id"])
    error = end.get("error")
    status: Status = end["status"] if end.get("status") in FINAL_STATUSES else "failed"
    duration = end.get("duration")
    run.restore_end(
        status,
        RunError(error.get("kind", "internal"), str(error.get("message", ""))) if isinstance(error, dict) else None,
        ended_at=run.started_at + float(duration) if isinstance(duration, (int, float)) else None,
        tasks=_task_ends(recorded.tasks, run.started_at),
        event_count=end.get("event_count") if isinstance(end.get("event_count"), int) else None,
    )


def recorded_at(header: dict[str, Any]) -> float:
    try:
        return datetime.datetime.fromisoformat(str(header.get("recorded_at"))).timestamp()
    except ValueError:
        return 0.0


def _task_ends(tasks: dict[str, Any] | None, start: float) -> dict[str, tuple[str, float | None, float | None]]:
    ends: dict[str, tuple[str, float | None, float | None]] = {}
    for name, task in (tasks or {}).items():
        if isinstance(task, dict):
            started, ended = task.get("started"), task.get("ended")
            ends[str(name)] = (
                str(task.get("status") or "failed"),
                start + started if isinstance(started, (int, float)) else None,
                start + ended if isinstance(ended, (int, float)) else None,
            )
    return ends
