"""A loopback HTTP/1.1 server on raw sockets, for the faults no web framework will produce.

``POST /invoke/stdout`` gets a ``text/event-stream`` head written by hand and then whatever the
test's script does with the :class:`Stream`: events, keep-alive comments, silence (until the
server is closed), a TCP reset, or a clean close. Any other request gets a 404 and a close.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream\r\n"
    b"Cache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"Connection: close\r\n\r\n"
)
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"


class Stream:
    """The server's side of one event stream; each write is one HTTP chunk, sent at once."""

    def __init__(self, conn: socket.socket, stop: threading.Event) -> None:
        self.conn = conn
        self.stop = stop

    def event(self, kind: str, data: Any) -> None:
        self.chunk(f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode())

    def comment(self, text: str = "ping") -> None:
        self.chunk(f": {text}\n\n".encode())

    def chunk(self, data: bytes) -> None:
        self.conn.sendall(b"%x\r\n%s\r\n" % (len(data), data))

    def pause(self, seconds: float) -> bool:
        """Pace the stream; True when the server is closing (the script should return)."""
        return self.stop.wait(seconds)

    def silence(self) -> None:
        """Send nothing more until the server is closed (the test's teardown)."""
        self.stop.wait()

    def end(self) -> None:
        """A clean end: the closing zero-length chunk, then FIN."""
        self.conn.sendall(b"0\r\n\r\n")
        self.conn.shutdown(socket.SHUT_WR)

    def reset(self) -> None:
        """A TCP reset: linger 0, then close (what arrived before it stays readable)."""
        self.conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.conn.close()


Script = Callable[[Stream], None]


class RawSSEServer:
    """Listens on 127.0.0.1; ``url`` is the API base URL; ``invocations`` counts the POSTs.
    ``head=False``: the script runs before any byte of the response is sent."""

    def __init__(self, script: Script, *, head: bool = True) -> None:
        self.script = script
        self.head = head
        self.stop = threading.Event()
        self.invocations = 0
        self.failures: list[BaseException] = []  # a script that broke (reported by the tests)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, name="raw-sse-accept", daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.stop.set()
        try:
            socket.create_connection(self._listener.getsockname()[:2], timeout=5).close()  # wakes accept()
        except OSError:
            pass
        self._accepting.join(10)
        self._listener.close()
        for thread in self._threads:
            thread.join(10)

    def _accept(self) -> None:
        while not self.stop.is_set():
            conn, _ = self._listener.accept()
            if self.stop.is_set():
                conn.close()
                return
            thread = threading.Thread(target=self._serve, args=(conn,), name="raw-sse-conn", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            method, path = _read_request(conn)
            if method == "POST" and path.endswith("/invoke/stdout"):
                self.invocations += 1
                if self.head:
                    conn.sendall(HEAD)
                self.script(Stream(conn, self.stop))
            else:
                conn.sendall(NOT_FOUND)
        except OSError:
            pass  # the client went away: nothing to report
        except BaseException as error:  # pragma: no cover - a broken script shows in the test
            self.failures.append(error)
        finally:
            conn.close()


def _read_request(conn: socket.socket) -> tuple[str, str]:
    """Read the whole request (head and body: unread bytes would turn the close into a reset)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            raise ConnectionError("the client closed before its request ended")
        data += piece
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path = lines[0].split(" ")[:2]
    length = next((int(v) for k, _, v in (line.partition(":") for line in lines[1:]) if k.lower() == "content-length"), 0)
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return method, path


@contextmanager
def raw_servers() -> Iterator[list[RawSSEServer]]:
    """The raw servers a test starts (it appends them): each is closed, its silence ended, at the
    end, and none may have failed."""
    servers: list[RawSSEServer] = []
    yield servers
    for server in servers:
        server.close()
    for server in servers:
        assert not server.failures, server.failures
