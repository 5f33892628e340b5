"""Running git as a subprocess: argument lists, a fixed identity, no user or system configuration."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 60.0  # seconds; local operations on tiny repositories take milliseconds


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


AGENT = Identity("Cloud Coding Agent", "agent@cloudcoding.invalid")


class GitError(RuntimeError):
    """A git command failed (or git could not be run); the message is git's own."""


class Git:
    """Runs git with an environment that ignores the machine's configuration (`home` is an empty dir)."""

    def __init__(self, home: Path) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        base.update(HOME=str(home), XDG_CONFIG_HOME=str(home), LC_ALL="C", LANGUAGE="C",
                    GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
        self._base = base

    def env(self, who: Identity) -> dict[str, str]:
        return {**self._base, "GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
                "GIT_COMMITTER_NAME": who.name, "GIT_COMMITTER_EMAIL": who.email}

    def run(self, *args: str, cwd: Path | None = None, git_dir: Path | None = None,
            who: Identity = AGENT, check: bool = True) -> Output:
        """Run `git ARGS`; raises GitError on a non-zero exit when `check`."""
        command = ["git", *([f"--git-dir={git_dir}"] if git_dir is not None else []), *args]
        try:
            done = subprocess.run(command, cwd=cwd, env=self.env(who), capture_output=True,
                                  timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(f"git {args[0]}: {exc}") from None
        out = Output(done.returncode, _text(done.stdout), _text(done.stderr))
        if check and out.code != 0:
            raise GitError(out.stderr.strip() or f"git {args[0]} exited with {out.code}")
        return out


@dataclass(frozen=True)
class Output:
    code: int
    stdout: str
    stderr: str


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")
