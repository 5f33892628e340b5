"""The recent errors of a session's cells, as plain text, for ``{Err}`` in a prompt.

A ``post_run_cell`` hook (IPython's exception handler is left alone) keeps the last errors,
each as a readable traceback: no ANSI escapes, cell frames named ``Cell In[n]``, the frames
of imported code (a local package's file and line) kept, IPython's own leading frame dropped.
Only text is kept, never the exception object (its frames would keep every local alive).

Paths in that text (the message and the traceback) are shortened (:mod:`.paths`): neither the
user's name nor the machine's layout is sent, while file names stay.
"""

from __future__ import annotations

import os
import re
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..text import strip_escapes
from .paths import PathRoots, shorten_paths

if TYPE_CHECKING:
    from IPython.core.interactiveshell import ExecutionResult, InteractiveShell

_FILE = re.compile(r'File "([^"\n]+)"')
_OLD_CELL_NAME = re.compile(r"<ipython-input-(\d+)-[0-9a-f]+>")  # IPython before 8.? names cells so


@dataclass(frozen=True)
class RecordedError:
    """One error a cell raised. ``str()`` is the text a prompt gets for ``{Err}``."""

    cell: int | None  # execution count; None for cells run without history
    type: str  # "ValueError", or "package.module.Error" outside builtins
    message: str
    traceback: str  # plain text, ending with the "Type: message" line

    def __str__(self) -> str:
        where = f"Cell In[{self.cell}]" if self.cell is not None else "A cell"
        headline = f"{self.type}: {self.message}" if self.message else self.type
        # The headline first: a clipped long traceback still says what went wrong.
        return f"{where} raised {headline}\n{self.traceback}"


def is_cloudcode_cell(result: ExecutionResult) -> bool:
    """True for cells that run the ``cloudcode`` magic: its own refusals are not user errors."""
    raw = getattr(getattr(result, "info", None), "raw_cell", None) or ""
    return raw.lstrip().startswith(("%%cloudcode", "%cloudcode"))


class ErrorLog:
    """The last ``maxlen`` errors raised by cells, recorded by a ``post_run_cell`` hook.

    ``log.register(shell)`` / ``log.unregister()``; ``log.latest()``, ``log.for_cell(n)``.
    Errors of cells for which ``skip(result)`` is true (by default ``%%cloudcode`` cells)
    are not recorded, so ``{Err}`` keeps meaning the user's last failing cell.
    """

    def __init__(self, maxlen: int = 50, *, skip: Callable[[ExecutionResult], bool] | None = is_cloudcode_cell) -> None:
        self._errors: deque[RecordedError] = deque(maxlen=maxlen)
        self._skip = skip
        self._shell: InteractiveShell | None = None

    # ----- the hook -----
    def register(self, shell: InteractiveShell) -> None:
        """Start recording the errors of ``shell``'s cells (a second call does nothing)."""
        if self._shell is shell:
            return
        self.unregister()
        shell.events.register("post_run_cell", self.post_run_cell)
        self._shell = shell

    def unregister(self) -> None:
        """Stop recording (what was recorded is kept)."""
        if self._shell is None:
            return
        try:
            self._shell.events.unregister("post_run_cell", self.post_run_cell)
        except ValueError:
            pass
        self._shell = None

    def post_run_cell(self, result: ExecutionResult) -> None:
        """The ``post_run_cell`` callback: record the cell's error, if it raised one."""
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        if error is None or (self._skip is not None and self._skip(result)):
            return
        try:
            self.record(error, getattr(result, "execution_count", None))
        except Exception:  # a hook that fails would print a traceback after every cell
            pass

    # ----- recording and reading -----
    def record(self, error: BaseException, cell: int | None = None) -> RecordedError:
        """Keep ``error`` (raised by ``cell``) as text; the oldest is forgotten past ``maxlen``."""
        roots = PathRoots.current()
        try:
            text = self._format(error, roots)
        except Exception:  # a broken __str__ or traceback: keep at least the type
            text = _type_name(error)
        entry = RecordedError(cell=cell, type=_type_name(error), message=_message(error, roots), traceback=text)
        self._errors.append(entry)
        return entry

    def latest(self) -> RecordedError | None:
        """The most recent error, or None."""
        return self._errors[-1] if self._errors else None

    def for_cell(self, cell: int) -> RecordedError | None:
        """The error cell ``cell`` raised, or None if it raised none (or it was forgotten)."""
        for entry in reversed(self._errors):
            if entry.cell == cell:
                return entry
        return None

    def cells(self) -> list[int]:
        """Execution counts of the cells whose error is recorded, oldest first."""
        return [e.cell for e in self._errors if e.cell is not None]

    def clear(self) -> None:
        self._errors.clear()

    def __len__(self) -> int:
        return len(self._errors)

    def __iter__(self) -> Iterator[RecordedError]:
        return iter(list(self._errors))

    def __repr__(self) -> str:
        return f"ErrorLog({len(self._errors)} errors, cells {self.cells()})"

    # ----- formatting -----
    def _format(self, error: BaseException, roots: PathRoots) -> str:
        tb = error.__traceback__
        internal = _ipython_dir()
        while tb is not None and internal and tb.tb_frame.f_code.co_filename.startswith(internal):
            tb = tb.tb_next  # IPython's run_code (and, for syntax errors, its compiler)
        lines = traceback.TracebackException(type(error), error, tb).format()
        return shorten_paths(strip_escapes(_FILE.sub(self._cell_label, "".join(lines))), roots).rstrip("\n")

    def _cell_label(self, match: re.Match[str]) -> str:
        """``File "<ipython-input-3-…>"`` (or ipykernel's temp file) becomes ``File "Cell In[3]"``."""
        namer = getattr(getattr(self._shell, "compile", None), "format_code_name", None)
        label = namer(match.group(1)) if namer is not None else None
        if label:
            return f'File "{label[0]} {label[1]}"'
        old = _OLD_CELL_NAME.fullmatch(match.group(1))
        return f'File "Cell In[{old.group(1)}]"' if old else match.group(0)


def _ipython_dir() -> str:
    try:
        import IPython
    except ImportError:  # pragma: no cover - the extension needs IPython
        return ""
    return os.path.dirname(IPython.__file__) + os.sep


def _type_name(error: BaseException) -> str:
    cls = type(error)
    module = getattr(cls, "__module__", "builtins")
    name = getattr(cls, "__qualname__", cls.__name__)
    return name if module in ("builtins", "__main__") else f"{module}.{name}"


def _message(error: BaseException, roots: PathRoots) -> str:
    try:
        if isinstance(error, SyntaxError) and error.msg:
            return shorten_paths(strip_escapes(error.msg), roots)  # str() adds the cell's internal file name
        return shorten_paths(strip_escapes(str(error)), roots)
    except Exception:
        return "<the error's message could not be read>"
