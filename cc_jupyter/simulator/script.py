"""A request's script: every task's story interleaved round by round, shaped by the directives."""
from __future__ import annotations

import uuid

from . import story
from .extension import Extension, RunContext
from .items import Emit, Item, Pause, Script
from .job import plan_job
from .repos import RepoRef, RepoStore
from .taskrun import TaskRun

Built = list[tuple[story.Step, list[Item]]]  # a task's steps with their items


def build(run: RunContext, repo: RepoRef, store: RepoStore, ext: Extension) -> Script:
    """The items to play for one accepted request."""
    req = run.req
    runs = [ext.task_run(run, task.name, prompt, str(uuid.uuid4()) if req.parallel else run.run_id)
            for task, prompt in zip(req.tasks, run.prompts, strict=True)]
    per_task = []
    for i, t in enumerate(runs):
        job = ext.job(run, plan_job(t.name, t.prompt, run.sc, run.turn, repo, req.branch, store, ext.kinds))
        per_task.append([(step, step.build()) for step in
                         ext.steps(run, i, t, job, story.steps(t, job, run.sc, run.started))])
    return ext.script(run, runs, Script(_interleave(per_task, runs, run, ext)))


def _interleave(per_task: list[Built], runs: list[TaskRun], run: RunContext, ext: Extension) -> list[Item]:
    """Step k of every task in round k, with pauses between rounds; `error` ends the run halfway."""
    rounds = [[built[k] for built in per_task if k < len(built)] for k in range(max(map(len, per_task)))]
    items: list[Item] = []
    middle = len(rounds) // 2
    for k, group in enumerate(rounds):
        for _, step_items in group:
            items.extend(step_items)
        items.extend(ext.after_round(run, runs, k, len(rounds)))
        if k == middle - 1 and run.sc.error:
            items.append(Emit("error", {"error": "AgentError", "message":
                              f"Agent run failed in task '{runs[0].name}': sandbox process exited with code 137"}))
            break
        pause = max(step.after for step, _ in group)
        if pause and k < len(rounds) - 1:
            items.append(Pause(pause))
    return items
