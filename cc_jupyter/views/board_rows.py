"""One row per target of a group of runs: what the live board, its transcript and its text form show.

A :class:`BoardRow` is plain, bounded, clean text made from one Run: its repository@branch, its
status ("queued" while it waits for a slot), elapsed time, the last line it printed (escapes
removed, masked, clipped), and once it ended its changes and error. Rendering a row as HTML
escapes every field; the only link kept is an http(s) URL of bounded length. No widgets here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..run.changes import Changes, web_url
from ..run.state import Run, status_word
from ..run.task import TaskState
from ..text import one_line, shorten, strip_escapes
from .html import escape
from .lines import line_text
from .links import link
from .stdout_lines import display_lines
from .style import STATUS_COLOURS, format_duration, mark, repo_label

LAST_LINE_CHARS = 120  # the last line of output, as shown in a row
ERROR_CHARS = 200  # a run's error sentence in a row (the full one: run.error, the transcript)
REASON_CHARS = 300  # why changes could not be read (a tooltip)
LINK_CHARS = 500  # longer links are left out of the row (the transcript has them)
LABEL_CHARS = 130  # repo@branch (each part is already shortened)
TASK_CHARS = 24  # a task's name before its last line, for runs with several tasks
WINDOW = 64_000  # characters of the end of a task's output read to find its last line
LINES_LOOKED_AT = 50  # non-blank lines tried (records that show nothing are skipped)
STATUS_ORDER = ("running", "pending", "completed", "failed", "disconnected", "cancelled")
GREEN, RED, DIM = "#1a7f37", "#cf222e", "#6e7781"
MINUS = "\u2212"


@dataclass(frozen=True)
class BoardRow:
    """What one row shows, as clean bounded text (no escapes, no markup)."""

    index: int  #: the target's place in the group (0-based)
    label: str  #: ``owner/repo@branch``, shortened
    status: str  #: the run's status as said on the board (``queued`` for a pending run)
    elapsed: str  #: ``12.3 s``, ``4 min 05 s``; ``–`` while queued
    last_line: str  #: the last line of output (``[task] line`` for runs with several tasks)
    changes: str  #: ``3 commits +10 −2``, ``no new commits``, ``changes unavailable``, or ""
    link: str  #: the pull request or comparison (an http(s) URL), or ""
    link_label: str  #: ``PR #12``, ``compare`` (or "")
    error: str  #: the run's error sentence, clipped (or "")
    stopped: bool = False  #: the error is a stop by the user, not a failure
    reason: str = ""  #: why the changes could not be read, when they could not
    commits: int = 0
    additions: int = 0
    deletions: int = 0

    @property
    def mark(self) -> str:
        return mark("pending" if self.status == "queued" else self.status)


# ----- the last line -----
class LastLine:
    """The last line a run printed, found again only in the task whose output grew (bounded work)."""

    def __init__(self) -> None:
        self._lengths: dict[str, int] = {}
        self.text = ""

    def update(self, run: Run) -> str:
        tasks = list(run.tasks.values())
        newest: TaskState | None = None
        for task in tasks:
            length = task.output.length
            if self._lengths.get(task.name, 0) != length:
                self._lengths[task.name] = length
                newest = task
        if newest is not None:
            line = task_last_line(newest, run.masker.text)
            if line:
                prefix = f"[{shorten(' '.join(strip_escapes(newest.name).split()), TASK_CHARS)}] " if len(tasks) > 1 else ""
                self.text = _fit(prefix + line)
        return self.text


def task_last_line(task: TaskState, mask: Callable[[str], str] | None = None) -> str:
    """The last non-blank display line of ``task``'s committed output, clean and clipped.

    Reads at most :data:`WINDOW` characters and looks at most at :data:`LINES_LOOKED_AT` lines,
    whatever the size of the output."""
    masker = mask or (lambda text: text)
    output = task.output
    length = output.length
    text = output.read(max(0, length - WINDOW), length)
    pieces = text.split("\n")
    cut = length > WINDOW
    looked = 0
    for index in range(len(pieces) - 1, -1, -1):
        piece = pieces[index]
        if not piece.strip():
            continue
        looked += 1
        if looked > LINES_LOOKED_AT:
            break
        if index == 0 and cut:  # the end of a line longer than the window: its last words
            tail = " ".join(strip_escapes(piece[-4 * LAST_LINE_CHARS :]).split())
            return "… " + tail[-(LAST_LINE_CHARS - 2) :]
        for display in reversed(display_lines(piece, masker)):
            shown = _fit(line_text(display, 4 * LAST_LINE_CHARS))
            if shown:
                return shown
    return ""


def _fit(text: str) -> str:
    """``text`` on one line, at most :data:`LAST_LINE_CHARS` characters (an ellipsis where cut)."""
    return shorten(" ".join(text.split()), LAST_LINE_CHARS)


def last_line(run: Run) -> str:
    """The last line ``run`` printed (any task), as a row shows it."""
    return LastLine().update(run)


# ----- a row -----
def elapsed_text(run: Run, now: float) -> str:
    """How long the run took, or has been going (whole seconds while it runs); ``–`` while queued."""
    if run.status == "pending":
        return "–"
    if run.done:
        return format_duration((run.ended_at or now) - run.started_at)
    return format_duration(now - run.started_at, precise=False)


def board_row(run: Run, index: int, *, now: float, last: str | None = None) -> BoardRow:
    """The row of ``run``; ``last`` is its last line when the caller tracks it (else it is read)."""
    changes = run.changes if run.done else None
    summary, reason, target, target_label = _changes_parts(changes)
    readable = changes if changes is not None and changes.error is None else None
    error, stopped = "", False
    if run.error is not None:
        error = one_line(strip_escapes(run.error.message), ERROR_CHARS)
        stopped = run.error.kind == "cancelled"
    return BoardRow(
        index=index,
        label=one_line(repo_label(run.info.repo, run.info.branch), LABEL_CHARS),
        status=status_word(run.status),
        elapsed=elapsed_text(run, now),
        last_line=last_line(run) if last is None else last,
        changes=summary,
        link=target,
        link_label=target_label,
        error=error,
        stopped=stopped,
        reason=reason,
        commits=len(readable.commits) if readable is not None else 0,
        additions=readable.additions if readable is not None else 0,
        deletions=readable.deletions if readable is not None else 0,
    )


def _changes_parts(changes: Changes | None) -> tuple[str, str, str, str]:
    """(summary, reason it is unavailable, link, link label) of a run's changes."""
    if changes is None:
        return "", "", "", ""
    if changes.error is not None:
        return "changes unavailable", one_line(strip_escapes(changes.error), REASON_CHARS), "", ""
    target, label = "", ""
    for url in changes.pull_requests:
        if _safe_link(url):
            target, label = url, "PR #" + url.rstrip("/").rpartition("/")[2][:12]
            break
    if not target and changes.compare_url and _safe_link(changes.compare_url):
        target, label = changes.compare_url, "compare"
    if not changes.commits:
        return "no new commits", "", target, label
    count = len(changes.commits)
    summary = f"{count:,} commit{'' if count == 1 else 's'} +{changes.additions:,} {MINUS}{changes.deletions:,}"
    return summary, "", target, label


