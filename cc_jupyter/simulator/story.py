"""One task's run, step by step, about what its prompt asked for.

Clone the repository, read what is there, write a test, watch it fail, write the code, run the
whole suite, commit and push (for real: see agent_push), sum up. A follow-up turn on a thread
works on the same module: it reads it, adds a test for the change, edits it, pushes on top.
Steps are named and built lazily, so that an extension can swap a step's builder first (with the
public builders below).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import messages as m
from .agent_push import PushPlan, PushResult
from .codegen import Code, edits_between, line_count, numbered
from .items import Call, Item, Later, Pause
from .job import Job, change, first_line
from .repos import RepoRef, initial_files
from .scenario import Scenario
from .taskrun import TaskRun

GREEN, RED, DIM, RESET = "\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[0m"


@dataclass(frozen=True)
class Step:
    """One step of a task, built with the script (an extension may swap `build` before that)."""

    name: str  # ask, clone, read, write_test, run_test, write_module, finish, progress, summary
    after: float  # the pause after the round this step belongs to
    build: Callable[[], list[Item]]


def steps(t: TaskRun, job: Job, sc: Scenario, started: float) -> list[Step]:
    """The task's steps; a script plays step k of every task in round k."""
    pace = sc.pace

    def step(name: str, after: float, build: Callable[[TaskRun, Job, float], list[Item]]) -> Step:
        return Step(name, after, partial(build, t, job, after))

    out = [Step("ask", 0.1 * pace, lambda: [t.updates(m.human(t.prompt))]), step("clone", 0.25 * pace, clone),
           step("read", 0.2 * pace, _read), step("write_test", 0.2 * pace, _write_test),
           step("run_test", 0.25 * pace, run_test), step("write_module", 0.25 * pace, _write_module),
           step("finish", 0.25 * pace, _finish)]
    interval = sc.interval if sc.interval is not None else 0.3 * pace
    width = len(str(sc.lines))
    for i in range(sc.lines):
        line = f"[{t.name}] progress {i + 1:0{width}d}/{sc.lines}: still working\n"
        out.append(Step("progress", interval, partial(_say, t, line)))
    out.append(Step("summary", 0.0, lambda: result_items(t, job, started, lambda: summary(t.name, t.prompt, job))))
    return out


# -- the steps ------------------------------------------------------------------------------------


def tool_items(t: TaskRun, text: str, call: dict[str, Any], shown: str, result: str, after: float, *,
              is_error: bool = False, extra: Sequence[Item] = (), text_only: bool = False,
              first: bool = False) -> list[Item]:
    """Narration with one tool call, the tool's stdout (then `extra` items), its result."""
    blocks = [{"type": "text", "text": text}, call]
    ai = m.ai(text if text_only else blocks, t.model, [call])
    return [
        t.updates(ai), *(t.json(m.sj_init(t.session, t.model)) if first else []),
        *t.json(m.sj_assistant(t.session, t.model, blocks)), Pause(after / 4),
        *t.plain(shown), *extra, *t.json(m.sj_user(t.session, call["id"], result, is_error)),
        t.updates(m.tool(result, call, "error" if is_error else "success")),
    ]


def clone(t: TaskRun, job: Job, after: float) -> list[Item]:
    repo = job.repo
    call = m.tool_use(m.new_tool_id(), "Bash", {"command": f"git clone --branch {job.branch} {job.clone_url}",
                                                "description": "Clone the repository"})
    shown = (f"Cloning into '{repo.name}'...\nremote: Enumerating objects: 128, done.\n"
             f"remote: Total 128 (delta 31), reused 120 (delta 27)\n"
             f"Receiving objects: 100% (128/128), 52.10 KiB | 2.60 MiB/s, done.\n")
    if job.clone_url != repo.clone_url:
        shown = f"+ git clone {job.clone_url}\n" + shown
    text = (f"{job.continuing}You asked: {first_line(t.prompt)}\n"
            f"I'll clone {repo.slug} on branch `{job.branch}` and look at the layout first.")
    return tool_items(t, text, call, shown, f"Cloned {repo.slug} ({job.branch}).", after, first=True)


