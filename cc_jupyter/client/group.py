"""One prompt across many repositories: a run per target, at most N streaming at once.

Each target is an ordinary run with its own :class:`RunHandle` (wait, cancel, done callbacks),
whose I/O waits for one of the group's slots first: a queued run is ``pending`` and sends
nothing; cancelled while queued, it never starts. A failure belongs to its target.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass

from ..errors import InvalidRequestError, RunCancelled
from ..repos import github_repository, repository_key
from ..run.state import Run, status_word
from ..text import clip, one_line, strip_escapes
from .handle import RunHandle

DEFAULT_MAX_CONCURRENT = 4
MAX_TARGETS = 500  # one cell, one board: more is a script's job
_WAIT_SLICE = 0.2  # seconds; short slices keep Ctrl-C responsive


@dataclass(frozen=True)
class RepoTarget:
    """One repository of a group, and the branch it works on (None: the default)."""

    repo: str
    branch: str | None = None

    def __str__(self) -> str:
        return f"{self.repo}@{self.branch}" if self.branch else self.repo


def target_key(repo: str, branch: str | None) -> tuple[object, str | None]:
    """What makes two targets one: the repository however it is written (https, ``.git``, scp,
    case), and the branch."""
    return repository_key(repo) or repo, branch


def parse_target(text: str, api_url: str = "") -> RepoTarget:
    """``URL`` or ``URL@branch`` (the last ``@`` whose left side is a repository URL: the ``@`` of
    ``git@github.com:…`` is not a branch)."""
    text = text.strip()
    left, at, branch = text.rpartition("@")
    if at and branch and github_repository(left, api_url):
        return RepoTarget(left, branch)
    return RepoTarget(text)


def parse_targets(items: Sequence[str | RepoTarget], api_url: str = "") -> list[RepoTarget]:
    """The targets of ``items`` in order, each once; :class:`InvalidRequestError` for none or too many."""
    targets: list[RepoTarget] = []
    for item in items:
        if isinstance(item, RepoTarget):
            target = item
        elif isinstance(item, str) and item.strip():
            target = parse_target(item, api_url)
        else:
            raise InvalidRequestError(f"Not a repository: {clip(strip_escapes(repr(item)), 80)} — give URLs as strings.")
        if target not in targets:
            targets.append(target)
    if not targets:
        raise InvalidRequestError("No repository to run on: give at least one repository URL.")
    if len(targets) > MAX_TARGETS:
        raise InvalidRequestError(f"{len(targets):,} repositories: at most {MAX_TARGETS} in one group.")
    return targets


def check_concurrency(value: object) -> int:
    if type(value) is not int or value < 1:
        raise InvalidRequestError(f"max_concurrency must be a whole number of runs, 1 or more, not {clip(repr(value), 40)}.")
    return value


class Slots:
    """At most ``size`` of the group's runs do I/O at once (created on any thread, used on the loop).

    :meth:`close` (any thread) lets no queued run start any more: a group cancelled as a whole
    must not start a queued run in the slot a cancelled one just left."""

    def __init__(self, size: int) -> None:
        self.size = check_concurrency(size)
        self._semaphore: asyncio.Semaphore | None = None
        self.closed = False
        self.in_use = 0
        self.most_in_use = 0

    def close(self) -> None:
        self.closed = True

    def gate(self, run: Run, coro: Coroutine[object, object, object]) -> Coroutine[object, object, object]:
        """``coro`` once a slot is free: ``run`` is ``pending`` until then."""
        run.queue()
        return self._gated(run, coro)

    async def _gated(self, run: Run, coro: Coroutine[object, object, object]) -> object:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.size)
        try:
            await self._semaphore.acquire()
        except BaseException:
            coro.close()  # queued, then cancelled: it never started
            raise
        try:
            if self.closed:
                coro.close()
                raise asyncio.CancelledError
            self.in_use += 1
            try:
                self.most_in_use = max(self.most_in_use, self.in_use)
                run.status = "running"
                run.started_at = time.time()
                run.version += 1
                return await coro
            finally:
                self.in_use -= 1
        finally:
            self._semaphore.release()


class RunGroup:
    """The runs of one prompt across many repositories, in the order of the targets."""

    def __init__(self, targets: list[RepoTarget], handles: list[RunHandle], slots: Slots) -> None:
        self.targets = targets
        self.handles = handles
        self.slots = slots

    @property
    def runs(self) -> list[Run]:
        """One Run per target, in order (``run.info.repo`` / ``.branch`` tell which)."""
        return [handle.run for handle in self.handles]

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.handles)

    def done(self) -> bool:
        return all(handle.done() for handle in self.handles)

    def cancel(self) -> None:
        """Stop every run: queued ones never start, streaming ones close their connection (any thread)."""
        self.slots.close()
        for handle in self.handles:
            handle.cancel()

    def add_done_callback(self, callback: Callable[[RunHandle], None]) -> None:
        for handle in self.handles:
            handle.add_done_callback(callback)

    def wait(self, timeout: float | None = None, *, tick: Callable[[], None] | None = None) -> RunGroup:
        """Block until every run has settled; Ctrl-C cancels all of them and raises :class:`RunCancelled`
        (its ``.run`` is the first run; ``group.runs`` has all). A target's failure never raises here;
        ``TimeoutError`` if ``timeout`` passes first (the runs go on)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            for handle in self.handles:
                while not handle.settled(_WAIT_SLICE):
                    if tick is not None:
                        tick()
                    if deadline is not None and time.monotonic() >= deadline:
                        raise TimeoutError("the group's runs are still going")
            if tick is not None:
                tick()
        except KeyboardInterrupt:
            self.cancel()
            deadline = time.monotonic() + 5
            for handle in self.handles:
                handle.settled(max(0.0, deadline - time.monotonic()))
            raise RunCancelled(self.runs[0]) from None
        return self

    @property
    def counts(self) -> dict[str, int]:
        """How many runs are in each status (queued runs are ``pending``)."""
        counts: dict[str, int] = {}
        for run in self.runs:
            counts[run.status] = counts.get(run.status, 0) + 1
        return counts

    @property
    def status(self) -> str:
        """``running`` while any run is queued or streaming; else ``completed`` when all did, else ``failed``."""
        runs = self.runs
        if any(not run.done for run in runs):
            return "running"
        return "completed" if all(run.status == "completed" for run in runs) else "failed"

    @property
    def failed(self) -> list[Run]:
        """The runs that failed or were cut (a cancelled run is not a failure)."""
        return [run for run in self.runs if run.failed]

    def summary(self) -> str:
        """``12 targets: 9 completed, 2 failed, 1 running`` — one line."""
        parts = ", ".join(f"{n} {status_word(status)}" for status, n in self.counts.items())
        return f"{len(self)} target{'s' if len(self) != 1 else ''}: {parts}"

    def rows(self) -> list[dict[str, object]]:
        """One row per target: where, how it stands, its last line, and what it changed."""
        return [target_row(run) for run in self.runs]

    def table(self) -> object:
        """:meth:`rows` as a pandas DataFrame when pandas is installed, else the list of rows."""
        try:
            import pandas
        except ImportError:
            return self.rows()
        return pandas.DataFrame(self.rows())

    def __repr__(self) -> str:
        return f"<RunGroup {self.summary()}>"


def target_row(run: Run) -> dict[str, object]:
    changes = run.changes
    link = ""
    if changes is not None:
        link = (changes.pull_requests[0] if changes.pull_requests else changes.compare_url) or ""
    return {
        "repo": run.info.repo,
        "branch": run.info.branch,
        "status": status_word(run.status),
        "elapsed": round(run.duration, 1) if run.status != "pending" else 0.0,
        "last line": last_line(run),
        "commits": len(changes.commits) if changes is not None else 0,
        "additions": changes.additions if changes is not None else 0,
        "deletions": changes.deletions if changes is not None else 0,
        "link": link,
        "error": run.error.message if run.error is not None else "",
    }


def last_line(run: Run, limit: int = 200) -> str:
    """The last non-empty line a run printed (any task), as one clean line."""
    for task in reversed(list(run.tasks.values())):
        tail = task.output.read(max(0, task.output.length - 4096))
        for line in reversed(tail.splitlines()):
            if line.strip():
                return one_line(strip_escapes(line), limit)
    return ""
