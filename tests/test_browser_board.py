"""``%%cloudcode --across`` in a real JupyterLab and Chromium: the one live board of many runs.

Five repositories, at most three streaming at once. The page is watched while the cell runs:
the board's rows (five; three running and two queued while the first three are held at the
simulator), a row's last line changing while its run streams, choosing a row in the select and
its run's own live view (its task tab, its lines growing), then every row completed and the board
replaced by the static transcript (a folded ``details`` per run).

A MutationObserver in the page notes every status each live row showed and the most rows shown
running at once, so the bound is checked on every table the page rendered, not on a sample.

One JupyterLab, one page and one run of the cell are shared by the module's tests (module
fixtures); each test checks one thing the page showed. Screenshots land in ``artifacts/browser/``,
the README's (the board mid-run, a row chosen) as ``board-readme.png``, or where
``CC_JUPYTER_SCREENSHOT`` says (``CC_JUPYTER_SCREENSHOT=docs/board.png`` retakes the README's).
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .lab import (
    ARTIFACTS,
    LabServer,
    NotebookPage,
    chromium_page,
    demo_lab,
    evidence,
    save_evidence,
)
from .simrigs import RiggedSimulator
from .waiting import wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("ana", "ben", "caz", "dee", "eli")
REPOS = [f"https://github.com/my-class/assignment-1-{name}" for name in NAMES]
BOUND = 3
GATE = "board"
# Each run: its first round, then held at GATE until released, then 60 lines 0.25 s apart (15 s).
ACROSS = (f"%%cloudcode --across {','.join(REPOS)} --max-concurrent {BOUND} -o group\n"
          f"Add a unit test for grade() and make it pass\nsim: hold={GATE} lines=60 interval=0.25")
CHOSEN = 1  # the row chosen in the select while the first runs are held (assignment-1-ben)
LATER = BOUND  # the row chosen once it runs in the second wave (assignment-1-dee)
PROGRESS = re.compile(r"progress (\d+)/\d+")
SCREENSHOT_ENV = "CC_JUPYTER_SCREENSHOT"
SCREENSHOT_LIMIT = 200_000  # bytes: docs/board.png stays small
CONSOLE_ERRORS: list[str] = []  # the page's console errors

LIVE_ROWS = ".cc-board .cc-board-table tr.cc-board-row"
DETAIL = ".cc-board .cc-board-detail"
SELECT = ".cc-board .cc-board-select select"

# Every table the page renders: each live row's statuses in order, and the most rows running at once.
WATCH_BOARD = """() => {
  const seen = window.__ccBoard = {maxRunning: 0, maxRows: 0, history: {}};
  const look = () => {
    const rows = document.querySelectorAll('LIVE_ROWS');
    let running = 0;
    rows.forEach((row) => {
      const index = row.dataset.index, status = row.dataset.status;
      const history = seen.history[index] || (seen.history[index] = []);
      if (history[history.length - 1] !== status) history.push(status);
      if (status === 'running') running += 1;
    });
    seen.maxRunning = Math.max(seen.maxRunning, running);
    seen.maxRows = Math.max(seen.maxRows, rows.length);
  };
  new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true});
  look();
}""".replace("LIVE_ROWS", LIVE_ROWS)


def _output(cell: Any) -> str:
    return str(cell.locator(".jp-OutputArea").inner_text())


def _statuses(page: Any) -> list[str]:
    return [str(s) for s in page.eval_on_selector_all(LIVE_ROWS, "rows => rows.map(r => r.dataset.status)")]


def _row(page: Any, index: int) -> Any:
    return page.locator(f'{LIVE_ROWS}[data-index="{index}"]')


def _row_status(page: Any, index: int) -> str | None:
    row = _row(page, index)
    return row.get_attribute("data-status") if row.count() == 1 else None


def _row_last_line(page: Any, index: int) -> str:
    """The "last line" column of a live row (not the elapsed clock, which changes every second)."""
    cell = _row(page, index).locator("td:nth-child(5)")
    return str(cell.inner_text()).strip() if cell.count() == 1 else ""


def _detail_progress(page: Any) -> int:
    """The highest "progress n/60" line in the chosen run's tab in view (0: none)."""
    texts = page.locator(f"{DETAIL} .widget-tab-contents > .widget-html:visible").all_inner_texts()
    return max((int(n) for n in PROGRESS.findall("\n".join(texts))), default=0)


def _seen(predicate: Any, timeout: float, interval: float = 0.1) -> Any:
    """What ``predicate`` returned once truthy, or None if it was not within ``timeout`` seconds."""
    try:
        return wait_until(predicate, timeout, "", interval=interval)
    except AssertionError:
        return None


