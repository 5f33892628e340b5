"""cc_jupyter: drive the Cloud Coding API from Python and Jupyter (``%load_ext cc_jupyter``).

Importing this package is cheap: httpx and ipywidgets load only when a run starts or a view
is shown. The layers, each importing only those before it::

    json_types, errors, text, secrets, settings, repos, files -> protocol -> run -> recordings -> changes -> client
    -> views -> magics
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    CloudCodeError,
    ConfigurationError,
    GitHubError,
    GitUnavailable,
    InvalidRequestError,
    NotFoundError,
    PullRefused,
    RateLimitError,
    RequestRejectedError,
    RunCancelled,
    RunFailedError,
    ServerError,
    UnexpectedResponseError,
    Unreadable,
)

__version__ = "0.2.0"

__all__ = [
    "invoke",
    "ainvoke",
    "invoke_many",
    "ainvoke_many",
    "RunGroup",
    "prepare",
    "start",
    "load_run",
    "Run",
    "RunError",
    "RunInfo",
    "TaskState",
    "Changes",
    "Commit",
    "FileChange",
    "PushedRef",
    "Request",
    "RunHandle",
    "CloudCodeError",
    "APIConnectionError",
    "APIStatusError",
    "AuthenticationError",
    "ConfigurationError",
    "InvalidRequestError",
    "NotFoundError",
    "RateLimitError",
    "RequestRejectedError",
    "RunCancelled",
    "RunFailedError",
    "ServerError",
    "UnexpectedResponseError",
    "Unreadable",
    "GitHubError",
    "PullRefused",
    "GitUnavailable",
    "load_ipython_extension",
    "unload_ipython_extension",
]

_LAZY = {
    "invoke": "cc_jupyter.client.api",
    "ainvoke": "cc_jupyter.client.api",
    "invoke_many": "cc_jupyter.client.many",
    "ainvoke_many": "cc_jupyter.client.many",
    "RunGroup": "cc_jupyter.client.group",
    "prepare": "cc_jupyter.client.api",
    "start": "cc_jupyter.client.api",
    "load_run": "cc_jupyter.recordings.reader",
    "RunHandle": "cc_jupyter.client.handle",
    "Run": "cc_jupyter.run.state",
    "RunError": "cc_jupyter.run.state",
    "RunInfo": "cc_jupyter.run.state",
    "TaskState": "cc_jupyter.run.task",
    "Changes": "cc_jupyter.run.changes",
    "Commit": "cc_jupyter.run.changes",
    "FileChange": "cc_jupyter.run.changes",
    "PushedRef": "cc_jupyter.run.changes",
    "Request": "cc_jupyter.protocol.request",
}

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .client.api import ainvoke, invoke, prepare, start
    from .client.group import RunGroup
    from .client.handle import RunHandle
    from .client.many import ainvoke_many, invoke_many
    from .protocol.request import Request
    from .recordings.reader import load_run
    from .run.changes import Changes, Commit, FileChange, PushedRef
    from .run.state import Run, RunError, RunInfo
    from .run.task import TaskState


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cc_jupyter' has no attribute {name!r}")


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext cc_jupyter``: register ``%%cloudcode`` and ``%cloudcode``."""
    from .magics.extension import load

    load(ipython)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """``%unload_ext cc_jupyter``: stop what is running and remove the magics."""
    from .magics.extension import unload

    unload(ipython)
