"""HTTP handling: routing to the API, the simulated GitHub and the /_sim endpoints; reading bodies; answers."""
from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from . import github, invoke
from .extension import Exchange, Extension, Route
from .state import State

MAX_BODY = 16 * 1024 * 1024
JSON = "application/json"


def _health(h: Exchange, body: bytes) -> None:
    h.send_json(200, {"ok": True})


def _requests(h: Exchange, body: bytes) -> None:
    h.send_json(200, h.state.log.snapshot())


ROUTES = {invoke.PATH: Route("POST", invoke.answer), "/_sim/health": Route("GET", _health),
          "/_sim/requests": Route("GET", _requests)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cc-jupyter-simulator"
    sys_version = ""
    state: State  # set by bound_to: the handler class of one simulator
    extension: Extension

    @classmethod
    def bound_to(cls, state: State, extension: Extension) -> type[Handler]:
        """A handler class whose requests share ``state`` and ``extension``."""
        return type("SimulatorHandler", (cls,), {"state": state, "extension": extension})

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.state.track(self.connection, True)

    def finish(self) -> None:
        self.state.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.state.verbose:
            sys.stderr.write(f"simulator: {self.address_string()} {format % args}\n")

    # -- routing -------------------------------------------------------------

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST

    def _route(self) -> None:
        target = urlsplit(self.path)
        path = target.path
        body = self._read_body()
        if body is None:
            return
        route = {**ROUTES, **self.extension.routes}.get(path)
        if route is not None and route.method == self.command:
            route.answer(self, body)
        elif path == github.PREFIX or path.startswith(github.PREFIX + "/"):
            token = github.token_of(self.headers.get("Authorization", ""))
            github.answer(self, self.state.log.open(path, method=self.command, has_token=bool(token)), path,
                          target.query)
        else:
            rid = None
            if not path.startswith("/_sim/"):
                rid = self.state.log.open(path, has_api_key=bool(self.headers.get("x-api-key", "").strip()))
            if route is not None:
                self.reject(rid, 405, {"detail": "Method Not Allowed"}, {"Allow": route.method})
            else:
                self.reject(rid, 404, {"detail": "Not Found"})

    def _read_body(self) -> bytes | None:
        """The request body, by its Content-Length (not chunked); None after refusing it with a 400 or a 413."""
        try:
            length = -1 if "Transfer-Encoding" in self.headers else int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if 0 <= length <= MAX_BODY:
            return self.rfile.read(length)
        self.close_connection = True
        if length > MAX_BODY:
            self.send_json(413, {"detail": "Request Entity Too Large"})
        else:
            self.send_json(400, {"detail": "There was an error parsing the body"})
        return None

    # -- answers -------------------------------------------------------------

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None, *,
                  content_type: str = JSON) -> None:
        """Answer with a JSON body (bytes are sent as they are)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def reject(self, rid: int | None, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Answer an error, closing the request's record first."""
        if rid is not None:
            self.state.log.close(rid, "rejected", status=status)
        self.send_json(status, body, headers)
