"""Writing a recording while the run streams: every masked event the Run keeps, flushed to the
operating system at most half a second after it arrived, so a killed kernel loses nothing more."""

from __future__ import annotations

import asyncio
import datetime
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..protocol.events import Event
from ..run.state import Run
from .format import FORMAT, MARK, ask_key, encode, encode_event

FLUSH_WITHIN = 0.5  # seconds: the most a received event waits before it is on disk


def new_path(directory: Path, recording_id: str, when: datetime.datetime) -> Path:
    return directory / f"{when:%Y%m%d-%H%M%S-%f}-{recording_id[:8]}.jsonl"


class Recorder:
    """Records one run into ``directory``: :meth:`begin` when the stream opens (or fails), then
    every event the Run keeps, then :meth:`close` with how the run ended."""

    def __init__(self, directory: str | Path, *, source: str = "api", continues: str | None = None,
                 kernel: str = "") -> None:
        self.directory = Path(directory)
        self.id = uuid.uuid4().hex
        self.source = source
        self.continues = continues  # the recording of the completed run this one follows
        self.kernel = kernel  # which kernel session made it (its own recordings never replay)
        self.path: Path | None = None
        self._file: IO[str] | None = None
        self._started = 0.0
        self._pending: list[str] = []
        self._flushed = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def begin(self, run: Run) -> None:
        """Open the file and write the header; from now on the Run's events are recorded."""
        if self._file is not None:
            return
        when = datetime.datetime.fromtimestamp(run.started_at, datetime.timezone.utc)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = new_path(self.directory, self.id, when)
        self._file = open(self.path, "w", encoding="utf-8", errors="surrogatepass")  # noqa: SIM115 - open while the run lasts
        self._started = run.started_at
        info = run.info
        header = {
            MARK: FORMAT, "id": self.id, "recorded_at": when.isoformat(timespec="microseconds"),
            "repo": info.repo, "branch": info.branch, "haiku": info.haiku, "parallel": info.parallel,
            "prompts": run.masker.deep(info.prompts), "thread_id": run.thread_id, "continues": self.continues,
            "key": ask_key(info), "source": self.source, "kernel": self.kernel,
        }
        self._file.write(encode(header))
        self._file.flush()
        self._flushed = time.monotonic()
        run.recording = self.path
        run.on_event = self.write

    def write(self, event: Event) -> None:
        """One masked event, as the Run kept it (called on the I/O thread)."""
        self._pending.append(encode_event(round(time.time() - self._started, 3), event))
        if time.monotonic() - self._flushed >= FLUSH_WITHIN:
            self.flush()
        elif self._timer is None:
            self._timer = _later(FLUSH_WITHIN, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._file is None or not self._pending:
            return
        self._file.write("".join(self._pending))
        self._pending.clear()
        self._file.flush()
        self._flushed = time.monotonic()

    def close(self, run: Run, changes: dict[str, object] | None = None) -> None:
        """How the run ended (status, error, tasks, changes), then close the file."""
        self.begin(run)  # a run that failed before its stream is recorded too
        run.on_event = None
        assert self._file is not None
        self.flush()
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
        self._file.write("".join(encode(line) for line in lines))
        self._file.close()
        self._file = None


def _offset(moment: float | None, start: float) -> float | None:
    return None if moment is None else round(moment - start, 3)


def _later(delay: float, callback: Callable[[], object]) -> asyncio.TimerHandle | None:
    try:
        return asyncio.get_running_loop().call_later(delay, callback)
    except RuntimeError:  # no loop (a replay fed by hand): the next write or close flushes
        return None
