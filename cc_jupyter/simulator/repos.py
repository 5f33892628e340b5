"""The simulated GitHub's repositories: how they are named, their storage, and running git.

A repository is `https://HOST/<owner>/<repo>` or `owner/repo`; `<root>/<owner>/<repo>.git` (lower
case) is created on first use with an initial commit on `main`: a README, a pyproject,
`src/<pkg>/__init__.py` and `tests/test_version.py`. git runs as a subprocess with argument lists,
a fixed identity and no user or system configuration.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# A conservative subset of `git check-ref-format --branch`: no leading '-', no '..', '//', '@{', no '.lock'.
_BRANCH = re.compile(r"(?!-)(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock(?:/|$))[A-Za-z0-9_./@+-]{1,200}(?<![./])")


@dataclass(frozen=True)
class RepoRef:
    """A repository as the client named it; `key` (lower case) is how it is stored, as GitHub ignores case."""

    owner: str
    name: str
    host: str = "github.com"

    @property
    def key(self) -> str:
        return f"{self.owner.lower()}/{self.name.lower()}"

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def package(self) -> str:
        """The Python package of the repository's initial commit: `my-repo` -> `my_repo`."""
        pkg = re.sub(r"\W", "_", self.name.lower())
        return pkg if pkg[:1].isalpha() else "pkg_" + pkg

    @property
    def clone_url(self) -> str:
        return f"https://{self.host}/{self.slug}.git"

    def web(self, *path: str) -> str:
        """A github.com page of this repository: web("commit", sha)."""
        return "/".join([f"https://github.com/{self.slug}", *path])


FALLBACK = RepoRef("octo-org", "example")


def parse_repo(text: str) -> RepoRef | None:
    """`https://HOST/owner/repo(.git)` or `owner/repo`; None when it names no repository."""
    text = text.strip()
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.hostname or "github.com", parts.path
    else:
        host, path = "github.com", text
    segments = [s for s in path.split("/") if s]
    if len(segments) != 2:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    if not (_NAME.fullmatch(owner) and _NAME.fullmatch(name)):
        return None
    return RepoRef(owner, name, host)


def valid_branch(name: str) -> bool:
    return bool(_BRANCH.fullmatch(name))


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

    def run(self, *args: str, cwd: Path | None = None, git_dir: Path | None = None,
            who: Identity = AGENT, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `git ARGS` (output decoded as UTF-8); raises GitError on a non-zero exit when `check`."""
        command = ["git", *([f"--git-dir={git_dir}"] if git_dir is not None else []), *args]
        env = {**self._base, "GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
               "GIT_COMMITTER_NAME": who.name, "GIT_COMMITTER_EMAIL": who.email}
        try:
            done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(f"git {args[0]}: {exc}") from None
        out = subprocess.CompletedProcess(command, done.returncode, done.stdout.decode("utf-8", "replace"),
                                          done.stderr.decode("utf-8", "replace"))  # no newline translation
        if check and out.returncode != 0:
            raise GitError(out.stderr.strip() or f"git {args[0]} exited with {out.returncode}")
        return out


class RepoStore:
    """Bare repositories under `root` (a temporary directory made on first use when None)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self._given = Path(root).resolve() if root is not None else None
        self._made: Path | None = None  # a temporary root we own and remove in close()
        self._home: Path | None = None  # an empty HOME for git
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    # -- places --------------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        with self._guard:
            if self._given is not None:
                self._given.mkdir(parents=True, exist_ok=True)
                return self._given
            if self._made is None:
                self._made = Path(tempfile.mkdtemp(prefix="cc-sim-github-"))
            return self._made

    @property
    def git(self) -> Git:
        with self._guard:
            if self._home is None:
                self._home = Path(tempfile.mkdtemp(prefix="cc-sim-git-home-"))
            return Git(self._home)

    def path(self, ref: RepoRef) -> Path:
        """Where the bare repository lives (whether or not it exists yet)."""
        owner, name = ref.key.split("/")
        return self.root / owner / f"{name}.git"

    def lock(self, ref: RepoRef) -> threading.Lock:
        """The lock every change to this repository holds."""
        with self._guard:
            return self._locks.setdefault(ref.key, threading.Lock())

    def close(self) -> None:
        """Remove the temporary root (when the store made it) and git's HOME."""
        with self._guard:
            made, self._made = self._made, None
            home, self._home = self._home, None
        for path in (made, home):
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)

    # -- repositories and branches --------------------------------------------------------------

    def ensure(self, ref: RepoRef, branch: str = "main") -> Path:
        """The bare repository, created with its initial commit if needed; `branch` is made from main."""
        if not valid_branch(branch):
            raise GitError(f"invalid branch name: {branch!r}")
        bare = self.path(ref)
        with self.lock(ref):
            if not (bare / "HEAD").is_file():
                self._create(ref, bare)
            if branch != "main" and self.head(ref, branch) is None:
                main = self.head(ref, "main")
                if main is None:
                    raise GitError(f"{ref.slug} has no main branch")
                self.git.run("update-ref", f"refs/heads/{branch}", main, "", git_dir=bare)
        return bare

    def head(self, ref: RepoRef, branch: str) -> str | None:
        """The sha a branch points at, or None (no such branch or repository)."""
        bare = self.path(ref)
        if not valid_branch(branch) or not bare.is_dir():
            return None
        out = self.git.run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}",
                           git_dir=bare, check=False)
        return out.stdout.strip() if out.returncode == 0 else None

    def _create(self, ref: RepoRef, bare: Path) -> None:
        bare.parent.mkdir(parents=True, exist_ok=True)
        # Built beside its final place and renamed in, so no reader sees a half-made repository.
        staging = Path(tempfile.mkdtemp(prefix=f".{bare.name}-", dir=bare.parent))
        try:
            git = self.git
            git.run("init", "--quiet", "--bare", str(staging / "repo.git"))
            git.run("symbolic-ref", "HEAD", "refs/heads/main", git_dir=staging / "repo.git")
            work = staging / "work"
            git.run("init", "--quiet", str(work))
            for relative, text in initial_files(ref).items():
                target = work / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            owner = Identity(ref.owner, f"{ref.owner.lower()}@users.noreply.github.com")
            git.run("add", "--all", cwd=work)
            git.run("commit", "--quiet", "-m", "Initial commit", cwd=work, who=owner)
            git.run("push", "--quiet", str(staging / "repo.git"), "HEAD:refs/heads/main", cwd=work)
            os.replace(staging / "repo.git", bare)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def initial_files(ref: RepoRef) -> dict[str, str]:
    """The files of a new repository's first commit."""
    pkg = ref.package
    return {
        "README.md": f"# {ref.name}\n\nThe `{pkg}` package. Run the tests with `python -m pytest`.\n",
        "pyproject.toml": (f'[project]\nname = "{ref.name}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n\n'
                           '[tool.pytest.ini_options]\npythonpath = ["src"]\n'),
        f"src/{pkg}/__init__.py": f'"""{ref.name}: a small example package."""\n\n__version__ = "0.1.0"\n',
        "tests/test_version.py": (f"from {pkg} import __version__\n\n\n"
                                  'def test_version():\n    assert __version__ == "0.1.0"\n'),
    }
