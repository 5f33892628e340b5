"""What the simulator's fake agent makes of a prompt: topic names, follow-ups, the code it writes
(the shipped kinds of function, and those the rigs add)."""
from __future__ import annotations

import ast

import pytest

from cc_jupyter.simulator.codegen import KINDS, Code, Kind, Loader, edits_between
from cc_jupyter.simulator.topic import derive, plan

from .simrigs.kinds import RIG_KINDS, Aggregate


@pytest.mark.parametrize("prompt, name, kind", [
    ("Add a function that loads data/sales.csv into a DataFrame, with a test.", "load_sales", Loader),
    ("Add a CSV loader test", "load_csv", Loader),
    ("Parse config.json", "parse_config", Loader),
    ("Compute the average order value", "average_order_value", Aggregate),
    ("Total the refunds", "total_refunds", Aggregate),
    ("Format the report", "format_report", Kind),
    ("filter", "filter_text", Kind),  # never shadows a builtin
    ("Make the tests pass", "tidy_text", Kind),
    ("", "tidy_text", Kind),
])
def test_topic_names(prompt, name, kind):
    topic = derive(prompt, RIG_KINDS)
    assert (topic.name, type(topic.kind)) == (name, kind)
    assert topic.name.isidentifier()


@pytest.mark.parametrize("prompt, name, kind, data_path", [  # the notebooks' first prompts
    ("Add a function that loads data/sales.csv into a DataFrame, with a test.", "load_sales", Loader, "data/sales.csv"),
    ("Add unit tests for the CSV loader.", "load_csv", Loader, "data/input.csv"),
    ("Document the public functions in README.md.", "document_public", Kind, None),
    ("Explain the layout of this repository.", "explain_layout", Kind, None),
    ("Parse config.json", "parse_config", Loader, "data/config.csv"),  # the shipped loader reads CSV only
    ("Compute the average order value", "compute_average_order", Kind, None),  # no aggregates shipped
])
def test_the_shipped_kinds(prompt, name, kind, data_path):
    topic = derive(prompt, KINDS)
    assert (topic.name, type(topic.kind), topic.data_path) == (name, kind, data_path)


def test_follow_ups_keep_the_topic_unless_they_ask_for_another_function():
    work = plan(["Load data/sales.csv", "Now make it raise a clear error when the file is missing."], KINDS)
    assert work.topic.name == "load_sales" and [f.kind for f in work.now] == ["errors"] and not work.done
    work = plan(["Load data/sales.csv", "Make it raise on bad input", "And add logging"], KINDS)
    assert [f.kind for f in work.done] == ["errors"] and [f.kind for f in work.now] == ["errors", "note"]
    work = plan(["Load data/sales.csv", "Also add a function that computes the total amount"], RIG_KINDS)
    assert (work.topic.name, work.is_new) == ("total_amount", True)


@pytest.mark.parametrize("prompt", ["Load data/sales.csv", "Parse settings.json", "Read notes.txt",
                                    "Load regions.tsv", "Compute the median price", "Count the orders",
                                    "Find the largest payment", "Format the report"])
def test_generated_code_is_valid_python_and_edits_apply(prompt):
    work = plan([prompt, "Make it raise a clear error on bad input", "Also log \x00 it\u2028 please"], RIG_KINDS)
    before, after = Code(work.topic, work.done, "pkg"), Code(work.topic, work.now, "pkg")
    for source in (before.module(), after.module(), before.tests(), after.tests()):
        ast.parse(source)
    text = before.module()
    for edit in edits_between(before.module(), after.module()):
        assert text.count(edit.old) == 1
        text = text.replace(edit.old, edit.new)
    assert text == after.module()
