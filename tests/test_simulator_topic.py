"""What the simulator's fake agent makes of a prompt: topic names, follow-ups, the code it writes."""
from __future__ import annotations

import ast

import pytest

from cc_jupyter.simulator.codegen import Code, edits_between
from cc_jupyter.simulator.topic import derive, plan


@pytest.mark.parametrize("prompt, name, kind", [
    ("Add a function that loads data/sales.csv into a DataFrame, with a test.", "load_sales", "load"),
    ("Add a CSV loader test", "load_csv", "load"),
    ("Parse config.json", "parse_config", "load"),
    ("Compute the average order value", "average_order_value", "aggregate"),
    ("Total the refunds", "total_refunds", "aggregate"),
    ("Format the report", "format_report", "text"),
    ("filter", "filter_text", "text"),  # never shadows a builtin
    ("Make the tests pass", "tidy_text", "text"),
    ("", "tidy_text", "text"),
])
def test_topic_names(prompt, name, kind):
    topic = derive(prompt)
    assert (topic.name, topic.kind) == (name, kind)
    assert topic.name.isidentifier()


def test_follow_ups_keep_the_topic_unless_they_ask_for_another_function():
    work = plan(["Load data/sales.csv", "Now make it raise a clear error when the file is missing."])
    assert work.topic.name == "load_sales" and [f.kind for f in work.now] == ["errors"] and not work.done
    work = plan(["Load data/sales.csv", "Make it raise on bad input", "And add logging"])
    assert [f.kind for f in work.done] == ["errors"] and [f.kind for f in work.now] == ["errors", "note"]
    work = plan(["Load data/sales.csv", "Also add a function that computes the total amount"])
    assert (work.topic.name, work.is_new) == ("total_amount", True)


@pytest.mark.parametrize("prompt", ["Load data/sales.csv", "Parse settings.json", "Read notes.txt",
                                    "Load regions.tsv", "Compute the median price", "Count the orders",
                                    "Find the largest payment", "Format the report"])
def test_generated_code_is_valid_python_and_edits_apply(prompt):
    work = plan([prompt, "Make it raise a clear error on bad input", "Also log \x00 it\u2028 please"])
    before, after = Code(work.topic, work.done, "pkg"), Code(work.topic, work.now, "pkg")
    for source in (before.module(), after.module(), before.tests(), after.tests()):
        ast.parse(source)
    text = before.module()
    for edit in edits_between(before.module(), after.module()):
        assert text.count(edit.old) == 1
        text = text.replace(edit.old, edit.new)
    assert text == after.module()
