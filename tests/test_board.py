"""The board: many runs in one live view (rows, the chosen run's LiveView, the display budget),
its static transcript and its text form."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time

import pytest

from cc_jupyter.protocol.events import Event
from cc_jupyter.protocol.request import build_request
from cc_jupyter.run.changes import Changes, Commit, FileChange
from cc_jupyter.run.state import Run, RunError
from cc_jupyter.settings import Settings
from cc_jupyter.views import board as board_module
from cc_jupyter.views import widget as widget_module
from cc_jupyter.views.board import MAX_ROWS, TABLE_BUDGET, TABLE_RATE, BoardView
from cc_jupyter.views.board_rows import LAST_LINE_CHARS, last_line
from cc_jupyter.views.board_transcript import FOLDED_BUDGET, BoardTranscript, board_text
from cc_jupyter.views.flusher import Flusher

from .widget_watch import watch

TOKEN = "ghp_" + "a" * 36
SETTINGS = Settings(api_key="k" * 20, github_token=TOKEN, repo="https://github.com/o/r")
COMPARE = "https://github.com/o/r0/compare/" + "a" * 7 + "..." + "b" * 7
PULL = "https://github.com/o/r0/pull/12"
HOSTILE = "<script>alert(1)</script>\x1b]0;owned\x07\x1b[2J\u202e"


def make_run(index: int = 0, tasks: dict[str, str] | None = None, branch: str = "main") -> Run:
    repo = f"https://github.com/o/r{index}"
    if tasks is None:
        return Run(build_request("fix the bug", None, settings=SETTINGS, repo=repo, branch=branch))
    return Run(build_request(None, tasks, settings=SETTINGS, repo=repo, branch=branch))


def out(run: Run, text: str, task: str | None = None) -> None:
    payload = {"stdout": text} if task is None else {"task_name": task, "stdout": text}
    run.apply(Event("custom", payload))
    run.commit()


def start(run: Run) -> None:
    """What the group's slots do when a queued run gets one."""
    run.status = "running"
    run.started_at = time.time()
    run.version += 1


