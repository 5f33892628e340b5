"""Bring a run's pushed commits into the local clone: fetch, then fast-forward only.

The engine behind ``%cloudcode pull``. It never merges, rebases, stashes or discards: when
something is in the way it raises :class:`PullRefused` naming it and the git command that would
resolve it, and nothing is changed. Git runs as a subprocess with argument lists, ``LC_ALL=C``,
``GIT_TERMINAL_PROMPT=0``, a timeout and an environment without the project's secrets; fetches
name the remote, so no URL or token is ever passed on git's command line.

What git prints, the clone's remote URLs and the branch a recording names come from others:
every message is masked (the API key, the token and their encoded forms, URL credentials),
cleaned of escape sequences, shows URLs without user, query or fragment, and quotes every value
of a suggested command as a POSIX shell requires.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from ..errors import CloudCodeError
from ..repos import is_ssh, repository_key, same_repository, shown_url
from ..secrets import SECRET_ENVIRONMENT_VARIABLES, SecretMasker, environment_secrets
from ..text import strip_escapes

__all__ = ["GitUnavailable", "PullRefused", "PullResult", "pull"]

_MAX_NAMED = 10  # paths or files named in one message before "and N more"
_STDERR_LINES = 4
_AUTOLOAD_HINT = "`%load_ext autoreload` + `%autoreload 2` picks up changes automatically"
# Variables that would point git at another repository than the one around ``cwd``.
_LOCATING_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")
_NEW_MESSAGE = re.compile(r"^(?:fatal|error|warning|hint|remote|ERROR|usage):|^!")
_AUTH_SIGNS = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "invalid username or password",
    "invalid credentials",
    "the requested url returned error: 401",
    "the requested url returned error: 403",
    "permission denied (publickey",
    "host key verification failed",
    "repository not found",
)


class PullRefused(CloudCodeError):
    """Nothing was changed: ``str()`` says what is in the way and the git command that resolves it.

    (The one exception, a fast-forward stopped by the timeout, says so in its message.)
    """

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the message is the whole story.
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


class GitUnavailable(PullRefused):
    """``git`` is not on PATH or cannot be run."""


@dataclass
class PullResult:
    """What a pull did: ``before == after`` when the branch was already up to date."""

    clone: Path
    remote: str
    branch: str
    before: str
    after: str
    commits: int = 0
    files: list[tuple[str, str]] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    reloaded: list[str] = field(default_factory=list)
    reload_errors: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    ahead: int = 0
    masker: SecretMasker = field(default_factory=SecretMasker, repr=False, compare=False)

    @property
    def up_to_date(self) -> bool:
        """True when nothing was fetched that the branch did not already have."""
        return self.before == self.after

    def report(self) -> str:
        """A few readable lines for the notebook (file names come from a commit: masked, cleaned)."""
        return _shown(self._report(), self.masker)

    def _report(self) -> str:
        if self.up_to_date:
            line = f"{self.branch} is already up to date with {self.remote}/{self.branch} ({self.after[:7]})."
            if self.ahead:
                line += f" It has {_count(self.ahead, 'local commit')} not on {self.remote}; nothing was changed."
            return line
        shown = ", ".join(f"{status} {path}" for status, path in self.files[:_MAX_NAMED])
        if len(self.files) > _MAX_NAMED:
            shown += f" and {len(self.files) - _MAX_NAMED} more"
        commits = _count(self.commits, "commit")
        files = _count(len(self.files), "file")
        lines = [f"Fast-forwarded {self.branch} {self.before[:7]}..{self.after[:7]} ({commits}): {files} changed: {shown}"]
        if self.reloaded:
            lines.append("reloaded: " + ", ".join(self.reloaded))
        for name, error in self.reload_errors.items():
            lines.append(f"reloading {name} failed: {error}")
        if self.removed:
            names = ", ".join(self.removed)
            lines.append(f"{names}: removed by the update but still imported until the kernel restarts")
        handled = {*self.removed, *self.reloaded, *self.reload_errors}
        waiting = [name for name in self.imported if name not in handled]
        if waiting:
            one = len(waiting) == 1
            lines.append(
                f"{', '.join(waiting)} {'is' if one else 'are'} already imported: `%cloudcode pull --reload` "
                f"reloads {'it' if one else 'them'}, or {_AUTOLOAD_HINT}"
            )
        return "\n".join(lines)


def pull(
    repo_url: str,
    branch: str,
    *,
    cwd: str | Path,
    modules: Mapping[str, ModuleType] | None = None,
    reload: bool = False,
    timeout: float = 60,
    masker: SecretMasker | None = None,
) -> PullResult:
    """Fetch ``branch`` of ``repo_url`` into the clone around ``cwd`` and fast-forward to it.

    Raises :class:`PullRefused` (nothing changed) when the clone, remote, branch, local commits or
    local changes are in the way, and :class:`GitUnavailable` when git cannot be run. Messages are
    masked with ``masker`` (default: the secrets in the environment) and cleaned of escapes.
    """
    masker = masker or SecretMasker(environment_secrets())
    try:
        result = _pull(_Git(_find_git(), timeout, masker), repo_url, branch, Path(cwd), modules, reload)
    except PullRefused as refused:
        shown = type(refused)(_shown(str(refused), masker))  # the same class, a message fit to show
        raise shown from None
    result.masker = masker
    return result


def _pull(
    git: _Git, repo_url: str, branch: str, start: Path, modules: Mapping[str, ModuleType] | None, reload: bool
) -> PullResult:
    if not start.is_dir():
        raise PullRefused(f"The working directory {start} does not exist, so there is no clone to pull into.")
    bad_name = git.run(start, "check-ref-format", f"refs/heads/{branch}", check=False).returncode
    if bad_name or not branch or branch.startswith("-"):
        raise PullRefused(f"{branch!r} is not a valid branch name, so there is nothing to pull.")
    clone = _toplevel(git, start, repo_url)
    remote = _matching_remote(git, clone, repo_url)
    _check_branch(git, clone, remote, branch)
    before = _head(git, clone, remote, branch)
    fetched = _fetch(git, clone, remote, branch)

    ahead, behind = (int(n) for n in git.out(clone, "rev-list", "--left-right", "--count", f"HEAD...{fetched}").split())
    if not behind:
        return PullResult(clone, remote, branch, before, before, ahead=ahead)
    if ahead:
        raise PullRefused(
            f"{branch} has {_count(ahead, 'local commit')} that {'is' if ahead == 1 else 'are'} not on "
            f"{remote}/{branch} ({fetched[:7]}), so it cannot be fast-forwarded. Combine them yourself with "
            f"{_suggested('git', 'pull', '--rebase', remote, branch)} or {_suggested('git', 'merge', f'{remote}/{branch}')}"
            "; nothing was changed."
        )
    _check_local_changes(git, clone, before, fetched)
    _fast_forward(git, clone, branch, before, fetched)

    after = git.out(clone, "rev-parse", "HEAD").strip()
    fields = _split_z(git.run(clone, "diff-tree", "-r", "--no-renames", "--name-status", "-z", before, after).stdout)
    commits = int(git.out(clone, "rev-list", "--count", f"{before}..{after}"))
    result = PullResult(clone, remote, branch, before, after, commits, files=list(zip(fields[0::2], fields[1::2], strict=True)))
    importlib.invalidate_caches()  # new files become importable at once
    if modules is not None:
        _handle_imported(result, modules, reload)
    return result


def _shown(text: str, masker: SecretMasker) -> str:
    """Text holding git's output or outside names, fit for the notebook: masked, escapes removed."""
    return masker.text(strip_escapes(text))


