"""ANSI terminal output to HTML: SGR colours kept, every other escape dropped.

The escape grammar is :data:`cc_jupyter.text.ESCAPE`, the one the masker reads.
"""

from __future__ import annotations

import html

from ..text import ESCAPE, NEEDS_CLEANING, collapse_cr, strip_escapes

# Jupyter's own ANSI palette (nbconvert / JupyterLab): readable on light and dark themes.
_PALETTE = (
    "#3E424D", "#E75C58", "#00A250", "#DDB62B", "#208FFB", "#D160C4", "#60C6C8", "#C5C1B4",
    "#282C36", "#B22B31", "#007427", "#B27D12", "#0065CA", "#A03196", "#258F8F", "#A1A6B2",
)
_CUBE = (0, 95, 135, 175, 215, 255)


def ansi_to_html(text: str) -> str:
    """HTML-escaped ``text`` with SGR colours/bold/italic/underline as inline-styled spans.

    Its visible text is exactly ``strip_escapes(text)``."""
    if not NEEDS_CLEANING.search(text):
        return html.escape(text, quote=False)
    text = collapse_cr(text)
    out: list[str] = []
    style = _Style()
    pos = 0
    for match in ESCAPE.finditer(text):
        if match.start() > pos:
            out.append(style.wrap(html.escape(strip_escapes(text[pos : match.start()]), quote=False)))
        pos = match.end()
        if match.group(2) == "m" and match.group(0)[2:3] not in "<=>?":
            style.apply(match.group(1))
    if pos < len(text):
        out.append(style.wrap(html.escape(strip_escapes(text[pos:]), quote=False)))
    return "".join(out)


class _Style:
    """The current SGR state, rendered as a CSS declaration."""

    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "css")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.fg: str | None = None
        self.bg: str | None = None
        self.bold = self.dim = self.italic = self.underline = False
        self.css = ""

    def wrap(self, escaped: str) -> str:
        return f'<span style="{self.css}">{escaped}</span>' if self.css and escaped else escaped

    def apply(self, params: str) -> None:
        codes = [int(p) if p.isdigit() and len(p) < 6 else 0 for p in params.replace(":", ";").split(";")]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.reset()
            elif code == 1:
                self.bold = True
            elif code == 2:
                self.dim = True
            elif code == 3:
                self.italic = True
            elif code == 4:
                self.underline = True
            elif code == 22:
                self.bold = self.dim = False
            elif code == 23:
                self.italic = False
            elif code == 24:
                self.underline = False
            elif 30 <= code <= 37:
                self.fg = _PALETTE[code - 30]
            elif 90 <= code <= 97:
                self.fg = _PALETTE[code - 90 + 8]
            elif code == 39:
                self.fg = None
            elif 40 <= code <= 47:
                self.bg = _PALETTE[code - 40]
            elif 100 <= code <= 107:
                self.bg = _PALETTE[code - 100 + 8]
            elif code == 49:
                self.bg = None
            elif code in (38, 48):
                colour, i = _extended_colour(codes, i)
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1
        self.css = self._css()

    def _css(self) -> str:
        parts = []
        if self.fg:
            parts.append(f"color:{self.fg}")
        if self.bg:
            parts.append(f"background-color:{self.bg}")
        if self.bold:
            parts.append("font-weight:bold")
        if self.dim:
            parts.append("opacity:0.7")
        if self.italic:
            parts.append("font-style:italic")
        if self.underline:
            parts.append("text-decoration:underline")
        return ";".join(parts)


def _extended_colour(codes: list[int], i: int) -> tuple[str | None, int]:
    """Read ``38;5;n`` or ``38;2;r;g;b`` starting at ``codes[i]``; returns (colour, last index)."""
    mode = codes[i + 1] if i + 1 < len(codes) else None
    if mode == 5 and i + 2 < len(codes):
        return _colour_256(codes[i + 2]), i + 2
    if mode == 2 and i + 4 < len(codes):
        r, g, b = (min(max(c, 0), 255) for c in codes[i + 2 : i + 5])
        return f"#{r:02x}{g:02x}{b:02x}", i + 4
    return None, len(codes)  # malformed: ignore the rest of this sequence


def _colour_256(n: int) -> str | None:
    if 0 <= n < 16:
        return _PALETTE[n]
    if 16 <= n < 232:
        n -= 16
        r, g, b = _CUBE[n // 36], _CUBE[n // 6 % 6], _CUBE[n % 6]
        return f"#{r:02x}{g:02x}{b:02x}"
    if 232 <= n < 256:
        level = 8 + 10 * (n - 232)
        return f"#{level:02x}{level:02x}{level:02x}"
    return None
