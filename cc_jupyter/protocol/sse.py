"""An incremental Server-Sent Events decoder that follows the WHATWG parsing rules.

Bytes go in as they arrive from the socket, in chunks of any size; complete events come out.
Lines are split on the bytes CR, LF and CRLF (a CRLF may straddle two chunks) before decoding,
so a UTF-8 character split across chunks is reassembled, and invalid UTF-8 becomes U+FFFD
instead of an exception. A BOM at the very start of the stream is dropped. Time is linear in
the input: an unfinished line is kept as a list of chunks, joined once when it ends.

The project owns this decoder rather than using httpx-sse, whose 0.4.3 release (linear on long
lines, as this one) still keeps a leading BOM (the first event is lost) and dispatches empty
events after keep-alive comments once an ``id:`` was seen (docs/architecture.md).
"""

from __future__ import annotations

from typing import NamedTuple

_BOM = b"\xef\xbb\xbf"
_MAX_RETRY_DIGITS = 10  # a longer ``retry:`` value is ignored (int() of thousands of digits raises)


class SSEvent(NamedTuple):
    """One dispatched event: ``event`` is ``"message"`` when the stream named none."""

    event: str
    data: str
    id: str


_new = tuple.__new__  # builds an SSEvent without NamedTuple's slower constructor: once per event


class SSEDecoder:
    """Feed bytes with :meth:`feed`; it returns the events completed by those bytes."""

    def __init__(self) -> None:
        self._unfinished: list[bytes] = []  # the pieces of a line not yet ended
        self._skip_lf = False  # the previous chunk ended in CR: a leading LF ends nothing
        self._bom_checked = False
        self._event = ""
        self._data: list[str] = []
        self._last_id = ""
        self.retry: int | None = None  # the reconnection time the stream asked for, in ms (unused)
        self.comments = 0  # keep-alive comment lines seen

    def feed(self, chunk: bytes) -> list[SSEvent]:
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not chunk:
            return []
        if not self._bom_checked:
            chunk = self._without_bom(chunk)
            if not chunk:
                return []
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1
        if end == 0:
            self._unfinished.append(chunk)
            return []
        if self._unfinished:
            self._unfinished.append(chunk[:end])
            complete = b"".join(self._unfinished)
            self._unfinished = []
        else:
            complete = chunk if end == len(chunk) else chunk[:end]
        if end < len(chunk):
            self._unfinished.append(chunk[end:])
        elif complete[-1:] == b"\r":
            self._skip_lf = True
        return self._lines(complete.splitlines())

    def close(self) -> list[SSEvent]:
        """End of stream: an unterminated last line is processed, an unfinished event discarded."""
        events: list[SSEvent] = []
        if self._unfinished:
            self._line(b"".join(self._unfinished), events)
            self._unfinished = []
        self._event = ""
        self._data.clear()
        return events

    def _without_bom(self, chunk: bytes) -> bytes:
        pending = b"".join(self._unfinished) + chunk
        if len(pending) < len(_BOM) and _BOM.startswith(pending):
            self._unfinished = [pending]
            return b""
        self._bom_checked = True
        self._unfinished = []
        return pending[len(_BOM) :] if pending.startswith(_BOM) else pending

    def _lines(self, lines: list[bytes]) -> list[SSEvent]:
        events: list[SSEvent] = []
        append = events.append
        data = self._data
        event = self._event
        # "data: ...", "event: ..." and blank lines are handled inline: this loop runs once per
        # line of a stream that may carry thousands of events per second.
        for line in lines:
            if not line:
                if data:
                    text = data[0] if len(data) == 1 else "\n".join(data)
                    append(_new(SSEvent, (event or "message", text, self._last_id)))
                    data.clear()
                event = ""
            elif line[:6] == b"data: ":
                data.append(line[6:].decode("utf-8", "replace"))
            elif line[:7] == b"event: ":
                event = line[7:].decode("utf-8", "replace")
            else:
                self._event = event
                self._line(line, events)
                event = self._event
        self._event = event
        return events

    def _line(self, line: bytes, events: list[SSEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line[:1] == b":":
            self.comments += 1
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id" and b"\x00" not in value:
            self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit() and len(value) <= _MAX_RETRY_DIGITS:
            self.retry = int(value)
        # any other field is ignored, as the spec says

    def _dispatch(self, events: list[SSEvent]) -> None:
        data = self._data
        if data:
            text = data[0] if len(data) == 1 else "\n".join(data)
            events.append(_new(SSEvent, (self._event or "message", text, self._last_id)))
            data.clear()
        self._event = ""
