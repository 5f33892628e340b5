"""Reloading the JupyterLab page while a run streams, in a real JupyterLab and Chromium.

A ``--no-wait`` run: after the reload its cell's live view is gone, and ``%cloudcode show 1`` in a
new cell gives a live view of its own that keeps updating, then the transcript. A blocking cell:
what the README says a reload costs (its output is not shown again, not even when the run ends),
and that ``%cloudcode show 1`` then gives the transcript.

Each test has a notebook (so a kernel) of its own in one JupyterLab; runs go to a simulator of
this module and wait at its gates (``sim: hold=``) until the test releases them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .lab import ARTIFACTS, LabServer, NotebookPage, chromium_page, demo_lab, save_evidence
from .simrigs import RiggedSimulator
from .waiting import wait_until

pytestmark = pytest.mark.slow

BACKGROUND = "%%cloudcode --no-wait -o bg\nA background job\nsim: hold=reload-bg lines=40 interval=0.25"
BLOCKING = "%%cloudcode -o fg\nA blocking job\nsim: hold=reload-fg lines=3 interval=0"
PROGRESS = re.compile(r"progress (\d+)/\d+")


@pytest.fixture(scope="module")
def simulator() -> Iterator[RiggedSimulator]:
    with RiggedSimulator(pace=0, quiet=True) as sim:
        yield sim


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, simulator: RiggedSimulator) -> Iterator[LabServer]:
    notebooks = {"background.ipynb": ("%load_ext cc_jupyter", BACKGROUND),
                 "blocking.ipynb": ("%load_ext cc_jupyter", BLOCKING)}
    with demo_lab(tmp_path_factory.mktemp("reload"), simulator.url, notebooks) as server:
        yield server


@pytest.fixture
def notebook(request: pytest.FixtureRequest, lab: LabServer) -> Iterator[NotebookPage]:
    """A fresh Chromium page; the test opens its notebook. Leaving a page with unsaved outputs is
    accepted. On failure: a screenshot and the end of JupyterLab's log in ``artifacts/browser/``."""
    failed = request.session.testsfailed
    with chromium_page(1400, 1000) as page:
        page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" when reloading
        yield NotebookPage(page)
        if request.session.testsfailed > failed:
            save_evidence(lab, page, request.node.name)


def _start(lab: LabServer, nb: NotebookPage, name: str, gate: str, simulator: RiggedSimulator) -> Any:
    """Open notebook ``name`` (a workspace of its own), run all its cells; the run's cell, held at ``gate``."""
    nb.open(lab.url(f"/lab/tree/{name}?reset"))
    nb.wait_kernel_idle()
    nb.command("notebook:run-all-cells")
    simulator.wait_held(gate, 90)
    cell = nb.code_cell("%%cloudcode")
    wait_until(lambda: cell.locator(".widget-tab").count() > 0, 60, "the run's live view")
    return cell


def _reload(nb: NotebookPage) -> None:
    nb.page.reload()
    nb.wait_open()
    nb.wait_kernel_connected()


def _output(cell: Any) -> str:
    return str(cell.locator(".jp-OutputArea").inner_text())


def _live(cell: Any) -> bool:
    """The cell shows a live view: its tabs and its Stop button."""
    return bool(cell.locator(".widget-tab").count() > 0 and cell.get_by_role("button", name="Stop").count() > 0)


def _shown_progress(cell: Any) -> int:
    """The highest "progress n/40" line the cell's live view shows (0: none); -1 when it is no live view."""
    if not _live(cell):
        return -1
    text = "\n".join(cell.locator(".widget-tab-contents > .widget-html:visible").all_inner_texts())
    return max((int(n) for n in PROGRESS.findall(text)), default=0)


def _transcript_in_place(cell: Any) -> bool:
    out = cell.locator(".jp-OutputArea")
    return "completed" in out.inner_text() and out.locator(".jupyter-widgets, .widget-tab").count() == 0


def _run_new_cell(nb: NotebookPage, source: str) -> Any:
    nb.append_code_cell(source)
    nb.command("notebook:run-cell")
    return nb.code_cell(source)


def test_after_a_reload_show_follows_a_no_wait_run_live_to_its_transcript(
        lab: LabServer, notebook: NotebookPage, simulator: RiggedSimulator) -> None:
    nb = notebook
    cell = _start(lab, nb, "background.ipynb", "reload-bg", simulator)
    _reload(nb)
    nb.wait_kernel_idle()
    cell = nb.code_cell("%%cloudcode")
    assert not _live(cell), "the reloaded page no longer shows the run's live view"
    show = _run_new_cell(nb, "%cloudcode show 1")
    wait_until(lambda: _live(show), 60, "a live view in the show cell")
    assert "Cloning into" in _output(show), "what arrived before the reload"
    simulator.release("reload-bg")
    first = wait_until(lambda: (n := _shown_progress(show)) > 0 and n, 60, "progress lines, live")
    later = wait_until(lambda: (n := _shown_progress(show)) > first and n, 60,
                       "more progress lines in the same live view")
    assert later > first
    nb.page.screenshot(path=str(ARTIFACTS / "reload-show-live.png"))
    wait_until(lambda: _transcript_in_place(show), 60, "the transcript in place of the show cell's live view")
    assert "progress 40/40" in _output(show)
    nb.page.screenshot(path=str(ARTIFACTS / "reload-show-transcript.png"))


def test_after_a_reload_a_blocking_cell_shows_nothing_more_and_show_gives_its_transcript(
        lab: LabServer, notebook: NotebookPage, simulator: RiggedSimulator) -> None:
    nb = notebook
    _start(lab, nb, "blocking.ipynb", "reload-fg", simulator)
    _reload(nb)
    cell = nb.code_cell("%%cloudcode")
    show = _run_new_cell(nb, "%cloudcode show 1")  # queued: the kernel is still busy with the run
    assert not _live(cell) and "cloudcode" not in _output(show)
    simulator.release("reload-fg")
    wait_until(lambda: _transcript_in_place(show), 60, "the transcript in the show cell, once the run ended")
    nb.wait_kernel_idle()
    assert _output(cell).strip() == "", "the ended run's own cell got nothing in the reloaded page"
    nb.page.screenshot(path=str(ARTIFACTS / "reload-blocking.png"))
