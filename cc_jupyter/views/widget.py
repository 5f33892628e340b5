"""The live view: core ipywidgets only (works in Colab), refreshed by one flusher thread.

Bytes matter (jupyter_server drops IOPub above 1000 msgs/s and 1 MB/s): a widget's ``value``
is assigned only when its HTML changed; the selected tab follows every refresh, the others at
most once a second; each tab's HTML is capped in size; at most :data:`MAX_TABS` task tabs (the
other tasks are listed in one more tab).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..run.state import Run
from ..run.task import TaskState
from ..text import clip, strip_escapes
from .agent_lines import AgentFeed
from .header import header_html
from .html import escape, pre
from .kernel_adapter import INTERRUPT_ONLY, answer_while_busy
from .lines import lines_html
from .stdout_lines import StdoutReader
from .style import mark
from .transcript import error_html

if TYPE_CHECKING:
    from ipywidgets import HTML, Button, Widget

MAX_LINES = 200
MAX_TABS = 24  # task tabs; more tasks are listed in one extra tab
TITLE_CHARS = 30
MORE_ROWS = 200
PANE_BUDGET = 32_000  # characters of HTML per tab update
SLOW_INTERVAL = 1.0  # seconds between updates of what is not in view (and of the clock)
_BOX = (
    "display:flex;flex-direction:column-reverse;max-height:26em;overflow-y:auto;"  # stays scrolled to the end
    "border:1px solid rgba(128,128,128,0.35);border-radius:4px"
)
_SMALL = "font-size:11px;color:#6e7781;margin:2px 0"


class _TaskPane:
    """One task's tab: its reader and HTML widget."""

    def __init__(self, make_html: Callable[[str], HTML], task: TaskState, max_lines: int, mask: Callable[[str], str]) -> None:
        self.task = task
        self.reader = StdoutReader(task, max_lines, mask)
        self.widget = make_html(self._render())
        self._sent = self.widget.value
        self._status = task.status

    def update(self) -> None:
        if not self.reader.stale and self.task.status == self._status:
            return
        self.reader.poll()
        self._status = self.task.status
        html = self._render()
        if html != self._sent:
            self._sent = self.widget.value = html

    def _render(self) -> str:
        reader = self.reader
        partial = reader.partial
        newest = ([partial] if partial else []) + list(reversed(reader.tail))
        if not newest:
            return f'<div style="{_SMALL}">{mark(self.task.status)} {escape(self.task.status)} · waiting for output…</div>'
        body, shown = lines_html(newest, PANE_BUDGET)
        shown -= 1 if partial else 0
        counter = f"{mark(self.task.status)} {escape(self.task.status)} · {reader.total:,} line{'' if reader.total == 1 else 's'}"
        if reader.total > shown:
            counter += f" · showing last {shown:,}"
        return f'<div style="{_SMALL}">{counter}</div><div style="{_BOX}">{pre(body, "flex:none")}</div>'


class _MorePane:
    """The tab listing the tasks beyond :data:`MAX_TABS`: status, name, lines."""

    def __init__(self, make_html: Callable[[str], HTML], run: Run) -> None:
        self.run = run
        self.widget = make_html("")
        self._sent = ""

    def update(self) -> None:
        html = self._render()
        if html != self._sent:
            self._sent = self.widget.value = html

    def _render(self) -> str:
        rest = list(self.run.tasks.values())[MAX_TABS:]
        rows = "".join(
            f"<tr><td>{mark(t.status)} {escape(t.status)}</td><td>{escape(clip(strip_escapes(t.name), 80))}</td>"
            f"<td style=\"text-align:right\">{t.output.line_count:,} lines</td></tr>"
            for t in rest[:MORE_ROWS]
        )
        more = f'<div style="{_SMALL}">… {len(rest) - MORE_ROWS:,} more (run.tasks)</div>' if len(rest) > MORE_ROWS else ""
        return f'<div style="{_BOX};padding:4px 8px;font-size:12px"><table style="flex:none">{rows}</table>{more}</div>'


