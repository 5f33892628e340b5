"""What a run pushed: its commits and changed files, as read from GitHub when the run ended.

Pure data, no I/O. :class:`Changes` is what ``run.changes`` holds: the commits and files between
the branch's head before the run and after it (or ``error``, one sentence, when they could not
be read), the pushes git reported and the pull requests the agent named. It is bounded whatever
GitHub or the agent sent (messages, patches and the number of files are clipped) and goes to
and from JSON for recordings. The parsers read the agent's output in linear time, looking only
around git's ``->`` arrows and ``/pull/`` URLs, with bounded work per candidate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import TypeVar

from ..json_types import JSON
from ..text import clip, one_line, strip_escapes

MESSAGE_CHARS = 8_000  # a commit message kept
FILENAME_CHARS = 1_000
URL_CHARS = 2_000
REASON_CHARS = 600  # an error sentence
PATCH_CHARS = 100_000  # one file's patch kept
PATCHES_CHARS = 1_000_000  # all patches of one Changes kept
MAX_COMMITS = 250  # GitHub's compare lists at most 250 commits
MAX_FILES = 300  # ... and at most 300 files
MAX_REFS = 20  # pushes kept from the agent's output
MAX_PULL_REQUESTS = 20
MAX_ELSEWHERE = 3  # other branches read besides the run's own
FORMAT_VERSION = 1

_HEX = re.compile(r"[0-9a-fA-F]{4,64}")


# ----- the model -----
@dataclass(frozen=True)
class Commit:
    """One pushed commit: full ``sha``, ``message`` (clipped) and its page on GitHub (or "")."""

    sha: str
    message: str
    url: str = ""

    @classmethod
    def of(cls, sha: str, message: str, url: str = "") -> Commit:
        """A commit with every field bounded."""
        return cls(clip(sha, 64), clip(message, MESSAGE_CHARS), web_url(url) or "")

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def title(self) -> str:
        """The first line of the message."""
        return self.message.strip().split("\n", 1)[0].strip()


@dataclass(frozen=True)
class FileChange:
    """One changed file. ``patch`` is None for binary or too large files (GitHub sends none);
    ``clipped`` says the patch kept is only its start; ``url`` is the file on GitHub."""

    filename: str
    status: str
    additions: int
    deletions: int
    patch: str | None = None
    url: str | None = None
    previous_filename: str | None = None
    clipped: bool = False

    @classmethod
    def of(
        cls,
        filename: str,
        status: str,
        additions: int,
        deletions: int,
        patch: str | None = None,
        url: str | None = None,
        previous_filename: str | None = None,
        clipped: bool = False,
    ) -> FileChange:
        """A file change with every field bounded (a long patch is cut at a line end)."""
        kept, cut = clip_patch(patch, PATCH_CHARS)
        return cls(
            clip(filename, FILENAME_CHARS),
            clip(status, 40),
            max(0, additions),
            max(0, deletions),
            kept,
            web_url(url),
            clip(previous_filename, FILENAME_CHARS) if previous_filename else None,
            clipped or cut,
        )

    @property
    def changes(self) -> int:
        return self.additions + self.deletions


@dataclass(frozen=True)
class PushedRef:
    """A branch git reported pushing: ``To <remote>`` then ``old..new  src -> branch``.

    ``old`` and ``new`` are the (abbreviated) shas git printed; ``old`` is None for a new branch.
    ``remote`` has no credentials ("" when git's output named none)."""

    remote: str
    branch: str
    old: str | None = None
    new: str | None = None
    forced: bool = False
    new_branch: bool = False


@dataclass(frozen=True)
class Changes:
    """What a run pushed to ``repo``: the commits and files from ``before`` to ``after``.

    ``branch`` is the run's branch; ``head_branch`` names the branch shown instead when the agent
    pushed elsewhere and the run's branch did not move; ``elsewhere`` holds other branches it
    pushed as well. ``error`` is one sentence when the changes could not be read; ``truncated``
    says GitHub or cc_jupyter left commits, files or patch text out."""

    repo: str
    branch: str
    before: str | None = None
    after: str | None = None
    commits: list[Commit] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)
    compare_url: str | None = None
    error: str | None = None
    pushed: list[PushedRef] = field(default_factory=list)
    pull_requests: list[str] = field(default_factory=list)
    truncated: bool = False
    head_branch: str | None = None
    elsewhere: list[Changes] = field(default_factory=list)

    @classmethod
    def unavailable(
        cls,
        repo: str,
        branch: str,
        before: str | None,
        reason: str,
        *,
        pushed: list[PushedRef] | None = None,
        pull_requests: list[str] | None = None,
    ) -> Changes:
        """Changes that could not be read, and why (one sentence); what the agent's output said
        it pushed is kept."""
        return cls(
            repo,
            branch,
            before,
            error=one_line(strip_escapes(reason), REASON_CHARS) or "unknown reason",
            pushed=pushed or [],
            pull_requests=pull_requests or [],
        )

    @property
    def additions(self) -> int:
        return sum(f.additions for f in self.files)

    @property
    def deletions(self) -> int:
        return sum(f.deletions for f in self.files)

    @property
    def shown_branch(self) -> str:
        """The branch whose commits these are."""
        return self.head_branch or self.branch

    @property
    def pushed_nothing(self) -> bool:
        """The head did not move and git reported no push anywhere (False when unknown)."""
        return (
            self.error is None
            and self.before is not None
            and self.before == self.after
            and not self.commits
            and not self.pushed
            and not self.elsewhere
            and self.head_branch is None
        )

    def __repr__(self) -> str:
        if self.error is not None:
            return f"<Changes {self.repo}@{self.branch} unavailable: {clip(self.error, 120)}>"
        return (
            f"<Changes {self.repo}@{self.shown_branch} {(self.before or '?')[:7]}..{(self.after or '?')[:7]} "
            f"commits={len(self.commits)} files={len(self.files)} +{self.additions} -{self.deletions}>"
        )

    # ----- JSON, for recordings -----
    def to_json(self) -> dict[str, object]:
        """A JSON-able dict; :meth:`from_json` reads it back."""
        return {
            "version": FORMAT_VERSION,
            "repo": self.repo,
            "branch": self.branch,
            "head_branch": self.head_branch,
            "before": self.before,
            "after": self.after,
            "commits": [asdict(c) for c in self.commits],  # flat dataclasses: their fields, in order
            "files": [asdict(f) for f in self.files],
            "compare_url": self.compare_url,
            "error": self.error,
            "pushed": [asdict(r) for r in self.pushed],
            "pull_requests": list(self.pull_requests),
            "truncated": self.truncated,
            "elsewhere": [c.to_json() for c in self.elsewhere],
        }

    @classmethod
    def from_json(cls, data: JSON) -> Changes:
        """Changes from :meth:`to_json`'s dict. Missing keys take their defaults, values of the
        wrong type are dropped, sizes are bounded again; what is not a dict at all gives
        Changes with ``error`` saying the recording held none that could be read."""
        return _from_json(data, depth=0)


