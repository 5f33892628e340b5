"""Opt-in ``{field}`` expansion of prompts, and the error log behind ``{Err}``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from cc_jupyter.magics.errors_log import ErrorLog, RecordedError
from cc_jupyter.magics.interpolate import (
    UNKNOWN_NAMED,
    Expansion,
    InterpolationError,
    Substitution,
    Unknown,
    interpolate,
    render_report,
)
from cc_jupyter.magics.paths import PathRoots, shorten_paths
from cc_jupyter.secrets import SecretMasker

API_KEY = "cc-test-key-" + "9f3c" * 6
TOKEN = "ghp_" + "T3stT0ken" * 4  # an obviously fake GitHub token, built at run time



MASKER = SecretMasker([API_KEY, TOKEN])


class Thing:
    """Attributes, a property and a method that must never be called."""

    def __init__(self) -> None:
        self.name = "thing"
        self.items = {"first": [10, 20, 30], "7": "string key", 7: "int key"}
        self._private = "hidden"
        self.called = False

    @property
    def size(self) -> int:
        return 3

    def method(self) -> str:
        self.called = True
        return "called!"


def expand(template: str, **namespace):
    return interpolate(template, namespace, masker=MASKER)


# ----- each kind of substitution -----
def test_names_attributes_items_and_conversions():
    thing = Thing()
    ns = {"n": 42, "who": "Ada", "thing": thing, "rows": [1, 2, 3]}
    e = interpolate(
        "{n} {who} {who!r} {who!s} {n!s} {n!r} {thing.name} {thing.size} {thing.items[first][2]} "
        "{thing.items[7]} {rows[0]} {thing.method}",
        ns,
    )
    assert e.text.startswith("42 Ada 'Ada' Ada 42 42 thing 3 30 int key 1 <bound method Thing.method")
    assert not thing.called, "nothing is ever called"
    kinds = [(s.field, s.kind) for s in e.substitutions]
    assert kinds[:6] == [("n", "repr(int)"), ("who", "str"), ("who!r", "repr(str)"), ("who!s", "str(str)"),
                         ("n!s", "str(int)"), ("n!r", "repr(int)")]
    assert ("thing.size", "repr(int)") in kinds


def test_all_digit_keys_are_ints_others_strings_as_in_str_format():
    ns = {"d": {7: "int", "7a": "str", "x y": "spaced"}}
    assert expand("{d[7]} {d[7a]} {d[x y]}", **ns).text == "int str spaced"
    assert "{d[7]}".format(**ns) == "int"  # the same rule as str.format


def test_in_and_out_are_ipython_history():
    ns = {"In": ["", "x = 1", "x + 1"], "Out": {2: 2}}
    e = interpolate("Cell 2 was:\n{In[2]}\nand gave {Out[2]}.", ns)
    assert e.text == "Cell 2 was:\nx + 1\nand gave 2."


def test_err_is_the_latest_error_and_err_n_the_error_of_cell_n():
    log = ErrorLog()
    log.record(ValueError("bad value"), cell=3)
    log.record(KeyError("price"), cell=5)
    e = interpolate("{Err}|{Err[3]}|{Err[3].type}|{Err.message}|{Err[3].cell}", {}, errors=log)
    latest, third, kind, message, cell = e.text.split("|")
    assert latest.startswith("Cell In[5] raised KeyError: 'price'")
    assert third.startswith("Cell In[3] raised ValueError: bad value") and third.endswith("ValueError: bad value")
    assert (kind, message, cell) == ("ValueError", "'price'", "3")
    assert e.substitutions[0].kind == "error"


def test_values_are_inserted_as_is_never_expanded_again():
    assert expand("{a}", a="{b} {{c}}", b="no").text == "{b} {{c}}"


# ----- text that must not change -----
CODE_AND_DATA = r'''Fix this code:

```python
def f(): return {}
config = {"a": 1, "b": {"c": [1, 2]}}
squares = {x for x in y}
pairs = {k: v for k, v in d.items()}
small = {1, 2}
print(f"{value:>10} {value!a} { value } {value:}")
template = "{0} {} {value.} {value.0} {value[]}"
```

```json
{"k": {"v": [1]}, "list": [{"a": {"b": null}}]}
```

```bash
echo "${HOME} ${value} ${{ github.ref }} ${{value}}"
```

```c
if (a) { if (b) { run(); }}
```

Jinja: {{ value }} {% if value %}, LaTeX: $\frac{a}{b}$, and {unknown}, {unknown.attr}, {{unknown}}, }} {{ }}.
'''


def test_code_json_set_literals_shell_and_latex_come_out_byte_identical():
    ns = {"x": 1, "y": [2], "k": 3, "v": 4, "d": {}, "value": 5, "HOME": "/home/me", "f": print, "github": 6}
    e = interpolate(CODE_AND_DATA, ns, masker=MASKER)
    assert e.text == CODE_AND_DATA
    assert e.substitutions == () and e.escapes == ()
    # Only what reads as a field of a missing variable is named (LaTeX's \frac{a}{b} does).
    assert [(u.field, u.name) for u in e.unknown] == [("a", "a"), ("b", "b"), ("unknown", "unknown"),
                                                      ("unknown.attr", "unknown")]
    assert e.report().splitlines() == [
        "interpolation: no fields to expand; the prompt is sent as written",
        "  left as written: {a} — no variable a.",
        "  left as written: {b} — no variable b.",
        "  left as written: {unknown} — no variable unknown.",
        "  left as written: {unknown.attr} — no variable unknown.",
    ]


def test_unknown_names_are_left_as_written():
    assert expand("{nope} {nope.x} {nope[0]} {nope!r}", known=1).text == "{nope} {nope.x} {nope[0]} {nope!r}"


def test_double_braces_around_a_field_write_it_literally():
    e = expand("{{df}} is {df}; {{df.shape}}; {{nope}} and }} and {{ stay", df="frame")
    assert e.text == "{df} is frame; {df.shape}; {{nope}} and }} and {{ stay"
    assert e.escapes == ("df", "df.shape")
    assert "{{df}} → written as {df}" in e.report()
    # three braces: the first pair is text (it escapes no field), the inner {df} is a field
    assert expand("{{{df}}}", df="frame").text == "{{frame}}"


# ----- fields naming no variable: left as written, and named -----
def test_a_field_naming_no_variable_is_left_as_written_and_named_with_the_nearest_variable():
    template = "Look at {dff} and {monthly_total}; {frobnicate}, {dff.shape}, {dff[0]!r}, {df} and {dff} again"
    e = expand(template, df="frame", monthly_totals=[1, 2])
    assert e.text == template.replace("{df}", "frame")
    assert e.unknown == (
        Unknown("dff", "dff", "df"), Unknown("monthly_total", "monthly_total", "monthly_totals"),
        Unknown("frobnicate", "frobnicate", None), Unknown("dff.shape", "dff", "df"), Unknown("dff[0]!r", "dff", "df"),
    )  # each distinct field once, in order
    assert e.notice_lines() == (
        "left as written: {dff} — no variable dff; did you mean df?",
        "left as written: {monthly_total} — no variable monthly_total; did you mean monthly_totals?",
        "left as written: {frobnicate} — no variable frobnicate.",
        "left as written: {dff.shape} — no variable dff; did you mean df?",
        "left as written: {dff[0]!r} — no variable dff; did you mean df?",
    )
    assert e.notice() == "\n".join(e.notice_lines())
    assert e.report().splitlines() == [
        "interpolation: 1 field expanded",
        "  {df} → str, 5 characters",
        *(f"  {line}" for line in e.notice_lines()),
    ]
    assert expand("{df}", df=1).notice() == "" and expand("{df}", df=1).notice_lines() == ()


def test_code_json_shell_and_escaped_braces_are_not_named():
    template = ('{} {x for x in y} {k: v for k, v in d.items()} {value:>10} {value!a} { value } {"k": {"v": 1}} '
                "${HOME} ${nope} ${{ github.ref }} ${{nope}} {{nope}} {{nope.attr}} {{ nope }} {{nope} {0} {nope.} "
                "{nope[]} {% if x %}")
    e = interpolate(template, {"df": 1}, masker=MASKER)
    assert e.text == template and e.unknown == () and e.more_unknown == 0 and e.notice() == ""
    # Three braces: the first pair is text, the field inside them is one (expanded when it names a variable).
    assert [u.field for u in expand("{{{dff}}}", df=1).unknown] == ["dff"]


def test_suggestions_are_the_users_variables():
    class Model:
        def __call__(self) -> None: ...

    import json as jsonlib

    ns = {
        "df": 1, "_dfx": 2, "In": [""], "Out": {}, "get_ipython": print, "exit": object(), "quit": object(),
        "jsonlib": jsonlib, "loader": lambda: None, "Frame": dict, "printer": print, "model": Model(),
        "Sales": 3, "x" * 200: 4, "bad key": 5, 7: 6,
    }

    def suggestions(template: str) -> dict[str, str | None]:
        return {u.name: u.suggestion for u in interpolate(template, ns).unknown}

    # Not private names, IPython's own, modules, functions, methods or classes ...
    assert suggestions("{dfx} {_dfx2} {Ins} {Oot} {get_ipythn} {exits} {quits} {jsonlb} {loadr} {frame}") == {
        "dfx": "df", "_dfx2": None, "Ins": None, "Oot": None, "get_ipythn": None, "exits": None,
        "quits": None, "jsonlb": None, "loadr": None, "frame": None,
    }
    # ... but an object that can be called is a variable; the same letters in another case come first.
    assert suggestions("{printr} {modle} {sales} {DF} {err} {IN} {xxxxx} {bad_key}") == {
        "printr": None, "modle": "model", "sales": "Sales", "DF": "df", "err": "Err", "IN": "In",
        "xxxxx": None, "bad_key": None,
    }


def test_notices_are_bounded_clipped_and_free_of_escapes():
    names = [f"missing_{i}" for i in range(25)]
    e = interpolate(" ".join(f"{{{name}}} {{{name}}}" for name in names), {"missing": 1})
    assert [u.name for u in e.unknown] == names[:UNKNOWN_NAMED] and e.more_unknown == 15
    assert e.notice_lines()[-1] == "and 15 more placeholders left as written (no such variables)."
    assert len(e.notice_lines()) == UNKNOWN_NAMED + 1 and "and 15 more" in e.report()
    assert Expansion("", more_unknown=1).notice() == "and 1 more placeholder left as written (no such variable)."
    long = "n" * 5_000
    (sentence,) = interpolate(f"{{{long}[k]}}", {}).notice_lines()
    assert len(sentence) < 250 and "more characters" in sentence
    hostile = interpolate("{nope[\x1b(Bred\x07\u202e]}", {}).notice()
    assert hostile == "left as written: {nope[red]} — no variable nope." and "\x1b" not in hostile


def test_a_huge_namespace_of_look_alike_names_costs_a_bounded_number_of_comparisons(monkeypatch):
    import difflib

    ns: dict[str, object] = {f"var_{i}": i for i in range(100_000)}
    ns["monthly_totals"] = 1  # the most recent
    calls = []
    ratio = difflib.SequenceMatcher.ratio
    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", lambda self: calls.append(1) or ratio(self))
    e = interpolate("{monthly_total} " + " ".join(f"{{var_x{i}}}" for i in range(50)), ns)
    assert e.unknown[0].suggestion == "monthly_totals" and len(e.unknown) == UNKNOWN_NAMED
    assert len(calls) <= 1_000
    # A variable defined before thousands of functions (from numpy import *, say) is still found.
    ns = {"df": 1, **{f"function_{i}": print for i in range(5_000)}}
    assert interpolate("{dff}", ns).unknown == (Unknown("dff", "dff", "df"),)


# ----- refusals -----
@pytest.mark.parametrize(
    "template, words",
    [
        ("{rows[9]}", ["{rows[9]}", "IndexError"]),
        ("{table[missing]}", ["{table[missing]}", "KeyError"]),
        ("{thing.nosuch}", ["{thing.nosuch}", "no attribute 'nosuch'"]),
        ("{rows[first]}", ["{rows[first]}", "TypeError"]),
        ("{In[99]}", ["{In[99]}", "no cell 99", "the last is 2"]),
        ("{Out[1]}", ["{Out[1]}", "cell 1 has no output", "cells with output: 2"]),
        ("{Err[5]}", ["{Err[5]}", "cell 5 raised no recorded error", "recorded: 3"]),
    ],
)
def test_a_failed_lookup_refuses_the_prompt_naming_the_field(template, words):
    log = ErrorLog()
    log.record(ValueError("boom"), cell=3)
    ns = {"rows": [1], "table": {}, "thing": Thing(), "In": ["", "a", "b"], "Out": {2: "b"}}
    with pytest.raises(UsageError) as info:
        interpolate(f"before {template} after", ns, errors=log)
    message = str(info.value)
    for word in words:
        assert word in message
    assert "nothing was sent" in message and message.count("\n") == 0
    assert isinstance(info.value, InterpolationError) and info.value.field == template[1:-1]


def test_err_without_errors_is_refused():
    with pytest.raises(UsageError, match=r"\{Err\}.*no cell has raised an error yet"):
        interpolate("{Err}", {}, errors=ErrorLog())
    with pytest.raises(UsageError, match=r"\{Err\}.*not recorded"):
        interpolate("{Err}", {}, errors=None)


@pytest.mark.parametrize("field", ["thing.__class__.__init__.__globals__", "thing._private", "thing.items.__len__"])
def test_attributes_starting_with_underscore_are_refused(field):
    with pytest.raises(UsageError, match=re.escape("{" + field + "}") + '.*starting with "_"'):
        expand("{" + field + "}", thing=Thing())


def test_a_value_holding_a_token_or_the_key_is_refused_naming_it():
    for template, ns in [
        ("{token}", {"token": TOKEN}),
        ("{config[github]}", {"config": {"github": "pat is " + TOKEN}}),
        ("{settings}", {"settings": {"api_key": API_KEY}}),
        ("{long}", {"long": "x" * 10_000 + TOKEN}),  # even past the clip limit
    ]:
        with pytest.raises(UsageError) as info:
            interpolate(f"use {template}", ns, masker=MASKER)
        assert template in str(info.value) and "secret" in str(info.value)
        assert TOKEN not in str(info.value) and API_KEY not in str(info.value)


def test_a_lookup_error_quoting_a_secret_does_not_show_it():
    class Leaky:
        @property
        def remote(self) -> str:
            raise RuntimeError(f"cannot reach https://x:{TOKEN}@github.com")

    with pytest.raises(UsageError) as info:
        expand("{repo.remote}", repo=Leaky())
    assert "{repo.remote}" in str(info.value) and TOKEN not in str(info.value)


# ----- values as text -----
def test_values_are_clipped_with_a_note():
    e = interpolate("<{log}>", {"log": "a" * 10_345}, limit=4000)
    assert e.text == "<" + "a" * 4000 + "… [clipped: 6,345 more characters]>"
    (s,) = e.substitutions
    assert (s.chars, s.sent, s.clipped) == (10_345, 4000, True)
    assert "{log} → str, 10,345 characters, clipped to 4,000 (6,345 not sent)" in e.report()
    assert interpolate("{log}", {"log": "a" * 10_345}, limit=0).text == "a" * 10_345  # 0: no limit
    assert interpolate("{log}", {"log": "a" * 10}, limit=10).substitutions[0].clipped is False


def test_dataframe_is_shape_dtypes_and_first_rows():
    df = pd.DataFrame({"a": range(1000), "b": ["x"] * 1000, "c": 1.5})
    e = expand("{df}", df=df)
    lines = e.text.splitlines()
    assert lines[0] == "DataFrame 1,000 rows × 3 columns"
    assert lines[1].startswith("dtypes: a int64, b ") and lines[1].endswith(", c float64")
    assert lines[2:] == df.head(5).to_string().splitlines()
    assert e.substitutions[0].kind == "DataFrame"
    assert expand("{df.shape} {df!r}", df=df).text == f"(1000, 3) {df!r}"


def test_series_and_numpy_array():
    s = pd.Series([1.5, 2.5, 3.5], name="price")
    assert expand("{s}", s=s).text == "Series 'price' 3 rows, dtype float64\n" + s.head(5).to_string()
    array = np.arange(12).reshape(3, 4)
    text = expand("{array}", array=array).text
    assert text == "ndarray shape (3, 4), dtype int64\n" + repr(array)
    big = expand("{big}", big=np.zeros((1000, 1000))).text
    assert big.startswith("ndarray shape (1000, 1000), dtype float64\narray([[0., 0., 0., ...") and len(big) < 4100


def test_report_lists_each_substitution():
    e = interpolate("{df} {n} {{n}}", {"df": pd.DataFrame({"a": [1]}), "n": 1})
    assert e.report().splitlines() == [
        "interpolation: 2 fields expanded",
        f"  {{df}} → DataFrame, {e.substitutions[0].chars} characters",
        "  {n} → repr(int), 1 character",
        "  {{n}} → written as {n}",
    ]
    assert render_report([Substitution("x", "str", 5, 2)]) == (
        "interpolation: 1 field expanded\n  {x} → str, 5 characters, clipped to 2 (3 not sent)"
    )


def test_each_parallel_task_prompt_expands_on_its_own():
    tasks = {"tests": "Test {module}", "docs": "Document {module} for {audience}", "free": "{module.}"}
    ns = {"module": "utils.py", "audience": "users"}
    expanded = {name: interpolate(prompt, ns) for name, prompt in tasks.items()}
    assert {n: e.text for n, e in expanded.items()} == {
        "tests": "Test utils.py", "docs": "Document utils.py for users", "free": "{module.}"}
    assert [len(e.substitutions) for e in expanded.values()] == [1, 2, 0]


@pytest.mark.parametrize(
    "template", ["{" * 200_000, "{x[" * 70_000, "{{x" * 70_000, "${" * 100_000, "{x." * 70_000 + "}"],
    ids=["braces", "open-items", "double-braces", "dollar-braces", "open-attributes"],
)
def test_long_runs_of_unclosed_fields_come_out_unchanged(template):
    assert interpolate(template, {"x": 1}).text == template  # the time it takes: bench/bench_linear.py


@pytest.mark.parametrize(
    "template", ["{nope}" * 50_000, "".join(f"{{n{i}}}" for i in range(50_000)), "{n." * 70_000 + "}",
                 "{" + "n" * 200_000 + "}"],
    ids=["one-unknown-repeated", "distinct-unknowns", "open-unknown-attributes", "one-long-name"],
)
def test_long_runs_of_unknown_fields_come_out_unchanged_and_named_within_bounds(template):
    e = interpolate(template, {"x": 1})
    assert e.text == template
    assert len(e.unknown) <= UNKNOWN_NAMED and len(e.notice()) < 2_000


def test_importing_the_module_does_not_import_pandas_or_numpy():
    code = (
        "import sys; import cc_jupyter.magics.interpolate, cc_jupyter.magics.errors_log\n"
        "print([m for m in ('pandas', 'numpy') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ----- the error log in a real IPython shell -----
@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    log = ErrorLog()
    log.register(ip)
    log.register(ip)  # twice: still one hook
    yield ip, log
    log.unregister()
    assert log.post_run_cell not in ip.events.callbacks["post_run_cell"]


@pytest.fixture
def local_package(tmp_path, monkeypatch):
    """A package on sys.path whose function raises; sys.path and sys.modules restored after."""
    name = "cc_localpkg_" + uuid.uuid4().hex[:8]
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text(
        "def load(path):\n"
        "    columns = ['a']\n"
        "    raise ValueError('\\x1b[31mcolumn price is missing\\x1b[0m in ' + path)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def test_errors_of_cells_are_recorded_as_plain_text_with_the_package_frames(shell, local_package):
    ip, log = shell
    result = ip.run_cell(
        f"from {local_package}.helpers import load\n\ndef run():\n    return load('data.csv')\n\nrun()\n",
        store_history=True,
    )
    cell = result.execution_count
    assert isinstance(result.error_in_exec, ValueError)
    try:
        e = interpolate("Fix this:\n{Err}", ip.user_ns, errors=log, masker=MASKER)
        text = e.text
        assert "\x1b" not in text
        assert text.startswith(f"Fix this:\nCell In[{cell}] raised ValueError: column price is missing in data.csv")
        assert "Traceback (most recent call last):" in text
        assert f'File "Cell In[{cell}]", line 6, in <module>' in text
        assert f'File "Cell In[{cell}]", line 4, in run' in text
        assert re.search(rf'File ".*{local_package}[/\\]helpers\.py", line 3, in load', text)
        assert "interactiveshell.py" not in text, "IPython's own frame is dropped"
        assert interpolate(f"{{Err[{cell}]}}", ip.user_ns, errors=log).text == text.split("\n", 1)[1]
        assert interpolate(f"{{In[{cell}]}}", ip.user_ns, errors=log).text.startswith(f"from {local_package}")
    finally:
        for name in ("load", "run"):
            ip.user_ns.pop(name, None)


def test_syntax_errors_outputs_and_clean_cells(shell):
    ip, log = shell
    bad = ip.run_cell("def f(:\n    pass", store_history=True)
    entry = log.latest()
    assert entry is not None and entry.cell == bad.execution_count and entry.type == "SyntaxError"
    assert str(entry).startswith(f"Cell In[{bad.execution_count}] raised SyntaxError: invalid syntax")
    assert f'File "Cell In[{bad.execution_count}]", line 1' in entry.traceback and "ipython-input" not in str(entry)
    good = ip.run_cell("40 + 2", store_history=True)
    assert log.for_cell(good.execution_count) is None and log.latest() is entry
    assert interpolate(f"{{Out[{good.execution_count}]}}", ip.user_ns, errors=log).text == "42"
    with pytest.raises(UsageError, match="raised no recorded error"):
        interpolate(f"{{Err[{good.execution_count}]}}", ip.user_ns, errors=log)


def test_log_is_bounded_and_skips_cloudcode_cells():
    log = ErrorLog(maxlen=3)
    for cell in range(1, 6):
        log.post_run_cell(SimpleNamespace(error_in_exec=ValueError(cell), error_before_exec=None,
                                          execution_count=cell, info=SimpleNamespace(raw_cell="1/0")))
    assert log.cells() == [3, 4, 5] and len(log) == 3
    log.post_run_cell(SimpleNamespace(error_in_exec=UsageError("no"), error_before_exec=None,
                                      execution_count=6, info=SimpleNamespace(raw_cell="  %%cloudcode -i\nhi")))
    log.post_run_cell(SimpleNamespace(error_in_exec=None, error_before_exec=None, execution_count=7, info=None))
    assert log.cells() == [3, 4, 5]
    assert isinstance(log.latest(), RecordedError) and log.latest().message == "5"


# ----- properties -----
EXISTING = {"xy": 1, "df": "frame"}
SPECIAL = ("In", "Out", "Err")
PIECES = ["{", "}", "{{", "}}", "x", "y", "d", "f", "xy", "df", ".", "[", "]", "0", "!r", "!s", "!a", ":", ">10",
          "$", " ", "\n", '"', "'", "_", "__class__", "I", "n", "O", "ut", "E", "rr", "é", "\\frac", "(", ")", ","]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_text_whose_braces_enclose_no_existing_name_is_unchanged(template):
    assume(not any("{" + name in template for name in (*EXISTING, *SPECIAL)))
    assert interpolate(template, EXISTING, errors=ErrorLog(), masker=MASKER).text == template


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.text(st.characters(blacklist_characters="{}$", blacklist_categories=("Cs",)), max_size=8),
    st.sampled_from(["{xy}", "{df}", "{{xy}}", "{df!r}", "{df!s}"]),
), max_size=12).map("".join))
def test_fields_of_existing_names_expand_as_str_format_does(template):
    assert interpolate(template, EXISTING).text == template.format_map(EXISTING)


def test_expansion_without_fields_is_the_template_itself():
    template = "no fields {} {x for x in y} ${HOME}"
    assert interpolate(template, {}) == Expansion(template)
    assert interpolate("{here}", {}) == Expansion("{here}", unknown=(Unknown("here", "here"),))


# ----- paths in {Err}: no home directory, no site-packages location; file names kept -----
POSIX = PathRoots(
    home="/home/alice",
    cwd="/home/alice/project",
    site_packages=("/home/alice/.venv/lib/python3.12/site-packages", "/usr/lib/python3/dist-packages"),
    stdlib=("/usr/lib/python3.12",),
)


@pytest.mark.parametrize(
    "text, shortened",
    [
        ("/home/alice/notes/todo.txt", "~/notes/todo.txt"),
        ("[Errno 2] No such file or directory: '/home/alice/data/sales.csv'",
         "[Errno 2] No such file or directory: '~/data/sales.csv'"),
        ("home is /home/alice.", "home is ~."),
        ('File "/home/alice/project/pkg/loader.py", line 3, in load', 'File "pkg/loader.py", line 3, in load'),
        ("cannot open /home/alice/project/data.csv: empty", "cannot open data.csv: empty"),
        ("run from /home/alice/project", "run from ."),
        ("/home/alice/project2/x.py", "~/project2/x.py"),
        ('File "/home/alice/.venv/lib/python3.12/site-packages/pandas/io/common.py", line 873',
         'File "site-packages/pandas/io/common.py", line 873'),
        ("/usr/lib/python3/dist-packages/yaml/reader.py", "dist-packages/yaml/reader.py"),
        ("/usr/lib/python3.12/json/decoder.py", "python3.12/json/decoder.py"),
        # a package of another environment: from site-packages on
        ('File "/opt/conda/envs/ml/lib/python3.11/site-packages/torch/nn/module.py"',
         'File "site-packages/torch/nn/module.py"'),
        ("path=/opt/venv/lib/python3.11/site-packages/numpy/core.py", "path=site-packages/numpy/core.py"),
        # the prefix trap: only whole path parts
        ("/home/alice2/secret.txt /home/alice.bak/x /home/alicexyz /srv/home/alice/x /home/ali",
         "/home/alice2/secret.txt /home/alice.bak/x /home/alicexyz /srv/home/alice/x /home/ali"),
        ("/usr/lib/python3.12-dev/x.py /home/alice/project-old/y.py", "/usr/lib/python3.12-dev/x.py ~/project-old/y.py"),
        ("no path at all, {not: a path}, 3/4", "no path at all, {not: a path}, 3/4"),
    ],
)
def test_paths_are_shortened_home_site_packages_stdlib_and_working_directory(text, shortened):
    assert shorten_paths(text, POSIX) == shortened


@pytest.mark.parametrize(
    "text, shortened",
    [
        (r"No such file or directory: 'C:\\Users\\alice\\data\\x.csv'", r"No such file or directory: '~\\data\\x.csv'"),
        (r'File "c:\users\ALICE\AppData\Local\Programs\Python\Python312\Lib\site-packages\pandas\io\common.py"',
         r'File "site-packages\pandas\io\common.py"'),
        (r"C:\Users\alice\project\notebook.py and C:/Users/alice/notes.txt", r"notebook.py and ~/notes.txt"),
        (r"C:\Users\alice2\x.py", r"C:\Users\alice2\x.py"),
        (r"D:\envs\ml\Lib\site-packages\numpy\core.py", r"site-packages\numpy\core.py"),
    ],
)
def test_windows_paths_are_shortened_in_any_case_and_separator(text, shortened):
    roots = PathRoots(home=r"C:\Users\alice", cwd=r"C:\Users\alice\project",
                      site_packages=(r"C:\Users\alice\AppData\Local\Programs\Python\Python312\Lib\site-packages",))
    assert shorten_paths(text, roots) == shortened


def test_a_symlinked_home_directory_is_shortened_in_both_spellings(tmp_path):
    real = tmp_path / "disk" / "alice"
    real.mkdir(parents=True)
    link = tmp_path / "alice"
    link.symlink_to(real, target_is_directory=True)
    text = f"{link}/a.txt and {real}/b.txt"
    assert shorten_paths(text, PathRoots(home=str(link))) == "~/a.txt and ~/b.txt"


def test_a_filesystem_root_is_never_a_root_to_shorten():
    roots = PathRoots(home="/", cwd="/")
    assert shorten_paths("/etc/hosts and /", roots) == "/etc/hosts and /"
    assert PathRoots(home="C:\\", cwd="relative/dir").replacements() == ()


@pytest.mark.parametrize(
    "text, shortened",
    [
        ("/home/alice" * 50_000, "~" + "/home/alice" * 49_999),  # one path: the first is the home directory
        (" /home/alice/ " * 50_000, " ~/ " * 50_000),
        ("/home/alice2" * 50_000, "/home/alice2" * 50_000),
        ("a/site-packages" * 50_000, "a/site-packages" * 50_000),
        ("/x/site-packages/" + "y" * 300_000, "site-packages/" + "y" * 300_000),
        ("/x/site-packages/a" * 50_000, "site-packages/a"),
        ("-packages " + "/" * 300_000, "-packages " + "/" * 300_000),
    ],
    ids=["home-run", "home-paths", "prefix-trap", "package-dirs", "long-package-path", "package-path-run", "slashes"],
)
def test_long_texts_of_paths_are_shortened_in_linear_time(text, shortened):
    assert shorten_paths(text, POSIX) == shortened


def test_err_sends_no_home_directory_nor_site_packages_location(tmp_path, monkeypatch):
    home = tmp_path / "home" / "alice"
    (home / "lib" / "alicepkg").mkdir(parents=True)
    (home / "lib" / "alicepkg" / "__init__.py").write_text("def load(path):\n    return open(path)\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(home / "lib"))
    try:
        import alicepkg
    finally:
        sys.modules.pop("alicepkg", None)  # the module object is kept by the name above

    log = ErrorLog()
    for path in (home / "data" / "sales.csv", work / "local.csv"):
        try:
            alicepkg.load(str(path))
        except FileNotFoundError as exc:
            log.record(exc, cell=1)
        try:
            pd.read_csv(path)  # raised inside pandas: its frames are in site-packages
        except FileNotFoundError as exc:
            log.record(exc, cell=2)
    sent = [interpolate(f"{{Err[{cell}]}}", {}, errors=log).text for cell in (1, 2)]
    home_error, pandas_error = (str(e) for e in list(log)[:2])
    assert "No such file or directory: '~/data/sales.csv'" in home_error
    assert 'File "~/lib/alicepkg/__init__.py", line 2, in load' in home_error
    assert "No such file or directory: '~/data/sales.csv'" in pandas_error
    assert re.search(r'File "site-packages/pandas/io/[\w/]+\.py", line \d+', pandas_error)
    assert list(log)[2].message.endswith("No such file or directory: 'local.csv'")  # the working directory's: relative
    import pandas

    installed = os.path.dirname(os.path.dirname(pandas.__file__))
    for text in (*sent, *(str(e) for e in log)):
        assert str(home) not in text and str(tmp_path) not in text and installed not in text
