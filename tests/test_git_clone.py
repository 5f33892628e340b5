"""``changes.pull`` with real git: a bare "GitHub" repository, an agent's clone that pushes to
it, and the user's clone whose ``origin`` is ``https://github.com/octo/demo`` as written while
``url.<path>.insteadOf`` makes git read the bare repository."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_jupyter.changes.pull import pull
from cc_jupyter.errors import GitUnavailable, PullRefused
from cc_jupyter.repos import same_repository, shown_url
from cc_jupyter.secrets import SecretMasker

from .git_world import INIT, MOD, REPO, TOKEN, World, git


@pytest.fixture
def demo_import(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``demo_pkg`` importable from the user's clone; removed from ``sys.modules`` afterwards."""

    def forget() -> None:
        for name in [n for n in sys.modules if n == "demo_pkg" or n.startswith("demo_pkg.")]:
            del sys.modules[name]

    forget()
    monkeypatch.syspath_prepend(str(world.user / "src"))
    # Write bytecode even under PYTHONDONTWRITEBYTECODE: a stale .pyc of a same-size edit made
    # within the same second is the hard case for a reload.
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    yield
    forget()


def test_fast_forwards_a_clean_clone(world: World) -> None:
    before = world.head()
    world.push({MOD: "def answer():\n    return 2\n", "src/demo_pkg/new.py": "X = 1\n"}, "one")
    sha = world.push({"README.md": None, "tests/test_new.py": "def test(): pass\n"}, "two")

    result = pull(REPO, "main", cwd=world.user / "src")

    assert world.head() == sha
    toplevel = Path(git(world.user, "rev-parse", "--show-toplevel"))
    assert (result.clone, result.remote, result.branch) == (toplevel, "origin", "main")
    assert (result.before, result.after, result.commits) == (before, sha, 2)
    assert result.files == [("D", "README.md"), ("M", MOD), ("A", "src/demo_pkg/new.py"), ("A", "tests/test_new.py")]
    assert (world.user / MOD).read_text().endswith("return 2\n")
    assert not (world.user / "README.md").exists()
    assert git(world.user, "status", "--porcelain") == ""
    report = result.report()
    assert report.startswith(f"Fast-forwarded main {before[:7]}..{sha[:7]} (2 commits): 4 files changed: ")
    assert "D README.md, M src/demo_pkg/mod.py, A src/demo_pkg/new.py, A tests/test_new.py" in report
    assert result.imported == [] and "import" not in report


def test_reload_picks_up_the_changed_module(world: World, demo_import: None) -> None:
    import demo_pkg.mod

    assert demo_pkg.mod.answer() == 1
    assert Path(importlib.util.cache_from_source(demo_pkg.mod.__file__)).is_file()
    world.push({MOD: "def answer():\n    return 2\n", "src/demo_pkg/extra.py": "Y = 1\n"})

    result = pull(REPO, "main", cwd=world.user, modules=sys.modules, reload=True)

    assert demo_pkg.mod.answer() == 2
    assert result.imported == ["demo_pkg.mod"] and result.reloaded == ["demo_pkg.mod"] and result.reload_errors == {}
    assert "reloaded: demo_pkg.mod" in result.report()
    import demo_pkg.extra  # a new module needs nothing

    assert demo_pkg.extra.Y == 1


def test_reload_runs_submodules_before_their_package(world: World, demo_import: None) -> None:
    import demo_pkg.mod  # noqa: F401

    world.push({INIT: "from .mod import answer\n", MOD: "def answer():\n    return 2\n"})

    result = pull(REPO, "main", cwd=world.user, modules=sys.modules, reload=True)

    assert result.reloaded == ["demo_pkg.mod", "demo_pkg"]
    assert sys.modules["demo_pkg"].answer() == 2  # the package re-imported the already reloaded module


