"""The demo's notebooks: a clone's ``notebooks/`` in place, or the packaged ones copied to a
working folder in the current directory (never over the user's edits, never half-copied)."""

from __future__ import annotations

import os
import shutil
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

QUICKSTART_NAME = "01-quickstart.ipynb"
QUICKSTART = Path("notebooks") / QUICKSTART_NAME  # in a clone of the repository
WORKING_FOLDER = "cc_jupyter-demo"  # anywhere else, the packaged notebooks are copied here, in the current directory
RECORDINGS = ".cloudcode"  # the notebooks' recordings and simulator rules, copied with them


def find_quickstart(cwd: Path | None = None) -> Path:
    """The quickstart of a clone in ``cwd``, else the packaged one, copied into ``cwd/cc_jupyter-demo``."""
    here = Path.cwd() if cwd is None else cwd
    if (here / QUICKSTART).is_file():
        return here / QUICKSTART
    return prepare_working_folder(here / WORKING_FOLDER, packaged_notebooks()) / QUICKSTART_NAME


def packaged_notebooks() -> Traversable:
    """The demo notebooks installed with the package (``cc_jupyter/notebooks`` in the wheel); an
    editable install has them in the source tree's ``notebooks/`` instead."""
    packaged = resources.files("cc_jupyter").joinpath("notebooks")
    if packaged.joinpath(QUICKSTART_NAME).is_file():
        return packaged
    source = Path(__file__).resolve().parent.parent / "notebooks"
    if (source / QUICKSTART_NAME).is_file():
        return source
    raise SystemExit(
        f"The demo notebooks are missing from this installation of cc_jupyter ({QUICKSTART_NAME} not found): "
        "reinstall it with pip install 'cc_jupyter[demo]', or pass --notebook PATH."
    )


def prepare_working_folder(folder: Path, source: Traversable) -> Path:
    """``folder`` with the demo notebooks and their recordings: copied from ``source`` when it does not
    exist yet (or is empty), reused untouched when it already holds the quickstart; refused otherwise."""
    if (folder / QUICKSTART_NAME).is_file():
        print(f"Using the demo notebooks in {shown_folder(folder)} (copied there before; your edits are kept).", flush=True)
        return folder
    if folder.is_symlink() or (folder.exists() and (not folder.is_dir() or any(folder.iterdir()))):
        raise SystemExit(
            f"{shown_folder(folder)} already exists and holds no {QUICKSTART_NAME}, so the demo notebooks were not "
            "copied there. Move it away or run the demo from another directory "
            "(or pass --notebook PATH to run a notebook in place)."
        )
    partial = folder.with_name(f".{folder.name}.partial")  # renamed once whole: never a half-copied folder
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir()
        for item in source.iterdir():
            if item.is_file() and item.name.endswith(".ipynb"):
                (partial / item.name).write_bytes(item.read_bytes())
        recordings = source.joinpath(RECORDINGS)
        if recordings.is_dir():
            _copy_tree(recordings, partial / RECORDINGS)
        if folder.is_dir():
            folder.rmdir()  # it was empty
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    print(f"Copied the demo notebooks and their recordings to {shown_folder(folder)}", flush=True)
    return folder


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir()
    for item in source.iterdir():
        if item.is_dir():
            if item.name != "__pycache__":
                _copy_tree(item, target / item.name)
        elif item.is_file():
            (target / item.name).write_bytes(item.read_bytes())


def shown_folder(folder: Path) -> str:
    """``./name/`` for a folder in the current directory, else its full path."""
    try:
        relative = folder.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return f"{folder}{os.sep}"
    return f".{os.sep}{relative}{os.sep}"
