"""``python -m cc_jupyter demo --headless``: the README's main command where there is no browser; where
the demo finds its notebooks (a clone's notebooks/, else a copy in ./cc_jupyter-demo/). The demo from
a built wheel is tests/test_demo_wheel.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cc_jupyter import cli, demo_notebooks

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
    # The quickstart replays its recordings: nothing is sent.
    assert re.search(r"· replay\b[^\n]*\brecorded \d{4}-\d\d-\d\d", out), out[:3000]
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


def test_demo_help_says_what_it_runs_what_it_opens_and_where_it_works(capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["demo", "--help"])
    assert exit.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Run the quickstart notebook against the simulator bundled with cc_jupyter" in text
    assert "no API key" in text and "nothing leaves this machine" in text
    assert "starts JupyterLab on the quickstart" in text and "runs the quickstart headless and prints its transcript" in text
    assert "uses notebooks/ in place" in text and "./cc_jupyter-demo/ in the current directory" in text
    assert "reused as it is (your edits are kept)" in text and "the demo stops and says so" in text


def test_demo_refuses_a_notebook_that_does_not_exist(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["demo", "--headless", "--notebook", str(tmp_path / "nope.ipynb")])
    assert exit.value.code == 2 and "nope.ipynb: no such file" in capsys.readouterr().err


@pytest.fixture
def packaged(tmp_path):
    """A stand-in for the packaged notebooks (cc_jupyter/notebooks in the wheel)."""
    source = tmp_path / "packaged"
    (source / ".cloudcode" / "runs").mkdir(parents=True)
    (source / "01-quickstart.ipynb").write_text("quickstart")
    (source / "02-parallel-tasks.ipynb").write_text("parallel")
    (source / ".cloudcode" / "simulator-rules.json").write_text("{}")
    (source / ".cloudcode" / "runs" / "a.jsonl").write_text("recorded")
    (source / "__pycache__").mkdir()  # never copied
    return source


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_working_folder_is_created_with_the_notebooks_and_recordings(packaged, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    folder = demo_notebooks.prepare_working_folder(tmp_path / "cc_jupyter-demo", packaged)
    assert folder == tmp_path / "cc_jupyter-demo"
    assert _files(folder) == [".cloudcode/runs/a.jsonl", ".cloudcode/simulator-rules.json",
                              "01-quickstart.ipynb", "02-parallel-tasks.ipynb"]
    assert (folder / ".cloudcode" / "runs" / "a.jsonl").read_text() == "recorded"
    assert capsys.readouterr().out == f"Copied the demo notebooks and their recordings to .{os.sep}cc_jupyter-demo{os.sep}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cc_jupyter-demo", "packaged"]  # no partial copy left


def test_working_folder_with_the_quickstart_is_reused_and_edits_are_kept(packaged, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "cc_jupyter-demo"
    folder.mkdir()
    (folder / "01-quickstart.ipynb").write_text("my edits")
    assert demo_notebooks.prepare_working_folder(folder, packaged) == folder
    assert (folder / "01-quickstart.ipynb").read_text() == "my edits"
    assert _files(folder) == ["01-quickstart.ipynb"]  # nothing copied over or next to it
    assert "Using the demo notebooks in" in capsys.readouterr().out


def test_working_folder_holding_something_else_stops_the_demo(packaged, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "cc_jupyter-demo"
    folder.mkdir()
    (folder / "thesis.tex").write_text("mine")
    with pytest.raises(SystemExit) as exit:
        demo_notebooks.prepare_working_folder(folder, packaged)
    assert "cc_jupyter-demo" in str(exit.value) and "holds no 01-quickstart.ipynb" in str(exit.value)
    assert "Move it away" in str(exit.value)
    assert _files(folder) == ["thesis.tex"]
    (folder / "thesis.tex").unlink()
    folder.rmdir()
    folder.write_text("a file, not a folder")
    with pytest.raises(SystemExit):
        demo_notebooks.prepare_working_folder(folder, packaged)
    assert folder.read_text() == "a file, not a folder"


def test_an_empty_working_folder_is_filled(packaged, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cc_jupyter-demo").mkdir()
    folder = demo_notebooks.prepare_working_folder(tmp_path / "cc_jupyter-demo", packaged)
    assert "01-quickstart.ipynb" in _files(folder)


def test_quickstart_of_a_clone_is_used_in_place(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-quickstart.ipynb").write_text("clone")
    assert demo_notebooks.find_quickstart(tmp_path) == tmp_path / "notebooks" / "01-quickstart.ipynb"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks"]


def test_elsewhere_the_installed_notebooks_are_copied_to_the_working_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    notebook = demo_notebooks.find_quickstart(tmp_path)
    assert notebook == tmp_path / "cc_jupyter-demo" / "01-quickstart.ipynb"
    shipped = ROOT / "notebooks"
    expected = sorted([p.name for p in shipped.glob("*.ipynb")]
                      + [p.relative_to(shipped).as_posix() for p in (shipped / ".cloudcode").rglob("*") if p.is_file()])
    assert _files(tmp_path / "cc_jupyter-demo") == expected
    assert notebook.read_bytes() == (shipped / "01-quickstart.ipynb").read_bytes()
    capsys.readouterr()
    assert demo_notebooks.find_quickstart(tmp_path) == notebook  # the second time, reused
    assert "Using the demo notebooks in" in capsys.readouterr().out


def test_demo_runs_a_given_notebook_in_place_and_copies_nothing(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(cli, "run_headless", lambda notebook: ran.append(notebook) or 0)
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.ipynb"
    mine.write_text("{}")
    assert cli.main(["demo", "--headless", "--notebook", str(mine)]) == 0
    assert ran == [mine] and sorted(p.name for p in tmp_path.iterdir()) == ["mine.ipynb"]


def test_demo_outside_a_clone_runs_the_copy_in_the_working_folder(tmp_path, monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(cli, "run_headless", lambda notebook: ran.append(notebook) or 0)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "--headless"]) == 0
    assert ran == [tmp_path / "cc_jupyter-demo" / "01-quickstart.ipynb"] and ran[0].is_file()
    assert "Copied the demo notebooks and their recordings to" in capsys.readouterr().out