def _suggested(*words: str) -> str:
    """A command for the user to run, every word quoted as a POSIX shell requires."""
    return "`" + " ".join(shlex.quote(word) for word in words) + "`"


# --- git as a subprocess -------------------------------------------------------------------


class _Git:
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
            _stop(proc)
            stopped = f"{_suggested('git', *args)} did not finish within {self.timeout:g} s and was stopped"
            if writes:
                raise PullRefused(f"{stopped} part-way: check the clone with `git status`.") from None
            raise PullRefused(
                f"{stopped}; nothing was changed. Check the network and that git can reach the remote without "
                "asking for a password (a credential helper or `gh auth setup-git`)."
            ) from None
        done = subprocess.CompletedProcess(argv, proc.returncode, out, err)
        if check and done.returncode:
            raise PullRefused(f"{_suggested('git', *args)} failed in {cwd}: {quote_stderr(err)}.")
        return done

    def out(self, cwd: Path, *args: str) -> str:
        return _decode(self.run(cwd, *args).stdout)


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


def _find_git() -> str:
    found = shutil.which("git")
    if not found:
        raise GitUnavailable(f"git was not found on PATH. {_INSTALL}")
    return found


def _stop(proc: subprocess.Popen[bytes]) -> None:
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


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _split_z(data: bytes) -> list[str]:
    return [_decode(part) for part in data.split(b"\0") if part]


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
    if len(lines) > _STDERR_LINES:  # keep what went wrong rather than git's advice
        lines = [line for line in lines if not line.startswith("hint:")] or lines
    lines = [line if len(line) <= 240 else line[:239] + "…" for line in lines]
    if not lines:
        return "(git printed nothing)"
    shown = "; ".join(lines[:_STDERR_LINES])
    if len(lines) > _STDERR_LINES:
        shown += " …"
    return '"' + shown + '"'


