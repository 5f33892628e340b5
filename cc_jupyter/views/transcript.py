"""The static transcript of a run: HTML + text that read well with no kernel and no widgets.

Inline styles and semantic tags only (GitHub strips ``<style>`` and most CSS, so every status
also reads by its mark and word); no JavaScript. Bounded whatever the server sent: at most
:data:`MAX_TASKS_SHOWN` tasks in detail (the rest counted), budgets for output, closing words
and the conversation — well under a megabyte per mime type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from ..run.state import Run
from ..run.task import TaskState
from ..text import clip, strip_escapes
from .agent_lines import AgentFeed
from .changes import changes_html, changes_text
from .header import header_html, status_line
from .html import escape, fit_html, pre
from .lines import line_text, lines_html
from .links import link, linkify, work_links
from .stdout_lines import task_tail
from .style import format_duration, mark

TAIL_LINES = 40
MAX_TASKS_SHOWN = 24
OUTPUT_BUDGET = 32_000  # characters of output tails in HTML, shared by the tasks shown
TEXT_BUDGET = 24_000  # the same for text/plain
SUMMARY_BUDGET = 12_000  # characters of closing words (HTML or text), shared by the tasks shown
AGENT_BUDGET = 12_000
ERROR_CHARS = 1000
TASK_NAME_CHARS = 80
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.45"


class Transcript:
    """What happened in ``run``, for the notebook: ``text/html`` and ``text/plain``."""

    def __init__(self, run: Run, *, source: str = "", tail_lines: int = TAIL_LINES) -> None:
        self.run = run
        self.source = source
        self.tail_lines = tail_lines
        self._bundle: tuple[int, dict[str, str]] | None = None

    def _repr_mimebundle_(
        self, include: Collection[str] | None = None, exclude: Collection[str] | None = None
    ) -> dict[str, str]:
        if self._bundle is None or self._bundle[0] != self.run.version:
            self._bundle = (self.run.version, {"text/html": self.html(), "text/plain": self.text()})
        return dict(self._bundle[1])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Transcript of {self.run!r}>"

    def text(self) -> str:
        """Status, thread, per task its last lines (escapes removed) and summary, the error."""
        return final_summary(self.run, source=self.source, tail_lines=self.tail_lines)

    def html(self) -> str:
        run = self.run
        shown, rest = shown_tasks(run)
        share = max(1, len(shown))
        parts = [f'<div style="{_FONT}">', '<div style="margin-bottom:4px">', header_html(run, self.source), "</div>"]
        parts += [error_html(run), changes_section_html(run), links_html(run)]
        for task in shown:
            parts.append(self._task_html(task, max(3000, OUTPUT_BUDGET // share), max(1500, SUMMARY_BUDGET // share)))
        if rest:
            parts.append(f'<div style="margin-top:8px;color:#6e7781">{escape(more_tasks_text(rest))}</div>')
        if run.messages or run.other_events:
            agent = AgentFeed(run, max_messages=40).html(budget=AGENT_BUDGET)
            parts.append(
                f"<details><summary>Agent conversation ({len(run.messages):,} messages)</summary>"
                f'<div style="padding:2px 0 2px 8px;border-left:2px solid #d0d7de">{agent}</div></details>'
            )
        parts.append("</div>")
        return "".join(parts)

    def _task_html(self, task: TaskState, budget: int, summary_chars: int) -> str:
        total = task.output.line_count
        facts = [f"{mark(task.status)} {escape(task.status)}", f"{total:,} lines"]
        if task.duration is not None:
            facts.append(format_duration(task.duration))
        name = escape(clip(strip_escapes(task.name), TASK_NAME_CHARS))
        out = [f'<div style="margin-top:8px"><b>{name}</b> · ' + " · ".join(facts) + "</div>"]
        if task.summary:
            out.append(summary_html(task.summary, summary_chars, finished=task.status == "completed"))
        tail = task_tail(task, self.tail_lines, self.run.masker.text)
        if tail:
            body, count = lines_html(reversed(tail), budget, limit=500)
            label = f"last {count:,} of {total:,} output lines" if total > count else f"output ({total:,} lines)"
            opened = " open" if len(self.run.tasks) == 1 or task.status != "completed" else ""
            out.append(f"<details{opened}><summary>{label}</summary>{pre(body)}</details>")
        return "".join(out)


def shown_tasks(run: Run) -> tuple[list[TaskState], list[TaskState]]:
    """The tasks shown in detail (unfinished and failed ones first when there are too many),
    and the rest."""
    tasks = list(run.tasks.values())
    if len(tasks) <= MAX_TASKS_SHOWN:
        return tasks, []
    ranked = sorted(tasks, key=lambda t: t.status == "completed")  # stable: keeps the order within
    shown = set(map(id, ranked[:MAX_TASKS_SHOWN]))
    return [t for t in tasks if id(t) in shown], [t for t in tasks if id(t) not in shown]


def more_tasks_text(rest: list[TaskState]) -> str:
    counts = Counter(task.status for task in rest)
    by_status = ", ".join(f"{n:,} {status}" for status, n in counts.most_common())
    names = ", ".join(clip(strip_escapes(t.name), 40) for t in rest[:20]) + (", …" if len(rest) > 20 else "")
    return f"… and {len(rest):,} more tasks ({by_status}): {names} — all of them in run.tasks"


def error_html(run: Run) -> str:
    """The error sentence (escaped), or nothing. A stop by the user is not shown as an error."""
    if run.error is None:
        return ""
    message = escape(clip(strip_escapes(run.error.message), ERROR_CHARS))
    if run.error.kind == "cancelled":
        return f'<div style="color:#6e7781;margin:4px 0"><b>■</b> {message}</div>'
    return f'<div style="color:#cf222e;margin:4px 0"><b>✖</b> {message}</div>'


def error_text(run: Run) -> str:
    if run.error is None:
        return ""
    label = "stopped" if run.error.kind == "cancelled" else "error"
    return f"{label}: {clip(strip_escapes(run.error.message), ERROR_CHARS)}"


def links_html(run: Run) -> str:
    """The commit / pull request links the agent reported, or nothing."""
    links = _links(run)
    return "<div>" + " · ".join(link(url, label) for label, url in links) + "</div>" if links else ""


def changes_section_html(run: Run) -> str:
    """What the run pushed (commits, files, totals, compare link), once it was read."""
    if run.changes is None:
        return ""
    return f'<div style="margin:4px 0">{changes_html(run.changes)}</div>'


def summary_html(summary: str, budget: int, *, finished: bool = True) -> str:
    """The agent's closing words, escaped, links kept, in at most about ``budget`` characters.

    For a task that did not finish they are only its last words, and labelled so."""
    body = fit_html(strip_escapes(summary), linkify, budget, "… (the rest: run.summary)")
    if not finished:
        body = f'<i style="color:#6e7781">last agent message before the task stopped:</i>\n{body}'
    return f'<div style="white-space:pre-wrap;margin:4px 0;padding:4px 8px;border-left:3px solid #8250df">{body}</div>'


def _links(run: Run) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for task in shown_tasks(run)[0]:
        for label, url in work_links(task.summary):
            found.setdefault(url, label)
    return [(label, url) for url, label in list(found.items())[:20]]


def final_summary(run: Run, *, source: str = "", tail_lines: int = 0) -> str:
    """The plain-text end of a run: status line, per task its status (and last lines) and
    summary, commit/PR links, the error sentence. ``tail_lines=0`` leaves the output out."""
    shown, rest = shown_tasks(run)
    share = max(1, len(shown))
    out = [status_line(run, source)]
    if run.changes is not None:
        out.append(changes_text(run.changes))
    for task in shown:
        facts = [f"{mark(task.status)} {task.status}"]
        if task.duration is not None:
            facts.append(format_duration(task.duration))
        out.append(f"── {clip(strip_escapes(task.name), TASK_NAME_CHARS)}: " + " · ".join(facts))
        if tail_lines:
            out.extend(_tail_text(run, task, tail_lines, max(2000, TEXT_BUDGET // share)))
        if task.summary:
            summary = clip(strip_escapes(task.summary), max(1500, SUMMARY_BUDGET // share))
            label = "summary" if task.status == "completed" else "last agent message (unfinished)"
            out.append(f"   {label}: " + summary.replace("\n", "\n   "))
    if rest:
        out.append(more_tasks_text(rest))
    for label, url in _links(run):
        out.append(f"{label}: {url}")
    if run.error is not None:
        out.append(error_text(run))
    return "\n".join(out)


def _tail_text(run: Run, task: TaskState, n: int, budget: int) -> list[str]:
    tail = task_tail(task, n, run.masker.text)
    lines: list[str] = []
    used = 0
    for line in reversed(tail):
        text = "   " + line_text(line, 500)
        used += len(text) + 1
        if used > budget and lines:
            break
        lines.append(text)
    lines.reverse()
    total = task.output.line_count
    if total > len(lines):
        name = clip(strip_escapes(task.name), 60)
        lines.insert(0, f"   … last {len(lines)} of {total:,} lines (full output: run.tasks[{name!r}].stdout)")
    return lines
