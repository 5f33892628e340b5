"""A repo2docker-like check: a fresh virtual environment, binder/requirements.txt from the
repository root, then the quickstart run through binder/start with no key set: it replays its
recordings, and sends nothing to any API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quickstart_replays_on_a_binder_like_environment(tmp_path, simulator):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")  # the notebooks and their recordings
    notebook = tmp_path / "notebooks" / "01-quickstart.ipynb"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CLOUDCODE_", "GITHUB_TOKEN", "GH_TOKEN", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["CLOUDCODE_DEMO_URL"] = simulator.url  # to count: the replay must not send it anything
    before = len(simulator.request_log())
    done = subprocess.run(
        [str(ROOT / "binder" / "start"), "jupyter", "execute", "--inplace", str(notebook)],
        cwd=notebook.parent, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    nb = nbformat.read(notebook, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "demo mode on" in text and "completed completed\nsame thread: True" in text
    html = "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "replay" in html and "completed" in html
    assert [r for r in simulator.request_log()[before:] if r["path"] == "/invoke/stdout"] == []
