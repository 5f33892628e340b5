"""One task's stdout: raw pieces in, masked text out — the only place lines are reassembled.

The I/O thread :meth:`~TaskOutput.add`\\ s pieces as events arrive and :meth:`~TaskOutput.commit`\\ s
after each network chunk: complete lines are masked as a whole (a secret split across events is
whole again) and stored; the unfinished last line is held back, raw, until it ends. A line that
never ends is released in masked pieces once it is long, keeping back only the window a secret
could still straddle. Readers (views, users, any thread) only ever get masked text.

Stored text is joined into blocks, so memory stays close to the size of the content however
many tiny events it came in, and a reader's work is proportional to what it reads.
"""

from __future__ import annotations

import bisect
import threading

from ..secrets import SecretMasker

BLOCK = 64 * 1024  # characters per stored block
RELEASE_AT = 1 << 20  # an unfinished line this long is released in masked pieces


class TaskOutput:
    """Masked, committed stdout of one task, plus its masked unfinished line."""

    def __init__(self, masker: SecretMasker) -> None:
        self._masker = masker
        self._lock = threading.Lock()
        self._incoming: list[str] = []  # raw pieces since the last commit (I/O thread only)
        self._held: list[str] = []  # the raw unfinished line (I/O thread only)
        self._held_size = 0
        self._held_version = 0  # bumped whenever the held line changes
        self._release_at = RELEASE_AT
        self._blocks: list[str] = []  # sealed blocks of masked text
        self._block_ends: list[int] = []  # the offset just after each block
        self._open: list[str] = []  # masked pieces not yet sealed into a block
        self._open_size = 0
        self._unfinished_cache: tuple[int, str] = (-1, "")
        self.length = 0  # committed characters
        self.newlines = 0  # "\n" in the committed text

    # ----- writing (the I/O thread) -----
    def add(self, piece: str) -> None:
        """A piece of stdout as it arrived (the hot path: only an append)."""
        self._incoming.append(piece)

    def commit(self) -> str:
        """Mask and store what no later piece can change; returns the masked text released."""
        if not self._incoming:
            return ""
        arrived = "".join(self._incoming)
        self._incoming = []
        end = arrived.rfind("\n") + 1
        released = ""
        if end:
            line_start = "".join(self._held)
            released = self._masker.text(line_start + arrived[:end] if line_start else arrived[:end])
            self._held = [arrived[end:]] if end < len(arrived) else []
            self._held_size = len(arrived) - end
        else:
            self._held.append(arrived)
            self._held_size += len(arrived)
        if self._held_size >= self._release_at:
            head, rest = self._masker.release("".join(self._held))
            self._held = [rest] if rest else []
            self._held_size = len(rest)
            self._release_at = max(RELEASE_AT, 2 * len(rest))  # amortised: never rescan on every chunk
            released += head
        self._held_version += 1  # after the change: a reader never caches a stale line as new
        if released:
            self._store(released)
        return released

    def flush(self) -> str:
        """The stream is over: release the unfinished line, masked (a secret cut short by the
        end of the stream included)."""
        self.commit()
        if not self._held:
            return ""
        released = self._masker.unfinished("".join(self._held))
        self._held = []
        self._held_size = 0
        self._held_version += 1
        self._store(released)
        return released

    # ----- reading (any thread) -----
    def stats(self) -> tuple[int, int]:
        """``(length, newlines)`` of the committed text, read together."""
        with self._lock:
            return self.length, self.newlines

    def read(self, start: int = 0, end: int | None = None) -> str:
        """Committed text from offset ``start`` to ``end`` (default: the end)."""
        pieces: list[str] = []
        with self._lock:
            stop = self.length if end is None else min(end, self.length)
            if start >= stop:
                return ""
            index = bisect.bisect_right(self._block_ends, start)
            position = self._block_ends[index - 1] if index else 0
            while index < len(self._blocks) and position < stop:
                block = self._blocks[index]
                pieces.append(block[max(0, start - position) : stop - position])
                position += len(block)
                index += 1
            if position < stop:
                pieces.append("".join(self._open)[max(0, start - position) : stop - position])
        return "".join(pieces)

    @property
    def line_count(self) -> int:
        """Lines of output: complete ones, plus an unfinished last one."""
        with self._lock:
            length, newlines = self.length, self.newlines
            ends_open = bool(self._open) and not self._open[-1].endswith("\n") or (
                not self._open and bool(self._blocks) and not self._blocks[-1].endswith("\n")
            )
        return newlines + (1 if (length and ends_open) or self._held else 0)

    def unfinished(self) -> str:
        """The line still arriving, masked (a secret it may end with included)."""
        version, held = self._held_version, list(self._held)
        cached_version, cached = self._unfinished_cache
        if version == cached_version:
            return cached
        text = self._masker.unfinished("".join(held)) if held else ""
        self._unfinished_cache = (version, text)
        return text

    def text(self) -> str:
        """Everything: the committed text and the masked unfinished line."""
        return self.read(0) + self.unfinished()

    # ----- internals -----
    def _store(self, text: str) -> None:
        with self._lock:
            self._open.append(text)
            self._open_size += len(text)
            self.length += len(text)
            self.newlines += text.count("\n")
            if self._open_size >= BLOCK or len(self._open) >= 1024:
                self._blocks.append("".join(self._open))
                self._block_ends.append(self.length)
                self._open = []
                self._open_size = 0

    def __getstate__(self) -> dict[str, str]:
        # Only masked text is pickled: held raw pieces become their masked form.
        return {"text": self.read(0), "unfinished": self.unfinished()}

    def __setstate__(self, state: dict[str, str]) -> None:
        TaskOutput.__init__(self, SecretMasker())
        text = state["text"] + state["unfinished"]
        if text:
            self._store(text)
