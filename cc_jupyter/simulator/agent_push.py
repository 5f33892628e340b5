"""The fake agent's real commits: planned when the script is built, made and pushed when the stream gets there.

The work happens in a fresh clone under the repository's lock, so parallel tasks and concurrent
runs on one repository each fast-forward the branch in turn. What the client sees is git's own
output, with the local path of the bare repository replaced by the repository's https URL.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .codegen import Code
from .repos import GitError, RepoRef, RepoStore


@dataclass(frozen=True)
class CommitPlan:
    message: str
    files: tuple[tuple[str, str], ...]  # (path, whole new content)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.files]

    def apply(self, work: Path) -> None:
        """Write the commit's files into the work tree `work`."""
        for path, content in self.files:
            target = work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")


@dataclass(frozen=True)
class PushPlan:
    repo: RepoRef
    branch: str  # the branch the agent cloned
    target: str  # the branch it pushes to (a new one is made from `branch`)
    commits: tuple[CommitPlan, ...]


@dataclass
class PushResult:
    pushed: bool = False
    commits: list[tuple[str, str]] = field(default_factory=list)  # (sha, message), oldest first
    output: str = ""  # git's commit lines and push report, as a github.com user would see them
    error: str | None = None


def commit_message(before: Code, after: Code, is_new: bool) -> str:
    """What this turn's change is called in git."""
    if is_new:
        return f"Add {after.name}()"
    if after.checks_errors and not before.checks_errors:
        return f"{after.name}(): clear error on bad input"
    return f"{after.name}(): {after.notes[-1] if after.notes else 'update'}"


def plan_commits(before: Code, after: Code, is_new: bool) -> tuple[CommitPlan, ...]:
    """This turn's one commit: the module, with its tests when they changed."""
    module, tests = (after.module_path, after.module()), (after.test_path, after.tests())
    if is_new:
        return (CommitPlan(commit_message(before, after, is_new) + " with tests", (module, tests)),)
    files = (module, tests) if before.tests() != after.tests() else (module,)
    return (CommitPlan(commit_message(before, after, is_new), files),)


class AgentPush:
    """Makes a plan's commits and pushes them once; `result` is what later events report."""

    def __init__(self, store: RepoStore, plan: PushPlan) -> None:
        self.store, self.plan = store, plan
        self.result = PushResult()

    def run(self) -> None:
        try:
            self.store.ensure(self.plan.repo, self.plan.branch)
            with self.store.lock(self.plan.repo):
                self._commit_and_push()
        except GitError as exc:
            lines = self._public(str(exc)).strip().splitlines() or ["git failed"]
            self.result.error = next((ln for ln in lines if ln.startswith(("error:", "fatal:"))), lines[0])
            self.result.pushed = False

    def _commit_and_push(self) -> None:
        plan, git, result = self.plan, self.store.git, self.result
        bare = self.store.path(plan.repo)
        scratch = Path(tempfile.mkdtemp(prefix="cc-sim-work-"))
        try:
            work = scratch / plan.repo.name
            git.run("clone", "--quiet", "--no-checkout", str(bare), str(work))
            start = plan.target if self.store.head(plan.repo, plan.target) else plan.branch
            git.run("checkout", "--quiet", "-B", plan.target, f"origin/{start}", cwd=work)
            lines = []
            for commit in plan.commits:
                commit.apply(work)
                git.run("add", "--all", "--", *commit.paths, cwd=work)
                out = git.run("commit", "--allow-empty", "-m", commit.message, cwd=work)
                lines.append(out.stdout.splitlines()[0])
                result.commits.append((git.run("rev-parse", "HEAD", cwd=work).stdout.strip(), commit.message))
            pushed = git.run("push", "origin", plan.target, cwd=work)
            lines.extend(self._public(pushed.stderr + pushed.stdout).strip().splitlines())
            result.output = "".join(line + "\n" for line in lines)
            result.pushed = True
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _public(self, text: str) -> str:
        """git's text with the bare repository's local path shown as its https URL."""
        return text.replace(str(self.store.path(self.plan.repo)), self.plan.repo.clone_url)

