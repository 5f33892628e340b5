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
from typing import TypeVar

_T = TypeVar("_T")


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
                    loop.run_until_complete(loop.shutdown_asyncgens())

                self._thread = threading.Thread(target=serve, name="cc_jupyter-io", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def submit(self, coro: Coroutine[object, object, _T]) -> concurrent.futures.Future[_T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` on the loop thread (from any thread)."""
        self.loop.call_soon_threadsafe(callback)

    @property
    def running(self) -> bool:
        """Whether the loop's thread is alive."""
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what still runs on the loop, stop it and join its thread (``%unload_ext``).
        Idempotent; the next :meth:`submit` starts a new loop."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None or not thread.is_alive():
            return

        async def wind_down() -> None:
            others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(wind_down(), loop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()


background = BackgroundLoop()
