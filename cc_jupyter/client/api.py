"""The public client: ``invoke`` (blocking), ``ainvoke`` (async) and ``start`` (background).

``invoke`` and ``ainvoke`` take the parameters of one function, :func:`call_of`, which checks
them and turns them into a :class:`Call`; the two only differ in how they wait.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, Union

from ..errors import CloudCodeError
from ..protocol.request import Request, build_request
from ..recordings.recorder import Recorder
from ..run.state import Run
from ..settings import CONNECT_TIMEOUT, DEFAULT_RECORD_DIR, GITHUB_TIMEOUT, Settings, env_settings, idle_timeout_setting
from .handle import RunHandle, without_traceback

if TYPE_CHECKING:
    from .group import Slots

Record = Union[bool, str, "os.PathLike[str]", None]  # what ``record=`` takes
_P = ParamSpec("_P")
_T = TypeVar("_T")


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


def recorder_for(record: Record, settings: Settings | None = None, **options: Any) -> Recorder | None:
    """The recorder ``record`` asks for: ``True`` (into ``CLOUDCODE_RECORD_DIR``, else
    ``.cloudcode/runs``), a directory, ``False``; ``None`` records only when
    ``CLOUDCODE_RECORD_DIR`` is set."""
    if record is False:
        return None
    directory = (settings or env_settings()).record_dir
    if record is None and not directory:
        return None
    if record is not None and record is not True:
        directory = os.fspath(record)
    return Recorder(Path(directory or DEFAULT_RECORD_DIR), **options)


def start(
    request: Request,
    *,
    run: Run | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    recorder: Recorder | None = None,
    github_api: str | None = None,
    github_timeout: float | None = None,
    changes: bool = True,
    slots: Slots | None = None,
) -> RunHandle:
    """Start ``request`` on the background loop and return its handle at once.

    Pass ``run`` (made with ``Run(request)``) to show a view of it before any I/O starts.
    ``idle_timeout``: close the connection when no byte arrived for that many seconds (None or
    0: never; :func:`invoke` resolves its default).
    ``changes``: read from GitHub what the run pushed (``run.changes``); ``github_api`` is the
    GitHub API the user configured (default: https://api.github.com). ``slots``: the run waits,
    ``pending``, for one of them (a group's bound on open streams)."""
    from .lifecycle import run_to_end

    run = run if run is not None else Run(request)
    coro = run_to_end(request, run, idle_timeout=idle_timeout, connect_timeout=connect_timeout, recorder=recorder,
                      github_api=github_api, github_timeout=github_timeout or GITHUB_TIMEOUT, watch_changes=changes)
    return RunHandle(run, slots.gate(run, coro) if slots is not None else coro)


@dataclass(frozen=True)
class Call:
    """One call of :func:`invoke` or :func:`ainvoke`, checked: the request and how to run it."""

    request: Request
    recorder: Recorder | None
    idle_timeout: float  # seconds; 0: never
    connect_timeout: float
    github_api: str | None
    changes: bool

    def start(self) -> RunHandle:
        return start(self.request, idle_timeout=self.idle_timeout, connect_timeout=self.connect_timeout,
                     recorder=self.recorder, github_api=self.github_api, changes=self.changes)

    def coroutine(self, run: Run) -> Coroutine[object, object, Run]:
        """The run from start to end, filling ``run`` (not started)."""
        from .lifecycle import run_to_end

        return run_to_end(self.request, run, idle_timeout=self.idle_timeout, connect_timeout=self.connect_timeout,
                          recorder=self.recorder, github_api=self.github_api, watch_changes=self.changes)

    async def run(self) -> Run:
        return await self.coroutine(Run(self.request))

    def warn_unrecorded(self) -> None:
        """Say once, as a warning, that the recording could not be written (the run went on without it)."""
        if self.recorder is not None and self.recorder.failure is not None:
            warnings.warn(f"cloudcode: {self.recorder.failure}", RuntimeWarning, stacklevel=3)


def call_of(
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
    connect_timeout: float = CONNECT_TIMEOUT,
    record: Record = None,
    changes: bool = True,
    github_api_url: str | None = None,
) -> Call:
    """The parameters of :func:`invoke` and :func:`ainvoke`, checked (no I/O)."""
    settings = env_settings()
    request = prepare(
        prompt, tasks=tasks, settings=settings, repo=repo, branch=branch, haiku=haiku, thread_id=thread_id,
        api_url=api_url, api_key=api_key, github_token=github_token,
    )
    return Call(request, recorder_for(record, settings), idle_timeout_setting(idle_timeout), connect_timeout,
                github_api_url or settings.github_api_url, changes)


def _parameters_of(source: Callable[_P, object]) -> Callable[[Callable[..., _T]], Callable[_P, _T]]:
    """Give the decorated function ``source``'s parameters, for type checkers, ``help()`` and
    completion alike: the parameters are written once."""

    def adopt(function: Callable[..., _T]) -> Callable[_P, _T]:
        returns = inspect.signature(function).return_annotation
        function.__signature__ = inspect.signature(source).replace(return_annotation=returns)  # type: ignore[attr-defined]
        return function

    return adopt


@_parameters_of(call_of)
def invoke(*args: Any, **kwargs: Any) -> Run:
    """Run the agent on ``repo`` and return the finished :class:`~cc_jupyter.Run`.

    Give ``prompt`` for one task, or ``tasks`` (name -> prompt) for a parallel run. Settings not
    passed come from ``CLOUDCODE_API_URL``, ``CLOUDCODE_API_KEY``, ``GITHUB_TOKEN``/``GH_TOKEN``,
    ``CLOUDCODE_REPO`` and ``CLOUDCODE_BRANCH``. Raises :class:`~cc_jupyter.CloudCodeError` for
    anything that fails before the stream starts; afterwards the Run's ``status`` and ``error``
    say how it ended (``run.raise_for_status()`` turns a failure into an exception).
    ``idle_timeout``: when no byte (keep-alives count) arrives for that many seconds, the
    connection is closed and the run ends ``disconnected`` (default ``CLOUDCODE_IDLE_TIMEOUT``,
    else 900; 0 = never).
    ``record`` writes a recording as the run streams (``True``, a directory; see
    :func:`recorder_for`); ``cc_jupyter.load_run(run.recording)`` reads it back. ``changes``
    reads from GitHub what the run pushed into ``run.changes`` (``github_api_url``, else
    ``CLOUDCODE_GITHUB_API_URL``, else https://api.github.com).
    Ctrl-C cancels and raises :class:`~cc_jupyter.RunCancelled` (its ``.run`` keeps what arrived).
    A recording that cannot be written (a full disk) never fails the run: a ``RuntimeWarning`` says so.
    """
    call = call_of(*args, **kwargs)
    try:
        return call.start().wait()
    finally:
        call.warn_unrecorded()


@_parameters_of(call_of)
async def ainvoke(*args: Any, **kwargs: Any) -> Run:
    """Async twin of :func:`invoke` (the same parameters), for code already running in an event loop."""
    call = call_of(*args, **kwargs)
    try:
        return await call.run()
    except CloudCodeError as error:
        raise without_traceback(error) from None
    finally:
        call.warn_unrecorded()
