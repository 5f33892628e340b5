"""What a run pushed, read from GitHub's REST API with the user's token.

    head_before(repo_url, branch, token)                      -> (sha, error)   before the run
    read_changes(repo_url, branch, before, token, agent_output=...) -> Changes  after it

Neither raises: a failure becomes one sentence (``Changes.error``). Each is bounded by
``timeout`` as a whole, every answer by :data:`MAX_BODY`. The token goes only to the GitHub the
user configured (:func:`github_api_url`: never a host a repository URL, a recording or a server
names), in the ``Authorization`` header only, never into a URL, an error, a repr or a log;
whatever GitHub sends back is masked as it arrives, with the run's masker (the API key, the token
and their encoded forms), before it is kept or quoted. When git's output in ``agent_output`` says
the agent pushed to another branch (or the branch's head did not move but a push line names
commits), that branch is compared too.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from ..errors import CloudCodeError
from ..repos import GITHUB_HOST, host_of, same_repository, split_repo_url
from ..run.changes import (
    MAX_COMMITS,
    MAX_ELSEWHERE,
    MAX_FILES,
    MESSAGE_CHARS,
    PATCH_CHARS,
    PATCHES_CHARS,
    Changes,
    Commit,
    FileChange,
    PushedRef,
    clip_patch,
    pull_request_urls,
    pushed_refs,
    web_url,
)
from ..secrets import SecretMasker
from ..text import clip, one_line, strip_escapes
from .transport import tls_context

API_VERSION = "2022-11-28"
DEFAULT_API = "https://api.github.com"
DEFAULT_TIMEOUT = 10.0
HEAD_TIMEOUT = 5.0
MAX_BODY = 32 * 1024 * 1024  # a compare of 300 files with their patches stays well under this
_QUOTED_CHARS = 160  # characters of GitHub's own message quoted in a sentence
_RETRY = "`%cloudcode diff` reads them again"
_THREAD_FROM = 1_000_000  # characters of agent output read on a worker thread
_T = TypeVar("_T")


class GitHubError(CloudCodeError):
    """One call to GitHub's API failed; the message is one sentence, without the token."""


# ----- where to ask -----
def github_api_url(repo_url: str, configured: str | None = None) -> str:
    """The REST API that may be asked about ``repo_url`` with the user's token: exactly
    ``configured`` (``CloudCode.github_api_url``, ``CLOUDCODE_GITHUB_API_URL``) when the user set
    one, else ``https://api.github.com``. The repository decides only *whether* to ask, never
    where: it must be on github.com or on the configured GitHub's host.

    Raises ValueError (one sentence) for a URL that names no repository, or one on another host."""
    _parts(repo_url)  # a repository URL, or ValueError
    host = host_of(repo_url) or ""
    api = DEFAULT_API
    if configured and configured.strip():
        api = configured.strip().rstrip("/")
        if not _is_api_url(api):
            raise ValueError(
                "the configured GitHub API URL (CloudCode.github_api_url / CLOUDCODE_GITHUB_API_URL) is not an "
                "http(s) URL without credentials, so nothing is sent to it"
            )
    api_host = (urlsplit(api).hostname or "").lower()
    if host == GITHUB_HOST or host in (api_host, api_host.removeprefix("api.")):
        return api
    shown = one_line(strip_escapes(host), 120)
    raise ValueError(
        f"the repository's host {shown} is neither github.com nor the GitHub configured for your token "
        f"({api}), so GitHub was not asked: for GitHub Enterprise, set %config CloudCode.github_api_url = "
        f"'https://{shown}/api/v3' (or CLOUDCODE_GITHUB_API_URL) and `%cloudcode diff` reads them"
    )


def _is_api_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.username is None
        and url.isprintable()
        and not any(c.isspace() for c in url)
    )


def _parts(repo_url: str) -> tuple[str, str, str]:
    parts = split_repo_url(repo_url) if isinstance(repo_url, str) else None
    if parts is None:
        shown = one_line(SecretMasker().text(strip_escapes(str(repo_url))), 120)
        raise ValueError(f"{shown!r} is not a repository URL: expected https://HOST/<owner>/<repo>")
    return parts


def _web_base(host: str, owner: str, name: str) -> str:
    return f"https://{host.split(':')[0]}/{owner}/{name}"


