"""What a route needs of the request it answers (the handler is one): a structural type, so
that routes and the handler that dispatches to them do not import each other."""
from __future__ import annotations

import socket
from email.message import Message
from typing import Any, Protocol

from .state import State


class Exchange(Protocol):
    state: State
    command: str
    headers: Message
    connection: socket.socket
    client_address: tuple[Any, ...]
    close_connection: bool

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None, *,
                  content_type: str = ...) -> None: ...

    def reject(self, rid: int | None, status: int, body: Any, headers: dict[str, str] | None = None) -> None: ...

    def send_response(self, code: int, message: str | None = None) -> None: ...

    def send_header(self, keyword: str, value: str) -> None: ...

    def end_headers(self) -> None: ...

    def log_message(self, format: str, *args: Any) -> None: ...
