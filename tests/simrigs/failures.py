"""Failures before and during a stream: a slow or non-SSE answer, odd stdout, a run that errors out."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial

from cc_jupyter.simulator import story
from cc_jupyter.simulator.extension import Exchange, RunContext
from cc_jupyter.simulator.items import Item
from cc_jupyter.simulator.job import Job, digest, first_line
from cc_jupyter.simulator.stream import Disconnected, Stopped, wait
from cc_jupyter.simulator.taskrun import TaskRun
from cc_jupyter.simulator.validate import InvokeRequest

from .hostile import hostile_items
from .items import Split
from .options import RiggedScenario
from .threads import reject_unknown

NONSSE_PAGE = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
               b"</center><hr><center>Bad gateway: upstream closed the connection</center></body></html>\n")
OOM = "Error: the sandbox process running pytest exited with code 137 (out of memory)"


def refuse(h: Exchange, rid: int, req: InvokeRequest, sc: RiggedScenario) -> bool:
    """`wait` before answering; then `thread=reject` and `nonsse` answer instead of a stream."""
    if sc.wait:
        try:
            wait(h.connection, sc.wait, h.state.stop)
        except (Disconnected, Stopped):
            h.close_connection = True
            h.state.log.close(rid, "disconnected")
            return True
    if reject_unknown(h, rid, req, sc):
        return True
    if sc.nonsse:
        h.state.log.close(rid, "rejected", status=200)
        h.send_json(200, NONSSE_PAGE, content_type="text/html")
        return True
    return False


def odd_stdout(t: TaskRun, sc: RiggedScenario) -> list[Item]:
    """What the first task prints during its first test run: a huge line, bad UTF-8, a fake token."""
    items: list[Item] = []
    if sc.huge:
        items.append(t.out(("0123456789abcdef" * (sc.huge // 16 + 1))[:sc.huge - 1] + "\n"))
    if sc.badutf8:
        multibyte = t.out("unicode check: café, 日本語, 🎉 done\n")
        items += [t.out("binary output: \udcff\udcfe\udcc3( <- invalid UTF-8\n"),
                  Split(multibyte.name, multibyte.payload)]
    if sc.leak:
        items.append(t.out(f"debug: GH_TOKEN=ghp_{digest('fake', t.prompt)[:36]} loaded from env\n"))
    return items


def builders(run: RunContext, sc: RiggedScenario, index: int, t: TaskRun,
             job: Job) -> dict[str, Callable[[float], list[Item]]]:
    """Step builders that replace the shipped ones, by step name."""
    swap: dict[str, Callable[[float], list[Item]]] = {}
    if sc.leak:  # the clone command shows the token in its URL
        url = f"https://x-access-token:{run.req.github_token}@{job.repo.host}/{job.repo.slug}.git"
        swap["clone"] = partial(story.clone, t, dataclasses.replace(job, clone_url=url))
    extras = odd_stdout(t, sc) + hostile_items(t, sc, run.api_key, run.req.github_token) if index == 0 else []
    if extras:
        swap["run_test"] = lambda after: story.run_test(t, job, after, extras)
    if sc.result_error:  # the suite dies; the run ends with an error record and nothing pushed
        swap["finish"] = partial(_out_of_memory, t)
        swap["summary"] = lambda _: story.result_items(t, job, run.started, partial(_stopped, t, job), failed=True)
    return swap


def _out_of_memory(t: TaskRun, after: float) -> list[Item]:
    return story.tool_items(t, "Running the whole suite before committing.", story.suite_call(),
                           f"{story.RED}INTERNALERROR{story.RESET}> {OOM}\n", OOM, after, is_error=True)


def _stopped(t: TaskRun, job: Job) -> str:
    return (f"Stopped {t.name}: the agent hit an error during execution after editing {job.after.module_path}. "
            f"You asked: {first_line(t.prompt)}\nNothing was pushed to branch `{job.branch}`.")
