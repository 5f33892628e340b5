"""A text view for terminals, ``--text`` and notebooks without widgets: new lines as they come.

Called repeatedly from one thread (the caller's); it has no threads of its own.
"""

from __future__ import annotations

from typing import Callable

from ..run.state import Run
from .lines import SKIP, DisplayLine, line_text
from .stdout_lines import StdoutReader, skip_line
from .transcript import final_summary

MAX_LINES_PER_REFRESH = 200


class TextView:
    """Writes a run's new display lines on each :meth:`refresh`, and a summary on :meth:`close`."""

    def __init__(
        self,
        run: Run,
        write: Callable[[str], None] = print,
        parallel: bool | None = None,
        *,
        simulated: bool = False,
        max_lines: int = MAX_LINES_PER_REFRESH,
    ) -> None:
        self.run = run
        self.write = write
        self.parallel = parallel
        self.simulated = simulated
        self.max_lines = max_lines
        self._readers: dict[str, StdoutReader] = {}
        self._statuses: dict[str, str] = {}
        self._thread_id = run.thread_id
        self._closed = False

    def refresh(self) -> None:
        """Write what arrived since the last call: at most about ``max_lines`` lines."""
        self._update(final=False)

    def close(self) -> None:
        """A last refresh (unfinished lines included), then the final summary. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._update(final=True)
        self.write(final_summary(self.run, simulated=self.simulated))

    def _update(self, final: bool) -> None:
        run = self.run
        if run.thread_id != self._thread_id and run.thread_id:
            self._thread_id = run.thread_id
            self.write(f"── thread {run.thread_id}")
        tasks = list(run.tasks.items())
        labelled = self.parallel if self.parallel is not None else (run.info.parallel or len(tasks) > 1)
        batches = []
        for name, task in tasks:
            reader = self._readers.get(name)
            if reader is None:
                reader = self._readers[name] = StdoutReader(task, self.max_lines, run.masker.text)
            batches.append((name, reader.flush() if final else reader.poll()))
        busy = sum(1 for _, new in batches if new)
        share = max(20, self.max_lines // max(1, busy))
        for name, new in batches:
            prefix = f"[{name}] " if labelled else ""
            for line in _bounded(new, share, name):
                self.write(prefix + line_text(line))
        for name, task in tasks:
            if task.status != self._statuses.get(name) and task.status not in ("pending", "running"):
                self.write(f"── task {name}: {task.status}" if labelled else f"── {task.status}")
            self._statuses[name] = task.status


def _bounded(lines: list[DisplayLine], limit: int, task_name: str) -> list[DisplayLine]:
    """``lines`` cut to the last ``limit``, the cut ones (and skipped ones) said in one line."""
    if len(lines) <= limit:
        return lines
    kept = lines[-limit:]
    hidden = sum(line.count for line in lines[:-limit])
    if kept[0].kind == SKIP:  # merge with a skip marker right after the cut
        hidden += kept.pop(0).count
    return [skip_line(hidden, task_name), *kept]
