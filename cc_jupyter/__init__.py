"""cc_jupyter: drive the Cloud Coding API from Python and Jupyter (``%load_ext cc_jupyter``).

Importing this package is cheap: httpx and ipywidgets load only when a run starts or a view
is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    APIConnectionError,
    AuthenticationError,
    CloudCodeError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    RequestRejectedError,
    RunCancelled,
    RunFailedError,
    ServerError,
)

__version__ = "0.1.0"

__all__ = [
    "invoke",
    "ainvoke",
    "prepare",
    "start",
    "Run",
    "CloudCodeError",
    "APIConnectionError",
    "AuthenticationError",
    "ConfigurationError",
    "InvalidRequestError",
    "NotFoundError",
    "ProtocolError",
    "RateLimitError",
    "RequestRejectedError",
    "RunCancelled",
    "RunFailedError",
    "ServerError",
    "load_ipython_extension",
    "unload_ipython_extension",
]

_LAZY = {
    "invoke": ("cc_jupyter.client.api", "invoke"),
    "ainvoke": ("cc_jupyter.client.api", "ainvoke"),
    "prepare": ("cc_jupyter.client.api", "prepare"),
    "start": ("cc_jupyter.client.api", "start"),
    "Run": ("cc_jupyter.run.state", "Run"),
}

if TYPE_CHECKING:
    from .client.api import ainvoke, invoke, prepare, start
    from .run.state import Run


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cc_jupyter' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext cc_jupyter``: register ``%%cloudcode`` and ``%cloudcode``."""
    from .magics.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext cc_jupyter``: remove the magics and stop what is running."""
    from .magics.extension import unload

    unload(ipython)
