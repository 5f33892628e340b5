"""The notebook in a real JupyterLab and Chromium: live tabs while the cell runs, the Stop
button, and the static transcript that replaces the widget and survives save + reload.

Runs go live to a simulator of the test's own, with the notebooks' rules (their prompts carry no
``sim:`` lines).
Screenshots land in ``artifacts/browser/`` at the repository root.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cc_jupyter.magics.demo import simulator_rules
from cc_jupyter.simulator import Simulator

from .lab import CHROMIUM_ARGS, LabServer, NotebookPage, require_chromium, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "browser"
NOTEBOOK = "02-parallel-tasks.ipynb"
PARALLEL = "%%cloudcode -p -o run"
TASKS = ("unit-tests", "docs", "lint")
LONG_CELL = "%%cloudcode -o long\nA long job\nsim: lines=500 interval=0.1"  # 50 s unless stopped
BACKGROUND_CELL = "%%cloudcode --no-wait -o bg\nA background job\nsim: lines=15 interval=0.2"  # about 3 s
FLOOD_CELL = "%%cloudcode -o flood\nA flood of output\nsim: flood=50000"
FLOOD_COUNT_CELL = "print(sum(' line ' in line for line in flood.tasks['main'].stdout.splitlines()))"
SECRET_VARS = ("CLOUDCODE_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "CLOUDCODE_API_URL", "CLOUDCODE_REPO")
PROGRESS = re.compile(r"\] progress (\d+)/\d+")


def _without_outputs(path: Path) -> None:
    """Clear saved outputs, so whatever the page shows later came from this run."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabServer]:
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    _without_outputs(root / NOTEBOOK)
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARS}
    # Live runs (not the shipped recordings), against a simulator that streams as the notebooks' rules say.
    with Simulator(pace=0, quiet=True, rules=simulator_rules(root)) as simulator:
        env.update(CLOUDCODE_DEMO="1", CLOUDCODE_DEMO_URL=simulator.url, CLOUDCODE_REPLAY="never",
                   CLOUDCODE_RECORD_DIR=str(tmp_path / "recordings"))
        server = LabServer(root, tmp_path / "lab-state", env)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


@pytest.fixture
def lab_page(lab: LabServer) -> Iterator[Any]:
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


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


def test_live_tabs_stop_and_transcript_in_jupyterlab(lab: LabServer, lab_page: Any) -> None:
    page = lab_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    nb = NotebookPage(page)
    try:
        _run(lab, page, nb)
    except BaseException:
        try:
            page.screenshot(path=str(ARTIFACTS / "failure.png"))
        except Exception:
            pass
        print("---- jupyter lab log (tail) ----\n" + lab.log())
        raise


