"""A request's script: every task's story interleaved round by round, shaped by the directives."""
from __future__ import annotations

import uuid

from . import story
from .hostile import hostile_items
from .items import Emit, Flood, Hold, Item, Pause, Script
from .job import plan_job
from .repo_ref import RepoRef
from .repos import RepoStore
from .scenario import Scenario
from .taskrun import TaskRun
from .threads import TurnInfo
from .validate import InvokeRequest

HOLD_AFTER_ROUND = 1  # the human message and the agent's first step are out before a `hold`


def build(req: InvokeRequest, prompts: list[str], sc: Scenario, turn: TurnInfo, repo: RepoRef,
          store: RepoStore, api_key: str = "") -> Script:
    """The items to play for one accepted request; `prompts` are the clean task prompts."""
    run_id = str(uuid.uuid4())
    names_own = sc.thread in ("metadata", "header", "server-metadata", "server-header")
    reveal = turn.thread_id if sc.thread.startswith("server") else req.thread_id or (turn.thread_id if names_own else None)
    script = Script([], run_id, reveal)
    if sc.auth:
        script.items.append(Emit("auth", {"auth": "invalid api key"}, bare=True))
        return script
    if sc.empty:
        return script
    runs = [TaskRun(task.name, prompt, str(uuid.uuid4()) if req.parallel else run_id, parallel=req.parallel,
                    haiku=req.haiku, sc=sc, turn=turn)
            for task, prompt in zip(req.tasks, prompts, strict=True)]
    per_task = []
    for i, t in enumerate(runs):
        job = plan_job(t.name, t.prompt, sc, turn, repo, req.branch, req.github_token, store)
        extras = story.extras_for(t, sc) + hostile_items(t, sc, api_key, req.github_token) if i == 0 else []
        per_task.append(story.steps(t, job, sc, extras, script.started))
    script.items = _interleave(per_task, runs, sc, run_id, reveal)
    script.messages = lambda: [msg for t in runs for msg in t.new]
    return script


def _interleave(per_task: list[list[story.Step]], runs: list[TaskRun], sc: Scenario, run_id: str,
                reveal: str | None) -> list[Item]:
    """Step k of every task in round k, with pauses between rounds and the directives' extras."""
    rounds = [[steps[k] for steps in per_task if k < len(steps)] for k in range(max(map(len, per_task)))]
    items: list[Item] = []
    if sc.metadata or sc.thread in ("metadata", "server-metadata"):
        items.append(Emit("metadata", {"run_id": run_id, "thread_id": reveal}))
    middle = len(rounds) // 2
    for k, group in enumerate(rounds):
        for step in group:
            items.extend(step.items)
        if k == 0 and sc.flood:
            with_task = runs[0].labelled or not sc.notask
            items.append(Flood(sc.flood, tuple(t.name for t in runs), with_task, sc.width))
        if k == HOLD_AFTER_ROUND and sc.hold:
            items.append(Hold(sc.hold))
        if k == middle - 1 and sc.silence:
            items.append(Pause(sc.silence))
        if k == middle - 1 and sc.error:
            items.append(Emit("error", {"error": "AgentError", "message":
                              f"Agent run failed in task '{runs[0].name}': sandbox process exited with code 137"}))
            return items
        pause = max(step.after for step in group)
        if pause and k < len(rounds) - 1:
            items.append(Pause(pause))
    if sc.end:
        items.append(Emit("end", None))
    return items
