"""The live board: many runs (one per target) in one view, refreshed by ONE flusher.

Core ipywidgets only (works in Colab): a header (targets, counts per status, total elapsed) and a
Stop button; the table, one HTML widget with a row per target; a Dropdown to choose a target;
below it the chosen run's full :class:`~cc_jupyter.views.widget.LiveView`, made when chosen.

The display budget is the board's, not each run's: ``refresh`` rebuilds only the rows whose
``run.version`` moved (running clocks once a second), assigns the table's ``value`` only when its
HTML changed, keeps it under :data:`TABLE_BUDGET` characters whatever the number of targets, and
re-sends it at most :data:`TABLE_RATE` characters a second; the chosen run's LiveView keeps its own
bounds. The Dropdown's and the Stop button's callbacks only note or signal (they may run on the
comm thread while the cell is busy); everything else happens in ``refresh``, on the flusher's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..run.state import Run
from ..text import shorten
from .board_rows import BoardRow, LastLine, board_header_html, board_header_text, board_row, elapsed_text, rows_html
from .kernel_adapter import INTERRUPT_ONLY, answer_while_busy
from .style import repo_label
from .widget import MAX_LINES, LiveView, LiveViewSnapshot

if TYPE_CHECKING:
    from ipywidgets import Button, Widget

TABLE_BUDGET = 96_000  # characters of the table's HTML, whatever the number of targets
TABLE_RATE = 120_000  # characters of table HTML sent per second at most (a small table: every refresh)
MAX_ROWS = 200  # rows in the table; the others are counted (all of them can be chosen)
SLOW_INTERVAL = 1.0  # seconds between updates of the clocks
NO_TARGET = -1  # the Dropdown's value when no target is chosen
PLACEHOLDER = "— choose a target to see its tasks and the agent —"
OPTION_CHARS = 140


@dataclass(frozen=True)
class BoardSnapshot:
    """What a :class:`BoardView` shows at one moment (for tests and benches)."""

    header: str  #: the header as plain text: targets, counts per status, total elapsed
    header_html: str  #: ... as sent
    table: str  #: the table's HTML as sent
    rows: tuple[BoardRow, ...]  #: the rows the table shows (as of the last table sent)
    hidden: int  #: targets the table does not show (too many, or over the budget)
    options: tuple[str, ...]  #: the Dropdown's labels (the first one: no target)
    selected: int | None  #: the target whose LiveView is shown below the table
    detail: LiveViewSnapshot | None  #: that LiveView's snapshot
    stop_label: str
    stop_enabled: bool


@dataclass(frozen=True)
class BoardStats:
    """What the board's own widgets sent (the chosen run's LiveView not included)."""

    refreshes: int
    sends: int  #: widget values assigned (table and header)
    chars: int  #: characters of those values
    deferred: int  #: refreshes whose new table waited for the rate budget


class _Row:
    """One target: its run, its last-line tracker, and the row as last built."""

    __slots__ = ("run", "last", "version", "row")

    def __init__(self, run: Run) -> None:
        self.run = run
        self.last = LastLine()
        self.version = -1
        self.row: BoardRow | None = None


class BoardView:
    """A live table of ``runs`` (one row per target), a Stop button for all, and the chosen run's
    LiveView. ``on_stop()`` is called by the Stop button (the caller cancels every run);
    ``on_stop_run(index)``, when given, by the chosen run's own Stop button (else it is hidden).

    ``refresh()`` and ``stop()`` may run on a background thread (one at a time)."""

    def __init__(
        self,
        runs: Sequence[Run],
        *,
        on_stop: Callable[[], None],
        on_stop_run: Callable[[int], None] | None = None,
        source: str = "",
        max_lines: int = MAX_LINES,
    ) -> None:
        import ipywidgets as widgets

        self.runs = list(runs)
        self.source = source
        self.max_lines = max_lines
        self._on_stop = on_stop
        self._on_stop_run = on_stop_run
        self._lock = threading.Lock()
        self._closed = False
        self._rows = [_Row(run) for run in self.runs]
        self._wanted: int | None = None  # set by the Dropdown's observer; read by refresh
        self._shown: int | None = None
        self._detail_view: LiveView | None = None
        self._last_slow = -SLOW_INTERVAL
        self._table_sent = ""
        self._table_rows: tuple[BoardRow, ...] = ()
        self._table_pending: tuple[str, tuple[BoardRow, ...]] | None = None
        self._next_table = 0.0  # time.monotonic() before which the table is not sent again
        self._header_sent = ""
        self._header_text = ""
        self._refreshes = self._sends = self._chars = self._deferred = 0

        self._header = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
        self._header.add_class("cc-board-header")
        self._stop = widgets.Button(
            description="Stop all", icon="stop", button_style="danger",
            tooltip="Stop every run (queued ones never start; what arrived is kept)",
            layout=widgets.Layout(width="auto", flex="0 0 auto"),
        )
        self._stop.add_class("cc-board-stop")
        self._stop.on_click(self._stop_clicked)
        if not answer_while_busy(self._stop):
            self._stop.tooltip = INTERRUPT_ONLY
        self._table = widgets.HTML(layout=widgets.Layout(max_height="28em", overflow="auto"))
        self._table.add_class("cc-board-table")
        options = [(PLACEHOLDER, NO_TARGET)] + [
            (shorten(" ".join(f"{index + 1} · {repo_label(run.info.repo, run.info.branch)}".split()), OPTION_CHARS), index)
            for index, run in enumerate(self.runs)
        ]
        self._chooser = widgets.Dropdown(
            options=options, value=NO_TARGET, description="Details:",
            style={"description_width": "initial"}, layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self._chooser.add_class("cc-board-select")
        self._chooser.observe(self._chosen, names="value")
        answer_while_busy(self._chooser)  # the observer only notes the choice
        self._detail = widgets.VBox()
        self._detail.add_class("cc-board-detail")
        self._bar = widgets.HBox([self._header, self._stop], layout=widgets.Layout(align_items="center"))
        self.widget = widgets.VBox([self._bar, self._table, self._chooser, self._detail])
        self.widget.add_class("cc-board")
        self._update(time.monotonic())

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, object]:
        bundle: dict[str, object] = self.widget._repr_mimebundle_(**kwargs)  # ipywidgets has no annotations
        return bundle

    # ----- what a user sees and does -----
    def snapshot(self) -> BoardSnapshot:
        with self._lock:
            detail = self._detail_view.snapshot() if self._detail_view is not None else None
            return BoardSnapshot(
                header=self._header_text,
                header_html=self._header.value,
                table=self._table.value,
                rows=self._table_rows,
                hidden=len(self.runs) - len(self._table_rows),
                options=tuple(label for label, _ in self._chooser.options),
                selected=self._shown,
                detail=detail,
                stop_label=self._stop.description,
                stop_enabled=not self._stop.disabled,
            )

    def stats(self) -> BoardStats:
        return BoardStats(self._refreshes, self._sends, self._chars, self._deferred)

    @property
    def detail(self) -> LiveView | None:
        """The chosen run's LiveView (None when no target is chosen)."""
        return self._detail_view

    def select(self, index: int | None) -> None:
        """Choose target ``index`` (None: none), as picking it in the Dropdown does; its LiveView
        appears at the next refresh."""
        if index is not None and not 0 <= index < len(self.runs):
            raise IndexError(f"no target {index}: the board has {len(self.runs)}")
        self._chooser.value = NO_TARGET if index is None else index

    def click_stop(self) -> None:
        """Click the Stop button, as a user does."""
        self._stop.click()

    # ----- called by the flusher -----
    def refresh(self) -> None:
        """Update what changed: the rows whose run moved, the clocks once a second, the chosen run's view."""
        with self._lock:
            if self._closed:
                return
            self._update(time.monotonic())

    def stop(self) -> None:
        """Refresh no more (the transcript takes the board's place). Idempotent."""
        with self._lock:
            self._closed = True
            if self._detail_view is not None:
                self._detail_view.stop()

    def close_widgets(self) -> None:
        """Close every widget model, once the display shows the transcript instead; their contents
        are emptied first (clients that record widget state keep a few bytes per model)."""
        with self._lock:
            self._closed = True
            view, self._detail_view = self._detail_view, None
        if view is not None:
            view.stop()
            view.close_widgets()
        for html in (self._header, self._table):
            html.value = ""
        self._detail.children = ()
        for widget in (self._header, self._stop, self._table, self._chooser, self._detail, self._bar, self.widget):
            for part in (getattr(widget, "style", None), widget.layout, widget):
                if part is not None:
                    part.close()

    # ----- internals -----
    def _update(self, now: float) -> None:
        self._refreshes += 1
        wall = time.time()
        slow = now - self._last_slow >= SLOW_INTERVAL
        if slow:
            self._last_slow = now
        chosen = self._sync_detail()  # the chosen row is marked in the table
        changed = self._update_rows(wall, slow) or chosen
        if changed or self._table_pending is not None:
            self._send_table(now, changed)
        if slow or changed:
            header = board_header_html(self.runs, wall, self.source)
            if header != self._header_sent:
                self._header_sent = self._header.value = header
                self._header_text = board_header_text(self.runs, wall, self.source)
                self._sent(header)
        if not self._stop.disabled and self.runs and all(run.done for run in self.runs):
            self._stop.disabled = True  # nothing left to stop
        if self._detail_view is not None:
            self._detail_view.refresh()

    def _update_rows(self, wall: float, slow: bool) -> bool:
        changed = False
        for index, state in enumerate(self._rows):
            run = state.run
            version = run.version
            if version != state.version or state.row is None:
                state.version = version
                state.row = board_row(run, index, now=wall, last=state.last.update(run))
                changed = True
            elif slow and not run.done and run.status != "pending":
                elapsed = elapsed_text(run, wall)
                if elapsed != state.row.elapsed:
                    state.row = board_row(run, index, now=wall, last=state.last.text)
                    changed = True
        return changed

    def _send_table(self, now: float, changed: bool) -> None:
        if changed or self._table_pending is None:
            rows = tuple(state.row for state in self._rows if state.row is not None)
            html, shown = rows_html(rows, TABLE_BUDGET, selected=self._shown, max_rows=MAX_ROWS)
            self._table_pending = (html, rows[:shown])
        html, rows = self._table_pending
        if html == self._table_sent:
            self._table_pending = None
            self._table_rows = rows
            return
        if now < self._next_table and not all(run.done for run in self.runs):
            self._deferred += 1
            return  # over the rate budget: the next refresh sends the newest table (the final one goes at once)
        self._table_pending = None
        self._table_sent = self._table.value = html
        self._table_rows = rows
        self._next_table = now + len(html) / TABLE_RATE
        self._sent(html)

    def _sync_detail(self) -> bool:
        """Show the chosen run's LiveView (made now; the previous one closed); whether the choice changed."""
        wanted = self._wanted
        if wanted == self._shown:
            return False
        old, self._detail_view = self._detail_view, None
        if old is not None:
            self._detail.children = ()
            old.stop()
            old.close_widgets()
        if wanted is not None:
            view = LiveView(self.runs[wanted], on_stop=self._stop_run(wanted), source=self.source, max_lines=self.max_lines)
            if self._on_stop_run is None:
                _hide_stop(view)
            self._detail_view = view
            self._detail.children = (view.widget,)
        self._shown = wanted
        return True

    def _stop_run(self, index: int) -> Callable[[], None]:
        def stop() -> None:
            if self._on_stop_run is not None:
                self._on_stop_run(index)

        return stop

    def _sent(self, value: str) -> None:
        self._sends += 1
        self._chars += len(value)

    def _chosen(self, change: dict[str, Any]) -> None:
        new = change["new"]  # may run on the comm thread: only note it
        self._wanted = new if isinstance(new, int) and new >= 0 else None

    def _stop_clicked(self, _button: Button) -> None:
        # May run on another thread while the cell is busy: signal only, no I/O here.
        self._stop.disabled = True
        self._stop.description = "Stopping…"
        self._on_stop()


def _hide_stop(view: LiveView) -> None:
    """Hide a LiveView's own Stop button (its bar's second child): the board's stops every run."""
    bar: Widget = view.widget.children[0]
    bar.children[1].layout.display = "none"
