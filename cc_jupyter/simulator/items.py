"""What a script is made of: events to send, pauses, and work done mid-stream.

An extension adds item types of its own by subclassing `Item` (and a Player that plays them).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Item:
    """Something a Player plays, in order."""


@dataclass(frozen=True)
class Emit(Item):
    """One SSE event."""

    name: str
    payload: Any


@dataclass(frozen=True)
class Pause(Item):
    seconds: float


@dataclass(frozen=True)
class Call(Item):
    """Work done when the stream reaches this point (the agent's git push); sends nothing."""

    action: Callable[[], None]


@dataclass(frozen=True)
class Later(Item):
    """One event whose content is known only when it is played (it names commits, or the elapsed time)."""

    render: Callable[[], Emit]


@dataclass(frozen=True)
class Script:
    """A run's items, in order."""

    items: list[Item]
