"""The simulated GitHub REST API under `/github`, in GitHub's shapes, read from the bare repositories.

    GET /github/repos/{owner}/{repo}/branches/{branch}
    GET /github/repos/{owner}/{repo}/compare/{base}...{head}     (also base..head)
    GET /github/orgs/{owner}/repos, /github/users/{owner}/repos   (per_page, page; a Link header)

An owner's repositories are its bare repositories, those of its roster (`give_owner`:
`<git_root>/<owner>/roster.json`) and, for the demo's class, DEMO_OWNERS.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from .repos import Git, GitError, RepoRef, parse_repo, valid_branch

if TYPE_CHECKING:
    from .extension import Exchange

PREFIX = "/github"
DOCS = "https://docs.github.com/rest"
JSON_UTF8 = "application/json; charset=utf-8"
API = "https://api.github.com/repos"
SHA = re.compile(r"[0-9a-fA-F]{4,40}")
FIELD, FORMAT = "\x1f", "%H%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%T%x1f%P%x1f%B"
STATUS = {"A": "added", "M": "modified", "D": "removed", "T": "changed"}
ROSTER = "roster.json"  # <git_root>/<owner>/roster.json: the repositories an owner has before any run made them
# The demo's class, listed by every simulator (`github:my-class/assignment-1-*` in the teaching notebook).
DEMO_OWNERS = {"my-class": ("assignment-1-ana", "assignment-1-ben", "assignment-1-caz", "assignment-1-dee",
                            "assignment-1-eli", "assignment-1-fay", "assignment-2-ana", "course-notes")}


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


def answer(h: Exchange, rid: int, path: str, query: str = "") -> None:
    """Answer one request under /github (the extension first, for a branch, a comparison or a listing)."""
    parts = path[len(PREFIX):].split("/")  # "", "repos", owner, repo, "branches" | "compare", ...
    if len(parts) == 4 and parts[1] in ("orgs", "users") and parts[3] == "repos":
        if not h.extension.github_owner(h, rid, unquote(parts[2])):
            send(h, rid, listing(h, parts[1], unquote(parts[2]), query))
        return None
    found = len(parts) >= 6 and parts[1] == "repos" and parts[4] in ("branches", "compare") and all(parts[2:6])
    repo = parse_repo(f"{unquote(parts[2])}/{unquote(parts[3])}") if found else None
    if repo is None:
        send(h, rid, NOT_FOUND)
    elif not h.extension.github(h, rid, repo):
        send(h, rid, respond(h, repo, parts[4], unquote("/".join(parts[5:]))))


def send(h: Exchange, rid: int, reply: Reply) -> None:
    h.state.log.close(rid, "answered", status=reply.status)
    h.send_json(reply.status, reply.body, reply.headers, content_type=JSON_UTF8)


def respond(h: Exchange, repo: RepoRef, kind: str, rest: str) -> Reply:
    """GitHub's answer about a branch (`kind` "branches") or a comparison ("compare") of a repository."""
    if h.command != "GET":
        return NOT_FOUND
    store = h.state.repos
    try:
        reader = Reader(store.git, store.ensure(repo), repo)
    except GitError as exc:
        return error(500, f"Server Error: {exc}")
    if kind == "branches":
        body = reader.branch(rest)
    else:
        dots = "..." if "..." in rest else ".."
        base, _, head = rest.partition(dots)
        body = reader.compare(base, head, dots) if base and head else None
    return NOT_FOUND if body is None else Reply(200, body)


# -- an owner's repositories -------------------------------------------------------------------

