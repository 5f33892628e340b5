"""A real-git world for ``%cloudcode pull``: a bare "GitHub" repository, an agent's clone that
pushes to it, and the user's clone whose ``origin`` is ``https://github.com/octo/demo`` as written
while ``url.<path>.insteadOf`` makes git read the bare repository."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cc_jupyter.changes.pull import pull
from cc_jupyter.errors import PullRefused

REPO = "https://github.com/octo/demo"
MOD = "src/demo_pkg/mod.py"
INIT = "src/demo_pkg/__init__.py"
TOKEN = "ghp_" + "S3cr3tT0ken" * 3


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@dataclass
class World:
    tmp: Path
    bare: Path
    agent: Path
    user: Path

    def push(self, files: dict[str, str | None], message: str = "agent change") -> str:
        """Commit ``files`` (None deletes) in the agent's clone and push them to GitHub's main."""
        for rel, text in files.items():
            path = self.agent / rel
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        git(self.agent, "add", "-A")
        git(self.agent, "commit", "-q", "-m", message)
        git(self.agent, "push", "-q", "origin", "HEAD:main")
        return git(self.agent, "rev-parse", "HEAD")

    def head(self) -> str:
        return git(self.user, "rev-parse", "HEAD")

    def snapshot(self) -> tuple[str, str, str, dict[str, str]]:
        """Branches, HEAD, status and every file of the user's work tree."""
        files = {
            p.relative_to(self.user).as_posix(): p.read_text()
            for p in sorted(self.user.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(self.user).parts and p.suffix != ".pyc"
        }
        refs = git(self.user, "for-each-ref", "refs/heads")
        return refs, self.head(), git(self.user, "status", "--porcelain=v1", "-uall"), files

    def refusal(self, repo: str = REPO, branch: str = "main", **options: Any) -> str:
        """What ``pull`` says when it refuses; it must have changed nothing in the user's clone."""
        before = self.snapshot()
        options.setdefault("cwd", self.user)
        with pytest.raises(PullRefused) as refused:
            pull(repo, branch, **options)
        assert self.snapshot() == before
        return str(refused.value)

    def helper(self, name: str, body: str) -> None:
        """A git remote helper ``git-remote-<name>`` on PATH, and the user's origin routed to it."""
        bin_dir = self.tmp / "bin"
        bin_dir.mkdir(exist_ok=True)
        script = bin_dir / f"git-remote-{name}"
        script.write_text(f"#!{sys.executable}\n{body}")
        script.chmod(0o755)
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
        # Longer than the global https://github.com/ rewrite, so it wins for this clone only.
        git(self.user, "config", f"url.{name}::x/.insteadOf", "https://github.com/octo/")


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("PATH", os.environ["PATH"])  # restored after helper() prepends to it
    for name in ("XDG_CONFIG_HOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_PARAMETERS"):
        monkeypatch.delenv(name, raising=False)
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
    gh = tmp_path / "gh"
    git(home, "config", "--global", f"url.{gh.as_posix()}/.insteadOf", "https://github.com/")
    git(home, "config", "--global", "init.defaultBranch", "main")
    bare = gh / "octo" / "demo.git"
    bare.mkdir(parents=True)
    git(bare, "init", "-q", "--bare")
    git(tmp_path, "clone", "-q", REPO, "agent")
    w = World(tmp_path, bare, tmp_path / "agent", tmp_path / "user")
    w.push({INIT: '"""Demo package."""\n', MOD: "def answer():\n    return 1\n", "README.md": "demo\n"}, "initial")
    git(tmp_path, "clone", "-q", REPO, "user")
    assert git(w.user, "config", "--get", "remote.origin.url") == REPO  # as written, not rewritten
    return w
