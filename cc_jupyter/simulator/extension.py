"""The extension point: what a simulator's one `Extension` may add (tests/simrigs adds its rigs).

Every hook of this base class adds nothing, so ``Simulator()`` is the shipped simulator. An
extension is one object per simulator, so it also holds any per-server state of its own.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any, Protocol

from .codegen import KINDS, Kind
from .items import Item, Script
from .job import Job
from .repos import RepoRef
from .scenario import OPTIONS, Directives, Option, Scenario
from .state import State, ThreadStore, TurnInfo
from .story import Step
from .stream import Player, Wire
from .taskrun import TaskRun
from .validate import InvokeRequest, parse_body


@dataclass(frozen=True)
class RunContext:
    """One accepted request, as the script builder and the hooks see it."""

    req: InvokeRequest
    prompts: list[str]  # the clean prompts, one per task
    sc: Scenario
    turn: TurnInfo
    run_id: str
    api_key: str
    started: float  # time.monotonic() when the script was built


@dataclass(frozen=True)
class Route:
    """A control route: `answer(exchange, body)` answers a request made with `method`."""

    method: str
    answer: Callable[[Exchange, bytes], None]


class Extension:
    """Hooks, in the order a request meets them; each returns what the shipped simulator does."""

    options: Mapping[str, Option] = {}  # more directives (their names must not be shipped ones) ...
    scenario: type[Scenario] = Scenario  # ... and a Scenario subclass with a field for each
    routes: Mapping[str, Route] = {}  # more control routes, by path
    record: Mapping[str, Any] = {}  # more fields of every request record, with their first values
    kinds: Sequence[Kind] = KINDS  # the kinds of function the fake agent writes (the first that fits)

    def directives(self) -> Directives:
        """The shipped directives and the extension's; raises ValueError if it redefines one."""
        if OPTIONS.keys() & self.options.keys():
            raise ValueError(f"an extension cannot redefine {sorted(OPTIONS.keys() & self.options.keys())}")
        return Directives({**OPTIONS, **self.options}, self.scenario)

    def parse_body(self, raw: bytes) -> InvokeRequest:
        """The request a POST /invoke/stdout body makes; raises validate.InvalidBody for a 422."""
        return parse_body(raw)

    def refuse(self, h: Exchange, rid: int, req: InvokeRequest, sc: Scenario) -> bool:
        """Answer an accepted request before its `status` and branch are checked; True if it did."""
        return False

    def thread_for(self, req: InvokeRequest, sc: Scenario, threads: ThreadStore) -> str | None:
        """The thread a run continues (None: a new one)."""
        return req.thread_id

    def headers(self, run: RunContext) -> dict[str, str]:
        """More headers of a 200 event stream."""
        return {}

    def task_run(self, run: RunContext, name: str, prompt: str, run_id: str) -> TaskRun:
        """What makes one task's events."""
        return TaskRun(name, prompt, run_id, labelled=run.req.parallel, haiku=run.req.haiku)

    def job(self, run: RunContext, job: Job) -> Job:
        """What a task works on, and how it ends (what it pushes, if anything)."""
        return job

    def steps(self, run: RunContext, index: int, t: TaskRun, job: Job, steps: list[Step]) -> list[Step]:
        """Task number `index`'s steps (a step may be replaced, keeping its name)."""
        return steps

    def after_round(self, run: RunContext, runs: list[TaskRun], k: int, rounds: int) -> list[Item]:
        """Items played after round `k` of `rounds`."""
        return []

    def script(self, run: RunContext, runs: list[TaskRun], script: Script) -> Script:
        """The whole script, as played."""
        return script

    def player(self, run: RunContext, sock: socket.socket, stop: threading.Event, note: Callable[..., None],
               completing: Callable[[], None]) -> Player:
        """What plays the script onto the socket."""
        return Player(sock, Wire(), stop, note, completing)

    def github(self, h: Exchange, rid: int, repo: RepoRef) -> bool:
        """Answer a call to the simulated GitHub about `repo` before it does; True if it did."""
        return False

    def github_owner(self, h: Exchange, rid: int, owner: str) -> bool:
        """Answer a listing of `owner`'s repositories before the simulated GitHub does; True if it did."""
        return False

    def stop(self) -> None:
        """The simulator stops: let go of anything waiting."""


class Exchange(Protocol):
    """What a route or a hook needs of the request it answers (the handler is one): a structural
    type, so that routes and the handler that dispatches to them do not import each other."""

    state: State
    extension: Extension
    command: str
    headers: Message
    connection: socket.socket
    client_address: tuple[Any, ...]
    close_connection: bool

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None, *,
                  content_type: str = ...) -> None: ...

    def reject(self, rid: int | None, status: int, body: Any, headers: dict[str, str] | None = None) -> None: ...

    def send_response(self, code: int, message: str | None = None) -> None: ...

    def send_header(self, keyword: str, value: str) -> None: ...

    def end_headers(self) -> None: ...

    def log_message(self, format: str, *args: Any) -> None: ...
