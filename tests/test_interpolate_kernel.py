"""Notebook context in a prompt, in a real kernel: every substitution kind, code and JSON sent
byte for byte, {Err} after a failing cell that used a local package, clipping, a secret refused."""

from __future__ import annotations

import json
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


def test_code_json_and_sets_are_sent_byte_for_byte(kernel):
    kernel.execute("value = 5; a = 'defined'")
    body = textwrap.dedent("""\
        Here is the code:
        def f(x):
            return {"key": [x, {1, 2}], 'nested': {"k": {"v": [1]}}}
        print(f"{value:>10}")  # f-string with a format spec
        data = {x for x in range(3)}; empty = {}
        shell: echo ${HOME}
        unknown: {no_such_name} and {also.missing}
    """)
    assert sent(kernel, "%%cloudcode -i --new -o _last\n" + body) == body.rstrip("\n")


def test_double_braces_write_a_brace_and_unknown_names_stay(kernel):
    kernel.execute("rows = 1000")
    prompt = sent(kernel, "%%cloudcode -i --new -o _last\nKeep f\"{{rows}}\" as is; {rows} rows; {not_defined}")
    assert prompt == 'Keep f"{rows}" as is; 1000 rows; {not_defined}'


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


def test_dataframes_are_summarised_and_long_values_clipped(kernel):
    kernel.execute("import pandas as pd\nframe = pd.DataFrame({'id': [1, 2, 3], 'amount': [9.5, 12.0, 3.25]})")
    prompt = sent(kernel, "%%cloudcode -i --new -o _last\nThe data: {frame}")
    assert "DataFrame 3 rows × 2 columns" in prompt and "amount" in prompt and "12.00" in prompt
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


def test_parallel_tasks_dry_run_and_the_kernel_wide_setting(kernel, simulator):
    kernel.execute("area = 'billing'")
    reply = kernel.execute("%%cloudcode -i -p --dry-run\n## tests\nTest {area}\n## docs\nDocument {area}")
    assert reply.status == "ok", reply.traceback
    assert "{area} → str, 7 characters" in reply.stdout and "Test billing" in reply.stdout
    assert "Document billing" in reply.stdout
    kernel.execute("%config CloudCode.interpolate = True")
    try:
        assert sent(kernel, "%%cloudcode --new -o _last\nAbout {area}") == "About billing"
    finally:
        kernel.execute("%config CloudCode.interpolate = False")
    assert sent(kernel, "%%cloudcode --new -o _last\nAbout {area}") == "About {area}"
