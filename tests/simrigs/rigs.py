"""`Rigs`: the simulator extension that adds every test rig, through the hooks of
cc_jupyter.simulator.extension; one per simulator, holding its gates and GitHub failure modes."""
from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Callable
from functools import partial

from cc_jupyter.simulator import story
from cc_jupyter.simulator.extension import Exchange, Extension, RunContext
from cc_jupyter.simulator.items import Emit, Item, Pause, Script
from cc_jupyter.simulator.job import Job
from cc_jupyter.simulator.repos import RepoRef
from cc_jupyter.simulator.scenario import Scenario
from cc_jupyter.simulator.state import State, ThreadStore
from cc_jupyter.simulator.story import Step
from cc_jupyter.simulator.stream import Player
from cc_jupyter.simulator.taskrun import TaskRun
from cc_jupyter.simulator.validate import InvokeRequest

from . import commits, control, failures, threads, validation
from .gates import Gates
from .github_failures import GithubFailures
from .items import Bare, Flood, Hold
from .kinds import RIG_KINDS
from .options import RIG_OPTIONS, RiggedScenario, rigged
from .payloads import History, VariantTaskRun
from .player import RigPlayer
from .tokens import Tokens

HOLD_AFTER_ROUND = 1  # the human message and the agent's first step are out before a `hold`


class Rigs(Extension):
    options = RIG_OPTIONS
    scenario = RiggedScenario
    record = {"held": None}  # the gate a run waits at
    kinds = RIG_KINDS

    def __init__(self) -> None:
        self.gates = Gates()
        self.github_failures = GithubFailures()
        self.tokens = Tokens()
        self.history = History()
        self.pulls = commits.PullRequests()
        self.routes = control.routes(self)

    def reset(self, state: State) -> None:
        """Forget request records, thread memory and GitHub failure modes; let every held run go.

        Repositories and the tokens seen on them stay.
        """
        state.log.clear()
        state.threads.clear()
        self.history.clear()
        self.github_failures.clear()
        self.gates.reset()

    # -- the hooks ---------------------------------------------------------------------------

    def parse_body(self, raw: bytes) -> InvokeRequest:
        return validation.parse_body(raw)

    def refuse(self, h: Exchange, rid: int, req: InvokeRequest, sc: Scenario) -> bool:
        return failures.refuse(h, rid, req, rigged(sc))

    def thread_for(self, req: InvokeRequest, sc: Scenario, store: ThreadStore) -> str | None:
        return threads.thread_for(req, rigged(sc), store)

    def headers(self, run: RunContext) -> dict[str, str]:
        return threads.headers(run, rigged(run.sc))

    def task_run(self, run: RunContext, name: str, prompt: str, run_id: str) -> TaskRun:
        return VariantTaskRun(name, prompt, run_id, labelled=run.req.parallel, haiku=run.req.haiku,
                              sc=rigged(run.sc), earlier=partial(self.history.earlier, run.turn.thread_id))

    def job(self, run: RunContext, job: Job) -> Job:
        self.tokens.remember(job.repo, run.req.github_token)  # the simulated GitHub then accepts it
        return commits.job(job, rigged(run.sc))

    def steps(self, run: RunContext, index: int, t: TaskRun, job: Job, steps: list[Step]) -> list[Step]:
        sc = rigged(run.sc)
        swap = failures.builders(run, sc, index, t, job)
        if sc.pr and "summary" not in swap:  # the summary names a pull request (unless the run failed)
            swap["summary"] = lambda _: story.result_items(t, job, run.started, self.pulls.summary(t, job))
        return [dataclasses.replace(s, build=partial(swap[s.name], s.after)) if s.name in swap else s
                for s in steps]

    def after_round(self, run: RunContext, runs: list[TaskRun], k: int, rounds: int) -> list[Item]:
        """A flood after the first round, a gate after the second, a silence halfway."""
        sc = rigged(run.sc)
        items: list[Item] = []
        if k == 0 and sc.flood:
            items.append(Flood(sc.flood, tuple(t.name for t in runs), runs[0].names_custom(), sc.width))
        if k == HOLD_AFTER_ROUND and sc.hold:
            items.append(Hold(sc.hold))
        if k == rounds // 2 - 1 and sc.silence:
            items.append(Pause(sc.silence))
        return items

    def script(self, run: RunContext, runs: list[TaskRun], script: Script) -> Script:
        """`auth` and `empty` replace the run; `metadata` comes first, `end` last (not after an error).

        Every turn's messages are kept for `history`.
        """
        self.history.add(run.turn.thread_id, lambda: [msg for t in runs for msg in t.new])
        sc = rigged(run.sc)
        if sc.auth:
            return Script([Bare({"auth": "invalid api key"})])
        if sc.empty:
            return Script([])
        end: list[Item] = [Emit("end", None)] if sc.end and not sc.error else []
        return dataclasses.replace(script, items=[*threads.metadata(run, sc), *script.items, *end])

    def player(self, run: RunContext, sock: socket.socket, stop: threading.Event, note: Callable[..., None],
               completing: Callable[[], None]) -> Player:
        return RigPlayer(rigged(run.sc), self.gates, sock, stop, note, completing)

    def github(self, h: Exchange, rid: int, repo: RepoRef) -> bool:
        return self.github_failures.answer(h, rid, repo) or self.tokens.answer(h, rid, repo)

    def github_owner(self, h: Exchange, rid: int, owner: str) -> bool:
        return self.tokens.answer_owner(h, rid, owner)

    def stop(self) -> None:
        self.gates.reset()
