"""The agent's conversation (``run.messages``) as short, readable items for the Agent tab."""

from __future__ import annotations

import json
from typing import NamedTuple

from ..json_types import JSON
from ..run.messages import message_role, message_text
from ..run.state import Run
from ..text import clip, one_line
from .html import escape, fit_html, pre
from .links import linkify
from .tools import collapsed_result, tool_call_text, tool_calls

MAX_TEXT_CHARS = 4000
MAX_DETAIL_CHARS = 3000
TASK_LABEL_CHARS = 40
_TEXT_HTML = 6000  # HTML characters of one text item, escaping included
_DETAIL_HTML = 4000

PROMPT, TEXT, CALL, RESULT, OTHER = "prompt", "text", "call", "result", "other"


class AgentItem(NamedTuple):
    kind: str
    text: str
    task: str | None = None
    detail: str = ""  # the (bounded) full tool result, shown folded


def message_items(message: dict[str, JSON], task: str | None = None) -> list[AgentItem]:
    """One message as items: prompt, text, tool calls, or a collapsed tool result."""
    role = message_role(message)
    text = message_text(message)
    if role == "human":
        return [AgentItem(PROMPT, one_line(text, 300), task)] if text.strip() else []
    if role == "ai":
        items = [AgentItem(TEXT, _clip(text.strip()), task)] if text.strip() else []
        for name, argument in tool_calls(message):
            items.append(AgentItem(CALL, tool_call_text(name, argument), task))
        return items
    if role == "tool":
        summary = collapsed_result(text, message.get("status") == "error", str(message.get("name") or ""))
        return [AgentItem(RESULT, summary, task, _clip(text, MAX_DETAIL_CHARS))]
    if text.strip():
        return [AgentItem(OTHER, f"· {one_line(role or 'message', 40)}: {one_line(text)}", task)]
    return []


def other_event_items(run: Run, limit: int = 10) -> list[AgentItem]:
    """Events the protocol does not describe, shown raw (newest ``limit``)."""
    items = []
    for event in run.other_events[-limit:]:
        raw = event.data if isinstance(event.data, str) else json.dumps(event.data, default=str)[:4000]
        items.append(AgentItem(OTHER, f"‹{one_line(event.type, 40)}› {one_line(raw, 300)}"))
    return items


def _clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n… ({len(text) - limit:,} more characters in run.messages)"


def item_html(item: AgentItem, labelled: bool = False) -> str:
    label = (
        f'<span style="color:#6e7781;font-family:monospace">[{escape(clip(item.task, TASK_LABEL_CHARS))}]</span> '
        if labelled and item.task
        else ""
    )
    if item.kind == PROMPT:
        return f'<div style="color:#6e7781;margin:2px 0">{label}<b>You:</b> {escape(item.text)}</div>'
    if item.kind == TEXT:
        return f'<div style="white-space:pre-wrap;margin:4px 0">{label}{fit_html(item.text, linkify, _TEXT_HTML)}</div>'
    if item.kind == CALL:
        return f'<div style="color:#0969da;font-family:monospace;margin:1px 0">{label}{escape(item.text)}</div>'
    if item.kind == RESULT:
        detail = fit_html(item.detail, escape, _DETAIL_HTML)
        body = pre(detail, "max-height:16em;overflow:auto") if item.detail.strip() else ""
        return (
            f'<details style="margin:1px 0"><summary style="color:#6e7781;font-family:monospace">'
            f"{label}{escape(item.text)}</summary>{body}</details>"
        )
    return f'<div style="color:#6e7781;margin:1px 0">{label}{escape(item.text)}</div>'


def item_text(item: AgentItem, labelled: bool = False) -> str:
    prefix = f"[{clip(item.task, TASK_LABEL_CHARS)}] " if labelled and item.task else ""
    return prefix + ("You: " + item.text if item.kind == PROMPT else item.text)


def labelled(run: Run) -> bool:
    """Whether items say which task they belong to (parallel runs)."""
    return run.info.parallel or len(run.tasks) > 1


class AgentFeed:
    """Renders the newest messages of a run, re-rendering only messages that are new or changed."""

    def __init__(self, run: Run, max_messages: int = 60) -> None:
        self.run = run
        self.max_messages = max_messages
        self._cache: dict[int, tuple[dict[str, JSON], str]] = {}  # id(message) -> (message, html)
        self._task_of: dict[int, tuple[dict[str, JSON], str]] = {}  # holds the message: ids stay unique
        self._seen: dict[str, int] = {}
        self._window: tuple[int, ...] = ()

    def window(self) -> list[dict[str, JSON]]:
        messages = self.run.messages
        end = len(messages)
        return messages[max(0, end - self.max_messages) : end]

    def changed(self) -> bool:
        """Whether the newest messages differ from the last :meth:`html` (O(max_messages))."""
        return tuple(map(id, self.window())) + (len(self.run.other_events),) != self._window

    def html(self, budget: int = 32_000) -> str:
        """The newest messages that fit in ``budget`` characters, oldest first."""
        window = self.window()
        self._window = tuple(map(id, window)) + (len(self.run.other_events),)
        with_task = labelled(self.run)
        if with_task:
            self._index_tasks(window)
        cache: dict[int, tuple[dict[str, JSON], str]] = {}
        parts: list[str] = []
        used = 0
        for message in reversed(window):
            hit = self._cache.get(id(message))
            if hit is None or hit[0] is not message:
                task = self._task_of.get(id(message), (None, None))[1] if with_task else None
                hit = (message, "".join(item_html(i, with_task) for i in message_items(message, task)))
            cache[id(message)] = hit
            used += len(hit[1])
            if used > budget and parts:
                break
            parts.append(hit[1])
        self._cache = cache
        hidden = len(self.run.messages) - len(parts)
        parts.reverse()
        parts.extend(item_html(item) for item in other_event_items(self.run))
        if not parts:
            return '<div style="color:#6e7781">No messages from the agent yet.</div>'
        if hidden > 0:
            parts.insert(0, f'<div style="color:#6e7781">… {hidden:,} earlier messages (run.messages)</div>')
        return "".join(parts)

    def _index_tasks(self, window: list[dict[str, JSON]]) -> None:
        for name, task in list(self.run.tasks.items()):
            messages = task.messages
            end = len(messages)
            for message in messages[self._seen.get(name, 0) : end]:
                self._task_of[id(message)] = (message, name)
            self._seen[name] = end
        if any(self._task_of.get(id(m), (None,))[0] is not m for m in window):
            self._task_of = {}  # a message was replaced in place: re-index once
            for name, task in list(self.run.tasks.items()):
                for message in task.messages[:]:
                    self._task_of[id(message)] = (message, name)


def agent_text(run: Run, max_messages: int = 40) -> list[str]:
    """The newest messages as plain lines (for text views and transcripts)."""
    with_task = labelled(run)
    names = {id(m): name for name, t in list(run.tasks.items()) for m in t.messages[:]} if with_task else {}
    lines: list[str] = []
    for message in run.messages[-max_messages:]:
        for item in message_items(message, names.get(id(message))):
            lines.append(item_text(item, with_task))
    lines.extend(item_text(item) for item in other_event_items(run))
    return lines