def test_without_reload_the_report_says_how_to_pick_up_changes(world: World, demo_import: None) -> None:
    import demo_pkg.mod

    world.push({MOD: "def answer():\n    return 2\n", "src/demo_pkg/new.py": "Z = 1\n"})

    result = pull(REPO, "main", cwd=world.user, modules=sys.modules)

    assert demo_pkg.mod.answer() == 1  # not reloaded
    assert result.imported == ["demo_pkg.mod"] and result.reloaded == []
    assert result.report().splitlines()[-1] == (
        "demo_pkg.mod is already imported: `%cloudcode pull --reload` reloads it, "
        "or `%load_ext autoreload` + `%autoreload 2` picks up changes automatically"
    )


def test_a_reload_that_raises_is_reported_not_raised(world: World, demo_import: None) -> None:
    import demo_pkg.mod

    sha = world.push({MOD: "def answer(:\n"})

    result = pull(REPO, "main", cwd=world.user, modules=sys.modules, reload=True)

    assert world.head() == sha
    assert result.reloaded == [] and list(result.reload_errors) == ["demo_pkg.mod"]
    assert result.reload_errors["demo_pkg.mod"].startswith("SyntaxError")
    assert "reloading demo_pkg.mod failed: SyntaxError" in result.report()
    assert demo_pkg.mod.answer() == 1


def test_a_removed_module_is_named_not_reloaded(world: World, demo_import: None) -> None:
    import demo_pkg.mod  # noqa: F401

    world.push({MOD: None})

    result = pull(REPO, "main", cwd=world.user, modules=sys.modules, reload=True)

    assert result.removed == ["demo_pkg.mod"] and result.reloaded == [] and result.reload_errors == {}
    assert "demo_pkg.mod: removed by the update" in result.report()


def test_already_up_to_date(world: World) -> None:
    before = world.snapshot()

    result = pull(REPO, "main", cwd=world.user)

    assert result.up_to_date and result.before == result.after == world.head() and result.files == []
    assert result.report() == f"main is already up to date with origin/main ({result.after[:7]})."
    assert world.snapshot() == before


def test_local_commits_only_ahead_is_up_to_date(world: World) -> None:
    (world.user / "notes.txt").write_text("mine\n")
    git(world.user, "add", "notes.txt")
    git(world.user, "commit", "-q", "-m", "local")

    result = pull(REPO, "main", cwd=world.user)

    assert result.up_to_date and result.ahead == 1
    assert "It has 1 local commit not on origin" in result.report()


def test_refuses_local_commits_and_changes_nothing(world: World) -> None:
    (world.user / "notes.txt").write_text("mine\n")
    git(world.user, "add", "notes.txt")
    git(world.user, "commit", "-q", "-m", "local")
    world.push({MOD: "def answer():\n    return 2\n"})

    message = world.refusal()
    assert "main has 1 local commit that is not on origin/main" in message
    assert "`git pull --rebase origin main`" in message and "`git merge origin/main`" in message


@pytest.mark.parametrize("kind", ["modified", "staged", "untracked"])
def test_refuses_local_changes_the_update_would_overwrite(world: World, kind: str) -> None:
    world.push({MOD: "def answer():\n    return 2\n", "src/demo_pkg/new.py": "X = 1\n"})
    target = world.user / ("src/demo_pkg/new.py" if kind == "untracked" else MOD)
    target.write_text("# my edit\n")
    if kind == "staged":
        git(world.user, "add", MOD)

    message = world.refusal()
    rel = target.relative_to(world.user).as_posix()
    assert f"Local changes to 1 file would be overwritten by the update: {rel} ({kind})." in message
    stash = "git stash --include-untracked" if kind == "untracked" else "git stash"
    assert f"`{stash}`, then `%cloudcode pull`, then `git stash pop`" in message


def test_names_at_most_ten_blocking_files_then_a_count(world: World) -> None:
    names = [f"src/demo_pkg/m{i:02}.py" for i in range(12)]
    world.push({n: "A = 1\n" for n in names})
    for n in names:
        (world.user / n).write_text("mine\n")

    message = world.refusal()
    assert "Local changes to 12 files" in message and "and 2 more" in message
    assert names[9] in message and names[10] not in message