def make_github_client(timeout: float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """An httpx client for GitHub: the project's TLS verification, a few redirects (a renamed
    repository; httpx drops the Authorization header when a redirect leaves the host)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=3,
        trust_env=True,
        verify=tls_context(),
        headers={"User-Agent": "cc-jupyter"},
    )


# ----- one repository's endpoints -----
class _Repository:
    """Calls on one repository. Holds the token in its request headers only (not in its repr);
    every answer is masked with ``masker`` as it arrives, before anything reads it."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        api: str,
        repo_url: str,
        token: str | None,
        timeout: float | None,
        masker: SecretMasker,
    ) -> None:
        host, self.owner, self.name = _parts(repo_url)
        self.client, self.api, self.repo_url, self.timeout = client, api.rstrip("/"), repo_url, timeout
        self.web = _web_base(host, self.owner, self.name)
        self.masker = masker
        self._headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:
        return f"<GitHub repository {self.owner}/{self.name} at {self.api}>"

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"

    async def head(self, branch: str) -> str:
        """The sha at the tip of ``branch``."""
        data = await self._get(f"branches/{quote(branch, safe='/')}", "a branch that does not exist")
        commit = data.get("commit") if isinstance(data, dict) else None
        sha = commit.get("sha") if isinstance(commit, dict) else None
        if not _is_sha(sha):
            raise GitHubError(f"GitHub's answer for branch {clip(branch, 100)} of {self.slug} names no commit")
        return str(sha)

    async def changes(self, branch: str, base: str, head: str, head_branch: str | None = None) -> Changes:
        """The comparison ``base...head`` as Changes of ``branch``."""
        spec = f"{quote(base, safe='/')}...{quote(head, safe='/')}"
        data = await self._get(f"compare/{spec}", "a commit it does not have")
        if not isinstance(data, dict):
            raise GitHubError(f"GitHub's comparison for {self.slug} is not an object")
        raw_commits = _list(data.get("commits"))
        commits = [c for c in map(self._commit, raw_commits[:MAX_COMMITS]) if c is not None]
        files, cut = self._files(_list(data.get("files")))
        total = data.get("total_commits")
        truncated = cut or len(raw_commits) > MAX_COMMITS or (isinstance(total, int) and total > len(commits))
        compare_url = web_url(data.get("html_url")) or f"{self.web}/compare/{base}...{head}"
        return Changes(
            self.repo_url,
            branch,
            _full_base(data, base),
            _full_head(commits, head),
            commits,
            files,
            compare_url,
            pushed=[],
            truncated=truncated,
            head_branch=head_branch,
        )

    def _commit(self, item: Any) -> Commit | None:
        if not isinstance(item, dict) or not _is_sha(item.get("sha")):
            return None
        inner = item.get("commit")
        message = inner.get("message") if isinstance(inner, dict) else None
        message = clip(message, MESSAGE_CHARS) if isinstance(message, str) else ""
        sha = str(item["sha"])
        return Commit.of(sha, message, web_url(item.get("html_url")) or f"{self.web}/commit/{sha}")

    def _files(self, items: list[Any]) -> tuple[list[FileChange], bool]:
        """The files (at most MAX_FILES), their patches masked and sharing PATCHES_CHARS."""
        files: list[FileChange] = []
        budget, cut = PATCHES_CHARS, len(items) > MAX_FILES
        for item in items[:MAX_FILES]:
            if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
                continue
            patch, clipped = _text(item.get("patch")), False
            if patch is not None:
                patch, clipped = clip_patch(patch, min(PATCH_CHARS, budget)) if budget > 0 else (None, True)
                budget -= len(patch or "")
            previous = _text(item.get("previous_filename"))
            files.append(
                FileChange.of(
                    clip(item["filename"], 2000),
                    _text(item.get("status")) or "modified",
                    _count(item.get("additions")),
                    _count(item.get("deletions")),
                    patch,
                    web_url(item.get("blob_url")),
                    clip(previous, 2000) if previous else None,
                    clipped,
                )
            )
            cut = cut or clipped
        return files, cut

    async def _get(self, path: str, missing: str) -> Any:
        """GET ``{api}/repos/{owner}/{repo}/{path}`` as JSON, or GitHubError (one sentence)."""
        url = f"{self.api}/repos/{quote(self.owner, safe='')}/{quote(self.name, safe='')}/{path}"
        timeout: Any = self.timeout if self.timeout is not None else httpx.USE_CLIENT_DEFAULT
        try:
            async with self.client.stream("GET", url, headers=self._headers, timeout=timeout) as response:
                status, headers = response.status_code, response.headers
                body = await _read_limited(response)
        except httpx.TimeoutException:
            raise GitHubError(_no_answer(self.timeout)) from None
        except (httpx.HTTPError, OSError, ValueError) as error:  # ValueError: a header httpx refuses
            where = urlsplit(self.api).hostname or "?"
            raise GitHubError(f"could not reach GitHub at {where} ({_reason(error, self.masker)})") from None
        if status != 200:
            raise GitHubError(self._status_sentence(status, headers, body, missing))
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise GitHubError("GitHub answered with something that is not JSON") from None
        return self.masker.deep(data)  # the border: nothing GitHub wrote is read unmasked

    def _status_sentence(self, status: int, headers: httpx.Headers, body: bytes, missing: str) -> str:
        message = self._quoted(body)
        said = f" ({message})" if message else ""
        if status in (403, 429) and _rate_limited(headers, message):
            return rate_limit_sentence(_reset_at(headers))
        if status == 401 and "requires authentication" in message.lower():
            return f"GitHub needs a token to read {self.slug}{said}: set GITHUB_TOKEN or run %cloudcode login"
        if status == 401:
            return (
                f"GitHub rejected the token{said}: the token cannot read {self.slug} — set one that can "
                "in GITHUB_TOKEN or with %cloudcode login"
            )
        if status == 403:
            return f"GitHub answered 403 for {self.slug}{said}: the token cannot read this repository"
        if status == 404:
            return f"GitHub answered 404 for {self.slug}: a private repository the token cannot read, or {missing}"
        if status >= 500:
            return f"GitHub answered {status} for {self.slug}{said}: a problem on GitHub's side — {_RETRY}"
        return f"GitHub answered {status} for {self.slug}{said}"

    def _quoted(self, body: bytes) -> str:
        """GitHub's ``message`` from an error body: cleaned, masked, one short line."""
        try:
            data = json.loads(body[:65536])
        except (ValueError, RecursionError):
            return ""
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, str):
            return ""
        return one_line(self.masker.text(strip_escapes(clip(message, 4 * _QUOTED_CHARS))), _QUOTED_CHARS)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _is_sha(value: Any) -> bool:
    return isinstance(value, str) and len(value) in (40, 64) and all(c in "0123456789abcdefABCDEF" for c in value)


