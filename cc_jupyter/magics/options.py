"""Parsing a ``%%cloudcode`` cell: its option line and its body (the prompt, or named tasks)."""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from IPython.core.error import UsageError

from ..secrets import SecretMasker
from ..text import clip, strip_escapes

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
    across: str | None = None
    max_concurrent: int | None = None


def parse_options(line: str, parse_argstring: Callable[[str], argparse.Namespace], secrets: Iterable[str | None] = ()) -> CellOptions:
    """Parse the option line (with the magic's argparse); refuse anything that looks like a secret."""
    refuse_secrets(line, "the magic line", secrets)
    if {"-h", "--help"} & set(line.split()):
        raise UsageError("%%cloudcode? shows every option (and %cloudcode help the subcommands).")
    try:
        args = parse_argstring(line)
    except UsageError as error:
        raise UsageError(explained(str(error))) from None
    if args.new and args.thread:
        raise UsageError("--new and --thread contradict each other: use one.")
    if args.live and args.replay:
        raise UsageError("--live and --replay contradict each other: use one.")
    if args.max_concurrent is not None and args.across is None:
        raise UsageError("--max-concurrent bounds the runs of --across: add --across SPEC, or leave it out.")
    if args.max_concurrent is not None and args.max_concurrent < 1:
        raise UsageError(f"--max-concurrent needs 1 or more runs, not {args.max_concurrent}.")
    if args.across is not None and (args.repo or args.thread):
        raise UsageError("--across names the repositories (and their threads): leave out -r and --thread.")
    if args.out is not None and not _VARIABLE.match(args.out):
        raise UsageError(f"-o/--out needs a Python variable name, not {args.out[:80]!r}.")
    return CellOptions(**{name: getattr(args, name) for name in CellOptions.__dataclass_fields__})


OPTIONS = tuple(f"--{name.replace('_', '-')}" for name in CellOptions.__dataclass_fields__)
_UNRECOGNIZED = "unrecognized arguments: "


def explained(message: str) -> str:
    """argparse's complaint about the option line, with the option most likely meant."""
    if not message.startswith(_UNRECOGNIZED):
        return f"{message} (%%cloudcode? lists every option)."
    hints, words = [], []
    after_option = False
    for word in message[len(_UNRECOGNIZED):].split()[:20]:
        shown = clip(strip_escapes(word), 60)
        if word.startswith("-"):
            nearest = difflib.get_close_matches(word.split("=", 1)[0], OPTIONS, n=1, cutoff=0.7)
            hints.append(f"{shown} (did you mean {nearest[0]}?)" if nearest else f"{shown} is not an option")
        elif after_option:
            pass  # the value of the unknown option just named
        elif "/" in word or word.endswith(".git"):
            hints.append(f"{shown} (a repository goes after -r)")
        else:
            words.append(shown)
        after_option = word.startswith("-") and "=" not in word
    if words:
        hints.append(f"{clip(' '.join(words), 60)!r} (the prompt goes in the cell's body, below the %%cloudcode line)")
    return f"Unknown on the %%cloudcode line: {'; '.join(hints)} — %%cloudcode? lists every option."


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