def test_dirty_files_the_update_does_not_touch_are_allowed(world: World) -> None:
    (world.user / "README.md").write_text("my notes\n")
    (world.user / INIT).write_text('"""Staged."""\n')
    git(world.user, "add", INIT)
    (world.user / "scratch").mkdir()
    (world.user / "scratch" / "tmp.txt").write_text("untracked\n")
    sha = world.push({MOD: "def answer():\n    return 2\n", "src/demo_pkg/new.py": "X = 1\n"})

    result = pull(REPO, "main", cwd=world.user)

    assert world.head() == sha and result.files == [("M", MOD), ("A", "src/demo_pkg/new.py")]
    assert (world.user / "README.md").read_text() == "my notes\n"
    assert (world.user / "scratch" / "tmp.txt").read_text() == "untracked\n"
    assert git(world.user, "diff", "--cached", "--name-only") == INIT


def test_refuses_another_branch(world: World) -> None:
    git(world.user, "switch", "-q", "-c", "feature")
    world.push({MOD: "def answer():\n    return 2\n"})

    message = world.refusal()
    assert "The run pushed to main, but the clone at" in message and "has feature checked out" in message
    assert "`git switch main`" in message


def test_refuses_a_detached_head(world: World) -> None:
    git(world.user, "checkout", "-q", "--detach")

    message = world.refusal()
    assert f"detached HEAD (at {git(world.user, 'rev-parse', '--short', 'HEAD')})" in message
    assert "`git switch main`" in message


def test_suggests_fetching_a_branch_the_clone_does_not_have(world: World) -> None:
    git(world.agent, "push", "-q", "origin", "HEAD:agent-work")

    message = world.refusal(REPO, "agent-work")
    assert "`git fetch origin agent-work` then `git switch agent-work`" in message


def test_refuses_outside_a_clone(world: World) -> None:
    plain = world.tmp / "plain"
    plain.mkdir()

    message = world.refusal(cwd=plain)
    assert f"{plain} is not inside a git clone" in message
    assert f"`git clone {REPO}`" in message and "os.chdir" in message


def test_refuses_without_a_matching_remote_and_shows_no_credentials(world: World) -> None:
    git(world.user, "remote", "add", "fork", f"https://someone:{TOKEN}@github.com/someone/demo")

    message = world.refusal(f"https://x-access-token:{TOKEN}@github.com/octo/other", "main")
    assert "has no remote for https://github.com/octo/other" in message
    assert f"origin → {REPO}" in message and "fork → https://github.com/someone/demo" in message
    assert "`git remote add cloudcode https://github.com/octo/other`" in message
    assert TOKEN not in message


def test_uses_the_matching_remote_whatever_its_name(world: World) -> None:
    git(world.user, "remote", "rename", "origin", "mine")
    git(world.user, "remote", "add", "origin", "https://github.com/someone/else")
    sha = world.push({MOD: "def answer():\n    return 2\n"})

    result = pull(REPO, "main", cwd=world.user)

    assert result.remote == "mine" and world.head() == sha


@pytest.mark.parametrize(
    "run_url",
    [
        "https://github.com/octo/demo.git",
        "http://github.com/octo/demo/",
        "git@github.com:octo/demo.git",
        "ssh://git@github.com/octo/demo.git",
        "https://GitHub.com/Octo/DEMO",
    ],
)
def test_url_variants_of_the_run_repository_match(world: World, run_url: str) -> None:
    sha = world.push({MOD: "def answer():\n    return 2\n"})

    assert pull(run_url, "main", cwd=world.user).after == sha == world.head()


def test_a_configured_ssh_remote_matches_the_https_run_url(world: World) -> None:
    gh = world.bare.parent.parent
    git(world.user, "remote", "set-url", "origin", "git@github.com:octo/demo.git")
    git(world.user, "config", f"url.{gh.as_posix()}/.insteadOf", "git@github.com:")
    sha = world.push({MOD: "def answer():\n    return 2\n"})

    result = pull(REPO, "main", cwd=world.user)

    assert result.remote == "origin" and world.head() == sha


