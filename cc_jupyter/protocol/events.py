"""Normalisation of decoded SSE events into the protocol's event types.

The wire form is unknown (see the protocol notes), so each event is read in whichever of the
three framings it arrived: A (``event:`` line + payload), B (envelope ``{"event", "data"}`` in the
data line only) or C (both). ``updates`` payloads wrapped in a graph-node name are unwrapped.
Data that is not JSON, or JSON nested deeper than :data:`MAX_DEPTH`, is kept as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .sse import SSEvent

MAX_DEPTH = 64  # deeper JSON is kept as text: nothing downstream has to recurse further
_UPDATE_KEYS = ("messages", "run_id")
_raw_decode = json.JSONDecoder().raw_decode
_loads = json.loads


@dataclass(slots=True)
class Event:
    """A protocol event: ``type`` (``updates``, ``custom``, ... or anything else) and its payload."""

    type: str
    data: Any
    framing: str = "A"  # "A", "B" or "C": how it arrived, for diagnostics
    id: str = ""


def normalise(sse: SSEvent) -> Event | None:
    """Turn one SSE event into an :class:`Event`; ``None`` for an event with empty data."""
    raw = sse.data
    if not raw:
        return None
    try:
        payload: Any = _parse(raw)
    except (ValueError, RecursionError):
        return Event(sse.event, raw, "A", sse.id)  # not JSON (or absurdly deep): kept as text
    if raw.count("[") + raw.count("{") > MAX_DEPTH and _depth(payload) > MAX_DEPTH:
        return Event(sse.event, raw, "A", sse.id)
    kind = sse.event
    framing = "A"
    if type(payload) is dict and "data" in payload and isinstance(payload.get("event"), str):
        framing = "B" if kind == "message" else "C"
        kind = payload["event"]
        payload = payload["data"]
    if kind == "updates":
        payload = unwrap_node(payload)
    return Event(kind, payload, framing, sse.id)


def unwrap_node(payload: Any) -> Any:
    """``{"executor": {"messages": [...]}}`` -> ``{"messages": [...]}``; anything else unchanged."""
    if type(payload) is dict and len(payload) == 1:
        (inner,) = payload.values()
        if type(inner) is dict and any(key in inner for key in _UPDATE_KEYS):
            return inner
    return payload


def _parse(text: str) -> Any:
    """``json.loads``, faster on the usual case of a compact document with nothing around it."""
    try:
        value, end = _raw_decode(text)
    except ValueError:
        return _loads(text)  # leading whitespace, or not JSON (raises ValueError)
    if end != len(text) and text[end:].strip():
        raise ValueError("extra data after the JSON document")
    return value


def _depth(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (iterative: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest
