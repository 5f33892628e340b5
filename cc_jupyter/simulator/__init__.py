"""A loopback simulator of the Cloud Coding API (``POST /invoke/stdout``, SSE over chunked HTTP/1.1),
with a simulated GitHub backed by real git repositories.

It shares no code with the rest of ``cc_jupyter``: only the protocol. Start it with
``python -m cc_jupyter.simulator --port 0`` (prints ``cc_jupyter simulator listening on URL``,
then where to point ``CLOUDCODE_API_URL`` and ``CLOUDCODE_GITHUB_API_URL``) or in-process::

    from cc_jupyter.simulator import Simulator
    with Simulator(pace=0) as sim:          # or Simulator(...).start() ... sim.stop()
        sim.url                             # http://127.0.0.1:PORT; GitHub API base: sim.url + "/github"
        sim.request_log()                   # request records, also GET /_sim/requests
        sim.repo_path("https://github.com/acme/widgets")   # the bare repository the agent pushes to

``Simulator(host, port, api_key, pace, *, verbose, quiet, git_root=None, rules=None, **defaults)``;
``start()``, ``stop()``, ``reset()``, ``url``, ``port``, ``git_root``, ``repo_path(url)``,
``github_failure(repo, mode)``, ``release(name)``, ``wait_held(name, timeout)``.

The fake agent
    answers about its prompt: "Add a function that loads data/sales.csv ..." makes it write
    ``src/<pkg>/load_sales.py`` (a stdlib-only ``load_sales(path="data/sales.csv")``) and
    ``tests/test_load_sales.py``, run them, and commit and push them for real; a later turn of
    the same thread ("Now make it raise a clear error ...") changes the same module, one commit
    on top. Every repository (``https://HOST/<owner>/<repo>``) is a bare repository
    ``<git_root>/<owner>/<repo>.git`` (lower case), created on first use with an initial commit
    on ``main`` (README, pyproject, ``src/<pkg>/__init__.py``, ``tests/``; ``<pkg>`` is the repo
    name with ``-`` -> ``_``); a requested branch that does not exist is made from ``main``. The push
    happens when the stream reaches the agent's push step, so a client gone before that gets
    nothing pushed. Runs with ``error``, ``result_error`` or ``push=none`` push nothing.

Endpoints
    POST /invoke/stdout          the API
    GET  /github/repos/{owner}/{repo}/branches/{branch}       GitHub's branch object
    GET  /github/repos/{owner}/{repo}/compare/{base}...{head} GitHub's comparison (also base..head),
                                 from the real repository. Both need ``Authorization: Bearer|token
                                 <token>`` (none: 401 Requires authentication; not a token a run used
                                 on that repository: 401 Bad credentials; a repository first seen
                                 here adopts the first token); unknown branch or sha: 404.
    GET  /_sim/health            {"ok": true}
    GET  /_sim/requests          request records: id, path, received_at, thread_id, task_names, prompts,
                                 branch, haiku, repo_url, has_api_key, has_github_token, status, outcome =
                                 rejected|streaming|completed|disconnected|cut (GitHub calls: answered, or
                                 waiting in the timeout mode; they add method and has_token), ended_at,
                                 events_sent, held (the gate a run waits at), directives (from rules and
                                 the prompt); never a key or token
    POST /_sim/reset             forget records, threads and GitHub failure modes; let held runs go
    POST /_sim/release           {"name": NAME}: open the gate of ``hold=NAME`` (like ``release(NAME)``)
    POST /_sim/github-failure    {"repo": URL or owner/repo, "mode": MODE or null}: every GitHub call on
                                 that repository fails: "404"; "ratelimit" (403, x-ratelimit-remaining: 0,
                                 reset in 15 min); "timeout" (never answers); "garbage" (200, not JSON);
                                 "500". Same as ``github_failure(repo, mode)``.

A request's behaviour comes from CLI/constructor defaults, then ``rules`` (``(regex, "k=v k2")``
pairs, CLI ``--rule 'REGEX=k=v k2'``: applied when a prompt matches), then directive lines in
any prompt: ``sim: key=value key2 ...`` (a bare key means true; ``key=false`` turns one off;
an unknown key or bad value is a 422). Directive lines are removed before prompts are echoed.

Wire variants
    framing=A|B|C|mixed  A: ``event:`` + ``data: payload``; B: only ``data: {"event", "data"}``;
                         C: both; mixed: rotate A, B, C per event (default A)
    crlf                 CRLF line endings
    cr                   bare CR line endings (wins over crlf)
    bom                  UTF-8 BOM before the first byte of the body
    ping=SECONDS         ``: ping`` comment lines at that interval, silences and holds included
    wrap                 updates payloads wrapped in a node name: ``{"executor": {...}}``
    id                   ``id: N`` line on every event
    multiline            pretty-printed JSON split over several ``data:`` lines
    metadata             first event ``metadata`` ``{"run_id", "thread_id"}`` (thread_id null unless the
                         client sent one or thread=metadata|header)
    end                  last event ``end`` (data null)
    history              updates re-send the whole message history, earlier turns included
    notask               custom events without task_name in single-task runs
    stdout=plain|json|both  tool stdout as ANSI text, Claude Code stream-json lines, or both (default);
                         the stream-json ``result`` record's duration_ms is the run's real elapsed time

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
    thread=accept        (default) adopt the client's thread_id, unknown = new; none sent = an internal id,
                         never returned
    thread=metadata      send the thread id in a ``metadata`` event, creating one when none was sent
    thread=header        add ``Content-Location: /threads/<id>/runs/<run_id>``
    thread=reject        an unseen thread_id is a 422 ``{"detail": "Unknown thread_id: <id>"}`` before any event
    thread=server-metadata | server-header
                         an unseen client thread_id is ignored: the server names a thread of its own, in a
                         ``metadata`` event or the ``Content-Location`` header (a known one is continued)

Hostile input (what a broken or malicious server may send; the agent's first task sends it)
    empty                a 200 event stream that closes without a single event
    deep=N               an ``updates`` event whose JSON nests N levels deep
    retry=N              a ``retry:`` field of N digits, then an ordinary event
    names=N              N custom events, each naming a task never asked for
    bigid=BYTES          a metadata event with a thread id and run id of BYTES, an event named with BYTES
                         characters, and an ``error`` event whose name and message are BYTES long
    leak_escaped         stdout echoes the request's GitHub token coloured by ``grep --color`` and split
                         across three events (a NUL inside), the API key with BEL and an OSC title inside,
                         and the token spelled in ``\\u`` escapes inside a stream-json record

Volume and timing
    pace=FLOAT           multiplier on built-in delays (default 1: about 2 s per run; 0 = no delays)
    wait=SECONDS         delay before the response status line
    lines=N              N extra stdout lines per task ...
    interval=SECONDS     ... that far apart (default 0.3 x pace)
    flood=N              N short custom events round-robin over the tasks, pre-rendered, 64 KiB writes
    width=N              each flood line is N characters, newline included (numbered from 7)

Commits (the simulated GitHub)
    commits=N            N commits (default 1): the module, then its tests, then changelog notes
    push=none            the agent commits nothing and says it pushed nothing (default: push=branch)
    push_branch=NAME     push to branch NAME instead (made from the requested branch), and say so
    pr                   the summary also gives a pull request ``https://github.com/<owner>/<repo>/pull/<n>``

Gates
    hold=NAME            after the first round (the human message and the agent's first step), wait
                         until ``release(NAME)`` / ``POST /_sim/release``; pings go on and a client that
                         leaves is noticed. A release is a latch: released first, a later hold passes at
                         once. ``reset()`` and ``stop()`` release everything. While a run waits, its
                         record has ``held: NAME``; ``wait_held(NAME, timeout)`` returns once one does.

Turn 2+ of a thread starts with ``Continuing thread <id> (turn N). Earlier you asked: "..."``.
"""
from .server import Simulator

__all__ = ["Simulator"]
