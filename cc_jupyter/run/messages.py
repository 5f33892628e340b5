"""Reading the agent's messages (LangChain-style dumps) without caring which shape arrived."""

from __future__ import annotations

import json

from ..json_types import JSON

_ROLES = {"user": "human", "assistant": "ai"}


def message_key(message: dict[str, JSON]) -> str:
    """The de-duplication key: the message id, or its content when it has none."""
    mid = message.get("id")
    if isinstance(mid, str) and mid:
        return mid
    return "content:" + json.dumps(message, sort_keys=True, default=str)


def message_role(message: dict[str, JSON]) -> str:
    """``human``, ``ai``, ``tool``, ``system`` or another type, whichever dump shape arrived."""
    kind = str(message.get("type") or _ROLES.get(str(message.get("role")), "") or "").lower()
    for suffix in ("messagechunk", "message"):
        if kind.endswith(suffix) and kind != suffix:
            kind = kind[: -len(suffix)]
    return kind


def is_ai(message: dict[str, JSON]) -> bool:
    return message_role(message) == "ai"


def asks_for_tool(message: dict[str, JSON]) -> bool:
    """An agent message that calls a tool (``tool_calls``, or a ``tool_use`` block): its answer is still to come."""
    if not is_ai(message):
        return False
    if isinstance(message.get("tool_calls"), list) and message["tool_calls"]:
        return True
    content = message.get("content")
    return isinstance(content, list) and any(isinstance(b, dict) and b.get("type") == "tool_use" for b in content)


def message_text(message: dict[str, JSON]) -> str:
    """The readable text of a message: string content, or the text blocks of a block list."""
    return content_text(message.get("content"))


def content_text(content: JSON, depth: int = 0) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list) and depth < 8:
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif isinstance(block, dict) and block.get("type") == "tool_result":
                parts.append(content_text(block.get("content"), depth + 1))
        return "\n".join(p for p in parts if p)
    return "" if content is None else str(content)
