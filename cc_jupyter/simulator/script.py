"""The event sequence of a believable agent run, deterministic apart from uuids."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any, Union
from urllib.parse import urlparse

from . import messages as m
from .scenario import Scenario
from .threads import TurnInfo
from .validate import InvokeRequest, Task


@dataclass(frozen=True)
class Event:
    name: str
    payload: Any
    bare: bool = False  # a data-only event: no name, no envelope
    split: bool = False  # written as two chunks split inside a multibyte character


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Flood:
    count: int
    tasks: tuple[str, ...]
    with_task: bool


Item = Union[Event, Pause, Flood]


@dataclass
class Script:
    items: list[Item]
    run_id: str
    thread_id: str | None = None  # the id to reveal (metadata event / header), if any
    messages: list[m.Message] = field(default_factory=list)  # this turn's, for thread memory

    @property
    def events(self) -> int:
        return sum(1 if isinstance(i, Event) else i.count for i in self.items if not isinstance(i, Pause))


@dataclass
class _Step:
    items: list[Item]
    after: float = 0.0  # pause after the round this step belongs to


def first_line(prompt: str) -> str:
    line = next((ln.strip() for ln in prompt.splitlines() if ln.strip()), "(empty prompt)")
    return line if len(line) <= 120 else line[:117] + "..."


def repo_slug(repo_url: str) -> tuple[str, str]:
    parts = [p for p in urlparse(repo_url).path.split("/") if p]
    if len(parts) >= 2:
        return parts[0], parts[1].removesuffix(".git")
    return "octo-org", "example"


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).hexdigest()


class _TaskRun:
    """One task's messages and events; knows how this request wants them shaped."""

    def __init__(self, task: Task, prompt: str, run_id: str, req: InvokeRequest, sc: Scenario,
                 turn: TurnInfo) -> None:
        self.name, self.prompt, self.run_id = task.name, prompt, run_id
        self.req, self.sc, self.turn = req, sc, turn
        self.labelled = req.parallel  # task_name on updates only in parallel runs
        self.seen: list[m.Message] = list(turn.previous) if sc.history else []
        self.new: list[m.Message] = []
        self.session = str(uuid.uuid4())
        self.model = "claude-3-5-haiku-20241022" if req.haiku else "claude-sonnet-4-20250514"

    def updates(self, *msgs: m.Message) -> Event:
        self.new.extend(msgs)
        self.seen.extend(msgs)
        payload: dict[str, Any] = {"run_id": self.run_id}
        if self.labelled:
            payload["task_name"] = self.name
        payload["messages"] = list(self.seen) if self.sc.history else list(msgs)
        payload["stream_events"] = []
        return Event("updates", {"executor": payload} if self.sc.wrap else payload)

    def out(self, text: str, split: bool = False) -> Event:
        payload = {"stdout": text} if (self.sc.notask and not self.labelled) else {"task_name": self.name, "stdout": text}
        return Event("custom", payload, split=split)

    def plain(self, text: str) -> list[Item]:
        return [self.out(text)] if self.sc.stdout in ("plain", "both") else []

    def json(self, line: str) -> list[Item]:
        return [self.out(line)] if self.sc.stdout in ("json", "both") else []