def _read(t: TaskRun, job: Job, after: float) -> list[Item]:
    code = job.after
    if job.is_new:
        path = f"src/{code.package}/__init__.py"
        content = initial_files(job.repo)[path]
        text = (f"`{code.package}` has no `{code.name}` module yet. I'll add `{code.name}()`, which "
                f"{code.does()}. First, the package as it is:")
    else:
        path, content = code.module_path, job.before.module()
        text = f"`{code.name}()` from the last turn is in {path}; you now want {change(job)}. Reading it first."
    return _read_file(t, path, content, text, after)


def _write_test(t: TaskRun, job: Job, after: float) -> list[Item]:
    code, path = job.after, job.after.test_path
    if job.is_new:
        return _write_new(t, path, code.tests(), f"A test first: {path} checks what `{code.name}()` returns.", after)
    if job.before.tests() == code.tests():
        text = f"The tests in {path} already cover `{code.name}()`; this change needs no new one."
        return _read_file(t, path, code.tests(), text, after)
    return _edit(t, path, job.before.tests(), code.tests(), f"Adding `{code.test_names()[-1]}` to {path}.", after)


def run_test(t: TaskRun, job: Job, after: float, extras: Sequence[Item] = ()) -> list[Item]:
    """The first test run; `extras` are items sent right after its output."""
    code, path = job.after, job.after.test_path
    call = m.tool_use(m.new_tool_id(), "Bash", {"command": f"python -m pytest -q {path}",
                                                "description": "Run the new test"})
    if job.is_new:
        error = f"E   ModuleNotFoundError: No module named '{code.package}.{code.name}'"
        shown = f"{RED}{error}{RESET}\n{RED}ERROR{RESET} {path}\n{RED}1 error{RESET} in 0.08s\n"
        result = f"ERROR collecting {path}\n{error}\n1 error in 0.08s\n"
        text, failed = "Running it before the module exists, to see it fail.", True
    elif code.checks_errors and not job.before.checks_errors:
        name = code.test_names()[-1]
        passed = len(code.test_names()) - 1
        line = f"{path}::{name} - {code.kind.red}"
        shown = (f"{path} {GREEN}{'.' * passed}{RESET}{RED}F{RESET}\n{RED}FAILED{RESET} {line}\n"
                 f"{RED}1 failed{RESET}, {GREEN}{passed} passed{RESET} in 0.06s\n")
        result = f"FAILED {line}\n1 failed, {passed} passed in 0.06s\n"
        text, failed = f"Running the tests to see `{name}` fail first.", True
    else:
        count = len(code.test_names())
        shown = f"{path} {GREEN}{'.' * count}{RESET}\n{GREEN}{count} passed{RESET} in 0.04s\n"
        result = f"{count} passed in 0.04s\n"
        text, failed = "Running the tests before the change.", False
    return tool_items(t, text, call, shown, result, after, is_error=failed, extra=extras, text_only=True)


def _write_module(t: TaskRun, job: Job, after: float) -> list[Item]:
    code, path = job.after, job.after.module_path
    if job.is_new:
        return _write_new(t, path, code.module(), f"Now {path}: `{code.name}()` {code.does()}.", after)
    return _edit(t, path, job.before.module(), code.module(),
                 f"Updating {path} so that `{code.name}()` {change(job, clause=True)}.", after)


def _read_file(t: TaskRun, path: str, content: str, text: str, after: float) -> list[Item]:
    """A Read tool call showing ``content``, numbered as Claude Code's Read tool returns it."""
    call = m.tool_use(m.new_tool_id(), "Read", {"file_path": path})
    shown = f"{DIM}Read {path} ({line_count(content)} lines){RESET}\n"
    return tool_items(t, text, call, shown, numbered(content), after)


def _write_new(t: TaskRun, path: str, content: str, text: str, after: float) -> list[Item]:
    """A Write tool call creating ``path``."""
    call = m.tool_use(m.new_tool_id(), "Write", {"file_path": path, "content": content})
    return tool_items(t, text, call, f"Wrote {line_count(content)} lines to {path}\n",
                     f"File created successfully at: {path}", after)


