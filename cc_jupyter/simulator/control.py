"""The /_sim endpoints that look at the simulator: is it up, what did it receive."""
from __future__ import annotations

from .exchange import Exchange
from .extension import Route


def _health(h: Exchange, body: bytes) -> None:
    h.send_json(200, {"ok": True})


def _requests(h: Exchange, body: bytes) -> None:
    h.send_json(200, h.state.log.snapshot())


ROUTES = {"/_sim/health": Route("GET", _health), "/_sim/requests": Route("GET", _requests)}
