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
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from ..errors import PullRefused
from ..repos import is_ssh, repository_key, same_repository, shown_url
from ..secrets import SecretMasker
from ..settings import GIT_TIMEOUT, environment_secrets
from .git import Git, decode, find_git, quote_stderr, split_z, suggested
from .pull_result import MAX_NAMED, PullResult, plural, shown
from .reload import handle_imported

__all__ = ["PullResult", "pull"]

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


def pull(
    repo_url: str,
    branch: str,
    *,
    cwd: str | Path,
    modules: Mapping[str, ModuleType] | None = None,
    reload: bool = False,
    timeout: float = GIT_TIMEOUT,
    masker: SecretMasker | None = None,
) -> PullResult:
    """Fetch ``branch`` of ``repo_url`` into the clone around ``cwd`` and fast-forward to it.

    Raises :class:`PullRefused` (nothing changed) when the clone, remote, branch, local commits or
    local changes are in the way, and :class:`GitUnavailable` when git cannot be run. Messages are
    masked with ``masker`` (default: the secrets in the environment) and cleaned of escapes.
    """
    masker = masker or SecretMasker(environment_secrets())
    try:
        result = _pull(Git(find_git(), timeout, masker), repo_url, branch, Path(cwd), modules, reload)
    except PullRefused as refused:
        fit = type(refused)(shown(str(refused), masker))  # the same class, a message fit to show
        raise fit from None
    result.masker = masker
    return result


def _pull(
    git: Git, repo_url: str, branch: str, start: Path, modules: Mapping[str, ModuleType] | None, reload: bool
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
            f"{branch} has {plural(ahead, 'local commit')} that {'is' if ahead == 1 else 'are'} not on "
            f"{remote}/{branch} ({fetched[:7]}), so it cannot be fast-forwarded. Combine them yourself with "
            f"{suggested('git', 'pull', '--rebase', remote, branch)} or {suggested('git', 'merge', f'{remote}/{branch}')}"
            "; nothing was changed."
        )
    _check_local_changes(git, clone, before, fetched)
    _fast_forward(git, clone, branch, before, fetched)

    after = git.out(clone, "rev-parse", "HEAD").strip()
    fields = split_z(git.run(clone, "diff-tree", "-r", "--no-renames", "--name-status", "-z", before, after).stdout)
    commits = int(git.out(clone, "rev-list", "--count", f"{before}..{after}"))
    result = PullResult(clone, remote, branch, before, after, commits, files=list(zip(fields[0::2], fields[1::2], strict=True)))
    importlib.invalidate_caches()  # new files become importable at once
    if modules is not None:
        handle_imported(result, modules, reload)
    return result


def _toplevel(git: Git, start: Path, repo_url: str) -> Path:
    done = git.run(start, "rev-parse", "--show-toplevel", check=False)
    top = decode(done.stdout).strip()
    if done.returncode == 0 and top:
        return Path(top)
    err = done.stderr.decode("utf-8", "replace")
    if "not a git repository" in err or done.returncode == 0:
        raise PullRefused(
            f"{start} is not inside a git clone, so there is nothing to pull into. Clone the repository with "
            f"{suggested('git', 'clone', shown_url(repo_url))} and start the notebook inside it, or move the "
            "kernel into an existing clone with `os.chdir('/path/to/clone')`."
        )
    raise PullRefused(f"git cannot use the directory {start}: {quote_stderr(err)}. Nothing was changed.")


def _matching_remote(git: Git, clone: Path, repo_url: str) -> str:
    done = git.run(clone, "config", "-z", "--get-regexp", r"^remote\..*\.url$", check=False)
    if done.returncode not in (0, 1):  # 1: no remote configured
        raise PullRefused(f"Reading the remotes of {clone} failed: {quote_stderr(done.stderr)}. Nothing was changed.")
    remotes: list[tuple[str, str]] = []
    for entry in split_z(done.stdout):
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
        f"{suggested('git', 'remote', 'add', new, url)}, then `%cloudcode pull` again; nothing was changed."
    )


