"""A background event loop thread, and handles on runs started on it.

The pattern of jupyter_core's ``run_sync`` (used by nbclient and papermill), not nest_asyncio:
a daemon thread runs its own loop; a blocking caller waits on a concurrent future in short
timeouts, so Ctrl-C / "Interrupt kernel" lands in that wait and cancels the run at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Callable, Coroutine

from ..errors import RunCancelled
from ..run.state import Run

_WAIT_SLICE = 0.2  # seconds; short slices keep Ctrl-C responsive on every platform


class BackgroundLoop:
    """One daemon thread running an asyncio loop, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or not self._thread or not self._thread.is_alive():
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

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` on the loop thread (thread-safe)."""
        self.loop.call_soon_threadsafe(callback)

    @property
    def in_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread


background = BackgroundLoop()


class RunHandle:
    """A run going on in the background: wait for it, cancel it, read its :class:`Run`."""

    def __init__(self, run: Run, coro: Coroutine[Any, Any, Any], loop: BackgroundLoop = background) -> None:
        self.run = run
        self._settled = threading.Event()
        self._callbacks: list[Callable[["RunHandle"], None]] = []
        self._future = loop.submit(self._guard(coro))

    async def _guard(self, coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await coro
        finally:
            self._settled.set()
            for callback in list(self._callbacks):
                try:
                    callback(self)
                except Exception:  # a view's callback must never break the run
                    pass

    def add_done_callback(self, callback: Callable[["RunHandle"], None]) -> None:
        """Called on the loop thread once the run has settled (after the connection closed)."""
        self._callbacks.append(callback)
        if self._settled.is_set():
            callback(self)

    def done(self) -> bool:
        return self._settled.is_set()

    def wait_settled(self, timeout: float) -> bool:
        """Wait (without raising) until the connection is closed and the run settled."""
        return self._settled.wait(timeout)

    def cancel(self) -> None:
        """Close the connection now; thread-safe, returns at once."""
        self._future.cancel()

    def wait(self, timeout: float | None = None, *, tick: Callable[[], None] | None = None) -> Run:
        """Block until the run ends and return it. Raises the pre-stream :class:`CloudCodeError`
        if there was one; on Ctrl-C cancels the run and raises :class:`RunCancelled`."""
        try:
            self._wait(timeout, tick)
        except KeyboardInterrupt:
            self.cancel()
            self._settled.wait(5)
            if tick is not None:
                tick()
            raise RunCancelled(self.run) from None
        try:
            self._future.result(timeout=5)  # settled: the future completes right after
        except (concurrent.futures.CancelledError, concurrent.futures.TimeoutError):
            pass  # cancelled (Stop button, cancel()): the run says so in its status
        return self.run

    def _wait(self, timeout: float | None, tick: Callable[[], None] | None) -> None:
        remaining = timeout
        while not self._settled.wait(_WAIT_SLICE if remaining is None else min(_WAIT_SLICE, remaining)):
            if tick is not None:
                tick()
            if remaining is not None:
                remaining -= _WAIT_SLICE
                if remaining <= 0:
                    raise TimeoutError("the run is still going")
        if tick is not None:
            tick()
