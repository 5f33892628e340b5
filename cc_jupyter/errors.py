"""The exceptions of cc_jupyter, each one sentence with a next step.

    CloudCodeError                  base class; IPython shows the sentence, no traceback
    ├── InvalidRequestError         refused locally before any I/O (also a ValueError)
    ├── ConfigurationError          a required setting (key, token, repository) is missing
    ├── APIConnectionError          the API could not be reached (refused, DNS, TLS, timeout)
    ├── APIStatusError              the API answered an HTTP error before any event (.status, .detail)
    │   ├── AuthenticationError     401, 403: the key was missing or rejected
    │   ├── RequestRejectedError    400, 422: the request body was refused
    │   ├── NotFoundError           404: usually a wrong CLOUDCODE_API_URL
    │   ├── RateLimitError          429 (.retry_after, in seconds, when the server said)
    │   └── ServerError             5xx
    ├── UnexpectedResponseError     a 200 that is not an event stream
    ├── RunFailedError              the run started, then ended failed or disconnected (.run)
    ├── Unreadable                  a file from the folder cannot be read safely (also a ValueError)
    ├── GitHubError                 reading what a run pushed failed (changes.github; shown, never raised
    │                               past the run: the run's .changes.error holds the sentence)
    └── PullRefused                 %cloudcode pull will not fast-forward; names what is in the way
        └── GitUnavailable          no git executable (changes.git)
    RunCancelled                    Ctrl-C / Interrupt kernel stopped a run (a KeyboardInterrupt; .run)

Nothing is ever retried: a request starts a paid run that may push commits.
"""

from __future__ import annotations

from typing import Any


class CloudCodeError(Exception):
    """Base class: a short, human message; IPython shows it without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback wall (whatever %xmode says).
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self.message}"]


class InvalidRequestError(CloudCodeError, ValueError):
    """The request was refused locally, before any network I/O."""


class ConfigurationError(CloudCodeError):
    """A required setting (key, token, repository) is missing."""


class APIConnectionError(CloudCodeError):
    """The API could not be reached (refused, DNS, TLS, connect timeout)."""


class APIStatusError(CloudCodeError):
    """The API answered an HTTP status other than 200, before any event."""

    def __init__(self, message: str, *, status: int, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class AuthenticationError(APIStatusError):
    """401/403: the API key was missing or rejected."""


class RequestRejectedError(APIStatusError):
    """400/422: the server refused the request body."""


class NotFoundError(APIStatusError):
    """404: the endpoint is not there (usually a wrong CLOUDCODE_API_URL)."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is in seconds when the server said."""

    def __init__(self, message: str, *, status: int = 429, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, status=status, detail=detail)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx from the API."""


class UnexpectedResponseError(CloudCodeError):
    """The server answered 200, but not with an event stream."""


class RunFailedError(CloudCodeError):
    """A run that had started ended failed or disconnected; ``run`` keeps what arrived."""

    # ``run`` is a cc_jupyter.Run: typed loosely because errors is the foundation every layer imports.
    def __init__(self, message: str, run: Any = None) -> None:
        super().__init__(message)
        self.run = run


class GitHubError(CloudCodeError):
    """One call to GitHub's API failed; the message is one sentence, without the token."""


class PullRefused(CloudCodeError):
    """Nothing was changed: ``str()`` says what is in the way and the git command that resolves it.

    (The one exception, a fast-forward stopped by the timeout, says so in its message.)
    """


class GitUnavailable(PullRefused):
    """``git`` is not on PATH or cannot be run."""


class Unreadable(CloudCodeError, ValueError):
    """A file from the folder (a recording, a rules file) cannot be read safely, or is not what it
    should be; ``str()`` is one sentence naming it."""


class RunCancelled(KeyboardInterrupt):
    """Ctrl-C / Interrupt kernel stopped a run; what arrived is kept on ``.run``."""

    def __init__(self, run: Any) -> None:  # a cc_jupyter.Run (see RunFailedError)
        super().__init__("run cancelled")
        self.run = run

    def __str__(self) -> str:
        return "Run cancelled: the connection was closed; what arrived is kept on the Run."

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[33mRunCancelled\x1b[0m: {self}"]
