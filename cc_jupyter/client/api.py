"""The public client: ``invoke`` (blocking), ``ainvoke`` (async) and ``start`` (background)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ..run.state import Run
from .request import Request, build_request
from .settings import Settings, env_settings

if TYPE_CHECKING:
    from .runner import RunHandle

_STREAM_OPTIONS = ("idle_timeout", "connect_timeout")


def prepare(
    prompt: str | None = None,
    *,
    tasks: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    **options: Any,
) -> Request:
    """Validate everything (no I/O) and return the :class:`Request` to send.

    ``options`` are those of :func:`invoke` (repo, branch, haiku, thread_id, api_url, api_key,
    github_token); what is missing comes from ``settings`` (default: the environment)."""
    return build_request(prompt, tasks, settings=settings or env_settings(), **options)


def _split(arguments: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An ``invoke``-style call's arguments: (request options, stream options)."""
    stream = {name: arguments.pop(name) for name in _STREAM_OPTIONS}
    return arguments, stream


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
    options, stream = _split(dict(locals()))  # first: locals() must hold only the arguments
    from .transport import stream_into

    request = prepare(**options)
    return await stream_into(request, Run(request), **stream)


def start(
    request: Request,
    *,
    run: Run | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = 15.0,
) -> "RunHandle":
    """Start ``request`` on the background loop and return its handle at once.

    Pass ``run`` (made with ``Run(request)``) to show a view of it before any I/O starts."""
    from .runner import RunHandle
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
    connect_timeout: float = 15.0,
) -> Run:
    """Run the agent on ``repo`` and return the finished :class:`Run`.

    Give ``prompt`` for one task, or ``tasks`` (name -> prompt) for a parallel run. Settings not
    passed come from ``CLOUDCODE_API_URL``, ``CLOUDCODE_API_KEY``, ``GITHUB_TOKEN``/``GH_TOKEN``,
    ``CLOUDCODE_REPO`` and ``CLOUDCODE_BRANCH``. Raises :class:`~cc_jupyter.CloudCodeError` for
    anything that fails before the stream starts; afterwards the Run's ``status`` and ``error``
    say how it ended. ``idle_timeout`` (seconds, default none) gives up on a silent stream.
    Ctrl-C cancels and raises :class:`~cc_jupyter.RunCancelled` (its ``.run`` keeps what arrived).
    """
    options, stream = _split(dict(locals()))  # first: locals() must hold only the arguments
    return start(prepare(**options), **stream).wait()
