"""Reading the agent's messages (LangChain-style dumps) without caring which shape arrived."""

from __future__ import annotations

import json
from typing import Any

_MAIN_ARGUMENT_KEYS = ("command", "file_path", "path", "pattern", "url", "query", "prompt", "description")


def message_key(message: dict[str, Any]) -> str:
    """The de-duplication key: the message id, or its content when it has none."""
    mid = message.get("id")
    if isinstance(mid, str) and mid:
        return mid
    return "content:" + json.dumps(message, sort_keys=True, default=str)


def message_text(message: dict[str, Any]) -> str:
    """The readable text of a message: string content, or the text blocks of a block list."""
    return content_text(message.get("content"))


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif isinstance(block, dict) and block.get("type") == "tool_result":
                parts.append(content_text(block.get("content")))
        return "\n".join(p for p in parts if p)
    return "" if content is None else str(content)


def tool_calls(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(tool name, main argument) for each tool call, from ``tool_calls`` or ``tool_use`` blocks."""
    calls: list[tuple[str, str]] = []
    seen: set[str] = set()
    for call in message.get("tool_calls") or []:
        if isinstance(call, dict):
            calls.append((str(call.get("name", "tool")), main_argument(call.get("args"))))
            seen.add(str(call.get("id")))
    content = message.get("content")
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_use" and str(block.get("id")) not in seen:
                calls.append((str(block.get("name", "tool")), main_argument(block.get("input"))))
    return calls


def main_argument(args: Any) -> str:
    """The argument that says what a tool call does (its command, path, ...), on one line."""
    if isinstance(args, dict):
        for key in _MAIN_ARGUMENT_KEYS:
            if isinstance(args.get(key), str):
                return one_line(args[key])
        for value in args.values():
            if isinstance(value, str):
                return one_line(value)
        return one_line(json.dumps(args, default=str)) if args else ""
    return one_line(str(args)) if args is not None else ""


def one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
