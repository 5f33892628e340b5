"""The notebook in a real JupyterLab and Chromium: live tabs while the cell runs, the Stop
button, and the static transcript that replaces the widget and survives save + reload.

One JupyterLab, one page and one run through the notebook are shared by the module's tests (module
fixtures, each waiting for its cells to finish); each test checks one thing the page showed.

Runs go live to a simulator of the test's own, with the notebooks' rules (their prompts carry no
``sim:`` lines).
Screenshots land in ``artifacts/browser/`` at the repository root.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cc_jupyter.magics.demo import simulator_rules

from .lab import (
    ARTIFACTS,
    LabServer,
    NotebookPage,
    chromium_page,
    demo_env,
    evidence,
    running_lab,
    save_evidence,
    wait_until,
)
from .simrigs import RiggedSimulator

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02-parallel-tasks.ipynb"
PARALLEL = "%%cloudcode -p -o run"
TASKS = ("unit-tests", "docs", "lint")
LONG_CELL = "%%cloudcode -o long\nA long job\nsim: lines=500 interval=0.1"  # 50 s unless stopped
BACKGROUND_CELL = "%%cloudcode --no-wait -o bg\nA background job\nsim: lines=15 interval=0.2"  # about 3 s
FLOOD_CELL = "%%cloudcode -o flood\nA flood of output\nsim: flood=50000"
FLOOD_COUNT_CELL = "print(sum(' line ' in line for line in flood.tasks['main'].stdout.splitlines()))"
PROGRESS = re.compile(r"\] progress (\d+)/\d+")


def _without_outputs(path: Path) -> None:
    """Clear saved outputs, so whatever the page shows later came from this run."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def _shot(page: Any, name: str, cell: Any = None) -> None:
    if cell is not None:
        cell.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / name))


def _tab_labels(cell: Any) -> list[str]:
    return [t.strip() for t in cell.locator(".widget-tab .lm-TabBar-tab").all_inner_texts()]


def _visible_pane(cell: Any) -> str:
    """The text of the tab in view (the hidden panes are display:none)."""
    panes = cell.locator(".widget-tab-contents > .widget-html:visible")
    return "\n".join(panes.all_inner_texts())


def _progress(text: str) -> int:
    return len(PROGRESS.findall(text))


def _output(cell: Any) -> str:
    return cell.locator(".jp-OutputArea").inner_text()


def _transcript_in_place(cell: Any) -> bool:
    """The run's static transcript is shown and its live widget is gone."""
    out = cell.locator(".jp-OutputArea")
    return "completed" in out.inner_text() and out.locator(".widget-tab, .lm-TabBar-tab, .jupyter-widgets").count() == 0


# ----- the shared setup: one JupyterLab, one page, one notebook run through once -----
@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("browser")
    root = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    _without_outputs(root / NOTEBOOK)
    # Live runs (not the shipped recordings), against a simulator that streams as the notebooks' rules say.
    with RiggedSimulator(pace=0, quiet=True, rules=simulator_rules(root)) as simulator:  # flood= is a rig
        env = demo_env(simulator.url, base / "recordings")
        with running_lab(root, base / "lab-state", env) as server:
            yield server


@pytest.fixture(scope="module")
def page(lab: LabServer) -> Iterator[Any]:
    with chromium_page(1400, 1000) as page:
        yield page


@contextmanager
def _evidence(lab: LabServer, page: Any, name: str) -> Iterator[None]:
    """On failure: a screenshot and the end of JupyterLab's log, in ``artifacts/browser/``."""
    try:
        with evidence(lab, page, name):
            yield
    except BaseException:
        print("---- jupyter lab log (tail) ----\n" + lab.log())
        raise


@pytest.fixture(autouse=True)
def evidence_of_a_failed_test(request: pytest.FixtureRequest, lab: LabServer, page: Any) -> Iterator[None]:
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed > failed:
        save_evidence(lab, page, request.node.name)


