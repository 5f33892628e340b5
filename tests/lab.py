"""A real JupyterLab for browser tests: the server as a subprocess, and a page wrapper.

The server gets a random token, fresh workspace/settings/config/runtime directories and
``expose_app_in_browser`` so the page can run JupyterLab commands (``window.jupyterapp``)
instead of guessing at menus. Assertions stay on the DOM, i.e. on what a user sees.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from .waiting import wait_until

CHROMIUM = "/usr/bin/chromium"  # Debian package `chromium`
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # else Chromium keeps calling home on a closed network
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# Fresh user settings: every cell stays in the DOM (no windowing), and no news/update fetches.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"checkForUpdates": False, "fetchNews": "false"},
}


def require_chromium() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: the browser test needs Debian's chromium (`apt-get install chromium`).")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



class LabServer:
    """``jupyter lab`` on 127.0.0.1 serving ``root``; ``stop()`` always ends it."""

    def __init__(self, root: Path, state: Path, env: dict[str, str]) -> None:
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        settings_dir = state / "settings"
        for name, values in SETTINGS.items():
            path = settings_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        for sub in ("workspaces", "config", "runtime"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        full_env = {**env, "JUPYTER_CONFIG_DIR": str(state / "config"), "JUPYTER_RUNTIME_DIR": str(state / "runtime")}
        cmd = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.workspaces_dir={state / 'workspaces'}",
            f"--LabApp.user_settings_dir={settings_dir}",
            "--LabApp.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log_path = state / "jupyter-lab.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open for the server's lifetime
        self.proc = subprocess.Popen(cmd, cwd=root, env=full_env, stdout=self._log, stderr=subprocess.STDOUT)

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def log(self) -> str:
        """The end of the server's log (for failure reports)."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self, timeout: float = 90) -> None:
        def answers() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url("/api/status"), timeout=2) as response:
                    return response.status == 200
            except (urllib.error.URLError, OSError):
                return False

        wait_until(answers, timeout, "jupyter lab to answer /api/status", interval=0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # jupyter_server shuts its kernels down on SIGTERM
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class NotebookPage:
    """The one notebook open in a JupyterLab page."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def open(self, url: str, timeout: float = 90) -> None:
        self.page.goto(url)
        self.wait_open(timeout)

    def wait_open(self, timeout: float = 90) -> None:
        """Wait until the notebook panel shows its cells (after ``goto`` or ``reload``)."""
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.content"
            " && window.jupyterapp.shell.currentWidget.content.widgets.length > 0",
            timeout=timeout * 1000,
        )
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout * 1000)

    def kernel_status(self) -> str | None:
        """The kernel's status as JupyterLab sees it (comm traffic on subshells can make it read
        "idle" while a cell runs: use the ``[*]`` prompts for that)."""
        return self.page.evaluate(
            "() => { const w = window.jupyterapp.shell.currentWidget;"
            " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
            " return k ? k.status : null; }"
        )

    def wait_kernel_idle(self, timeout: float = 90) -> None:
        wait_until(lambda: self.kernel_status() == "idle", timeout, "the kernel to be idle")

    def wait_kernel_connected(self, timeout: float = 90) -> None:
        """Wait until the notebook's session is ready with a kernel (after a reload, a kernel still
        busy with a cell the old page ran may read "unknown" until that cell ends)."""
        self.page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget;"
            " return !!(w && w.sessionContext && w.sessionContext.isReady"
            " && w.sessionContext.session && w.sessionContext.session.kernel); }",
            timeout=timeout * 1000,
        )

    def command(self, command_id: str, args: dict[str, Any] | None = None) -> None:
        """Start a JupyterLab command (what menus and shortcuts run); don't wait for it to finish.

        (``notebook:run-all-cells`` resolves only once every cell has run.)
        """
        self.page.evaluate(
            "([id, args]) => { window.jupyterapp.commands.execute(id, args); }", [command_id, args or {}]
        )

    def code_cell(self, source_start: str) -> Any:
        """The code cell whose source contains ``source_start`` (unique in the notebook)."""
        editor = self.page.locator(".jp-InputArea-editor", has_text=source_start)
        return self.page.locator(".jp-Notebook .jp-CodeCell", has=editor)

    @staticmethod
    def prompt(cell: Any) -> str:
        return cell.locator(".jp-InputArea-prompt").inner_text().strip()

    def busy(self, cell: Any) -> bool:
        return "[*]" in self.prompt(cell)

    def running(self) -> int:
        """How many cells show the busy prompt ``[*]`` (queued or running)."""
        return sum("[*]" in text for text in self.page.locator(".jp-Notebook .jp-InputArea-prompt").all_inner_texts())

    def append_code_cell(self, source: str) -> None:
        """Add a code cell at the end with ``source`` and make it the active cell."""
        self.page.evaluate(
            "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
            " nb.activeCellIndex = nb.widgets.length - 1; }"
        )
        self.command("notebook:insert-cell-below")
        self.page.wait_for_function(
            "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
            " return nb.activeCellIndex === nb.widgets.length - 1 && nb.activeCell.model.type === 'code'"
            " && nb.activeCell.model.sharedModel.getSource() === ''; }"
        )
        self.page.evaluate(
            "(source) => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.setSource(source)",
            source,
        )

    def dirty(self) -> bool:
        return self.page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")


SECRET_VARS = ("CLOUDCODE_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "CLOUDCODE_API_URL", "CLOUDCODE_REPO")


def write_notebook(path: Path, *sources: str) -> None:
    """A notebook at ``path`` with one code cell per source, no outputs, the python3 kernel."""
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "execution_count": None, "id": f"cell{i}", "metadata": {}, "outputs": [], "source": source}
        for i, source in enumerate(sources)
    ]
    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")


def demo_env(simulator_url: str, recordings: Path) -> dict[str, str]:
    """This process's environment without secrets, in demo mode against ``simulator_url``, live runs only."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARS}
    env.update(CLOUDCODE_DEMO="1", CLOUDCODE_DEMO_URL=simulator_url, CLOUDCODE_REPLAY="never",
               CLOUDCODE_RECORD_DIR=str(recordings))
    return env


