"""The simulated GitHub's storage: one bare repository per owner/repo, with a lock, tokens and PR numbers.

`<root>/<owner>/<repo>.git` (lower case) is created on first use with an initial commit on
`main`: a README, a pyproject, `src/<pkg>/__init__.py` and `tests/test_version.py`.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .git import Git, GitError, Identity
from .repo_ref import RepoRef, valid_branch


class RepoStore:
    """Bare repositories under `root` (a temporary directory made on first use when None)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self._given = Path(root).resolve() if root is not None else None
        self._made: Path | None = None  # a temporary root we own and remove in close()
        self._home: Path | None = None  # an empty HOME for git
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._tokens: dict[str, set[str]] = {}
        self._pulls: dict[str, int] = {}

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
        return out.stdout.strip() if out.code == 0 else None

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

    # -- what the simulated GitHub remembers ----------------------------------------------------

    def remember_token(self, ref: RepoRef, token: str) -> None:
        """A token a run used on this repository (kept as a digest, never the token)."""
        if token:
            with self._guard:
                self._tokens.setdefault(ref.key, set()).add(_digest(token))

    def accepts(self, ref: RepoRef, token: str) -> bool:
        """True when `token` was seen on this repository; the first token of a repository is adopted."""
        with self._guard:
            known = self._tokens.setdefault(ref.key, set())
            if not known:
                known.add(_digest(token))
            return _digest(token) in known

    def next_pull_number(self, ref: RepoRef) -> int:
        with self._guard:
            self._pulls[ref.key] = self._pulls.get(ref.key, 0) + 1
            return self._pulls[ref.key]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


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
