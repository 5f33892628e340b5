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
from .git import GitError
from .repo_ref import RepoRef
from .repos import RepoStore

CHANGELOG = "CHANGELOG.md"


@dataclass(frozen=True)
class CommitPlan:
    message: str
    files: tuple[tuple[str, str], ...] = ()  # (path, whole new content)
    appended: tuple[tuple[str, str], ...] = ()  # (path, text added at the end)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in (*self.files, *self.appended)]


@dataclass(frozen=True)
class PushPlan:
    repo: RepoRef
    branch: str  # the branch the agent cloned
    target: str  # the branch it pushes to (== branch unless push_branch=NAME)
    commits: tuple[CommitPlan, ...]
    pull_request: bool = False


@dataclass
class PushResult:
    pushed: bool = False
    commits: list[tuple[str, str]] = field(default_factory=list)  # (sha, message), oldest first
    output: str = ""  # git's commit lines and push report, as a github.com user would see them
    pull_number: int | None = None
    error: str | None = None


def plan_commits(before: Code, after: Code, is_new: bool, count: int) -> tuple[CommitPlan, ...]:
    """`count` commits for this turn's change: the module, then its tests, then changelog notes."""
    name = after.name
    tests_changed = is_new or before.tests() != after.tests()
    if is_new:
        message = f"Add {name}()"
    elif after.checks_errors and not before.checks_errors:
        message = f"{name}(): clear error on bad input"
    else:
        message = f"{name}(): {after.notes[-1] if after.notes else 'update'}"
    module = (after.module_path, after.module())
    tests = (after.test_path, after.tests())
    if count == 1:
        suffix = " with tests" if is_new else ""
        return (CommitPlan(message + suffix, (module, tests) if tests_changed else (module,)),)
    plans = [CommitPlan(message, (module,))]
    if tests_changed:
        plans.append(CommitPlan(f"Test {name}()", (tests,)))
    while len(plans) < count:
        n = len(plans) + 1
        plans.append(CommitPlan(f"Changelog: {name}() ({n}/{count})",
                                appended=((CHANGELOG, f"- {name}(): {after.does(detail=False)} ({n}/{count})\n"),)))
    return tuple(plans[:count])


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
                _apply(work, commit)
                git.run("add", "--all", "--", *commit.paths, cwd=work)
                out = git.run("commit", "--allow-empty", "-m", commit.message, cwd=work)
                lines.append(out.stdout.splitlines()[0])
                result.commits.append((git.run("rev-parse", "HEAD", cwd=work).stdout.strip(), commit.message))
            pushed = git.run("push", "origin", plan.target, cwd=work)
            lines.extend(self._public(pushed.stderr + pushed.stdout).strip().splitlines())
            result.output = "".join(line + "\n" for line in lines)
            result.pushed = True
            if plan.pull_request:
                result.pull_number = self.store.next_pull_number(plan.repo)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _public(self, text: str) -> str:
        """git's text with the bare repository's local path shown as its https URL."""
        return text.replace(str(self.store.path(self.plan.repo)), self.plan.repo.clone_url)


def _apply(work: Path, commit: CommitPlan) -> None:
    for path, content in commit.files:
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    for path, text in commit.appended:
        target = work / path
        old = target.read_text(encoding="utf-8") if target.exists() else "# Changelog\n\n"
        target.write_text(old + text, encoding="utf-8")