def _safe_link(url: str) -> bool:
    return len(url) <= LINK_CHARS and web_url(url) == url


# ----- the header -----
def counts(runs: Sequence[Run]) -> dict[str, int]:
    """How many runs are in each status, in board order (``pending`` for queued runs)."""
    found: dict[str, int] = {}
    for run in runs:
        found[run.status] = found.get(run.status, 0) + 1
    ordered = {status: found.pop(status) for status in STATUS_ORDER if status in found}
    ordered.update(found)
    return ordered


def total_elapsed(runs: Sequence[Run], now: float) -> float:
    """From the first run's start to the last one's end (or now, while any goes on)."""
    if not runs:
        return 0.0
    start = min(run.started_at for run in runs)
    if all(run.done for run in runs):
        return max((run.ended_at or now) for run in runs) - start
    return now - start


def board_header_text(runs: Sequence[Run], now: float, source: str = "") -> str:
    """``12 targets · 3 running · 4 queued · 5 completed · 2 min 05 s`` (and the source)."""
    n = len(runs)
    parts = [f"{n:,} target{'' if n == 1 else 's'}"]
    parts += [f"{count:,} {status_word(status)}" for status, count in counts(runs).items()]
    parts.append(format_duration(total_elapsed(runs, now), precise=all(run.done for run in runs)))
    if source:
        parts.append(one_line(strip_escapes(source), 80))
    return " · ".join(parts)


