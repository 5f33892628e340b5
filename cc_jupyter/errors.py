"""Exceptions raised before a run's stream starts, each a one-line message with a next step."""

from __future__ import annotations


class CloudCodeError(Exception):
    """Base class: a short, human message; IPython shows it without a traceback."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback wall for expected API errors.
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self.message}"]


class InvalidRequestError(CloudCodeError, ValueError):
    """The request was refused locally, before any network I/O."""


class ConfigurationError(CloudCodeError):
    """A required setting (key, token, repository) is missing."""


class AuthenticationError(CloudCodeError):
    """401/403: the API key was missing or rejected."""


class RequestRejectedError(CloudCodeError):
    """400/422: the server refused the request body."""


class NotFoundError(CloudCodeError):
    """404: the endpoint is not there (usually a wrong CLOUDCODE_API_URL)."""


class RateLimitError(CloudCodeError):
    """429: too many requests; ``retry_after`` is in seconds when the server said."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ServerError(CloudCodeError):
    """5xx from the API."""


class ProtocolError(CloudCodeError):
    """The server answered something that is not an event stream."""


class APIConnectionError(CloudCodeError):
    """The API could not be reached (refused, DNS, TLS, connect timeout)."""


class RunFailedError(CloudCodeError):
    """Raised by the magic when a run that had started ended failed or disconnected."""


class RunCancelled(KeyboardInterrupt):
    """Ctrl-C / Interrupt kernel stopped a run; what arrived is kept on ``.run``."""

    def __init__(self, run: object) -> None:
        super().__init__("run cancelled")
        self.run = run

    def __str__(self) -> str:
        return "Run cancelled: the connection was closed; what arrived is kept on the Run."

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[33mRunCancelled\x1b[0m: {self}"]
