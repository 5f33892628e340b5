"""HTTP and SSE: POST the request, check the answer, feed every event into the Run.

Knows nothing about widgets. Never retries a request that may have reached the server; the one
resend allowed is the thread policy's (a 4xx before any event, so nothing started). Whatever
goes wrong, the Run ends with a final status and one sentence, and the connection is closed;
no exception that may carry a secret (headers, body) reaches the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import httpx

from ..errors import APIConnectionError, CloudCodeError
from ..protocol.events import normalise_all
from ..protocol.request import Request
from ..protocol.sse import SSEDecoder
from ..protocol.status import error_for_status, not_an_event_stream
from ..protocol.threads import should_resend_without_thread, thread_id_from_headers, thread_id_to_send
from ..recordings.recorder import Recorder
from ..run.state import Run, RunError
from ..settings import CONNECT_TIMEOUT
from ..text import one_line
from ..tls import tls_context

_ERROR_BODY_LIMIT = 64 * 1024
_ERROR_BODY_SECONDS = 10.0  # of silence while reading an error answer's body
_T = TypeVar("_T")


def make_client(connect_timeout: float = CONNECT_TIMEOUT) -> httpx.AsyncClient:
    """No read timeout: a run is silent for minutes while the model thinks."""
    timeout = httpx.Timeout(connect=connect_timeout, read=None, write=60.0, pool=connect_timeout)
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=True, verify=tls_context())



async def stream_into(
    request: Request,
    run: Run,
    *,
    client: httpx.AsyncClient | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    idle_timeout: float | None = None,
    recorder: Recorder | None = None,
) -> Run:
    """Run ``request`` to its end, filling ``run``. Raises :class:`CloudCodeError` only before
    the stream starts; afterwards every outcome is recorded on the run (status, error).

    ``idle_timeout``: close the connection when no byte arrived for that many seconds (None or 0:
    never); keep-alive comments count, for a live connection may carry an agent in a long quiet
    tool. ``recorder`` starts writing the run to a recording when the stream opens (its caller
    closes it)."""
    own_client = client is None
    http = client if client is not None else make_client(connect_timeout)
    try:
        try:
            response = await _open(http, request, run, idle_timeout)
            if recorder is not None:
                recorder.begin(run)
        except _IdleTimeout:  # the request went out, no answer came: a run may have started
            run.finish("idle_timeout", silent_for=idle_timeout)
            return run
        except CloudCodeError as error:
            run.fail(RunError("http", error.message))
            raise
        except asyncio.CancelledError:
            run.finish("cancelled")
            raise
        except Exception as error:  # a bug or an unforeseen httpx failure: one sentence, no secrets
            failure = CloudCodeError(_unexpected("send the request", error, run))
            run.fail(RunError("internal", failure.message))
            raise failure from None
        try:
            await _consume(response, run, idle_timeout)
        except asyncio.CancelledError:
            run.finish("cancelled")
            raise
        except Exception as error:
            run.error = RunError("internal", _unexpected("read the stream", error, run))
            run.finish("closed")
        finally:
            await _close(response)
    finally:
        if own_client:
            await http.aclose()
    return run


async def _open(client: httpx.AsyncClient, request: Request, run: Run, idle_timeout: float | None) -> httpx.Response:
    sent_thread: str | None = thread_id_to_send(request.thread_id)
    for attempt in (1, 2):
        run.sent_thread(sent_thread)
        response = await _send(client, request, sent_thread, run, idle_timeout)
        if response.status_code == 200:
            break
        body = run.masker.text((await _read_limited(response)).decode("utf-8", "replace"))
        await _close(response)
        if attempt == 1 and should_resend_without_thread(response.status_code, body, sent_thread):
            sent_thread = None
            continue
        raise error_for_status(response.status_code, body, response.headers, request.endpoint)
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" not in content_type.lower():
        body = (await _read_limited(response, 2048)).decode("utf-8", "replace")
        await _close(response)
        raise not_an_event_stream(run.masker.text(content_type), run.masker.text(body))
    run.adopt_thread(thread_id_from_headers(response.headers))
    return response


async def _send(
    client: httpx.AsyncClient, request: Request, thread_id: str | None, run: Run, idle_timeout: float | None
) -> httpx.Response:
    """POST the request; :class:`_IdleTimeout` when its answer's head takes longer than ``idle_timeout``."""
    try:
        http_request = client.build_request(
            "POST", request.endpoint, json=request.body(thread_id=thread_id), headers=request.headers()
        )
        sending = client.send(http_request, stream=True)
        return await (_within_limit(sending, idle_timeout) if idle_timeout else sending)
    except httpx.TimeoutException:
        raise APIConnectionError(
            f"Timed out connecting to {request.endpoint} — check the network and CLOUDCODE_API_URL."
        ) from None
    except (httpx.HTTPError, OSError) as error:  # OSError: TLS and socket errors older httpx let through
        raise APIConnectionError(
            f"Could not reach {request.endpoint} ({_reason(error, run)}) — check CLOUDCODE_API_URL and your network."
        ) from None


