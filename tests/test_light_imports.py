"""`import cc_jupyter` and `%load_ext cc_jupyter` stay light: httpx and ipywidgets load on use."""

from __future__ import annotations

import subprocess
import sys

CHECK = (
    "import sys\n"
    "{setup}\n"
    "heavy = [m for m in ('httpx', 'httpx_sse', 'ipywidgets', 'cc_jupyter.simulator') if m in sys.modules]\n"
    "print('HEAVY', heavy)\n"
)


def imported_after(setup: str) -> str:
    done = subprocess.run([sys.executable, "-c", CHECK.format(setup=setup)], capture_output=True, text=True, check=True)
    return done.stdout.split("HEAVY ", 1)[1].strip()  # older IPythons print a terminal title first


def test_import_loads_no_heavy_module():
    assert imported_after("import cc_jupyter") == "[]"


def test_load_ext_loads_no_heavy_module():
    setup = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'cc_jupyter')"
    )
    assert imported_after(setup) == "[]"


def test_every_public_name_resolves():
    check = "import cc_jupyter\nprint([n for n in cc_jupyter.__all__ if getattr(cc_jupyter, n, None) is None])"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]"), done.stdout
