"""One live run in the kernel: its view, its I/O, its state — from the cell to the transcript.

The cell, the Stop button, ``%cloudcode wait`` / ``cancel``, *Interrupt kernel* and unloading
the extension all go through the same :class:`LiveRun` methods. One writer per widget: the
flusher on the I/O loop refreshes the live view; the Stop button only signals. At the end the
live view is swapped for the static transcript, so the saved notebook holds HTML and text,
never a widget placeholder.
"""

from __future__ import annotations

import enum
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.request import Request
from ..run.changes import Changes
from ..run.state import Run
from ..text import clip, one_line

if TYPE_CHECKING:
    import concurrent.futures

    from ..client.handle import RunHandle
    from ..views.flusher import Flusher
    from ..views.follower import Follower
    from ..views.transcript import Transcript

REFRESH_INTERVAL = 0.1  # seconds: the live view never refreshes faster than 10 Hz


class LiveState(enum.Enum):
    """Where a live run is; it only ever moves down this list (a step may be skipped)."""

    READY = "ready"  # the view is shown; nothing has been sent yet
    STREAMING = "streaming"  # the request is out: connecting, or reading the event stream
    ENDED = "ended"  # the connection is closed and the Run's status is final; the live view is up
    TRANSCRIBED = "transcribed"  # the I/O thread put the transcript in place (a --no-wait run); a cell has yet to say it again
    FINISHED = "finished"  # the transcript is in place, said from a cell: nothing is left to do


@dataclass(frozen=True)
class RunSummary:
    """What the history keeps of a finished run once its Run may be freed."""

    started_at: float
    repo: str
    branch: str
    thread_id: str | None
    status: str
    duration: float
    tasks: tuple[str, ...]
    prompt: str
    error: str = ""
    changes: Changes | None = None
    received: int = 0  # events received: 0 when the API never answered with a stream

    @classmethod
    def of(cls, run: Run) -> RunSummary:
        first_prompt = next(iter(run.info.prompts.values()), "")
        return cls(
            started_at=run.started_at,
            repo=run.info.repo,
            branch=run.info.branch,
            thread_id=run.thread_id,
            status=run.status,
            duration=run.duration,
            tasks=tuple(clip(name, 40) for name in list(run.tasks)[:20]) + (("…",) if len(run.tasks) > 20 else ()),
            prompt=one_line(first_prompt, 80),
            error=run.error.message if run.error else "",
            changes=run.changes,
            received=run.event_count,
        )