def _run(lab: LabServer, page: Any, nb: NotebookPage) -> None:
    # 3. Open the notebook, Run All; while the parallel cell runs, its tabs stream.
    nb.open(lab.url(f"/lab/tree/{NOTEBOOK}"))
    nb.wait_kernel_idle()
    cell = nb.code_cell(PARALLEL)
    assert cell.count() == 1
    nb.command("notebook:run-all-cells")

    wait_until(lambda: nb.busy(cell), 60, "the parallel cell to show [*]")
    def all_tabs() -> list[str] | None:
        labels = _tab_labels(cell)
        return labels if len(labels) == len(TASKS) + 1 else None

    labels = wait_until(all_tabs, 60, "the task tabs in the cell's output")
    for name, label in zip(TASKS, labels[: len(TASKS)], strict=True):
        assert label.endswith(name), labels  # "● unit-tests": status mark, then the task name
    assert labels[-1].startswith("Agent"), labels
    assert cell.get_by_role("button", name="Stop").is_visible()
    assert nb.busy(cell), "the tabs must be seen while the cell runs"

    first = _visible_pane(cell)  # the first task's tab is in view

    def grown() -> str | None:
        assert nb.busy(cell), "the cell finished before its output was seen growing"
        text = _visible_pane(cell)
        return text if _progress(text) > _progress(first) else None

    second = wait_until(grown, 30, "the visible task's stdout to grow while the cell runs", interval=1.0)
    assert _progress(second) > _progress(first)
    assert "[unit-tests] progress" in second
    _shot(page, "live-tabs.png", cell)

    # 4. When the run ends, the static transcript replaces the widget.
    wait_until(lambda: not nb.busy(cell), 90, "the parallel cell to finish")
    wait_until(lambda: nb.running() == 0, 90, "Run All to finish")
    out = cell.locator(".jp-OutputArea")
    wait_until(lambda: _transcript_in_place(cell), 30, "the transcript, 'completed', in place of the live widget")
    text = _output(cell)
    for name in TASKS:
        assert name in text, text
    assert out.locator("a[href*='/commit/']").count() >= 1, text
    assert out.get_by_role("button", name="Stop").count() == 0
    status_cell = nb.code_cell("print(f\"{name:12} {task.status}\")")
    for name in TASKS:
        assert re.search(rf"{name}\s+completed", _output(status_cell)), _output(status_cell)
    _shot(page, "transcript.png", cell)

    # 5. A long run stopped with the view's Stop button.
    nb.append_code_cell(LONG_CELL)
    long_cell = nb.code_cell("%%cloudcode -o long")
    assert long_cell.count() == 1
    nb.command("notebook:run-cell")
    wait_until(lambda: nb.busy(long_cell), 60, "the long cell to show [*]")
    stop = long_cell.get_by_role("button", name="Stop")
    stop.wait_for(state="visible", timeout=60_000)
    wait_until(lambda: _progress(_output(long_cell)) > 0, 60, "the long run's output to stream")
    assert nb.busy(long_cell)
    stop.click()
    wait_until(
        lambda: "cancelled" in _output(long_cell),
        20,
        "'cancelled' after clicking Stop (the run itself lasts 50 s: Stop did not stop it)",
    )
    wait_until(lambda: not nb.busy(long_cell), 30, "the stopped cell to finish")
    long_out = long_cell.locator(".jp-OutputArea")
    wait_until(lambda: long_out.locator(".jupyter-widgets").count() == 0, 30, "the transcript to replace the stopped view")
    stopped = _output(long_cell)
    assert "cancelled" in stopped, stopped
    assert "progress" in stopped, "what arrived before Stop is kept"
    assert "Traceback" not in stopped, stopped
    _shot(page, "stopped.png", long_cell)

    # 5b. A --no-wait run leaves its transcript by itself, with no other cell run after it.
    nb.append_code_cell(BACKGROUND_CELL)
    background_cell = nb.code_cell("%%cloudcode --no-wait -o bg")
    nb.command("notebook:run-cell")
    wait_until(lambda: background_cell.locator(".widget-tab, .lm-TabBar-tab").count() > 0, 60, "the background run's live view")
    # The live header says "completed" a moment before the transcript replaces it: wait for both.
    wait_until(lambda: _transcript_in_place(background_cell), 60, "the background run's transcript, not its live widget")

    # 5c. A 50,000-event flood: the page stays responsive and the Run keeps every line.
    nb.append_code_cell(FLOOD_CELL)
    flood_cell = nb.code_cell("%%cloudcode -o flood")
    nb.command("notebook:run-cell")
    wait_until(lambda: "completed" in _output(flood_cell), 120, "the flood run's transcript")
    assert page.evaluate("() => 6 * 7") == 42, "the page must stay responsive"
    nb.append_code_cell(FLOOD_COUNT_CELL)
    count_cell = nb.code_cell(FLOOD_COUNT_CELL)
    nb.command("notebook:run-cell")
    wait_until(lambda: "50000" in _output(count_cell), 60, "the flood's line count on the Run")

    # 6. Save, reload: the static transcripts are still there, not widget placeholders.
    nb.command("docmanager:save")
    wait_until(lambda: not nb.dirty(), 30, "the notebook to be saved")
    saved = json.loads((lab.root / NOTEBOOK).read_text(encoding="utf-8"))
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

    page.reload()
    nb.wait_open()
    cell = nb.code_cell(PARALLEL)
    long_cell = nb.code_cell("%%cloudcode -o long")
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
