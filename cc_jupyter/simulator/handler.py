"""HTTP handling: routing, key and body checks, failure answers, and starting a stream."""
from __future__ import annotations

import json
import socket
import sys
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .scenario import HALF, DirectiveError, Scenario, merge, split_prompt
from .script import build
from .stream import Disconnected, Player, Stopped, wait
from .validate import InvokeRequest, parse_body, summarize
from .wire import Wire

if TYPE_CHECKING:
    from .server import SimServer, State

INVOKE = "/invoke/stdout"
ROUTES = {INVOKE: "POST", "/_sim/health": "GET", "/_sim/requests": "GET", "/_sim/reset": "POST"}
MAX_BODY = 16 * 1024 * 1024

# FastAPI-style bodies for `status=N`.
FAILURES: dict[int, Any] = {
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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cc-jupyter-simulator"
    sys_version = ""
    server: SimServer

    def version_string(self) -> str:
        return self.server_version

    @property
    def state(self) -> State:
        return self.server.state

    def setup(self) -> None:
        super().setup()
        self.state.track(self.connection, True)

    def finish(self) -> None:
        self.state.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.state.verbose:
            sys.stderr.write(f"simulator: {self.address_string()} {format % args}\n")

    # -- routing -------------------------------------------------------------

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST

    def _route(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return
        if path.startswith("/_sim/") and ROUTES.get(path) == self.command:
            if path == "/_sim/reset":
                self.state.reset()
            reply = self.state.log.snapshot() if path == "/_sim/requests" else {"ok": True}
            self._json(200, reply)
            return
        if path == INVOKE and self.command == "POST":
            self._invoke(body)
            return
        rid = None
        if not path.startswith("/_sim/"):
            rid = self.state.log.open(path, has_api_key=bool(self.headers.get("x-api-key", "").strip()))
        if path in ROUTES:
            self._reject(rid, 405, {"detail": "Method Not Allowed"}, {"Allow": ROUTES[path]})
        else:
            self._reject(rid, 404, {"detail": "Not Found"})

    def _read_body(self) -> bytes | None:
        """The request body (Content-Length or chunked); None after answering 413 / 400."""
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                parts, size = [], 0
                while True:
                    n = int(self.rfile.readline(100).split(b";")[0].strip() or b"0", 16)
                    if n == 0:
                        while self.rfile.readline(1000).strip():  # trailers
                            pass
                        return b"".join(parts)
                    size += n
                    if size > MAX_BODY:
                        break
                    parts.append(self.rfile.read(n))
                    self.rfile.readline(10)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                if 0 <= length <= MAX_BODY:
                    return self.rfile.read(length)
        except ValueError:
            self.close_connection = True
            self._json(400, {"detail": "There was an error parsing the body"})
            return None
        self.close_connection = True
        self._json(413, {"detail": "Request Entity Too Large"})
        return None

    # -- answers -------------------------------------------------------------

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _reject(self, rid: int | None, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if rid is not None:
            self.state.log.close(rid, "rejected", status=status)
        self._json(status, body, headers)

    # -- the endpoint --------------------------------------------------------

    def _invoke(self, raw: bytes) -> None:
        state = self.state
        key = self.headers.get("x-api-key", "")
        rid = state.log.open(INVOKE, has_api_key=bool(key.strip()), **summarize(raw))
        if not key.strip():
            return self._reject(rid, 401, {"detail": "Missing API key"})
        if state.api_key is not None and key != state.api_key:
            return self._reject(rid, 401, {"detail": "Invalid API key"})
        req, errors = parse_body(raw)
        if req is None:
            return self._reject(rid, 422, {"detail": errors})
        state.log.update(rid, branch=req.branch, haiku=req.haiku)

        prompts, directives = [], {}
        try:
            for task in req.tasks:
                prompt, found = split_prompt(task.prompt)
                prompts.append(prompt)
                directives.update(found)
        except DirectiveError as exc:
            return self._reject(rid, 422, {"detail": str(exc)})
        sc = merge(state.defaults, directives)
        state.log.update(rid, directives=directives)

        if sc.wait:
            try:
                wait(self.connection, sc.wait, state.stop)
            except (Disconnected, Stopped):
                self.close_connection = True
                return state.log.close(rid, "disconnected")
        if sc.status is not None:
            detail = FAILURES.get(sc.status, f"Simulated error {sc.status}")
            return self._reject(rid, sc.status, {"detail": detail}, {"Retry-After": "7"} if sc.status == 429 else None)
        if sc.thread == "reject" and req.thread_id and not state.threads.known(req.thread_id):
            return self._reject(rid, 422, {"detail": f"Unknown thread_id: {req.thread_id}"})
        if sc.nonsse:
            state.log.close(rid, "rejected", status=200)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(NONSSE_PAGE)))
            self.end_headers()
            self.wfile.write(NONSSE_PAGE)
            return None
        self._stream(rid, req, prompts, sc)
        return None

    def _stream(self, rid: int, req: InvokeRequest, prompts: list[str], sc: Scenario) -> None:
        """Answer 200 and play a run; the record ends completed, cut or disconnected."""
        state = self.state
        turn = state.threads.open_turn(req.thread_id, prompts)
        script = build(req, prompts, sc, turn)
        state.threads.attach(turn, script.messages)

        self.close_connection = True
        player = Player(self.connection, Wire(sc.framing, sc.eol, sc.id, sc.multiline), bom=sc.bom,
                        ping=sc.ping, stop=state.stop, progress=lambda n: state.log.update(rid, events_sent=n))
        cut_at = None if sc.cut is None else max(1, script.events // 2) if sc.cut == HALF else sc.cut
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.send_header("X-Accel-Buffering", "no")
            self.send_header("Transfer-Encoding", "chunked")
            if sc.thread == "header":
                self.send_header("Content-Location", f"/threads/{turn.thread_id}/runs/{script.run_id}")
            self.end_headers()
            state.log.update(rid, status=200, outcome="streaming")
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            outcome = player.play(script, cut_at)
        except (Disconnected, OSError, Stopped):
            outcome = "cut" if state.stop.is_set() else "disconnected"
        state.log.close(rid, outcome, status=200, events_sent=player.sent)