def board_header_html(runs: Sequence[Run], now: float, source: str = "") -> str:
    n = len(runs)
    parts = [f"<b>{n:,} target{'' if n == 1 else 's'}</b>"]
    for status, count in counts(runs).items():
        colour = STATUS_COLOURS.get(status, DIM)
        parts.append(f'<span style="color:{colour}">{mark(status)} {count:,} {escape(status_word(status))}</span>')
    parts.append(escape(format_duration(total_elapsed(runs, now), precise=all(run.done for run in runs))))
    if source:
        parts.append(f'<span style="color:#9a6700">{escape(one_line(strip_escapes(source), 80))}</span>')
    return '<div class="cc-board-summary" style="font-size:13px">' + " · ".join(parts) + "</div>"


# ----- HTML -----
TABLE_OPEN = (
    '<table class="cc-board-rows" cellpadding="2" style="border-collapse:collapse;font-size:12px">'
    '<tr style="color:#6e7781;text-align:left"><th>#</th><th style="text-align:left">status</th>'
    '<th style="text-align:left">repository</th><th>elapsed</th><th style="text-align:left">last line</th>'
    '<th style="text-align:left">changes</th></tr>'
)
TABLE_CLOSE = "</table>"
_LEFT = "text-align:left"


def row_html(row: BoardRow, *, selected: bool = False) -> str:
    """One ``<tr>``: every field escaped; at most one link (http(s), noopener). Left-aligned text
    says so in a style: JupyterLab's stylesheet right-aligns the cells of HTML outputs."""
    status = "pending" if row.status == "queued" else row.status
    colour = STATUS_COLOURS.get(status, DIM)
    classes = "cc-board-row cc-board-row-selected" if selected else "cc-board-row"
    shade = ' style="background-color:rgba(9,105,218,0.12)"' if selected else ""
    if row.error:
        tone = DIM if row.stopped else RED
        last = f'<span style="color:{tone}">{"■" if row.stopped else "✖"} {escape(row.error)}</span>'
    else:
        last = f"<code>{escape(row.last_line)}</code>" if row.last_line else ""
    return (
        f'<tr class="{classes}" data-index="{row.index}" data-status="{escape(row.status)}" valign="top"{shade}>'
        f'<td align="right">{row.index + 1}</td>'
        f'<td nowrap style="color:{colour};{_LEFT}">{row.mark} {escape(row.status)}</td>'
        f'<td nowrap style="{_LEFT}"><b>{escape(row.label)}</b></td>'
        f'<td nowrap align="right">{escape(row.elapsed)}</td>'
        f'<td style="word-break:break-word;{_LEFT}">{last}</td>'
        f'<td nowrap style="{_LEFT}">{changes_html(row)}</td></tr>'
    )


def changes_html(row: BoardRow) -> str:
    if not row.changes:
        return ""
    if row.reason:
        return f'<span style="color:{RED}" title="{escape(row.reason)}">{escape(row.changes)}</span>'
    if row.commits:
        body = (
            f"{row.commits:,} commit{'' if row.commits == 1 else 's'} <span style=\"color:{GREEN}\">+{row.additions:,}</span> "
            f'<span style="color:{RED}">{MINUS}{row.deletions:,}</span>'
        )
    else:
        body = f'<span style="color:{DIM}">{escape(row.changes)}</span>'
    if row.link:
        body += " · " + link(row.link, row.link_label)
    return body


def rows_html(rows: Sequence[BoardRow], budget: int, *, selected: int | None = None, max_rows: int = 200) -> tuple[str, int]:
    """The table of ``rows`` in at most about ``budget`` characters (and :data:`max_rows` rows);
    the rest are counted in one line. Returns the HTML and how many rows it shows."""
    parts = [TABLE_OPEN]
    used = len(TABLE_OPEN) + len(TABLE_CLOSE) + 200  # the closing note
    shown = 0
    for row in rows[:max_rows]:
        part = row_html(row, selected=row.index == selected)
        if used + len(part) > budget and shown:
            break
        parts.append(part)
        used += len(part)
        shown += 1
    parts.append(TABLE_CLOSE)
    if shown < len(rows):
        more = len(rows) - shown
        parts.append(
            f'<div class="cc-board-more" style="color:{DIM};font-size:12px">… {more:,} more target'
            f"{'' if more == 1 else 's'} not shown here (every target: the runs' rows in Python)</div>"
        )
    return "".join(parts), shown


# ----- text -----
def row_columns(row: BoardRow) -> tuple[str, str, str, str, str]:
    """The text columns of a row: status, target, elapsed, changes, then the link, error or last line."""
    if row.error:
        last = ("stopped: " if row.stopped else "error: ") + row.error
    elif row.link:
        last = row.link
    elif row.reason:
        last = row.reason
    else:
        last = row.last_line
    return f"{row.mark} {row.status}", row.label, row.elapsed, row.changes, last