def test_same_repository_normalises_the_forms_git_accepts() -> None:
    assert same_repository("https://github.com/octo/demo", "git@github.com:octo/demo.git")
    assert same_repository("https://token@github.com/octo/demo/", "ssh://git@github.com:22/octo/demo.git")
    assert same_repository("https://ghe.corp.example/team/tool", "git@GHE.corp.example:team/tool.git")
    assert not same_repository("https://github.com/octo/demo", "https://github.com/octo/demo2")
    assert not same_repository("https://github.com/octo/demo", "https://ghe.corp.example/octo/demo")
    assert not same_repository("https://github.com/octo/demo", "/srv/git/octo/demo")


def test_a_shown_url_keeps_no_user_query_or_fragment() -> None:
    assert shown_url("https://user:secret@github.com/o/r") == "https://github.com/o/r"
    assert shown_url("https://opaque@github.com/o/r.git?key=abc#frag") == "https://github.com/o/r.git"
    assert shown_url("git@github.com:o/r.git") == "git@github.com:o/r.git"
    masker = SecretMasker([TOKEN])
    assert masker.text(f"pushing {TOKEN} to ssh://git:pw@host/r") == "pushing **** to ssh://****@host/r"


def test_git_not_on_path(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = world.tmp / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    with pytest.raises(GitUnavailable) as missing:
        pull(REPO, "main", cwd=world.user)

    assert "git was not found on PATH" in str(missing.value) and "Install git" in str(missing.value)


def test_git_that_cannot_run(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = world.tmp / "broken"
    broken.mkdir()
    (broken / "git").write_text("#!/nonexistent/interpreter\n")
    (broken / "git").chmod(0o755)
    monkeypatch.setenv("PATH", str(broken))

    with pytest.raises(GitUnavailable) as missing:
        pull(REPO, "main", cwd=world.user)

    assert "git could not be run" in str(missing.value) and "Install git" in str(missing.value)


def test_a_fetch_failure_is_a_clear_sentence(world: World) -> None:
    shutil.rmtree(world.bare)

    message = world.refusal()
    assert message.startswith(f"Could not fetch main from origin ({REPO}): git said \"fatal: ")
    assert "does not appear to be a git repository" in message and message.endswith("Nothing was changed.")


def test_a_branch_the_run_has_not_pushed(world: World) -> None:
    git(world.user, "switch", "-q", "-c", "later")

    message = world.refusal(REPO, "later")
    assert message == "origin has no branch later: the run has not pushed to it (yet); nothing was changed."


def test_an_authentication_failure_suggests_a_credential_helper(world: World) -> None:
    world.helper(
        "denied",
        "import sys\n"
        f"url = 'https://x-access-token:{TOKEN}@github.com/octo/demo/'\n"
        "sys.stderr.write(f\"fatal: Authentication failed for '{url}'\\n\")\n"
        "sys.exit(128)\n",
    )

    message = world.refusal()
    assert "access was refused or needs credentials" in message and "Authentication failed for" in message
    assert "`gh auth setup-git`" in message and "do not put a token in the remote URL" in message
    assert TOKEN not in message and "https://****@github.com/octo/demo/" in message


def test_a_fetch_that_hangs_is_stopped_with_its_helper(world: World) -> None:
    # The helper never answers git and ignores end of input: only killing the process group ends it.
    world.helper("stuck", "import os\nr, w = os.pipe()\nos.read(r, 1)\n")

    message = world.refusal(timeout=2)
    assert "`git fetch --no-tags --no-recurse-submodules origin main` did not finish within 2 s" in message


def test_an_invalid_branch_name_is_refused(world: World) -> None:
    with pytest.raises(PullRefused, match="not a valid branch name"):
        pull(REPO, "--upload-pack=touch", cwd=world.user)
