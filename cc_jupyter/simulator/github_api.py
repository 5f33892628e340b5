"""The simulated GitHub REST API under `/github`: branches and compare, with tokens.

    GET /github/repos/{owner}/{repo}/branches/{branch}
    GET /github/repos/{owner}/{repo}/compare/{base}...{head}     (also base..head)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .git import GitError
from .github_json import Reader
from .repo_ref import RepoRef, parse_repo

if TYPE_CHECKING:
    from .exchange import Exchange
    from .state import State

PREFIX = "/github"
DOCS = "https://docs.github.com/rest"
JSON_UTF8 = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


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


def answer(h: Exchange, rid: int, path: str) -> None:
    """Answer one request under /github (the extension first, when it knows the repository)."""
    found = route(path)
    if found is None:
        send(h, rid, NOT_FOUND)
    elif not h.state.extension.github(h, rid, found.repo):
        send(h, rid, respond(h.state, h.command, found, h.headers.get("Authorization", "")))


def send(h: Exchange, rid: int, reply: Reply) -> None:
    h.state.log.close(rid, "answered", status=reply.status)
    h.send_json(reply.status, reply.body, reply.headers, content_type=JSON_UTF8)


def respond(state: State, method: str, found: Route, authorization: str) -> Reply:
    """GitHub's answer about a repository of the store."""
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