# --- the steps of a pull ---------------------------------------------------------------------


def _toplevel(git: _Git, start: Path, repo_url: str) -> Path:
    done = git.run(start, "rev-parse", "--show-toplevel", check=False)
    top = _decode(done.stdout).strip()
    if done.returncode == 0 and top:
        return Path(top)
    err = done.stderr.decode("utf-8", "replace")
    if "not a git repository" in err or done.returncode == 0:
        raise PullRefused(
            f"{start} is not inside a git clone, so there is nothing to pull into. Clone the repository with "
            f"{_suggested('git', 'clone', shown_url(repo_url))} and start the notebook inside it, or move the "
            "kernel into an existing clone with `os.chdir('/path/to/clone')`."
        )
    raise PullRefused(f"git cannot use the directory {start}: {quote_stderr(err)}. Nothing was changed.")


def _matching_remote(git: _Git, clone: Path, repo_url: str) -> str:
    done = git.run(clone, "config", "-z", "--get-regexp", r"^remote\..*\.url$", check=False)
    if done.returncode not in (0, 1):  # 1: no remote configured
        raise PullRefused(f"Reading the remotes of {clone} failed: {quote_stderr(done.stderr)}. Nothing was changed.")
    remotes: list[tuple[str, str]] = []
    for entry in _split_z(done.stdout):
        key, _, url = entry.partition("\n")
        name = key[len("remote.") : -len(".url")]
        if name and not name.startswith("-"):  # a name git would read as an option is never used
            remotes.append((name, url))
    matching = [name for name, url in remotes if url and same_repository(url, repo_url)]
    if matching:
        return "origin" if "origin" in matching else matching[0]
    if remotes:
        found = "its remotes are " + ", ".join(f"{name} → {shown_url(url)}" for name, url in remotes)
    else:
        found = "it has no remotes"
    names = {name for name, _ in remotes}
    new = next(n for n in ("cloudcode", *(f"cloudcode{i}" for i in range(2, 100))) if n not in names)
    url = shown_url(repo_url)
    raise PullRefused(
        f"The clone at {clone} has no remote for {url} ({found}). Add one with "
        f"{_suggested('git', 'remote', 'add', new, url)}, then `%cloudcode pull` again; nothing was changed."
    )


def _check_branch(git: _Git, clone: Path, remote: str, branch: str) -> None:
    done = git.run(clone, "symbolic-ref", "-q", "HEAD", check=False)
    current = _decode(done.stdout).strip().removeprefix("refs/heads/")
    if done.returncode == 0 and current == branch:
        return
    if done.returncode == 0:
        where = f"the clone at {clone} has {current} checked out"
    elif done.returncode == 1:
        head = git.run(clone, "rev-parse", "--short", "-q", "--verify", "HEAD", check=False)
        where = f"the clone at {clone} has a detached HEAD (at {_decode(head.stdout).strip() or 'no commit'})"
    else:
        raise PullRefused(f"Reading the current branch of {clone} failed: {quote_stderr(done.stderr)}.")
    exists = git.run(clone, "rev-parse", "-q", "--verify", f"refs/heads/{branch}", check=False).returncode == 0
    switch = _suggested("git", "switch", branch)
    how = switch if exists else f"{_suggested('git', 'fetch', remote, branch)} then {switch}"
    raise PullRefused(
        f"The run pushed to {branch}, but {where}. Switch to it with {how} (commit or stash your work first if "
        "git asks), then `%cloudcode pull` again; nothing was changed."
    )