def _invokes(simulator: RiggedSimulator) -> int:
    return sum(r["path"].startswith("/invoke") for r in simulator.request_log())


# ----- one JupyterLab, one page, one run of the --across cell -----
@pytest.fixture(scope="module")
def simulator() -> Iterator[RiggedSimulator]:
    with RiggedSimulator(pace=0, quiet=True) as sim:
        yield sim


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, simulator: RiggedSimulator) -> Iterator[LabServer]:
    # demo mode: the simulator serves any repository
    with demo_lab(tmp_path_factory.mktemp("board"), simulator.url, {"board.ipynb": ("%load_ext cc_jupyter", ACROSS)}) as server:
        yield server


@pytest.fixture(scope="module")
def page(lab: LabServer) -> Iterator[Any]:
    with chromium_page(1200, 800) as page:

        def note(message: Any) -> None:
            if message.type == "error":
                CONSOLE_ERRORS.append(str(message.text))

        page.on("console", note)
        yield page


def _evidence(lab: LabServer, page: Any, name: str) -> Any:
    """On failure: a screenshot and the end of JupyterLab's log, in ``artifacts/browser/``."""
    return evidence(lab, page, f"board-{name}")


@pytest.fixture(autouse=True)
def evidence_of_a_failed_test(request: pytest.FixtureRequest, lab: LabServer, page: Any) -> Iterator[None]:
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed > failed:
        save_evidence(lab, page, request.node.name)


def _readme_screenshot_path() -> Path:
    """Where the README's shot goes: ``CC_JUPYTER_SCREENSHOT`` (e.g. docs/board.png), else the artifacts."""
    target = os.environ.get(SCREENSHOT_ENV)
    if not target:
        return ARTIFACTS / "board-readme.png"
    return Path(target) if Path(target).is_absolute() else ROOT / target


def _readme_screenshot(page: Any, cell: Any) -> None:
    """The board mid-run, cropped to the cell's output, as the README shows it."""
    path = _readme_screenshot_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # The output's top at the top of the notebook's scroller; the shot: the part of it in view.
    clip = cell.locator(".jp-OutputArea").evaluate("""(out) => {
      out.scrollIntoView({block: 'start'});
      let box = out.parentElement;
      while (box && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY !== 'visible')) {
        box = box.parentElement;
      }
      const o = out.getBoundingClientRect(), v = (box || document.documentElement).getBoundingClientRect();
      const top = Math.max(o.top, v.top), bottom = Math.min(o.bottom, v.bottom);
      return {x: o.left, y: top, width: Math.min(o.right, v.right) - o.left, height: bottom - top};
    }""")
    page.screenshot(path=str(path), clip=clip)


@dataclass(frozen=True)
class BoardRun:
    """What the page showed while the --across cell ran."""

    cell: Any
    rows: int  # live rows once the board appeared
    busy_when_board_seen: bool
    held_statuses: list[str]  # the rows' statuses while BOUND runs were held at the simulator
    held_header: str
    invokes_when_held: int  # requests the simulator had received then
    options: list[str]  # the select's labels
    selected_rows: list[str]  # data-index of the rows marked chosen
    detail_tabs: list[str]  # the chosen run's tab labels
    detail_text: str
    row_first: str  # row 0's last line, while it streamed
    row_later: str | None  # ... a different one, still while it streamed (None: not within 30 s)
    detail_first: int  # the chosen run's highest progress line shown
    detail_later: int | None  # ... higher, seen while that run still ran (None: not within 30 s)
    switched: bool  # choosing another row (a running one of the second wave) showed its view instead
    switched_rows: list[str]
    detail_views: int  # tab widgets in the detail once switched
    watched: dict[str, Any]  # the MutationObserver's notes (window.__ccBoard)
    transcript_runs: int
    transcript_statuses: list[str]
    board_left: int  # .cc-board elements left once the transcript is shown
    console_errors: list[str]


