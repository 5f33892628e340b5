"""The simulated GitHub REST API under `/github`: branches and compare, with tokens and failure modes.

    GET /github/repos/{owner}/{repo}/branches/{branch}
    GET /github/repos/{owner}/{repo}/compare/{base}...{head}     (also base..head)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .git import GitError
from .github_json import Reader
from .repo_ref import RepoRef, parse_repo

if TYPE_CHECKING:
    from .state import State

PREFIX = "/github"
DOCS = "https://docs.github.com/rest"
GARBAGE = b"<html><body><h1>Unicorn!</h1> This page is taking too long to load.</body></html>\n"


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


TIMEOUT = Reply(0, None)  # hold the request open until the client gives up


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"message": message, "documentation_url": DOCS}, headers or {})


NOT_FOUND = error(404, "Not Found")


def token_of(authorization: str) -> str:
    """The token of `Bearer X` or `token X`; "" when there is none."""
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "token") else ""


@dataclass(frozen=True)
class Route:
    repo: RepoRef
    kind: str  # "branch" | "compare"
    args: tuple[str, ...]


def route(path: str) -> Route | None:
    """`/github/repos/o/r/branches/feature/x` -> Route(o/r, "branch", ("feature/x",))."""
    parts = path[len(PREFIX):].split("/")
    if len(parts) < 6 or parts[0] != "" or parts[1] != "repos" or not all(parts[2:6]):
        return None
    repo = parse_repo(f"{unquote(parts[2])}/{unquote(parts[3])}")
    rest = unquote("/".join(parts[5:]))
    if repo is None:
        return None
    if parts[4] == "branches":
        return Route(repo, "branch", (rest,))
    if parts[4] == "compare":
        dots = "..." if "..." in rest else ".."
        base, sep, head = rest.partition(dots)
        if sep and base and head:
            return Route(repo, "compare", (base, head, dots))
    return None


def respond(state: State, method: str, path: str, authorization: str, client: str) -> Reply:
    """The answer to one request under /github (TIMEOUT: never answer)."""
    found = route(path)
    if found is None:
        return NOT_FOUND
    mode = state.github_failures.get(found.repo.key)
    if mode is not None:
        return _failure(mode, client)
    token = token_of(authorization)
    if not token:
        return error(401, "Requires authentication")
    if method != "GET":
        return NOT_FOUND
    store = state.repos
    try:
        bare = store.ensure(found.repo)
    except GitError as exc:
        return error(500, f"Server Error: {exc}")
    if not store.accepts(found.repo, token):
        return error(401, "Bad credentials")
    reader = Reader(store.git, bare, found.repo)
    body = reader.branch(*found.args) if found.kind == "branch" else reader.compare(*found.args)
    return NOT_FOUND if body is None else Reply(200, body)


def _failure(mode: str, client: str) -> Reply:
    if mode == "404":
        return NOT_FOUND
    if mode == "500":
        return error(500, "Server Error")
    if mode == "garbage":
        return Reply(200, GARBAGE)
    if mode == "timeout":
        return TIMEOUT
    reset = int(time.time()) + 15 * 60
    return Reply(403, {"message": f"API rate limit exceeded for {client}. (But here's the good news: "
                                  "Authenticated requests get a higher rate limit. Check out the documentation "
                                  "for more details.)",
                       "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
                 {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-used": "60",
                  "x-ratelimit-reset": str(reset), "x-ratelimit-resource": "core"})
