"""The static transcript of a run: HTML + text that read well with no kernel and no widgets.

Inline styles and semantic tags only (GitHub strips ``<style>`` and most CSS, so every status
also reads by its mark and word); no JavaScript; bounded size whatever the output length.
"""

from __future__ import annotations

from typing import Any, Callable

from ..run.state import Run, TaskState
from .agent_lines import AgentFeed
from .lines import escape, line_text, lines_html, pre
from .links import link, linkify, work_links
from .stdout_lines import line_count, task_tail
from .style import badge, chip, format_duration, mark, repo_html, repo_label

TAIL_LINES = 40
HTML_BUDGET = 48_000  # characters of output tails, shared by the tasks
SUMMARY_CHARS = 4000
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.45"


class Transcript:
    """What happened in ``run``, for the notebook: ``text/html`` and ``text/plain``."""

    def __init__(self, run: Run, *, simulated: bool = False, tail_lines: int = TAIL_LINES) -> None:
        self.run = run
        self.simulated = simulated
        self.tail_lines = tail_lines
        self._cache: tuple[int, dict[str, str]] | None = None
        self._counts: dict[str, tuple[int, int]] = {}  # task -> (chunks seen, lines): counted once

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if self._cache is None or self._cache[0] != self.run.version:
            self._cache = (self.run.version, {"text/html": self.html(), "text/plain": self.text()})
        return dict(self._cache[1])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Transcript of {self.run!r}>"

    # ----- text -----
    def text(self) -> str:
        """Status, thread, per task its last lines (ANSI stripped) and summary, the error."""
        return final_summary(self.run, simulated=self.simulated, tail_lines=self.tail_lines, count=self._count)

    def _count(self, task: TaskState) -> int:
        seen = len(task.chunks)
        cached = self._counts.get(task.name)
        if cached is None or cached[0] != seen:
            cached = self._counts[task.name] = (seen, line_count(task))
        return cached[1]

    # ----- HTML -----
    def html(self) -> str:
        run = self.run
        tasks = list(run.tasks.values())
        parts = [f'<div style="{_FONT}">', _header_html(run, self.simulated)]
        parts.append(error_html(run) + links_html(run))
        budget = max(4000, HTML_BUDGET // max(1, len(tasks)))
        for task in tasks:
            parts.append(self._task_html(task, budget, open_=len(tasks) == 1 or task.status != "completed"))
        if run.messages:
            agent = AgentFeed(run, max_messages=40).html(budget=16_000)
            parts.append(
                f"<details><summary>Agent conversation ({len(run.messages):,} messages)</summary>"
                f'<div style="padding:2px 0 2px 8px;border-left:2px solid #d0d7de">{agent}</div></details>'
            )
        parts.append("</div>")
        return "".join(parts)

    def _task_html(self, task: TaskState, budget: int, *, open_: bool) -> str:
        total = self._count(task)
        facts = [f"{mark(task.status)} {escape(task.status)}", f"{total:,} lines"]
        if task.duration is not None:
            facts.append(format_duration(task.duration))
        head = f'<div style="margin-top:8px"><b>{escape(task.name)}</b> · ' + " · ".join(facts) + "</div>"
        if task.summary:
            head += _summary_html(task.summary)
        tail = task_tail(task, self.tail_lines, self.run.masker.text)
        if not tail:
            return head
        body, shown = lines_html(reversed(tail), budget, limit=500)
        label = f"last {shown:,} of {total:,} output lines" if total > shown else f"output ({total:,} lines)"
        details = f"<details{' open' if open_ else ''}><summary>{label}</summary>{pre(body)}</details>"
        return head + details


def _header_html(run: Run, simulated: bool) -> str:
    parts = [
        chip(run.status),
        repo_html(run.info.repo, run.info.branch),
        f"thread <code>{escape(run.thread_id)}</code>" if run.thread_id else "no thread id",
        f"model {escape(run.info.model)}",
        format_duration(run.duration),
    ]
    if simulated:
        parts.append(badge("simulator"))
    return '<div style="margin-bottom:4px">' + " · ".join(parts) + "</div>"


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
            parts.append(_summary_html(task.summary))
    return "".join(parts)


def _summary_html(summary: str) -> str:
    text = summary if len(summary) <= SUMMARY_CHARS else summary[:SUMMARY_CHARS] + "… (more in run.summary)"
    return f'<div style="white-space:pre-wrap;margin:4px 0;padding:4px 8px;border-left:3px solid #8250df">{linkify(text)}</div>'


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


def final_summary(
    run: Run, *, simulated: bool = False, tail_lines: int = 0, count: Callable[[TaskState], int] = line_count
) -> str:
    """The plain-text end of a run: status line, per task status (+ last lines) and summary,
    commit/PR links, and the error sentence. ``tail_lines=0`` leaves the output out."""
    out = [status_line(run, simulated)]
    for task in list(run.tasks.values()):
        facts = [f"{mark(task.status)} {task.status}"]
        if task.duration is not None:
            facts.append(format_duration(task.duration))
        out.append(f"── {task.name}: " + " · ".join(facts))
        if tail_lines:
            total = count(task)
            tail = task_tail(task, tail_lines, run.masker.text)
            if total > len(tail):
                out.append(f"   … last {len(tail)} of {total:,} lines (full output: run.tasks[{task.name!r}].stdout)")
            out.extend("   " + line_text(line)[:500] for line in tail)
        summary = task.summary
        if summary:
            if len(summary) > SUMMARY_CHARS:
                summary = summary[:SUMMARY_CHARS] + "… (more in run.summary)"
            out.append("   summary: " + summary.replace("\n", "\n   "))
    for label, url in _links(run):
        out.append(f"{label}: {url}")
    if run.error is not None:
        out.append(f"error: {run.error.message}")
    return "\n".join(out)
