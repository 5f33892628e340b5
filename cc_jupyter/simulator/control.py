"""The /_sim endpoints tests and demos use to look at and steer the simulator."""
from __future__ import annotations

import json
from typing import Any

from .exchange import Exchange

ROUTES = {
    "/_sim/health": "GET",
    "/_sim/requests": "GET",
    "/_sim/reset": "POST",
    "/_sim/release": "POST",  # {"name": NAME}: open the gate of `hold=NAME`
    "/_sim/github-failure": "POST",  # {"repo": URL or owner/repo, "mode": "404"|...|null}
}


def answer(h: Exchange, path: str, body: bytes) -> None:
    state = h.state
    if path == "/_sim/requests":
        return h.send_json(200, state.log.snapshot())
    try:
        if path == "/_sim/reset":
            state.reset()
        elif path == "/_sim/release":
            name = _object(body).get("name")
            if not isinstance(name, str) or not name:
                raise ValueError('expected {"name": "<gate name>"}')
            state.gates.release(name)
        elif path == "/_sim/github-failure":
            fields = _object(body)
            repo, mode = fields.get("repo"), fields.get("mode")
            if not isinstance(repo, str) or not (mode is None or isinstance(mode, str)):
                raise ValueError('expected {"repo": "<owner/repo or URL>", "mode": "<mode>" or null}')
            state.github_failures.set(repo, mode)
    except ValueError as exc:
        return h.send_json(400, {"detail": str(exc)})
    return h.send_json(200, {"ok": True})


def _object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(value, dict):
        raise ValueError("the body is not a JSON object")
    return value
