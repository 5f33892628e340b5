"""Turning a failed HTTP answer (before any event) into one readable CloudCodeError."""

from __future__ import annotations

import json
from typing import Any

from ..errors import (
    AuthenticationError,
    CloudCodeError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
)


def error_for_status(status: int, body: bytes, headers: Any, endpoint: str) -> CloudCodeError:
    """The exception for an HTTP status other than 200, with the server's detail made readable."""
    detail = readable_detail(body)
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return AuthenticationError(
            f"{status} from the API{said} — the API key was rejected: set a valid key in "
            "CLOUDCODE_API_KEY or run %cloudcode login.",
            status=status,
        )
    if status in (400, 422):
        return RequestRejectedError(f"{status} from the API: the request was refused{said}.", status=status)
    if status == 404:
        return NotFoundError(
            f"404 from the API: {endpoint} does not exist — check CLOUDCODE_API_URL (the base URL, without /invoke/stdout).",
            status=status,
        )
    if status == 429:
        retry_after = _retry_after(headers.get("retry-after"))
        wait = f"wait {retry_after:g} s" if retry_after is not None else "wait a little"
        return RateLimitError(f"429 from the API: too many requests{said} — {wait} and run the cell again.", retry_after=retry_after)
    if status >= 500:
        return ServerError(
            f"{status} from the API{said} — the service had a problem; try again in a minute.", status=status
        )
    return CloudCodeError(f"Unexpected HTTP {status} from the API{said}.", status=status)


def not_an_event_stream(content_type: str, body: bytes) -> ProtocolError:
    excerpt = " ".join(body[:200].decode("utf-8", "replace").split())
    return ProtocolError(
        f"The API answered 200 but not with an event stream (content type {content_type or 'missing'!r}): "
        f"{excerpt!r} — check CLOUDCODE_API_URL points at the Cloud Coding API.",
        status=200,
    )


def readable_detail(body: bytes, limit: int = 300) -> str:
    """FastAPI's ``{"detail": "text"}`` or ``{"detail": [{"loc", "msg"}]}`` as one line."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return _clip(" ".join(text.split()), limit)
    detail = data.get("detail", data) if isinstance(data, dict) else data
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                msg = str(item.get("msg", item))
                parts.append(f"{loc}: {msg}" if loc else msg)
            else:
                parts.append(str(item))
        return _clip("; ".join(parts), limit)
    if isinstance(detail, (dict,)):
        return _clip(json.dumps(detail), limit)
    return _clip(str(detail), limit)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
