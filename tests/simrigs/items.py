"""The rigs' script items: raw bytes, bare and split events, floods, gates."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cc_jupyter.simulator.items import Emit, Item, Later


@dataclass(frozen=True)
class Bare(Item):
    """A data-only event: no name, no envelope (the legacy auth report)."""

    payload: Any


@dataclass(frozen=True)
class Split(Emit):
    """An event written as two chunks split inside its first multibyte character."""


@dataclass(frozen=True)
class Raw(Item):
    """Bytes written as they are (hostile shapes no encoder would make); ``events`` it counts as."""

    data: bytes
    events: int = 1


@dataclass(frozen=True)
class Flood(Item):
    """`count` tiny custom events round-robin over `tasks`, pre-rendered."""

    count: int
    tasks: tuple[str, ...]
    with_task: bool
    width: int = 0  # characters per line, newline included (0: "[task] line N of TOTAL")


@dataclass(frozen=True)
class Hold(Item):
    """Wait here until the gate `name` is released."""

    name: str


def events(items: Sequence[Item]) -> int:
    """How many events playing `items` sends."""
    return sum(i.count if isinstance(i, Flood) else i.events if isinstance(i, Raw) else 1
               for i in items if isinstance(i, (Emit, Later, Bare, Flood, Raw)))
