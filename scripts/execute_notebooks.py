"""Re-execute the notebooks in demo mode and save them in one clean state.

Usage: python scripts/execute_notebooks.py [notebooks/NAME.ipynb ...]

Clean means: outputs from a fresh kernel against the simulator, execution counts in order,
no widget state, no secrets (the environment's keys are removed before the kernel starts).
The checked cells (NBVAL_CHECK_OUTPUT) are what nbval compares in the tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"executed {path.name}")


def main() -> None:
    for name in ("CLOUDCODE_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "CLOUDCODE_API_URL", "CLOUDCODE_REPO"):
        os.environ.pop(name, None)
    os.environ["CLOUDCODE_DEMO"] = "1"
    paths = [Path(p) for p in sys.argv[1:]] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        execute(path)


if __name__ == "__main__":
    main()
