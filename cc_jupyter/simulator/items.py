"""What a script is made of: events to send, pauses, floods, gates, and work done mid-stream."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Emit:
    """One SSE event."""

    name: str
    payload: Any
    bare: bool = False  # a data-only event: no name, no envelope
    split: bool = False  # written as two chunks split inside a multibyte character


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Flood:
    """`count` tiny custom events round-robin over `tasks`, pre-rendered."""

    count: int
    tasks: tuple[str, ...]
    with_task: bool
    width: int = 0  # characters per line, newline included (0: "[task] line N of TOTAL")


@dataclass(frozen=True)
class Hold:
    """Wait here until the gate `name` is released."""

    name: str


@dataclass(frozen=True)
class Call:
    """Work done when the stream reaches this point (the agent's git push); sends nothing."""

    action: Callable[[], None]


@dataclass(frozen=True)
class Later:
    """One event whose content is known only when it is played (it names commits, or the elapsed time)."""

    render: Callable[[], Emit]


@dataclass(frozen=True)
class Raw:
    """Bytes written as they are (hostile shapes no encoder would make); ``events`` it counts as."""

    data: bytes
    events: int = 1


Item = Emit | Pause | Flood | Hold | Call | Later | Raw


@dataclass
class Script:
    """A run's items, in order; `messages()` gives this turn's messages so far, for thread memory."""

    items: list[Item]
    run_id: str
    thread_id: str | None = None  # the id to reveal (metadata event / header), if any
    started: float = field(default_factory=time.monotonic)
    messages: Callable[[], list[dict[str, Any]]] = list

    @property
    def events(self) -> int:
        return sum(
            i.count if isinstance(i, Flood) else i.events if isinstance(i, Raw) else 1
            for i in self.items
            if isinstance(i, (Emit, Later, Flood, Raw))
        )
