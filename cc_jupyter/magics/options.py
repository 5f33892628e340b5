"""Parsing a ``%%cloudcode`` cell: its option line and its body (the prompt, or named tasks)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from IPython.core.error import UsageError

_TASK_HEADING = re.compile(r"^##[ \t]+(\S.*?)\s*$")
_SECRET_SHAPES = re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}")
_NAME_IN_NS = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class CellOptions:
    repo: str | None = None
    branch: str | None = None
    haiku: bool = False
    new: bool = False
    thread: str | None = None
    parallel: bool = False
    out: str | None = None
    no_wait: bool = False
    text: bool = False
    dry_run: bool = False


def parse_line(line: str, parse_argstring: Callable[[str], Any], secrets: Iterable[str | None] = ()) -> CellOptions:
    """Parse the option line (with the magic's argparse); refuse anything that looks like a secret."""
    refuse_secrets(line, "the magic line", secrets)
    try:
        args = parse_argstring(line)
    except SystemExit:  # argparse exits on -h
        raise UsageError("see %%cloudcode? for the options") from None
    if args.new and args.thread:
        raise UsageError("--new and --thread contradict each other: use one.")
    if args.out is not None and not _NAME_IN_NS.match(args.out):
        raise UsageError(f"-o/--out needs a Python variable name, not {args.out!r}.")
    return CellOptions(
        repo=args.repo,
        branch=args.branch,
        haiku=args.haiku,
        new=args.new,
        thread=args.thread,
        parallel=args.parallel,
        out=args.out,
        no_wait=args.no_wait,
        text=args.text,
        dry_run=args.dry_run,
    )


def refuse_secrets(text: str, where: str, secrets: Iterable[str | None] = ()) -> None:
    """A GitHub token shape or a known secret value in ``text`` is refused before anything runs."""
    if _SECRET_SHAPES.search(text) or any(s and len(s) >= 8 and s in text for s in secrets):
        raise UsageError(
            f"Secrets are not accepted in {where}: they would be saved in the notebook. "
            "Use %cloudcode login or the CLOUDCODE_API_KEY / GITHUB_TOKEN environment variables."
        )


def split_tasks(body: str) -> dict[str, str]:
    """``## task-name`` lines split the body into named tasks, each with the text below it."""
    tasks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(body.splitlines(), start=1):
        heading = _TASK_HEADING.match(line)
        if heading:
            name = heading.group(1)
            if name in tasks:
                raise UsageError(f"Task {name!r} appears twice (line {number}): task names must be unique.")
            current = tasks[name] = []
        elif current is None:
            if line.strip():
                raise UsageError(
                    f"With --parallel, start with a '## task-name' line; line {number} comes before any task."
                )
        else:
            current.append(line)
    if not tasks:
        raise UsageError("--parallel needs at least one '## task-name' line followed by that task's prompt.")
    return {name: "\n".join(lines).strip("\n") for name, lines in tasks.items()}

