"""What stays behind: terminal IPython text, an executed notebook, its nbconvert HTML."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import API_KEY, GITHUB_TOKEN

REPO = "https://github.com/octo/saved"


def env_for(simulator, recordings) -> dict[str, str]:
    return {**os.environ, "CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY,
            "GITHUB_TOKEN": GITHUB_TOKEN, "CLOUDCODE_REPO": REPO, "CLOUDCODE_REPLAY": "never",
            "CLOUDCODE_RECORD_DIR": str(recordings), "CLOUDCODE_GITHUB_API_URL": simulator.url + "/github"}


def test_terminal_ipython_prints_text(simulator, tmp_path):
    code = (
        'get_ipython().run_line_magic("load_ext", "cc_jupyter")\n'
        'get_ipython().run_cell_magic("cloudcode", "-p -o run", "## unit-tests\\nAdd tests\\n## docs\\nWrite docs\\n")\n'
        'print("RESULT", run.status, sorted(run.tasks))\n'
        'get_ipython().run_cell_magic("cloudcode", "", "one task\\nsim: leak\\n")\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--quick", "--colors=NoColor", "--no-term-title", "-c", code],
        env=env_for(simulator, tmp_path), capture_output=True, text=True, timeout=120,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "[unit-tests] " in out and "[docs] " in out  # parallel: task-prefixed lines
    assert "RESULT completed ['docs', 'unit-tests']" in out
    single = out.split("RESULT", 1)[1]
    assert "\n▶ Bash: " in single and "[main]" not in single  # one task: plain lines
    assert "completed" in single and "summary:" in single
    assert "\x1b[" not in out and '{"type":' not in out  # no raw escapes, no raw stream-json
    assert GITHUB_TOKEN not in out + done.stderr and API_KEY not in out + done.stderr


@pytest.fixture(scope="module")
def executed(simulator, tmp_path_factory):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext cc_jupyter"),
        nbformat.v4.new_code_cell("%%cloudcode -p -o run\n## unit-tests\nAdd tests\n## docs\nWrite docs <b>now</b>"),
        nbformat.v4.new_code_cell("%%cloudcode\nFollow-up that echoes a token\nsim: leak"),
        nbformat.v4.new_code_cell("print(run.status, run.thread_id)"),
        nbformat.v4.new_code_cell("%%cloudcode --no-wait -o bg\nIn the background\nsim: lines=5 interval=0.05"),
        nbformat.v4.new_code_cell("import time\nwhile bg.status == 'running':\n    time.sleep(0.1)"),
        nbformat.v4.new_code_cell("print(bg.status)"),
        nbformat.v4.new_code_cell("%%cloudcode --new -o pushed\nAdd a function that sums numbers.\nsim: commits=2"),
        nbformat.v4.new_code_cell("%cloudcode diff"),
    ]
    folder = tmp_path_factory.mktemp("nb")
    with pytest.MonkeyPatch.context() as patch:  # the kernel inherits this process's environment
        for name, value in env_for(simulator, folder / "recordings").items():
            if name.startswith(("CLOUDCODE_", "GITHUB_")):
                patch.setenv(name, value)
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "executed.ipynb"
    nbformat.write(nb, path)
    return path


def test_saved_notebook_holds_transcripts_not_widgets_and_no_secrets(executed):
    text = executed.read_text()
    nb = json.loads(text)
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" not in mimes
    htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    htmls = ["".join(h) if isinstance(h, list) else h for h in htmls]
    assert len(htmls) == 5 and "unit-tests" in htmls[0] and "docs" in htmls[0]
    pushed, diff = htmls[3], htmls[4]
    assert "2 commits pushed to main" in pushed and "/compare/" in pushed and pushed.count("/commit/") >= 2
    assert "<details" in diff and "def sums(" in diff  # the agent named it after the prompt
    assert "completed" in htmls[2] and "In the background" in htmls[2]  # the --no-wait run's transcript
    assert "Write docs &lt;b&gt;now&lt;/b&gt;" in htmls[0] and "<b>now</b>" not in htmls[0]
    assert "completed" in htmls[1] and "****" in htmls[1]
    assert GITHUB_TOKEN not in text and API_KEY not in text and "ghp_" not in text
    # nbclient records the state of every widget model it saw, closed or not: the live view
    # empties its widgets before closing them, so what remains is small and holds no output
    state = json.dumps(nb["metadata"].get("widgets", {}))
    assert "pytest -q" not in state and len(state) < 60_000


def test_nbconvert_html_shows_the_transcript(executed, tmp_path):
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(executed), "--output-dir", str(tmp_path)],
        check=True, capture_output=True, timeout=120,
    )
    html = (tmp_path / "executed.html").read_text()
    assert "unit-tests" in html and "commit/" in html and "completed" in html
    assert "widget model not found" not in html.lower() and "Loading widget" not in html
    assert GITHUB_TOKEN not in html and API_KEY not in html


NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_shipped_notebooks_are_saved_clean(path):
    text = path.read_text()
    nb = json.loads(text)
    assert "widgets" not in nb["metadata"], "saved widget state"
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), "not executed top to bottom in one kernel"
    mimes = {m for c in nb["cells"] for o in c.get("outputs", []) for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" not in mimes
    assert re.search(r"gh[pousr]_[A-Za-z0-9]{20}|github_pat_", text) is None
    assert "CLOUDCODE_API_KEY=" not in text and "%env" not in text
    htmls = ["".join(o["data"]["text/html"]) for c in nb["cells"] for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    transcripts = [html for html in htmls if "model sonnet" in html or "model haiku" in html]
    assert transcripts and all("simulator" in html for html in transcripts), "made against the simulator, not an account"
