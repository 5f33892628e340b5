"""Request body validation with FastAPI/pydantic-v2-shaped 422 error lists."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    name: str
    prompt: str


@dataclass(frozen=True)
class InvokeRequest:
    repo_url: str
    github_token: str
    branch: str
    haiku: bool
    thread_id: str | None
    tasks: tuple[Task, ...]
    parallel: bool


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


def parse_body(raw: bytes) -> tuple[InvokeRequest | None, Errors]:
    """Validate a POST /invoke/stdout body: (request, []) or (None, errors)."""
    if not raw.strip():
        return None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, [_err([exc.pos], "json_invalid", "JSON decode error", input={}, ctx={"error": exc.msg})]
    except UnicodeDecodeError:
        return None, [_err([0], "json_invalid", "JSON decode error", input={}, ctx={"error": "Invalid UTF-8"})]
    errors: Errors = []
    if not isinstance(body, dict):
        return None, [{"type": "model_attributes_type", "loc": ["body"],
                       "msg": "Input should be a valid dictionary or object to extract fields from", "input": body}]
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
        return None, errors
    # Model-level checks run only once every field is valid, as with a pydantic model validator.
    given = [key for key in ("messages", "parallel_tasks") if body.get(key) is not None]
    if len(given) != 1:
        return None, [{"type": "value_error", "loc": ["body"], "input": {},
                       "msg": "Value error, Provide exactly one of 'messages' or 'parallel_tasks'",
                       "ctx": {"error": {}}}]
    names = [task.name for task in tasks]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if given == ["parallel_tasks"] and duplicates:
        return None, [_err(["parallel_tasks"], "value_error",
                           f"Value error, Duplicate task_name: {', '.join(map(repr, duplicates))}",
                           ctx={"error": {}})]
    return InvokeRequest(
        repo_url=body["repo_url"],
        github_token=body["github_token"],
        branch=body.get("branch", "main"),
        haiku=body.get("haiku", False),
        thread_id=body.get("thread_id"),
        tasks=tuple(tasks),
        parallel=given == ["parallel_tasks"],
    ), []


def summarize(raw: bytes) -> dict[str, Any]:
    """Best-effort record fields from any body, valid or not; never the token itself."""
    try:
        body = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        body = {}
    prompts: list[Any] = []
    names: list[Any] = []
    if isinstance(body.get("messages"), list):
        prompts = [m.get("content") for m in body["messages"] if isinstance(m, dict)]
        names = ["main"] if prompts else []
    elif isinstance(body.get("parallel_tasks"), list):
        items = [t for t in body["parallel_tasks"] if isinstance(t, dict)]
        prompts = [t.get("prompt") for t in items]
        names = [t.get("task_name") for t in items]

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    return {
        "thread_id": text(body.get("thread_id")),
        "task_names": [n for n in names if isinstance(n, str)],
        "prompts": [p[:200] for p in prompts if isinstance(p, str)],
        "branch": text(body.get("branch")),
        "haiku": body.get("haiku") if isinstance(body.get("haiku"), bool) else None,
        "repo_url": text(body.get("repo_url")),
        "has_github_token": isinstance(body.get("github_token"), str) and bool(body["github_token"]),
    }
