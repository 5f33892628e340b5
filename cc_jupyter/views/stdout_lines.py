"""A task's stdout as display lines: read incrementally, keep a bounded tail.

Readers only see the masked text of :class:`~cc_jupyter.run.output.TaskOutput`; lines made from
decoded stream-json records are masked again, and so is the unfinished line joined from pieces.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from ..run.task import TaskState
from ..text import clip
from .lines import MAX_LINE_CHARS, OUTPUT, PARTIAL, SKIP, DisplayLine
from .records import describe, parse_record

Mask = Callable[[str], str]
READ_LIMIT = 1 << 20  # characters one poll reads at most: older ones are counted, not parsed


def display_lines(line: str, mask: Mask) -> list[DisplayLine]:
    """One complete stdout line as display lines: a stream-json record's meaning, or the text."""
    if "{" in line[:8]:
        record = parse_record(line)
        if record is not None:
            return [DisplayLine(d.kind, mask(d.text), d.lines) for d in describe(record)]
    return [DisplayLine(OUTPUT, clip(line[:-1] if line.endswith("\r") else line, MAX_LINE_CHARS))]


def skip_line(count: int, task_name: str) -> DisplayLine:
    return DisplayLine(
        SKIP, f"… {count:,} more lines (full output on the Run: run.tasks[{clip(task_name, 60)!r}].stdout) …", count
    )


class StdoutReader:
    """Incremental display lines of one task: a bounded ``tail`` plus counters.

    ``poll()`` does work proportional to the new data only (at most :data:`READ_LIMIT`
    characters), and at most about ``2 * maxlen`` lines are parsed per call: older lines of a
    large backlog are counted and marked skipped.
    """

    def __init__(self, task: TaskState, maxlen: int = 200, mask: Mask | None = None) -> None:
        self.task = task
        self.tail: deque[DisplayLine] = deque(maxlen=maxlen)
        self.total = 0  # display lines so far, skipped ones included
        self.skipped = 0  # stdout lines counted but not parsed
        self._budget = 2 * max(maxlen, 1)
        self._mask: Mask = mask or (lambda text: text)
        self._offset = 0  # committed characters consumed
        self._newlines = 0  # newlines consumed
        self._line: list[str] = []  # the start of the current line (at most MAX_LINE_CHARS kept)
        self._line_size = 0
        self._new: list[DisplayLine] = []
        self._seen_unfinished = ""

    @property
    def partial(self) -> DisplayLine | None:
        """The line still being written (e.g. a progress bar), if any."""
        start = "".join(self._line)
        text = start if self._line_size >= MAX_LINE_CHARS else start + self.task.output.unfinished()
        if not text:
            return None
        return DisplayLine(PARTIAL, clip(self._mask(text), MAX_LINE_CHARS), 0)

    @property
    def stale(self) -> bool:
        """Whether output arrived since the last poll."""
        return self.task.output.length != self._offset or self.task.output.unfinished() != self._seen_unfinished

    def poll(self) -> list[DisplayLine]:
        """Read what was committed since the last call; returns the new display lines."""
        self._new = []
        output = self.task.output
        self._seen_unfinished = output.unfinished()
        length, newlines = output.stats()
        if length == self._offset:
            return self._new
        arrived = newlines - self._newlines
        if length - self._offset <= READ_LIMIT:
            self._feed(output.read(self._offset, length))
        else:
            self._catch_up(output.read(length - READ_LIMIT, length), arrived)
        self._offset, self._newlines = length, newlines
        return self._new

    def flush(self) -> list[DisplayLine]:
        """Poll, then end the unfinished last line (when the stream is over)."""
        new = self.poll()
        if self._line:
            self._complete("")
        return new

    # ----- internals -----
    def _catch_up(self, recent: str, arrived: int) -> None:
        """Far behind: only the last lines of ``recent`` are read; the lines before are counted."""
        if arrived <= recent.count("\n"):  # one long line still going on: it is already shown clipped
            self._feed(recent)
            return
        self._line.clear()
        self._line_size = 0
        first = recent.find("\n")  # before it: the end of a line that began in what was skipped
        start = len(recent)
        for _ in range(self._budget + 1):
            start = recent.rfind("\n", 0, start)
            if start <= first:
                start = first
                break
        self._skipped(arrived - recent.count("\n", start + 1))
        self._feed(recent[start + 1 :])

    def _feed(self, text: str) -> None:
        if "\n" not in text:
            self._extend_line(text)
            return
        pieces = text.split("\n")
        self._complete(pieces[0])
        middle = len(pieces) - 2
        if middle > self._budget:
            self._skipped(middle - self._budget)
            del pieces[1 : 1 + middle - self._budget]
        for piece in pieces[1:-1]:
            self._add(piece)
        self._extend_line(pieces[-1])

    def _extend_line(self, text: str) -> None:
        if text and self._line_size < MAX_LINE_CHARS:
            self._line.append(text[: MAX_LINE_CHARS - self._line_size + 1])
        self._line_size += len(text)

    def _complete(self, rest: str) -> None:
        self._extend_line(rest)
        line = "".join(self._line)
        clipped = self._line_size > len(line)
        self._line.clear()
        self._line_size = 0
        if clipped:  # the line was longer than any display line: its start, marked clipped
            self._append(DisplayLine(OUTPUT, clip(self._mask(line), MAX_LINE_CHARS) + " …"))
        else:
            self._add(self._mask(line) if line else line)

    def _add(self, line: str) -> None:
        for display in display_lines(line, self._mask):
            self._append(display)

    def _append(self, display: DisplayLine) -> None:
        self.tail.append(display)
        self._new.append(display)
        self.total += display.lines

    def _skipped(self, count: int) -> None:
        self.skipped += count
        if self._new and self._new[-1].kind == SKIP and self.tail and self.tail[-1] is self._new[-1]:
            merged = skip_line(self._new[-1].lines + count, self.task.name)
            self._new[-1] = self.tail[-1] = merged
            self.total += count
        else:
            self._append(skip_line(count, self.task.name))


def task_tail(task: TaskState, n: int = 40, mask: Mask | None = None) -> list[DisplayLine]:
    """The last ``n`` display lines of a whole task, its unfinished line included (work bounded
    by ``n``, not by the size of the output)."""
    mask = mask or (lambda text: text)
    output = task.output
    length = output.length
    want = 4 * n * MAX_LINE_CHARS
    text = output.read(max(0, length - want), length)
    raw = text.split("\n")
    if length > want:
        raw = raw[1:]  # the first piece may be the end of an older line
    last = raw.pop() if raw else ""
    unfinished = last + output.unfinished()
    groups: list[list[DisplayLine]] = []
    found = 0
    if unfinished:
        groups.append([DisplayLine(OUTPUT, clip(mask(unfinished), MAX_LINE_CHARS))])
        found = 1
    for line in reversed(raw):
        if found >= n:
            break
        groups.append(display_lines(line, mask))
        found += len(groups[-1])
    return [display for group in reversed(groups) for display in group][-n:]
