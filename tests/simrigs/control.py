"""The /_sim endpoints that steer a rigged simulator: reset, release a gate, make GitHub fail."""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from cc_jupyter.simulator.extension import Exchange, Route

if TYPE_CHECKING:
    from .rigs import Rigs


def routes(rigs: Rigs) -> dict[str, Route]:
    return {
        "/_sim/reset": Route("POST", partial(_answer, lambda h, body: rigs.reset(h.state))),
        "/_sim/release": Route("POST", partial(_answer, partial(_release, rigs))),  # {"name": NAME}
        "/_sim/github-failure": Route("POST", partial(_answer, partial(_github_failure, rigs))),
    }


def _answer(act: Callable[[Exchange, bytes], None], h: Exchange, body: bytes) -> None:
    """Do `act`: {"ok": true}, or a 400 naming what was wrong with the body."""
    try:
        act(h, body)
    except ValueError as exc:
        return h.send_json(400, {"detail": str(exc)})
    return h.send_json(200, {"ok": True})


def _release(rigs: Rigs, h: Exchange, body: bytes) -> None:
    name = _object(body).get("name")
    if not isinstance(name, str) or not name:
        raise ValueError('expected {"name": "<gate name>"}')
    rigs.gates.release(name)


def _github_failure(rigs: Rigs, h: Exchange, body: bytes) -> None:
    """{"repo": URL or owner/repo, "mode": "404"|...|null}"""
    fields = _object(body)
    repo, mode = fields.get("repo"), fields.get("mode")
    if not isinstance(repo, str) or not (mode is None or isinstance(mode, str)):
        raise ValueError('expected {"repo": "<owner/repo or URL>", "mode": "<mode>" or null}')
    rigs.github_failures.set(repo, mode)


def _object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(value, dict):
        raise ValueError("the body is not a JSON object")
    return value
