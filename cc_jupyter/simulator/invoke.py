"""POST /invoke/stdout: key and body checks, directives, failure answers, then playing the run."""
from __future__ import annotations

import socket

from . import rules
from .exchange import Exchange
from .git import GitError
from .repo_ref import FALLBACK, RepoRef, parse_repo, valid_branch
from .scenario import HALF, DirectiveError, Scenario, merge, split_prompt
from .script import build
from .stream import Disconnected, Player, Stopped, wait
from .validate import InvokeRequest, parse_body, summarize
from .wire import Wire

PATH = "/invoke/stdout"

# FastAPI-style bodies for `status=N`.
FAILURES: dict[int, object] = {
    400: "Bad Request",
    401: "Invalid API key",
    403: "GitHub token has no push access to this repository",
    404: "Not Found",
    409: "A run is already in progress for this thread",
    413: "Request Entity Too Large",
    422: [{"type": "value_error", "loc": ["body", "repo_url"], "msg": "Value error, repository not found",
           "input": None}],
    429: "Rate limit exceeded: too many concurrent runs",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
NONSSE_PAGE = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
               b"</center><hr><center>Bad gateway: upstream closed the connection</center></body></html>\n")


def answer(h: Exchange, raw: bytes) -> None:
    state = h.state
    key = h.headers.get("x-api-key", "")
    rid = state.log.open(PATH, has_api_key=bool(key.strip()), **summarize(raw))
    if not key.strip():
        return h.reject(rid, 401, {"detail": "Missing API key"})
    if state.api_key is not None and key != state.api_key:
        return h.reject(rid, 401, {"detail": "Invalid API key"})
    req, errors = parse_body(raw)
    if req is None:
        return h.reject(rid, 422, {"detail": errors})
    state.log.update(rid, branch=req.branch, haiku=req.haiku)

    prompts, from_prompts = [], {}
    try:
        for task in req.tasks:
            prompt, found = split_prompt(task.prompt)
            prompts.append(prompt)
            from_prompts.update(found)
    except DirectiveError as exc:
        return h.reject(rid, 422, {"detail": str(exc)})
    directives = {**rules.matching(state.rules, prompts), **from_prompts}
    sc = merge(state.defaults, directives)
    state.log.update(rid, directives=directives)

    if sc.wait:
        try:
            wait(h.connection, sc.wait, state.stop)
        except (Disconnected, Stopped):
            h.close_connection = True
            return state.log.close(rid, "disconnected")
    if sc.status is not None:
        detail = FAILURES.get(sc.status, f"Simulated error {sc.status}")
        return h.reject(rid, sc.status, {"detail": detail}, {"Retry-After": "7"} if sc.status == 429 else None)
    if sc.thread == "reject" and req.thread_id and not state.threads.known(req.thread_id):
        return h.reject(rid, 422, {"detail": f"Unknown thread_id: {req.thread_id}"})
    if sc.nonsse:
        state.log.close(rid, "rejected", status=200)
        return h.send_json(200, NONSSE_PAGE, content_type="text/html")
    if not valid_branch(req.branch):
        return h.reject(rid, 422, {"detail": f"Invalid branch name: {req.branch!r}"})
    return _stream(h, rid, req, prompts, sc)


def _repository(h: Exchange, req: InvokeRequest) -> RepoRef:
    """The repository the run works on, created (with the branch) if new; remembers the run's token."""
    repo = parse_repo(req.repo_url) or FALLBACK
    try:
        h.state.repos.ensure(repo, req.branch)
    except GitError as exc:  # the run still streams; its push step reports the failure
        h.log_message("git: %s", exc)
    h.state.repos.remember_token(repo, req.github_token)
    return repo


def _stream(h: Exchange, rid: int, req: InvokeRequest, prompts: list[str], sc: Scenario) -> None:
    """Answer 200 and play a run; the record ends completed, cut or disconnected."""
    state = h.state
    repo = _repository(h, req) if not sc.auth else FALLBACK
    own = sc.thread.startswith("server") and not (req.thread_id and state.threads.known(req.thread_id))
    asked = [(task.name, prompt) for task, prompt in zip(req.tasks, prompts, strict=True)]
    turn = state.threads.open_turn(None if own else req.thread_id, asked)
    script = build(req, prompts, sc, turn, repo, state.repos, h.headers.get("x-api-key", ""))
    state.threads.attach(turn, script.messages)

    h.close_connection = True
    player = Player(h.connection, Wire(sc.framing, sc.eol, sc.id, sc.multiline), bom=sc.bom,
                    ping=sc.ping, stop=state.stop, progress=lambda n: state.log.update(rid, events_sent=n),
                    gates=state.gates, held=lambda name: state.log.update(rid, held=name),
                    completing=lambda: state.log.close(rid, "completed", status=200, events_sent=player.sent))
    cut_at = None if sc.cut is None else max(1, script.events // 2) if sc.cut == HALF else sc.cut
    try:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream; charset=utf-8")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.send_header("X-Accel-Buffering", "no")
        h.send_header("Transfer-Encoding", "chunked")
        if sc.thread in ("header", "server-header"):
            h.send_header("Content-Location", f"/threads/{turn.thread_id}/runs/{script.run_id}")
        h.end_headers()
        state.log.update(rid, status=200, outcome="streaming")
        h.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        outcome = player.play(script, cut_at)
    except (Disconnected, OSError, Stopped):
        outcome = "cut" if state.stop.is_set() else "disconnected"
    if outcome != "completed":  # a completed run's record was closed before its last chunk
        state.log.close(rid, outcome, status=200, events_sent=player.sent)