def _edit(t: TaskRun, path: str, before: str, after_text: str, text: str, after: float) -> list[Item]:
    """An Edit tool call, or MultiEdit when the change is in several places."""
    edits = edits_between(before, after_text)
    pairs = [{"old_string": e.old, "new_string": e.new} for e in edits]
    if len(pairs) == 1:
        call = m.tool_use(m.new_tool_id(), "Edit", {"file_path": path, **pairs[0]})
    else:
        call = m.tool_use(m.new_tool_id(), "MultiEdit", {"file_path": path, "edits": pairs})
    added, removed = sum(e.added for e in edits), sum(e.removed for e in edits)
    return tool_items(t, text, call, f"Edited {path} (+{added} -{removed})\n",
                     f"The file {path} has been updated.", after)


def _suite(code: Code) -> tuple[str, str]:
    """The whole suite passing: (ANSI output, plain output)."""
    shown = (f"tests/test_version.py {GREEN}.{RESET}\n{code.test_path} {GREEN}{'.' * len(code.test_names())}{RESET}\n"
             f"{GREEN}{code.suite_size} passed{RESET} in 0.05s\n")
    return shown, f"{code.suite_size} passed in 0.05s\n"


def suite_call() -> dict[str, Any]:
    """The Bash tool call that runs the whole suite."""
    return m.tool_use(m.new_tool_id(), "Bash", {"command": "python -m pytest -q", "description": "Run all tests"})


def _finish(t: TaskRun, job: Job, after: float) -> list[Item]:
    """Run the whole suite; then commit and push, unless the job pushes nothing."""
    shown, passed = _suite(job.after)
    if job.push is None:
        return tool_items(t, "Running the whole suite.", suite_call(), shown, passed, after)
    push = job.push
    plan = push.plan
    command = ["python -m pytest -q"]
    if plan.target != plan.branch:
        command.append(f"git checkout -B {plan.target}")
    for commit in plan.commits:
        command += [f"git add {' '.join(commit.paths)}", f"git commit -m {_quote(commit.message)}"]
    command.append(f"git push origin {plan.target}")
    call = m.tool_use(m.new_tool_id(), "Bash", {"command": " && ".join(command),
                                                "description": "Test, commit and push"})
    where = f"`{plan.target}`" + (f" (instead of `{plan.branch}`)" if plan.target != plan.branch else "")
    text = f"All tests pass; committing and pushing to {where}."
    blocks = [{"type": "text", "text": text}, call]

    def git_report() -> str:
        return push.result.output if push.result.pushed else f"error: {push.result.error}\n"

    def report() -> str:
        return passed + git_report()

    return [
        t.updates(m.ai(blocks, t.model, [call])), *t.json(m.sj_assistant(t.session, t.model, blocks)),
        Pause(after / 4), *t.plain(shown),
        Call(push.run),  # the real commits and push happen here, when the stream gets this far
        *t.later_plain(git_report),
        *t.later_json(lambda: m.sj_user(t.session, call["id"], report(), not push.result.pushed)),
        t.later_updates(lambda: m.tool(report(), call, "success" if push.result.pushed else "error")),
    ]


def result_items(t: TaskRun, job: Job, started: float, text: Callable[[], str], failed: bool = False) -> list[Item]:
    """The stream-json result record and the agent's last message, `text` (read when played)."""
    def result_line() -> str:
        elapsed_ms = int((time.monotonic() - started) * 1000)
        turns = 1 + sum(1 for msg in t.new if msg["type"] == "ai")
        return m.sj_result(t.session, text(), turns, job.seed, elapsed_ms, failed=failed)

    # A failed run reports its error record whatever the stdout form: that is how the error shows.
    record = [Later(lambda: t.out(result_line()))] if failed else t.later_json(result_line)
    return [*record, t.later_updates(lambda: m.ai(text(), t.model))]


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
    return "\n".join(lines)


def _say(t: TaskRun, text: str) -> list[Item]:
    return [t.out(text)]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
