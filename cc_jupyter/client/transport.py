"""HTTP and SSE: POST the request, check the answer, feed every event into the Run.

Knows nothing about widgets. Never retries a request that may have reached the server; the one
resend allowed is the thread policy's (a 4xx before any event, so nothing started).
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import httpx

from ..errors import APIConnectionError, CloudCodeError
from ..run.state import Run, RunError
from .events import normalise
from .http_errors import error_for_status, not_an_event_stream
from .request import Request
from .sse import SSEDecoder
from .threads import (
    should_resend_without_thread,
    thread_id_from_headers,
    thread_id_to_send,
)

DEFAULT_CONNECT_TIMEOUT = 15.0
_ERROR_BODY_LIMIT = 64 * 1024


def make_client(connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> httpx.AsyncClient:
    """No read timeout: a run is silent for minutes while the model thinks."""
    timeout = httpx.Timeout(connect=connect_timeout, read=None, write=60.0, pool=connect_timeout)
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=True)


async def stream_into(
    request: Request,
    run: Run,
    *,
    client: httpx.AsyncClient | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    idle_timeout: float | None = None,
) -> Run:
    """Run ``request`` to its end, filling ``run``. Raises :class:`CloudCodeError` only before
    the stream starts; afterwards every outcome is recorded on the run (status, error)."""
    own_client = client is None
    client = client or make_client(connect_timeout)
    try:
        response = await _open(client, request, run)
        try:
            await _consume(response, run, idle_timeout)
        finally:
            await response.aclose()
    except asyncio.CancelledError:
        run.finish("cancelled")
        raise
    except CloudCodeError as exc:
        run.fail(RunError("http", exc.message))
        raise
    finally:
        if own_client:
            await client.aclose()
    return run


async def _open(client: httpx.AsyncClient, request: Request, run: Run) -> httpx.Response:
    sent_thread = thread_id_to_send(request.thread_id)
    for attempt in (1, 2):
        run.thread_id = sent_thread
        response = await _send(client, request, sent_thread, run)
        if response.status_code == 200:
            break
        body = await _read_limited(response)
        await response.aclose()
        masked = run.masker.text(body.decode("utf-8", "replace")).encode()
        if attempt == 1 and should_resend_without_thread(response.status_code, masked.decode(), sent_thread):
            sent_thread = None
            continue
        raise error_for_status(response.status_code, masked, response.headers, request.endpoint)
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" not in content_type.lower():
        body = await _read_limited(response, 2048)
        await response.aclose()
        raise not_an_event_stream(content_type, run.masker.text(body.decode("utf-8", "replace")).encode())
    header_thread = thread_id_from_headers(response.headers)
    if header_thread:
        run.thread_id = header_thread
    return response


async def _send(client: httpx.AsyncClient, request: Request, thread_id: str | None, run: Run) -> httpx.Response:
    http_request = client.build_request(
        "POST", request.endpoint, json=request.body(thread_id=thread_id), headers=request.headers()
    )
    try:
        return await client.send(http_request, stream=True)
    except httpx.TimeoutException:
        raise APIConnectionError(
            f"Timed out connecting to {request.endpoint} — check the network and CLOUDCODE_API_URL."
        ) from None
    except httpx.HTTPError as exc:
        reason = run.masker.text(str(exc) or type(exc).__name__)
        raise APIConnectionError(
            f"Could not reach {request.endpoint} ({reason}) — check CLOUDCODE_API_URL and your network."
        ) from None


async def _read_limited(response: httpx.Response, limit: int = _ERROR_BODY_LIMIT) -> bytes:
    body = b""
    try:
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= limit:
                break
    except httpx.HTTPError:
        pass
    return body[:limit]


async def _consume(response: httpx.Response, run: Run, idle_timeout: float | None) -> None:
    decoder = SSEDecoder()
    apply = run.apply
    chunks = response.aiter_bytes()
    if idle_timeout is not None:
        chunks = _with_idle_timeout(chunks, idle_timeout)
    try:
        async for chunk in chunks:
            for sse in decoder.feed(chunk):
                event = normalise(sse)
                if event is not None:
                    apply(event)
        for sse in decoder.close():
            event = normalise(sse)
            if event is not None:
                apply(event)
    except _IdleTimeout:
        run.finish("idle_timeout", f"no data for {idle_timeout:g} s")
        return
    except (httpx.TransportError, httpx.StreamError) as exc:
        run.finish("disconnected", run.masker.text(str(exc) or type(exc).__name__))
        return
    run.finish("closed")


class _IdleTimeout(Exception):
    pass


async def _with_idle_timeout(chunks: AsyncIterator[bytes], idle_timeout: float) -> AsyncIterator[bytes]:
    iterator = chunks.__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(iterator.__anext__(), idle_timeout)
        except StopAsyncIteration:
            return
        except asyncio.TimeoutError:
            raise _IdleTimeout from None
        yield chunk
