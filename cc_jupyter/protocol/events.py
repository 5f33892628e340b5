"""Normalisation of decoded SSE events into the protocol's event types.

The wire form is unknown (see the protocol notes), so each event is read in whichever of the
three framings it arrived: A (``event:`` line + payload), B (envelope ``{"event", "data"}`` in the
data line only) or C (both). ``updates`` payloads wrapped in a graph-node name are unwrapped.
Data that is not JSON, or JSON nested deeper than :data:`MAX_DEPTH`, is kept as text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..json_types import JSON
from .sse import SSEvent

MAX_DEPTH = 64  # deeper JSON is kept as text: nothing downstream has to recurse further
_SHALLOW = 2 * MAX_DEPTH  # characters: shorter JSON cannot nest deeper than MAX_DEPTH
_UPDATE_KEYS = ("messages", "run_id")
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner: no Python frame per event
_loads = json.loads


@dataclass(slots=True)
class Event:
    """A protocol event: ``type`` (``updates``, ``custom``, ... or anything else) and its payload."""

    type: str
    data: JSON
    framing: str = "A"  # "A", "B" or "C": how it arrived, for diagnostics
    id: str = ""


def normalise(sse: SSEvent) -> Event | None:
    """Turn one SSE event into an :class:`Event`; ``None`` for an event with empty data."""
    events = normalise_all([sse])
    return events[0] if events else None


def normalise_all(sses: list[SSEvent]) -> list[Event]:
    """:func:`normalise` for every event of a network chunk (one loop: the hot path)."""
    out: list[Event] = []
    append = out.append
    for kind, raw, event_id in sses:
        if not raw:
            continue
        try:
            payload, end = _scan(raw, 0)
            if end != len(raw) and raw[end:].strip():
                raise ValueError("extra data after the JSON document")
        except (StopIteration, ValueError):
            try:
                payload = _loads(raw)  # leading whitespace (or not JSON: ValueError)
            except (ValueError, RecursionError):
                append(Event(kind, raw, "A", event_id))  # not JSON: kept as text
                continue
        except RecursionError:
            append(Event(kind, raw, "A", event_id))  # absurdly deep: kept as text
            continue
        if len(raw) > _SHALLOW and raw.count("[") + raw.count("{") > MAX_DEPTH and _too_deep(raw):
            append(Event(kind, raw, "A", event_id))
            continue
        framing = "A"
        if type(payload) is dict and "data" in payload and type(payload.get("event")) is str:
            framing = "B" if kind == "message" else "C"
            kind = payload["event"]
            payload = payload["data"]
        if kind == "updates":
            payload = unwrap_node(payload)
        append(Event(kind, payload, framing, event_id))
    return out


def unwrap_node(payload: JSON) -> JSON:
    """``{"executor": {"messages": [...]}}`` -> ``{"messages": [...]}``; anything else unchanged."""
    if type(payload) is dict and len(payload) == 1:
        (inner,) = payload.values()
        if type(inner) is dict and any(key in inner for key in _UPDATE_KEYS):
            return inner
    return payload


_KEEP = bytes(range(256)).translate(None, b'"[]{}')  # every byte but quotes and brackets: deleted
_INNERMOST = re.compile(rb"\{\}|\[\]")


def _too_deep(text: str) -> bool:
    """Whether the valid JSON ``text`` nests lists and dicts deeper than :data:`MAX_DEPTH`.

    Read from the text with C-speed string operations (no Python step per value: a re-sent
    history makes megabyte events): escapes out, strings out, brackets kept, then one level of
    innermost pairs removed per pass."""
    raw = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    quoted = raw.translate(None, _KEEP).replace(b'""', b"")  # an empty string, or two merged: nothing outside lost
    brackets = b"".join(quoted.split(b'"')[::2])
    for _ in range(MAX_DEPTH):
        if not brackets:
            return False
        brackets = _INNERMOST.sub(b"", brackets)
    return bool(brackets)