def _seen(predicate: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """What ``predicate`` returned once truthy, or None if it was not within ``timeout`` seconds
    (for the tests to assert on, with a message of their own)."""
    try:
        return wait_until(predicate, timeout, "", interval=interval)
    except AssertionError:
        return None


def _executed(nb: NotebookPage, cell: Any) -> bool:
    """The cell ran to its end: its prompt shows an execution count (``[3]:``)."""
    return re.search(r"\[\d+\]", nb.prompt(cell)) is not None


@dataclass(frozen=True)
class ParallelRun:
    """What the parallel cell showed while Run All ran it."""

    cell: Any
    busy_when_tabs_seen: bool
    labels: list[str]
    stop_visible: bool
    first: str  # the text of the tab in view when the tabs appeared
    later: str | None  # the same tab once its progress grew or the cell ended (None: neither within 30 s)
    busy_when_grown: bool


@pytest.fixture(scope="module")
def notebook(lab: LabServer, page: Any) -> NotebookPage:
    nb = NotebookPage(page)
    with _evidence(lab, page, "open"):
        nb.open(lab.url(f"/lab/tree/{NOTEBOOK}"))
        nb.wait_kernel_idle()
    return nb


@pytest.fixture(scope="module")
def parallel_run(lab: LabServer, page: Any, notebook: NotebookPage) -> ParallelRun:
    """Run All, watching the parallel cell while it runs; returns once every cell has run."""
    nb = notebook
    with _evidence(lab, page, "run-all"):
        cell = nb.code_cell(PARALLEL)
        assert cell.count() == 1
        nb.command("notebook:run-all-cells")
        wait_until(lambda: nb.busy(cell), 60, "the parallel cell to show [*]")

        def all_tabs() -> list[str] | None:
            labels = _tab_labels(cell)
            return labels if len(labels) == len(TASKS) + 1 else None

        labels = wait_until(all_tabs, 60, "the task tabs in the cell's output")
        busy_when_tabs_seen = nb.busy(cell)
        stop_visible = cell.get_by_role("button", name="Stop").is_visible()
        first = _visible_pane(cell)  # the first task's tab is in view

        def grown_or_done() -> tuple[str, bool] | None:
            busy = nb.busy(cell)
            text = _visible_pane(cell)
            return (text, busy) if _progress(text) > _progress(first) or not busy else None

        later, busy_when_grown = _seen(grown_or_done, 30, interval=1.0) or (None, False)
        _shot(page, "live-tabs.png", cell)
        wait_until(lambda: not nb.busy(cell), 90, "the parallel cell to finish")
        wait_until(lambda: nb.running() == 0, 90, "Run All to finish")
    return ParallelRun(cell, busy_when_tabs_seen, labels, stop_visible, first, later, busy_when_grown)


@dataclass(frozen=True)
class StoppedRun:
    """The long cell, stopped with its view's Stop button while it streamed."""

    cell: Any
    busy_at_the_click: bool
    cancelled_in_time: bool
    view_replaced: bool


@pytest.fixture(scope="module")
def stopped_run(lab: LabServer, page: Any, notebook: NotebookPage, parallel_run: ParallelRun) -> StoppedRun:
    nb = notebook
    with _evidence(lab, page, "stop"):
        nb.append_code_cell(LONG_CELL)
        cell = nb.code_cell("%%cloudcode -o long")
        assert cell.count() == 1
        nb.command("notebook:run-cell")
        wait_until(lambda: nb.busy(cell), 60, "the long cell to show [*]")
        stop = cell.get_by_role("button", name="Stop")
        stop.wait_for(state="visible", timeout=60_000)
        wait_until(lambda: _progress(_output(cell)) > 0, 60, "the long run's output to stream")
        busy_at_the_click = nb.busy(cell)
        stop.click()
        # The run itself lasts 50 s: 'cancelled' within 20 s means Stop stopped it.
        cancelled_in_time = _seen(lambda: "cancelled" in _output(cell), 20) is not None
        wait_until(lambda: not nb.busy(cell), 90, "the long cell to finish")
        view_replaced = _seen(lambda: cell.locator(".jp-OutputArea .jupyter-widgets").count() == 0, 30) is not None
    return StoppedRun(cell, busy_at_the_click, cancelled_in_time, view_replaced)


@dataclass(frozen=True)
class BackgroundRun:
    """A ``--no-wait`` cell, with no other cell run after it."""

    cell: Any
    live_view_seen: bool
    transcript_seen: bool  # in place of the live view, while no other cell ran


@pytest.fixture(scope="module")
def background_run(lab: LabServer, page: Any, notebook: NotebookPage, parallel_run: ParallelRun) -> BackgroundRun:
    nb = notebook
    with _evidence(lab, page, "background"):
        nb.append_code_cell(BACKGROUND_CELL)
        cell = nb.code_cell("%%cloudcode --no-wait -o bg")
        nb.command("notebook:run-cell")
        live_view_seen = _seen(lambda: cell.locator(".widget-tab, .lm-TabBar-tab").count() > 0, 60) is not None
        # The live header says "completed" a moment before the transcript replaces it: wait for both.
        transcript_seen = _seen(lambda: _transcript_in_place(cell), 60) is not None
    return BackgroundRun(cell, live_view_seen, transcript_seen)


@dataclass(frozen=True)
class FloodRun:
    """A 50,000-event run, and a cell counting its lines on the Run."""

    cell: Any
    count_cell: Any


@pytest.fixture(scope="module")
def flood_run(lab: LabServer, page: Any, notebook: NotebookPage, parallel_run: ParallelRun) -> FloodRun:
    nb = notebook
    with _evidence(lab, page, "flood"):
        nb.append_code_cell(FLOOD_CELL)
        cell = nb.code_cell("%%cloudcode -o flood")
        nb.command("notebook:run-cell")
        wait_until(lambda: _executed(nb, cell), 120, "the flood cell to finish")
        nb.append_code_cell(FLOOD_COUNT_CELL)
        count_cell = nb.code_cell(FLOOD_COUNT_CELL)
        nb.command("notebook:run-cell")
        wait_until(lambda: _executed(nb, count_cell), 60, "the cell counting the flood's lines to finish")
    return FloodRun(cell, count_cell)


@pytest.fixture(scope="module")
def saved(lab: LabServer, page: Any, notebook: NotebookPage, parallel_run: ParallelRun, stopped_run: StoppedRun,
          background_run: BackgroundRun, flood_run: FloodRun) -> dict[str, Any]:
    """The notebook saved once every run above has left its transcript; returns the file's JSON."""
    nb = notebook
    with _evidence(lab, page, "save"):
        _seen(lambda: _transcript_in_place(parallel_run.cell), 60)
        nb.command("docmanager:save")
        wait_until(lambda: not nb.dirty(), 30, "the notebook to be saved")
    return json.loads((lab.root / NOTEBOOK).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reloaded(lab: LabServer, page: Any, notebook: NotebookPage, saved: dict[str, Any]) -> NotebookPage:
    with _evidence(lab, page, "reload"):
        page.reload()
        notebook.wait_open()
    return notebook


# ----- the parallel cell, while it runs and once it ended -----
def test_a_running_parallel_cell_shows_a_tab_per_task_an_agent_tab_and_stop(parallel_run: ParallelRun) -> None:
    labels = parallel_run.labels
    for name, label in zip(TASKS, labels[: len(TASKS)], strict=True):
        assert label.endswith(name), labels  # "● unit-tests": status mark, then the task name
    assert labels[-1].startswith("Agent"), labels
    assert parallel_run.stop_visible
    assert parallel_run.busy_when_tabs_seen, "the tabs must be seen while the cell runs"


def test_the_task_in_view_streams_its_output_while_the_cell_runs(parallel_run: ParallelRun) -> None:
    assert parallel_run.later is not None, "the visible task's stdout did not grow within 30 s"
    assert parallel_run.busy_when_grown, "the cell finished before its output was seen growing"
    assert _progress(parallel_run.later) > _progress(parallel_run.first)
    assert "[unit-tests] progress" in parallel_run.later


def test_a_finished_run_leaves_a_static_transcript_in_place_of_its_live_view(page: Any, parallel_run: ParallelRun) -> None:
    cell = parallel_run.cell
    wait_until(lambda: _transcript_in_place(cell), 30, "the transcript, 'completed', in place of the live widget")
    text = _output(cell)
    for name in TASKS:
        assert name in text, text
    out = cell.locator(".jp-OutputArea")
    assert out.locator("a[href*='/commit/']").count() >= 1, text
    assert out.get_by_role("button", name="Stop").count() == 0
    _shot(page, "transcript.png", cell)


def test_the_next_cell_finds_every_task_completed(notebook: NotebookPage, parallel_run: ParallelRun) -> None:
    status_cell = notebook.code_cell("print(f\"{name:12} {task.status}\")")
    for name in TASKS:
        assert re.search(rf"{name}\s+completed", _output(status_cell)), _output(status_cell)


# ----- Stop, --no-wait, a flood -----
def test_the_stop_button_cancels_a_long_run_keeping_what_arrived(page: Any, stopped_run: StoppedRun) -> None:
    assert stopped_run.busy_at_the_click, "Stop was clicked while the cell ran"
    assert stopped_run.cancelled_in_time, "'cancelled' after clicking Stop (the run itself lasts 50 s: Stop did not stop it)"
    assert stopped_run.view_replaced, "the transcript replaces the stopped view"
    stopped = _output(stopped_run.cell)
    assert "cancelled" in stopped, stopped
    assert "progress" in stopped, "what arrived before Stop is kept"
    assert "Traceback" not in stopped, stopped
    _shot(page, "stopped.png", stopped_run.cell)


def test_a_no_wait_run_leaves_its_transcript_with_no_other_cell_run(background_run: BackgroundRun) -> None:
    assert background_run.live_view_seen, "the background run's live view"
    assert background_run.transcript_seen, "the background run's transcript, not its live widget"


def test_the_page_stays_responsive_through_a_50000_event_flood(page: Any, flood_run: FloodRun) -> None:
    wait_until(lambda: "completed" in _output(flood_run.cell), 120, "the flood run's transcript")
    assert page.evaluate("() => 6 * 7") == 42, "the page must stay responsive"


def test_the_run_keeps_every_line_of_a_50000_event_flood(flood_run: FloodRun) -> None:
    wait_until(lambda: "50000" in _output(flood_run.count_cell), 60, "the flood's line count on the Run")


# ----- save and reload -----
def test_the_saved_notebook_holds_static_transcripts_not_widget_views(saved: dict[str, Any]) -> None:
    mimes = {m for c in saved["cells"] for o in c.get("outputs", []) for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" not in mimes, mimes
    saved_html = {
        "".join(c["source"]).splitlines()[0]: "".join(
            "".join(o.get("data", {}).get("text/html", "")) for o in c.get("outputs", [])
        )
        for c in saved["cells"]
        if c["cell_type"] == "code" and c["source"]
    }
    assert "completed" in saved_html[PARALLEL], "the saved parallel cell holds no HTML transcript"
    assert "cancelled" in saved_html["%%cloudcode -o long"], "the saved stopped cell holds no HTML transcript"
    assert "completed" in saved_html["%%cloudcode --no-wait -o bg"], "the saved background cell holds no transcript"


def test_a_reloaded_notebook_shows_the_transcripts_without_widget_errors(page: Any, reloaded: NotebookPage) -> None:
    cell = reloaded.code_cell(PARALLEL)
    long_cell = reloaded.code_cell("%%cloudcode -o long")
    wait_until(lambda: "completed" in _output(cell), 30, "the parallel run's transcript after reload")
    text = _output(cell)
    for name in TASKS:
        assert name in text, text
    assert cell.locator(".jp-OutputArea a[href*='/commit/']").count() >= 1
    assert "cancelled" in _output(long_cell), _output(long_cell)
    whole = page.locator(".jp-Notebook").inner_text()
    for bad in ("Error displaying widget", "model not found"):
        assert bad not in whole, bad
    assert page.locator(".jp-Notebook .jupyter-widgets").count() == 0
    _shot(page, "reloaded.png", cell)