@pytest.fixture(scope="module")
def board_run(lab: LabServer, page: Any, simulator: RiggedSimulator) -> BoardRun:
    nb = NotebookPage(page)
    with _evidence(lab, page, "open"):
        nb.open(lab.url("/lab/tree/board.ipynb?reset"))
        nb.wait_kernel_idle()
        if not page.evaluate("() => window.jupyterapp.shell.leftCollapsed"):
            nb.command("application:toggle-left-area")  # the notebook gets the page's width
            page.wait_for_function("() => window.jupyterapp.shell.leftCollapsed")
        page.evaluate(WATCH_BOARD)
        cell = nb.code_cell("%%cloudcode --across")
        assert cell.count() == 1
        nb.command("notebook:run-all-cells")

    with _evidence(lab, page, "board"):
        page.wait_for_function(f"() => document.querySelectorAll('{LIVE_ROWS}').length > 0", timeout=90_000)
        rows = page.locator(LIVE_ROWS).count()
        busy_when_board_seen = nb.busy(cell)
        wait_until(lambda: simulator.held(GATE) == BOUND, 90, f"{BOUND} runs held at the simulator")
        # (recorded, not required: the tests say what was wrong, and the rest of the run is still watched)
        held_statuses = _seen(lambda: (s := _statuses(page)).count("running") == BOUND and s, 15) or _statuses(page)
        held_header = str(page.locator(".cc-board .cc-board-header").inner_text())
        invokes_when_held = _invokes(simulator)
        options = [str(t).replace("\xa0", " ").strip() for t in page.locator(f"{SELECT} option").all_inner_texts()]  # ipywidgets shows spaces as NBSP

        page.locator(SELECT).select_option(index=CHOSEN + 1)
        page.locator(f"{DETAIL} .lm-TabBar-tab").first.wait_for(timeout=30_000)
        page.locator(f"{LIVE_ROWS}.cc-board-row-selected").first.wait_for(timeout=30_000)
        selected_rows = [str(i) for i in page.eval_on_selector_all(
            f"{LIVE_ROWS}.cc-board-row-selected", "rows => rows.map(r => r.dataset.index)")]
        detail_tabs = [str(t).strip() for t in page.locator(f"{DETAIL} .lm-TabBar-tab").all_inner_texts()]
        detail_text = str(page.locator(DETAIL).inner_text())
        page.screenshot(path=str(ARTIFACTS / "board-held.png"))

    with _evidence(lab, page, "live"):
        simulator.release(GATE)

        def streaming_line() -> str | None:
            line = _row_last_line(page, 0)
            return line if "progress" in line and _row_status(page, 0) == "running" else None

        row_first = wait_until(streaming_line, 60, "row 1's last line showing its progress")
        row_later = _seen(lambda: (line := streaming_line()) and line != row_first and line, 30)

        def chosen_progress() -> int:
            shown = _detail_progress(page)
            return shown if shown > 0 and _row_status(page, CHOSEN) == "running" else 0

        detail_first = wait_until(chosen_progress, 60, "the chosen run's progress in its live view")
        detail_later = _seen(lambda: (n := chosen_progress()) > detail_first and n, 30)
        page.screenshot(path=str(ARTIFACTS / "board-live.png"))
        _readme_screenshot(page, cell)  # the first wave: rows streaming, the others queued

        # The second wave: the first runs completed, a queued one streams; choose it instead.
        wait_until(lambda: _statuses(page)[:BOUND] == ["completed"] * BOUND, 60, "the first runs completed")
        wait_until(lambda: "progress" in _row_last_line(page, LATER), 60, f"row {LATER + 1} streaming")
        page.locator(SELECT).select_option(index=LATER + 1)
        switched = _seen(lambda: f"assignment-1-{NAMES[LATER]}" in page.locator(DETAIL).inner_text()
                         and page.locator(f"{DETAIL} .lm-TabBar-tab").count() > 0, 20) is not None
        switched_rows = [str(i) for i in page.eval_on_selector_all(
            f"{LIVE_ROWS}.cc-board-row-selected", "rows => rows.map(r => r.dataset.index)")]
        detail_views = page.locator(f"{DETAIL} .widget-tab").count()
        _seen(lambda: _detail_progress(page) >= 6 and _row_status(page, LATER) == "running", 20)
        page.screenshot(path=str(ARTIFACTS / "board-second-wave.png"))

    with _evidence(lab, page, "end"):
        transcript = cell.locator(".jp-OutputArea .cc-board-transcript")
        transcript.wait_for(timeout=120_000)
        wait_until(lambda: re.search(r"\[\d+\]", nb.prompt(cell)), 60, "the cell to finish")
        transcript_runs = transcript.locator("details.cc-board-run").count()
        transcript_statuses = [str(s) for s in transcript.locator("tr.cc-board-row").evaluate_all(
            "rows => rows.map(r => r.dataset.status)")]
        board_left = cell.locator(".cc-board").count()
        watched = page.evaluate("() => window.__ccBoard")
        transcript.locator("details.cc-board-run").nth(CHOSEN).locator(":scope > summary").click()
        page.screenshot(path=str(ARTIFACTS / "board-transcript.png"))
    return BoardRun(cell, rows, busy_when_board_seen, held_statuses, held_header, invokes_when_held, options,
                    selected_rows, detail_tabs, detail_text, row_first, row_later, detail_first, detail_later,
                    switched, switched_rows, detail_views, watched, transcript_runs, transcript_statuses, board_left, list(CONSOLE_ERRORS))


