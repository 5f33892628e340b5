"""The background event loop thread every run's I/O happens on.

The pattern of jupyter_core's ``run_sync`` (used by nbclient and papermill), not nest_asyncio:
a daemon thread runs its own loop; callers submit coroutines and wait on their futures, so
a cell blocks, its output belongs to it, and Ctrl-C lands in the caller's wait.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any


class BackgroundLoop:
    """One daemon thread running an asyncio loop, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                ready = threading.Event()
                loop = asyncio.new_event_loop()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=serve, name="cc_jupyter-io", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call_soon(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` on the loop thread (from any thread)."""
        self.loop.call_soon_threadsafe(callback)


background = BackgroundLoop()
