"""Request bodies refused as FastAPI does: a 422 whose detail lists pydantic-v2-shaped errors."""
from __future__ import annotations

import json
from typing import Any

from cc_jupyter.simulator.validate import InvalidBody, InvokeRequest, Task

Errors = list[dict[str, Any]]


def _err(loc: list[Any], kind: str, msg: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "loc": ["body", *loc], "msg": msg, **extra}


def _string(value: Any, loc: list[Any], errors: Errors, *, secret: bool = False, min_length: int = 0) -> None:
    # `input` echoes the offending value like pydantic does, except for the token.
    if not isinstance(value, str):
        extra = {} if secret else {"input": value}
        errors.append(_err(loc, "string_type", "Input should be a valid string", **extra))
    elif len(value) < min_length:
        errors.append(_err(loc, "string_too_short", f"String should have at least {min_length} character",
                           input=value, ctx={"min_length": min_length}))


def _items(value: Any, loc: list[Any], errors: Errors) -> list[Any] | None:
    if not isinstance(value, list):
        errors.append(_err(loc, "list_type", "Input should be a valid list", input=value))
        return None
    if not value:
        errors.append(_err(loc, "too_short", "List should have at least 1 item after validation, not 0",
                           input=value, ctx={"field_type": "List", "min_length": 1, "actual_length": 0}))
        return None
    return value


def _object(value: Any, loc: list[Any], errors: Errors) -> bool:
    if isinstance(value, dict):
        return True
    errors.append(_err(loc, "model_attributes_type",
                       "Input should be a valid dictionary or object to extract fields from", input=value))
    return False


def _messages(value: Any, errors: Errors) -> list[Task]:
    tasks: list[Task] = []
    for i, item in enumerate(_items(value, ["messages"], errors) or []):
        loc = ["messages", i]
        if not _object(item, loc, errors):
            continue
        if "type" not in item:
            errors.append(_err([*loc, "type"], "missing", "Field required"))
        elif item["type"] != "human":
            errors.append(_err([*loc, "type"], "literal_error", "Input should be 'human'",
                               input=item["type"], ctx={"expected": "'human'"}))
        if "content" not in item:
            errors.append(_err([*loc, "content"], "missing", "Field required"))
        else:
            _string(item["content"], [*loc, "content"], errors)
        if isinstance(item.get("content"), str):
            tasks.append(Task("main", item["content"]))
    return tasks


def _parallel(value: Any, errors: Errors) -> list[Task]:
    tasks: list[Task] = []
    for i, item in enumerate(_items(value, ["parallel_tasks"], errors) or []):
        loc = ["parallel_tasks", i]
        if not _object(item, loc, errors):
            continue
        for key in ("prompt", "task_name"):
            if key not in item:
                errors.append(_err([*loc, key], "missing", "Field required"))
            else:
                _string(item[key], [*loc, key], errors, min_length=1 if key == "task_name" else 0)
        if isinstance(item.get("prompt"), str) and isinstance(item.get("task_name"), str):
            tasks.append(Task(item["task_name"], item["prompt"]))
    return tasks


def parse_body(raw: bytes) -> InvokeRequest:
    """Check a POST /invoke/stdout body; raises InvalidBody whose detail is FastAPI's list of errors."""
    if not raw.strip():
        raise InvalidBody([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidBody([_err([exc.pos], "json_invalid", "JSON decode error", input={},
                                ctx={"error": exc.msg})]) from None
    except UnicodeDecodeError:
        raise InvalidBody([_err([0], "json_invalid", "JSON decode error", input={},
                                ctx={"error": "Invalid UTF-8"})]) from None
    errors: Errors = []
    if not isinstance(body, dict):
        raise InvalidBody([{"type": "model_attributes_type", "loc": ["body"],
                            "msg": "Input should be a valid dictionary or object to extract fields from",
                            "input": body}])
    for key in ("repo_url", "github_token"):
        if key not in body:
            errors.append(_err([key], "missing", "Field required"))
        else:
            _string(body[key], [key], errors, secret=key == "github_token")
    tasks: list[Task] = []
    if body.get("messages") is not None:
        tasks += _messages(body["messages"], errors)
    if body.get("parallel_tasks") is not None:
        tasks += _parallel(body["parallel_tasks"], errors)
    if "branch" in body:
        _string(body["branch"], ["branch"], errors)
    if "haiku" in body and not isinstance(body["haiku"], bool):
        errors.append(_err(["haiku"], "bool_type", "Input should be a valid boolean", input=body["haiku"]))
    if body.get("thread_id") is not None:
        _string(body["thread_id"], ["thread_id"], errors)
    if errors:
        raise InvalidBody(errors)
    # Model-level checks run only once every field is valid, as with a pydantic model validator.
    given = [key for key in ("messages", "parallel_tasks") if body.get(key) is not None]
    if len(given) != 1:
        raise InvalidBody([{"type": "value_error", "loc": ["body"], "input": {},
                            "msg": "Value error, Provide exactly one of 'messages' or 'parallel_tasks'",
                            "ctx": {"error": {}}}])
    names = [task.name for task in tasks]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if given == ["parallel_tasks"] and duplicates:
        raise InvalidBody([_err(["parallel_tasks"], "value_error",
                                f"Value error, Duplicate task_name: {', '.join(map(repr, duplicates))}",
                                ctx={"error": {}})])
    return InvokeRequest(body["repo_url"], body["github_token"], body.get("branch", "main"), body.get("haiku", False),
                         body.get("thread_id"), tuple(tasks), parallel=given == ["parallel_tasks"])
