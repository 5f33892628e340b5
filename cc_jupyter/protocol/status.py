"""Turning a failed HTTP answer (before any event) into one readable CloudCodeError."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ..errors import (
    APIStatusError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
    UnexpectedResponseError,
)
from ..text import clip, one_line, strip_escapes


def error_for_status(status: int, body: str, headers: Mapping[str, str], endpoint: str) -> APIStatusError:
    """The exception for an HTTP status other than 200, with the server's detail made readable.

    ``body`` must already be masked; it is cleaned and clipped here."""
    detail = readable_detail(body)
    said = f": {detail}" if detail else ""
    if status == 401:
        return AuthenticationError(
            f"401 from the API{said} — the API key was rejected: set a valid key in "
            "CLOUDCODE_API_KEY or run %cloudcode login.",
            status=status,
            detail=detail,
        )
    if status == 403:
        return AuthenticationError(
            f"403 from the API{said} — the key or the GitHub token may not do this: check that the token in "
            "GITHUB_TOKEN can push to the repository, or run %cloudcode login with one that can.",
            status=status,
            detail=detail,
        )
    if status in (400, 422):
        return RequestRejectedError(f"{status} from the API: the request was refused{said}.", status=status, detail=detail)
    if status == 404:
        return NotFoundError(
            f"404 from the API: {endpoint} does not exist — check CLOUDCODE_API_URL (the base URL, without /invoke/stdout).",
            status=status,
            detail=detail,
        )
    if status == 429:
        retry_after = _retry_after(headers.get("retry-after"))
        wait = f"wait {retry_after:g} s" if retry_after is not None else "wait a little"
        return RateLimitError(
            f"429 from the API: too many requests{said} — {wait} and run the cell again.",
            detail=detail,
            retry_after=retry_after,
        )
    if status >= 500:
        return ServerError(
            f"{status} from the API{said} — the service had a problem; try again in a minute.", status=status, detail=detail
        )
    return APIStatusError(f"Unexpected HTTP {status} from the API{said}.", status=status, detail=detail)


def not_an_event_stream(content_type: str, body: str) -> UnexpectedResponseError:
    """A 200 that is not ``text/event-stream``; ``body`` (already masked) is quoted briefly."""
    excerpt = one_line(strip_escapes(body), 200)
    kind = one_line(strip_escapes(content_type), 80) or "missing"
    return UnexpectedResponseError(
        f"The API answered 200 but not with an event stream (content type {kind!r}): "
        f"{excerpt!r} — check CLOUDCODE_API_URL points at the Cloud Coding API."
    )


def readable_detail(body: str, limit: int = 300) -> str:
    """FastAPI's ``{"detail": "text"}`` or ``{"detail": [{"loc", "msg"}]}`` as one clean line."""
    try:
        return _detail(body.strip(), limit)
    except RecursionError:  # absurdly nested JSON: quote it as text
        return one_line(strip_escapes(body), limit)


def _detail(text: str, limit: int) -> str:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return one_line(strip_escapes(text), limit)
    detail = data.get("detail", data) if isinstance(data, dict) else data
    if isinstance(detail, list):
        parts = []
        for item in detail[:20]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body") if isinstance(item.get("loc"), list) else ""
                msg = str(item.get("msg", item))
                parts.append(f"{loc}: {msg}" if loc else msg)
            else:
                parts.append(str(item))
        text = "; ".join(parts)
    elif isinstance(detail, dict):
        text = clip(json.dumps(detail), 4 * limit)
    else:
        text = str(detail)
    return one_line(strip_escapes(text), limit)


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 86_400 else None
