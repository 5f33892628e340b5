"""A task's stdout chunks as display lines: read incrementally, keep a bounded tail.

Chunks are appended by the I/O thread; a reader only takes ``chunks[consumed:len]`` snapshots.
A chunk may hold several lines or part of one; lines split across chunks are joined (and
masked again, since masking ran per chunk).
"""

from __future__ import annotations

from collections import deque
from typing import Callable

from ..run.state import TaskState
from .lines import MAX_LINE_CHARS, OUTPUT, PARTIAL, SKIP, DisplayLine, clip
from .records import describe, parse_record

Mask = Callable[[str], str]


def parse_line(line: str) -> list[DisplayLine]:
    """One complete stdout line as display lines: a stream-json record's meaning, or the text."""
    if "{" in line[:8]:
        record = parse_record(line)
        if record is not None:
            return describe(record)
    return [DisplayLine(OUTPUT, clip(line.rstrip("\r") if line.endswith("\r") else line))]


def skip_line(count: int, task_name: str) -> DisplayLine:
    return DisplayLine(
        SKIP, f"… {count:,} more lines (full output on the Run: run.tasks[{task_name!r}].stdout) …", count
    )


class StdoutReader:
    """Incremental display lines of one task: a bounded ``tail`` plus counters.

    ``poll()`` does work proportional to the new data only, and at most about ``2 * maxlen``
    lines are parsed per call: older lines of a large backlog are counted and marked skipped.
    """

    def __init__(self, task: TaskState, maxlen: int = 200, mask: Mask | None = None) -> None:
        self.task = task
        self.tail: deque[DisplayLine] = deque(maxlen=maxlen)
        self.total = 0  # display lines so far, skipped ones included
        self.skipped = 0  # stdout lines counted but not parsed
        self._budget = 2 * max(maxlen, 1)
        self._mask = mask or (lambda text: text)
        self._consumed = 0
        self._partial: list[str] = []
        self._partial_len = 0
        self._new: list[DisplayLine] = []
        self._seen_unfinished = ""

    @property
    def partial(self) -> DisplayLine | None:
        """The line still being written (e.g. a progress bar), if any."""
        text = "".join(self._partial) + self.task.pending  # the Run holds back unfinished lines
        if not text:
            return None
        return DisplayLine(PARTIAL, clip(self._mask(text)), 0)

    @property
    def pending(self) -> bool:
        """Whether output arrived since the last poll."""
        return len(self.task.chunks) != self._consumed or self.task.pending != self._seen_unfinished

    def poll(self) -> list[DisplayLine]:
        """Read the chunks that arrived since the last call; returns the new display lines."""
        self._new = []
        self._seen_unfinished = self.task.pending
        end = len(self.task.chunks)
        if end == self._consumed:
            return self._new
        chunks = self.task.chunks[self._consumed : end]
        self._consumed = end
        if len(chunks) > self._budget:
            self._skip_text("".join(chunks[: -self._budget]))
            chunks = chunks[-self._budget :]
        for chunk in chunks:
            self._feed(chunk)
        return self._new

    def flush(self) -> list[DisplayLine]:
        """Poll, then end the unfinished last line (when the stream is over)."""
        new = self.poll()
        if self._partial:
            self._complete("")
        return new

    # ----- internals -----
    def _feed(self, chunk: str) -> None:
        if "\n" not in chunk:
            self._partial.append(chunk)
            self._partial_len += len(chunk)
            if self._partial_len > MAX_LINE_CHARS:  # bounded work for endless lines
                self._complete("")
            return
        pieces = chunk.split("\n")
        if self._partial:
            self._complete(pieces[0])
        else:
            self._add(pieces[0])
        middle = len(pieces) - 2
        if middle > self._budget:
            self._skipped(middle - self._budget)
            del pieces[1 : 1 + middle - self._budget]
        for i in range(1, len(pieces) - 1):
            self._add(pieces[i])
        if pieces[-1]:
            self._partial.append(pieces[-1])
            self._partial_len = len(pieces[-1])

    def _complete(self, rest: str) -> None:
        self._partial.append(rest)
        line = self._mask("".join(self._partial))
        self._partial.clear()
        self._partial_len = 0
        self._add(line)

    def _add(self, line: str) -> None:
        for display in parse_line(line):
            self._append(display)

    def _append(self, display: DisplayLine) -> None:
        self.tail.append(display)
        self._new.append(display)
        self.total += display.count

    def _skip_text(self, text: str) -> None:
        """Count the complete lines in ``text`` without parsing them; keep its last partial."""
        newline = text.rfind("\n")
        if newline < 0:
            self._partial.append(text)
            self._partial_len += len(text)
            return
        self._partial.clear()
        self._partial_len = 0
        self._skipped(text.count("\n"))
        if newline + 1 < len(text):
            self._partial.append(text[newline + 1 :])
            self._partial_len = len(text) - newline - 1

    def _skipped(self, count: int) -> None:
        self.skipped += count
        if self._new and self._new[-1].kind == SKIP and self.tail and self.tail[-1] is self._new[-1]:
            merged = skip_line(self._new[-1].count + count, self.task.name)
            self._new[-1] = self.tail[-1] = merged
            self.total += count
        else:
            self._append(skip_line(count, self.task.name))


def line_count(task: TaskState) -> int:
    """Complete stdout lines of ``task`` (plus one for an unfinished last line)."""
    chunks = task.chunks
    last = chunks[-1] if chunks else ""
    return task.newlines + (1 if last and not last.endswith("\n") else 0)


def task_tail(task: TaskState, n: int = 40, mask: Mask | None = None) -> list[DisplayLine]:
    """The last ``n`` display lines of a whole task (work bounded by ``n``, not the output)."""
    chunks = task.chunks[:]
    picked: list[str] = []
    newlines = chars = 0
    for chunk in reversed(chunks):
        picked.append(chunk)
        newlines += chunk.count("\n")
        chars += len(chunk)
        if newlines > 2 * n + 1 or chars > 4 * n * MAX_LINE_CHARS:
            break
    text = "".join(reversed(picked))
    if mask is not None:
        text = mask(text)  # lines may span chunks, which were masked one by one
    raw = text.split("\n")
    if len(picked) < len(chunks):
        raw = raw[1:]  # the first piece may be the end of an older line
    if raw and raw[-1] == "":
        raw.pop()
    groups: list[list[DisplayLine]] = []
    found = 0
    for line in reversed(raw):
        groups.append(parse_line(line))
        found += len(groups[-1])
        if found >= n:
            break
    return [display for group in reversed(groups) for display in group][-n:]
