"""The static transcript of a run: HTML + text that read well with no kernel and no widgets.

Inline styles and semantic tags only (GitHub strips ``<style>`` and most CSS, so every status
also reads by its mark and word); no JavaScript; bounded size whatever the output length.
"""

from __future__ import annotations

from typing import Any, Callable

from ..run.state import Run, TaskState
from .agent_lines import AgentFeed
from .lines import DisplayLine, escape, fit_html, line_text, lines_html, pre
from .links import link, linkify, work_links
from .stdout_lines import line_count, task_tail
from .style import badge, chip, format_duration, mark, repo_html, repo_label

TAIL_LINES = 40
OUTPUT_BUDGET = 32_000  # characters of output tails in HTML, shared by the tasks
TEXT_BUDGET = 24_000  # the same for text/plain
SUMMARY_BUDGET = 12_000  # characters of closing words (HTML or text), shared by the tasks
AGENT_BUDGET = 12_000
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.45"

Count = Callable[[TaskState], int]


class Transcript:
    """What happened in ``run``, for the notebook: ``text/html`` and ``text/plain``."""

    def __init__(self, run: Run, *, simulated: bool = False, tail_lines: int = TAIL_LINES) -> None:
        self.run = run
        self.simulated = simulated
        self.tail_lines = tail_lines
        self._bundle: tuple[int, dict[str, str]] | None = None
        self._counts: dict[str, tuple[int, int]] = {}  # task -> (chunks seen, lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if self._bundle is None or self._bundle[0] != self.run.version:
            self._bundle = (self.run.version, {"text/html": self.html(), "text/plain": self.text()})
        return dict(self._bundle[1])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Transcript of {self.run!r}>"

    def text(self) -> str:
        """Status, thread, per task its last lines (ANSI stripped) and summary, the error."""
        return final_summary(self.run, simulated=self.simulated, tail_lines=self.tail_lines, count=self._count)

    def html(self) -> str:
        run = self.run
        tasks = list(run.tasks.values())
        share = max(1, len(tasks))
        parts = [f'<div style="{_FONT}">', _header_html(run, self.simulated), error_html(run), links_html(run)]
        for task in tasks:
            parts.append(self._task_html(task, max(3000, OUTPUT_BUDGET // share), max(1500, SUMMARY_BUDGET // share)))
        if run.messages:
            agent = AgentFeed(run, max_messages=40).html(budget=AGENT_BUDGET)
            parts.append(
                f"<details><summary>Agent conversation ({len(run.messages):,} messages)</summary>"
                f'<div style="padding:2px 0 2px 8px;border-left:2px solid #d0d7de">{agent}</div></details>'
            )
        parts.append("</div>")
        return "".join(parts)

    def _task_html(self, task: TaskState, budget: int, summary_chars: int) -> str:
        total = self._count(task)
        facts = [f"{mark(task.status)} {escape(task.status)}", f"{total:,} lines"]
        if task.duration is not None:
            facts.append(format_duration(task.duration))
        out = [f'<div style="margin-top:8px"><b>{escape(task.name)}</b> · ' + " · ".join(facts) + "</div>"]
        if task.summary:
            out.append(summary_html(task.summary, summary_chars, finished=task.status == "completed"))
        tail = task_tail(task, self.tail_lines, self.run.masker.text)
        if tail:
            body, shown = lines_html(reversed(tail), budget, limit=500)
            label = f"last {shown:,} of {total:,} output lines" if total > shown else f"output ({total:,} lines)"
            opened = " open" if len(self.run.tasks) == 1 or task.status != "completed" else ""
            out.append(f"<details{opened}><summary>{label}</summary>{pre(body)}</details>")
        return "".join(out)

    def _count(self, task: TaskState) -> int:
        seen = len(task.chunks)
        cached = self._counts.get(task.name)
        if cached is None or cached[0] != seen:  # counting is O(output): once per render
            cached = self._counts[task.name] = (seen, line_count(task))
        return cached[1]


def header_parts(run: Run, simulated: bool, *, live: bool = False) -> list[str]:
    """Status chip, repo@branch, thread, model, time and the simulator badge, as HTML pieces.

    ``live``: the clock shows whole seconds while the run goes on, and a missing thread id
    may still come."""
    no_thread = "no thread id yet" if live else "no thread id"
    parts = [
        chip(run.status),
        repo_html(run.info.repo, run.info.branch),
        f"thread <code>{escape(run.thread_id)}</code>" if run.thread_id else no_thread,
        f"model {escape(run.info.model)}",
        format_duration(run.duration, precise=run.done or not live),
    ]
    if simulated:
        parts.append(badge("simulator"))
    return parts


def _header_html(run: Run, simulated: bool) -> str:
    return '<div style="margin-bottom:4px">' + " · ".join(header_parts(run, simulated)) + "</div>"


def error_html(run: Run) -> str:
    """The error sentence (escaped), or nothing."""
    if run.error is None:
        return ""
    return f'<div style="color:#cf222e;margin:4px 0"><b>✖</b> {escape(run.error.message)}</div>'


def links_html(run: Run) -> str:
    """The commit / pull request links the agent reported, or nothing."""
    links = _links(run)
    return "<div>" + " · ".join(link(url, label) for label, url in links) + "</div>" if links else ""


def outcome_html(run: Run) -> str:
    """The error sentence, commit/PR links and the agent's closing words (per task if parallel)."""
    parts = [error_html(run), links_html(run)]
    tasks = list(run.tasks.values())
    for task in tasks:
        if len(tasks) > 1:
            parts.append(f'<div style="margin-top:4px"><b>{escape(task.name)}</b> {mark(task.status)} {escape(task.status)}</div>')
        if task.summary:
            budget = max(1500, SUMMARY_BUDGET // len(tasks))
            parts.append(summary_html(task.summary, budget, finished=task.status == "completed"))
    return "".join(parts)


def summary_html(summary: str, budget: int, *, finished: bool = True) -> str:
    """The agent's closing words, escaped, links kept, in at most about ``budget`` characters.

    For a task that did not finish they are only its last words, and labelled so."""
    body = fit_html(summary, linkify, budget, "… (the rest: run.summary)")
    if not finished:
        body = f'<i style="color:#6e7781">last agent message before the task stopped:</i>\n{body}'
    return f'<div style="white-space:pre-wrap;margin:4px 0;padding:4px 8px;border-left:3px solid #8250df">{body}</div>'



def _clip(summary: str, limit: int) -> str:
    return summary if len(summary) <= limit else summary[:limit] + "… (the rest: run.summary)"


def _links(run: Run) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for task in list(run.tasks.values()):
        for label, url in work_links(task.summary):
            found.setdefault(url, label)
    return [(label, url) for url, label in found.items()]


def status_line(run: Run, simulated: bool = False) -> str:
    parts = [
        f"cloudcode {mark(run.status)} {run.status}",
        repo_label(run.info.repo, run.info.branch),
        f"thread {run.thread_id}" if run.thread_id else "no thread id",
        run.info.model,
        format_duration(run.duration),
    ]
    if simulated:
        parts.append("simulator")
    return " · ".join(parts)


def final_summary(run: Run, *, simulated: bool = False, tail_lines: int = 0, count: Count = line_count) -> str:
    """The plain-text end of a run: status line, per task its status (and last lines) and
    summary, commit/PR links, the error sentence. ``tail_lines=0`` leaves the output out."""
    tasks = list(run.tasks.values())
    share = max(1, len(tasks))
    out = [status_line(run, simulated)]
    for task in tasks:
        facts = [f"{mark(task.status)} {task.status}"]
        if task.duration is not None:
            facts.append(format_duration(task.duration))
        out.append(f"── {task.name}: " + " · ".join(facts))
        if tail_lines:
            out.extend(_tail_text(run, task, tail_lines, max(2000, TEXT_BUDGET // share), count))
        if task.summary:
            summary = _clip(task.summary, max(1500, SUMMARY_BUDGET // share))
            label = "summary" if task.status == "completed" else "last agent message (unfinished)"
            out.append(f"   {label}: " + summary.replace("\n", "\n   "))
    for label, url in _links(run):
        out.append(f"{label}: {url}")
    if run.error is not None:
        out.append(f"error: {run.error.message}")
    return "\n".join(out)


def _tail_text(run: Run, task: TaskState, n: int, budget: int, count: Count) -> list[str]:
    tail: list[DisplayLine] = task_tail(task, n, run.masker.text)
    lines: list[str] = []
    used = 0
    for line in reversed(tail):
        text = "   " + line_text(line)[:500]
        used += len(text) + 1
        if used > budget and lines:
            break
        lines.append(text)
    lines.reverse()
    total = count(task)
    if total > len(lines):
        lines.insert(0, f"   … last {len(lines)} of {total:,} lines (full output: run.tasks[{task.name!r}].stdout)")
    return lines
