"""Parsing a ``%%cloudcode`` cell: its option line and its body (the prompt, or named tasks)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from IPython.core.error import UsageError

from ..secrets import SecretMasker

_TASK_HEADING = re.compile(r"^##[ \t]+(\S.*?)\s*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
    interpolate: bool = False
    live: bool = False
    replay: bool = False


def parse_options(line: str, parse_argstring: Callable[[str], argparse.Namespace], secrets: Iterable[str | None] = ()) -> CellOptions:
    """Parse the option line (with the magic's argparse); refuse anything that looks like a secret."""
    refuse_secrets(line, "the magic line", secrets)
    if {"-h", "--help"} & set(line.split()):
        raise UsageError("%%cloudcode? shows every option (and %cloudcode help the subcommands).")
    args = parse_argstring(line)
    if args.new and args.thread:
        raise UsageError("--new and --thread contradict each other: use one.")
    if args.live and args.replay:
        raise UsageError("--live and --replay contradict each other: use one.")
    if args.out is not None and not _VARIABLE.match(args.out):
        raise UsageError(f"-o/--out needs a Python variable name, not {args.out[:80]!r}.")
    return CellOptions(**{name: getattr(args, name) for name in CellOptions.__dataclass_fields__})


def refuse_secrets(text: str, where: str, secrets: Iterable[str | None] = ()) -> None:
    """A GitHub token shape or a known secret in ``text`` is refused before anything runs."""
    if SecretMasker(secrets).contains_secret(text, credentials=False):
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
                raise UsageError(f"Task {name[:80]!r} appears twice (line {number}): task names must be unique.")
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
