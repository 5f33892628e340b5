"""Display lines: what one line of a task's output means, and how it is drawn."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple

from .ansi import ansi_to_html, strip_ansi

OUTPUT = "output"  # a plain stdout line (may hold ANSI colours)
NARRATION = "narration"  # the agent's own words
TOOL = "tool"  # a tool call: "▶ Bash: git status"
TOOL_RESULT = "tool_result"  # a collapsed tool result
SESSION = "session"  # session started / system notes
SUCCESS = "success"  # the agent's final result record, successful
FAILURE = "failure"  # ... or an error
SKIP = "skip"  # stands for ``count`` lines not kept for display
PARTIAL = "partial"  # the line still being written (no newline yet)

MAX_LINE_CHARS = 2000  # a display line never holds more than this

# Inline styles only: they survive JupyterLab's sanitiser and nbconvert; GitHub drops them,
# so every kind also reads by its leading mark.
_STYLES = {
    NARRATION: "color:#8250df",
    TOOL: "color:#0969da;font-weight:bold",
    TOOL_RESULT: "color:#6e7781",
    SESSION: "color:#6e7781",
    SUCCESS: "color:#1a7f37;font-weight:bold",
    FAILURE: "color:#cf222e;font-weight:bold",
    SKIP: "color:#6e7781;font-style:italic",
    PARTIAL: "opacity:0.8",
}

PRE_STYLE = (
    "margin:0;padding:4px 6px;white-space:pre-wrap;word-break:break-word;"
    "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;line-height:1.35"
)


class DisplayLine(NamedTuple):
    kind: str
    text: str
    count: int = 1  # how many stdout lines this stands for (more than 1 for SKIP)


def clip(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def line_text(line: DisplayLine) -> str:
    """The plain-text form of a line (ANSI removed)."""
    return strip_ansi(line.text)


@lru_cache(maxsize=4096)  # a live tab redraws the same ≤200 lines at every refresh
def line_html(line: DisplayLine, limit: int = MAX_LINE_CHARS) -> str:
    """The HTML form of a line (escaped; ANSI colours as spans), without its newline."""
    body = ansi_to_html(clip(line.text, limit))
    style = _STYLES.get(line.kind)
    return f'<span style="{style}">{body}</span>' if style else body


def lines_html(lines: Iterable[DisplayLine], budget: int, limit: int = 1000) -> tuple[str, int]:
    """The newest ``lines`` that fit in ``budget`` characters of HTML, oldest first.

    ``lines`` are given newest first. Returns the HTML (lines joined by newlines, for a
    ``<pre>``) and how many lines it shows.
    """
    parts: list[str] = []
    used = 0
    for line in lines:
        part = line_html(line, limit)
        used += len(part) + 1
        if used > budget and parts:
            break
        parts.append(part)
    parts.reverse()
    return "\n".join(parts), len(parts)


def fit_html(text: str, render: Callable[[str], str], budget: int, note: str = "…") -> str:
    """``render(text)``, with ``text`` cut until the HTML fits in ``budget`` characters.

    Escaping can make HTML several times longer than its text, so the cut is measured on the HTML.
    """
    html = render(text)
    keep = len(text)
    while len(html) > budget and keep > 0:
        keep = keep * budget // len(html) * 9 // 10
        html = render(text[:keep] + note)
    return html


def pre(body: str, style: str = "") -> str:
    return f'<pre style="{PRE_STYLE};{style}">{body}</pre>' if style else f'<pre style="{PRE_STYLE}">{body}</pre>'


def escape(text: object) -> str:
    """HTML-escape any remote value (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)
