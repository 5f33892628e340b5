"""``github:OWNER/PATTERN``: the owner's repositories whose names match a glob, read from GitHub's
REST API with the user's token.

    GET {api}/orgs/OWNER/repos?per_page=100&type=all       (on 404: /users/OWNER/repos?...&type=owner)
    Link: <...>; rel="next"                                followed while it stays on the API's origin

The token goes only to the configured API (:func:`.github_host.github_api_url`): a ``next`` link on
another scheme, host or port is an error, never followed. Bounded: :data:`MAX_PAGES` pages,
:data:`MAX_REPOSITORIES` repositories, :data:`MAX_BODY` bytes a page, ``timeout`` seconds a request.
Archived and disabled repositories are skipped (nothing can be pushed to them). A repository is
kept only when GitHub's ``html_url`` for it names that owner and name on one of the GitHub hosts
of the configured API (:func:`cc_jupyter.repos.github_repository`); anything else is skipped.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import math
import re
import time
from urllib.parse import quote, urljoin, urlsplit

import httpx

from ..errors import ConfigurationError, GitHubError, InvalidRequestError
from ..json_types import JSON
from ..repos import github_repository, repository_key
from ..secrets import SecretMasker
from ..text import one_line, strip_escapes
from .github_client import (
    API_VERSION,
    make_github_client,
    no_answer,
    quoted_message,
    rate_limited,
    reason,
    reset_at,
)
from .github_host import github_api_url

PREFIX = "github:"
PER_PAGE = 100  # GitHub's largest page
MAX_PAGES = 50
MAX_REPOSITORIES = 5000  # repositories read, matching or not
MAX_BODY = 5 * 1024 * 1024  # bytes of one page (100 repositories are about 600 KB)
LINK_CHARS = 8192  # characters of a Link header read
URL_CHARS = 2000
OWNER_CHARS, PATTERN_CHARS = 39, 100
_OWNER = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")  # GitHub's logins: letters, digits, single inner hyphens
_PATTERN = re.compile(r"[A-Za-z0-9_.*?!\[\]-]+")  # the characters of repository names, and glob's
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_LINK = re.compile(r"<([^<>]*)>([^<]*)")  # one link of a Link header: <target>; params
_REL = re.compile(r';\s*rel\s*=\s*"?([^";,]*)', re.IGNORECASE)
EXAMPLE = "github:my-class/assignment-1-*"


def parse_spec(spec: str) -> tuple[str, str]:
    """``(owner, pattern)`` of ``github:OWNER/PATTERN``, or InvalidRequestError (one sentence)."""
    text = spec.strip() if isinstance(spec, str) else ""
    owner, slash, pattern = text[len(PREFIX):].partition("/") if text.lower().startswith(PREFIX) else ("", "", "")
    if not slash:
        raise InvalidRequestError(f"{_shown(spec)} is not github:OWNER/PATTERN: write, for example, {EXAMPLE}")
    if not (len(owner) <= OWNER_CHARS and _OWNER.fullmatch(owner)):
        raise InvalidRequestError(
            f"{_shown(owner)} is not a GitHub owner: letters, digits and single hyphens, at most {OWNER_CHARS} "
            f"characters — write, for example, {EXAMPLE}"
        )
    if not (len(pattern) <= PATTERN_CHARS and _PATTERN.fullmatch(pattern)):
        raise InvalidRequestError(
            f"{_shown(pattern)} is not a pattern of repository names: letters, digits, '.', '_', '-' and the "
            f"wildcards * ? [...], at most {PATTERN_CHARS} characters, no '/' — write, for example, {EXAMPLE}"
        )
    return owner, pattern


async def expand_pattern(spec: str, *, token: str, api: str | None, timeout: float, masker: SecretMasker) -> list[str]:
    """The repository URLs (``https://github.com/OWNER/NAME``, or on the host of a GitHub Enterprise
    ``api``) of ``spec``'s owner whose names match its pattern (case-insensitive), sorted by name;
    ``[]`` when none does. ``api`` is the configured GitHub API (None: ``https://api.github.com``).

    Raises InvalidRequestError for a malformed spec or API URL and ConfigurationError without a
    token (both before any request); GitHubError (one sentence, masked) when GitHub cannot say."""
    owner, pattern = parse_spec(spec)
    if not token:
        raise ConfigurationError(
            f"{PREFIX}{owner}/{pattern} reads {owner}'s repositories with your GitHub token, and none is set: "
            "set GITHUB_TOKEN or run %cloudcode login"
        )
    try:  # the one rule of where the token may go (github.com's own repositories are always asked there)
        base = github_api_url(f"https://github.com/{owner}/repositories", api)
    except ValueError as error:
        raise InvalidRequestError(str(error)) from None
    async with make_github_client(timeout) as client:
        lister = _Lister(client, base, token, timeout, masker, owner)
        items = await lister.repositories()
    found: dict[str, str] = {}
    for item in items:
        name, url = _repository(item, owner, base, masker)
        if name and url and fnmatch.fnmatchcase(name.lower(), pattern.lower()):
            found.setdefault(name.lower(), url)
    return [found[key] for key in sorted(found)]


class _Lister:
    """Reads every page of one owner's repositories."""

    def __init__(
        self, client: httpx.AsyncClient, api: str, token: str, timeout: float, masker: SecretMasker, owner: str
    ) -> None:
        self.client, self.api, self.timeout, self.masker, self.owner = client, api.rstrip("/"), timeout, masker, owner
        self.origin = _origin(self.api)
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "Authorization": f"Bearer {token}",
        }

    async def repositories(self) -> list[JSON]:
        login = quote(self.owner, safe="")
        url = f"{self.api}/orgs/{login}/repos?per_page={PER_PAGE}&type=all"
        answer = await self._get(url)
        if answer[0] == 404:  # not an organization: a user
            url = f"{self.api}/users/{login}/repos?per_page={PER_PAGE}&type=owner"
            answer = await self._get(url)
        items: list[JSON] = []
        read = {url}
        while True:
            status, final, headers, body = answer
            if status != 200:
                raise GitHubError(self._status_sentence(status, headers, body, first=len(read) == 1))
            items.extend(self._page(body))
            if len(items) > MAX_REPOSITORIES:
                raise GitHubError(self._too_many())
            following = self._next(final, headers.get("link", ""))
            if following is None:
                return items
            if following in read:
                raise GitHubError(f"GitHub's pages of {self.owner}'s repositories lead back to one already read: "
                                  "stopped there — name the repositories instead (a list of URLs)")
            if len(read) >= MAX_PAGES:
                raise GitHubError(self._too_many())
            read.add(following)
            answer = await self._get(following)

    async def _get(self, url: str) -> tuple[int, str, httpx.Headers, bytes]:
        """One bounded GET: status, the URL finally answered (after redirects), headers, body."""
        try:
            return await asyncio.wait_for(self._fetch(url), self.timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            raise GitHubError(f"{no_answer(self.timeout)} while listing {self.owner}'s repositories: "
                              "run the cell again") from None
        except (httpx.HTTPError, OSError, ValueError) as error:  # ValueError: a header httpx refuses
            where = urlsplit(self.api).hostname or "?"
            raise GitHubError(f"could not reach GitHub at {where} to list {self.owner}'s repositories "
                              f"({reason(error, self.masker)})") from None

    async def _fetch(self, url: str) -> tuple[int, str, httpx.Headers, bytes]:
        async with self.client.stream("GET", url, headers=self.headers) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BODY:
                    raise GitHubError(f"GitHub's page of {self.owner}'s repositories is larger than "
                                      f"{MAX_BODY // (1024 * 1024)} MB: not read")
                chunks.append(chunk)
            return response.status_code, str(response.url), response.headers, b"".join(chunks)

    def _page(self, body: bytes) -> list[JSON]:
        try:
            data = json.loads(body, parse_constant=lambda constant: None)
        except (ValueError, RecursionError):
            raise GitHubError(f"GitHub's answer listing {self.owner}'s repositories is not JSON") from None
        if not isinstance(data, list):
            raise GitHubError(f"GitHub's answer listing {self.owner}'s repositories is not a list of repositories")
        return data

    def _next(self, current: str, header: str) -> str | None:
        """The ``rel="next"`` link, checked to stay on the API's origin; None on the last page."""
        for link in _LINK.finditer(header[:LINK_CHARS]):
            if not any("next" in rel.lower().split() for rel in _REL.findall(link.group(2))):
                continue
            url: str = urljoin(current, str(link.group(1)).strip())
            if self.origin is None or _origin(url) != self.origin:
                raise GitHubError(
                    f"GitHub's answer for {self.owner}'s repositories sends its next page to {self._where(url)}, "
                    f"which is not the GitHub API configured for your token ({self._where(self.api)}): not followed "
                    "— check CloudCode.github_api_url"
                )
            if len(url) > URL_CHARS:
                raise GitHubError(f"GitHub's link to the next page of {self.owner}'s repositories is longer than "
                                  f"{URL_CHARS:,} characters: not followed")
            return url
        return None

    def _where(self, url: str) -> str:
        """``scheme://host:port`` of a URL, to be shown (no credentials, path or query)."""
        parts = urlsplit(url)
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ":?"
        return one_line(self.masker.text(strip_escapes(f"{parts.scheme}://{parts.hostname or '?'}{port}")), 100)

    def _status_sentence(self, status: int, headers: httpx.Headers, body: bytes, *, first: bool) -> str:
        message = quoted_message(body, self.masker)
        said = f" ({message})" if message else ""
        listing = f"listing {self.owner}'s repositories"
        if status in (403, 429) and rate_limited(headers, message):
            return _rate_limit_sentence(reset_at(headers), self.owner)
        if status == 401:
            return (f"GitHub rejected the token{said} {listing}: set one that can read them in GITHUB_TOKEN or "
                    "with %cloudcode login")
        if status == 403:
            return (f"GitHub answered 403{said} {listing}: the token may not read them (an organization with "
                    "SAML single sign-on must authorize it) — set one that can in GITHUB_TOKEN or with %cloudcode login")
        if status == 404 and first:
            return (f"GitHub knows no organization or user {self.owner} that the token can see (404 for both): "
                    f"check the owner in {PREFIX}{self.owner}/…")
        if status >= 500:
            return f"GitHub answered {status}{said} {listing}: a problem on GitHub's side — run the cell again later"
        return f"GitHub answered {status}{said} {listing}"

    def _too_many(self) -> str:
        return (f"GitHub lists more than {MAX_REPOSITORIES:,} repositories (or {MAX_PAGES} pages) for {self.owner}: "
                "a github: pattern reads no further — name the repositories instead (a list of URLs)")


def _repository(item: JSON, owner: str, api: str, masker: SecretMasker) -> tuple[str | None, str | None]:
    """``(name, URL)`` of one repository GitHub listed; Nones for one to skip (archived, disabled, or
    not a repository of ``owner`` on the configured GitHub's hosts)."""
    if not isinstance(item, dict) or item.get("archived") is True or item.get("disabled") is True:
        return None, None
    name, html_url = item.get("name"), item.get("html_url")
    if not (isinstance(name, str) and isinstance(html_url, str)) or masker.text(name) != name:
        return None, None
    if not _NAME.fullmatch(name) or ".." in name or name == ".":
        return None, None
    url = github_repository(html_url, api)  # None unless on github.com or the configured GitHub's host
    if url is None or masker.text(url) != url:
        return None, None
    key = repository_key(url)
    if key is None or key[1:] != (owner.lower(), name.lower()):
        return None, None
    return name, url.removesuffix(".git")


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL without credentials; None for anything else."""
    if not url.isprintable() or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or parts.username is not None:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def _rate_limit_sentence(reset: float | None, owner: str) -> str:
    then = f"list {owner}'s repositories again once it resets"
    if reset is None:
        return f"GitHub's API rate limit is used up: {then}"
    minutes = max(1, math.ceil((reset - time.time()) / 60))
    at = time.strftime("%H:%M", time.localtime(reset))
    return f"GitHub's API rate limit is used up until {at} (in {minutes} min): {then}"


def _shown(value: object) -> str:
    return repr(one_line(strip_escapes(SecretMasker().text(str(value))), 80))
