"""What one task works on in this turn: its repository, its module before and after, how it ends."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from .agent_push import AgentPush, PushPlan, plan_commits
from .codegen import Code, Kind
from .repos import RepoRef, RepoStore
from .scenario import Scenario
from .state import TurnInfo
from .topic import plan


@dataclass(frozen=True)
class Job:
    """What one task works on in this turn, and how its run ends."""

    repo: RepoRef
    branch: str
    before: Code  # the module as earlier turns left it
    after: Code  # the module after this turn
    is_new: bool  # this turn writes the module from scratch
    clone_url: str  # as shown in the clone command
    continuing: str  # "Continuing thread ..." on later turns, else ""
    push: AgentPush | None  # None: nothing is committed
    seed: int  # for deterministic token counts and costs


def first_line(prompt: str) -> str:
    line = next((ln.strip() for ln in prompt.splitlines() if ln.strip()), "(empty prompt)")
    return line if len(line) <= 120 else line[:117] + "..."


def digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).hexdigest()


def plan_job(task: str, prompt: str, sc: Scenario, turn: TurnInfo, repo: RepoRef, branch: str,
             store: RepoStore, kinds: Sequence[Kind]) -> Job:
    """The work of task `task` (its clean `prompt`) on this turn of the thread."""
    work = plan([*turn.earlier_prompts(task), prompt], kinds)
    before = Code(work.topic, work.done, repo.package)
    after = Code(work.topic, work.now, repo.package)
    push = None
    if not sc.error:
        push = AgentPush(store, PushPlan(repo, branch, branch, plan_commits(before, after, work.is_new)))
    continuing = ""
    if turn.number > 1:
        continuing = (f"Continuing thread {turn.thread_id} (turn {turn.number}). "
                      f'Earlier you asked: "{first_line(turn.first_prompt or "")}".\n')
    seed = int(digest(repo.slug, branch, task, prompt, turn.number)[:8], 16)
    return Job(repo, branch, before, after, work.is_new, repo.clone_url, continuing, push, seed)


def change(job: Job, clause: bool = False) -> str:
    """What this follow-up turn changes: "raises ..." (clause) or "it to raise ..." (wish)."""
    code = job.after
    if code.checks_errors and not job.before.checks_errors:
        behaviour = code.kind.error_behaviour
        return behaviour if clause else f"it to {infinitive(behaviour)}"
    note = code.notes[-1] if code.notes else "a change"
    return f"has the change you asked for ({note})" if clause else f"this change: {note}"


def infinitive(clause: str) -> str:
    verb, _, rest = clause.partition(" ")
    return (verb[:-1] if verb.endswith("s") else verb) + " " + rest
