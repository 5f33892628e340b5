"""Byte-exact SSE framing (A/B/C, line endings, ids) and HTTP/1.1 chunk encoding."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

FORMS = ("A", "B", "C")
BOM = "\ufeff".encode("utf-8")
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


@dataclass(frozen=True)
class Wire:
    """How events are framed on the wire; `index` is the 0-based position among events."""

    framing: str = "A"  # A | B | C | mixed
    eol: str = "\n"
    ids: bool = False
    multiline: bool = False

    def form(self, index: int) -> str:
        return FORMS[index % 3] if self.framing == "mixed" else self.framing

    def text(self, index: int, name: str, payload: Any, event_id: str | None = None) -> str:
        """The event as text; `event_id` overrides the `id:` value (used for templates)."""
        form = self.form(index)
        body = payload if form == "A" else {"event": name, "data": payload}
        lines = []
        if self.ids:
            lines.append(f"id: {event_id if event_id is not None else index + 1}")
        if form != "B":
            lines.append(f"event: {name}")
        lines.extend("data: " + part for part in self._json(body).split("\n"))
        return self.eol.join(lines) + self.eol * 2

    def event(self, index: int, name: str, payload: Any) -> bytes:
        return encode(self.text(index, name, payload))

    def data_only(self, payload: Any) -> bytes:
        """A bare `data:` event with no name and no envelope (the legacy auth report)."""
        return encode("data: " + self._json(payload) + self.eol * 2)

    def comment(self, text: str = "ping") -> bytes:
        return encode(f": {text}{self.eol}")

    def _json(self, value: Any) -> str:
        # Raw UTF-8 rather than \u escapes, so clients must decode multibyte text themselves.
        return json.dumps(value, ensure_ascii=False, indent=2 if self.multiline else None)
