"""Re-execute the notebooks in demo mode, record their runs, and save them in one clean state.

Usage: python scripts/execute_notebooks.py [notebooks/NAME.ipynb ...]

Clean means: outputs from a fresh kernel against the simulator, execution counts in order,
no widget state, no secrets (the environment's keys are removed before the kernel starts).
The runs are recorded afresh in notebooks/.cloudcode/runs, so that *Run All* (on Binder, or
after a restart) replays them; the simulator behaves as notebooks/.cloudcode/simulator-rules.json
says for their prompts, which read like real prompts. The checked cells (NBVAL_CHECK_OUTPUT) are
what nbval compares in the tests, against the replays.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from cc_jupyter.magics.demo import simulator_rules
from cc_jupyter.settings import DEFAULT_RECORD_DIR, SECRET_ENVIRONMENT_VARIABLES
from cc_jupyter.simulator import Simulator

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
    for name in (*SECRET_ENVIRONMENT_VARIABLES, "CLOUDCODE_API_URL", "CLOUDCODE_REPO", "CLOUDCODE_RECORD_DIR"):
        os.environ.pop(name, None)
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not sys.argv[1:]:
        shutil.rmtree(NOTEBOOKS / DEFAULT_RECORD_DIR, ignore_errors=True)  # every recording made anew
    with Simulator(host="127.0.0.1", port=0, quiet=True, rules=simulator_rules(NOTEBOOKS)) as simulator:
        os.environ.update(CLOUDCODE_DEMO="1", CLOUDCODE_DEMO_URL=simulator.url, CLOUDCODE_REPLAY="never")
        for path in paths:
            execute(path)


if __name__ == "__main__":
    main()
