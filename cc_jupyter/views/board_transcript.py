"""The static transcript of a group of runs (the board after it ended), and its text form.

HTML: the header, the table (final statuses, elapsed, changes, links) and each run's own
:class:`~cc_jupyter.views.transcript.Transcript` folded in ``<details>``; inline styles only, no
script, bounded whatever the number of targets (transcripts beyond :data:`FOLDED_BUDGET` are left
out, named). Text (``--text``, terminals, ``text/plain``): one aligned line per target, escapes
removed. No widgets here.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

from ..run.state import Run
from ..text import strip_escapes
from .board_rows import BoardRow, board_header_html, board_header_text, board_row, row_columns, rows_html
from .html import escape
from .style import STATUS_COLOURS, mark
from .transcript import TAIL_LINES, Transcript

TABLE_BUDGET = 400_000  # characters of the table in the transcript's HTML
MAX_ROWS = 500
FOLDED_BUDGET = 1_500_000  # characters of the folded per-run transcripts, all of them together
TEXT_LINES = 1_000  # target lines in the text form; the rest are counted
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.45"


class BoardTranscript:
    """What happened across ``runs``: ``text/html`` and ``text/plain``. ``sources`` labels where the
    events came from: one label for all runs, or one per run ("" for the real API)."""

    def __init__(self, runs: Sequence[Run], sources: Sequence[str] | str = "", *, tail_lines: int = TAIL_LINES) -> None:
        self.runs = list(runs)
        if isinstance(sources, str):
            self.sources = [sources] * len(self.runs)
        else:
            self.sources = [str(source) for source in sources] + [""] * (len(self.runs) - len(sources))
        self.tail_lines = tail_lines
        self._bundle: tuple[tuple[int, ...], dict[str, str]] | None = None

    def _repr_mimebundle_(
        self, include: Collection[str] | None = None, exclude: Collection[str] | None = None
    ) -> dict[str, str]:
        versions = tuple(run.version for run in self.runs)
        if self._bundle is None or self._bundle[0] != versions:
            self._bundle = (versions, {"text/html": self.html(), "text/plain": self.text()})
        return dict(self._bundle[1])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<BoardTranscript of {len(self.runs)} runs>"

    @property
    def _source(self) -> str:
        distinct = set(self.sources)
        return self.sources[0] if len(distinct) == 1 and self.sources else ""

    def rows(self) -> list[BoardRow]:
        """One row per target, as the table shows them."""
        now = time.time()
        return [board_row(run, index, now=now) for index, run in enumerate(self.runs)]

    def text(self) -> str:
        """The header and one line per target (see :func:`board_text`)."""
        return board_text(self.runs, source=self._source)

    def html(self) -> str:
        runs = self.runs
        now = time.time()
        table, _ = rows_html(self.rows(), TABLE_BUDGET, max_rows=MAX_ROWS)
        parts = [f'<div class="cc-board-transcript" style="{_FONT}">', board_header_html(runs, now, self._source), table]
        tail = self.tail_lines if len(runs) <= 12 else max(5, self.tail_lines * 12 // len(runs))
        used = 0
        for index, run in enumerate(runs):
            summary = _summary_html(run, index)
            body = Transcript(run, source=self.sources[index], tail_lines=tail).html()
            if used + len(body) > FOLDED_BUDGET:
                body = (
                    f'<div style="color:#6e7781">its transcript is left out, to keep the notebook small: '
                    f"the run is in Python (target {index + 1})</div>"
                )
            used += len(body)
            parts.append(
                f'<details class="cc-board-run" data-index="{index}"><summary>{summary}</summary>'
                f'<div style="padding:2px 0 6px 12px;border-left:2px solid #d0d7de">{body}</div></details>'
            )
        parts.append("</div>")
        return "".join(parts)


def _summary_html(run: Run, index: int) -> str:
    row = board_row(run, index, now=time.time(), last="")
    status = "pending" if row.status == "queued" else row.status
    colour = STATUS_COLOURS.get(status, "#6e7781")
    return (
        f"{index + 1} · <b>{escape(row.label)}</b> · "
        f'<span style="color:{colour}">{mark(status)} {escape(row.status)}</span> · {escape(row.elapsed)}'
    )


def board_text(runs: Sequence[Run], *, source: str = "", now: float | None = None) -> str:
    """The header, then one aligned line per target: status, repository@branch, elapsed,
    changes (commits, +/−), then the link, the error or the last line. Safe for a terminal."""
    end = time.time() if now is None else now
    rows = [row_columns(board_row(run, index, now=end)) for index, run in enumerate(runs[:TEXT_LINES])]
    lines = [strip_escapes(board_header_text(runs, end, source))]
    if rows:
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        for status, label, elapsed, changes, last in rows:
            columns = [status.ljust(widths[0]), label.ljust(widths[1]), elapsed.rjust(widths[2])]
            if widths[3]:
                columns.append(changes.ljust(widths[3]))
            columns.append(last)
            lines.append(_clean("  ".join(columns).rstrip()))
    if len(runs) > TEXT_LINES:
        lines.append(f"… {len(runs) - TEXT_LINES:,} more targets")
    return "\n".join(lines)


def _clean(line: str) -> str:
    """One line with nothing a terminal would act on."""
    return " ".join(strip_escapes(line).split("\n"))
