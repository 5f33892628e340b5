"""Writing a recording while the run streams: every masked event the Run keeps, flushed to the
operating system at most half a second after it arrived, so a killed kernel loses nothing more.

A recording that cannot be written never fails its run: at the first ``OSError`` (a full disk,
a file size limit, a read-only folder, a ``.cloudcode`` that is a file) the recorder stops,
keeps what it wrote, and says why in :attr:`Recorder.failure`; the run goes on without it."""

from __future__ import annotations

import asyncio
import datetime
import errno
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from ..protocol.events import Event
from ..run.state import Run
from .format import FORMAT, MARK, ask_key, encode, encode_event

FLUSH_WITHIN = 0.5  # seconds: the most a received event waits before it is on disk
_write = os.write  # one write(2); tests put a failing disk here
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def new_path(directory: Path, recording_id: str, when: datetime.datetime) -> Path:
    return directory / f"{when:%Y%m%d-%H%M%S-%f}-{recording_id[:8]}.jsonl"


class Recorder:
    """Records one run into ``directory``: :meth:`begin` when the stream opens (or fails), then
    every event the Run keeps, then :meth:`close` with how the run ended.

    ``failure`` is None while the recording is written; after the first failed write it is one
    sentence saying which file and why, and nothing more is written."""

    def __init__(self, directory: str | Path, *, source: str = "api", continues: str | None = None,
                 kernel: str = "") -> None:
        self.directory = Path(directory)
        self.id = uuid.uuid4().hex
        self.source = source
        self.continues = continues  # the recording of the completed run this one follows
        self.kernel = kernel  # which kernel session made it (its own recordings never replay)
        self.path: Path | None = None
        self.failure: str | None = None
        self._fd: int | None = None  # unbuffered: a failed write leaves nothing behind to retry
        self._started = 0.0
        self._pending: list[str] = []
        self._flushed = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def begin(self, run: Run) -> None:
        """Open the file and write the header; from now on the Run's events are recorded."""
        if self._fd is not None or self.path is not None or self.failure is not None:
            return  # begun already, or given up
        when = datetime.datetime.fromtimestamp(run.started_at, datetime.timezone.utc)
        path = new_path(self.directory, self.id, when)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, _CREATE, 0o666)
        except OSError as error:
            self.failure = self._not_recorded(error)
            return
        self.path = path
        self._started = run.started_at
        info = run.info
        header = {
            MARK: FORMAT, "id": self.id, "recorded_at": when.isoformat(timespec="microseconds"),
            "repo": info.repo, "branch": info.branch, "haiku": info.haiku, "parallel": info.parallel,
            "prompts": run.masker.deep(info.prompts), "thread_id": run.thread_id, "continues": self.continues,
            "key": ask_key(info), "source": self.source, "kernel": self.kernel,
        }
        failed = self._put(encode(header))
        if failed is not None:
            self._discard(path, failed)
            return
        self._flushed = time.monotonic()
        run.recording = self.path
        run.on_event = self.write

    def write(self, event: Event) -> None:
        """One masked event, as the Run kept it (called on the I/O thread)."""
        if self._fd is None:
            return
        self._pending.append(encode_event(round(time.time() - self._started, 3), event))
        if time.monotonic() - self._flushed >= FLUSH_WITHIN:
            self.flush()
        elif self._timer is None:
            self._timer = _later(FLUSH_WITHIN, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._fd is None or not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        error = self._put(text)
        if error is not None:
            self.failure = self._cut_short(error)
        self._flushed = time.monotonic()

    def close(self, run: Run, changes: dict[str, object] | None = None) -> None:
        """How the run ended (status, error, tasks, changes), then close the file."""
        self.begin(run)  # a run that failed before its stream is recorded too
        run.on_event = None
        self.flush()
        if self._fd is None:
            return
        tasks = {
            name: {"status": task.status, "started": _offset(task.started_at, self._started),
                   "ended": _offset(task.ended_at, self._started)}
            for name, task in run.tasks.items()
        }
        lines: list[dict[str, object]] = [{"tasks": tasks}]
        if changes is not None:
            lines.append({"changes": changes})
        error = {"kind": run.error.kind, "message": run.error.message} if run.error else None
        lines.append({"end": {"status": run.status, "error": error, "duration": round(run.duration, 3),
                              "thread_id": run.thread_id, "event_count": run.event_count}})
        failed = self._put("".join(encode(line) for line in lines))
        if failed is not None:
            self.failure = self._cut_short(failed)
        self._close_quietly()

    # ----- when writing fails -----
    def _put(self, text: str) -> OSError | None:
        """Write ``text`` whole; at the first failure close the file for good and return why."""
        assert self._fd is not None
        data = memoryview(text.encode("utf-8", "surrogatepass"))
        try:
            while data:
                data = data[_write(self._fd, data):]  # after a short write (at a size limit), the rest
        except OSError as error:
            self._close_quietly()
            return error
        return None

    def _discard(self, path: Path, error: OSError) -> None:
        """Not even the header could be written: remove the file, which holds nothing to read back."""
        try:
            path.unlink()
        except OSError:  # left as it is: listings skip it, naming it
            self.failure = self._cut_short(error)
            return
        self.path = None
        self.failure = self._not_recorded(error)

    def _not_recorded(self, error: OSError) -> str:
        return f"the run could not be recorded in {self.directory} ({reason(error, self.directory)}): it goes on without a recording."

    def _cut_short(self, error: OSError) -> str:
        return (f"the recording {self.path} could not be written ({reason(error, self.path)}): the run goes on "
                "without it; what was written until then stays in it.")

    def _close_quietly(self) -> None:
        fd, self._fd = self._fd, None
        self._pending.clear()
        if fd is not None:
            try:
                os.close(fd)
            except OSError:  # nothing is buffered: the file holds what was written either way
                pass


def reason(error: OSError, where: Path | None) -> str:
    """Why ``error`` happened, in words: "file too large", "no space left on device",
    ".cloudcode is a file, not a folder"."""
    if error.errno in (errno.ENOTDIR, errno.EEXIST) and where is not None:
        blocker = _file_in_the_way(where)
        if blocker is not None:
            return f"{blocker} is a file, not a folder"
    return (error.strerror or type(error).__name__).lower()


def _file_in_the_way(path: Path) -> Path | None:
    """The first part of ``path`` that exists and is not a folder."""
    for part in reversed((path, *path.parents)):
        if os.path.lexists(part) and not os.path.isdir(part):
            return part
    return None


def _offset(moment: float | None, start: float) -> float | None:
    return None if moment is None else round(moment - start, 3)


def _later(delay: float, callback: Callable[[], object]) -> asyncio.TimerHandle | None:
    try:
        return asyncio.get_running_loop().call_later(delay, callback)
    except RuntimeError:  # no loop (a replay fed by hand): the next write or close flushes
        return None
