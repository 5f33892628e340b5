"""``invoke_many`` and ``ainvoke_many``: one prompt across many repositories, as a :class:`RunGroup`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import CloudCodeError
from ..run.state import Run
from ..settings import CONNECT_TIMEOUT, env_settings
from .api import Call, Record, _parameters_of, call_of
from .group import DEFAULT_MAX_CONCURRENT, RepoTarget, RunGroup, Slots, parse_targets, target_key
from .handle import RunHandle, without_traceback


def many_calls(
    message: str | None = None,
    *,
    repos: Sequence[str | RepoTarget],
    tasks: Mapping[str, str] | None = None,
    branch: str | None = None,
    haiku: bool = False,
    max_concurrency: int = DEFAULT_MAX_CONCURRENT,
    api_url: str | None = None,
    api_key: str | None = None,
    github_token: str | None = None,
    idle_timeout: float | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    record: Record = None,
    changes: bool = True,
    github_api_url: str | None = None,
) -> tuple[list[RepoTarget], list[Call], Slots]:
    """The parameters of :func:`invoke_many`, checked (no I/O): a call per target, each on a new thread."""
    if isinstance(repos, str):
        repos = [part for part in repos.split(",") if part.strip()]
    targets = parse_targets(list(repos), (github_api_url or env_settings(with_secrets=False).github_api_url) or "")
    slots = Slots(max_concurrency)
    kept: list[RepoTarget] = []
    calls: list[Call] = []
    seen: set[tuple[object, str | None]] = set()
    for target in targets:
        call = call_of(message, tasks=tasks, repo=target.repo, branch=target.branch or branch, haiku=haiku,
                       api_url=api_url, api_key=api_key, github_token=github_token, idle_timeout=idle_timeout,
                       connect_timeout=connect_timeout, record=record, changes=changes, github_api_url=github_api_url)
        key = target_key(call.request.repo, call.request.branch)
        if key not in seen:  # one repository written two ways: one run
            seen.add(key)
            kept.append(target)
            calls.append(call)
    return kept, calls, slots


def start_many(targets: list[RepoTarget], calls: list[Call], slots: Slots, runs: list[Run] | None = None) -> RunGroup:
    """Start every call on the background loop, at most ``slots.size`` streaming at once."""
    runs = runs or [Run(call.request) for call in calls]
    handles = [RunHandle(run, slots.gate(run, call.coroutine(run))) for run, call in zip(runs, calls, strict=True)]
    return RunGroup(targets, handles, slots)


@_parameters_of(many_calls)
def invoke_many(*args: Any, **options: Any) -> RunGroup:
    """Run one prompt (or ``tasks``) on every repository of ``repos`` and return the finished group.

    ``repos``: repository URLs, each optionally ``URL@branch`` (a list, or one comma-separated
    string); ``branch`` is the branch of those without one. At most ``max_concurrency`` runs
    stream at once (default 4); the others wait, ``pending``. Each run starts a new thread and is
    recorded as :func:`invoke` records. A target's failure stays on its Run (``group.failed``);
    Ctrl-C cancels every run and raises :class:`~cc_jupyter.RunCancelled`. The other parameters
    are :func:`invoke`'s. ``group.runs`` (in the order of ``repos``), ``group.summary()``,
    ``group.table()`` (a DataFrame when pandas is installed)."""
    targets, calls, slots = many_calls(*args, **options)
    group = start_many(targets, calls, slots)
    try:
        return group.wait()
    finally:
        for call in calls:
            call.warn_unrecorded()


@_parameters_of(many_calls)
async def ainvoke_many(*args: Any, **options: Any) -> RunGroup:
    """Async twin of :func:`invoke_many`: cancelling the awaiting task cancels every run."""
    try:
        targets, calls, slots = many_calls(*args, **options)
    except CloudCodeError as error:
        raise without_traceback(error) from None
    group = start_many(targets, calls, slots)
    settled = asyncio.get_running_loop().create_future()

    def settle() -> None:
        if not settled.done():
            settled.set_result(None)

    def one_settled(_: RunHandle) -> None:
        if group.done():
            settled.get_loop().call_soon_threadsafe(settle)

    group.add_done_callback(one_settled)
    try:
        await settled
    except asyncio.CancelledError:
        group.cancel()
        raise
    finally:
        for call in calls:
            call.warn_unrecorded()
    return group