def _check_branch(git: Git, clone: Path, remote: str, branch: str) -> None:
    done = git.run(clone, "symbolic-ref", "-q", "HEAD", check=False)
    current = decode(done.stdout).strip().removeprefix("refs/heads/")
    if done.returncode == 0 and current == branch:
        return
    if done.returncode == 0:
        where = f"the clone at {clone} has {current} checked out"
    elif done.returncode == 1:
        head = git.run(clone, "rev-parse", "--short", "-q", "--verify", "HEAD", check=False)
        where = f"the clone at {clone} has a detached HEAD (at {decode(head.stdout).strip() or 'no commit'})"
    else:
        raise PullRefused(f"Reading the current branch of {clone} failed: {quote_stderr(done.stderr)}.")
    exists = git.run(clone, "rev-parse", "-q", "--verify", f"refs/heads/{branch}", check=False).returncode == 0
    switch = suggested("git", "switch", branch)
    how = switch if exists else f"{suggested('git', 'fetch', remote, branch)} then {switch}"
    raise PullRefused(
        f"The run pushed to {branch}, but {where}. Switch to it with {how} (commit or stash your work first if "
        "git asks), then `%cloudcode pull` again; nothing was changed."
    )


def _head(git: Git, clone: Path, remote: str, branch: str) -> str:
    done = git.run(clone, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    sha = decode(done.stdout).strip()
    if done.returncode or not sha:
        raise PullRefused(
            f"{branch} in {clone} has no commits yet, so there is nothing to fast-forward. Take the run's "
            f"commits with {suggested('git', 'fetch', remote, branch)} then "
            f"{suggested('git', 'merge', '--ff-only', f'{remote}/{branch}')}; nothing was changed."
        )
    return sha


def _fetch(git: Git, clone: Path, remote: str, branch: str) -> str:
    args = ("fetch", "--no-tags", "--no-recurse-submodules", remote, branch)
    done = git.run(clone, *args, check=False)
    if done.returncode:
        raise PullRefused(_fetch_failure(git, clone, remote, branch, done.stderr))
    sha = git.run(clone, "rev-parse", "-q", "--verify", "FETCH_HEAD^{commit}", check=False)
    if sha.returncode:
        raise PullRefused(
            f"{suggested('git', 'fetch', remote, branch)} left no commit in FETCH_HEAD: {quote_stderr(sha.stderr)}."
        )
    return decode(sha.stdout).strip()


def _fetch_failure(git: Git, clone: Path, remote: str, branch: str, stderr: bytes) -> str:
    err = stderr.decode("utf-8", "replace")
    low = err.lower()
    url = decode(git.run(clone, "config", "--get", f"remote.{remote}.url", check=False).stdout).strip()
    said = f"git said {quote_stderr(err)}"
    what = f"Could not fetch {branch} from {remote} ({shown_url(url)})"
    if "couldn't find remote ref" in low:
        return f"{remote} has no branch {branch}: the run has not pushed to it (yet); nothing was changed."
    if any(sign in low for sign in _AUTH_SIGNS):
        if "publickey" in low or "host key" in low or is_ssh(url):
            host = (repository_key(url) or ("github.com",))[0]
            fix = (
                f"Check that your SSH key is loaded and known to the server with {suggested('ssh', '-T', f'git@{host}')}, "
                "or use an https remote with a credential helper."
            )
        else:
            fix = (
                "Configure a git credential helper so git can authenticate without prompting, for example "
                "`gh auth setup-git` (GitHub CLI) or Git Credential Manager; do not put a token in the remote URL."
            )
        return f"{what}: access was refused or needs credentials ({said}). {fix} Nothing was changed."
    return f"{what}: {said}. Nothing was changed."


def _check_local_changes(git: Git, clone: Path, before: str, fetched: str) -> None:
    """Refuse when a changed file of the update is modified, staged or untracked in the work tree."""
    changed = split_z(git.run(clone, "diff-tree", "-r", "--no-renames", "--name-only", "-z", before, fetched).stdout)
    status = split_z(git.run(clone, "status", "--porcelain=v1", "-z", "--untracked-files=normal").stdout)
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
    named = ", ".join(f"{p} ({what})" for p, what in blocking[:MAX_NAMED])
    if len(blocking) > MAX_NAMED:
        named += f" and {len(blocking) - MAX_NAMED} more"
    stash = "git stash --include-untracked" if any(what == "untracked" for _, what in blocking) else "git stash"
    raise PullRefused(
        f"Local changes to {plural(len(blocking), 'file')} would be overwritten by the update: {named}. "
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


def _fast_forward(git: Git, clone: Path, branch: str, before: str, target: str) -> None:
    args = ("-c", "merge.autoStash=false", "merge", "--ff-only", "--no-stat", target)
    done = git.run(clone, *args, check=False, writes=True)
    if not done.returncode:
        return
    now = decode(git.run(clone, "rev-parse", "HEAD", check=False).stdout).strip()
    state = f"{branch} is still at {before[:7]}" if now == before else f"HEAD is now at {now[:7]}"
    raise PullRefused(f"{suggested('git', 'merge', '--ff-only', target[:7])} failed: {quote_stderr(done.stderr)}. {state}.")
