"""Tool calls and their results on one line each, whether from stream-json or agent messages."""

from __future__ import annotations

import json

from ..json_types import JSON
from ..text import one_line

_MAIN_ARGUMENT_KEYS = ("command", "file_path", "path", "pattern", "url", "query", "prompt", "description")
TOOL_NAME_CHARS = 60


def tool_call_text(name: object, argument: str) -> str:
    """One tool call on one line: ``▶ Bash: git status``."""
    label = one_line(str(name or "tool"), TOOL_NAME_CHARS)
    return f"▶ {label}: {argument}" if argument else f"▶ {label}"


def main_argument(args: JSON) -> str:
    """The argument that says what a tool call does (its command, path, ...), on one line."""
    if isinstance(args, dict):
        for key in _MAIN_ARGUMENT_KEYS:
            if isinstance(args.get(key), str):
                return one_line(args[key])
        for value in args.values():
            if isinstance(value, str):
                return one_line(value)
        return one_line(json.dumps(args, default=str)[:2000]) if args else ""
    return one_line(str(args)[:2000]) if args is not None else ""


def tool_calls(message: dict[str, JSON]) -> list[tuple[str, str]]:
    """(tool name, main argument) for each tool call, from ``tool_calls`` or ``tool_use`` blocks."""
    calls: list[tuple[str, str]] = []
    seen: set[str] = set()
    listed = message.get("tool_calls")
    for call in listed if isinstance(listed, list) else ():
        if isinstance(call, dict):
            calls.append((str(call.get("name", "tool")), main_argument(call.get("args"))))
            seen.add(str(call.get("id")))
    content = message.get("content")
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_use" and str(block.get("id")) not in seen:
                calls.append((str(block.get("name", "tool")), main_argument(block.get("input"))))
    return calls


def collapsed_result(text: str, is_error: object = False, name: str = "") -> str:
    """``◀ result: first line… (N lines)``."""
    label = "error" if is_error else "result"
    if name:
        label = f"{one_line(name, TOOL_NAME_CHARS)} {label}"
    stripped = text.strip("\n")
    if not stripped.strip():
        return f"◀ {label}: (empty)"
    count = stripped.count("\n") + 1
    first = one_line(next(line for line in stripped.splitlines() if line.strip()), 120)
    more = "…" if count > 1 and not first.endswith("…") else ""
    return f"◀ {label}: {first}{more} ({count:,} line{'s' if count != 1 else ''})"
