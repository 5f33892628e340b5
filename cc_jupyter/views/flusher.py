"""Throttling, kept apart from rendering: call ``refresh`` at most every ``interval`` seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Flusher:
    """Drives a view's ``refresh`` on an asyncio loop until the run is done, then once more.

    A failing refresh never breaks the loop: the first exception is kept in ``errors`` and
    later ones are only counted in ``failures``.
    """

    def __init__(self, refresh: Callable[[], None], interval: float = 0.1) -> None:
        self.refresh = refresh
        self.interval = interval
        self.errors: list[BaseException] = []
        self.failures = 0
        self.calls = 0
        self.first_call: float | None = None  # time.monotonic() of the first and the latest call
        self.last_call: float | None = None

    @property
    def rate(self) -> float:
        """Calls per second between the first call and the latest one (0 before two calls)."""
        if self.first_call is None or self.last_call is None or self.last_call <= self.first_call:
            return 0.0
        return (self.calls - 1) / (self.last_call - self.first_call)

    async def run_until(self, done: Callable[[], bool], wake: asyncio.Event | None = None) -> None:
        """Refresh every ``interval`` while ``done()`` is false, then a final refresh.

        Setting ``wake`` (when the run ends) cuts the last wait short, so the final view is
        not up to ``interval`` late."""
        try:
            while not done():
                self._call()
                if wake is None:
                    await asyncio.sleep(self.interval)  # sleep after each call: the I/O gets its share
                else:
                    try:
                        await asyncio.wait_for(wake.wait(), self.interval)
                    except asyncio.TimeoutError:
                        pass
        finally:
            self._call()  # also when cancelled: the view shows what arrived

    def _call(self) -> None:
        self.calls += 1
        self.last_call = time.monotonic()
        if self.first_call is None:
            self.first_call = self.last_call
        try:
            self.refresh()
        except Exception as error:
            self.failures += 1
            if not self.errors:
                self.errors.append(error)
