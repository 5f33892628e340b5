"""Byte-exact SSE events and HTTP/1.1 chunk encoding."""
from __future__ import annotations

import json
from typing import Any

LAST_CHUNK = b"0\r\n\r\n"


def encode(text: str) -> bytes:
    """UTF-8, turning lone surrogates (\\udc80-\\udcff) into the raw bytes they stand for."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates, e.g. echoed from a prompt's JSON escapes
        return text.encode("utf-8", "replace")


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk (callers never pass b"": that would end the body)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


class Wire:
    """How events are framed: an `event:` line, then one `data:` line of compact JSON.

    Raw UTF-8 rather than \\u escapes, so clients must decode multibyte text themselves.
    `index` is the event's 0-based position in the stream (subclasses may frame by it).
    """

    def event(self, index: int, name: str, payload: Any) -> bytes:
        return encode(f"event: {name}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n")
