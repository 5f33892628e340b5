"""Failure modes of the simulated GitHub REST API, set per repository by tests."""
from __future__ import annotations

import threading
import time

from cc_jupyter.simulator import github
from cc_jupyter.simulator.extension import Exchange
from cc_jupyter.simulator.github import NOT_FOUND, Reply, error
from cc_jupyter.simulator.repos import RepoRef, parse_repo
from cc_jupyter.simulator.stream import Disconnected, Stopped, wait

MODES = ("404", "ratelimit", "timeout", "garbage", "500")
GARBAGE = b"<html><body><h1>Unicorn!</h1> This page is taking too long to load.</body></html>\n"


class GithubFailures:
    """repository key (owner/repo, lower case) -> mode; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modes: dict[str, str] = {}

    def set(self, repo: str, mode: str | None) -> None:
        """`repo` is a URL or owner/repo; `mode` one of MODES, or None to clear. Raises ValueError."""
        ref = parse_repo(repo)
        if ref is None:
            raise ValueError(f"not a repository URL or owner/repo: {repo!r}")
        if mode is not None and mode not in MODES:
            raise ValueError(f"unknown GitHub failure mode {mode!r}; expected one of {', '.join(MODES)} or None")
        with self._lock:
            if mode is None:
                self._modes.pop(ref.key, None)
            else:
                self._modes[ref.key] = mode

    def clear(self) -> None:
        with self._lock:
            self._modes.clear()

    def answer(self, h: Exchange, rid: int, repo: RepoRef) -> bool:
        """Fail a call about `repo` as its mode says; False when it has none."""
        with self._lock:
            mode = self._modes.get(repo.key)
        if mode is None:
            return False
        if mode != "timeout":
            github.send(h, rid, _failure(mode, h.client_address[0]))
            return True
        h.close_connection = True  # never answered: held until the client gives up
        h.state.log.update(rid, outcome="waiting")
        try:
            wait(h.connection, float("inf"), h.state.stop)
        except (Disconnected, Stopped):
            h.state.log.close(rid, "cut" if h.state.stop.is_set() else "disconnected")
        return True


def _failure(mode: str, client: str) -> Reply:
    if mode == "404":
        return NOT_FOUND
    if mode == "500":
        return error(500, "Server Error")
    if mode == "garbage":
        return Reply(200, GARBAGE)
    reset = int(time.time()) + 15 * 60
    return Reply(403, {"message": f"API rate limit exceeded for {client}. (But here's the good news: "
                                  "Authenticated requests get a higher rate limit. Check out the documentation "
                                  "for more details.)",
                       "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
                 {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-used": "60",
                  "x-ratelimit-reset": str(reset), "x-ratelimit-resource": "core"})
