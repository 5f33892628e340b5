"""POST /invoke/stdout: key and body checks, directives, `status=N` answers, then playing the run."""
from __future__ import annotations

import socket
import time
import uuid

from .extension import Exchange, RunContext
from .repos import FALLBACK, GitError, RepoRef, parse_repo, valid_branch
from .scenario import DirectiveError, Scenario, matching
from .script import build
from .stream import Disconnected, Stopped
from .validate import InvalidBody, InvokeRequest

PATH = "/invoke/stdout"

# The `detail` of FastAPI-style bodies for `status=N` (any other N: "Simulated error N").
FAILURES: dict[int, object] = {
    400: "Bad Request", 401: "Invalid API key", 403: "GitHub token has no push access to this repository",
    404: "Not Found", 409: "A run is already in progress for this thread", 413: "Request Entity Too Large",
    422: [{"type": "value_error", "loc": ["body", "repo_url"], "msg": "Value error, repository not found",
           "input": None}],
    429: "Rate limit exceeded: too many concurrent runs", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


def answer(h: Exchange, raw: bytes) -> None:
    state = h.state
    key = h.headers.get("x-api-key", "")
    rid = state.log.open(PATH, has_api_key=bool(key.strip()))
    if not key.strip():
        return h.reject(rid, 401, {"detail": "Missing API key"})
    if state.api_key is not None and key != state.api_key:
        return h.reject(rid, 401, {"detail": "Invalid API key"})
    try:
        req = h.extension.parse_body(raw)
    except InvalidBody as exc:
        return h.reject(rid, 422, {"detail": exc.detail})
    state.log.update(rid, **req.record())

    prompts, from_prompts = [], {}
    try:
        for task in req.tasks:
            prompt, found = state.directives.split_prompt(task.prompt)
            prompts.append(prompt)
            from_prompts.update(found)
    except DirectiveError as exc:
        return h.reject(rid, 422, {"detail": str(exc)})
    directives = {**matching(state.rules, prompts, req.repo_url), **from_prompts}
    sc = state.directives.merge(state.defaults, directives)
    state.log.update(rid, directives=directives)

    if h.extension.refuse(h, rid, req, sc):
        return None
    if sc.status is not None:
        detail = FAILURES.get(sc.status, f"Simulated error {sc.status}")
        return h.reject(rid, sc.status, {"detail": detail}, {"Retry-After": "7"} if sc.status == 429 else None)
    if not valid_branch(req.branch):
        return h.reject(rid, 422, {"detail": f"Invalid branch name: {req.branch!r}"})
    return _stream(h, rid, req, prompts, sc)


def _repository(h: Exchange, req: InvokeRequest) -> RepoRef:
    """The repository the run works on, created (with the branch) if new."""
    repo = parse_repo(req.repo_url) or FALLBACK
    try:
        h.state.repos.ensure(repo, req.branch)
    except GitError as exc:  # the run still streams; its push step reports the failure
        h.log_message("git: %s", exc)
    return repo


def _stream(h: Exchange, rid: int, req: InvokeRequest, prompts: list[str], sc: Scenario) -> None:
    """Answer 200 and play a run; the record ends completed, cut or disconnected."""
    state, ext = h.state, h.extension
    repo = _repository(h, req)
    asked = [(task.name, prompt) for task, prompt in zip(req.tasks, prompts, strict=True)]
    turn = state.threads.open_turn(ext.thread_for(req, sc, state.threads), asked)
    run = RunContext(req, prompts, sc, turn, str(uuid.uuid4()), h.headers.get("x-api-key", ""), time.monotonic())
    script = build(run, repo, state.repos, ext)

    h.close_connection = True
    player = ext.player(run, h.connection, state.stop, lambda **fields: state.log.update(rid, **fields),
                        lambda: state.log.close(rid, "completed", status=200, events_sent=player.sent))
    try:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream; charset=utf-8")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.send_header("X-Accel-Buffering", "no")
        h.send_header("Transfer-Encoding", "chunked")
        for name, value in ext.headers(run).items():
            h.send_header(name, value)
        h.end_headers()
        state.log.update(rid, status=200, outcome="streaming")
        h.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        outcome = player.play(script)
    except (Disconnected, OSError, Stopped):
        outcome = "cut" if state.stop.is_set() else "disconnected"
    if outcome != "completed":  # a completed run's record was closed before its last chunk
        state.log.close(rid, outcome, status=200, events_sent=player.sent)
