"""The body of POST /invoke/stdout: an InvokeRequest, or a 422 saying what is wrong with it."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

REQUIRED = ("repo_url", "github_token")
# Every field but the tasks, with its type and how to name that type.
FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "repo_url": (str, "a string"), "github_token": (str, "a string"), "branch": (str, "a string"),
    "haiku": (bool, "a boolean"), "thread_id": ((str, type(None)), "a string or null"),
}


class InvalidBody(ValueError):
    """A body the API refuses with a 422 whose `detail` is this one."""

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.detail = detail


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

    def record(self) -> dict[str, Any]:
        """The request's fields of its record (never the token itself)."""
        return {"thread_id": self.thread_id, "task_names": list(dict.fromkeys(t.name for t in self.tasks)),
                "prompts": [t.prompt[:200] for t in self.tasks], "branch": self.branch, "haiku": self.haiku,
                "repo_url": self.repo_url, "has_github_token": bool(self.github_token)}


def parse_body(raw: bytes) -> InvokeRequest:
    """Check a POST /invoke/stdout body; raises InvalidBody with one sentence about the first problem."""
    try:
        body = json.loads(raw)
    except ValueError:
        raise InvalidBody("The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidBody("The body is not a JSON object")
    for key, (kind, name) in FIELDS.items():
        if (key in body or key in REQUIRED) and not isinstance(body.get(key), kind):
            raise InvalidBody(f"{key} must be {name}")
    given = [key for key in ("messages", "parallel_tasks") if body.get(key) is not None]
    if len(given) != 1:
        raise InvalidBody("Provide exactly one of 'messages' or 'parallel_tasks'")
    items = body[given[0]]
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise InvalidBody(f"{given[0]} must be a non-empty list of objects")
    if given == ["messages"]:
        if not all(m.get("type") == "human" and isinstance(m.get("content"), str) for m in items):
            raise InvalidBody('Every message must be {"type": "human", "content": "<text>"}')
        tasks = [Task("main", m["content"]) for m in items]
    else:
        if not all(isinstance(t.get("task_name"), str) and t["task_name"] and isinstance(t.get("prompt"), str)
                   for t in items):
            raise InvalidBody('Every parallel task must be {"task_name": "<non-empty>", "prompt": "<text>"}')
        tasks = [Task(t["task_name"], t["prompt"]) for t in items]
        if len({task.name for task in tasks}) < len(tasks):
            raise InvalidBody("Every parallel task needs a task_name of its own")
    return InvokeRequest(body["repo_url"], body["github_token"], body.get("branch", "main"), body.get("haiku", False),
                         body.get("thread_id"), tuple(tasks), parallel=given == ["parallel_tasks"])
