"""Playing a script onto a socket as a chunked SSE body: pauses, pings, cuts, disconnects."""
from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable

from . import flood
from .gates import Gates
from .items import Call, Emit, Flood, Hold, Later, Pause, Raw, Script
from .wire import BOM, LAST_CHUNK, Wire, chunk

POLL = 0.1  # the longest the server goes without noticing a closed client


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


def check_connected(sock: socket.socket) -> None:
    """Raise Disconnected if the client has already closed the connection."""
    if _closed(sock, 0):
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
    """Writes one script; counts events so callers can record progress and cut on time."""

    def __init__(self, sock: socket.socket, wire: Wire, *, bom: bool, ping: float, stop: threading.Event,
                 progress: Callable[[int], None], gates: Gates | None = None,
                 held: Callable[[str | None], None] = lambda name: None,
                 completing: Callable[[], None] = lambda: None) -> None:
        self.sock, self.wire, self.ping, self.stop = sock, wire, ping, stop
        self.progress, self.gates, self.held = progress, gates or Gates(), held
        self.completing = completing  # called before the last chunk, so the client never sees the end first
        self.sent = 0
        self._prefix = BOM if bom else b""
        self._next_ping = time.monotonic() + ping

    def play(self, script: Script, cut_at: int | None) -> str:
        """Returns "completed" or "cut"; raises Disconnected or Stopped."""
        if cut_at == 0:
            return "cut"
        for item in script.items:
            if isinstance(item, Pause):
                wait(self.sock, item.seconds, self.stop, self._maybe_ping)
            elif isinstance(item, Flood):
                self._flood(item, cut_at)
            elif isinstance(item, Hold):
                self._hold(item.name)
            elif isinstance(item, Call):
                if self.stop.is_set():
                    raise Stopped
                check_connected(self.sock)  # a client that left gets nothing done on its behalf
                item.action()
            elif isinstance(item, Later):
                self._event(item.render())
            elif isinstance(item, Raw):
                self._send(item.data)
                self.sent += item.events
                self.progress(self.sent)
            else:
                self._event(item)
            if cut_at is not None and self.sent >= cut_at:
                return "cut"
        self.completing()
        self._send(LAST_CHUNK, framed=False)
        return "completed"

    def _hold(self, name: str) -> None:
        """Wait at a gate until it is released, still pinging and noticing a client that leaves."""
        self.held(name)  # recorded before wait_held() can see the run arrive
        ticket = self.gates.arrive(name)
        try:
            while not self.gates.is_open(name, ticket):
                wait(self.sock, POLL, self.stop, self._maybe_ping)
        finally:
            self.gates.leave(name)
            self.held(None)

    def _event(self, ev: Emit) -> None:
        data = self.wire.data_only(ev.payload) if ev.bare else self.wire.event(self.sent, ev.name, ev.payload)
        if ev.split:
            # Split inside the first multibyte character, to catch clients decoding per chunk.
            at = next((i for i, b in enumerate(data) if b >= 0xC0), len(data) - 1) + 1
            self._send(data[:at])
            self._send(data[at:])
        else:
            self._send(data)
        self.sent += 1
        self.progress(self.sent)

    def _flood(self, fl: Flood, cut_at: int | None) -> None:
        count = fl.count if cut_at is None else max(0, min(fl.count, cut_at - self.sent))
        body = flood.render(self.wire, self.sent, count, fl.count, fl.tasks, fl.with_task, fl.width)
        for block in flood.blocks(body):
            self._send(block)
        self.sent += count
        self.progress(self.sent)

    def _maybe_ping(self) -> float:
        """Send a keep-alive comment when one is due; returns seconds until the next one."""
        if not self.ping:
            return POLL
        if time.monotonic() >= self._next_ping:
            self._send(self.wire.comment("ping"))
            self._next_ping = time.monotonic() + self.ping
        return self._next_ping - time.monotonic()

    def _send(self, data: bytes, framed: bool = True) -> None:
        if self.stop.is_set():
            raise Stopped
        if framed:
            data, self._prefix = chunk(self._prefix + data), b""
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise Disconnected from exc
