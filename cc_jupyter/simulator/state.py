"""What every request handler of one simulator shares: settings, logs, repositories, its extension."""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from .extension import Extension
from .records import RequestLog
from .repos import RepoStore
from .rules import Rule
from .scenario import Directives
from .threads import ThreadStore


@dataclass
class State:
    """Everything request handlers share."""

    api_key: str | None = field(repr=False)
    defaults: dict[str, Any]
    directives: Directives
    extension: Extension = field(default_factory=Extension)
    verbose: bool = False
    quiet: bool = False
    rules: tuple[Rule, ...] = ()
    repos: RepoStore = field(default_factory=RepoStore)
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
