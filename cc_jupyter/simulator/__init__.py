"""A loopback simulator of the Cloud Coding API (``POST /invoke/stdout``, SSE over chunked HTTP/1.1).

It shares no code with the rest of ``cc_jupyter``: only the protocol. Start it with
``python -m cc_jupyter.simulator --port 0`` (prints ``cc_jupyter simulator listening on URL``)
or in-process::

    from cc_jupyter.simulator import Simulator
    with Simulator(pace=0) as sim:          # or Simulator(...).start() ... sim.stop()
        sim.url                             # http://127.0.0.1:PORT
        sim.request_log()                   # request records, also GET /_sim/requests

Endpoints: ``POST /invoke/stdout``; ``GET /_sim/health``; ``GET /_sim/requests`` (records:
id, path, received_at, thread_id, task_names, prompts, branch, haiku, repo_url, has_api_key,
has_github_token, status, outcome = rejected|streaming|completed|disconnected|cut, ended_at,
events_sent, directives; never a key or token); ``POST /_sim/reset`` (records and threads).

A request's behaviour comes from CLI/constructor defaults, overridden by directive lines in
any prompt: ``sim: key=value key2 ...`` (a bare key means true; ``key=false`` turns one off;
an unknown key or bad value is a 422). Directive lines are removed before prompts are echoed.

Wire variants
    framing=A|B|C|mixed  A: ``event:`` + ``data: payload``; B: only ``data: {"event", "data"}``;
                         C: both; mixed: rotate A, B, C per event (default A)
    crlf                 CRLF line endings
    cr                   bare CR line endings (wins over crlf)
    bom                  UTF-8 BOM before the first byte of the body
    ping=SECONDS         ``: ping`` comment lines at that interval, silences included
    wrap                 updates payloads wrapped in a node name: ``{"executor": {...}}``
    id                   ``id: N`` line on every event
    multiline            pretty-printed JSON split over several ``data:`` lines
    metadata             first event ``metadata`` ``{"run_id", "thread_id"}`` (thread_id null unless the
                         client sent one or thread=metadata|header)
    end                  last event ``end`` (data null)
    history              updates re-send the whole message history, earlier turns included
    notask               custom events without task_name in single-task runs
    stdout=plain|json|both  tool stdout as ANSI text, Claude Code stream-json lines, or both (default)

Failures
    status=N             answer N (400-599) with a FastAPI ``{"detail": ...}`` body; 429 adds Retry-After: 7
    nonsse               200 with a text/html "Bad gateway" page
    error                an ``error`` event ``{"error": "AgentError", "message"}`` mid-run, then a normal close
    cut / cut=N          close after N events (bare: halfway) without the terminating chunk
    silence=SECONDS      a silent gap mid-run (pings continue if ping is set)
    huge=BYTES           one stdout line of BYTES bytes
    badutf8              a stdout chunk with invalid UTF-8 bytes; ``café, 日本語, 🎉`` split across chunks
    result_error         stream-json result with ``"is_error": true, "subtype": "error_during_execution"``
    auth                 legacy: a 200 stream whose only event is ``data: {"auth": "invalid api key"}``
    leak                 stdout echoes the request's github token in a clone URL, plus a fake ``ghp_`` token

Threads
    thread=accept        (default) adopt the client's thread_id, unknown = new; none sent = an internal id never returned
    thread=metadata      send the thread id in a ``metadata`` event, creating one when none was sent
    thread=header        add ``Content-Location: /threads/<id>/runs/<run_id>``
    thread=reject        an unseen thread_id is a 422 ``{"detail": "Unknown thread_id: <id>"}`` before any event

Volume and timing
    pace=FLOAT           multiplier on built-in delays (default 1: about 2 s per run; 0 = no delays)
    wait=SECONDS         delay before the response status line
    lines=N              N extra stdout lines per task ...
    interval=SECONDS     ... that far apart (default 0.3 x pace)
    flood=N              N short custom events round-robin over the tasks, pre-rendered, 64 KiB writes

Turn 2+ of a thread starts with ``Continuing thread <id> (turn N). Earlier you asked: "..."``.
"""
from .server import Simulator

__all__ = ["Simulator"]
