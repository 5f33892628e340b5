"""The public client: ``invoke`` (blocking), ``ainvoke`` (async) and ``start`` (background)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from ..errors import CloudCodeError
from ..protocol.request import Request, build_request
from ..protocol.settings import Settings, env_settings
from ..recordings.recorder import DEFAULT_DIRECTORY, Recorder
from ..run.state import Run
from .handle import RunHandle, without_traceback
from .transport import DEFAULT_CONNECT_TIMEOUT

Record = Union[bool, str, "os.PathLike[str]", None]  # what ``record=`` takes


def prepare(
    prompt: str | None = None,
    *,
    tasks: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    **options: Any,
) -> Request:
    """Validate everything (no I/O) and return the :class:`~cc_jupyter.Request` to send.

    ``options`` are those of :func:`invoke` (repo, branch, haiku, thread_id, api_url, api_key,
    github_token); what is missing comes from ``settings`` (default: the environment)."""
    return build_request(prompt, tasks, settings=settings or env_settings(), **options)


def recorder_for(record: Record, **options: Any) -> Recorder | None:
    """The recorder ``record`` asks for: ``True`` (into ``CLOUDCODE_RECORD_DIR``, else
    ``.cloudcode/runs``), a directory, ``False``; ``None`` records only when
    ``CLOUDCODE_RECORD_DIR`` is set."""
    if record is False:
        return None
    directory = os.environ.get("CLOUDCODE_RECORD_DIR", "").strip()
    if record is None and not directory:
        return None
    if record is not None and record is not True:
        directory = os.fspath(record)
    return Recorder(Path(directory or DEFAULT_DIRECTORY), **options)


def start(
    request: Request,
    *,
    run: Run | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    recorder: Recorder | None = None,
    github_api: str | None = None,
    github_timeout: float | None = None,
    changes: bool = True,
) -> RunHandle:
    """Start ``request`` on the background loop and return its handle at once.

    Pass ``run`` (made with ``Run(request)``) to show a view of it before any I/O starts.
    ``changes``: read from GitHub what the run pushed (``run.changes``); ``github_api``
    overrides the API's base URL (default: derived from the repository URL)."""
    from .lifecycle import CHANGES_TIMEOUT, run_to_end

    run = run if run is not None else Run(request)
    coro = run_to_end(request, run, idle_timeout=idle_timeout, connect_timeout=connect_timeout, recorder=recorder,
                      github_api=github_api, github_timeout=github_timeout or CHANGES_TIMEOUT, watch_changes=changes)
    return RunHandle(run, coro)


def invoke(
    prompt: str | None = None,
    *,
    tasks: Mapping[str, str] | None = None,
    repo: str | None = None,
    branch: str | None = None,
    haiku: bool = False,
    thread_id: str | None = None,
    api_url: str | None = None,
    api_key: str | None = None,
    github_token: str | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    record: Record = None,
    changes: bool = True,
    github_api_url: str | None = None,
) -> Run:
    """Run the agent on ``repo`` and return the finished :class:`~cc_jupyter.Run`.

    Give ``prompt`` for one task, or ``tasks`` (name -> prompt) for a parallel run. Settings not
    passed come from ``CLOUDCODE_API_URL``, ``CLOUDCODE_API_KEY``, ``GITHUB_TOKEN``/``GH_TOKEN``,
    ``CLOUDCODE_REPO`` and ``CLOUDCODE_BRANCH``. Raises :class:`~cc_jupyter.CloudCodeError` for
    anything that fails before the stream starts; afterwards the Run's ``status`` and ``error``
    say how it ended (``run.raise_for_status()`` turns a failure into an exception).
    ``idle_timeout`` (seconds, default none) gives up when no event arrives for that long.
    ``record`` writes a recording as the run streams (``True``, a directory; see
    :func:`recorder_for`); ``cc_jupyter.load_run(run.recording)`` reads it back. ``changes``
    reads from GitHub what the run pushed into ``run.changes`` (``github_api_url``, else
    ``CLOUDCODE_GITHUB_API_URL``, else derived from ``repo``).
    Ctrl-C cancels and raises :class:`~cc_jupyter.RunCancelled` (its ``.run`` keeps what arrived).
    """
    request = prepare(
        prompt, tasks=tasks, repo=repo, branch=branch, haiku=haiku, thread_id=thread_id,
        api_url=api_url, api_key=api_key, github_token=github_token,
    )
    api = github_api_url or env_settings().github_api_url
    return start(request, idle_timeout=idle_timeout, connect_timeout=connect_timeout, recorder=recorder_for(record),
                 github_api=api, changes=changes).wait()


async def ainvoke(
    prompt: str | None = None,
    *,
    tasks: Mapping[str, str] | None = None,
    repo: str | None = None,
    branch: str | None = None,
    haiku: bool = False,
    thread_id: str | None = None,
    api_url: str | None = None,
    api_key: str | None = None,
    github_token: str | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    record: Record = None,
    changes: bool = True,
    github_api_url: str | None = None,
) -> Run:
    """Async twin of :func:`invoke`, for code already running in an event loop."""
    from .lifecycle import run_to_end

    request = prepare(
        prompt, tasks=tasks, repo=repo, branch=branch, haiku=haiku, thread_id=thread_id,
        api_url=api_url, api_key=api_key, github_token=github_token,
    )
    try:
        return await run_to_end(
            request, Run(request), idle_timeout=idle_timeout, connect_timeout=connect_timeout,
            recorder=recorder_for(record), github_api=github_api_url or env_settings().github_api_url,
            watch_changes=changes,
        )
    except CloudCodeError as error:
        raise without_traceback(error) from None
