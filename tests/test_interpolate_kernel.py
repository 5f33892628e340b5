"""Notebook context in a prompt, in a real kernel: the notebook's names and history, {Err} after a
failing cell that used a local package (with no home directory in it), the settings, a secret
refused before anything is sent, a mistyped name named in the dry run.
(What each kind of field gives, and text that must come out unchanged: tests/test_interpolate.py.)"""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel

REPO = "https://github.com/octo/context"


@pytest.fixture(scope="module")
def kernel(simulator):
    k = Kernel({"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                "CLOUDCODE_REPO": REPO})
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    yield k
    k.shutdown()


def sent(kernel: Kernel, cell: str, name: str = "main") -> str:
    """The prompt a cell sent (as the Run keeps it)."""
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.traceback + reply.stderr
    return kernel.value(f"_last.info.prompts[{name!r}]").rstrip("\n")  # a cell body ends with a newline


def dry_run_prompt(stdout: str) -> str:
    """The prompt in the request body a ``--dry-run`` printed (after ``POST …`` and its headers)."""
    body = stdout[stdout.index("\n\n", stdout.rindex("POST ")) :].strip()
    return str(json.loads(body)["messages"][0]["content"])


def test_names_attributes_items_conversions_and_cells(kernel):
    setup = textwrap.dedent("""
        import types
        table = 'sales'
        config = types.SimpleNamespace(path='data/sales.csv', rows=3)
        limits = {'low': 1, 'high': 9}
        columns = ['id', 'amount']
        word = 'quoted'
        40 + 2
    """)
    assert kernel.execute(setup).status == "ok"
    number = kernel.value("len(In) - 2")  # the setup cell (this one is the last)
    prompt = sent(kernel, "%%cloudcode -i --new -o _last\n"
                          f"Use {{table}} at {{config.path}} ({{config.rows}} rows), high {{limits[high]}}, "
                          f"first column {{columns[0]}}, {{word!r}} and {{word!s}}; cell: {{In[{number}]}} gave {{Out[{number}]}}")
    assert prompt.startswith("Use sales at data/sales.csv (3 rows), high 9, first column id, 'quoted' and quoted; cell: ")
    assert "40 + 2" in prompt and prompt.endswith(" gave 42")




def test_err_after_a_failing_cell_that_used_a_local_package(kernel, tmp_path):
    package = tmp_path / "localpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "loader.py").write_text(
        "def load(path):\n    raise ValueError('\\x1b[31mcolumn price is missing\\x1b[0m in ' + path)\n")
    kernel.execute(f"import sys; sys.path.insert(0, {str(tmp_path)!r})")
    failing = kernel.execute("from localpkg.loader import load\nload('data.csv')")
    assert failing.status == "error"
    number = kernel.value("len(In) - 2")  # the failing cell
    prompt = sent(kernel, "%%cloudcode -i --new -o _last\nFix this:\n{Err}")
    assert "ValueError: column price is missing in data.csv" in prompt
    assert "localpkg" in prompt and "loader.py" in prompt and "\x1b" not in prompt
    assert "ValueError" in sent(kernel, f"%%cloudcode -i --new -o _last\nAgain: {{Err[{number}]}}")


def test_the_interpolate_limit_setting_clips_long_values(kernel):
    kernel.execute("%config CloudCode.interpolate_limit = 100\nlong_text = 'x' * 5000")
    try:
        prompt = sent(kernel, "%%cloudcode -i --new -o _last\n{long_text}")
    finally:
        kernel.execute("%config CloudCode.interpolate_limit = 4000")
    assert prompt.count("x") >= 100 and "clipped: 4,900 more characters" in prompt and len(prompt) < 300


def test_a_value_holding_the_token_is_refused_naming_it(kernel, simulator):
    kernel.execute("import os\nsecret_here = 'token: ' + os.environ['GITHUB_TOKEN']")
    before = len(simulator.request_log())
    reply = kernel.execute("%%cloudcode -i --new\nUse {secret_here}")
    shown = reply.traceback + reply.stderr
    assert reply.status == "error" and "secret_here" in shown and "nothing was sent" in shown
    assert GITHUB_TOKEN not in json.dumps(reply.messages, default=str)
    assert len(simulator.request_log()) == before


def test_a_dry_run_of_parallel_tasks_shows_each_expanded_with_its_report(kernel):
    kernel.execute("area = 'billing'")
    reply = kernel.execute("%%cloudcode -i -p --dry-run\n## tests\nTest {area}\n## docs\nDocument {area}")
    assert reply.status == "ok", reply.traceback
    assert "{area} → str, 7 characters" in reply.stdout and "Test billing" in reply.stdout
    assert "Document billing" in reply.stdout


def test_the_interpolate_setting_expands_every_prompt_until_turned_off(kernel):
    kernel.execute("area = 'billing'")
    kernel.execute("%config CloudCode.interpolate = True")
    try:
        assert sent(kernel, "%%cloudcode --new -o _last\nAbout {area}") == "About billing"
    finally:
        kernel.execute("%config CloudCode.interpolate = False")
    assert sent(kernel, "%%cloudcode --new -o _last\nAbout {area}") == "About {area}"


def test_a_mistyped_name_is_left_as_written_and_the_dry_run_says_so(kernel):
    assert kernel.execute("df = [1, 2, 3]").status == "ok"
    reply = kernel.execute("%%cloudcode -i --dry-run\nThe rows: {df}. Plot {dff} by month.")
    assert reply.status == "ok", reply.traceback + reply.stderr
    assert "left as written: {dff} — no variable dff; did you mean df?" in reply.stdout
    assert dry_run_prompt(reply.stdout) == "The rows: [1, 2, 3]. Plot {dff} by month.\n"


def test_a_prompt_whose_only_field_is_mistyped_is_named_in_the_dry_run(kernel):
    assert kernel.execute("df = [1, 2, 3]").status == "ok"
    reply = kernel.execute("%%cloudcode -i --dry-run\nPlot {dff} by month.")
    assert reply.status == "ok", reply.traceback + reply.stderr
    assert dry_run_prompt(reply.stdout) == "Plot {dff} by month.\n"
    assert "left as written: {dff} — no variable dff; did you mean df?" in reply.stdout


def test_a_mistyped_field_is_named_above_the_run_and_sent_as_written(kernel, simulator):
    assert kernel.execute("df = [1, 2, 3]").status == "ok"
    reply = kernel.execute(f"%%cloudcode -r {REPO} -i --text -o typo\nPlot {{dff}} by month.")
    assert reply.status == "ok", reply.traceback + reply.stderr
    first_line = reply.stdout.splitlines()[0]
    assert first_line == "cloudcode: left as written: {dff} — no variable dff; did you mean df?"
    assert [p.rstrip("\n") for p in simulator.request_log()[-1]["prompts"]] == ["Plot {dff} by month."]


def test_err_sends_the_home_directory_as_a_tilde(kernel, tmp_path):
    home = kernel.value("__import__('os').path.expanduser('~')")
    if os.path.dirname(home.rstrip("/\\")) == home.rstrip("/\\"):
        pytest.skip("the kernel's home directory is the filesystem root")
    before = kernel.value("__import__('os').getcwd()")
    kernel.execute(f"import os; os.chdir({str(tmp_path)!r})")  # a working directory outside the home directory
    try:
        missing = os.path.join(home, "cc-jupyter-no-such-dir", "sales.csv")
        failing = kernel.execute(f"open({missing!r})")
        assert failing.status == "error" and home in failing.traceback  # IPython shows it; {Err} does not send it
        reply = kernel.execute("%%cloudcode -i --dry-run\nFix this:\n{Err}")
    finally:
        kernel.execute(f"os.chdir({before!r})")
    assert reply.status == "ok", reply.traceback + reply.stderr
    prompt = dry_run_prompt(reply.stdout)
    shortened = os.path.join("~", "cc-jupyter-no-such-dir", "sales.csv")
    assert f"No such file or directory: '{shortened}'" in prompt
    assert home + os.sep not in reply.stdout and home + os.sep not in prompt
