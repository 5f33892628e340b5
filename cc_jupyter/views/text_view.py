"""A text view for terminals, ``--text`` and notebooks without widgets: new lines as they come.

Called repeatedly from one thread (the caller's); it has no threads of its own. Each refresh
makes at most one ``write`` call, of bounded size, so a notebook's output stream stays well
under the IOPub rate limits. Everything written has its escapes removed: nothing the server
sends can retitle, recolour, move or link the user's terminal.
"""

from __future__ import annotations

from collections.abc import Callable

from ..run.state import Run
from ..text import clip, strip_escapes
from .agent_lines import item_text, labelled, other_event_items
from .header import THREAD_CHARS, opening_line
from .lines import SKIP, DisplayLine, line_text
from .stdout_lines import StdoutReader, skip_line
from .transcript import MAX_TASKS_SHOWN, final_summary

MAX_LINES_PER_REFRESH = 200
MAX_CHARS_PER_REFRESH = 50_000
LINE_CHARS = 1000


class TextView:
    """Writes a run's new display lines on each :meth:`refresh`, and a summary on :meth:`close`.

    ``write`` receives one string (possibly several lines) per call, like ``print``.
    """

    def __init__(
        self,
        run: Run,
        write: Callable[[str], None] = print,
        *,
        source: str = "",
        max_lines: int = MAX_LINES_PER_REFRESH,
    ) -> None:
        self.run = run
        self.write = write
        self.source = source
        self.max_lines = max_lines
        self._readers: dict[str, StdoutReader] = {}
        self._statuses: dict[str, str] = {}
        self._thread_id = run.thread_id
        self._others_seen = 0
        self._opened = False
        self._closed = False

    def open(self) -> None:
        """The opening line, before anything is sent."""
        if not self._opened:
            self._opened = True
            self.write(opening_line(self.run, self.source))

    def refresh(self) -> None:
        """Write what arrived since the last call: at most about ``max_lines`` lines."""
        self._emit(self._update(final=False))

    def close(self) -> None:
        """A last refresh (unfinished lines included), then the final summary. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._emit(self._update(final=True) + [final_summary(self.run, source=self.source)])

    def _emit(self, lines: list[str]) -> None:
        if lines:
            self.write("\n".join(lines))

    def _update(self, final: bool) -> list[str]:
        run = self.run
        out: list[str] = []
        if run.thread_id != self._thread_id and run.thread_id:
            self._thread_id = run.thread_id
            out.append(f"── thread {clip(strip_escapes(run.thread_id), THREAD_CHARS)}")
        tasks = list(run.tasks.items())
        with_task = labelled(run)
        batches = []
        for name, task in tasks[:MAX_TASKS_SHOWN]:
            reader = self._readers.get(name)
            if reader is None:
                reader = self._readers[name] = StdoutReader(task, self.max_lines, run.masker.text)
            batches.append((name, reader.flush() if final else reader.poll()))
        busy = max(1, sum(1 for _, new in batches if new))
        max_lines = max(20, self.max_lines // busy)
        max_chars = max(4 * LINE_CHARS, MAX_CHARS_PER_REFRESH // busy)
        for name, new in batches:
            prefix = f"[{clip(strip_escapes(name), 40)}] " if with_task else ""
            out.extend(prefix + text for text in _bounded(new, max_lines, max_chars, name))
        others = len(run.other_events)
        if others > self._others_seen:
            shown = min(others - self._others_seen, 10)  # raw events are rare; a flood of them is cut
            out.extend(item_text(item) for item in other_event_items(run, shown))
            self._others_seen = others
        for name, task in tasks[:MAX_TASKS_SHOWN]:
            if task.status != self._statuses.get(name) and task.status not in ("pending", "running"):
                label = clip(strip_escapes(name), 40)
                out.append(f"── task {label}: {task.status}" if with_task else f"── {task.status}")
            self._statuses[name] = task.status
        return out


def _bounded(lines: list[DisplayLine], max_lines: int, max_chars: int, task_name: str) -> list[str]:
    """The newest ``lines`` within both limits, as text; what is cut is said in one line."""
    kept: list[str] = []
    used = 0
    start = len(lines)
    while start > 0 and len(kept) < max_lines:
        text = line_text(lines[start - 1], LINE_CHARS)
        if used + len(text) > max_chars and kept:
            break
        used += len(text) + 1
        kept.append(text)
        start -= 1
    kept.reverse()
    hidden = sum(line.lines for line in lines[:start])
    if hidden and start < len(lines) and lines[start].kind == SKIP:  # one notice, not two
        hidden += lines[start].lines
        kept.pop(0)
    return ([line_text(skip_line(hidden, task_name))] if hidden else []) + kept
