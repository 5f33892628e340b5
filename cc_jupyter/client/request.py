"""A validated request to ``/invoke/stdout``: everything checked before any network I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlparse

from ..errors import ConfigurationError, InvalidRequestError
from .settings import Settings

DEFAULT_TASK = "main"
_TASK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Request:
    """One agent run to start. Secrets live here only and are kept out of the repr."""

    endpoint: str
    repo: str
    branch: str
    haiku: bool
    prompts: dict[str, str]  # task name -> prompt; one entry named DEFAULT_TASK for a single task
    parallel: bool
    thread_id: str | None = None
    api_key: str = field(default="", repr=False)
    github_token: str = field(default="", repr=False)

    def body(self, *, thread_id: str | None) -> dict[str, Any]:
        """The JSON body, with ``thread_id`` as the thread policy decided."""
        body: dict[str, Any] = {
            "repo_url": self.repo,
            "github_token": self.github_token,
            "branch": self.branch,
            "haiku": self.haiku,
        }
        if self.parallel:
            body["parallel_tasks"] = [{"prompt": p, "task_name": n} for n, p in self.prompts.items()]
        else:
            body["messages"] = [{"type": "human", "content": self.prompts[DEFAULT_TASK]}]
        if thread_id:
            body["thread_id"] = thread_id
        return body

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
            "x-api-key": self.api_key,
        }

    def preview(self) -> str:
        """What would be sent, secrets masked: for teaching and debugging."""
        import json

        from ..secrets import mask_hint

        body = self.body(thread_id=self.thread_id)
        body["github_token"] = mask_hint(self.github_token)
        headers = {**self.headers(), "x-api-key": mask_hint(self.api_key)}
        lines = [f"POST {self.endpoint}"] + [f"{k}: {v}" for k, v in headers.items()]
        return "\n".join(lines) + "\n\n" + json.dumps(body, indent=2, ensure_ascii=False)

    @property
    def secrets(self) -> tuple[str, str]:
        return (self.api_key, self.github_token)


def build_request(
    prompt: str | None,
    tasks: Mapping[str, str] | None,
    *,
    settings: Settings,
    repo: str | None = None,
    branch: str | None = None,
    haiku: bool = False,
    thread_id: str | None = None,
    api_url: str | None = None,
    api_key: str | None = None,
    github_token: str | None = None,
) -> Request:
    """Validate arguments (falling back to ``settings``) and build a :class:`Request`."""
    prompts, parallel = _prompts(prompt, tasks)
    repo = (repo or settings.repo or "").strip()
    if not repo:
        raise ConfigurationError(
            "No repository given: pass repo='https://github.com/<owner>/<repo>' or set CLOUDCODE_REPO."
        )
    _check_repo(repo)
    branch = (branch or settings.branch or "main").strip()
    if not branch or any(c.isspace() for c in branch):
        raise InvalidRequestError(f"Invalid branch name {branch!r}: use a git branch name such as 'main'.")
    api_url = (api_url or settings.api_url).strip()
    if urlparse(api_url).scheme not in ("http", "https") or not urlparse(api_url).netloc:
        raise InvalidRequestError(
            f"Invalid API URL {api_url!r}: CLOUDCODE_API_URL must be an http(s) base URL."
        )
    api_key = api_key or settings.api_key
    if not api_key:
        raise ConfigurationError(
            "No API key: set the CLOUDCODE_API_KEY environment variable "
            "(in a notebook: %cloudcode login, or %cloudcode demo to try the simulator)."
        )
    github_token = github_token or settings.github_token
    if not github_token:
        raise ConfigurationError(
            "No GitHub token: set GITHUB_TOKEN (or GH_TOKEN) to a token with repo access "
            "(in a notebook: %cloudcode login)."
        )
    if thread_id is not None and not str(thread_id).strip():
        raise InvalidRequestError("Empty thread id: pass a thread id or leave it out to start a new thread.")
    return Request(
        endpoint=api_url.rstrip("/") + "/invoke/stdout",
        repo=repo,
        branch=branch,
        haiku=bool(haiku),
        prompts=prompts,
        parallel=parallel,
        thread_id=str(thread_id).strip() if thread_id else None,
        api_key=api_key,
        github_token=github_token,
    )


def _prompts(prompt: str | None, tasks: Mapping[str, str] | None) -> tuple[dict[str, str], bool]:
    if prompt is not None and tasks is not None:
        raise InvalidRequestError("Give either a prompt or tasks, not both.")
    if prompt is None and tasks is None:
        raise InvalidRequestError("Nothing to send: give a prompt, or tasks={'name': 'prompt', ...}.")
    if prompt is not None:
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvalidRequestError("The prompt is empty: write what the agent should do.")
        return {DEFAULT_TASK: prompt}, False
    if not isinstance(tasks, Mapping) or not tasks:
        raise InvalidRequestError("tasks must be a non-empty mapping of task name -> prompt.")
    prompts: dict[str, str] = {}
    for raw_name, task_prompt in tasks.items():
        name = str(raw_name).strip()
        if not name:
            raise InvalidRequestError("A task name is empty: name every task, e.g. 'unit-tests'.")
        if not _TASK_NAME.match(name):
            raise InvalidRequestError(
                f"Invalid task name {name!r}: use letters, digits, '-', '_' or '.', e.g. 'unit-tests'."
            )
        if name in prompts:
            raise InvalidRequestError(f"Duplicate task name {name!r}: task names must be unique.")
        if not isinstance(task_prompt, str) or not task_prompt.strip():
            raise InvalidRequestError(f"The prompt of task {name!r} is empty.")
        prompts[name] = task_prompt
    return prompts, True


def _check_repo(repo: str) -> None:
    parsed = urlparse(repo)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidRequestError(
            f"Invalid repository {repo!r}: use an http(s) URL such as https://github.com/<owner>/<repo>."
        )