def _full_base(data: dict[str, Any], base: str) -> str:
    commit = data.get("base_commit")
    sha = commit.get("sha") if isinstance(commit, dict) else None
    return str(sha) if _is_sha(sha) and str(sha).startswith(base.lower()) else base


def _full_head(commits: list[Commit], head: str) -> str:
    return commits[-1].sha if commits and commits[-1].sha.startswith(head.lower()) else head


async def _read_limited(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            raise GitHubError(f"GitHub's answer is larger than {MAX_BODY // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _rate_limited(headers: httpx.Headers, message: str) -> bool:
    return headers.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower() or "retry-after" in headers


def _reset_at(headers: httpx.Headers) -> float | None:
    """When the rate limit resets (epoch seconds), if GitHub said."""
    reset, retry = headers.get("x-ratelimit-reset", ""), headers.get("retry-after", "")
    if reset.strip().isdigit():
        return float(reset)
    if retry.strip().isdigit():
        return time.time() + int(retry)
    return None


def rate_limit_sentence(reset: float | None, now: float | None = None) -> str:
    """GitHub's rate limit is used up: until when (local time), and what to do."""
    if reset is None:
        return f"GitHub's API rate limit is used up: the changes will show once it resets — {_RETRY}"
    now = time.time() if now is None else now
    minutes = max(1, math.ceil((reset - now) / 60))
    at = time.strftime("%H:%M", time.localtime(reset))
    return f"GitHub's API rate limit is used up until {at} (in {minutes} min): the changes will show once it resets — {_RETRY}"


def _no_answer(timeout: float | None) -> str:
    return f"GitHub did not answer within {timeout:g} s" if timeout is not None else "GitHub did not answer in time"


def _reason(error: BaseException, masker: SecretMasker) -> str:
    return one_line(masker.text(strip_escapes(str(error) or type(error).__name__)), _QUOTED_CHARS)


# ----- the public calls -----
async def head_before(
    repo_url: str,
    branch: str,
    token: str | None,
    *,
    api: str | None = None,
    timeout: float = HEAD_TIMEOUT,
    client: httpx.AsyncClient | None = None,
    masker: SecretMasker | None = None,
) -> tuple[str | None, str | None]:
    """``(sha, None)``: the head of ``branch`` before a run; ``(None, sentence)`` when it could not
    be read. Never raises; takes at most about ``timeout`` seconds. ``api``: the configured GitHub
    (see :func:`github_api_url`); ``masker`` masks GitHub's answers (default: the token's)."""
    masker = masker or SecretMasker([token])
    try:
        where = github_api_url(repo_url, api)
    except ValueError as error:
        return None, _sentence(error, masker)
    http = client if client is not None else make_github_client(timeout)
    try:
        repository = _Repository(http, where, repo_url, token, timeout, masker)
        return await _bounded(repository.head(branch), timeout), None
    except (GitHubError, ValueError) as error:
        return None, _sentence(error, masker)
    except asyncio.TimeoutError:
        return None, _no_answer(timeout)
    except Exception as error:  # a bug or an unforeseen failure: one sentence, no secret
        return None, _unexpected(error, masker)
    finally:
        if client is None:
            await http.aclose()


async def read_changes(
    repo_url: str,
    branch: str,
    before: str | None,
    token: str | None,
    *,
    api: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    agent_output: str = "",
    client: httpx.AsyncClient | None = None,
    masker: SecretMasker | None = None,
) -> Changes:
    """What the run pushed since ``before`` (the head of ``branch`` before it), from GitHub.

    Never raises: any failure gives Changes whose ``error`` is one sentence. ``agent_output``
    (the run's stdout and closing words) is read for git's push lines and pull request URLs:
    pushes to other branches of the repository are compared too. Takes at most about
    ``timeout`` seconds in all. ``api`` and ``masker``: as for :func:`head_before`."""
    masker = masker or SecretMasker([token])
    refs, pulls = await _read_output(agent_output)
    try:
        where = github_api_url(repo_url, api)
    except ValueError as error:
        return Changes.unavailable(repo_url, branch, before, _sentence(error, masker), pushed=refs, pull_requests=pulls)
    http = client if client is not None else make_github_client(timeout)
    try:
        repository = _Repository(http, where, repo_url, token, timeout, masker)
        changes = await _bounded(_read(repository, branch, before, refs), timeout)
    except (GitHubError, ValueError) as error:
        changes = Changes.unavailable(repo_url, branch, before, _sentence(error, masker))
    except asyncio.TimeoutError:
        changes = Changes.unavailable(repo_url, branch, before, _no_answer(timeout))
    except Exception as error:
        changes = Changes.unavailable(repo_url, branch, before, _unexpected(error, masker))
    finally:
        if client is None:
            await http.aclose()
    return replace(changes, pushed=refs, pull_requests=pulls)


async def _read_output(text: str) -> tuple[list[PushedRef], list[str]]:
    """git's pushes and the PR URLs in the agent's output; a long output is read on a worker
    thread, so the loop (other runs' streams) is not held up."""
    if len(text) < _THREAD_FROM:
        return pushed_refs(text), pull_request_urls(text)
    return await asyncio.to_thread(lambda: (pushed_refs(text), pull_request_urls(text)))


async def _bounded(call: Awaitable[_T], timeout: float) -> _T:
    return await asyncio.wait_for(call, timeout)


async def _read(repository: _Repository, branch: str, before: str | None, refs: list[PushedRef]) -> Changes:
    """The run's branch from ``before`` to its head now; pushes elsewhere instead or as well."""
    ours = [ref for ref in refs if same_repository(ref.remote, repository.repo_url)]
    after = await repository.head(branch)
    base = before if before is not None and before != after else _first_old(ours, branch)
    own = None if base is None or after.startswith(base.lower()) else await repository.changes(branch, base, after)
    others = _other_branches(ours, branch)
    if own is None and others:  # the run's branch did not move: show where the agent pushed instead
        own = await _elsewhere(repository, branch, others.pop(0), before or after)
    if own is None:
        own = Changes(repository.repo_url, branch, before, after)
        if before is None:
            return replace(
                own,
                error=f"the head of {clip(branch, 100)} before the run is not known, so what "
                f"the run pushed cannot be told apart — {_RETRY} once it can",
            )
    elsewhere = [await _elsewhere(repository, branch, ref, before or after) for ref in others[:MAX_ELSEWHERE]]
    return replace(own, elsewhere=elsewhere)


async def _elsewhere(repository: _Repository, branch: str, ref: PushedRef, base: str) -> Changes:
    """Changes of a branch the agent pushed besides the run's own (from ``ref.old``, or from the
    run's branch for a new one)."""
    try:
        head = await repository.head(ref.branch)
        changes = await repository.changes(branch, ref.old or base, head, head_branch=ref.branch)
        return changes
    except GitHubError as error:
        return replace(Changes.unavailable(repository.repo_url, branch, None, error.message), head_branch=ref.branch)


def _first_old(refs: list[PushedRef], branch: str) -> str | None:
    """The sha before the earliest push to ``branch`` that git reported, if any."""
    return next((ref.old for ref in refs if ref.branch == branch and ref.old), None)


def _other_branches(refs: list[PushedRef], branch: str) -> list[PushedRef]:
    """The first push to each other branch, in order."""
    first: dict[str, PushedRef] = {}
    for ref in refs:
        if ref.branch != branch:
            first.setdefault(ref.branch, ref)
    return list(first.values())


def _sentence(error: Exception, masker: SecretMasker) -> str:
    return one_line(masker.text(str(error)), 600)


def _unexpected(error: BaseException, masker: SecretMasker) -> str:
    return (
        f"cc_jupyter could not read the changes ({type(error).__name__}: {_reason(error, masker)}) — "
        "please report this with the cc_jupyter version"
    )
