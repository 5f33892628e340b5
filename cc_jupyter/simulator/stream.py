"""Playing a script onto a socket as a chunked SSE body: framing, pauses, work mid-stream, disconnects."""
from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .items import Call, Emit, Item, Later, Pause, Script

POLL = 0.1  # the longest the server goes without noticing a closed client
LAST_CHUNK = b"0\r\n\r\n"


def encode(text: str) -> bytes:
    """UTF-8, turning lone surrogates (\\udc80-\\udcff) into the raw bytes they stand for."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates, e.g. echoed from a prompt's JSON escapes
        return text.encode("utf-8", "replace")


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk (callers never pass b"": that would end the body)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


class Wire:
    """How events are framed: an `event:` line, then one `data:` line of compact JSON.

    Raw UTF-8 rather than \\u escapes, so clients must decode multibyte text themselves.
    `index` is the event's 0-based position in the stream (subclasses may frame by it).
    """

    def event(self, index: int, name: str, payload: Any) -> bytes:
        return encode(f"event: {name}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n")


class Disconnected(Exception):
    """The client went away."""


class Stopped(Exception):
    """The simulator is shutting down."""


def wait(sock: socket.socket, seconds: float, stop: threading.Event,
         tick: Callable[[], float] | None = None) -> None:
    """Sleep `seconds`, polling for a closed peer every POLL at most; `tick` returns when it is next due."""
    deadline = time.monotonic() + seconds
    while True:
        if stop.is_set():
            raise Stopped
        due = tick() if tick is not None else POLL
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        if _closed(sock, max(0.0, min(POLL, remaining, due))):
            raise Disconnected


def _closed(sock: socket.socket, timeout: float) -> bool:
    """Whether the peer closed within `timeout` seconds."""
    try:
        # Anything readable after the request body is either EOF or stray bytes to drop.
        return _readable(sock, timeout) and not sock.recv(65536)
    except OSError:
        return True


def _readable(sock: socket.socket, timeout: float) -> bool:
    if hasattr(select, "poll"):  # select.select fails on descriptors >= 1024
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(timeout * 1000))
    return bool(select.select([sock], [], [], timeout)[0])


class Player:
    """Writes one script and counts its events; `note(**fields)` updates the request's record.

    Subclasses play more item types (`play_item`), pause differently, or end early (`finished`).
    """

    def __init__(self, sock: socket.socket, wire: Wire, stop: threading.Event, note: Callable[..., None],
                 completing: Callable[[], None]) -> None:
        self.sock, self.wire, self.stop, self.note = sock, wire, stop, note
        self.completing = completing  # called before the last chunk, so the client never sees the end first
        self.sent = 0

    def play(self, script: Script) -> str:
        """Returns "completed" or "cut"; raises Disconnected or Stopped."""
        for item in script.items:
            self.play_item(item)
            if self.finished():
                return "cut"
        self.completing()
        self.send(LAST_CHUNK, framed=False)
        return "completed"

    def play_item(self, item: Item) -> None:
        if isinstance(item, Pause):
            self.pause(item.seconds)
        elif isinstance(item, Call):
            if self.stop.is_set():
                raise Stopped
            if _closed(self.sock, 0):  # a client that left gets nothing done on its behalf
                raise Disconnected
            item.action()
        elif isinstance(item, Later):
            self.emit(item.render())
        elif isinstance(item, Emit):
            self.emit(item)
        else:
            raise TypeError(f"no player for {item!r}")

    def finished(self) -> bool:
        """Whether to stop here, before the script's end (never, unless a subclass says so)."""
        return False

    def pause(self, seconds: float) -> None:
        wait(self.sock, seconds, self.stop)

    def emit(self, ev: Emit) -> None:
        self.send(self.wire.event(self.sent, ev.name, ev.payload))
        self.count(1)

    def count(self, events: int) -> None:
        self.sent += events
        self.note(events_sent=self.sent)

    def send(self, data: bytes, framed: bool = True) -> None:
        if self.stop.is_set():
            raise Stopped
        try:
            self.sock.sendall(chunk(data) if framed else data)
        except OSError as exc:
            raise Disconnected from exc
