"""A live run from start to end: the head of its branch before, the stream, what it pushed
after (read from GitHub), and its recording closed last, with the changes in it.

The run's own status is final as soon as its stream ends; reading the changes after it is
bounded by a short timeout and never turns it into a failure.
"""

from __future__ import annotations

import asyncio

from ..changes.github import head_before, read_changes
from ..errors import CloudCodeError
from ..protocol.request import Request
from ..recordings.recorder import Recorder
from ..run.changes import Changes
from ..run.state import Run
from ..settings import CONNECT_TIMEOUT, GITHUB_TIMEOUT, HEAD_TIMEOUT
from .transport import stream_into

OUTPUT_READ = 1 << 20  # characters of each task's output read for git's push lines (its end)


async def run_to_end(
    request: Request,
    run: Run,
    *,
    recorder: Recorder | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    github_api: str | None = None,
    github_timeout: float = GITHUB_TIMEOUT,
    watch_changes: bool = True,
) -> Run:
    """Stream ``request`` into ``run``; with ``watch_changes``, ``run.changes`` says what it pushed
    (each read from GitHub waits ``github_timeout`` seconds at most). ``github_api`` is the GitHub
    the user configured (None: https://api.github.com); no other is ever sent the token."""
    before: tuple[str | None, str | None] = (None, None)
    if watch_changes:
        before = await head_before(request.repo, request.branch, request.github_token, api=github_api,
                                   timeout=min(HEAD_TIMEOUT, github_timeout), masker=run.masker)
    cancelled = False
    try:
        await stream_into(request, run, idle_timeout=idle_timeout, connect_timeout=connect_timeout, recorder=recorder)
    except asyncio.CancelledError:
        cancelled = True  # stopped: what it pushed until then is still read, then the cancel goes on
    except CloudCodeError:
        if recorder is not None:
            recorder.close(run)  # nothing started: nothing was pushed
        raise
    if watch_changes:
        run.set_changes(await _changes(request, run, before, github_api, github_timeout))
    if recorder is not None:
        recorder.close(run, changes=run.changes.to_json() if run.changes else None)
    if cancelled:
        raise asyncio.CancelledError
    return run


async def _changes(
    request: Request, run: Run, before: tuple[str | None, str | None], api: str | None, timeout: float
) -> Changes:
    sha, error = before
    if sha is None and error is not None:
        return Changes.unavailable(request.repo, request.branch, None, error)
    return await read_changes(
        request.repo, request.branch, sha, request.github_token, api=api, timeout=timeout,
        agent_output=agent_output(run), masker=run.masker,
    )


def agent_output(run: Run) -> str:
    """The end of each task's output and the agent's closing words: where git's push lines and
    pull request URLs are."""
    parts = []
    for task in list(run.tasks.values()):
        length = task.output.length
        parts.append(task.output.read(max(0, length - OUTPUT_READ)) + task.output.unfinished())
    parts.append(run.summary)
    return "\n".join(parts)
