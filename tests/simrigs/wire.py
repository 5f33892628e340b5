"""Every framing the protocol allows: A/B/C or mixed, CR/CRLF line endings, ids, multi-line data."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cc_jupyter.simulator.stream import Wire, encode

from .options import FORMS, RiggedScenario

BOM = "\ufeff".encode()


@dataclass(frozen=True)
class VariantWire(Wire):
    """How events are framed on the wire; `index` is the 0-based position among events."""

    framing: str = "A"  # A | B | C | mixed
    eol: str = "\n"
    ids: bool = False
    multiline: bool = False

    @classmethod
    def of(cls, sc: RiggedScenario) -> VariantWire:
        return cls(sc.framing, sc.eol, sc.id, sc.multiline)

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
