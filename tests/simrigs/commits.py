"""What the agent pushes, and where: several commits, another branch, nothing at all; a pull request."""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

from cc_jupyter.simulator.agent_push import AgentPush, CommitPlan, commit_message
from cc_jupyter.simulator.codegen import Code
from cc_jupyter.simulator.job import Job
from cc_jupyter.simulator.repos import RepoRef
from cc_jupyter.simulator.story import summary
from cc_jupyter.simulator.taskrun import TaskRun

from .options import RiggedScenario

CHANGELOG = "CHANGELOG.md"


@dataclasses.dataclass(frozen=True)
class Appended(CommitPlan):
    """A commit that adds its files' text at their end (a new file starts with a `# Changelog` title)."""

    def apply(self, work: Path) -> None:
        for path, text in self.files:
            target = work / path
            old = target.read_text(encoding="utf-8") if target.exists() else "# Changelog\n\n"
            target.write_text(old + text, encoding="utf-8")


def plan_commits(before: Code, after: Code, is_new: bool, count: int) -> tuple[CommitPlan, ...]:
    """`count` commits for this turn's change: the module, then its tests, then changelog notes."""
    name = after.name
    plans = [CommitPlan(commit_message(before, after, is_new), ((after.module_path, after.module()),))]
    if is_new or before.tests() != after.tests():
        plans.append(CommitPlan(f"Test {name}()", ((after.test_path, after.tests()),)))
    while len(plans) < count:
        n = len(plans) + 1
        plans.append(Appended(f"Changelog: {name}() ({n}/{count})",
                              ((CHANGELOG, f"- {name}(): {after.does(detail=False)} ({n}/{count})\n"),)))
    return tuple(plans[:count])


def job(job: Job, sc: RiggedScenario) -> Job:
    """`push=none`, `commits=N` and `push_branch=NAME`: what a task pushes, and where."""
    if job.push is None or sc.push == "none":
        return dataclasses.replace(job, push=None)
    plan = job.push.plan
    if sc.commits > 1:
        plan = dataclasses.replace(plan, commits=plan_commits(job.before, job.after, job.is_new, sc.commits))
    if sc.push_branch:
        plan = dataclasses.replace(plan, target=sc.push_branch)
    return dataclasses.replace(job, push=AgentPush(job.push.store, plan))


class PullRequests:
    """`pr`: the agent's last message names a pull request, numbered per repository as on GitHub."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, int] = {}

    def opened(self, repo: RepoRef) -> int:
        with self._lock:
            self._last[repo.key] = self._last.get(repo.key, 0) + 1
            return self._last[repo.key]

    def summary(self, t: TaskRun, job: Job) -> Callable[[], str]:
        """The agent's last message, with the pull request once the push happened (it is read twice)."""
        number: list[int] = []

        def text() -> str:
            said = summary(t.name, t.prompt, job)
            if job.push is None or not job.push.result.pushed:
                return said
            if not number:
                number.append(self.opened(job.repo))
            plan, url = job.push.plan, job.repo.web("pull", str(number[0]))
            base = plan.branch if plan.target != plan.branch else "main"
            return f"{said}\nPull request #{number[0]} ({plan.target} into {base}): {url}"

        return text
