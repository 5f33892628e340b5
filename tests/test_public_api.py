"""What `import cc_jupyter` promises: every exception exported, invoke and ainvoke with one signature."""

from __future__ import annotations

import inspect

import cc_jupyter
from cc_jupyter import errors


def test_every_exception_of_the_errors_module_is_exported_by_the_package():
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == errors.__name__
    }
    assert defined <= set(cc_jupyter.__all__)
    assert all(getattr(cc_jupyter, name) is getattr(errors, name) for name in defined)


def test_invoke_and_ainvoke_take_the_same_parameters():
    invoke, ainvoke = inspect.signature(cc_jupyter.invoke), inspect.signature(cc_jupyter.ainvoke)
    assert list(invoke.parameters.values()) == list(ainvoke.parameters.values())
    assert {"prompt", "tasks", "repo", "branch", "record", "github_api_url"} <= set(invoke.parameters)
    assert inspect.iscoroutinefunction(cc_jupyter.ainvoke) and not inspect.iscoroutinefunction(cc_jupyter.invoke)
