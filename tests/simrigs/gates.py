"""Named gates for `hold=NAME`: a run waits at one until it is released; a release is a latch.

Releasing a name before any run reaches it lets later holds on it pass at once. `reset()` lets
every waiting run go and forgets all releases.
"""
from __future__ import annotations

import threading
from collections import Counter


class Gates:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._released: set[str] = set()
        self._waiting: Counter[str] = Counter()
        self._epoch = 0  # bumped by reset(): runs waiting since before it pass

    def release(self, name: str) -> None:
        with self._changed:
            self._released.add(name)
            self._changed.notify_all()

    def reset(self) -> None:
        with self._changed:
            self._released.clear()
            self._epoch += 1
            self._changed.notify_all()

    def arrive(self, name: str) -> int:
        """A run reached the gate; returns the ticket to pass to `is_open` and `leave`."""
        with self._changed:
            self._waiting[name] += 1
            self._changed.notify_all()
            return self._epoch

    def is_open(self, name: str, ticket: int) -> bool:
        with self._changed:
            return name in self._released or ticket != self._epoch

    def leave(self, name: str) -> None:
        with self._changed:
            self._waiting[name] -= 1
            if self._waiting[name] <= 0:
                del self._waiting[name]
            self._changed.notify_all()

    def held(self, name: str) -> int:
        """How many runs wait at `name` now."""
        with self._changed:
            return self._waiting[name]

    def wait_held(self, name: str, timeout: float) -> None:
        """Return once a run is waiting at `name`; raise TimeoutError after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._waiting[name] > 0, timeout):
                raise TimeoutError(f"no run is held at {name!r} after {timeout} s")
