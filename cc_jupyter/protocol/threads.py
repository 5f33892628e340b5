"""The thread-id policy, kept in one place so it can change when the real behaviour is known.

1. Adopt a thread id the server sends anywhere (a ``metadata`` event, a ``thread_id`` key in a
   payload, a ``Content-Location: .../threads/<id>/...`` header) — if it looks like an id.
2. Otherwise generate a UUID4 for a new conversation and send it with the first request, so the
   next request can continue it.
3. If the server answers a 4xx naming ``thread_id`` before any event, nothing has started:
   resend once without it.

The :class:`~cc_jupyter.run.state.Run` applies rule 1 (``Run.adopt_thread``); the transport
applies rules 2 and 3.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from ..json_types import JSON

MAX_THREAD_ID = 256
_LOCATION_THREAD = re.compile(r"/threads/([^/?#\s]+)")


def thread_id_to_send(requested: str | None) -> str:
    """The id the first request carries: the caller's, or a fresh UUID4 for a new conversation."""
    return requested or str(uuid.uuid4())


def plausible_thread_id(value: JSON) -> bool:
    """A server-sent value worth adopting: a short printable token (a UUID, typically)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_THREAD_ID
        and value.isprintable()
        and not any(c.isspace() for c in value)
    )


def thread_id_in_payload(payload: Mapping[str, JSON]) -> JSON:
    return payload.get("thread_id")


def thread_id_from_headers(headers: Mapping[str, str]) -> str | None:
    location = headers.get("content-location") or ""
    match = _LOCATION_THREAD.search(location)
    return match.group(1) if match else None


def should_resend_without_thread(status: int, body_text: str, sent_thread_id: str | None) -> bool:
    """A 4xx (not auth, not rate limit) that names ``thread_id``: nothing started, resend once."""
    return bool(sent_thread_id) and 400 <= status < 500 and status not in (401, 403, 429) and "thread" in body_text.lower()