def give_owner(git_root: Path, owner: str, names: Iterable[str], *, user: bool = False,
               archived: Iterable[str] = ()) -> None:
    """List `names` (and the `archived` ones) as `owner`'s repositories, an organization unless `user`."""
    if parse_repo(f"{owner}/x") is None:
        raise ValueError(f"not a GitHub owner: {owner!r}")
    folder = git_root / owner.lower()
    folder.mkdir(parents=True, exist_ok=True)
    entries = [{"name": n, "archived": False} for n in names] + [{"name": n, "archived": True} for n in archived]
    roster = {"login": owner, "type": "User" if user else "Organization", "repositories": entries}
    fd, staging = tempfile.mkstemp(prefix=".roster-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(roster, file)
    os.replace(staging, folder / ROSTER)


def listing(h: Exchange, kind: str, owner: str, query: str) -> Reply:
    """GitHub's page of an owner's repositories; `/orgs/` answers only for an organization."""
    if h.command != "GET" or parse_repo(f"{owner}/x") is None:
        return NOT_FOUND
    login, org, repos = _owner(h.state.repos.root, owner)
    if not repos or (kind == "orgs" and not org):
        return NOT_FOUND
    asked = dict(parse_qsl(query))
    per_page, page = _number(asked.get("per_page"), 30, 100), _number(asked.get("page"), 1, 10**6)
    last = max(1, -(-len(repos) // per_page))
    base = f"http://{h.headers.get('Host') or '127.0.0.1'}{PREFIX}/{kind}/{quote(owner, safe='')}/repos?"
    links = {"prev": page - 1, "next": page + 1, "last": last, "first": 1}
    link = ", ".join(f'<{base}{urlencode({**asked, "page": n})}>; rel="{rel}"' for rel, n in links.items()
                     if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last))
    owner_object = {"login": login, "type": "Organization" if org else "User", "html_url": f"https://github.com/{login}"}
    body = [_repository(RepoRef(login, name), owner_object, archived)
            for name, archived in repos[(page - 1) * per_page:page * per_page]]
    return Reply(200, body, {"Link": link} if link else {})


def _owner(root: Path, owner: str) -> tuple[str, bool, list[tuple[str, bool]]]:
    """(login, is an organization, [(name, archived)] sorted by name) of an owner (no repositories: unknown)."""
    folder, login, org = root / owner.lower(), owner, True
    found = {name: (name, False) for name in DEMO_OWNERS.get(owner.lower(), ())}
    if folder.is_dir():
        found.update((bare.name[:-4].lower(), (bare.name[:-4], False)) for bare in folder.glob("*.git")
                     if (bare / "HEAD").is_file() and parse_repo(f"x/{bare.name}") is not None)
    try:
        roster = json.loads((folder / ROSTER).read_text(encoding="utf-8"))
        login, org = str(roster.get("login") or owner), roster.get("type") != "User"
        for entry in roster.get("repositories", []):
            name = str(entry.get("name", ""))
            if parse_repo(f"x/{name}") is not None:
                found[name.lower()] = (name, entry.get("archived") is True)
    except (OSError, ValueError, AttributeError):
        pass  # no roster (or not one): the bare repositories and the demo's
    return login, org, sorted(found.values(), key=lambda item: item[0].lower())


def _number(raw: str | None, default: int, most: int) -> int:
    return min(int(raw), most) if raw and len(raw) < 10 and raw.isascii() and raw.isdigit() and int(raw) else default


def _repository(ref: RepoRef, owner: dict[str, str], archived: bool) -> dict[str, Any]:
    return {"id": zlib.crc32(ref.key.encode()), "name": ref.name, "full_name": ref.slug, "private": True,
            "owner": owner, "html_url": ref.web(), "url": f"{API}/{ref.slug}", "clone_url": ref.clone_url,
            "fork": False, "archived": archived, "disabled": False, "visibility": "private",
            "default_branch": "main"}


class Reader:
    """Reads one bare repository for the REST endpoints; methods return None for unknown refs."""

    def __init__(self, git: Git, bare: Path, ref: RepoRef) -> None:
        self.git, self.bare, self.ref = git, bare, ref
        self.api = f"{API}/{ref.slug}"

    def _git(self, *args: str) -> str:
        return self.git.run(*args, git_dir=self.bare).stdout

    def _verify(self, rev: str) -> str | None:
        """The sha of the commit `rev` names, if any."""
        out = self.git.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", git_dir=self.bare, check=False)
        return out.stdout.strip() if out.returncode == 0 else None

    def resolve(self, name: str) -> str | None:
        """A branch name or a (short) sha -> the full commit sha."""
        if valid_branch(name) and (sha := self._verify(f"refs/heads/{name}")):
            return sha
        return self._verify(name) if SHA.fullmatch(name) else None

    def commits(self, *rev: str) -> list[dict[str, Any]]:
        """`git log REV...` as GitHub commit objects (oldest first)."""
        out = self._git("log", "--reverse", "-z", f"--format={FORMAT}", *rev, "--")
        return [self._commit(record) for record in out.split("\0") if record]

    def commit(self, sha: str) -> dict[str, Any]:
        return self.commits("-1", sha)[0]

    def _commit(self, record: str) -> dict[str, Any]:
        sha, an, ae, at, cn, ce, ct, tree, parents, message = record.split(FIELD, 9)
        return {
            "sha": sha,
            "url": f"{self.api}/commits/{sha}",
            "html_url": self.ref.web("commit", sha),
            "commit": {
                "author": {"name": an, "email": ae, "date": _date(at)},
                "committer": {"name": cn, "email": ce, "date": _date(ct)},
                "message": message.rstrip("\n"),
                "tree": {"sha": tree, "url": f"{self.api}/git/trees/{tree}"},
                "url": f"{self.api}/git/commits/{sha}",
                "comment_count": 0,
            },
            "author": None,  # no GitHub accounts here
            "committer": None,
            "parents": [{"sha": p, "url": f"{self.api}/commits/{p}", "html_url": self.ref.web("commit", p)}
                        for p in parents.split()],
        }

    # -- endpoints ---------------------------------------------------------------------------

    def branch(self, name: str) -> dict[str, Any] | None:
        sha = self._verify(f"refs/heads/{name}") if valid_branch(name) else None
        if sha is None:
            return None
        return {"name": name, "commit": self.commit(sha),
                "_links": {"self": f"{self.api}/branches/{name}", "html": self.ref.web("tree", name)},
                "protected": False}

    def compare(self, base: str, head: str, dots: str = "...") -> dict[str, Any] | None:
        base_sha, head_sha = self.resolve(base), self.resolve(head)
        if base_sha is None or head_sha is None:
            return None
        merge_base = self.git.run("merge-base", base_sha, head_sha, git_dir=self.bare, check=False).stdout.strip()
        merge_base = merge_base or base_sha
        behind, ahead = (int(n) for n in self._git("rev-list", "--left-right", "--count",
                                                     f"{base_sha}...{head_sha}").split())
        status = ("identical" if not (ahead or behind) else "ahead" if not behind
                  else "behind" if not ahead else "diverged")
        return {
            "url": f"{self.api}/compare/{base}{dots}{head}",
            "html_url": self.ref.web("compare", f"{base}...{head}"),
            "permalink_url": self.ref.web("compare", f"{base_sha}...{head_sha}"),
            "diff_url": self.ref.web("compare", f"{base}...{head}.diff"),
            "patch_url": self.ref.web("compare", f"{base}...{head}.patch"),
            "base_commit": self.commit(base_sha),
            "merge_base_commit": self.commit(merge_base),
            "status": status,
            "ahead_by": ahead,
            "behind_by": behind,
            "total_commits": ahead,
            "commits": self.commits(f"{base_sha}..{head_sha}") if ahead else [],
            "files": self.files(merge_base, head_sha),
        }

    def files(self, old: str, new: str) -> list[dict[str, Any]]:
        """The diff's files with GitHub's fields (a rename is a removal and an addition); patches start at `@@`."""
        raw = self._git("diff", "--raw", "--no-abbrev", "--no-renames", "-z", old, new).split("\0")
        counts: dict[str, tuple[int, int]] = {}
        for line in self._git("diff", "--numstat", "--no-renames", "-z", old, new).split("\0"):
            if line:
                plus, minus, name = line.split("\t", 2)  # "-" for a binary file: 0
                counts[name] = (int(plus) if plus.isdigit() else 0, int(minus) if minus.isdigit() else 0)
        files = []
        for meta, path in zip(raw[0:-1:2], raw[1::2], strict=True):  # ":MODE MODE OLD-BLOB NEW-BLOB STATUS", path
            _, _, old_blob, new_blob, letter = meta.split()
            added, deleted = counts.get(path, (0, 0))
            status = STATUS.get(letter, "modified")
            diff = self._git("diff", old, new, "--", path)
            entry: dict[str, Any] = {
                "sha": old_blob if status == "removed" else new_blob,
                "filename": path, "status": status, "additions": added, "deletions": deleted,
                "changes": added + deleted,
                "blob_url": self.ref.web("blob", new, path),
                "raw_url": self.ref.web("raw", new, path),
                "contents_url": f"{self.api}/contents/{path}?ref={new}",
            }
            if (at := diff.find("\n@@")) >= 0:
                entry["patch"] = diff[at + 1:].rstrip("\n")
            files.append(entry)
        return files


def _date(epoch: str) -> str:
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
