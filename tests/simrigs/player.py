"""Playing the rigs' items, with a BOM first, pings in every wait, gates, and a cut."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from cc_jupyter.simulator.items import Item, Script
from cc_jupyter.simulator.stream import POLL, Player, wait

from . import flood
from .gates import Gates
from .items import Bare, Flood, Hold, Raw, Split, events
from .options import HALF, RiggedScenario
from .wire import BOM, VariantWire


class RigPlayer(Player):
    """Writes one script of a rigged request; `cut` ends it early, without the last chunk."""

    def __init__(self, sc: RiggedScenario, gates: Gates, sock: socket.socket, stop: threading.Event,
                 note: Callable[..., None], completing: Callable[[], None]) -> None:
        self.wire: VariantWire = VariantWire.of(sc)
        super().__init__(sock, self.wire, stop, note, completing)
        self.gates, self.ping, self.cut = gates, sc.ping, sc.cut
        self.cut_at: int | None = None
        self._prefix = BOM if sc.bom else b""
        self._next_ping = time.monotonic() + sc.ping

    def play(self, script: Script) -> str:
        if self.cut is not None:
            self.cut_at = max(1, events(script.items) // 2) if self.cut == HALF else self.cut
        return "cut" if self.cut_at == 0 else super().play(script)

    def finished(self) -> bool:
        return self.cut_at is not None and self.sent >= self.cut_at

    def play_item(self, item: Item) -> None:
        if isinstance(item, Hold):
            self._hold(item.name)
        elif isinstance(item, Flood):
            self._flood(item)
        elif isinstance(item, Raw):
            self.send(item.data)
            self.count(item.events)
        elif isinstance(item, Bare):
            self.send(self.wire.data_only(item.payload))
            self.count(1)
        elif isinstance(item, Split):
            data = self.wire.event(self.sent, item.name, item.payload)
            # Split inside the first multibyte character, to catch clients decoding per chunk.
            at = next((i for i, b in enumerate(data) if b >= 0xC0), len(data) - 1) + 1
            self.send(data[:at])
            self.send(data[at:])
            self.count(1)
        else:
            super().play_item(item)

    def pause(self, seconds: float) -> None:
        wait(self.sock, seconds, self.stop, self._maybe_ping)

    def send(self, data: bytes, framed: bool = True) -> None:
        if framed:
            data, self._prefix = self._prefix + data, b""
        super().send(data, framed)

    def _hold(self, name: str) -> None:
        """Wait at a gate until it is released, still pinging and noticing a client that leaves."""
        self.note(held=name)  # recorded before wait_held() can see the run arrive
        ticket = self.gates.arrive(name)
        try:
            while not self.gates.is_open(name, ticket):
                self.pause(POLL)
        finally:
            self.gates.leave(name)
            self.note(held=None)

    def _flood(self, fl: Flood) -> None:
        count = fl.count if self.cut_at is None else max(0, min(fl.count, self.cut_at - self.sent))
        body = flood.render(self.wire, self.sent, count, fl.count, fl.tasks, fl.with_task, fl.width)
        for block in flood.blocks(body):
            self.send(block)
        self.count(count)

    def _maybe_ping(self) -> float:
        """Send a keep-alive comment when one is due; returns seconds until the next one."""
        if not self.ping:
            return POLL
        if time.monotonic() >= self._next_ping:
            self.send(self.wire.comment("ping"))
            self._next_ping = time.monotonic() + self.ping
        return self._next_ping - time.monotonic()
