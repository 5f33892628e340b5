"""A handle on a run going on in the background: wait for it, cancel it, read its Run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine

from ..errors import CloudCodeError, RunCancelled
from ..run.state import Run
from .loop import BackgroundLoop, background

_WAIT_SLICE = 0.2  # seconds; short slices keep Ctrl-C responsive on every platform


class RunHandle:
    """Runs ``coro`` (which fills ``run``) on the background loop.

    ``cancel()`` works from any thread at any moment — before the coroutine started, while it
    streams, after it ended — and the run always settles with a final status.
    """

    def __init__(self, run: Run, coro: Coroutine[object, object, object], loop: BackgroundLoop = background) -> None:
        self.run = run
        self._loop = loop
        self._settled = threading.Event()
        self._callbacks: list[Callable[[RunHandle], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._cancel_requested = False
        self._error: CloudCodeError | None = None  # what failed before the stream started
        self._future = loop.submit(self._guard(coro))

    async def _guard(self, coro: Coroutine[object, object, object]) -> None:
        self._task = asyncio.current_task()
        try:
            if self._cancel_requested:
                coro.close()
                self.run.finish("cancelled")
                return
            await coro
        except CloudCodeError as error:
            self._error = error
        except asyncio.CancelledError:
            self.run.finish("cancelled")
        finally:
            self._settled.set()
            for callback in list(self._callbacks):
                try:
                    callback(self)
                except Exception:  # a view's callback must never break the run
                    pass

    def add_done_callback(self, callback: Callable[[RunHandle], None]) -> None:
        """Called on the loop thread once the run has settled (the connection closed)."""
        self._callbacks.append(callback)
        if self._settled.is_set():
            callback(self)

    def done(self) -> bool:
        """Whether the run has settled: the connection is closed and the status final."""
        return self._settled.is_set()

    def settled(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the run to settle (no Ctrl-C handling); whether it did."""
        return self._settled.wait(timeout)

    def cancel(self) -> None:
        """Close the connection now; thread-safe, returns at once."""
        self._cancel_requested = True
        self._loop.call_soon(self._cancel_on_loop)

    def _cancel_on_loop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def wait(self, timeout: float | None = None, *, tick: Callable[[], None] | None = None) -> Run:
        """Block until the run settles and return it; ``tick`` is called every fraction of a second.

        Raises the :class:`~cc_jupyter.CloudCodeError` of a failure before the stream started;
        on Ctrl-C cancels the run and raises :class:`~cc_jupyter.RunCancelled`; ``TimeoutError``
        if ``timeout`` passes first (the run goes on)."""
        try:
            self._wait(timeout, tick)
        except KeyboardInterrupt:
            self.cancel()
            self._settled.wait(5)
            raise RunCancelled(self.run) from None
        if self._error is not None:
            raise without_traceback(self._error)
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


def without_traceback(error: CloudCodeError) -> CloudCodeError:
    """The error as raised in this thread: the I/O thread's frames (and their locals) dropped."""
    error.__traceback__ = None
    error.__context__ = None
    error.__cause__ = None
    return error
