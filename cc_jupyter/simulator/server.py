"""The Simulator: a loopback ThreadingHTTPServer with its shared state and lifecycle."""
from __future__ import annotations

import socket
import sys
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from .handler import Handler
from .records import RequestLog
from .scenario import check_all
from .threads import ThreadStore


@dataclass
class State:
    """Everything request handlers share."""

    api_key: str | None = field(repr=False)
    defaults: dict[str, Any]
    verbose: bool = False
    quiet: bool = False
    log: RequestLog = field(default_factory=RequestLog)
    threads: ThreadStore = field(default_factory=ThreadStore)
    stop: threading.Event = field(default_factory=threading.Event)
    _open: set[socket.socket] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def track(self, sock: socket.socket, alive: bool) -> None:
        with self._changed:
            (self._open.add if alive else self._open.discard)(sock)
            self._changed.notify_all()

    def drop_connections(self, timeout: float = 2.0) -> None:
        """Shut every open connection down and wait for their handlers to finish."""
        with self._changed:
            socks = list(self._open)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self._changed:
            self._changed.wait_for(lambda: not self._open, timeout)

    def reset(self) -> None:
        self.log.clear()
        self.threads.clear()


class SimServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: State) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.state = state
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.state.quiet or isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Simulator:
    """The Cloud Coding API simulator; `defaults` are directive values applied to every request."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None, pace: float = 1.0,
                 *, verbose: bool = False, quiet: bool = False, **defaults: Any) -> None:
        self.host, self._port = host, port
        self.state = State(api_key or None, check_all({"pace": pace, **defaults}), verbose, quiet)
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Simulator:
        if self._server is None:
            self.state.stop.clear()
            self._server = SimServer((self.host, self._port), self.state)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="cc-jupyter-simulator", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; streams in progress end at once without their terminating chunk."""
        server, self._server = self._server, None
        if server is None:
            return
        self.state.stop.set()
        server.shutdown()
        server.server_close()
        self.state.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start()")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def request_log(self) -> list[dict[str, Any]]:
        """A snapshot (copies) of the request records, oldest first."""
        return self.state.log.snapshot()

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.request_log()

    def reset(self) -> None:
        """Forget all request records and thread memory."""
        self.state.reset()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<Simulator {where}>"