def _head(git: _Git, clone: Path, remote: str, branch: str) -> str:
    done = git.run(clone, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    sha = _decode(done.stdout).strip()
    if done.returncode or not sha:
        raise PullRefused(
            f"{branch} in {clone} has no commits yet, so there is nothing to fast-forward. Take the run's "
            f"commits with {_suggested('git', 'fetch', remote, branch)} then "
            f"{_suggested('git', 'merge', '--ff-only', f'{remote}/{branch}')}; nothing was changed."
        )
    return sha


def _fetch(git: _Git, clone: Path, remote: str, branch: str) -> str:
    args = ("fetch", "--no-tags", "--no-recurse-submodules", remote, branch)
    done = git.run(clone, *args, check=False)
    if done.returncode:
        raise PullRefused(_fetch_failure(git, clone, remote, branch, done.stderr))
    sha = git.run(clone, "rev-parse", "-q", "--verify", "FETCH_HEAD^{commit}", check=False)
    if sha.returncode:
        raise PullRefused(
            f"{_suggested('git', 'fetch', remote, branch)} left no commit in FETCH_HEAD: {quote_stderr(sha.stderr)}."
        )
    return _decode(sha.stdout).strip()


def _fetch_failure(git: _Git, clone: Path, remote: str, branch: str, stderr: bytes) -> str:
    err = stderr.decode("utf-8", "replace")
    low = err.lower()
    url = _decode(git.run(clone, "config", "--get", f"remote.{remote}.url", check=False).stdout).strip()
    said = f"git said {quote_stderr(err)}"
    what = f"Could not fetch {branch} from {remote} ({shown_url(url)})"
    if "couldn't find remote ref" in low:
        return f"{remote} has no branch {branch}: the run has not pushed to it (yet); nothing was changed."
    if any(sign in low for sign in _AUTH_SIGNS):
        if "publickey" in low or "host key" in low or is_ssh(url):
            host = (repository_key(url) or ("github.com",))[0]
            fix = (
                f"Check that your SSH key is loaded and known to the server with {_suggested('ssh', '-T', f'git@{host}')}, "
                "or use an https remote with a credential helper."
            )
        else:
            fix = (
                "Configure a git credential helper so git can authenticate without prompting, for example "
                "`gh auth setup-git` (GitHub CLI) or Git Credential Manager; do not put a token in the remote URL."
            )
        return f"{what}: access was refused or needs credentials ({said}). {fix} Nothing was changed."
    return f"{what}: {said}. Nothing was changed."


def _check_local_changes(git: _Git, clone: Path, before: str, fetched: str) -> None:
    """Refuse when a changed file of the update is modified, staged or untracked in the work tree."""
    changed = _split_z(git.run(clone, "diff-tree", "-r", "--no-renames", "--name-only", "-z", before, fetched).stdout)
    status = _split_z(git.run(clone, "status", "--porcelain=v1", "-z", "--untracked-files=normal").stdout)
    dirty: list[tuple[str, str]] = []  # (path, description)
    i = 0
    while i < len(status):
        entry = status[i]
        code, path = entry[:2], entry[3:]
        dirty.append((path, _describe(code)))
        if code[0] in "RC":  # the next field is the rename's source
            i += 1
            if i < len(status):
                dirty.append((status[i], "renamed away"))
        i += 1
    blocking = [(p, what) for p, what in dirty if _touches(p, changed)]
    if not blocking:
        return
    named = ", ".join(f"{p} ({what})" for p, what in blocking[:_MAX_NAMED])
    if len(blocking) > _MAX_NAMED:
        named += f" and {len(blocking) - _MAX_NAMED} more"
    stash = "git stash --include-untracked" if any(what == "untracked" for _, what in blocking) else "git stash"
    raise PullRefused(
        f"Local changes to {_count(len(blocking), 'file')} would be overwritten by the update: {named}. "
        f"Put them aside with `{stash}`, then `%cloudcode pull`, then `git stash pop`; nothing was changed."
    )


def _describe(code: str) -> str:
    x, y = code[0], code[1]
    if code == "??":
        return "untracked"
    if "U" in code or code in ("AA", "DD"):
        return "unmerged"
    if x not in " ?" and y != " ":
        return "staged and modified"
    if x not in " ?":
        return "staged"
    return "deleted" if y == "D" else "modified"


def _touches(path: str, changed: Sequence[str]) -> bool:
    """Whether a local change at ``path`` (a file, or an untracked ``dir/``) is in the update's way."""
    path = path.rstrip("/")
    return any(c == path or c.startswith(path + "/") or path.startswith(c + "/") for c in changed)


def _fast_forward(git: _Git, clone: Path, branch: str, before: str, target: str) -> None:
    args = ("-c", "merge.autoStash=false", "merge", "--ff-only", "--no-stat", target)
    done = git.run(clone, *args, check=False, writes=True)
    if not done.returncode:
        return
    now = _decode(git.run(clone, "rev-parse", "HEAD", check=False).stdout).strip()
    state = f"{branch} is still at {before[:7]}" if now == before else f"HEAD is now at {now[:7]}"
    raise PullRefused(f"{_suggested('git', 'merge', '--ff-only', target[:7])} failed: {quote_stderr(done.stderr)}. {state}.")


# --- imported modules ------------------------------------------------------------------------


def _handle_imported(result: PullResult, modules: Mapping[str, ModuleType], reload: bool) -> None:
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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
