"""A Run rebuilt from its recording: the same stdout, messages, ids, thread, status and error."""

from __future__ import annotations

from pathlib import Path

from ..protocol.events import Event
from ..run.state import Run
from ..secrets import SecretMasker
from ..settings import environment_secrets
from .parse import Recorded, TaskEnd, read

UNFINISHED = (
    "The recording ends before the run did: the kernel stopped, or the recording could not be written "
    "further, while the run was going on; the agent may have gone on and pushed, so check the "
    "repository before running the prompt again."
)


def load_run(path: str | Path, *, masker: SecretMasker | None = None) -> Run:
    """Rebuild the :class:`~cc_jupyter.Run` a recording holds (no request is made).

    The file may come from anyone: it is checked as :mod:`~cc_jupyter.recordings.parse` says,
    and what it holds is masked with ``masker`` (default: the secrets in the environment).
    Raises ``ValueError`` (one sentence) when it is not a readable recording. A recording
    without its closing line (the kernel died mid-run) loads as ``disconnected``."""
    masker = masker or SecretMasker(environment_secrets())
    recorded = read(path, masker=masker)
    run = empty_run(recorded, masker)
    for _, kind, data in recorded.events:
        run.apply_all([Event(kind, data)])
    settle(run, recorded)
    run.recording = Path(path)
    return run


def empty_run(recorded: Recorded, masker: SecretMasker | None = None) -> Run:
    """The Run a recording's header describes, before any event (no secret in it); what is fed
    into it is masked with ``masker``."""
    run = Run(recorded.header.request(), masker=masker or SecretMasker())
    run.started_at = recorded.header.started_at
    return run


def settle(run: Run, recorded: Recorded) -> None:
    """Give ``run`` the end its recording says it had, and what it pushed."""
    if recorded.changes is not None:
        run.set_changes(recorded.changes)
    end = recorded.end
    if end is None:
        run.finish("disconnected")
        if run.error is not None:
            run.error.message = UNFINISHED
        return
    if end.thread_id is not None:
        run.adopt_thread(end.thread_id)
    run.restore_end(
        end.status,
        end.error,
        ended_at=run.started_at + end.duration if end.duration is not None else None,
        tasks=_task_ends(recorded.tasks, run.started_at),
        event_count=end.event_count,
    )


def _task_ends(tasks: dict[str, TaskEnd], start: float) -> dict[str, tuple[str, float | None, float | None]]:
    return {
        name: (
            task.status,
            start + task.started if task.started is not None else None,
            start + task.ended if task.ended is not None else None,
        )
        for name, task in tasks.items()
    }