class LiveRun:
    """A run of this kernel: shown as a live widget view or as text, then as a transcript.

    ``mode`` is "widget", "text" or "board" (one of an ``--across`` cell's runs: the board shows
    it, the run has no view of its own); ``source`` labels where events come from ("" for the API,
    "simulator", "replay …"); ``write`` prints a text line (text mode).
    """

    def __init__(
        self,
        number: int,
        request: Request,
        run: Run,
        *,
        mode: str,
        source: str = "",
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.number = number
        self.request = request
        self.mode = mode
        self.source = source
        self.state = LiveState.READY
        self.detached = False  # --no-wait: no cell waits; the I/O thread leaves the transcript
        self.recording_id: str | None = None  # the recording it replays, or is written to
        self.answers = "API"  # where its events come from: "API", "simulated", "replay (API)", "replay (simulated)"
        self._run: Run | None = run
        self._run_ref = weakref.ref(run)
        self._summary: RunSummary | None = None
        self._handle: RunHandle | None = None
        self._cancel_requested = False
        self._lock = threading.Lock()  # guards the swap to the transcript (cell vs I/O thread)
        self._write = write or _print
        self._view: Any = None
        self._display: Any = None
        self._transcript: Transcript | None = None
        self._flusher_future: concurrent.futures.Future[None] | None = None
        self.flusher: Flusher | None = None  # the live view's Flusher (its ``calls`` count refreshes)
        self.followers: list[Follower] = []  # more live views of it (%cloudcode show), finished with it
        self.starter: Callable[[Run], RunHandle] = _not_prepared  # how :meth:`start` begins its I/O

    # ----- reading -----
    @property
    def run(self) -> Run | None:
        """The Run (None once finished and no longer referenced anywhere else)."""
        return self._run if self._run is not None else self._run_ref()

    @property
    def summary(self) -> RunSummary:
        run = self.run
        if self._summary is not None:
            return self._summary
        assert run is not None  # held until the summary exists
        return RunSummary.of(run)

    @property
    def ended(self) -> bool:
        """The I/O is over: the Run has its final status."""
        return self.state not in (LiveState.READY, LiveState.STREAMING) or (
            self._handle is not None and self._handle.done()
        )

    @property
    def finished(self) -> bool:
        return self.state is LiveState.FINISHED

    @property
    def handle(self) -> RunHandle | None:
        """The I/O's handle, once started."""
        return self._handle

    # ----- the life of a run -----
    def show(self) -> None:
        """Display the view; nothing has been sent yet."""
        run = self._live()
        if self.mode == "board":
            return
        if self.mode == "widget":
            from IPython.display import display

            from ..views.widget import LiveView

            self._view = LiveView(run, on_stop=self.cancel, source=self.source)
            self._display = display(self._view.widget, display_id=True)
        else:
            from ..views.text_view import TextView

            self._view = TextView(run, write=self._write, source=self.source)
            self._view.open()

    def start(self, begin: Callable[[Run], RunHandle], *, detached: bool = False) -> None:
        """Start the I/O with ``begin(run) -> RunHandle``, and the live view's refreshes."""
        self.detached = detached
        if self._cancel_requested:  # stopped before anything was sent: send nothing
            self.abandon()
            return
        self._handle = begin(self._live())
        self.state = LiveState.STREAMING
        if self._cancel_requested:
            self._handle.cancel()
        if self.mode == "widget":
            from ..client.loop import background
            from ..views.flusher import Flusher

            self.flusher = Flusher(self._view.refresh, interval=REFRESH_INTERVAL)
            self._flusher_future = background.submit(self._follow(self._handle, self.flusher))

    async def _follow(self, handle: RunHandle, flusher: Flusher) -> None:
        import asyncio

        ended = asyncio.Event()
        handle.add_done_callback(lambda _: ended.set())  # called on this loop's thread
        await flusher.run_until(handle.done, ended)
        if self.detached:
            self._swap_to_transcript(close_widgets=False)

    def follow(self, follower: Follower) -> None:
        """Keep ``follower`` (another live view, shown by ``%cloudcode show``) refreshed until the run
        ends; :meth:`finish` finishes it too."""
        if self._handle is None or self.finished:
            raise RuntimeError("the run is not streaming")
        self.followers.append(follower)
        follower.follow(self._handle)

    def cancel(self) -> None:
        """Stop the run: close the connection at once, keep what arrived (any thread)."""
        self._cancel_requested = True
        if self._handle is not None:
            self._handle.cancel()

    def abandon(self) -> None:
        """The cell was interrupted, possibly before the I/O started: cancel whatever started,
        and settle a run that never did (main thread)."""
        self.cancel()
        if self._handle is None and self.state is LiveState.READY:
            self._live().finish("cancelled")
            self.state = LiveState.ENDED
        self.finish()

    def wait(self, timeout: float | None = None, *, tick: Callable[[], None] | None = None) -> Run:
        """Block until the I/O is over (Ctrl-C cancels: RunCancelled), then :meth:`finish`;
        ``tick`` (default: a text view's refresh) is called every fraction of a second.

        Raises the error of a failure before the stream started."""
        run = self._live()
        if self._handle is None:
            self.finish()
            return run
        if tick is None and self.mode == "text":
            tick = self._view.refresh
        try:
            self._handle.wait(timeout, tick=tick)
        finally:
            if self._handle.done():
                self.finish()
        return run

    def finish(self) -> None:
        """Swap the live view for the transcript and let go of what only a live run needs
        (main thread; idempotent; does nothing while the I/O is still going)."""
        if self.state is LiveState.FINISHED or not self.ended:
            return
        if self._flusher_future is not None:
            try:
                self._flusher_future.result(timeout=5)  # the last refresh (and a detached swap)
            except Exception:
                pass
        if not self._swap_to_transcript() and self._transcript is not None:
            # Swapped from the I/O thread: say it again from a cell, for clients such as
            # nbclient and papermill that only read the messages of the running cell; empty and
            # close the widgets from here too, or such clients keep their last tails.
            self._display.update(self._transcript)
            if self.mode == "widget":
                self._view.close_widgets()
        for follower in self.followers:
            follower.finish()
        self.followers.clear()
        self.state = LiveState.FINISHED
        run = self._live()
        self._summary = RunSummary.of(run)
        self._run = None  # the history holds the summary; the Run lives while the user holds it
        self._view = self._transcript = self._display = self._flusher_future = None

    # ----- internals -----
    def _live(self) -> Run:
        run = self._run
        if run is None:
            raise RuntimeError("the run is finished")
        return run

    def _swap_to_transcript(self, *, close_widgets: bool = True) -> bool:
        """Replace the live view by the transcript, once; False if it was done already.
        ``close_widgets=False`` leaves the emptied-and-closed widgets to :meth:`finish` (from a cell)."""
        with self._lock:
            if self.state in (LiveState.TRANSCRIBED, LiveState.FINISHED):
                return False
            self.state = LiveState.ENDED
            run = self._live()
            if self._view is None:  # interrupted before the view was shown
                pass
            elif self.mode == "widget":
                from ..views.transcript import Transcript

                self._view.stop()
                self._transcript = Transcript(run, source=self.source)
                self._display.update(self._transcript)
                if close_widgets:
                    self._view.close_widgets()
            else:
                self._view.close()
            self.state = LiveState.TRANSCRIBED
            return True


def _not_prepared(run: Run) -> RunHandle:
    raise RuntimeError("this run was not prepared to start")


def wait_all(runs: list[LiveRun]) -> None:
    """Wait for each of ``runs``; Ctrl-C cancels every one of them (not only the one waited on)."""
    try:
        for live in runs:
            live.wait()
    except KeyboardInterrupt:
        cancel_all(runs)
        raise


def cancel_all(runs: list[LiveRun], settle: float = 5.0) -> None:
    """Cancel ``runs``, give each up to ``settle`` seconds in all to close, leave their transcripts."""
    for live in runs:
        live.cancel()
    deadline = time.monotonic() + settle
    for live in runs:
        while not live.ended and time.monotonic() < deadline:
            time.sleep(0.02)
        live.finish()


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
