"""The Simulator: a loopback ThreadingHTTPServer with its shared state and lifecycle."""
from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterable, Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from .extension import Extension
from .handler import Handler
from .repos import RepoStore, parse_repo
from .scenario import compile_rules
from .state import RequestLog, State


class SimServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: State, extension: Extension) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.state = state
        super().__init__(address, Handler.bound_to(state, extension))

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.state.quiet or isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


S = TypeVar("S", bound="Simulator")


class Simulator:
    """The Cloud Coding API simulator, with a simulated GitHub of real git repositories.

    `defaults` are directive values applied to every request; `rules` are (regex, "k=v k2")
    pairs applied to requests whose prompt matches; `git_root` holds the bare repositories
    (a temporary directory, removed by stop(), when None); `extension` adds to it (test rigs).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None, pace: float = 1.0,
                 *, verbose: bool = False, quiet: bool = False, git_root: str | os.PathLike[str] | None = None,
                 rules: Iterable[Sequence[str]] | None = None, extension: Extension | None = None,
                 **defaults: Any) -> None:
        self.host, self._port = host, port
        ext = self.extension = extension or Extension()
        directives = ext.directives()
        self.state = State(api_key or None, directives.check_all({"pace": pace, **defaults}), directives,
                           verbose, quiet, rules=compile_rules(rules, directives), repos=RepoStore(git_root),
                           log=RequestLog(ext.record))
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None

    def start(self: S) -> S:
        if self._server is None:
            self.state.stop.clear()
            self._server = SimServer((self.host, self._port), self.state, self.extension)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="cc-jupyter-simulator", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; streams in progress end at once without their terminating chunk.

        The extension lets go of whatever waits, and a temporary git root is removed.
        """
        server, self._server = self._server, None
        if server is None:
            self.state.repos.close()
            return
        self.state.stop.set()
        self.extension.stop()
        server.shutdown()
        server.server_close()
        self.state.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.state.repos.close()

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

    # -- the simulated GitHub ------------------------------------------------------------------

    @property
    def git_root(self) -> Path:
        """The directory of the bare repositories: `<git_root>/<owner>/<repo>.git`."""
        return self.state.repos.root

    def repo_path(self, repo_url: str) -> Path:
        """The bare repository of `https://HOST/<owner>/<repo>` (or `owner/repo`), created if needed."""
        ref = parse_repo(repo_url)
        if ref is None:
            raise ValueError(f"not a repository URL or owner/repo: {repo_url!r}")
        return self.state.repos.ensure(ref)

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<Simulator {where}>"
