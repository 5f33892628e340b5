"""Scenario options: the `sim:` directive syntax, value checking, and merging with defaults."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .repo_ref import valid_branch

DIRECTIVE_PREFIX = "sim:"
HALF = "half"  # `cut` without a value: cut halfway through the events


class DirectiveError(ValueError):
    """A directive the simulator cannot honour; reported to the client as a 422."""


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _number(kind: type, low: float = 0, high: float | None = None) -> Callable[[Any], Any]:
    def parse(raw: Any) -> Any:
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        value = kind(raw)
        if value < low or (high is not None and value > high):
            raise ValueError(f"expected {low}..{high}" if high is not None else f"expected >= {low}")
        return value

    return parse


def _choice(*choices: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        for choice in choices:
            if str(raw).lower() == choice.lower():
                return choice
        raise ValueError("expected " + "|".join(choices))

    return parse


def _cut(raw: Any) -> Any:
    return HALF if raw is True else _number(int)(raw)


def _status(raw: Any) -> int:
    return _number(int, 400, 599)(raw)


def _branch(raw: Any) -> str:
    if raw is True or not valid_branch(str(raw)):
        raise ValueError("expected a branch name")
    return str(raw)


def _gate(raw: Any) -> str:
    if raw is True or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", str(raw)):
        raise ValueError("expected a name of letters, digits and _.:-")
    return str(raw)


# name -> (parser, one-line meaning); the order is the documentation order.
OPTIONS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "framing": (_choice("A", "B", "C", "mixed"),
                "A: event+data lines; B: data envelope only; C: both; mixed: rotate per event"),
    "crlf": (_bool, "CRLF line endings"),
    "cr": (_bool, "bare CR line endings (wins over crlf)"),
    "bom": (_bool, "UTF-8 BOM before the first byte of the body"),
    "ping": (_number(float), "`: ping` comment every SECONDS, silences included (0 = off)"),
    "wrap": (_bool, "updates payloads wrapped in a node name: {\"executor\": {...}}"),
    "id": (_bool, "`id: N` line on every event"),
    "multiline": (_bool, "pretty-printed JSON split over several `data:` lines"),
    "metadata": (_bool, "first event is `metadata` {run_id, thread_id}"),
    "end": (_bool, "last event is `end` (data null)"),
    "history": (_bool, "updates re-send the whole message history, earlier turns included"),
    "notask": (_bool, "custom events carry no task_name in single-task runs"),
    "stdout": (_choice("plain", "json", "both"),
               "tool stdout as ANSI plain text, Claude Code stream-json lines, or both"),
    "status": (_status, "answer with this HTTP status (400-599) and a FastAPI body; 429 adds Retry-After: 7"),
    "nonsse": (_bool, "200 with a text/html Bad gateway page instead of a stream"),
    "error": (_bool, "`error` event {error: AgentError, message} mid-run, then a normal close"),
    "cut": (_cut, "close the socket without the terminating chunk after N events (bare: halfway)"),
    "silence": (_number(float), "a silent gap of SECONDS mid-run"),
    "huge": (_number(int, 1), "one stdout line of BYTES bytes"),
    "badutf8": (_bool, "a stdout chunk with invalid UTF-8 bytes, and multibyte text split across chunks"),
    "result_error": (_bool, "stream-json result record with is_error true, subtype error_during_execution"),
    "auth": (_bool, "legacy: 200 stream whose only event is data {\"auth\": \"invalid api key\"}"),
    "leak": (_bool, "stdout echoes the request's github token in a clone URL and a fake ghp_ token"),
    "thread": (_choice("accept", "metadata", "header", "reject", "server-metadata", "server-header"),
               "thread id policy: adopt silently, send in metadata, Content-Location header, 422 unknown ids; "
               "server-*: ignore an unknown client id, name a thread of its own in metadata or the header"),
    "pace": (_number(float), "multiplier on built-in delays (0 = as fast as possible)"),
    "wait": (_number(float), "SECONDS before the response status line"),
    "lines": (_number(int), "N extra stdout lines per task"),
    "interval": (_number(float), "SECONDS between those lines (default 0.3 x pace)"),
    "flood": (_number(int), "N short custom events round-robin over the tasks, written in 64 KiB writes"),
    "width": (_number(int, 2, 1_000_000), "each flood line is WIDTH characters, newline included (numbered from 7)"),
    "commits": (_number(int, 1, 50), "the agent makes N commits (default 1): the module, its tests, changelog notes"),
    "push": (_choice("branch", "none"), "none: the agent commits nothing and says it pushed nothing (default: branch)"),
    "push_branch": (_branch, "push to branch NAME instead (created from the requested branch), and say so"),
    "pr": (_bool, "the summary also gives a pull-request URL https://github.com/<owner>/<repo>/pull/<n>"),
    "hold": (_gate, "after the first round, wait until Simulator.release(NAME) / POST /_sim/release"),
    "empty": (_bool, "a 200 event stream that closes without sending a single event"),
    "deep": (_number(int, 1, 1_000_000), "an `updates` event whose JSON nests N levels deep"),
    "retry": (_number(int, 1, 1_000_000), "a `retry:` field of N digits"),
    "names": (_number(int, 1, 1_000_000), "N custom events, each naming a task never asked for"),
    "bigid": (_number(int, 1, 100_000_000), "thread id, run id, event name and error message of BYTES each"),
    "leak_escaped": (_bool, "stdout echoes the request's key and token with terminal escapes inside, "
                            "split across events, also \\u-escaped inside a stream-json record"),
}


@dataclass(frozen=True)
class Scenario:
    """Every option for one request (defaults < directives)."""

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
    status: int | None = None
    nonsse: bool = False
    error: bool = False
    cut: Any = None  # None | HALF | int
    silence: float = 0.0
    huge: int = 0
    badutf8: bool = False
    result_error: bool = False
    auth: bool = False
    leak: bool = False
    thread: str = "accept"
    pace: float = 1.0
    wait: float = 0.0
    lines: int = 0
    interval: float | None = None
    flood: int = 0
    width: int = 0
    commits: int = 1
    push: str = "branch"
    push_branch: str | None = None
    pr: bool = False
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


def check(key: str, raw: Any) -> tuple[str, Any]:
    """Normalise one option name and value, or raise DirectiveError."""
    name = key.strip().lower().replace("-", "_")
    if name not in OPTIONS:
        raise DirectiveError(f"Unknown sim directive: {key}")
    try:
        return name, OPTIONS[name][0](raw)
    except (TypeError, ValueError) as exc:
        raise DirectiveError(f"Invalid sim directive value: {key}={raw} ({exc})") from None


def check_all(options: dict[str, Any]) -> dict[str, Any]:
    return dict(check(key, value) for key, value in options.items())


def parse_directives(text: str) -> dict[str, Any]:
    """`a=1 b` -> {"a": 1, "b": True}, checked; raises DirectiveError."""
    found: dict[str, Any] = {}
    for token in text.split():
        key, sep, value = token.partition("=")
        name, parsed = check(key, value if sep else True)
        found[name] = parsed
    return found


def parse_directive_line(line: str) -> dict[str, Any] | None:
    """`sim: a=1 b` -> {"a": 1, "b": True}; None when the line is not a directive."""
    stripped = line.strip()
    if not stripped.startswith(DIRECTIVE_PREFIX):
        return None
    return parse_directives(stripped[len(DIRECTIVE_PREFIX):])


def split_prompt(prompt: str) -> tuple[str, dict[str, Any]]:
    """Remove directive lines from a prompt; return (clean prompt, directives)."""
    kept: list[str] = []
    found: dict[str, Any] = {}
    for line in prompt.splitlines():
        parsed = parse_directive_line(line)
        if parsed is None:
            kept.append(line)
        else:
            found.update(parsed)
    return "\n".join(kept).strip(), found


def merge(defaults: dict[str, Any], directives: dict[str, Any]) -> Scenario:
    return Scenario(**{**defaults, **directives})