# ----- the board while the cell runs -----
def test_the_board_shows_a_row_per_target_and_a_select_to_choose_one(board_run: BoardRun) -> None:
    assert board_run.busy_when_board_seen, "the board was seen while the cell ran"
    assert board_run.rows == len(REPOS)
    assert board_run.watched["maxRows"] == len(REPOS)
    options = board_run.options
    assert len(options) == len(REPOS) + 1, options  # option 0: no target
    for number, (name, label) in enumerate(zip(NAMES, options[1:], strict=True), start=1):
        assert label.startswith(f"{number} · ") and f"assignment-1-{name}" in label, options


def test_at_most_max_concurrent_rows_run_and_the_others_wait_queued(board_run: BoardRun) -> None:
    assert sorted(board_run.held_statuses) == sorted(["running"] * BOUND + ["queued"] * (len(REPOS) - BOUND)), \
        board_run.held_statuses
    assert board_run.held_statuses[:BOUND] == ["running"] * BOUND, "the first targets run first"
    assert f"{BOUND} running" in board_run.held_header and f"{len(REPOS) - BOUND} queued" in board_run.held_header, \
        board_run.held_header
    assert board_run.invokes_when_held == BOUND, "a queued target sent nothing"
    assert board_run.watched["maxRunning"] == BOUND, board_run.watched  # on every table the page rendered


def test_queued_rows_run_once_a_slot_frees_and_every_row_completes(board_run: BoardRun) -> None:
    """Each row's statuses, as every rendered table showed them: queued (the first ones maybe for an
    instant), running, completed — never back, and the rows past the bound queued first."""
    order = ["queued", "running", "completed"]
    history = {int(index): statuses for index, statuses in board_run.watched["history"].items()}
    assert sorted(history) == list(range(len(REPOS))), history
    for statuses in history.values():
        assert set(statuses) <= set(order) and statuses == sorted(statuses, key=order.index), history
        assert statuses[-2:] == ["running", "completed"], history
    for index in range(BOUND, len(REPOS)):
        assert history[index][0] == "queued", history


def test_a_rows_last_line_changes_while_its_run_streams(board_run: BoardRun) -> None:
    assert "progress" in board_run.row_first, board_run.row_first
    assert board_run.row_later is not None, "row 1's last line did not change within 30 s while its run streamed"
    assert board_run.row_later != board_run.row_first


def test_choosing_a_row_shows_that_runs_live_view_with_its_task_tab(board_run: BoardRun) -> None:
    assert board_run.selected_rows == [str(CHOSEN)], "the chosen row is marked in the table"
    tabs = board_run.detail_tabs
    assert any(label.endswith("main") for label in tabs), tabs  # "● main": the run's one task
    assert tabs[-1].startswith("Agent"), tabs
    assert f"assignment-1-{NAMES[CHOSEN]}" in board_run.detail_text, board_run.detail_text


def test_the_chosen_runs_lines_grow_in_its_live_view(board_run: BoardRun) -> None:
    assert board_run.detail_first > 0
    assert board_run.detail_later is not None, "the chosen run's view did not grow within 30 s while it ran"
    assert board_run.detail_later > board_run.detail_first


def test_choosing_another_row_replaces_the_view_with_that_runs(board_run: BoardRun) -> None:
    assert board_run.switched, f"the view of row {LATER + 1} did not appear within 20 s of choosing it"
    assert board_run.switched_rows == [str(LATER)], board_run.switched_rows
    assert board_run.detail_views == 1, "one run's view at a time"


# ----- once every run ended -----
def test_the_board_is_replaced_by_the_transcript_with_a_folded_run_per_target(board_run: BoardRun) -> None:
    assert board_run.board_left == 0, "the live board is gone"
    assert board_run.transcript_runs == len(REPOS)
    assert board_run.transcript_statuses == ["completed"] * len(REPOS), board_run.transcript_statuses
    text = _output(board_run.cell)
    for name in NAMES:
        assert f"assignment-1-{name}" in text, text
    assert "Traceback" not in text, text


def test_the_page_shows_no_widget_errors(page: Any, board_run: BoardRun) -> None:
    whole = page.locator(".jp-Notebook").inner_text()
    for bad in ("Error displaying widget", "model not found"):
        assert bad not in whole, bad
    widget_errors = [e for e in board_run.console_errors if "widget" in e.lower() or "model" in e.lower()]
    assert not widget_errors, widget_errors


def test_the_readme_screenshot_is_the_board_and_stays_small(board_run: BoardRun) -> None:
    path = _readme_screenshot_path()
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width >= 400 and height >= 200, f"{path} is {width}x{height}: not the board"
    assert len(data) < SCREENSHOT_LIMIT, f"{path} is {len(data):,} bytes"