def _task_steps(t: _TaskRun, first_task: bool) -> list[_Step]:
    sc, req, pace = t.sc, t.req, t.sc.pace
    owner, repo = repo_slug(req.repo_url)
    branch, asked = req.branch, first_line(t.prompt)
    pkg = repo.replace("-", "_").lower()
    sha = _digest(req.repo_url, branch, t.name, t.prompt, t.turn.number)
    seed = int(sha[:8], 16)
    continuing = ""
    if t.turn.number > 1:
        continuing = (f"Continuing thread {t.turn.thread_id} (turn {t.turn.number}). "
                      f'Earlier you asked: "{first_line(t.turn.first_prompt or "")}".\n')

    clone_url = f"https://github.com/{owner}/{repo}.git"
    if sc.leak:
        clone_url = f"https://x-access-token:{req.github_token}@github.com/{owner}/{repo}.git"
    clone = m.tool_use(m.new_tool_id(), "Bash", {"command": f"git clone --branch {branch} {clone_url}",
                                                   "description": "Clone the repository"})
    clone_out = (f"Cloning into '{repo}'...\nremote: Enumerating objects: 128, done.\n"
                 f"remote: Total 128 (delta 31), reused 120 (delta 27)\n"
                 f"Receiving objects: 100% (128/128), 52.10 KiB | 2.60 MiB/s, done.\n")
    if sc.leak:
        clone_out = f"+ git clone {clone_url}\n" + clone_out
    ai_clone = m.ai([{"type": "text", "text": f"{continuing}You asked: {asked}\n"
                      f"I'll clone {owner}/{repo} on branch `{branch}` and look at the layout first."}, clone],
                    t.model, [clone])
    steps = [_Step([t.updates(m.human(t.prompt))], 0.15 * pace)]
    steps.append(_Step([
        t.updates(ai_clone), *t.json(m.sj_init(t.session, t.model)),
        *t.json(m.sj_assistant(t.session, t.model, ai_clone["content"])), Pause(0.1 * pace),
        *t.plain(clone_out), *t.json(m.sj_user(t.session, clone["id"], clone_out)),
        t.updates(m.tool(f"Cloned {owner}/{repo} ({branch}): 128 objects.", clone)),
    ], 0.3 * pace))

    test = m.tool_use(m.new_tool_id(), "Bash", {"command": "pytest -q", "description": "Run the tests"})
    report = ("FAILED tests/test_api.py::test_timeout - AssertionError: expected 30, got 3\n"
              "1 failed, 11 passed in 0.84s\n")
    ai_test = m.ai("Running the test suite to see where things stand.", t.model, [test])
    extras: list[Item] = []
    if first_task and sc.huge:
        extras.append(t.out(("0123456789abcdef" * (sc.huge // 16 + 1))[:sc.huge - 1] + "\n"))
    if first_task and sc.badutf8:
        extras += [t.out("binary output: \udcff\udcfe\udcc3( <- invalid UTF-8\n"),
                   t.out("unicode check: café, 日本語, 🎉 done\n", split=True)]
    if first_task and sc.leak:
        extras.append(t.out(f"debug: GH_TOKEN=ghp_{_digest('fake', t.prompt)[:36]} loaded from env\n"))
    steps.append(_Step([
        t.updates(ai_test), *t.json(m.sj_assistant(t.session, t.model, [
            {"type": "text", "text": ai_test["content"]}, test])),
        *t.plain("\x1b[1m============================= test session starts ==============================\x1b[0m\n"),
        Pause(0.05 * pace),
        *t.plain("tests/test_core.py \x1b[32m........\x1b[0m\ntests/test_api.py \x1b[32m...\x1b[0m\x1b[31mF\x1b[0m\n"),
        Pause(0.05 * pace),
        *t.plain("\x1b[31mFAILED\x1b[0m tests/test_api.py::test_timeout - AssertionError: expected 30, got 3\n"
                 "\x1b[31m1 failed\x1b[0m, \x1b[32m11 passed\x1b[0m in 0.84s\n"),
        *extras, *t.json(m.sj_user(t.session, test["id"], report, is_error=True)),
        t.updates(m.tool(report, test)),
    ], 0.4 * pace))

    path = f"src/{pkg}/config.py"
    edit = m.tool_use(m.new_tool_id(), "Edit", {"file_path": path, "old_string": "TIMEOUT = 3",
                                                 "new_string": "TIMEOUT = 30"})
    ai_edit = m.ai([{"type": "text", "text": f"test_timeout expects 30 s but {path} sets 3. Fixing the default."},
                    edit], t.model, [edit])
    edited = f"The file {path} has been updated."
    steps.append(_Step([
        t.updates(ai_edit), *t.json(m.sj_assistant(t.session, t.model, ai_edit["content"])),
        *t.plain(f"Edited {path} (+1 -1)\n"), *t.json(m.sj_user(t.session, edit["id"], edited)),
        t.updates(m.tool(edited, edit)),
    ], 0.3 * pace))

    push = m.tool_use(m.new_tool_id(), "Bash", {
        "command": f"pytest -q && git commit -am 'Fix timeout default' && git push origin {branch}",
        "description": "Test, commit and push"})
    pushed = (f"12 passed in 0.79s\n[{branch} {sha[:7]}] Fix timeout default\n"
              f" 1 file changed, 1 insertion(+), 1 deletion(-)\nTo https://github.com/{owner}/{repo}.git\n"
              f"   {_digest(sha)[:7]}..{sha[:7]}  {branch} -> {branch}\n")
    ai_push = m.ai(f"Tests should pass now; committing and pushing to `{branch}`.", t.model, [push])
    steps.append(_Step([
        t.updates(ai_push), *t.json(m.sj_assistant(t.session, t.model, [
            {"type": "text", "text": ai_push["content"]}, push])),
        *t.plain("\x1b[32m12 passed\x1b[0m in 0.79s ✓\n"), Pause(0.05 * pace),
        *t.plain(pushed.split("\n", 1)[1]), *t.json(m.sj_user(t.session, push["id"], pushed)),
        t.updates(m.tool(pushed, push)),
    ], 0.3 * pace))

    interval = sc.interval if sc.interval is not None else 0.3 * pace
    width = len(str(sc.lines))
    for i in range(sc.lines):
        steps.append(_Step([t.out(f"[{t.name}] progress {i + 1:0{width}d}/{sc.lines}: still working\n")], interval))

    if sc.result_error:
        summary = (f"Stopped {t.name}: the agent hit an error during execution after editing {path}. "
                   f"You asked: {asked}\nNothing was pushed to branch `{branch}`.")
        result = [t.out(m.sj_result(t.session, summary, 5, seed, failed=True))]
    else:
        summary = (f"Done with {t.name}. You asked: {asked}\n"
                   f"I ran the test suite (1 failure: tests/test_api.py::test_timeout), fixed the timeout default "
                   f"in {path}, re-ran the tests (12 passed) and pushed to branch `{branch}`: "
                   f"https://github.com/{owner}/{repo}/commit/{sha}")
        result = t.json(m.sj_result(t.session, summary, 5, seed))
    steps.append(_Step([*result, t.updates(m.ai(summary, t.model))]))
    return steps


def build(req: InvokeRequest, prompts: list[str], sc: Scenario, turn: TurnInfo) -> Script:
    """The items to play for one accepted request; `prompts` are the clean task prompts."""
    run_id = str(uuid.uuid4())
    reveal = req.thread_id or (turn.thread_id if sc.thread in ("metadata", "header") else None)
    script = Script([], run_id, reveal)
    if sc.auth:
        script.items.append(Event("auth", {"auth": "invalid api key"}, bare=True))
        return script
    runs = [_TaskRun(task, prompt, run_id if not req.parallel else str(uuid.uuid4()), req, sc, turn)
            for task, prompt in zip(req.tasks, prompts)]
    per_task = [_task_steps(t, i == 0) for i, t in enumerate(runs)]
    rounds = [[steps[k] for steps in per_task if k < len(steps)] for k in range(max(map(len, per_task)))]

    items = script.items
    if sc.metadata or sc.thread == "metadata":
        items.append(Event("metadata", {"run_id": run_id, "thread_id": reveal}))
    middle = len(rounds) // 2
    for k, group in enumerate(rounds):
        for step in group:
            items.extend(step.items)
        if k == 0 and sc.flood:
            items.append(Flood(sc.flood, tuple(t.name for t in runs), not (sc.notask and not req.parallel)))
        if k == middle - 1 and sc.silence:
            items.append(Pause(sc.silence))
        if k == middle - 1 and sc.error:
            items.append(Event("error", {"error": "AgentError", "message":
                         f"Agent run failed in task '{runs[0].name}': sandbox process exited with code 137"}))
            break
        pause = max(step.after for step in group)
        if pause and k < len(rounds) - 1:
            items.append(Pause(pause))
    else:
        if sc.end:
            items.append(Event("end", None))
    script.messages = [msg for t in runs for msg in t.new]
    return script
