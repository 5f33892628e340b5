"""The simulated GitHub's tokens: a call needs one that a run used on the repository (or the first one seen);
a listing of an owner's repositories, one that a run used on any of them (or the first one seen)."""
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
        """A token a run used on `repo` (and so on its owner)."""
        if token:
            with self._lock:
                for key in (repo.key, _owner_key(repo.owner)):
                    self._seen.setdefault(key, set()).add(_digest(token))

    def accepts(self, key: str, token: str) -> bool:
        """True when `token` was seen on `key`; a key first seen here adopts the first token."""
        with self._lock:
            known = self._seen.setdefault(key, set())
            if not known:
                known.add(_digest(token))
            return _digest(token) in known

    def answer(self, h: Exchange, rid: int, repo: RepoRef) -> bool:
        """A 401 for a call without a token, or with one never seen on `repo`; False when it may go on."""
        return self._refused(h, rid, repo.key)

    def answer_owner(self, h: Exchange, rid: int, owner: str) -> bool:
        """A 401 for a listing of `owner`'s repositories without a token, or with one never seen on it."""
        return self._refused(h, rid, _owner_key(owner))

    def _refused(self, h: Exchange, rid: int, key: str) -> bool:
        token = github.token_of(h.headers.get("Authorization", ""))
        if token and self.accepts(key, token):
            return False
        github.send(h, rid, github.error(401, "Bad credentials" if token else "Requires authentication"))
        return True


def _owner_key(owner: str) -> str:
    return f"owner:{owner.lower()}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
