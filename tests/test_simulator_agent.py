"""The simulator's fake agent answers about the prompt it got, and its code is real (raw HTTP only)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from .simrigs import RiggedSimulator
from .test_simulator import ai_texts, git, stdout_of, stream

LOADER = "Add a function that loads data/sales.csv into a DataFrame, with a test."
AVERAGE = "Compute the average order value."
MISSING = "Now make it raise a clear error when the file is missing."


@pytest.fixture(scope="module")
def sim():
    with RiggedSimulator(pace=0) as s:
        yield s


def tool_calls(events: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [call for name, p in events if name == "updates" for msg in p["messages"] if msg["type"] == "ai"
            for call in msg["tool_calls"]]


def paths_touched(events: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(c["name"], c["args"]["file_path"]) for c in tool_calls(events) if "file_path" in c["args"]]


def result_record(events: list[tuple[str, Any]]) -> dict[str, Any]:
    lines = [json.loads(line) for line in stdout_of(events).splitlines() if line.startswith('{"type":"result"')]
    assert len(lines) == 1
    return lines[0]


def test_two_prompts_get_answers_about_their_own_topic(sim):
    loader = stream(sim, LOADER, repo_url="https://github.com/acme/topics")
    average = stream(sim, AVERAGE, repo_url="https://github.com/acme/topics")

    assert paths_touched(loader) == [("Read", "src/topics/__init__.py"), ("Write", "tests/test_load_sales.py"),
                                     ("Write", "src/topics/load_sales.py")]
    assert ("Write", "src/topics/average_order_value.py") in paths_touched(average)
    bash = [c["args"]["command"] for c in tool_calls(loader) if c["name"] == "Bash"]
    assert "python -m pytest -q tests/test_load_sales.py" in bash
    assert any("git add src/topics/load_sales.py tests/test_load_sales.py" in cmd for cmd in bash)

    out = stdout_of(loader)
    assert "No module named 'topics.load_sales'" in out  # the new test fails before the module exists
    assert "tests/test_load_sales.py \x1b[32m.\x1b[0m" in out and "\x1b[32m2 passed\x1b[0m" in out
    narration = "\n".join(ai_texts(loader))
    assert "reads data/sales.csv" in narration and "DataFrame" in narration
    summary = ai_texts(loader)[-1]
    assert "`load_sales()`" in summary and "src/topics/load_sales.py" in summary
    assert result_record(loader)["result"] == summary

    assert "average_order_value" in ai_texts(average)[-1] and "mean" in ai_texts(average)[-1]
    everything_about_average = json.dumps(average)
    assert "load_sales" not in everything_about_average and "sales.csv" not in everything_about_average


def test_parallel_tasks_each_work_on_their_own_prompt(sim):
    events = stream(sim, "", messages=None, repo_url="https://github.com/acme/parallel", parallel_tasks=[
        {"prompt": LOADER, "task_name": "loader"}, {"prompt": "Count the orders", "task_name": "counter"}])
    by_task: dict[str, list[tuple[str, Any]]] = {"loader": [], "counter": []}
    for name, payload in events:
        by_task[payload["task_name"]].append((name, payload))
    assert ("Write", "src/parallel/load_sales.py") in paths_touched(by_task["loader"])
    assert ("Write", "src/parallel/count_orders.py") in paths_touched(by_task["counter"])
    assert "count_orders" not in json.dumps(by_task["loader"])
    assert "load_sales" not in json.dumps(by_task["counter"])
    assert ai_texts(by_task["counter"])[-1].startswith("Done with counter. You asked: Count the orders")
    log = git("--git-dir", str(sim.repo_path("acme/parallel")), "log", "--format=%s", "main")
    assert log.splitlines()[:2] == ["Add count_orders() with tests", "Add load_sales() with tests"]


def test_a_follow_up_turn_changes_the_same_module(sim):
    repo = "https://github.com/acme/followup"
    stream(sim, LOADER, repo_url=repo, thread_id="t-followup")
    events = stream(sim, MISSING, repo_url=repo, thread_id="t-followup")

    assert paths_touched(events) == [("Read", "src/followup/load_sales.py"), ("MultiEdit", "tests/test_load_sales.py"),
                                     ("Edit", "src/followup/load_sales.py")]
    edit = next(c for c in tool_calls(events) if c["name"] == "Edit")["args"]
    assert "raise FileNotFoundError" in edit["new_string"] and "raise" not in edit["old_string"]
    out = stdout_of(events)
    assert "FAILED tests/test_load_sales.py::test_load_sales_missing_file" in out
    assert "\x1b[32m3 passed\x1b[0m" in out
    assert "now raises FileNotFoundError" in ai_texts(events)[-1]

    bare = str(sim.repo_path(repo))
    assert git("--git-dir", bare, "log", "--format=%s", "main").splitlines() == [
        "load_sales(): clear error on bad input", "Add load_sales() with tests", "Initial commit"]
    changed = git("--git-dir", bare, "diff", "--stat", "--format=", "main~1", "main")
    assert "src/followup/load_sales.py" in changed and "tests/test_load_sales.py" in changed


def import_from(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("prompt, follow_up, function, sample, expected", [
    (LOADER, MISSING, "load_sales", ("sales.csv", "id,amount\n7,1.5\n"), [{"id": "7", "amount": "1.5"}]),
    ("Parse settings.json", None, "parse_settings", ("s.json", '{"a": [1, 2]}'), {"a": [1, 2]}),
    ("What is the median price?", MISSING, "median_price", None, 4.0),
    ("fix the lint warnings", None, "lint_warnings", None, "a b"),
])
def test_the_pushed_module_imports_and_works(sim, tmp_path, monkeypatch, prompt, follow_up, function, sample,
                                             expected):
    repo = f"https://github.com/acme/works-{function.replace('_', '-')}"
    stream(sim, prompt, repo_url=repo, thread_id=f"t-{function}")
    if follow_up:
        stream(sim, follow_up, repo_url=repo, thread_id=f"t-{function}")
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(sim.repo_path(repo)), str(clone))
    package = repo.rsplit("/", 1)[1].replace("-", "_")
    monkeypatch.syspath_prepend(str(clone / "src"))
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)
    module = import_from(clone / "src" / package / f"{function}.py", f"{package}.{function}")
    func = getattr(module, function)
    if sample:
        (tmp_path / sample[0]).write_text(sample[1], encoding="utf-8")
        assert func(tmp_path / sample[0]) == expected
    elif isinstance(expected, float):
        assert func([9, 2, 4]) == expected
    else:
        assert func("  a \n b ") == expected
    if follow_up:  # the change asked for on turn 2 is there
        with pytest.raises((FileNotFoundError, ValueError), match="not found|at least one value"):
            func(tmp_path / "missing.csv" if sample else [])

    tests = import_from(clone / "tests" / f"test_{function}.py", f"generated_test_{function}")
    for name in [n for n in dir(tests) if n.startswith("test_")]:
        test = getattr(tests, name)
        if "tmp_path" in test.__code__.co_varnames[:test.__code__.co_argcount]:
            (tmp_path / name).mkdir()
            test(tmp_path / name)
        else:
            test()


def test_result_duration_covers_the_silence_and_fits_in_the_logged_request(sim):
    events = stream(sim, "Make the tests pass\nsim: silence=0.3 stdout=json")
    record = result_record(events)
    logged = sim.request_log()[-1]  # closed before the last chunk: when the simulator got the request and ended it
    logged_ms = (logged["ended_at"] - logged["received_at"]) * 1000
    assert 300 <= record["duration_ms"] <= logged_ms + 1  # + 1: the result's ms are counted on another clock
    assert record["duration_api_ms"] <= record["duration_ms"]


def test_ansi_colours_and_stdout_modes_are_kept(sim):
    plain = stdout_of(stream(sim, AVERAGE + "\nsim: stdout=plain"))
    assert "\x1b[31m" in plain and "\x1b[32m" in plain and '{"type"' not in plain
    only_json = stdout_of(stream(sim, AVERAGE + "\nsim: stdout=json"))
    records = [json.loads(line) for line in only_json.splitlines()]
    assert [r["type"] for r in records][:2] == ["system", "assistant"] and records[-1]["type"] == "result"
    assert {"Read", "Write", "Bash"} <= {b["name"] for r in records if r["type"] == "assistant"
                                         for b in r["message"]["content"] if b["type"] == "tool_use"}


def test_same_prompt_twice_is_the_same_story(sim):
    first, second = (stream(sim, "Total the refunds", repo_url="https://github.com/acme/twice") for _ in range(2))
    assert paths_touched(first) == paths_touched(second)
    assert [m.split(":")[0] for m in ai_texts(first)] == [m.split(":")[0] for m in ai_texts(second)]
    assert "`total_refunds()`" in ai_texts(first)[-1] and "`total_refunds()`" in ai_texts(second)[-1]