_T = TypeVar("_T")


def _from_json(data: JSON, depth: int) -> Changes:
    if not isinstance(data, dict):
        return Changes.unavailable("", "", None, "the recording holds no changes that could be read")
    repo, branch = _str(data.get("repo")) or "", _str(data.get("branch")) or ""
    try:
        commits = _items(data.get("commits"), _commit_of, MAX_COMMITS)
        files = bounded_files(_items(data.get("files"), _file_of, MAX_FILES))
        elsewhere = [] if depth else _items(data.get("elsewhere"), lambda d: _from_json(d, 1), MAX_ELSEWHERE)
        return Changes(
            repo=repo,
            branch=branch,
            before=_sha(data.get("before")),
            after=_sha(data.get("after")),
            commits=commits,
            files=files[0],
            compare_url=web_url(data.get("compare_url")),
            error=_reason(data.get("error")),
            pushed=_items(data.get("pushed"), _ref_of, MAX_REFS),
            pull_requests=[u for u in _items(data.get("pull_requests"), web_url, MAX_PULL_REQUESTS) if u],
            truncated=data.get("truncated") is True or files[1],
            head_branch=_str(data.get("head_branch"), 250),
            elsewhere=elsewhere,
        )
    except (TypeError, ValueError, AttributeError, RecursionError) as error:  # a shape no check foresaw
        return Changes.unavailable(repo, branch, None, f"the recording's changes could not be read ({error})")