async def _read_limited(response: httpx.Response, limit: int = _ERROR_BODY_LIMIT) -> bytes:
    """The start of an error answer's body: at most ``limit`` bytes, and what came within
    :data:`_ERROR_BODY_SECONDS` (a server may trickle it, or never end it)."""
    body = b""
    try:
        async for chunk in _within(response.aiter_bytes(), _ERROR_BODY_SECONDS):
            body += chunk
            if len(body) >= limit:
                break
    except (httpx.HTTPError, _IdleTimeout):
        pass
    return body[:limit]


async def _close(response: httpx.Response) -> None:
    try:
        await response.aclose()
    except Exception:  # closing a broken connection may fail: it is closed either way
        pass


async def _consume(response: httpx.Response, run: Run, idle_timeout: float | None) -> None:
    decoder = SSEDecoder()
    chunks = response.aiter_bytes()
    if idle_timeout:
        chunks = _within(chunks, idle_timeout)
    try:
        async for chunk in chunks:
            events = decoder.feed(chunk)
            if events:
                run.apply_all(normalise_all(events))
        run.apply_all(normalise_all(decoder.close()))
    except _IdleTimeout:
        run.finish("idle_timeout", silent_for=idle_timeout)
        return
    except (httpx.TransportError, httpx.StreamError) as error:
        run.finish("disconnected", _disconnect_reason(error))
        return
    run.finish("closed")


class _IdleTimeout(Exception):
    pass


async def _within(chunks: AsyncIterator[bytes], seconds: float) -> AsyncIterator[bytes]:
    """``chunks``, or :class:`_IdleTimeout` once none came for ``seconds``: any byte is life,
    an SSE comment (a keep-alive) as much as an event."""
    iterator = chunks.__aiter__()
    while True:
        try:
            chunk = await _within_limit(iterator.__anext__(), seconds)
        except StopAsyncIteration:
            return
        yield chunk


async def _within_limit(awaitable: Awaitable[_T], seconds: float) -> _T:
    """What ``awaitable`` gives, or :class:`_IdleTimeout` after ``seconds`` (it is then cancelled,
    as it is when the caller is). Not ``asyncio.wait_for``: before Python 3.12 that swallows a
    cancel (a Stop) arriving together with the answer, and the run never stops."""
    step = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait((step,), timeout=seconds)
    except BaseException:
        _abandon(step)
        raise
    if not done:
        _abandon(step)
        raise _IdleTimeout
    return step.result()


def _abandon(step: asyncio.Future[Any]) -> None:
    """Cancel a read no one waits for any more; its outcome is marked seen (no asyncio warning)."""
    step.cancel()
    step.add_done_callback(lambda done: done.cancelled() or done.exception())


def _disconnect_reason(error: Exception) -> str:
    """Why the stream broke, in words (not httpx internals): the OS error underneath names it."""
    underneath = _causes(error)
    if any(isinstance(e, ConnectionResetError) for e in underneath):
        return "the connection was reset by the server or a proxy on the way"
    if isinstance(error, httpx.RemoteProtocolError):
        if "peer closed" in str(error) or "incomplete" in str(error):
            return "the server closed the connection in the middle of the response"
        return "the server broke the HTTP protocol in the middle of the response"
    if isinstance(error, httpx.ReadTimeout) or any(isinstance(e, TimeoutError) for e in underneath):
        return "reading the stream timed out"
    if isinstance(error, (httpx.ReadError, httpx.NetworkError)) or any(isinstance(e, OSError) for e in underneath):
        return "the network connection was lost"
    return "the stream broke off"


def _causes(error: BaseException, limit: int = 10) -> list[BaseException]:
    """``error`` and the exceptions it was raised from (httpx wraps httpcore wraps the OS's)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < limit and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _reason(error: Exception, run: Run) -> str:
    return one_line(run.masker.text(str(error) or type(error).__name__), 200)


def _unexpected(doing: str, error: Exception, run: Run) -> str:
    return (
        f"cc_jupyter could not {doing} ({type(error).__name__}: {_reason(error, run)}) — what arrived is "
        "kept on the Run; please report this with the cc_jupyter version."
    )
