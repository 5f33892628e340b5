"""GitHub REST shapes read from a bare repository: a branch, a commit, a comparison of two refs."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from .git import Git
from .repo_ref import RepoRef, valid_branch

API = "https://api.github.com/repos"
SHA = re.compile(r"[0-9a-fA-F]{4,40}")
FIELD, FORMAT = "\x1f", "%H%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%T%x1f%P%x1f%B"
STATUS = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied", "T": "changed"}


class Reader:
    """Reads one bare repository for the REST endpoints; methods return None for unknown refs."""

    def __init__(self, git: Git, bare: Any, ref: RepoRef) -> None:
        self.git, self.bare, self.ref = git, bare, ref
        self.api = f"{API}/{ref.slug}"

    def _git(self, *args: str, check: bool = True) -> str:
        return self.git.run(*args, git_dir=self.bare, check=check).stdout

    def resolve(self, name: str) -> str | None:
        """A branch name or a (short) sha -> the full commit sha."""
        candidates = ([f"refs/heads/{name}"] if valid_branch(name) else []) + ([name] if SHA.fullmatch(name) else [])
        for candidate in candidates:
            out = self.git.run("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", git_dir=self.bare,
                               check=False)
            if out.code == 0:
                return out.stdout.strip()
        return None

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
        if not valid_branch(name):
            return None
        out = self.git.run("rev-parse", "--verify", "--quiet", f"refs/heads/{name}^{{commit}}",
                           git_dir=self.bare, check=False)
        if out.code != 0:
            return None
        return {"name": name, "commit": self.commit(out.stdout.strip()),
                "_links": {"self": f"{self.api}/branches/{name}", "html": self.ref.web("tree", name)},
                "protected": False}

    def compare(self, base: str, head: str, dots: str = "...") -> dict[str, Any] | None:
        base_sha, head_sha = self.resolve(base), self.resolve(head)
        if base_sha is None or head_sha is None:
            return None
        merge_base = self._git("merge-base", base_sha, head_sha, check=False).strip() or base_sha
        behind, ahead = (int(n) for n in self._git("rev-list", "--left-right", "--count",
                                                     f"{base_sha}...{head_sha}").split())
        status = ("identical" if not (ahead or behind) else "ahead" if not behind
                  else "behind" if not ahead else "diverged")
        spec = f"{base}{dots}{head}"
        return {
            "url": f"{self.api}/compare/{spec}",
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
        """The three-dot diff's files with GitHub's fields; patches start at the first `@@`."""
        statuses = _name_status(self._git("diff", "--name-status", "-z", "-M", old, new))
        counts = _numstat(self._git("diff", "--numstat", "-z", "-M", old, new))
        blobs_new, blobs_old = self._blobs(new), self._blobs(old)
        files = []
        for path, (letter, previous) in statuses.items():
            added, deleted = counts.get(path, (0, 0))
            status = STATUS.get(letter, "modified")
            paths = [previous, path] if previous else [path]
            diff = self._git("diff", "-M", old, new, "--", *paths)
            at = diff.find("\n@@")
            entry: dict[str, Any] = {
                "sha": blobs_old.get(path, "") if status == "removed" else blobs_new.get(path, ""),
                "filename": path, "status": status, "additions": added, "deletions": deleted,
                "changes": added + deleted,
                "blob_url": self.ref.web("blob", new, path),
                "raw_url": self.ref.web("raw", new, path),
                "contents_url": f"{self.api}/contents/{path}?ref={new}",
            }
            if at >= 0:
                entry["patch"] = diff[at + 1:].rstrip("\n")
            if previous:
                entry["previous_filename"] = previous
            files.append(entry)
        return files

    def _blobs(self, commit: str) -> dict[str, str]:
        out = self._git("ls-tree", "-r", "-z", "--full-tree", commit)
        blobs = {}
        for entry in out.split("\0"):
            if entry:
                meta, _, path = entry.partition("\t")
                blobs[path] = meta.split()[2]
        return blobs


def _date(epoch: str) -> str:
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name_status(out: str) -> dict[str, tuple[str, str | None]]:
    """`git diff --name-status -z` -> {path: (status letter, previous path of a rename or copy)}."""
    tokens, i = out.split("\0"), 0
    found: dict[str, tuple[str, str | None]] = {}
    while i < len(tokens) and tokens[i]:
        letter = tokens[i][0]
        if letter in "RC":
            found[tokens[i + 2]] = (letter, tokens[i + 1])
            i += 3
        else:
            found[tokens[i + 1]] = (letter, None)
            i += 2
    return found


def _numstat(out: str) -> dict[str, tuple[int, int]]:
    """`git diff --numstat -z` -> {path: (added, deleted)}; binary files count 0."""
    tokens, i = out.split("\0"), 0
    found: dict[str, tuple[int, int]] = {}
    while i < len(tokens) and tokens[i]:
        added, deleted, path = tokens[i].split("\t", 2)
        if not path:  # a rename: the old and new paths follow
            path = tokens[i + 2]
            i += 3
        else:
            i += 1
        found[path] = (int(added) if added.isdigit() else 0, int(deleted) if deleted.isdigit() else 0)
    return found