class _AgentPane:
    """The Agent tab: the newest messages, re-rendered only when they change."""

    def __init__(self, make_html: Callable[[str], HTML], run: Run) -> None:
        self.feed = AgentFeed(run)
        self.widget = make_html(self._render())
        self._sent = self.widget.value

    def update(self) -> None:
        if not self.feed.changed():
            return
        html = self._render()
        if html != self._sent:
            self._sent = self.widget.value = html

    def _render(self) -> str:
        return f'<div style="{_BOX};padding:4px 8px;font-size:13px"><div style="flex:none">{self.feed.html(PANE_BUDGET)}</div></div>'


@dataclass(frozen=True)
class LiveViewSnapshot:
    """What a :class:`LiveView` shows at one moment (read-only; HTML as sent to the frontend)."""

    header: str  #: the status line: status chip, repository, thread, model, clock
    footer: str  #: the run's error, if any
    agent: str  #: the Agent tab
    panes: Mapping[str, str]  #: each task tab's HTML by task name, in tab order
    more: str | None  #: the tab listing the tasks beyond the task tabs, if there is one
    titles: tuple[str, ...]  #: the tab titles: the tasks', then Agent, then the more-tasks tab
    selected: int | None  #: the index of the tab in view (into ``titles``)
    stop_label: str  #: the Stop button's text
    stop_enabled: bool  #: whether the Stop button can be clicked


