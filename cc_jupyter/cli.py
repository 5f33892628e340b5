"""``python -m cc_jupyter``: the demo (the quickstart against the simulator) and the simulator."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path

from .demo_notebooks import QUICKSTART_NAME, WORKING_FOLDER, find_quickstart, shown_folder
from .settings import SECRET_ENVIRONMENT_VARIABLES, has_display

DEMO_DESCRIPTION = f"""\
Run the quickstart notebook against the simulator bundled with cc_jupyter: no API key or
account is needed, and nothing leaves this machine (the simulator stands in for the Cloud
Coding API and GitHub on loopback, and the notebook replays its recordings).

Where a browser can open, this starts JupyterLab on the quickstart (--lab); where none can
(no display, over SSH, in CI), it runs the quickstart headless and prints its transcript
(--headless).

The notebooks: run from a clone of the repository, it uses notebooks/ in place. Anywhere
else, it copies the demo notebooks (quickstart, parallel tasks, teaching) with their
recordings into ./{WORKING_FOLDER}/ in the current directory and works there; when that
folder already holds the quickstart, it is reused as it is (your edits are kept), and when
it holds anything else, the demo stops and says so.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cc_jupyter",
        description="cc_jupyter drives the Cloud Coding API (a hosted coding agent) from Jupyter: "
        "%load_ext cc_jupyter, then a %%cloudcode cell. These commands try it without a key.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run the quickstart notebook against the local simulator (no key needed)",
        description=DEMO_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = demo.add_mutually_exclusive_group()
    mode.add_argument("--lab", action="store_true", help="open it in JupyterLab (the default where a browser can open)")
    mode.add_argument("--headless", action="store_true", help="run it here and print its transcript")
    demo.add_argument("--notebook", type=Path, help="the notebook to open or run, in place (default: the quickstart)")
    commands.add_parser(
        "simulator", help="serve the simulated API on loopback (options: python -m cc_jupyter simulator --help)",
        add_help=False,
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "simulator":
        from .simulator.__main__ import main as serve

        return serve(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.notebook is not None and not args.notebook.is_file():
        demo.error(f"--notebook {args.notebook}: no such file")
    notebook = args.notebook or find_quickstart()
    headless = args.headless or (not args.lab and not _can_open_browser())
    return run_headless(notebook) if headless else run_lab(notebook)


def next_steps(folder: Path) -> str:
    notebooks = f"  {shown_folder(folder):<36} the quickstart, parallel tasks, and a teaching notebook\n"
    return f"""\
Next:
  python -m cc_jupyter demo --lab      open the same notebook in JupyterLab and watch it live
{notebooks if (folder / QUICKSTART_NAME).is_file() else ""}\
  with a real account                  set CLOUDCODE_API_KEY and GITHUB_TOKEN (or %cloudcode login
                                       in a notebook); %cloudcode demo off leaves the simulator
"""


def use_demo_environment(environ: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Demo mode on, and no real key anywhere: demo mode never sends one."""
    environ["CLOUDCODE_DEMO"] = "1"
    for name in SECRET_ENVIRONMENT_VARIABLES:
        environ.pop(name, None)
    return environ


def run_lab(notebook: Path) -> int:
    command = [sys.executable, "-m", "jupyter", "lab", str(notebook.name)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    print(f"Starting JupyterLab in demo mode on {notebook} (Ctrl-C to stop)…", flush=True)
    return subprocess.call(command, cwd=notebook.parent, env=use_demo_environment(dict(os.environ)))


def run_headless(notebook: Path) -> int:
    import nbformat
    from nbclient import NotebookClient

    use_demo_environment(os.environ)  # the kernel inherits it
    nb = nbformat.read(notebook, as_version=4)
    print(f"Running {notebook.name} against the local simulator (headless)…\n", flush=True)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        print("\n".join(f">>> {line}" if i == 0 else f"... {line}" for i, line in enumerate(cell.source.splitlines())))
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                print(output.text, end="")
            elif "text/plain" in output.get("data", {}):
                print(output["data"]["text/plain"])
        print()
    print(next_steps(notebook.parent.absolute()))
    return 0


def _can_open_browser() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return has_display() and shutil.which("jupyter") is not None
