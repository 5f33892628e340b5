"""Wiring one run to what the user sees: a live widget view or text, then a static transcript.

One writer per widget: the flusher on the I/O loop thread refreshes the live view; the Stop
button only signals. At the end the live view is swapped for the transcript (by the waiting
cell, or by the I/O thread for a --no-wait run), so the saved notebook holds plain HTML and
text, never a widget placeholder.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any, Callable

from ..run.state import Run

if TYPE_CHECKING:
    from ..client.runner import RunHandle

REFRESH_INTERVAL = 0.1  # seconds: the view never refreshes faster than 10 Hz


class Presenter:
    """Shows ``run`` live (``mode`` "widget" or "text") and leaves a transcript when it ends."""

    def __init__(self, run: Run, *, mode: str, simulated: bool = False, write: Callable[[str], None] | None = None):
        self.run = run
        self.mode = mode
        self.simulated = simulated
        self.handle: RunHandle | None = None
        self.finished = False
        self.detached = False  # --no-wait: no cell waits, the I/O thread leaves the transcript
        self._finish_lock = threading.Lock()
        self._transcript: Any = None
        self._republished = False
        self._stop_requested = False
        self._display: Any = None
        self._view: Any = None
        self._flusher_future: Any = None
        self.flusher: Any = None  # the live view's Flusher (its ``calls`` count refreshes)
        self._write = write or _print

    # ----- before I/O -----
    def show(self) -> None:
        """Display the view (nothing has been sent yet)."""
        if self.mode == "widget":
            from IPython.display import display

            from ..views.widget import LiveView

            self._view = LiveView(self.run, on_stop=self.request_stop, simulated=self.simulated)
            self._display = display(self._view.widget, display_id=True)
        else:
            from ..views.text import TextView

            self._view = TextView(self.run, write=self._write, parallel=self.run.info.parallel, simulated=self.simulated)
            self._write(_header_line(self.run, self.simulated))

    def attach(self, handle: "RunHandle", *, detached: bool = False) -> None:
        """The run has started: begin refreshing the live view on the I/O loop."""
        self.handle = handle
        self.detached = detached
        if self._stop_requested:
            handle.cancel()
        if self.mode == "widget":
            from ..client.runner import background
            from ..views.flusher import Flusher

            self.flusher = Flusher(self._view.refresh, interval=REFRESH_INTERVAL)
            self._flusher_future = background.submit(self._follow(handle))

    async def _follow(self, handle: "RunHandle") -> None:
        import asyncio

        ended = asyncio.Event()
        handle.add_done_callback(lambda _: ended.set())  # called on this loop's thread
        await self.flusher.run_until(handle.done, ended)
        if self.detached:
            self._leave_transcript()

    def request_stop(self) -> None:
        """The Stop button: only signal (it may be called from another thread)."""
        self._stop_requested = True
        if self.handle is not None:
            self.handle.cancel()

    def note(self, text: str) -> None:
        """A one-line remark in text mode."""
        self._write(f"cloudcode: {text}")

    # ----- waiting (main thread) -----
    def wait(self) -> Run:
        """Block until the run ends, refreshing a text view from this thread; then finish."""
        assert self.handle is not None
        tick = self._view.refresh if self.mode == "text" else None
        try:
            self.handle.wait(tick=tick)
        finally:
            self.finish()
        return self.run

    @property
    def settled(self) -> bool:
        """Ended, and its transcript shown from a cell (what ``finish`` completes)."""
        return self.finished and (self._transcript is None or self._republished or not self.detached)

    def finish(self) -> None:
        """Swap the live view for the static transcript (idempotent; main thread)."""
        if self.handle is not None and not self.handle.done():
            return
        if self._flusher_future is not None:
            try:
                self._flusher_future.result(timeout=5)  # the last refresh (and a detached swap)
            except Exception:
                pass
        if not self._leave_transcript() and self._transcript is not None and not self._republished:
            # Swapped from the I/O thread: say it again from a cell, for clients such as
            # nbclient and papermill that only read the messages of the running cell.
            self._republished = True
            self._display.update(self._transcript)

    def _leave_transcript(self) -> bool:
        """Swap once; False if it was done already."""
        with self._finish_lock:
            if self.finished:
                return False
            self.finished = True
        if self.mode == "widget":
            from ..views.transcript import Transcript

            self._view.close()
            self._transcript = Transcript(self.run, simulated=self.simulated)
            self._display.update(self._transcript)
            self._view.close_widgets()
        else:
            self._view.close()
        return True


def _header_line(run: Run, simulated: bool) -> str:
    source = " · simulator" if simulated else ""
    tasks = ", ".join(run.tasks)
    return f"cloudcode: {run.info.repo}@{run.info.branch} · {run.info.model}{source} · thread {run.thread_id} · tasks: {tasks}"


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