class LiveView:
    """Header (status chip, repo, thread, model, clock, Stop), one tab per task, an Agent tab.

    ``refresh()`` and ``stop()`` may run on a background thread (one at a time); the Stop
    button's callback only calls ``on_stop()`` and relabels itself.
    """

    def __init__(self, run: Run, *, on_stop: Callable[[], None], source: str = "", max_lines: int = MAX_LINES) -> None:
        import ipywidgets as widgets

        self.run = run
        self.source = source
        self.max_lines = max_lines
        self._on_stop = on_stop
        self._lock = threading.Lock()
        self._closed = False
        self._selected_index: int | None = None  # kept by the observer; read by refresh
        self._last_slow = 0.0
        self._panes: dict[str, _TaskPane] = {}
        self._more_shown = False
        self._header = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
        self._stop = widgets.Button(
            description="Stop", icon="stop", button_style="danger", tooltip="Stop the run (keeps what arrived)",
            layout=widgets.Layout(width="auto", flex="0 0 auto"),
        )
        self._stop.on_click(self._stop_clicked)
        if not answer_while_busy(self._stop):
            self._stop.tooltip = INTERRUPT_ONLY
        # The panes share the footer's layout and style models: fewer comm messages per view.
        self._footer = widgets.HTML()
        shared = {"layout": self._footer.layout, "style": self._footer.style}
        self._make_html: Callable[[str], HTML] = lambda value: widgets.HTML(value=value, **shared)
        self._agent = _AgentPane(self._make_html, run)
        self._more: _MorePane | None = None
        self._tab = widgets.Tab()
        self._tab.observe(self._selected, names="selected_index")
        answer_while_busy(self._tab)  # the observer only sets a flag
        self._sync_tabs()
        self.widget = widgets.VBox(
            [widgets.HBox([self._header, self._stop], layout=widgets.Layout(align_items="center")), self._tab, self._footer]
        )
        self._update(time.monotonic(), everything=True)

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, object]:
        bundle: dict[str, object] = self.widget._repr_mimebundle_(**kwargs)  # ipywidgets has no annotations
        return bundle

    # ----- what a user sees and does -----
    def snapshot(self) -> LiveViewSnapshot:
        """What the view shows now: each part's HTML, the tab titles, the tab in view, the Stop button."""
        with self._lock:
            return LiveViewSnapshot(
                header=self._header.value,
                footer=self._footer.value,
                agent=self._agent.widget.value,
                panes=MappingProxyType({name: pane.widget.value for name, pane in self._panes.items()}),
                more=self._more.widget.value if self._more is not None else None,
                titles=tuple(self._tab.titles),
                selected=self._tab.selected_index,
                stop_label=self._stop.description,
                stop_enabled=not self._stop.disabled,
            )

    @property
    def selected(self) -> int | None:
        """The index of the tab in view (as in :attr:`LiveViewSnapshot.titles`)."""
        index: int | None = self._tab.selected_index
        return index

    def select_tab(self, index: int) -> None:
        """Bring tab ``index`` into view, as clicking its title does; its content follows at the next refresh."""
        if not 0 <= index < len(self._tab.children):
            raise IndexError(f"no tab {index}: the view has {len(self._tab.children)}")
        self._tab.selected_index = index

    def click_stop(self) -> None:
        """Click the Stop button, as a user does."""
        self._stop.click()

    # ----- called by the flusher -----
    def refresh(self) -> None:
        """Update what changed: O(new data), ≤ a few small messages per call."""
        with self._lock:
            if self._closed:
                return
            now = time.monotonic()
            slow = now - self._last_slow >= SLOW_INTERVAL
            self._update(now, everything=slow)

    def stop(self) -> None:
        """Refresh no more: the run is over and the transcript takes the view's place at once, so a
        final refresh would be replaced before anyone saw it (and cost a flood's last tails). Idempotent."""
        with self._lock:
            self._closed = True

    def close_widgets(self) -> None:
        """Close every widget model, once the display shows the transcript instead.

        Contents are emptied first: kernel clients that record widget state (nbclient,
        papermill) then keep a few bytes per model, not the last tails.
        """
        html = [pane.widget for pane in self._panes.values()] + [self._agent.widget, self._header, self._footer]
        if self._more is not None:
            html.append(self._more.widget)
        for widget in html:
            widget.value = ""
        for widget in (*html, self._stop, self._tab, *self.widget.children, self.widget):
            for part in (getattr(widget, "style", None), widget.layout, widget):
                if part is not None:
                    part.close()

    # ----- internals -----
    def _update(self, now: float, everything: bool) -> None:
        self._sync_tabs()
        selected = self._selected_index  # the tab in view follows every refresh, so a newly selected one at once
        names = list(self._panes)
        for index, name in enumerate(names):
            if everything or index == selected:
                self._panes[name].update()
        if everything or selected == len(names):
            self._agent.update()
        if self._more is not None and (everything or selected == len(names) + 1):
            self._more.update()
        self._set(self._tab, "titles", self._titles())
        self._set(self._header, "value", self._header_html())  # the clock moves once a second
        if everything:
            self._last_slow = now
        if self.run.error is not None or everything:
            self._set(self._footer, "value", error_html(self.run))

    def _sync_tabs(self) -> None:
        tasks = self.run.tasks
        wanted = min(len(tasks), MAX_TABS)
        overflow = len(tasks) > MAX_TABS
        if wanted == len(self._panes) and overflow == (self._more is not None):  # tasks are only ever added
            return
        for name, task in list(tasks.items())[:MAX_TABS]:
            if name not in self._panes:
                self._panes[name] = _TaskPane(self._make_html, task, self.max_lines, self.run.masker.text)
        if overflow and self._more is None:
            self._more = _MorePane(self._make_html, self.run)
        selected = self._selected_index
        on_agent = selected is not None and selected == len(self._tab.children) - (2 if self._more_shown else 1)
        children = [pane.widget for pane in self._panes.values()] + [self._agent.widget]
        if self._more is not None:
            children.append(self._more.widget)
        self._tab.children = children
        self._more_shown = self._more is not None
        self._tab.titles = self._titles()
        if on_agent:
            self._tab.selected_index = len(self._panes)

    def _titles(self) -> tuple[str, ...]:
        marks = tuple(f"{mark(pane.task.status)} {clip(strip_escapes(name), TITLE_CHARS)}" for name, pane in self._panes.items())
        count = len(self.run.messages)
        titles = marks + (f"Agent · {count}" if count else "Agent",)
        if self._more is not None:
            titles += (f"+{len(self.run.tasks) - MAX_TABS:,} more tasks",)
        return titles

    def _header_html(self) -> str:
        return header_html(self.run, self.source, live=True)

    @staticmethod
    def _set(widget: Widget, name: str, value: object) -> None:
        if getattr(widget, name) != value:
            setattr(widget, name, value)

    def _selected(self, change: dict[str, Any]) -> None:
        self._selected_index = change["new"]  # may run on the comm thread: only note it

    def _stop_clicked(self, _button: Button) -> None:
        # May run on another thread while the cell is busy: signal only, no I/O here.
        self._stop.disabled = True
        self._stop.description = "Stopping…"
        self._on_stop()
