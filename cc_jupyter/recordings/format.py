"""The recording file: one JSON document per line.

    {"cc_jupyter_recording": 1, "id": ..., "recorded_at": ..., "repo": ..., ...}   the header
    [offset, type, data]                                                          one per event
    {"tasks": {name: {"status": ..., "started": ..., "ended": ...}}}              how tasks ended
    {"changes": {...}}                                                            what was pushed
    {"end": {"status": ..., "error": ..., "duration": ..., ...}}                  the closing line

Events are the Run's masked events, in arrival order; stdout is written as the Run releases it
(whole lines: a secret split across events is never on disk in pieces). A missing closing line
means the kernel stopped during the run; a torn last line is ignored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from json.encoder import encode_basestring as _string  # what JSONEncoder(ensure_ascii=False) uses
from pathlib import Path
from typing import Any

from ..protocol.events import Event
from ..run.state import RunInfo

FORMAT = 1
MARK = "cc_jupyter_recording"


@dataclass
class Recorded:
    """What a recording file holds."""

    header: dict[str, Any]
    events: list[tuple[float, str, Any]]
    end: dict[str, Any] | None  # None: the run never ended in that kernel
    tasks: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None


def ask_key(info: RunInfo) -> str:
    """What a cell asks, as one hash: repository, branch, model, and the prompt or tasks."""
    asked = [info.repo, info.branch, info.haiku, info.parallel, sorted(info.prompts.items())]
    return hashlib.sha256(json.dumps(asked, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, not one per line: it is hot


def encode(document: Any) -> str:
    return _ENCODER.encode(document) + "\n"


def encode_event(offset: float, event: Event) -> str:
    """``[offset, type, data(, id)]`` as one line: :func:`encode`'s bytes exactly, with a shortcut
    for the shape of nearly every event (a task's stdout), which a flood writes thousands of."""
    data = event.data
    if not event.id and event.type == "custom" and type(data) is dict and len(data) == 2:
        name, text = data.get("task_name"), data.get("stdout")
        if type(name) is str and type(text) is str and next(iter(data)) == "task_name":
            return f'[{offset!r},"custom",{{"task_name":{_string(name)},"stdout":{_string(text)}}}]\n'
    document: list[Any] = [offset, event.type, data]
    if event.id:
        document.append(event.id)
    return encode(document)


def read(path: str | Path) -> Recorded:
    """Read a recording; raises ``ValueError`` (one sentence) when it is not one."""
    header: dict[str, Any] | None = None
    events: list[tuple[float, str, Any]] = []
    closing: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8", errors="replace") as file:
        for number, line in enumerate(file, start=1):
            try:
                document = json.loads(line)
            except (ValueError, RecursionError):
                if line.endswith("\n"):
                    raise ValueError(f"{Path(path).name}: line {number} is not JSON") from None
                break  # a torn last line (the kernel was killed while writing it)
            if header is None:
                if not (isinstance(document, dict) and document.get(MARK) == FORMAT):
                    raise ValueError(f"{Path(path).name} is not a cc_jupyter recording (format {FORMAT})")
                header = document
            elif isinstance(document, list) and len(document) >= 3 and isinstance(document[0], (int, float)):
                events.append((float(document[0]), str(document[1]), document[2]))
            elif isinstance(document, dict) and len(document) == 1:
                (kind, value), = document.items()
                if kind in ("tasks", "changes", "end") and isinstance(value, dict):
                    closing[kind] = value
    if header is None:
        raise ValueError(f"{Path(path).name} is empty")
    return Recorded(header, events, closing.get("end"), closing.get("tasks"), closing.get("changes"))


def read_header(path: str | Path) -> dict[str, Any] | None:
    """The header of a recording, or None when the file is not one (cheap: the first line)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            document = json.loads(file.readline())
    except (OSError, ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) and document.get(MARK) == FORMAT else None


def read_end(path: str | Path) -> dict[str, Any] | None:
    """The closing line of a recording, if it has one (reads only the end of the file)."""
    try:
        with open(path, "rb") as file:
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(0, size - 65536))
            tail = file.read().decode("utf-8", "replace")
    except OSError:
        return None
    for line in reversed(tail.rstrip("\n").split("\n")[-3:]):
        try:
            document = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(document, dict) and isinstance(document.get("end"), dict):
            return document["end"]
    return None
