"""WHATWG parsing cases for the SSE decoder, plus random chunking (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cc_jupyter.protocol.sse import SSEDecoder, SSEvent


def decode(*chunks: bytes) -> list[SSEvent]:
    decoder = SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.close())
    return events


def pairs(events: list[SSEvent]) -> list[tuple[str, str]]:
    return [(e.event, e.data) for e in events]


def test_lf_cr_and_crlf_line_endings_are_equivalent():
    for eol in (b"\n", b"\r", b"\r\n"):
        stream = eol.join([b"event: updates", b"data: {}", b"", b"data: x", b"", b""])
        assert pairs(decode(stream)) == [("updates", "{}"), ("message", "x")]


def test_leading_bom_is_dropped_once():
    assert pairs(decode(b"\xef\xbb\xbfdata: a\n\n")) == [("message", "a")]
    assert pairs(decode(b"\xef", b"\xbb", b"\xbfdata: a\n\n")) == [("message", "a")]
    # a second BOM is content (the field name no longer matches "data")
    assert pairs(decode(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n")) == []


def test_comments_and_keep_alive_pings_are_ignored():
    decoder = SSEDecoder()
    events = decoder.feed(b": ping\n\n: ping\ndata: a\n: in the middle\ndata: b\n\n")
    assert pairs(events) == [("message", "a\nb")]
    assert decoder.comments == 3


def test_multi_line_data_is_joined_with_newlines():
    assert pairs(decode(b"data: one\ndata: two\ndata:three\n\n")) == [("message", "one\ntwo\nthree")]


def test_data_without_space_after_colon_keeps_only_one_space_stripped():
    assert pairs(decode(b"data:x\n\ndata:  y\n\n")) == [("message", "x"), ("message", " y")]


def test_empty_data_line_dispatches_an_empty_event_but_no_data_dispatches_nothing():
    assert pairs(decode(b"data\n\n")) == [("message", "")]
    assert pairs(decode(b"data:\n\n")) == [("message", "")]
    assert pairs(decode(b"event: x\n\n")) == []
    # the event name does not leak into the next event
    assert pairs(decode(b"event: x\n\ndata: y\n\n")) == [("message", "y")]


def test_id_and_retry_fields():
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 7\nretry: 100\ndata: a\n\ndata: b\n\nid: bad\x00\ndata: c\n\n")
    assert [(e.id, e.data) for e in events] == [("7", "a"), ("7", "b"), ("7", "c")]
    assert decoder.retry == 100


def test_unknown_fields_are_ignored_and_field_without_colon():
    assert pairs(decode(b"foo: bar\ndata: a\nbaz\n\n")) == [("message", "a")]


def test_unfinished_event_at_end_of_stream_is_discarded():
    assert pairs(decode(b"data: a\n\ndata: b")) == [("message", "a")]


def test_utf8_split_across_chunks_and_invalid_bytes():
    text = "data: caf\u00e9 \u65e5\u672c \U0001f600\n\n".encode()
    for cut in range(len(text)):
        assert pairs(decode(text[:cut], text[cut:])) == [("message", "caf\u00e9 \u65e5\u672c \U0001f600")]
    assert pairs(decode(b"data: a\xffb\n\n")) == [("message", "a\ufffdb")]


def test_crlf_split_between_chunks_is_one_line_ending():
    assert pairs(decode(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n")) == [("message", "a"), ("message", "b")]


STREAM = (
    b"\xef\xbb\xbf: ping\r\nevent: updates\r\ndata: {\"run_id\": \"r\"}\r\n\r\n"
    b"data: {\"event\": \"custom\", \"data\": {\"stdout\": \"caf\xc3\xa9\\n\"}}\n\n"
    b"event: custom\rdata: line1\rdata: line2\r\r"
    b"id: 3\ndata:\xe6\x97\xa5\xe6\x9c\xac\n\n: bye\n"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=20))
def test_random_chunking_never_changes_the_events(cuts):
    points = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0] + points, points + [len(STREAM)], strict=True)]
    assert pairs(decode(*chunks)) == pairs(decode(STREAM))


def test_every_byte_boundary():
    whole = pairs(decode(STREAM))
    assert len(whole) == 4
    for cut in range(len(STREAM) + 1):
        assert pairs(decode(STREAM[:cut], STREAM[cut:])) == whole
    assert pairs(decode(*[STREAM[i : i + 1] for i in range(len(STREAM))])) == whole


def test_retry_with_thousands_of_digits_is_ignored_not_fatal():
    decoder = SSEDecoder()
    assert pairs(decoder.feed(b"retry: " + b"9" * 5000 + b"\ndata: a\n\n")) == [("message", "a")]
    assert decoder.retry is None
    assert pairs(decoder.feed(b"retry: 12\ndata: b\n\n")) == [("message", "b")] and decoder.retry == 12


def test_one_long_line_in_many_chunks_is_decoded_whole():
    line = b"data: " + b"x" * 1_000_000 + b"\n\n"
    chunks = [line[i : i + 4096] for i in range(0, len(line), 4096)]
    assert pairs(decode(*chunks)) == [("message", "x" * 1_000_000)]
