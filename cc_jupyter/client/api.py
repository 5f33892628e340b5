"""The public client: ``invoke`` (blocking), ``ainvoke`` (async) and ``start`` (background)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping

from ..run.state import Run
from .request import Request, build_request
from .settings import Settings, env_settings

if TYPE_CHECKING:
    from .runner import RunHandle


def prepare(
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
    settings: Settings | None = None,
) -> Request:
    """Validate everything (no I/O) and return the :class:`Request` to send."""
    return build_request(
        prompt,
        tasks,
        settings=settings or env_settings(),
        repo=repo,
        branch=branch,
        haiku=haiku,
        thread_id=thread_id,
        api_url=api_url,
        api_key=api_key,
        github_token=github_token,
    )


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
    connect_timeout: float = 15.0,
) -> Run:
    """Async twin of :func:`invoke`, for code already running in an event loop."""
    from .transport import stream_into

    request = prepare(
        prompt,
        tasks=tasks,
        repo=repo,
        branch=branch,
        haiku=haiku,
        thread_id=thread_id,
        api_url=api_url,
        api_key=api_key,
        github_token=github_token,
    )
    run = Run(request)
    return await stream_into(request, run, idle_timeout=idle_timeout, connect_timeout=connect_timeout)


def start(
    request: Request,
    *,
    run: Run | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = 15.0,
    on_change: Callable[[], None] | None = None,
) -> "RunHandle":
    """Start ``request`` on the background loop and return its handle at once.

    Pass ``run`` (made with ``Run(request)``) to show a view of it before any I/O starts."""
    from .runner import RunHandle
    from .transport import stream_into

    run = run if run is not None else Run(request)
    coro = stream_into(request, run, idle_timeout=idle_timeout, connect_timeout=connect_timeout, on_change=on_change)
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
    connect_timeout: float = 15.0,
) -> Run:
    """Run the agent on ``repo`` and return the finished :class:`Run`.

    Give ``prompt`` for one task, or ``tasks`` (name -> prompt) for a parallel run. Settings not
    passed come from ``CLOUDCODE_API_URL``, ``CLOUDCODE_API_KEY``, ``GITHUB_TOKEN``/``GH_TOKEN``,
    ``CLOUDCODE_REPO`` and ``CLOUDCODE_BRANCH``. Raises :class:`~cc_jupyter.CloudCodeError` for
    anything that fails before the stream starts; afterwards the Run's ``status`` and ``error``
    say how it ended. Ctrl-C cancels and raises :class:`~cc_jupyter.RunCancelled` (``.run``).
    """
    request = prepare(
        prompt,
        tasks=tasks,
        repo=repo,
        branch=branch,
        haiku=haiku,
        thread_id=thread_id,
        api_url=api_url,
        api_key=api_key,
        github_token=github_token,
    )
    return start(request, idle_timeout=idle_timeout, connect_timeout=connect_timeout).wait()

