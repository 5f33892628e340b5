"""The public client: ``invoke`` (blocking), ``ainvoke`` (async) and ``start`` (background)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import CloudCodeError
from ..protocol.request import Request, build_request
from ..protocol.settings import Settings, env_settings
from ..run.state import Run
from .handle import RunHandle, without_traceback
from .transport import DEFAULT_CONNECT_TIMEOUT


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


def start(
    request: Request,
    *,
    run: Run | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> RunHandle:
    """Start ``request`` on the background loop and return its handle at once.

    Pass ``run`` (made with ``Run(request)``) to show a view of it before any I/O starts."""
    from .transport import stream_into

    run = run if run is not None else Run(request)
    coro = stream_into(request, run, idle_timeout=idle_timeout, connect_timeout=connect_timeout)
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
) -> Run:
    """Run the agent on ``repo`` and return the finished :class:`~cc_jupyter.Run`.

    Give ``prompt`` for one task, or ``tasks`` (name -> prompt) for a parallel run. Settings not
    passed come from ``CLOUDCODE_API_URL``, ``CLOUDCODE_API_KEY``, ``GITHUB_TOKEN``/``GH_TOKEN``,
    ``CLOUDCODE_REPO`` and ``CLOUDCODE_BRANCH``. Raises :class:`~cc_jupyter.CloudCodeError` for
    anything that fails before the stream starts; afterwards the Run's ``status`` and ``error``
    say how it ended (``run.raise_for_status()`` turns a failure into an exception).
    ``idle_timeout`` (seconds, default none) gives up when no event arrives for that long.
    Ctrl-C cancels and raises :class:`~cc_jupyter.RunCancelled` (its ``.run`` keeps what arrived).
    """
    request = prepare(
        prompt, tasks=tasks, repo=repo, branch=branch, haiku=haiku, thread_id=thread_id,
        api_url=api_url, api_key=api_key, github_token=github_token,
    )
    return start(request, idle_timeout=idle_timeout, connect_timeout=connect_timeout).wait()


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
) -> Run:
    """Async twin of :func:`invoke`, for code already running in an event loop."""
    from .transport import stream_into

    request = prepare(
        prompt, tasks=tasks, repo=repo, branch=branch, haiku=haiku, thread_id=thread_id,
        api_url=api_url, api_key=api_key, github_token=github_token,
    )
    try:
        return await stream_into(request, Run(request), idle_timeout=idle_timeout, connect_timeout=connect_timeout)
    except CloudCodeError as error:
        raise without_traceback(error) from None