def _items(value: JSON, parse: Callable[[JSON], _T | None], limit: int) -> list[_T]:
    if not isinstance(value, list):
        return []
    parsed = (parse(item) for item in value[:limit])
    return [item for item in parsed if item is not None]


def _commit_of(d: JSON) -> Commit | None:
    if not isinstance(d, dict) or _sha(d.get("sha")) is None:
        return None
    return Commit.of(d["sha"], _str(d.get("message"), MESSAGE_CHARS) or "", _str(d.get("url")) or "")


def _file_of(d: JSON) -> FileChange | None:
    if not isinstance(d, dict) or not _str(d.get("filename")):
        return None
    return FileChange.of(
        d["filename"],
        _str(d.get("status"), 40) or "modified",
        count(d.get("additions")),
        count(d.get("deletions")),
        _str(d.get("patch"), PATCH_CHARS + 1),
        _str(d.get("url")),
        _str(d.get("previous_filename"), FILENAME_CHARS),
        d.get("clipped") is True,
    )


def _ref_of(d: JSON) -> PushedRef | None:
    if not isinstance(d, dict) or not _str(d.get("branch")):
        return None
    return PushedRef(
        _str(d.get("remote"), URL_CHARS) or "",
        _str(d.get("branch"), 250) or "",
        _sha(d.get("old")),
        _sha(d.get("new")),
        d.get("forced") is True,
        d.get("new_branch") is True,
    )


def _str(value: JSON, limit: int = URL_CHARS) -> str | None:
    return clip(value, limit) if isinstance(value, str) else None


def _sha(value: JSON) -> str | None:
    return value if isinstance(value, str) and _HEX.fullmatch(value) else None


def count(value: JSON) -> int:
    """``value`` if it is a non-negative int (not a bool), else 0: a count from JSON."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _reason(value: JSON) -> str | None:
    return (one_line(strip_escapes(value), REASON_CHARS) or "unknown reason") if isinstance(value, str) else None


# ----- bounds -----
def clip_patch(patch: str | None, limit: int) -> tuple[str | None, bool]:
    """``patch`` cut at the last line end within ``limit`` characters, and whether it was cut."""
    if patch is None or len(patch) <= limit:
        return patch, False
    end = patch.rfind("\n", 0, limit)
    return patch[: end if end > 0 else limit], True


def bounded_files(files: Iterable[FileChange], budget: int = PATCHES_CHARS) -> tuple[list[FileChange], bool]:
    """At most :data:`MAX_FILES` files whose patches share ``budget`` characters (later patches
    are cut, then dropped); and whether anything was left out."""
    kept: list[FileChange] = []
    cut = False
    for index, change in enumerate(files):
        if index >= MAX_FILES:
            return kept, True
        if change.patch is not None and len(change.patch) > budget:
            patch, _ = clip_patch(change.patch, budget) if budget > 0 else (None, True)
            change = replace(change, patch=patch, clipped=True)
            cut = True
        budget -= len(change.patch or "")
        kept.append(change)
    return kept, cut


def web_url(value: JSON) -> str | None:
    """``value`` when it is a plain http(s) URL (no spaces, quotes or controls; not too long), else None."""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")) or len(value) > URL_CHARS:
        return None
    return value if value.isprintable() and not any(c.isspace() or c in "\"'<>\\`" for c in value) else None
