"""The pieces that say which run this is — status, repository, thread, model, time, source —
for the live view's header, the transcript and the text views alike."""

from __future__ import annotations

from ..run.state import Run
from ..text import clip, strip_escapes
from .html import escape
from .style import badge, chip, format_duration, mark, repo_html, repo_label

THREAD_CHARS = 40  # a thread id is shown at most this long (the full one: run.thread_id)


def thread_label(run: Run) -> str:
    return clip(strip_escapes(run.thread_id), THREAD_CHARS) if run.thread_id else ""


def header_parts(run: Run, source: str = "", *, live: bool = False) -> list[str]:
    """Status chip, repo@branch, thread, model, time and the source badge, as HTML pieces.

    ``live``: the clock shows whole seconds while the run goes on, and a missing thread id
    may still come. ``source``: "simulator", "replay …" or empty for the real API."""
    thread = thread_label(run)
    parts = [
        chip(run.status),
        repo_html(run.info.repo, run.info.branch) + _origin_html(run),
        f"thread <code>{escape(thread)}</code>" if thread else ("no thread id yet" if live else "no thread id"),
        f"model {escape(run.info.model)}",
        format_duration(run.duration, precise=run.done or not live),
    ]
    if source:
        parts.append(badge(source))
    return parts


def origin_text(run: Run) -> str:
    """`` (repo from the conversation)``: where the repository came from, when known."""
    return f" (repo from {run.info.origin})" if run.info.origin else ""


def _origin_html(run: Run) -> str:
    text = origin_text(run).strip()
    return f' <span style="color:#6e7781;font-size:11px">{escape(text)}</span>' if text else ""


def header_html(run: Run, source: str = "", *, live: bool = False) -> str:
    spans = "".join(f"<span>{part}</span>" for part in header_parts(run, source, live=live))
    return f'<div style="display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center;font-size:13px">{spans}</div>'


def status_line(run: Run, source: str = "") -> str:
    """The same pieces as one line of plain text."""
    thread = thread_label(run)
    parts = [
        f"cloudcode {mark(run.status)} {run.status}",
        repo_label(run.info.repo, run.info.branch) + origin_text(run),
        f"thread {thread}" if thread else "no thread id",
        run.info.model,
        format_duration(run.duration),
    ]
    if source:
        parts.append(source)
    return " · ".join(parts)


def opening_line(run: Run, source: str = "") -> str:
    """What a text view prints before anything is sent."""
    shown = ", ".join(clip(name, 40) for name in list(run.tasks)[:20])
    more = f", … {len(run.tasks) - 20} more" if len(run.tasks) > 20 else ""
    via = f" · {source}" if source else ""
    return (
        f"cloudcode: {repo_label(run.info.repo, run.info.branch)}{origin_text(run)} · {run.info.model}{via} · "
        f"thread {thread_label(run) or '(new)'} · tasks: {shown}{more}"
    )
