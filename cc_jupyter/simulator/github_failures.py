"""Failure modes of the simulated GitHub REST API, set per repository by tests and demos."""
from __future__ import annotations

import threading

from .repo_ref import parse_repo

MODES = ("404", "ratelimit", "timeout", "garbage", "500")


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

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._modes.get(key)

    def clear(self) -> None:
        with self._lock:
            self._modes.clear()
