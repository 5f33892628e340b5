"""The demo from a built wheel: ``pip install "cc_jupyter[demo]"``, then ``python -m cc_jupyter demo``
in an empty directory. The notebooks of ``notebooks/`` ship in the wheel as ``cc_jupyter/notebooks``
(pyproject.toml maps that package onto the folder), with their recordings and simulator rules.

The slow tests build the sdist and, from it, the wheel (no build isolation: setuptools comes from
this environment, so nothing is downloaded), install the wheel into a new venv that sees this
environment's packages (``--system-site-packages``, ``--no-deps``), and run the demo there.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# Not part of a fresh clone: caches, build output, an editable install's metadata.
JUNK = {".git", "build", "dist", "artifacts", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
        ".hypothesis", ".benchmarks", ".ipynb_checkpoints"}


def shipped_notebook_files() -> list[str]:
    """What the demo needs from notebooks/: the notebooks, their recordings and the simulator rules."""
    files = [*NOTEBOOKS.glob("*.ipynb"), *(p for p in (NOTEBOOKS / ".cloudcode").rglob("*") if p.is_file())]
    return sorted(p.relative_to(NOTEBOOKS).as_posix() for p in files)


def test_every_package_and_every_demo_file_is_in_the_wheel_configuration():
    from setuptools.config.pyprojecttoml import read_configuration  # reads TOML on Python 3.10 too

    setuptools = read_configuration(ROOT / "pyproject.toml", expand=False)["tool"]["setuptools"]
    found = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in [ROOT / "cc_jupyter", *(ROOT / "cc_jupyter").rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
    }
    assert set(setuptools["packages"]) == found | {"cc_jupyter.notebooks"}, "list new packages in pyproject.toml"
    assert setuptools["package-dir"] == {"cc_jupyter.notebooks": "notebooks"}
    globs = setuptools["package-data"]["cc_jupyter.notebooks"]
    missed = [name for name in shipped_notebook_files() if not any(fnmatch.fnmatchcase(name, g) for g in globs)]
    assert not missed, f"add them to [tool.setuptools.package-data] in pyproject.toml: {missed}"
    assert "01-quickstart.ipynb" in shipped_notebook_files()
    assert any(name.startswith(".cloudcode/runs/") for name in shipped_notebook_files())


# -- slow: build, install, run ------------------------------------------------------------------


def _junk(folder: str, names: list[str]) -> set[str]:
    ignored = {n for n in names if n in JUNK or n.endswith(".egg-info") or n.startswith(".venv")}
    if Path(folder) == ROOT:
        ignored.add(".cloudcode")  # recordings of runs started at the root (git-ignored); notebooks/ keeps its own
    return ignored


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel built from it, from a copy of the source tree without build output
    (a stale build/ would leak into the wheel)."""
    if int(version("setuptools").split(".")[0]) < 77:
        pytest.fail("building the wheel needs setuptools>=77 here: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("build")
    source, dist = work / "source", work / "dist"
    shutil.copytree(ROOT, source, ignore=_junk)
    sdist = subprocess.run(
        [sys.executable, "-c", "import sys, setuptools.build_meta as b; print(b.build_sdist(sys.argv[1]))", str(dist)],
        cwd=source, capture_output=True, text=True, timeout=300,
    )
    assert sdist.returncode == 0, sdist.stderr[-3000:]
    sdist_path = dist / sdist.stdout.strip().splitlines()[-1]
    wheel = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist),
         str(sdist_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert wheel.returncode == 0, wheel.stdout[-3000:] + wheel.stderr[-3000:]
    (wheel_path,) = dist.glob("*.whl")
    return {"sdist": sdist_path, "wheel": wheel_path}


def _clean_environment() -> dict[str, str]:
    """What a user's shell would have: no test simulator, replay policy or source tree on the path;
    a key that demo mode must not use; no user site-packages that could shadow the venv's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CLOUDCODE_") and k not in ("PYTHONPATH", "GITHUB_TOKEN", "GH_TOKEN", "BROWSER")}
    env.update(CLOUDCODE_API_KEY="must-not-be-used-0000", DISPLAY="", WAYLAND_DISPLAY="", PYTHONNOUSERSITE="1")
    return env


@pytest.fixture(scope="module")
def venv_python(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the wheel installed; its dependencies come from this environment."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
                   check=True, timeout=120)
    python = venv / "bin" / "python"
    # This environment's pip, run by the venv's python, installs into the venv. --ignore-installed:
    # the editable install of this checkout is visible through the system site-packages.
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", str(built["wheel"])],
        capture_output=True, text=True, timeout=300, env=_clean_environment(),
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    return python


@pytest.mark.slow
def test_the_wheel_holds_the_notebooks_their_recordings_and_the_license(built):
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    for name in shipped_notebook_files():
        assert f"cc_jupyter/notebooks/{name}" in names
    assert "cc_jupyter/py.typed" in names
    licenses = [n for n in names if re.fullmatch(r"cc_jupyter-[^/]+\.dist-info/licenses/LICENSE", n)]
    assert licenses, sorted(n for n in names if ".dist-info/" in n)
    for init in (ROOT / "cc_jupyter").rglob("__init__.py"):
        assert init.relative_to(ROOT).as_posix() in names
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "build/"))]


@pytest.mark.slow
def test_the_sdist_holds_the_license_and_the_notebooks(built):
    with tarfile.open(built["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert "LICENSE" in names and "pyproject.toml" in names
    for name in shipped_notebook_files():
        assert f"notebooks/{name}" in names


@pytest.mark.slow
def test_the_venv_imports_the_wheel_not_this_checkout(venv_python, tmp_path):
    done = subprocess.run(
        [str(venv_python), "-c", "import cc_jupyter, jupyter_client.kernelspec as k; print(cc_jupyter.__file__); "
         "print(k.KernelSpecManager().get_kernel_spec('python3').argv[0])"],
        cwd=tmp_path, capture_output=True, text=True, check=True, env=_clean_environment(),
    )
    package, kernel_python = done.stdout.splitlines()[-2:]
    venv = venv_python.parent.parent
    assert Path(package).is_relative_to(venv / "lib"), package
    assert not Path(package).is_relative_to(ROOT), package
    assert Path(kernel_python) == venv_python  # the demo's kernel imports the wheel too


@pytest.mark.slow
def test_demo_from_the_wheel_in_an_empty_directory_copies_the_notebooks_and_runs_the_quickstart(venv_python, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([str(venv_python), "-m", "cc_jupyter", "demo", "--headless"], cwd=empty,
                          capture_output=True, text=True, timeout=300, env=_clean_environment())
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    working = empty / "cc_jupyter-demo"
    assert out.startswith(f"Copied the demo notebooks and their recordings to .{os.sep}cc_jupyter-demo{os.sep}\n")
    assert "Running 01-quickstart.ipynb against the local simulator" in out
    assert "demo mode on" in out and "completed completed" in out and "same thread: True" in out
    # The copied recordings were found: the quickstart replays them, nothing is sent.
    assert re.search(r"· replay\b[^\n]*\brecorded \d{4}-\d\d-\d\d", out), out[:3000]
    assert "must-not-be-used" not in out
    assert f".{os.sep}cc_jupyter-demo{os.sep}" in out.split("Next:", 1)[1]
    assert os.listdir(empty) == ["cc_jupyter-demo"]
    copied = sorted(p.relative_to(working).as_posix() for p in working.rglob("*") if p.is_file())
    assert set(shipped_notebook_files()) <= set(copied)
    for name in shipped_notebook_files():
        assert (working / name).read_bytes() == (NOTEBOOKS / name).read_bytes(), name
