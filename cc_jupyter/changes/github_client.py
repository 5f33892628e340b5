"""GitHub's REST API for one repository: its branches' heads and comparisons, as Changes.

Holds the token in its request headers only (not in its repr); every answer is bounded by
:data:`MAX_BODY` and masked with the run's masker as it arrives, before anything reads it.
Failures are :class:`~cc_jupyter.errors.GitHubError`, one sentence each.
"""

from __future__ import annotations

import json
import math
import time
from urllib.parse import quote, urlsplit

import httpx

from ..errors import GitHubError
from ..json_types import JSON
from ..run.changes import (
    FILENAME_CHARS,
    MAX_COMMITS,
    MAX_FILES,
    MESSAGE_CHARS,
    PATCH_CHARS,
    PATCHES_CHARS,
    Changes,
    Commit,
    FileChange,
    clip_patch,
    count,
    web_url,
)
from ..secrets import SecretMasker
from ..settings import GITHUB_TIMEOUT
from ..text import clip, one_line, strip_escapes
from ..tls import tls_context
from .github_host import repository_parts, web_base

API_VERSION = "2022-11-28"
MAX_BODY = 32 * 1024 * 1024  # a compare of 300 files with their patches stays well under this
QUOTED_CHARS = 160  # characters of GitHub's own message quoted in a sentence
RETRY = "`%cloudcode diff` reads them again"


def make_github_client(timeout: float = GITHUB_TIMEOUT) -> httpx.AsyncClient:
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
class Repository:
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
        host, self.owner, self.name = repository_parts(repo_url)
        self.client, self.api, self.repo_url, self.timeout = client, api.rstrip("/"), repo_url, timeout
        self.web = web_base(host, self.owner, self.name)
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

    def _commit(self, item: JSON) -> Commit | None:
        if not isinstance(item, dict) or not _is_sha(item.get("sha")):
            return None
        inner = item.get("commit")
        message = inner.get("message") if isinstance(inner, dict) else None
        message = clip(message, MESSAGE_CHARS) if isinstance(message, str) else ""
        sha = str(item["sha"])
        return Commit.of(sha, message, web_url(item.get("html_url")) or f"{self.web}/commit/{sha}")

    def _files(self, items: list[JSON]) -> tuple[list[FileChange], bool]:
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
                    clip(item["filename"], FILENAME_CHARS),
                    _text(item.get("status")) or "modified",
                    count(item.get("additions")),
                    count(item.get("deletions")),
                    patch,
                    web_url(item.get("blob_url")),
                    clip(previous, FILENAME_CHARS) if previous else None,
                    clipped,
                )
            )
            cut = cut or clipped
        return files, cut

    async def _get(self, path: str, missing: str) -> JSON:
        """GET ``{api}/repos/{owner}/{repo}/{path}`` as JSON, or GitHubError (one sentence)."""
        url = f"{self.api}/repos/{quote(self.owner, safe='')}/{quote(self.name, safe='')}/{path}"
        timeout = self.timeout if self.timeout is not None else httpx.USE_CLIENT_DEFAULT
        try:
            async with self.client.stream("GET", url, headers=self._headers, timeout=timeout) as response:
                status, headers = response.status_code, response.headers
                body = await _read_limited(response)
        except httpx.TimeoutException:
            raise GitHubError(no_answer(self.timeout)) from None
        except (httpx.HTTPError, OSError, ValueError) as error:  # ValueError: a header httpx refuses
            where = urlsplit(self.api).hostname or "?"
            raise GitHubError(f"could not reach GitHub at {where} ({reason(error, self.masker)})") from None
        if status != 200:
            raise GitHubError(self._status_sentence(status, headers, body, missing))
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise GitHubError("GitHub answered with something that is not JSON") from None
        return self.masker.deep(data)  # the border: nothing GitHub wrote is read unmasked

    def _status_sentence(self, status: int, headers: httpx.Headers, body: bytes, missing: str) -> str:
        message = quoted_message(body, self.masker)
        said = f" ({message})" if message else ""
        if status in (403, 429) and rate_limited(headers, message):
            return rate_limit_sentence(reset_at(headers))
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
            return f"GitHub answered {status} for {self.slug}{said}: a problem on GitHub's side — {RETRY}"
        return f"GitHub answered {status} for {self.slug}{said}"


def _list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def _text(value: JSON) -> str | None:
    return value if isinstance(value, str) else None


def _is_sha(value: JSON) -> bool:
    return isinstance(value, str) and len(value) in (40, 64) and all(c in "0123456789abcdefABCDEF" for c in value)


def _full_base(data: dict[str, JSON], base: str) -> str:
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


def quoted_message(body: bytes, masker: SecretMasker) -> str:
    """GitHub's ``message`` from an error body: cleaned, masked, one short line."""
    try:
        data = json.loads(body[:65536])
    except (ValueError, RecursionError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        return ""
    return one_line(masker.text(strip_escapes(clip(message, 4 * QUOTED_CHARS))), QUOTED_CHARS)


def rate_limited(headers: httpx.Headers, message: str) -> bool:
    return headers.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower() or "retry-after" in headers


def reset_at(headers: httpx.Headers) -> float | None:
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
        return f"GitHub's API rate limit is used up: the changes will show once it resets — {RETRY}"
    now = time.time() if now is None else now
    minutes = max(1, math.ceil((reset - now) / 60))
    at = time.strftime("%H:%M", time.localtime(reset))
    return f"GitHub's API rate limit is used up until {at} (in {minutes} min): the changes will show once it resets — {RETRY}"


def no_answer(timeout: float | None) -> str:
    return f"GitHub did not answer within {timeout:g} s" if timeout is not None else "GitHub did not answer in time"


def reason(error: BaseException, masker: SecretMasker) -> str:
    return one_line(masker.text(strip_escapes(str(error) or type(error).__name__)), QUOTED_CHARS)
