"""git as a subprocess: argument lists, a timeout, an environment without secrets, no prompts.

Every command is an argument list (no shell), runs with ``LC_ALL=C`` and ``GIT_TERMINAL_PROMPT=0``
in its own process group (a timeout stops git's helpers too), and gets the kernel's environment
without the project's secrets or the variables that would point it at another repository.
Commands suggested to the user quote every word as a POSIX shell requires.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ..errors import GitUnavailable, PullRefused
from ..secrets import SecretMasker
from ..settings import SECRET_ENVIRONMENT_VARIABLES
from ..text import shorten, strip_escapes

STDERR_LINES = 4  # lines of git's stderr quoted in a message
# Variables that would point git at another repository than the one around ``cwd``.
_LOCATING_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")
_NEW_MESSAGE = re.compile(r"^(?:fatal|error|warning|hint|remote|ERROR|usage):|^!")


def suggested(*words: str) -> str:
    """A command for the user to run, every word quoted as a POSIX shell requires."""
    return "`" + " ".join(shlex.quote(word) for word in words) + "`"


class Git:
    def __init__(self, executable: str, timeout: float, masker: SecretMasker) -> None:
        self.executable = executable
        self.timeout = timeout
        self.env = git_environment(os.environ, masker)

    def run(self, cwd: Path, *args: str, check: bool = True, writes: bool = False) -> subprocess.CompletedProcess[bytes]:
        """Run ``git args`` in ``cwd``; a failure with ``check`` raises :class:`PullRefused` quoting stderr.

        ``writes`` marks the one command that changes the work tree, for an honest timeout message.
        """
        argv = [self.executable, *args]
        try:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # no terminal to prompt on; lets a timeout kill git's helpers too
            )
        except OSError as exc:
            raise GitUnavailable(f"git could not be run ({exc.strerror or exc}). {_INSTALL}") from None
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            stop(proc)
            stopped = f"{suggested('git', *args)} did not finish within {self.timeout:g} s and was stopped"
            if writes:
                raise PullRefused(f"{stopped} part-way: check the clone with `git status`.") from None
            raise PullRefused(
                f"{stopped}; nothing was changed. Check the network and that git can reach the remote without "
                "asking for a password (a credential helper or `gh auth setup-git`)."
            ) from None
        done = subprocess.CompletedProcess(argv, proc.returncode, out, err)
        if check and done.returncode:
            raise PullRefused(f"{suggested('git', *args)} failed in {cwd}: {quote_stderr(err)}.")
        return done

    def out(self, cwd: Path, *args: str) -> str:
        return decode(self.run(cwd, *args).stdout)


def git_environment(environ: Mapping[str, str], masker: SecretMasker) -> dict[str, str]:
    """What git runs with: the kernel's environment without the project's secrets (the variables
    that hold them, and any variable whose value holds a known secret or a token), without the
    variables that would point git at another repository, in the C locale, never prompting."""
    env = {
        name: value
        for name, value in environ.items()
        if name not in _LOCATING_VARIABLES
        and name not in SECRET_ENVIRONMENT_VARIABLES
        and not masker.contains_secret(value, credentials=False)
    }
    env.update(LC_ALL="C", LANGUAGE="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    return env


_INSTALL = (
    "Install git (Debian/Ubuntu: `apt-get install git`; macOS: `xcode-select --install` or `brew install git`; "
    "conda: `conda install git`; Windows: https://git-scm.com/download/win) and make sure it is on the "
    "kernel's PATH, then restart the kernel."
)


def find_git() -> str:
    found = shutil.which("git")
    if not found:
        raise GitUnavailable(f"git was not found on PATH. {_INSTALL}")
    return found


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop git and whatever it started (remote helpers, ssh), then reap it.

    SIGTERM first, so git removes its lock files; SIGKILL if the group is still there 5 s later.
    """
    for sig in (signal.SIGTERM, getattr(signal, "SIGKILL", signal.SIGTERM)):
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, sig)
            else:  # pragma: no cover - Windows
                proc.kill()
        except OSError:
            pass
        try:
            proc.communicate(timeout=5)
            return
        except subprocess.TimeoutExpired:  # pragma: no cover - git ignored SIGTERM, or a helper holds the pipes
            continue
    for pipe in (proc.stdout, proc.stderr):  # pragma: no cover - a helper escaped the process group
        if pipe is not None:
            pipe.close()
    proc.wait()


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def split_z(data: bytes) -> list[str]:
    return [decode(part) for part in data.split(b"\0") if part]


def quote_stderr(err: bytes | str) -> str:
    """Git's stderr clipped to a few lines, escape sequences removed, as one quotable string
    (:func:`pull` masks the message it ends up in)."""
    text = strip_escapes(err.decode("utf-8", "replace") if isinstance(err, bytes) else err)
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line and lines and not _NEW_MESSAGE.match(line) and not lines[-1].startswith("hint:"):
            lines[-1] += " " + line  # a sentence git wrapped over several lines
        elif line:
            lines.append(line)
    if len(lines) > STDERR_LINES:  # keep what went wrong rather than git's advice
        lines = [line for line in lines if not line.startswith("hint:")] or lines
    lines = [shorten(line, 240) for line in lines]
    if not lines:
        return "(git printed nothing)"
    shown = "; ".join(lines[:STDERR_LINES])
    if len(lines) > STDERR_LINES:
        shown += " …"
    return '"' + shown + '"'
