"""The recording file: one JSON document per line.

    {"cc_jupyter_recording": 1, "id": ..., "recorded_at": ..., "repo": ..., ...}   the header
    [offset, type, data]                                                          one per event
    {"tasks": {name: {"status": ..., "started": ..., "ended": ...}}}              how tasks ended
    {"changes": {...}}                                                            what was pushed
    {"end": {"status": ..., "error": ..., "duration": ..., ...}}                  the closing line

Events are the Run's masked events, in arrival order; an ``updates`` event that re-sent messages
already received keeps only the new ones and says how many it left out (``repeated_messages``,
see :mod:`cc_jupyter.run.history`); stdout is written as the Run releases it
(whole lines: a secret split across events is never on disk in pieces). A missing closing line
means the kernel stopped during the run; a torn last line is ignored. Reading a recording back
is :mod:`.parse`'s: the file may come from anyone.
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring as _string  # what JSONEncoder(ensure_ascii=False) uses

from ..protocol.events import Event
from ..run.state import RunInfo

FORMAT = 1
MARK = "cc_jupyter_recording"


def ask_key(info: RunInfo) -> str:
    """What a cell asks, as one hash: repository, branch, model, and the prompt or tasks."""
    asked = [info.repo, info.branch, info.haiku, info.parallel, sorted(info.prompts.items())]
    return hashlib.sha256(json.dumps(asked, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, not one per line: it is hot


def encode(document: object) -> str:
    return _ENCODER.encode(document) + "\n"


def encode_event(offset: float, event: Event) -> str:
    """``[offset, type, data(, id)]`` as one line: :func:`encode`'s bytes exactly, with a shortcut
    for the shape of nearly every event (a task's stdout), which a flood writes thousands of."""
    data = event.data
    if not event.id and event.type == "custom" and type(data) is dict and len(data) == 2:
        name, text = data.get("task_name"), data.get("stdout")
        if type(name) is str and type(text) is str and next(iter(data)) == "task_name":
            return f'[{offset!r},"custom",{{"task_name":{_string(name)},"stdout":{_string(text)}}}]\n'
    document: list[object] = [offset, event.type, data]
    if event.id:
        document.append(event.id)
    return encode(document)
