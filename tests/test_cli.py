"""``python -m cc_jupyter demo --headless``: the README's main command where there is no browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_headless_demo_prints_the_quickstart_transcript():
    env = {**os.environ, "CLOUDCODE_API_KEY": "must-not-be-used-0000", "DISPLAY": ""}
    done = subprocess.run([sys.executable, "-m", "cc_jupyter", "demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "Running 01-quickstart.ipynb against the local simulator" in out
    assert "demo mode on" in out and "completed completed" in out and "same thread: True" in out
    assert "replay · recorded" in out  # the quickstart replays its recordings: nothing is sent
    assert "simulator" in out and "must-not-be-used" not in out
    assert "Next:" in out and "demo --lab" in out and "CLOUDCODE_API_KEY" in out


def test_help_lists_every_command_with_one_line():
    done = subprocess.run([sys.executable, "-m", "cc_jupyter", "--help"], capture_output=True, text=True, check=True)
    assert "Cloud Coding API" in done.stdout
    for command in ("demo", "simulator"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.M), command


def test_simulator_command_serves_and_says_where_to_point(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "cc_jupyter", "simulator", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        first, second = proc.stdout.readline(), proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(10)
    assert first.startswith("cc_jupyter simulator listening on http://127.0.0.1:")
    assert "CLOUDCODE_API_URL" in second


def test_unknown_command_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "cc_jupyter", "fly"], capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice" in done.stderr
