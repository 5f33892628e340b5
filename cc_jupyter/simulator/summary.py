"""The agent's last message: what it did and, once the push has happened, the commits it pushed."""
from __future__ import annotations

from .agent_push import PushPlan, PushResult
from .job import Job, change, first_line
from .repo_ref import RepoRef


def summary(task: str, prompt: str, job: Job) -> str:
    """The agent's last message: what it did, and what it pushed (read once the push has happened)."""
    code, asked = job.after, first_line(prompt)
    if job.is_new:
        did = (f"I added `{code.name}()` in {code.module_path}: it {code.does()}. "
               f"Its tests are in {code.test_path}.")
    else:
        did = f"`{code.name}()` in {code.module_path} now {change(job, clause=True)}."
    text = f"Done with {task}. You asked: {asked}\n{did} The suite passes ({code.suite_size} tests)."
    if job.push is None:
        return text + f"\nNothing was pushed: the change is left uncommitted and branch `{job.branch}` is unchanged."
    return text + "\n" + _pushed(job.repo, job.push.plan, job.push.result)


def _pushed(repo: RepoRef, plan: PushPlan, result: PushResult) -> str:
    if not result.pushed:
        return f"The push to `{plan.target}` failed ({result.error}); nothing was pushed."
    count = len(result.commits)
    where = f"`{plan.target}`" + (f" (a branch from `{plan.branch}`)" if plan.target != plan.branch else "")
    lines = [f"Pushed {count} commit{'s' if count != 1 else ''} to branch {where}:"]
    lines += [f"- {sha[:7]} {message}: {repo.web('commit', sha)}" for sha, message in result.commits]
    if result.pull_number is not None:
        base = plan.branch if plan.target != plan.branch else "main"
        lines.append(f"Pull request #{result.pull_number} ({plan.target} into {base}): "
                     f"{repo.web('pull', str(result.pull_number))}")
    return "\n".join(lines)
