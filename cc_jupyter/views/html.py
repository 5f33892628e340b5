"""HTML pieces every view uses: escaping remote text, preformatted blocks, fitting a budget."""

from __future__ import annotations

import html
from collections.abc import Callable

PRE_STYLE = (
    "margin:0;padding:4px 6px;white-space:pre-wrap;word-break:break-word;"
    "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;line-height:1.35"
)


def escape(text: object) -> str:
    """HTML-escape any remote value (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def pre(body: str, style: str = "") -> str:
    return f'<pre style="{PRE_STYLE};{style}">{body}</pre>' if style else f'<pre style="{PRE_STYLE}">{body}</pre>'


def fit_html(text: str, render: Callable[[str], str], budget: int, note: str = "…") -> str:
    """``render(text)``, with ``text`` cut until the HTML fits in ``budget`` characters.

    Escaping can make HTML several times longer than its text, so the cut is measured on the HTML.
    """
    out = render(text)
    keep = len(text)
    while len(out) > budget and keep > 0:
        keep = keep * budget // len(out) * 9 // 10
        out = render(text[:keep] + note)
    return out