@contextmanager
def running_lab(root: Path, state: Path, env: dict[str, str]) -> Iterator[LabServer]:
    """JupyterLab serving ``root``, ready; stopped at the end."""
    server = LabServer(root, state, env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@contextmanager
def demo_lab(base: Path, simulator_url: str, notebooks: dict[str, tuple[str, ...]]) -> Iterator[LabServer]:
    """JupyterLab in demo mode against ``simulator_url``, serving new notebooks (name -> cell sources)
    in ``base/notebooks``; recordings and Lab's state in ``base`` too."""
    root = base / "notebooks"
    root.mkdir()
    for name, sources in notebooks.items():
        write_notebook(root / name, *sources)
    with running_lab(root, base / "lab-state", demo_env(simulator_url, base / "recordings")) as server:
        yield server


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"  # screenshots and logs of the browser tests


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A page of headless Debian Chromium (30 s default timeout); the browser is closed at the end."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def save_evidence(lab: LabServer, page: Any, name: str) -> None:
    """A screenshot and the end of JupyterLab's log, in ``artifacts/browser/failure-NAME.*``."""
    with suppress(Exception):
        page.screenshot(path=str(ARTIFACTS / f"failure-{name}.png"))
    (ARTIFACTS / f"failure-{name}.log").write_text(lab.log(), encoding="utf-8")


@contextmanager
def evidence(lab: LabServer, page: Any, name: str) -> Iterator[None]:
    """On a failure inside: :func:`save_evidence`, then the failure goes on."""
    try:
        yield
    except BaseException:
        save_evidence(lab, page, name)
        raise
