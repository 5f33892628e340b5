"""Normalisation of framings A/B/C, node-wrapped updates, odd payloads."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from cc_jupyter.protocol.events import normalise, unwrap_node
from cc_jupyter.protocol.sse import SSEDecoder, SSEvent

PAYLOAD = {"run_id": "r1", "messages": [{"type": "human", "content": "hi", "id": "m1"}], "stream_events": []}


def sse(event: str, data: object) -> SSEvent:
    return SSEvent(event, data if isinstance(data, str) else json.dumps(data), "")


def test_framing_a_b_c_give_the_same_event():
    a = normalise(sse("updates", PAYLOAD))
    b = normalise(sse("message", {"event": "updates", "data": PAYLOAD}))
    c = normalise(sse("updates", {"event": "updates", "data": PAYLOAD}))
    assert (a.type, a.data) == (b.type, b.data) == (c.type, c.data) == ("updates", PAYLOAD)
    assert (a.framing, b.framing, c.framing) == ("A", "B", "C")


def test_node_wrapped_updates_are_unwrapped_only_when_unambiguous():
    assert normalise(sse("updates", {"executor": PAYLOAD})).data == PAYLOAD
    assert unwrap_node({"a": {"x": 1}}) == {"a": {"x": 1}}
    assert unwrap_node({"a": PAYLOAD, "b": PAYLOAD}) == {"a": PAYLOAD, "b": PAYLOAD}


def test_unknown_types_non_json_and_plain_message_are_kept():
    assert (normalise(sse("weird", {"x": 1})).type, normalise(sse("weird", {"x": 1})).data) == ("weird", {"x": 1})
    text = normalise(sse("custom", "not json {"))
    assert (text.type, text.data) == ("custom", "not json {")
    plain = normalise(sse("message", [1, 2]))
    assert (plain.type, plain.data) == ("message", [1, 2])
    # an object with "event" but no "data" is not an envelope
    assert normalise(sse("message", {"event": "x"})).type == "message"


def test_empty_data_is_skipped():
    assert normalise(SSEvent("message", "", "")) is None


def _wire(events: list[tuple[str, object]], framing: str, eol: bytes) -> bytes:
    out = []
    for kind, payload in events:
        if framing == "A":
            out.append(b"event: " + kind.encode() + eol + b"data: " + json.dumps(payload).encode() + eol + eol)
        elif framing == "B":
            out.append(b"data: " + json.dumps({"event": kind, "data": payload}).encode() + eol + eol)
        else:
            envelope = json.dumps({"event": kind, "data": payload}).encode()
            out.append(b"event: " + kind.encode() + eol + b": ping" + eol + b"data:" + envelope + eol + eol)
    return b"".join(out)


EVENTS = [
    ("updates", {"graph": PAYLOAD}),
    ("custom", {"task_name": "t", "stdout": "caf\u00e9 \u2603\n"}),
    ("error", {"error": "E", "message": "m"}),
    ("end", None),
]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from("ABC"),
    st.sampled_from([b"\n", b"\r", b"\r\n"]),
    st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=60),
)
def test_random_chunking_and_framing_never_change_normalised_events(framing, eol, sizes):
    wire = b"\xef\xbb\xbf" + _wire(EVENTS, framing, eol)
    decoder = SSEDecoder()
    got = []
    pos = 0
    for size in sizes * (len(wire) // sum(sizes) + 1):
        for item in decoder.feed(wire[pos : pos + size]):
            event = normalise(item)
            if event is not None:
                got.append((event.type, event.data))
        pos += size
        if pos >= len(wire):
            break
    # "end" with a null payload is still an event: "data: null" is not empty data
    assert got == [("updates", PAYLOAD), EVENTS[1], EVENTS[2], ("end", None)]


def test_json_nested_too_deep_is_kept_as_text_without_recursing():
    for depth in (65, 900, 5000):
        raw = "[" * depth + "]" * depth
        event = normalise(SSEvent("custom", raw, ""))
        assert (event.type, event.data) == ("custom", raw)
    shallow = normalise(SSEvent("updates", json.dumps({"messages": [[[[1]]]]}), ""))
    assert shallow.data == {"messages": [[[[1]]]]}
