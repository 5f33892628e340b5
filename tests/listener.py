"""A loopback HTTP server that records who sent what, and answers as a test tells it to."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]


def json_answer(status: int, document: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(document).encode()


class Listener:
    """``with Listener(answer) as listener``: ``listener.url``, ``listener.received`` (every request,
    headers included); ``answer(method, path)`` gives each reply (default: 200 ``{}``)."""

    def __init__(self, answer: Callable[[str, str], Answer] | None = None) -> None:
        self.received: list[Received] = []
        self._answer = answer or (lambda method, path: json_answer(200, {}))
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._reply()

            def do_POST(self) -> None:
                self._reply()

            def _reply(self) -> None:
                listener.received.append(Received(self.command, self.path, dict(self.headers.items())))
                status, headers, body = listener._answer(self.command, self.path)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