def changes(run: Run, *, commits: int = 2, compare: str | None = COMPARE, pulls: tuple[str, ...] = ()) -> Changes:
    return Changes(
        run.info.repo, run.info.branch, "a" * 40, "b" * 40,
        commits=[Commit.of(f"{i:040x}", f"commit {i}") for i in range(commits)],
        files=[FileChange.of("src/app.py", "modified", 10, 3)],
        compare_url=compare, pull_requests=list(pulls),
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.wall = time.time()

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall

    def tick(self, seconds: float = 0.1) -> None:
        self.now += seconds
        self.wall += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(board_module, "time", fake)
    monkeypatch.setattr(widget_module, "time", fake)
    return fake


def parts(board: BoardView) -> tuple:
    """The board's widgets, through ipywidgets' public tree."""
    bar, table, chooser, detail = board.widget.children
    header, stop = bar.children
    return header, stop, table, chooser, detail


def refresh(board: BoardView, clock: Clock, times: int = 1) -> None:
    """Refresh as the flusher does: every 0.1 s."""
    for _ in range(times):
        clock.tick(0.1)
        board.refresh()


def board_of(runs: list[Run], **options) -> BoardView:
    return BoardView(runs, on_stop=options.pop("on_stop", lambda: None), **options)


# ----- rows -----
def test_rows_follow_their_runs(clock):
    runs = [make_run(i) for i in range(3)]
    board = board_of(runs)
    shown = board.snapshot()
    assert [row.label for row in shown.rows] == ["o/r0@main", "o/r1@main", "o/r2@main"]
    assert [row.status for row in shown.rows] == ["running"] * 3 and shown.header.startswith("3 targets · 3 running")
    out(runs[1], "step one\nstep two\n")
    refresh(board, clock)
    rows = board.snapshot().rows
    assert rows[1].last_line == "step two" and rows[0].last_line == rows[2].last_line == ""
    runs[1].finish("closed")
    runs[1].set_changes(changes(runs[1], pulls=(PULL,)))
    refresh(board, clock)
    shown = board.snapshot()
    row = shown.rows[1]
    assert (row.status, row.changes, row.link, row.link_label) == ("completed", "2 commits +10 −3", PULL, "PR #12")
    assert "2 running · 1 completed" in shown.header
    assert f'<a href="{PULL}" target="_blank" rel="noopener noreferrer">PR #12</a>' in shown.table
    assert 'data-index="1" data-status="completed"' in shown.table


def test_queued_rows_say_queued_until_they_get_a_slot(clock):
    runs = [make_run(i) for i in range(3)]
    runs[2].status = "pending"
    board = board_of(runs)
    row = board.snapshot().rows[2]
    assert (row.status, row.mark, row.elapsed) == ("queued", "○", "–")
    assert "2 running · 1 queued" in board.snapshot().header and "○ queued" in board.snapshot().table
    start(runs[2])
    refresh(board, clock)
    assert board.snapshot().rows[2].status == "running"


def test_the_clock_of_a_running_row_moves_once_a_second(clock):
    runs = [make_run(0)]
    board = board_of(runs)
    runs[0].started_at = clock.wall - 5
    runs[0].version += 1
    refresh(board, clock)
    assert board.snapshot().rows[0].elapsed == "5 s"
    clock.tick(1.0)
    board.refresh()
    assert board.snapshot().rows[0].elapsed == "6 s"


def test_a_failed_target_shows_its_error_and_a_stopped_one_says_stopped(clock):
    runs = [make_run(i) for i in range(3)]
    board = board_of(runs)
    runs[0].fail(RunError("http", "401 from the API: the key was rejected"))
    runs[1].finish("cancelled")
    refresh(board, clock)
    rows = board.snapshot().rows
    assert rows[0].status == "failed" and rows[0].error.startswith("401 from the API")
    assert rows[1].status == "cancelled" and rows[1].stopped and rows[2].status == "running"
    table = board.snapshot().table
    assert "✖ 401 from the API" in table and "■ The run was stopped" in table


def test_the_last_line_is_the_meaning_of_a_stream_json_record_and_is_masked(clock):
    run = make_run(0, {"a": "x", "b": "y"})
    board = board_of([run])
    out(run, '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command":"ls"}}]}}\n', "a")
    refresh(board, clock)
    assert board.snapshot().rows[0].last_line == "[a] ▶ Bash: ls"
    out(run, f"git clone https://x:{TOKEN}@github.com/o/r\n", "b")
    refresh(board, clock)
    line = board.snapshot().rows[0].last_line
    assert line.startswith("[b] git clone") and TOKEN not in line and TOKEN not in board.snapshot().table


# ----- choosing a row -----
def test_choosing_a_row_shows_that_runs_live_view_with_its_task_tabs(clock):
    runs = [make_run(0), make_run(1, {"lint": "x", "tests": "y"})]
    board = board_of(runs)
    *_, chooser, detail = parts(board)
    assert board.snapshot().options[1:] == ("1 · o/r0@main", "2 · o/r1@main") and detail.children == ()
    board.select(1)
    assert board.snapshot().detail is None  # made by the next refresh, on the flusher's thread
    refresh(board, clock)
    shown = board.snapshot()
    assert shown.selected == 1 and shown.detail is not None
    assert shown.detail.titles == ("○ lint", "○ tests", "Agent")
    assert detail.children == (board.detail.widget,)
    assert 'class="cc-board-row cc-board-row-selected" data-index="1"' in shown.table
    out(runs[1], "running tests\n", "lint")
    refresh(board, clock)
    assert "running tests" in board.snapshot().detail.panes["lint"]  # refreshed with the board
    first = board.detail
    chooser.value = 0  # as the frontend does
    refresh(board, clock)
    assert board.snapshot().detail.titles == ("○ main", "Agent") and first.widget.comm is None  # the old one closed
    board.select(None)
    refresh(board, clock)
    assert board.detail is None and detail.children == () and "cc-board-row-selected" not in board.snapshot().table


def test_the_chosen_runs_stop_button_stops_that_run_only_or_is_hidden(clock):
    stopped: list[int] = []
    runs = [make_run(0), make_run(1)]
    board = board_of(runs, on_stop_run=stopped.append)
    board.select(1)
    refresh(board, clock)
    board.detail.click_stop()
    assert stopped == [1]
    plain = board_of(runs)
    plain.select(0)
    refresh(plain, clock)
    assert plain.detail.widget.children[0].children[1].layout.display == "none"


def test_stop_signals_once_and_the_button_says_so(clock):
    calls: list[int] = []
    runs = [make_run(0), make_run(1)]
    board = board_of(runs, on_stop=lambda: calls.append(1))
    board.click_stop()
    shown = board.snapshot()
    assert calls == [1] and not shown.stop_enabled and shown.stop_label == "Stopping…"
    assert all(run.status == "running" for run in runs)  # the caller cancels


# ----- the display budget -----
def test_a_refresh_with_nothing_new_sends_nothing(clock):
    runs = [make_run(i) for i in range(5)]
    out(runs[0], "hello\n")
    board = board_of(runs)
    header, stop, table, chooser, detail = parts(board)
    board.select(0)
    refresh(board, clock)
    bar, tabs, footer = board.detail.widget.children
    sent = [watch(widget) for widget in (header, table, bar.children[0], *tabs.children, footer)]
    labels = []
    stop.observe(labels.append, names=["description", "disabled"])
    chooser.observe(labels.append, names=["options", "value"])
    refresh(board, clock, 5)  # within the same second: nothing new
    assert sent == [[] for _ in sent] and labels == []
    for run in runs:
        run.finish("closed")
    refresh(board, clock)
    clock.tick(3.0)
    sent = [watch(widget) for widget in (header, table)]
    refresh(board, clock, 20)  # ended runs: even the once-a-second pass has nothing to send
    assert sent == [[], []]


def test_one_busy_target_costs_one_table_update_per_refresh(clock):
    runs = [make_run(i) for i in range(12)]
    board = board_of(runs)
    _, _, table, *_ = parts(board)
    sent = watch(table)
    for step in range(10):
        out(runs[3], f"line {step}\n")
        refresh(board, clock)
    assert len(sent) == 10 and all(len(value) < 12 * 600 for value in sent)
    assert board.snapshot().rows[3].last_line == "line 9"


def test_bytes_per_refresh_are_bounded_with_50_targets_and_huge_hostile_lines(clock):
    runs = [make_run(i, branch=f"b{i}") for i in range(50)]
    board = board_of(runs)
    header, _, table, *_ = parts(board)
    values = watch(table)
    heads = watch(header)
    start = board.stats()
    for step in range(20):
        for run in runs:
            out(run, ('<&"' * 40_000) + f" {step}\n")  # 120,000 characters, 6 times longer escaped
        refresh(board, clock)
    assert values and max(map(len, values)) <= TABLE_BUDGET
    assert all(len(row.last_line) <= LAST_LINE_CHARS for row in board.snapshot().rows)
    stats = board.stats()
    chars = stats.chars - start.chars
    assert chars <= TABLE_RATE * 2.0 + TABLE_BUDGET + 20 * 2_000  # 2 seconds of refreshes
    assert len(values) + len(heads) <= 2 * 20 and stats.deferred > start.deferred
    assert '<&"' not in values[-1] and "&lt;&amp;&quot;" in values[-1]
    for run in runs:
        run.finish("closed")
    refresh(board, clock)  # the final table goes out at once, whatever the rate budget
    assert all(row.last_line.endswith(" 19") and row.status == "completed" for row in board.snapshot().rows)


def test_more_targets_than_rows_are_counted_and_all_can_be_chosen(clock):
    runs = [make_run(i) for i in range(MAX_ROWS + 50)]
    board = board_of(runs)
    shown = board.snapshot()
    assert len(shown.rows) == MAX_ROWS and shown.hidden == 50 and "… 50 more targets" in shown.table
    assert len(shown.options) == MAX_ROWS + 51 and len(shown.table) <= TABLE_BUDGET
    board.select(MAX_ROWS + 10)
    refresh(board, clock)
    assert board.snapshot().detail is not None


def test_one_flusher_drives_the_whole_board():
    runs = [make_run(i) for i in range(12)]
    board = board_of(runs)
    board.select(2)
    refreshed = asyncio.Event()

    def refresh() -> None:
        board.refresh()
        refreshed.set()

    async def feed() -> None:
        for step in range(6):  # a step of output, then wait for the board to have drawn it
            for run in runs:
                out(run, f"{step}\n")
            refreshed.clear()
            await asyncio.wait_for(refreshed.wait(), 30)
        for run in runs:
            run.finish("closed")

    async def main(flusher: Flusher) -> None:
        await asyncio.gather(feed(), flusher.run_until(lambda: all(run.done for run in runs)))

    flusher = Flusher(refresh, interval=0.1)
    asyncio.run(main(flusher))
    shown = board.snapshot()
    assert flusher.errors == [] and [row.status for row in shown.rows] == ["completed"] * 12
    assert all(row.last_line == "5" for row in shown.rows) and shown.detail is not None
    assert flusher.calls >= 6 and flusher.rate <= 10.5 and not shown.stop_enabled  # nothing left to stop


# ----- hostile input -----
def hostile_runs() -> list[Run]:
    runs = [make_run(i) for i in range(3)]
    runs[0].info.repo = f"https://github.com/o/{HOSTILE}"
    runs[0].info.branch = f"main{HOSTILE}\nnext line"
    out(runs[0], f"\x1b[31m<img src=x onerror=alert(1)>\x1b]8;;https://evil\x07{HOSTILE}\n")
    runs[0].finish("closed")
    runs[0].set_changes(changes(runs[0], compare="javascript:alert(1)", pulls=("javascript:alert(2)", "https://x\" onclick=\"y")))
    runs[1].fail(RunError("http", f"500 from the API: {HOSTILE}"))
    runs[2].finish("closed")
    runs[2].set_changes(Changes.unavailable(runs[2].info.repo, "main", None, f"GitHub said {HOSTILE}"))
    return runs


def assert_clean_html(html: str, *, links_dropped: bool = True) -> None:
    """No tag or attribute from outside, no escape; links only http(s) (the board's rows drop others)."""
    assert not re.search(r"<(script|img)|onclick=\"|onerror=\"", html)
    assert "\x1b" not in html and "\x07" not in html and "\u202e" not in html
    assert re.findall(r'href="([^"]*)"', html) == re.findall(r'href="(https?://[^"]*)"', html)
    if links_dropped:
        assert "javascript:" not in html


def test_hostile_names_lines_and_links_are_escaped_or_dropped(clock):
    runs = hostile_runs()
    board = board_of(runs)
    board.select(0)
    refresh(board, clock)
    shown = board.snapshot()
    assert_clean_html(shown.table)
    assert_clean_html(shown.header_html)
    assert "&lt;script&gt;" in shown.table and "&lt;img src=x" in shown.table
    assert shown.rows[0].link == "" and "\n" not in shown.rows[0].label
    assert all("\x1b" not in label and "\u202e" not in label for label in shown.options)
    assert shown.rows[2].changes == "changes unavailable" and shown.rows[2].reason.startswith("GitHub said")


def test_text_form_is_safe_for_a_terminal(clock):
    text = board_text(hostile_runs())
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", text) and "javascript:" not in text
    assert len(text.splitlines()) == 4


def test_transcript_html_is_escaped(clock):
    runs = hostile_runs()
    runs[0].info.repo = "https://github.com/o/r0"  # URLs are checked before a run exists (branches less so)
    bundle = BoardTranscript(runs)._repr_mimebundle_()
    assert_clean_html(bundle["text/html"], links_dropped=False)  # each run's transcript: shown as text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", bundle["text/plain"])


# ----- transcript and text -----
def finished_group() -> list[Run]:
    runs = [make_run(i) for i in range(3)]
    out(runs[0], "all good\n")
    runs[0].finish("closed")
    runs[0].set_changes(changes(runs[0], commits=1))
    runs[1].fail(RunError("http", "404 from the API: no such repository"))
    runs[2].finish("cancelled")
    for index, run in enumerate(runs):
        run.started_at, run.ended_at = 1000.0, 1000.0 + 10 * (index + 1) + 0.5
    return runs


def test_board_text_is_one_aligned_line_per_target():
    lines = board_text(finished_group()).splitlines()
    assert lines[0] == "3 targets · 1 completed · 1 failed · 1 cancelled · 30.5 s"
    assert lines[1] == "✔ completed  o/r0@main  10.5 s  1 commit +10 −3  " + COMPARE
    assert lines[2].startswith("✖ failed     o/r1@main  20.5 s  ") and "error: 404 from the API" in lines[2]
    assert lines[3].startswith("■ cancelled  o/r2@main  30.5 s  ") and "stopped: The run was" in lines[3]
    assert lines[1].index("https://") == lines[2].index("error:") == lines[3].index("stopped:")  # aligned


def test_board_transcript_has_the_table_and_each_run_folded():
    runs = finished_group()
    bundle = BoardTranscript(runs, "simulator")._repr_mimebundle_()
    html, text = bundle["text/html"], bundle["text/plain"]
    assert html.count('<tr class="cc-board-row"') == 3 and html.count('<details class="cc-board-run"') == 3
    assert "1 · <b>o/r0@main</b> · " in html and "✔ completed" in html and "compare</a>" in html
    assert "all good" in html and "404 from the API" in html and "simulator" in html
    assert text == board_text(runs, source="simulator") and "<" not in text


def test_the_transcript_of_many_huge_runs_stays_bounded():
    runs = [make_run(i, {f"t{k}": "x" for k in range(3)}) for i in range(60)]
    for run in runs:
        for k in range(3):
            out(run, "".join(f"<{n}> " + "<" * 2_000 + "\n" for n in range(50)), f"t{k}")
        run.finish("closed")
    html = BoardTranscript(runs).html()
    assert len(html) < FOLDED_BUDGET + 60 * 2_000 + 60 * 1_000  # the folded transcripts, the table, the folds
    assert html.count('<details class="cc-board-run"') == 60 and "its transcript is left out" in html


def test_last_line_reads_a_bounded_window():
    run = make_run(0)
    out(run, "first\n" + "y" * 5_000_000 + "\n")
    assert last_line(run) == "… " + "y" * (LAST_LINE_CHARS - 2)


# ----- the end -----
def test_stop_and_close_widgets(clock):
    runs = [make_run(0), make_run(1)]
    board = board_of(runs)
    board.select(0)
    refresh(board, clock)
    board.stop()
    out(runs[0], "after the stop\n")
    refresh(board, clock)
    assert "after the stop" not in board.snapshot().table
    view = board.detail
    version = runs[0].version
    board.close_widgets()
    header, stop, table, chooser, detail = parts(board)
    assert header.value == table.value == "" and detail.children == ()
    assert all(w.comm is None for w in (board.widget, header, stop, table, chooser, detail, view.widget))
    assert runs[0].version == version


def test_text_forms_do_not_import_ipywidgets():
    code = "import sys, cc_jupyter.views.board_transcript; print('ipywidgets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
