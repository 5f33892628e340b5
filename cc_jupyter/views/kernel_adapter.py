"""The one place cc_jupyter relies on ipykernel's internals: a widget that answers while its cell is busy.

JupyterLab >= 4.4 sends comm messages on a kernel subshell, but ipykernel 7 re-routes a comm's
incoming messages to the shell that last published on it (``Comm._reply_subshell_for``): for a
widget made by a cell, that is the busy main shell, so a Stop click would wait for the cell to
end. On the ipykernel versions checked here, the widget's messages are left on the subshell
they came on. On any other version nothing is patched: the Stop button then stops runs once the
cell is free (``--no-wait``), and *Interrupt kernel* stops a run while its cell waits.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipywidgets import Widget

CHECKED_MAJORS = (7,)  # ipykernel major versions whose comm routing this adapter was written against
INTERRUPT_ONLY = "Stops the run once the cell is free; while the cell waits, use Kernel → Interrupt"


def ipykernel_version() -> tuple[int, ...] | None:
    """ipykernel's version as numbers (``(7, 4, 0)``), None when it is not installed or unreadable."""
    try:
        text = version("ipykernel")
    except PackageNotFoundError:
        return None
    numbers: list[int] = []
    for part in text.split(".")[:3]:
        leading = re.match(r"[0-9]+", part)  # "0rc1" is 0
        if leading is None:
            break
        numbers.append(int(leading.group()))
        if leading.end() < len(part):
            break  # a pre-release: what follows is not a release number
    return tuple(numbers) or None


def answer_while_busy(widget: Widget, kernel_version: tuple[int, ...] | None = None) -> bool:
    """Let ``widget``'s messages run on the subshell they arrive on; whether that was possible.

    Only widgets whose callbacks just signal may use this: they then run on the subshell's thread.
    ``kernel_version`` defaults to the installed ipykernel's."""
    found = ipykernel_version() if kernel_version is None else kernel_version
    comm: Any = getattr(widget, "comm", None)
    if not found or found[0] not in CHECKED_MAJORS or not callable(getattr(comm, "_reply_subshell_for", None)):
        return False
    comm._reply_subshell_for = lambda data, default: default
    return True
