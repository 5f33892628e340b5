"""A validated request to ``/invoke/stdout``: everything checked before any network I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ConfigurationError, InvalidRequestError
from ..repos import github_repository, has_valid_port, likely_meant, shown_url, strip_credentials
from ..secrets import SecretMasker, clean_secret, mask_hint
from ..settings import DEFAULT_BRANCH, Settings
from ..text import clip, strip_escapes
from .threads import plausible_thread_id

DEFAULT_TASK = "main"
INVOKE_PATH = "/invoke/stdout"
TASK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_MAX_BRANCH = 255


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

    def body(self, *, thread_id: str | None) -> dict[str, object]:
        """The JSON body, with ``thread_id`` as the thread policy decided."""
        body: dict[str, object] = {
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
        return {"Content-Type": "application/json", "Accept": "text/event-stream", "x-api-key": self.api_key}

    def preview(self) -> str:
        """What would be sent, secrets masked: for teaching and debugging."""
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
    for_replay: bool = False,
) -> Request:
    """Validate arguments (falling back to ``settings``) and build a :class:`Request`.

    ``for_replay``: what is asked only (no API URL, key or token needed): to find a recording."""
    prompts, parallel = _prompts(prompt, tasks)
    repo = (repo or settings.repo or "").strip()
    if not repo:
        raise ConfigurationError(
            "No repository given: pass repo='https://github.com/<owner>/<repo>' or set CLOUDCODE_REPO."
        )
    repo = check_repo_url(repo, settings.github_api_url)
    if for_replay:
        return Request("", repo, check_branch(branch or settings.branch or DEFAULT_BRANCH), bool(haiku), prompts,
                       parallel, check_thread_id(thread_id))
    api_url = check_url(api_url or settings.api_url, "API URL", "CLOUDCODE_API_URL must be the API's base URL")
    api_key = clean_secret(api_key, "API key") or settings.api_key
    if not api_key:
        raise ConfigurationError(
            "No API key: set the CLOUDCODE_API_KEY environment variable "
            "(in a notebook: %cloudcode login, or %cloudcode demo to try the simulator)."
        )
    github_token = clean_secret(github_token, "GitHub token") or settings.github_token
    if not github_token:
        raise ConfigurationError(
            "No GitHub token: set GITHUB_TOKEN (or GH_TOKEN) to a token with repo access "
            "(in a notebook: %cloudcode login)."
        )
    return Request(
        endpoint=api_url.rstrip("/") + INVOKE_PATH,
        repo=repo,
        branch=check_branch(branch or settings.branch or DEFAULT_BRANCH),
        haiku=bool(haiku),
        prompts=prompts,
        parallel=parallel,
        thread_id=check_thread_id(thread_id),
        api_key=api_key,
        github_token=github_token,
    )


def check_url(url: str, what: str, hint: str) -> str:
    """``url`` if it is an http(s) URL with a host, a valid port and no credentials."""
    url = url.strip()
    shown = repr(clip(SecretMasker().text(url), 200))
    if not has_valid_port(url):
        raise InvalidRequestError(f"Invalid {what} {shown}: {hint}.")
    parts = urlsplit(url)
    if not url.isprintable() or any(c.isspace() for c in url):
        raise InvalidRequestError(f"Invalid {what} {shown}: it contains spaces or control characters.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequestError(f"Invalid {what} {shown}: use an http(s) URL, {hint}.")
    if parts.username is not None or parts.password is not None:
        raise InvalidRequestError(
            f"The {what} {shown} holds credentials: remove them (they would be shown and saved); "
            "keys and tokens come from the environment or %cloudcode login."
        )
    return url


def check_repo_url(repo: str, github_api_url: str | None = None) -> str:
    """The URL to send for ``repo``: a repository on github.com or on the configured GitHub
    Enterprise host (see :func:`~cc_jupyter.repos.github_repository`); InvalidRequestError,
    before anything is sent, for anything else."""
    sendable = github_repository(repo, github_api_url)
    if sendable is not None:
        return sendable
    if strip_credentials(repo.strip()) != repo.strip():
        raise InvalidRequestError(
            f"The repository URL {clip(SecretMasker().text(strip_escapes(repo)), 200)!r} holds credentials: remove them (they would be shown and saved); "
            "keys and tokens come from the environment or %cloudcode login."
        )
    shown = repr(clip(SecretMasker().text(shown_url(strip_escapes(repo))), 200))
    meant = likely_meant(repo)
    raise InvalidRequestError(
        f"Not a repository the API works on: {shown}{f' (did you mean -r {meant}?)' if meant else ''} — it takes "
        "https://github.com/OWNER/REPO (or git@github.com:OWNER/REPO.git), or https://HOST/OWNER/REPO on the "
        "GitHub Enterprise set with %config CloudCode.github_api_url = 'https://HOST/api/v3'; nothing was sent."
    )


def check_branch(branch: str) -> str:
    """``branch`` stripped, if it can be a git branch name; InvalidRequestError otherwise."""
    branch = branch.strip()
    if not branch or len(branch) > _MAX_BRANCH or branch.startswith("-") or not branch.isprintable() or any(
        c.isspace() for c in branch
    ):
        raise InvalidRequestError(
            f"Invalid branch name {clip(branch, 80)!r}: use a git branch name such as 'main'."
        )
    return branch


def check_thread_id(thread_id: str | None) -> str | None:
    if thread_id is None:
        return None
    thread_id = str(thread_id).strip()
    if not thread_id:
        raise InvalidRequestError("Empty thread id: pass a thread id or leave it out to start a new thread.")
    if not plausible_thread_id(thread_id):
        raise InvalidRequestError(f"Invalid thread id {clip(thread_id, 80)!r}: use the id shown in a run's header.")
    return thread_id


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
        if not TASK_NAME.match(name):
            raise InvalidRequestError(
                f"Invalid task name {clip(name, 80)!r}: use letters, digits, '-', '_' or '.', e.g. 'unit-tests'."
            )
        if name in prompts:
            raise InvalidRequestError(f"Duplicate task name {name!r}: task names must be unique.")
        if not isinstance(task_prompt, str) or not task_prompt.strip():
            raise InvalidRequestError(f"The prompt of task {name!r} is empty.")
        prompts[name] = task_prompt
    return prompts, True
