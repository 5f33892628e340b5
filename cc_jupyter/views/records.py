"""Claude Code ``stream-json`` records (one JSON object per stdout line), read as display lines."""

from __future__ import annotations

import json

from ..json_types import JSON
from ..run.messages import content_text
from ..text import clip, one_line
from .lines import FAILURE, MAX_LINE_CHARS, NARRATION, SESSION, SUCCESS, TOOL, TOOL_RESULT, DisplayLine
from .tools import collapsed_result, main_argument, tool_call_text

RECORD_TYPES = frozenset({"system", "assistant", "user", "result"})


def parse_record(line: str) -> dict[str, JSON] | None:
    """The stream-json record on ``line``, or ``None`` when it is ordinary output."""
    stripped = line.strip()
    if not (stripped.startswith("{") and stripped.endswith("}") and '"type"' in stripped):
        return None
    try:
        record = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if type(record) is dict and record.get("type") in RECORD_TYPES:
        return record
    return None


def describe(record: dict[str, JSON]) -> list[DisplayLine]:
    """What a record means, as display lines (possibly none, e.g. an empty message).

    The texts come from decoded JSON: the caller masks them."""
    kind = record.get("type")
    if kind == "system":
        return [_system(record)]
    if kind == "result":
        return [_result(record)]
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    if not isinstance(content, list):
        return []
    if kind == "assistant":
        return _assistant(content)
    return _user(content)


def _system(record: dict[str, JSON]) -> DisplayLine:
    subtype = record.get("subtype")
    if subtype == "init":
        parts = ["session started"]
        if record.get("model"):
            parts.append(f"model {one_line(str(record['model']), 80)}")
        tools = record.get("tools")
        if isinstance(tools, list):
            parts.append(f"{len(tools)} tools")
        return DisplayLine(SESSION, "· " + " · ".join(parts))
    return DisplayLine(SESSION, f"· system: {one_line(str(subtype or 'note'))}")


def _result(record: dict[str, JSON]) -> DisplayLine:
    facts = []
    ms = record.get("duration_ms")
    if isinstance(ms, (int, float)) and 0 <= ms < 1e12:
        facts.append(f"{ms / 1000:.1f} s")
    turns = record.get("num_turns")
    if isinstance(turns, int):
        facts.append(f"{turns:,} turn" + ("" if turns == 1 else "s"))
    cost = record.get("total_cost_usd")
    if isinstance(cost, (int, float)) and 0 <= cost < 1e9:
        facts.append(f"${cost:.4f}")
    if record.get("is_error") or str(record.get("subtype", "")).startswith("error"):
        text = f"✖ {one_line(str(record.get('subtype') or 'error'), 60)}"
        if facts:
            text += " after " + " · ".join(facts)
        detail = record.get("result")
        if isinstance(detail, str) and detail.strip():
            text += ": " + one_line(detail, 300)
        return DisplayLine(FAILURE, text)
    return DisplayLine(SUCCESS, "✔ finished" + (" in " + " · ".join(facts) if facts else ""))


def _assistant(content: list[JSON]) -> list[DisplayLine]:
    lines: list[DisplayLine] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            text = str(block.get("text") or "")
            lines.extend(DisplayLine(NARRATION, clip(t, MAX_LINE_CHARS)) for t in text.splitlines()[:200] if t.strip())
        elif block.get("type") == "tool_use":
            lines.append(DisplayLine(TOOL, tool_call_text(block.get("name"), main_argument(block.get("input")))))
    return lines


def _user(content: list[JSON]) -> list[DisplayLine]:
    lines: list[DisplayLine] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            lines.append(DisplayLine(TOOL_RESULT, collapsed_result(content_text(block.get("content")), block.get("is_error"))))
        elif block.get("type") == "text" and str(block.get("text") or "").strip():
            lines.append(DisplayLine(SESSION, "· user: " + one_line(str(block["text"]))))
    return lines
