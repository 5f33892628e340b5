"""Status colours and marks, durations, labels: shared by every view."""

from __future__ import annotations

from ..repos import short_name
from ..text import shorten, strip_escapes
from .html import escape

STATUS_COLOURS = {
    "pending": "#6e7781",
    "running": "#0969da",
    "completed": "#1a7f37",
    "failed": "#cf222e",
    "cancelled": "#6e7781",
    "disconnected": "#bc4c00",
}
STATUS_MARKS = {
    "pending": "○",
    "running": "●",
    "completed": "✔",
    "failed": "✖",
    "cancelled": "■",
    "disconnected": "⚠",
}
REPO_CHARS = 60  # owner/repo, or a URL
BRANCH_CHARS = 60


def mark(status: str) -> str:
    return STATUS_MARKS.get(status, "?")


def chip(status: str) -> str:
    """A coloured status chip; the mark and word keep it readable where styles are stripped."""
    colour = STATUS_COLOURS.get(status, "#6e7781")
    return (
        f'<span style="background-color:{colour};color:#fff;border-radius:9px;padding:1px 8px;'
        f'font-size:12px;font-weight:bold;white-space:nowrap">{mark(status)} {escape(status)}</span>'
    )


def badge(text: str, colour: str = "#9a6700") -> str:
    return (
        f'<span style="border:1px solid {colour};color:{colour};border-radius:9px;padding:0 7px;'
        f'font-size:11px;white-space:nowrap">{escape(text)}</span>'
    )


def format_duration(seconds: float | None, precise: bool = True) -> str:
    """``12.3 s``, ``4 min 05 s``, ``1 h 02 min``; whole seconds when not ``precise``."""
    if seconds is None:
        return "–"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s" if precise else f"{int(seconds)} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def repo_label(repo: str, branch: str) -> str:
    """``owner/repo@branch`` for GitHub URLs, the URL itself otherwise; the branch in full
    unless very long (then each part is cut short with …)."""
    name, branch = strip_escapes(short_name(repo)), strip_escapes(branch)
    return f"{shorten(name, REPO_CHARS)}@{shorten(branch, BRANCH_CHARS)}"


def repo_html(repo: str, branch: str) -> str:
    label = escape(repo_label(repo, branch))
    if repo.startswith(("https://", "http://")):
        return f'<a href="{escape(repo)}" target="_blank" rel="noopener"><b>{label}</b></a>'
    return f"<b>{label}</b>"
