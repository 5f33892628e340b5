"""After a pull: which of the kernel's imported modules the update touched, and reloading them."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from .pull_result import PullResult


def handle_imported(result: PullResult, modules: Mapping[str, ModuleType], reload: bool) -> None:
    status = {path: code for code, path in result.files}
    root = os.path.realpath(result.clone)
    found: list[tuple[str, ModuleType, str]] = []
    for name, module in list(modules.items()):
        filename = getattr(module, "__file__", None) if module is not None else None
        if name == "__main__" or not isinstance(filename, str):
            continue
        real = os.path.realpath(filename)
        try:
            rel = Path(os.path.relpath(real, root)).as_posix()
        except ValueError:  # another drive on Windows
            continue
        if rel in status and status[rel] != "A":
            found.append((name, module, rel))
    found.sort(key=lambda item: (-item[0].count("."), item[0]))  # submodules before their package
    result.imported = [name for name, _, _ in found]
    result.removed = [name for name, _, rel in found if status[rel] == "D"]
    for _, _, rel in found:
        if status[rel] != "D":
            _drop_bytecode(os.path.join(root, rel))  # a same-size edit in the same second looks fresh
    if not reload:
        return
    for name, module, rel in found:
        if status[rel] == "D":
            continue
        try:
            importlib.reload(module)
        except Exception as exc:
            result.reload_errors[name] = f"{type(exc).__name__}: {exc}"
        else:
            result.reloaded.append(name)


def _drop_bytecode(source: str) -> None:
    if not source.endswith(".py"):
        return
    try:
        os.remove(importlib.util.cache_from_source(source))
    except (OSError, NotImplementedError, ValueError):
        pass
