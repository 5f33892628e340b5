"""Display lines: what one line of a task's output means, and how it is drawn.

A display line's text is masked when it is made (after any JSON decoding or joining), so
drawing it — removing escapes, clipping, escaping HTML — can never reveal a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from ..text import clip, strip_escapes
from .ansi import ansi_to_html

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


class DisplayLine(NamedTuple):
    kind: str
    text: str  # masked
    lines: int = 1  # how many stdout lines this stands for (more than 1 for SKIP, 0 for PARTIAL)


def line_text(line: DisplayLine, limit: int = MAX_LINE_CHARS) -> str:
    """The plain-text form of a line: escapes removed, clipped."""
    return clip(strip_escapes(line.text), limit)


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
