"""Builders for LangChain message dumps and Claude Code stream-json stdout lines."""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

Message = dict[str, Any]


def new_tool_id() -> str:
    return "toolu_01" + uuid.uuid4().hex[:22]


def _base(kind: str, content: Any, msg_id: str) -> Message:
    return {"type": kind, "content": content, "id": msg_id, "name": None,
            "additional_kwargs": {}, "response_metadata": {}}


def human(content: str) -> Message:
    return _base("human", content, str(uuid.uuid4()))


def tool_use(tool_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": args}


def ai(content: str | list[dict[str, Any]], model: str, calls: Sequence[dict[str, Any]] = ()) -> Message:
    """An AI message; `calls` are tool_use blocks, mirrored into `tool_calls`."""
    text = content if isinstance(content, str) else json.dumps(content)
    tokens_out = 12 + len(text) // 4
    msg = _base("ai", content, "run-" + str(uuid.uuid4()))
    msg["response_metadata"] = {"model_name": model, "stop_reason": "tool_use" if calls else "end_turn"}
    msg["tool_calls"] = [{"name": c["name"], "args": c["input"], "id": c["id"], "type": "tool_call"} for c in calls]
    msg["invalid_tool_calls"] = []
    msg["usage_metadata"] = {"input_tokens": 1200 + tokens_out * 3, "output_tokens": tokens_out,
                             "total_tokens": 1200 + tokens_out * 4}
    return msg


def tool(content: str, call: dict[str, Any], status: str = "success") -> Message:
    msg = _base("tool", content, str(uuid.uuid4()))
    msg.update(name=call["name"], tool_call_id=call["id"], status=status, artifact=None)
    return msg


def _line(record: dict[str, Any]) -> str:
    # Compact, like Claude Code's JSON.stringify output.
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def sj_init(session: str, model: str) -> str:
    return _line({"type": "system", "subtype": "init", "session_id": session, "model": model,
                  "tools": ["Task", "Bash", "Glob", "Grep", "Read", "Edit", "Write", "TodoWrite"],
                  "mcp_servers": [], "permissionMode": "bypassPermissions", "apiKeySource": "none"})


def sj_assistant(session: str, model: str, blocks: list[dict[str, Any]]) -> str:
    return _line({"type": "assistant", "message": {
        "id": "msg_01" + uuid.uuid4().hex[:22], "type": "message", "role": "assistant", "model": model,
        "content": blocks, "stop_reason": None,
        "usage": {"input_tokens": 4, "output_tokens": 60, "cache_read_input_tokens": 13000}},
        "parent_tool_use_id": None, "session_id": session})


def sj_user(session: str, tool_id: str, content: str, is_error: bool = False) -> str:
    return _line({"type": "user", "message": {"role": "user", "content": [
        {"tool_use_id": tool_id, "type": "tool_result", "content": content, "is_error": is_error}]},
        "parent_tool_use_id": None, "session_id": session})


def sj_result(session: str, result: str, turns: int, seed: int, duration_ms: int, failed: bool = False) -> str:
    """The closing record; `duration_ms` is the real time the run took so far."""
    return _line({
        "type": "result", "subtype": "error_during_execution" if failed else "success",
        "is_error": failed, "duration_ms": duration_ms, "duration_api_ms": duration_ms * 4 // 5,
        "num_turns": turns, "result": result, "session_id": session,
        "total_cost_usd": round(0.05 + (seed % 900) / 10000, 4),
        "usage": {"input_tokens": 40 + seed % 50, "cache_creation_input_tokens": 3000,
                  "cache_read_input_tokens": 60000 + seed % 9000, "output_tokens": 900 + seed % 700},
    })
