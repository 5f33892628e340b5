"""One more live view of a run already streaming (``%cloudcode show N`` after a page reload).

It reads the same Run as the run's first view, with a Flusher of its own on the I/O loop, and
when the run ends it is swapped for the transcript from that thread. Its widgets are emptied
and closed from a cell (:meth:`Follower.finish`): clients such as nbclient and papermill read
only the messages of the running cell, so an emptying sent between cells would be lost.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from ..run.state import Run
from .flusher import Flusher
from .transcript import Transcript
from .widget import LiveView

if TYPE_CHECKING:
    import concurrent.futures

    from ..client.handle import RunHandle


class Follower:
    """A :class:`LiveView` of ``run`` in a display of its own; Stop calls ``on_stop``."""

    def __init__(self, run: Run, *, on_stop: Callable[[], None], source: str = "", interval: float = 0.1) -> None:
        self.view = LiveView(run, on_stop=on_stop, source=source)
        self.flusher = Flusher(self.view.refresh, interval=interval)
        self.finished = False
        self._run = run
        self._source = source
        self._lock = threading.Lock()  # guards the swap to the transcript (cell vs I/O thread)
        self._display: Any = None
        self._transcript: Transcript | None = None
        self._future: concurrent.futures.Future[None] | None = None

    def show(self) -> None:
        """Display the live view (in the running cell)."""
        from IPython.display import display

        self._display = display(self.view.widget, display_id=True)

    def follow(self, handle: RunHandle) -> None:
        """Refresh on the I/O loop until ``handle`` settles, then put the transcript in place."""
        from ..client.loop import background

        self._future = background.submit(self._follow(handle))

    async def _follow(self, handle: RunHandle) -> None:
        ended = asyncio.Event()
        handle.add_done_callback(lambda _: ended.set())  # called on this loop's thread
        await self.flusher.run_until(handle.done, ended)
        self._swap()

    def finish(self) -> None:
        """Once the run ended, from a cell: the transcript in place (said again from this cell),
        the widgets emptied and closed. Idempotent."""
        if self.finished:
            return
        if self._future is not None:
            with suppress(Exception):
                self._future.result(timeout=5)  # the last refresh, and the swap
        if not self._swap() and self._display is not None:
            self._display.update(self._transcript)
        self.view.close_widgets()
        self.finished = True

    def _swap(self) -> bool:
        """Replace the live view by the transcript, once; False if it was done already."""
        with self._lock:
            if self._transcript is not None:
                return False
            self.view.stop()
            self._transcript = Transcript(self._run, source=self._source)
            if self._display is not None:
                self._display.update(self._transcript)
            return True
