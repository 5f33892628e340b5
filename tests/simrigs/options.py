"""The rigs' directives: their table (name -> parser, meaning) and the Scenario that holds them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cc_jupyter.simulator.repos import valid_branch
from cc_jupyter.simulator.scenario import Option, Parser, Scenario, boolean, number

HALF = "half"  # `cut` without a value: cut halfway through the events
FORMS = ("A", "B", "C")


def choice(*choices: str) -> Parser:
    def parse(raw: Any) -> str:
        for option in choices:
            if str(raw).lower() == option.lower():
                return option
        raise ValueError("expected " + "|".join(choices))

    return parse


def _branch(raw: Any) -> str:
    if raw is True or not valid_branch(str(raw)):
        raise ValueError("expected a branch name")
    return str(raw)


def _cut(raw: Any) -> Any:
    return HALF if raw is True else number(int)(raw)


def _gate(raw: Any) -> str:
    if raw is True or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", str(raw)):
        raise ValueError("expected a name of letters, digits and _.:-")
    return str(raw)


# name -> option; the order is the documentation order (docs/simulator.md).
RIG_OPTIONS: dict[str, Option] = {
    "commits": Option(number(int, 1, 50),
                      "the agent makes N commits (default 1): the module, its tests, changelog notes"),
    "push": Option(choice("branch", "none"),
                   "none: the agent commits nothing and says it pushed nothing (default: branch)"),
    "push_branch": Option(_branch, "push to branch NAME instead (created from the requested branch), and say so"),
    "pr": Option(boolean, "the summary also gives a pull-request URL https://github.com/<owner>/<repo>/pull/<n>"),
    "framing": Option(choice(*FORMS, "mixed"),
                      "A: event+data lines; B: data envelope only; C: both; mixed: rotate per event"),
    "crlf": Option(boolean, "CRLF line endings"),
    "cr": Option(boolean, "bare CR line endings (wins over crlf)"),
    "bom": Option(boolean, "UTF-8 BOM before the first byte of the body"),
    "ping": Option(number(float), "`: ping` comment every SECONDS, silences included (0 = off)"),
    "wrap": Option(boolean, "updates payloads wrapped in a node name: {\"executor\": {...}}"),
    "id": Option(boolean, "`id: N` line on every event"),
    "multiline": Option(boolean, "pretty-printed JSON split over several `data:` lines"),
    "metadata": Option(boolean, "first event is `metadata` {run_id, thread_id}"),
    "end": Option(boolean, "last event is `end` (data null)"),
    "history": Option(boolean, "updates re-send the whole message history, earlier turns included"),
    "notask": Option(boolean, "custom events carry no task_name in single-task runs"),
    "stdout": Option(choice("plain", "json", "both"),
                     "tool stdout as ANSI plain text, Claude Code stream-json lines, or both"),
    "nonsse": Option(boolean, "200 with a text/html Bad gateway page instead of a stream"),
    "cut": Option(_cut, "close the socket without the terminating chunk after N events (bare: halfway)"),
    "silence": Option(number(float), "a silent gap of SECONDS mid-run"),
    "huge": Option(number(int, 1), "one stdout line of BYTES bytes"),
    "badutf8": Option(boolean, "a stdout chunk with invalid UTF-8 bytes, and multibyte text split across chunks"),
    "result_error": Option(boolean, "stream-json result record with is_error true, subtype error_during_execution"),
    "auth": Option(boolean, "legacy: 200 stream whose only event is data {\"auth\": \"invalid api key\"}"),
    "leak": Option(boolean, "stdout echoes the request's github token in a clone URL and a fake ghp_ token"),
    "thread": Option(choice("accept", "metadata", "header", "reject", "server-metadata", "server-header"),
                     "thread id policy: adopt silently, send in metadata, Content-Location header, 422 unknown "
                     "ids; server-*: ignore an unknown client id, name a thread of its own in metadata or the header"),
    "wait": Option(number(float), "SECONDS before the response status line"),
    "flood": Option(number(int), "N short custom events round-robin over the tasks, written in 64 KiB writes"),
    "width": Option(number(int, 2, 1_000_000),
                    "each flood line is WIDTH characters, newline included (numbered from 7)"),
    "hold": Option(_gate, "after the first round, wait until release(NAME) / POST /_sim/release"),
    "empty": Option(boolean, "a 200 event stream that closes without sending a single event"),
    "deep": Option(number(int, 1, 1_000_000), "an `updates` event whose JSON nests N levels deep"),
    "retry": Option(number(int, 1, 1_000_000), "a `retry:` field of N digits"),
    "names": Option(number(int, 1, 1_000_000), "N custom events, each naming a task never asked for"),
    "bigid": Option(number(int, 1, 100_000_000), "thread id, run id, event name and error message of BYTES each"),
    "leak_escaped": Option(boolean, "stdout echoes the request's key and token with terminal escapes inside, "
                                    "split across events, also \\u-escaped inside a stream-json record"),
}


@dataclass(frozen=True)
class RiggedScenario(Scenario):
    """The shipped options, then one field per rig directive."""

    commits: int = 1
    push: str = "branch"
    push_branch: str | None = None
    pr: bool = False
    framing: str = "A"
    crlf: bool = False
    cr: bool = False
    bom: bool = False
    ping: float = 0.0
    wrap: bool = False
    id: bool = False
    multiline: bool = False
    metadata: bool = False
    end: bool = False
    history: bool = False
    notask: bool = False
    stdout: str = "both"
    nonsse: bool = False
    cut: Any = None  # None | HALF | int
    silence: float = 0.0
    huge: int = 0
    badutf8: bool = False
    result_error: bool = False
    auth: bool = False
    leak: bool = False
    thread: str = "accept"
    wait: float = 0.0
    flood: int = 0
    width: int = 0
    hold: str | None = None
    empty: bool = False
    deep: int = 0
    retry: int = 0
    names: int = 0
    bigid: int = 0
    leak_escaped: bool = False

    @property
    def eol(self) -> str:
        return "\r" if self.cr else "\r\n" if self.crlf else "\n"

    @property
    def names_own_thread(self) -> bool:
        """The server reveals the thread: in a metadata event or the Content-Location header."""
        return self.thread in ("metadata", "header", "server-metadata", "server-header")


def rigged(sc: Scenario) -> RiggedScenario:
    """A request's options as the rigs see them (every request of a rigged simulator has them)."""
    if not isinstance(sc, RiggedScenario):
        raise TypeError(f"not a rigged scenario: {sc!r}")
    return sc
