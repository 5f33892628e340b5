"""The simulated GitHub's tokens: a call needs one that a run used on the repository (or the first one seen)."""
from __future__ import annotations

import hashlib
import threading

from cc_jupyter.simulator import github
from cc_jupyter.simulator.extension import Exchange
from cc_jupyter.simulator.repos import RepoRef


class Tokens:
    """The tokens seen per repository (as digests, never the token); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, set[str]] = {}

    def remember(self, repo: RepoRef, token: str) -> None:
        """A token a run used on `repo`."""
        if token:
            with self._lock:
                self._seen.setdefault(repo.key, set()).add(_digest(token))

    def accepts(self, repo: RepoRef, token: str) -> bool:
        """True when `token` was seen on `repo`; a repository first seen here adopts the first token."""
        with self._lock:
            known = self._seen.setdefault(repo.key, set())
            if not known:
                known.add(_digest(token))
            return _digest(token) in known

    def answer(self, h: Exchange, rid: int, repo: RepoRef) -> bool:
        """A 401 for a call without a token, or with one never seen on `repo`; False when it may go on."""
        token = github.token_of(h.headers.get("Authorization", ""))
        if token and self.accepts(repo, token):
            return False
        github.send(h, rid, github.error(401, "Bad credentials" if token else "Requires authentication"))
        return True


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
