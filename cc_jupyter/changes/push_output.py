"""What the agent's output says it pushed: git's push lines and pull request URLs.

The output comes from the agent and the tools it ran, so it is read as hostile text: in linear
time, looking only around git's ``->`` arrows and ``/pull/`` URLs, with bounded work per
candidate, and remotes shown without credentials, query or fragment.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import replace

from ..repos import shown_url
from ..run.changes import MAX_PULL_REQUESTS, MAX_REFS, PushedRef
from ..text import strip_escapes

MAX_CANDIDATES = 10_000  # places in the agent's output looked at, whatever it holds
_LINE_CHARS = 400  # how far from an arrow or a URL its line is looked for
_ARROW = re.compile(" -> ")
_PORCELAIN_MARK = re.compile(":refs/heads/")
_REF_LINE = re.compile(
    r"[ \t]{0,8}(?P<flag>[+*])?[ \t]{0,8}"
    r"(?:(?P<old>[0-9a-f]{4,64})(?P<dots>\.\.\.?)(?P<new>[0-9a-f]{4,64})|\[(?P<what>new branch|new reference)\])"
    r"[ \t]{1,40}(?P<src>\S{1,250}) -> (?P<dst>\S{1,250})(?P<rest>.*)"
)
_PORCELAIN = re.compile(r"(?P<flag>[ +*])\t(?P<src>[^\t:]{0,250}):(?P<dst>[^\t]{1,250})\t(?P<summary>.{1,200})")
_TO_LINE = re.compile(r"[ \t]{0,8}To[ \t]{1,8}(?P<url>[^\s\\\"'<>]{1,2000})")
_PULL = re.compile(r"/pull/[0-9]")
_PR_URL = re.compile(
    r"https?://(?P<host>[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?)/(?P<owner>[\w.-]{1,100})/(?P<repo>[\w.-]{1,100})"
    r"/pull/(?P<number>[0-9]{1,9})(?![0-9])"
)
_BREAKS = ("\n", "\r", "\\n", "\\r", '"')  # JSON strings hold git's lines too


def pushed_refs(text: str, limit: int = MAX_REFS) -> list[PushedRef]:
    """The branches git's push output in ``text`` reports pushed, in order, once each (at most
    ``limit``). Reads ``To <url>`` and the ref lines under it (fast-forward, forced, new branch,
    and ``--porcelain``), also inside JSON strings (``\\n`` escapes); ignores tags, deletions,
    rejected and up-to-date refs. Linear in ``len(text)``, bounded work per candidate line."""
    found: dict[PushedRef, PushedRef] = {}
    remote, searched = "", 0
    for start, end in _candidate_lines(text):
        remote = _last_remote(text, searched, start) or remote
        searched = end
        ref = _ref(strip_escapes(text[start:end].replace("\\t", "\t")), remote)
        if ref is None:
            continue
        key = replace(ref, remote="")  # the same push, seen in plain output and in a JSON record
        if key not in found or not found[key].remote:
            found[key] = ref
        if len(found) >= limit:
            break
    return list(found.values())


def pull_request_urls(text: str, limit: int = MAX_PULL_REQUESTS) -> list[str]:
    """Pull request URLs (``https://HOST/<owner>/<repo>/pull/<n>``, any host) in ``text``, in
    order, once each, at most ``limit``; a URL to a PR's tab (``/files``) counts as the PR."""
    found: dict[str, None] = {}
    position, candidates = 0, 0
    while len(found) < limit and candidates < MAX_CANDIDATES:
        hit = _PULL.search(text, position)
        if hit is None:
            break
        candidates += 1
        url = _pr_before(text, hit.start())
        if url is not None:
            found.setdefault(url)
        position = hit.end()
    return list(found)


def _pr_before(text: str, pull: int) -> str | None:
    """The PR URL whose ``/pull/`` is at ``pull``, if one starts shortly before it."""
    low = max(0, pull - _LINE_CHARS)
    start = text.rfind("http", low, pull)
    for _ in range(4):  # an owner or repository name may itself hold "http"
        if start < 0:
            return None
        match = _PR_URL.match(text, start)
        if match is not None and match.start("number") == pull + len("/pull/"):
            return match.group(0)
        start = text.rfind("http", low, start)
    return None


def _candidate_lines(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line that may report a pushed ref, in order, each once."""
    last = -1
    for start, end in heapq.merge(_lines_around(text, _ARROW), _lines_around(text, _PORCELAIN_MARK)):
        if start != last:
            last = start
            yield start, end


def _lines_around(text: str, marker: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line holding ``marker``, at most :data:`MAX_CANDIDATES`."""
    position = 0
    for _ in range(MAX_CANDIDATES):
        hit = marker.search(text, position)
        if hit is None:
            return
        start, end = _line_start(text, hit.start()), _line_end(text, hit.end())
        if start is not None:
            yield start, end
        position = max(end, hit.end())


def _line_start(text: str, position: int) -> int | None:
    """Where the line holding ``position`` starts (None: further back than a ref line can be)."""
    low = max(0, position - _LINE_CHARS)
    starts = [at + len(b) for b in _BREAKS if (at := text.rfind(b, low, position)) >= 0]
    if starts:
        return max(starts)
    return 0 if low == 0 else None


def _line_end(text: str, position: int) -> int:
    high = min(len(text), position + _LINE_CHARS)
    ends = [i for i in (text.find(c, position, high) for c in _BREAKS) if i >= 0]
    return min(ends) if ends else high


def _last_remote(text: str, low: int, high: int) -> str | None:
    """The URL of the last ``To <url>`` line between ``low`` and ``high`` (a few tries)."""
    position = high
    for _ in range(8):
        at = text.rfind("To ", low, position)
        if at < 0:
            return None
        start = _line_start(text, at)
        if start is not None and not text[start:at].strip(" \t"):
            match = _TO_LINE.match(text, start)
            if match is not None:
                return shown_url(strip_escapes(match.group("url")))
        position = at
    return None


def _ref(line: str, remote: str) -> PushedRef | None:
    match = _REF_LINE.match(line)
    if match is not None:
        branch = _branch(match.group("dst"))
        if branch is None or "rejected" in match.group("rest"):
            return None
        dots, flag = match.group("dots"), match.group("flag")
        forced = dots == "..." or flag == "+" or "forced" in match.group("rest")
        return PushedRef(
            remote, branch, match.group("old"), match.group("new"), forced, match.group("what") is not None
        )
    match = _PORCELAIN.match(line)
    if match is None:
        return None
    return _porcelain_ref(match, remote)


def _porcelain_ref(match: re.Match[str], remote: str) -> PushedRef | None:
    branch = _branch(match.group("dst"))
    summary = match.group("summary")
    if branch is None:
        return None
    if summary.startswith("[new"):
        return PushedRef(remote, branch, None, None, False, True)
    shas = re.match(r"([0-9a-f]{4,64})(\.\.\.?)([0-9a-f]{4,64})", summary)
    if shas is None:
        return None
    return PushedRef(remote, branch, shas.group(1), shas.group(3), shas.group(2) == "..." or match.group("flag") == "+")


def _branch(ref: str) -> str | None:
    """A branch name from git's ``-> dst`` (``refs/heads/`` stripped); None for tags and others."""
    ref = ref.strip()
    if ref.startswith("refs/"):
        if not ref.startswith("refs/heads/"):
            return None
        ref = ref[len("refs/heads/") :]
    if not ref or ref.startswith("-") or ".." in ref or any(c in ref for c in "~^:?*[\\"):
        return None
    return ref
