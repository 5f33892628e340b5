"""What a run pushed, shown: a summary under the transcript's status line, and the full diff.

``changes_html`` / ``changes_text``: the commits (short sha linked, first line of the message),
the files with ``+n −m`` and a small bar (``+`` and ``-`` characters in coloured spans, so it
reads where styles are stripped), totals, the compare link, pushes elsewhere and pull requests.
``diff_html`` / ``diff_text``: every file's patch, static (``<details>`` per file, no script),
clipped per file with a link to the rest on GitHub. Every remote string is escaped for HTML and
cleaned of escape sequences for text; every output stays within its budget.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from ..repos import same_repository
from ..run.changes import MAX_COMMITS, MAX_FILES, Changes, Commit, FileChange, web_url
from ..text import clip, one_line, strip_escapes
from .html import escape, pre
from .links import link

CHANGES_BUDGET = 20_000  # characters of the summary in a transcript (HTML or text)
DIFF_BUDGET = 600_000  # characters of the full diff view (HTML); well under a megabyte
DIFF_TEXT_BUDGET = 400_000
FILES_SHOWN = 15
COMMITS_SHOWN = 10
NESTED_SHOWN = 5  # files and commits of a branch pushed besides the run's own
DIFF_FILES = 100  # files with their patch in the diff view; the rest are counted
FILE_CHARS = 60_000  # at most this much of one file's patch in the diff view
LINE_CHARS = 1_000  # one patch line
TITLE_CHARS = 100
NAME_CHARS = 160
BAR_WIDTH = 10
GREEN, RED, DIM = "#1a7f37", "#cf222e", "#6e7781"
MINUS = "\u2212"  # the counts read "+3 −1"; bars use ASCII "+" and "-"
_MONO = "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px"
_LINE_STYLES = {"+": "background-color:#e6ffec;color:#116329", "-": "background-color:#ffebe9;color:#82071e"}
_STATUS_MARKS = {"added": "A", "removed": "D", "modified": "M", "renamed": "R", "copied": "C", "changed": "T"}


@dataclass(frozen=True)
class _Limits:
    files: int
    commits: int
    links: bool = True


_STEPS = (
    _Limits(FILES_SHOWN, COMMITS_SHOWN),
    _Limits(8, 5),
    _Limits(3, 2),
    _Limits(0, 0),
    _Limits(0, 0, links=False),
)


# ----- shared words -----
def _clean(text: str, limit: int = NAME_CHARS) -> str:
    """Remote text on one line, without escapes, clipped."""
    return one_line(strip_escapes(text), limit)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _counts(additions: int, deletions: int) -> str:
    return f"+{additions:,} {MINUS}{deletions:,}"


def bar(additions: int, deletions: int, scale: int, width: int = BAR_WIDTH) -> tuple[int, int]:
    """How many ``+`` and ``-`` cells a file's bar has: its length is proportional to its
    changes against ``scale`` (the largest file's), at least one cell when anything changed."""
    changes = additions + deletions
    if changes <= 0 or scale <= 0:
        return 0, 0
    cells = min(width, max(1, -(-width * changes // scale)))
    plus = round(cells * additions / changes)
    if additions and not plus:
        plus = 1
    if deletions and plus == cells and cells > 1:
        plus -= 1
    return plus, cells - plus


def _bar_text(plus: int, minus: int) -> str:
    return "+" * plus + "-" * minus


def _bar_html(plus: int, minus: int) -> str:
    out = f'<span style="color:{GREEN}">{"+" * plus}</span>' if plus else ""
    return out + (f'<span style="color:{RED}">{"-" * minus}</span>' if minus else "")


def _counts_html(additions: int, deletions: int) -> str:
    return f'<span style="color:{GREEN}">+{additions:,}</span> <span style="color:{RED}">{MINUS}{deletions:,}</span>'


def _status_mark(status: str) -> str:
    return _STATUS_MARKS.get(status, "?")


def _pr_label(url: str, repo: str) -> str:
    """``PR #12``, or ``owner/repo#12`` for a pull request on another repository."""
    head, _, number = url.rpartition("/pull/")
    if same_repository(head, repo):
        return f"PR #{number}"
    return f"{'/'.join(head.split('/')[-2:])}#{number}"


def _file_anchor(changes: Changes, change: FileChange) -> str | None:
    """The file's place on GitHub: its diff in the compare page, else the file itself."""
    if changes.compare_url:
        return f"{changes.compare_url}#diff-{hashlib.sha256(change.filename.encode()).hexdigest()}"
    return change.url


def headline(changes: Changes) -> str:
    """One line: how many commits went where, files and totals; or why there are none."""
    branch = _clean(changes.shown_branch, 100)
    if changes.error is not None:
        where = f" ({branch})" if changes.head_branch else ""
        return f"changes unavailable{where}: {_clean(changes.error, 600)}"
    if changes.pushed_nothing:
        return f"no changes pushed to {branch}"
    if not changes.commits and not changes.files:
        return f"no new commits on {branch}"
    commits = _plural(len(changes.commits), "commit") + (" or more" if len(changes.commits) >= MAX_COMMITS else "")
    files = _plural(len(changes.files), "file") + (" or more" if len(changes.files) >= MAX_FILES else "")
    words = [f"{commits} pushed to {branch}{_instead(changes)}", f"{files} changed"]
    words.append(_counts(changes.additions, changes.deletions))
    return " · ".join(words)


def _instead(changes: Changes) -> str:
    if changes.head_branch is None:
        return ""
    return f" (not {_clean(changes.branch, 100)})"


def _other_pushes(changes: Changes) -> list[tuple[str, str]]:
    """(branch, remote) of pushes git reported that no comparison shows."""
    shown = {changes.shown_branch, changes.branch, *(c.shown_branch for c in changes.elsewhere)}
    out: list[tuple[str, str]] = []
    for ref in changes.pushed:
        if ref.branch in shown and same_repository(ref.remote, changes.repo):
            continue
        out.append((ref.branch, ref.remote))
    return out[:10]


# ----- the transcript's summary -----
def changes_html(changes: Changes, budget: int = CHANGES_BUDGET) -> str:
    """The summary as HTML, within ``budget`` characters (fewer files and commits when needed)."""
    for limits in _STEPS:
        out = _summary_html(changes, limits)
        if len(out) <= budget:
            return out
    return escape(clip(headline(changes), max(0, budget // 6 - 20)))


def changes_text(changes: Changes, budget: int = CHANGES_BUDGET) -> str:
    """The summary as plain text (no escape sequences), within ``budget`` characters."""
    for limits in _STEPS:
        out = "\n".join(_summary_lines(changes, limits))
        if len(out) <= budget:
            return out
    return clip(headline(changes), max(0, budget - 40))


def _summary_html(changes: Changes, limits: _Limits) -> str:
    parts = [f'<div style="margin:6px 0 2px 0">{_block_html(changes, limits)}']
    for other in changes.elsewhere:
        nested = _Limits(min(limits.files, NESTED_SHOWN), min(limits.commits, NESTED_SHOWN), limits.links)
        parts.append(f'<div style="margin:4px 0 0 12px">also {_block_html(other, nested)}</div>')
    for branch, remote in _other_pushes(changes):
        where = f" of {escape(_clean(remote, 200))}" if remote else ""
        parts.append(f'<div style="color:{DIM}">git pushed <code>{escape(_clean(branch, 100))}</code>{where}</div>')
    if changes.pull_requests:
        prs = [_link(url, _pr_label(url, changes.repo), limits) for url in changes.pull_requests]
        parts.append(f"<div>pull request{'s' if len(prs) > 1 else ''}: {' · '.join(prs)}</div>")
    parts.append("</div>")
    return "".join(parts)


def _link(url: str | None, label: str, limits: _Limits) -> str:
    return link(url, label) if url and limits.links else escape(label)


def _block_html(changes: Changes, limits: _Limits) -> str:
    """Headline, commits and files of one comparison."""
    colour = RED if changes.error is not None else DIM if not changes.commits else "inherit"
    head = f'<span style="color:{colour}">{escape(headline(changes))}</span>'
    if changes.compare_url and not changes.error:
        head += " · " + _link(changes.compare_url, "compare on GitHub", limits)
    parts = [f"<div>{head}</div>"]
    commits = changes.commits[: limits.commits]
    if commits:
        lines = "".join(f"<div>{_commit_html(c, limits)}</div>" for c in commits)
        more = len(changes.commits) - len(commits)
        if more:
            lines += f'<div style="color:{DIM}">… and {_plural(more, "more commit")}</div>'
        parts.append(f'<div style="{_MONO};margin:2px 0">{lines}</div>')
    parts.append(_files_html(changes, limits))
    return "".join(parts)


def _commit_html(commit: Commit, limits: _Limits) -> str:
    sha = _link(commit.url, commit.short, limits)
    return f"<code>{sha}</code> {escape(_clean(commit.title, TITLE_CHARS))}"


def _files_html(changes: Changes, limits: _Limits) -> str:
    files = top_files(changes.files, limits.files)
    if not files:
        return ""
    scale = max(f.changes for f in files)
    rows = []
    for change in files:
        plus, minus = bar(change.additions, change.deletions, scale)
        name = escape(_clean(change.filename))
        rows.append(
            f'<tr><td style="color:{DIM};padding:0 6px 0 0">{_status_mark(change.status)}</td>'
            f'<td style="padding:0 10px 0 0"><code>{name}</code></td>'
            f'<td style="text-align:right;white-space:nowrap;padding:0 6px 0 0">{_counts_html(change.additions, change.deletions)}</td>'
            f'<td style="{_MONO};white-space:nowrap">{_bar_html(plus, minus)}</td></tr>'
        )
    more = len(changes.files) - len(files)
    tail = f'<div style="color:{DIM}">… and {_plural(more, "more file")}</div>' if more else ""
    return f'<table style="border-collapse:collapse;font-size:12px;margin:2px 0">{"".join(rows)}</table>{tail}'


def _summary_lines(changes: Changes, limits: _Limits) -> list[str]:
    lines = _block_lines(changes, limits, indent="")
    for other in changes.elsewhere:
        nested = _Limits(min(limits.files, NESTED_SHOWN), min(limits.commits, NESTED_SHOWN), limits.links)
        lines += _block_lines(other, nested, indent="  ", prefix="also ")
    for branch, remote in _other_pushes(changes):
        lines.append(f"git pushed {_clean(branch, 100)}" + (f" of {_clean(remote, 200)}" if remote else ""))
    for url in changes.pull_requests:
        lines.append(f"{_pr_label(url, changes.repo)}: {url}")
    return lines


def _block_lines(changes: Changes, limits: _Limits, *, indent: str, prefix: str = "") -> list[str]:
    lines = [f"{indent}{prefix}{headline(changes)}"]
    for commit in changes.commits[: limits.commits]:
        lines.append(f"{indent}  {commit.short} {_clean(commit.title, TITLE_CHARS)}")
    if len(changes.commits) > limits.commits and limits.commits:
        lines.append(f"{indent}  … and {_plural(len(changes.commits) - limits.commits, 'more commit')}")
    lines += _file_lines(changes.files, limits.files, indent)
    if changes.compare_url and not changes.error and limits.links:
        lines.append(f"{indent}  compare: {changes.compare_url}")
    return lines


def top_files(files: list[FileChange], limit: int) -> list[FileChange]:
    """The ``limit`` files with the most changed lines, in their own order."""
    if len(files) <= limit:
        return files
    ranked = sorted(range(len(files)), key=lambda i: -files[i].changes)[:limit]
    return [files[i] for i in sorted(ranked)]


def _file_lines(files: list[FileChange], limit: int, indent: str) -> list[str]:
    shown = top_files(files, limit)
    if not shown:
        return []
    scale = max(f.changes for f in shown)
    names = [_clean(f.filename, 80) for f in shown]
    width = max(map(len, names))
    counts = [_counts(f.additions, f.deletions) for f in shown]
    count_width = max(map(len, counts))
    lines = []
    for change, name, count in zip(shown, names, counts, strict=True):
        cells = _bar_text(*bar(change.additions, change.deletions, scale))
        lines.append(
            f"{indent}  {_status_mark(change.status)} {name:<{width}}  {count:>{count_width}}  {cells}".rstrip()
        )
    if len(files) > len(shown):
        lines.append(f"{indent}  … and {_plural(len(files) - len(shown), 'more file')}")
    return lines


# ----- the full diff -----
def _diff_blocks(changes: Changes) -> list[tuple[Changes, bool]]:
    """The branches whose files have a diff to show, each with whether it needs its branch as a
    title (it does when other branches were pushed too)."""
    titled = bool(changes.elsewhere)
    return [
        (block, titled)
        for block in [changes, *changes.elsewhere]
        if block.error is None and block.files
    ]


def diff_html(changes: Changes, budget: int = DIFF_BUDGET) -> str:
    """Every file's patch as a static, coloured view: one ``<details>`` per file; patches cut
    per file (and when ``budget`` runs out) with a link to the rest on GitHub."""
    opening = '<div style="font-size:13px">'
    out = opening + _diff(changes, budget, html=True, wrapper=len(opening)) + "</div>"
    return out if len(out) <= budget else changes_html(changes, budget)  # hostile URLs: the summary only


def diff_text(changes: Changes, budget: int = DIFF_TEXT_BUDGET) -> str:
    """Every file's patch as a unified diff (escape sequences removed), within ``budget``."""
    out = _diff(changes, budget, html=False)
    return out if len(out) <= budget else changes_text(changes, budget)


def _diff(changes: Changes, budget: int, *, html: bool, wrapper: int = 0) -> str:
    """The summary, then the files of each branch shown (titled when there are several);
    ``wrapper`` characters of ``budget`` are the caller's."""
    parts = [_diff_header(changes, budget // 4, html=html)]
    left = budget - wrapper - len(parts[0]) - 200
    for block, titled in _diff_blocks(changes):
        if titled:
            name = _clean(block.shown_branch, 100)
            parts.append(f'<h4 style="margin:8px 0 2px 0">{escape(name)}</h4>' if html else f"== {name} ==")
        shown, left = (_files_diff_html if html else _files_diff_text)(block, left)
        parts.append(shown)
    return ("" if html else "\n").join(parts)


def _diff_header(changes: Changes, budget: int, *, html: bool) -> str:
    """The summary above a diff: headlines and commits (the files follow in full)."""
    header = (
        _summary_html(changes, _Limits(0, COMMITS_SHOWN))
        if html
        else "\n".join(_summary_lines(changes, _Limits(0, COMMITS_SHOWN)))
    )
    if len(header) <= min(CHANGES_BUDGET, budget):
        return header
    render = changes_html if html else changes_text
    return render(changes, min(CHANGES_BUDGET, budget))


def _files_diff_html(changes: Changes, left: int) -> tuple[str, int]:
    """Each file of ``changes`` as ``<details>``, while ``left`` characters remain."""
    parts: list[str] = []
    scale = max((f.changes for f in changes.files), default=0)
    for index, change in enumerate(changes.files):
        # the file's summary and link, then the closing "… and N more files" link: all escaped
        overhead = 2_000 + 6 * (2 * len(changes.compare_url or change.url or "") + len(change.filename))
        if index >= DIFF_FILES or left < overhead + 1_000:
            parts.append(_rest_html(changes, len(changes.files) - index))
            break
        part = _file_diff_html(changes, change, min(FILE_CHARS, left - overhead), scale, opened=index < 20)
        parts.append(part)
        left -= len(part)
    return "".join(parts), left


def _rest_html(changes: Changes, count: int) -> str:
    where = f": {link(changes.compare_url, 'all of them on GitHub')}" if changes.compare_url else ""
    return f'<div style="color:{DIM};margin:4px 0">… and {_plural(count, "more file")}{where}</div>'


def _file_diff_html(changes: Changes, change: FileChange, budget: int, scale: int, *, opened: bool) -> str:
    plus, minus = bar(change.additions, change.deletions, scale)
    renamed = (
        f' <span style="color:{DIM}">(from {escape(_clean(change.previous_filename))})</span>'
        if change.previous_filename
        else ""
    )
    summary = (
        f'<summary style="{_MONO}">{_status_mark(change.status)} <b>{escape(_clean(change.filename))}</b>{renamed} '
        f"{_counts_html(change.additions, change.deletions)} {_bar_html(plus, minus)}</summary>"
    )
    body, cut = _patch_html(change.patch, budget) if change.patch else ("", False)
    anchor = _file_anchor(changes, change)
    notes = ""
    if change.patch is None:
        notes = _note_html("no patch: a binary file, or too large for GitHub's comparison", anchor, "see it on GitHub")
    elif cut or change.clipped:
        notes = _note_html("the diff of this file is cut here", anchor, "the rest on GitHub")
    small = body.count("\n") <= 300
    opening = " open" if opened and small else ""
    content = pre(body, "padding:2px 0") if body else ""
    return f'<details{opening} style="margin:2px 0">{summary}{content}{notes}</details>'


def _note_html(text: str, url: str | None, label: str) -> str:
    target = f" — {link(url, label)}" if url and web_url(url) else ""
    return f'<div style="color:{DIM};font-size:12px;margin:2px 0 4px 0">{escape(text)}{target}</div>'


def _patch_html(patch: str, budget: int) -> tuple[str, bool]:
    """The patch's lines, coloured, escaped, until ``budget`` characters; and whether it was cut."""
    return _render_lines(patch, budget, _line_html)


def _line_html(line: str) -> str:
    body = escape(clip(line, LINE_CHARS))
    if line.startswith("@@") or line.startswith("\\"):
        return f'<span style="color:{DIM}">{body}</span>\n'
    style = _LINE_STYLES.get(line[:1])
    return f'<span style="display:block;{style}">{body}\n</span>' if style else body + "\n"


def _render_lines(patch: str, budget: int, render: Callable[[str], str]) -> tuple[str, bool]:
    out: list[str] = []
    used = 0
    for line in strip_escapes(patch).split("\n"):
        piece = render(line)
        used += len(piece)
        if used > budget:
            return "".join(out), True
        out.append(piece)
    return "".join(out), False


def _files_diff_text(changes: Changes, left: int) -> tuple[str, int]:
    lines: list[str] = []
    for index, change in enumerate(changes.files):
        overhead = 1_000 + 2 * len(changes.compare_url or change.url or "") + 3 * len(change.filename)
        if index >= DIFF_FILES or left < overhead + 1_000:
            where = f": {changes.compare_url}" if changes.compare_url else ""
            lines.append(f"… and {_plural(len(changes.files) - index, 'more file')}{where}")
            break
        text = _file_diff_text(changes, change, min(FILE_CHARS, left - overhead))
        lines.append(text)
        left -= len(text) + 1
    return "\n".join(lines), left


def _file_diff_text(changes: Changes, change: FileChange, budget: int) -> str:
    name = _clean(change.filename, 500)
    old = _clean(change.previous_filename, 500) if change.previous_filename else name
    head = [
        f"diff --git a/{old} b/{name}",
        "--- /dev/null" if change.status == "added" else f"--- a/{old}",
        "+++ /dev/null" if change.status == "removed" else f"+++ b/{name}",
    ]
    anchor = _file_anchor(changes, change) or ""
    if change.patch is None:
        return "\n".join([*head, f"(no patch: a binary file, or too large for GitHub's comparison) {anchor}".rstrip()])
    body, cut = _render_lines(change.patch, budget, lambda line: clip(line, LINE_CHARS) + "\n")
    text = "\n".join(head) + "\n" + body.rstrip("\n")
    if cut or change.clipped:
        text += f"\n… (the diff of this file is cut here; the rest on GitHub: {anchor})" if anchor else "\n… (cut here)"
    return text
