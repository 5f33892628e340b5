"""A recording read as what it may be: a file from anyone.

Notebook folders are handed on — to a class, to Binder, in a pull request — so a file in
``.cloudcode/runs/`` may have been written by a stranger, and nobody reads a ``.jsonl`` before
running a notebook. This module is the border: a recording is opened only as
:func:`~cc_jupyter.files.open_untrusted` allows (a regular file inside its folder, never a FIFO,
a device or a link leading out: nothing can block), at most :data:`MAX_FILE` bytes and
:data:`MAX_LINE` bytes a line are read, and every field is parsed once, here, into typed,
bounded values: numbers finite and in range, identifiers checked, strings clipped, masked with
the caller's masker and cleaned of escape sequences where they are shown. What fails is :class:`Unreadable`, one sentence naming the file. Nothing downstream
checks again.

What is *not* taken from the file: the match key (recomputed from the recorded request), and
anything that decides where a secret goes (see :mod:`cc_jupyter.changes.github_host`).
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast, get_args

from ..errors import Unreadable
from ..files import file_name, open_untrusted
from ..json_types import JSON
from ..protocol.request import DEFAULT_TASK, TASK_NAME, Request, check_branch
from ..protocol.threads import plausible_thread_id
from ..repos import split_repo_url
from ..run.changes import Changes
from ..run.state import ErrorKind, RunError, RunInfo
from ..run.task import FINAL_STATUSES, Status
from ..secrets import SecretMasker
from ..text import clip, one_line, strip_escapes
from .format import FORMAT, MARK, ask_key

MAX_FILE = 256 * 1024 * 1024  # bytes of one recording
MAX_EVENTS = 1_000_000  # events of one recording (the Run gets stdout in released pieces, not per event)
MAX_LINE = 64 * 1024 * 1024  # bytes of one line (one event)
MAX_HEADER = 4 * 1024 * 1024  # bytes of the first line, read for every listing
TAIL = 64 * 1024  # bytes read from the end for the closing line
MAX_SECONDS = 10_000_000.0  # durations and offsets (about 115 days)
MAX_COUNT = 10**12
MAX_TASKS = 1_000
MAX_PROMPT = 1_000_000  # characters of one recorded prompt
MESSAGE_CHARS = 2_000  # an error sentence
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
CLOCK_SKEW = datetime.timedelta(days=1)  # another machine's clock may run ahead this much
_ID = re.compile(r"[0-9a-f]{8,64}")
_KERNEL = re.compile(r"[0-9A-Za-z_-]{0,64}")
_ERROR_KINDS = frozenset(get_args(ErrorKind))
CUT_HEADER = "its first line is cut short (writing it stopped there)"


@dataclass(frozen=True)
class Header:
    """What a recording says was asked, and where it stands in its conversation."""

    id: str
    recorded_at: datetime.datetime  # aware, in range
    repo: str
    branch: str
    haiku: bool
    parallel: bool
    prompts: dict[str, str]
    thread_id: str | None
    continues: str | None  # the recording of the completed run it follows
    source: str  # "api", "simulator", ...
    kernel: str

    @property
    def info(self) -> RunInfo:
        return RunInfo(self.repo, self.branch, self.haiku, dict(self.prompts), self.parallel)

    @property
    def key(self) -> str:
        """What it asks, as :func:`~.format.ask_key` computes it from the request (never read from the file)."""
        return ask_key(self.info)

    @property
    def started_at(self) -> float:
        return self.recorded_at.timestamp()

    def request(self) -> Request:
        """The request it recorded, without any secret (nothing can be sent with it)."""
        return Request("", self.repo, self.branch, self.haiku, dict(self.prompts), self.parallel, self.thread_id)


@dataclass(frozen=True)
class TaskEnd:
    status: Status
    started: float | None  # seconds after the start of the run
    ended: float | None


@dataclass(frozen=True)
class End:
    """How the recorded run ended."""

    status: Status
    error: RunError | None
    duration: float | None
    thread_id: str | None
    event_count: int | None


@dataclass
class Recorded:
    """A whole recording, parsed."""

    header: Header
    events: list[tuple[float, str, JSON]]  # (seconds after the start, type, data) as the Run kept them
    end: End | None  # None: the run never ended in the kernel that recorded it
    tasks: dict[str, TaskEnd] = field(default_factory=dict)
    changes: Changes | None = None


# ----- opening -----
def open_recording(path: str | Path, folder: str | Path | None = None) -> IO[bytes]:
    """``path`` opened for reading as :func:`~cc_jupyter.files.open_untrusted` allows it."""
    return open_untrusted(path, limit=MAX_FILE, folder=folder)


def _lines(file: IO[bytes], name: str, limit: int = MAX_LINE) -> Iterator[tuple[int, str, bool]]:
    """``(number, text, ended)`` per line; a line longer than ``limit`` bytes is refused."""
    for number in itertools.count(1):
        line = file.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            raise Unreadable(f"{name}: line {number} is longer than {limit // 2**20} MB")
        yield number, line.decode("utf-8", "replace"), line.endswith(b"\n")


def _json(text: str) -> JSON:
    """JSON as the standard defines it: ``NaN`` and ``Infinity`` are no numbers, read as null
    (so a field holding one is as if absent, and checked as such)."""
    return json.loads(text, parse_constant=_no_number)


def _no_number(constant: str) -> None:
    return None


# ----- the whole file -----
def read(path: str | Path, *, masker: SecretMasker, folder: str | Path | None = None) -> Recorded:
    """Read and check a whole recording; :class:`Unreadable` (one sentence) when it is not one.

    A torn last line (the kernel stopped, or the disk failed, while writing it) ends the
    recording there; a torn first line leaves no recording to read."""
    name = file_name(path)
    header: Header | None = None
    events: list[tuple[float, str, JSON]] = []
    closing: dict[str, JSON] = {}
    torn = False
    with open_recording(path, folder) as file:
        for number, line, ended in _lines(file, name):
            try:
                document = _json(line)
            except (ValueError, RecursionError):
                if ended:
                    raise Unreadable(f"{name}: line {number} is not JSON") from None
                torn = True
                break  # a torn last line
            if header is None:
                header = parse_header(document, name, masker)
            elif isinstance(document, list):
                if len(events) >= MAX_EVENTS:
                    raise Unreadable(f"{name} holds more than {MAX_EVENTS:,} events")
                events.append(_event(document, name, number))
            elif isinstance(document, dict) and len(document) == 1:
                ((kind, value),) = document.items()
                if kind in ("tasks", "changes", "end") and isinstance(value, dict):
                    closing[kind] = value
    if header is None:
        raise Unreadable(f"{name}: {CUT_HEADER}" if torn else f"{name} is empty")
    end = closing.get("end")
    return Recorded(
        header,
        events,
        parse_end(end, masker) if end is not None else None,
        _task_ends(closing.get("tasks"), masker),
        Changes.from_json(masker.deep(closing["changes"])) if "changes" in closing else None,
    )


def read_header(path: str | Path, *, masker: SecretMasker, folder: str | Path | None = None) -> Header:
    """The header of a recording (its first line only); :class:`Unreadable` when it has none."""
    name = file_name(path)
    with open_recording(path, folder) as file:
        for _, line, ended in _lines(file, name, MAX_HEADER):
            try:
                document = _json(line)
            except (ValueError, RecursionError):
                if not ended:
                    raise Unreadable(f"{name}: {CUT_HEADER}") from None
                raise Unreadable(f"{name}: its first line is not JSON") from None
            return parse_header(document, name, masker)
    raise Unreadable(f"{name} is empty")


def read_end(path: str | Path, *, masker: SecretMasker, folder: str | Path | None = None) -> End | None:
    """The closing line of a recording, if it has a valid one (reads only the end of the file)."""
    try:
        with open_recording(path, folder) as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - TAIL))
            tail = file.read(TAIL).decode("utf-8", "replace")
    except Unreadable:
        return None
    for line in reversed(tail.rstrip("\n").split("\n")[-3:]):
        try:
            document = _json(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(document, dict) and isinstance(document.get("end"), dict):
            return parse_end(document["end"], masker)
    return None


# ----- each part -----
def parse_header(document: JSON, name: str, masker: SecretMasker) -> Header:
    """The first line of a recording, every field checked; :class:`Unreadable` names the first bad one."""
    if not (isinstance(document, dict) and document.get(MARK) == FORMAT):
        raise Unreadable(f"{name} is not a cc_jupyter recording (format {FORMAT})")

    def bad(what: str) -> Unreadable:
        return Unreadable(f"{name}: its header's {what} is not valid")

    recording_id = document.get("id")
    if not (isinstance(recording_id, str) and _ID.fullmatch(recording_id)):
        raise bad("id")
    repo = document.get("repo")
    if not (isinstance(repo, str) and _is_repository(repo)) or masker.contains_secret(repo):
        raise bad("repository")
    try:
        branch = check_branch(document["branch"]) if isinstance(document.get("branch"), str) else ""
    except ValueError:
        branch = ""
    if not branch or masker.contains_secret(branch):
        raise bad("branch")
    thread_id, continues, kernel = document.get("thread_id"), document.get("continues"), document.get("kernel", "")
    if thread_id is not None and not plausible_thread_id(thread_id):
        raise bad("thread id")
    if continues is not None and not (isinstance(continues, str) and _ID.fullmatch(continues)):
        raise bad("continues")
    if not (isinstance(kernel, str) and _KERNEL.fullmatch(kernel)):
        raise bad("kernel")
    parallel = document.get("parallel") is True
    prompts = _prompts(document.get("prompts"), parallel)
    if prompts is None:
        raise bad("prompts")
    recorded_at = _moment(document.get("recorded_at"))
    if recorded_at is None:
        raise bad("recorded_at (a date between 2000 and today)")
    source = document.get("source")
    return Header(
        id=recording_id,
        recorded_at=recorded_at,
        repo=repo,
        branch=branch,
        haiku=document.get("haiku") is True,
        parallel=parallel,
        prompts=masker.deep(prompts),
        thread_id=masker.text(thread_id) if thread_id is not None else None,
        continues=continues,
        source=one_line(strip_escapes(masker.text(source)), 40) if isinstance(source, str) else "",
        kernel=kernel,
    )


def parse_end(value: dict[str, JSON], masker: SecretMasker) -> End:
    """The closing line: a status it does not know reads as ``failed``; numbers out of range are dropped."""
    status = value.get("status")
    error = value.get("error")
    run_error = None
    if isinstance(error, dict):
        kind = error.get("kind")
        message = error.get("message")
        run_error = RunError(
            cast(ErrorKind, kind) if kind in _ERROR_KINDS else "internal",
            shown_text(message, masker, MESSAGE_CHARS) if isinstance(message, str) else "",
        )
    thread_id = value.get("thread_id")
    return End(
        status=status if status in FINAL_STATUSES else "failed",
        error=run_error,
        duration=_seconds(value.get("duration")),
        thread_id=masker.text(thread_id) if isinstance(thread_id, str) and plausible_thread_id(thread_id) else None,
        event_count=_recorded_count(value.get("event_count")),
    )


def shown_text(text: str, masker: SecretMasker, limit: int) -> str:
    """Text from a recording as it may be shown anywhere: masked, escapes removed, clipped."""
    return clip(strip_escapes(masker.text(clip(text, 4 * limit))), limit)


def _event(document: list[JSON], name: str, number: int) -> tuple[float, str, JSON]:
    if len(document) < 3:
        raise Unreadable(f"{name}: line {number} is not an event")
    offset, kind, data = document[0], document[1], document[2]
    seconds = _seconds(offset)
    if seconds is None or not isinstance(kind, str) or len(kind) > 200:
        raise Unreadable(f"{name}: line {number} is not a valid event")
    return seconds, kind, data


def _task_ends(value: JSON, masker: SecretMasker) -> dict[str, TaskEnd]:
    ends: dict[str, TaskEnd] = {}
    if not isinstance(value, dict):
        return ends
    for task_name, task in list(value.items())[:MAX_TASKS]:
        if isinstance(task_name, str) and isinstance(task, dict):
            status = task.get("status")
            ends[masker.text(clip(task_name, 200))] = TaskEnd(
                status if status in FINAL_STATUSES else "failed",
                _seconds(task.get("started")),
                _seconds(task.get("ended")),
            )
    return ends


def _prompts(value: JSON, parallel: bool) -> dict[str, str] | None:
    if not isinstance(value, dict) or not 0 < len(value) <= MAX_TASKS:
        return None
    names_ok = all(isinstance(n, str) and TASK_NAME.match(n) for n in value) if parallel else list(value) == [DEFAULT_TASK]
    if not names_ok or not all(isinstance(p, str) and len(p) <= MAX_PROMPT for p in value.values()):
        return None
    return dict(value)


def _is_repository(url: str) -> bool:
    """An http(s) URL naming a repository, with nothing that could smuggle text or credentials."""
    return (
        len(url) <= 2000
        and url.startswith(("https://", "http://"))
        and url.isprintable()
        and not any(c.isspace() or c in "@?#\"'`<>\\;|&$" for c in url)
        and split_repo_url(url) is not None
    )


def _moment(value: JSON) -> datetime.datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        latest = datetime.datetime.now(datetime.timezone.utc) + CLOCK_SKEW
        return moment if EARLIEST <= moment <= latest else None
    except (ValueError, OverflowError):
        return None


def _seconds(value: JSON) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_SECONDS else None


def _recorded_count(value: JSON) -> int | None:
    """A count as a recording may hold it: None when absent or out of range (0 is a count)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else None
