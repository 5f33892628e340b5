"""What a run changed, in a real kernel against the simulator's real git repositories: commits and
files in the transcript and on ``run.changes``, ``%cloudcode diff``, GitHub failing in every way
without failing the run, and ``%cloudcode pull`` fast-forwarding a clone of the notebook's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel

REPO = "https://github.com/octo/changed"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def kernel(simulator):
    k = Kernel({"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                "CLOUDCODE_REPO": REPO, "CLOUDCODE_GITHUB_API_URL": simulator.url + "/github"})
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    assert k.execute("%config CloudCode.github_timeout = 2").status == "ok"
    yield k
    k.shutdown()


def test_two_commits_show_in_the_transcript_on_the_run_and_in_the_diff(kernel, simulator):
    reply = kernel.execute("%%cloudcode --new -o pushed\nAdd a function that counts the words in a text.\nsim: commits=2\n")
    assert reply.status == "ok", reply.traceback
    changes = kernel.value("pushed.changes.to_json()")
    messages = [c["message"] for c in changes["commits"]]
    assert len(messages) == 2 and messages[0].startswith("Add count_words") and messages[1].startswith("Test count_words")
    bare = simulator.repo_path(REPO)
    numstat = git("--git-dir", str(bare), "diff", "--numstat", changes["before"], changes["after"], cwd=bare)
    counted = {line.split("\t")[2]: (int(line.split("\t")[0]), int(line.split("\t")[1])) for line in numstat.splitlines()}
    assert {f["filename"]: (f["additions"], f["deletions"]) for f in changes["files"]} == counted
    html = reply.data("text/html")[-1]
    for commit in changes["commits"]:
        assert commit["sha"][:7] in html and commit["url"] in html
    assert changes["compare_url"] in html and "2 commits" in html
    for name in counted:
        assert name in html
    text = reply.data("text/plain")[-1]
    assert "2 commits pushed to main" in text and "compare:" in text

    diff = kernel.execute("%cloudcode diff")
    shown = diff.data("text/html")[-1]
    assert "<details" in shown and "def count_words" in shown
    assert "def count_words" in diff.data("text/plain")[-1]


def test_a_run_that_pushes_nothing_says_so(kernel):
    reply = kernel.execute("%%cloudcode --new -o quiet\nLook around, change nothing.\nsim: push=none\n")
    assert reply.status == "ok", reply.traceback
    assert "no changes pushed" in reply.data("text/plain")[-1]
    assert kernel.value("quiet.changes.pushed_nothing") is True


@pytest.mark.parametrize(
    "mode, words",
    [("404", "404"), ("ratelimit", "rate limit"), ("timeout", "did not answer within 2 s"), ("garbage", "not JSON"),
     ("500", "500")],
)
def test_github_failing_leaves_the_run_completed_with_the_reason(kernel, simulator, mode, words):
    repo = f"https://github.com/octo/unreadable-{mode}"
    simulator.github_failure(repo, mode)
    try:
        reply = kernel.execute(f"%%cloudcode --new -r {repo} -o unread\nAdd a function that sums numbers.\n")
    finally:
        simulator.github_failure(repo, None)
    assert reply.status == "ok", reply.traceback
    assert kernel.value("unread.status") == "completed"
    text = reply.data("text/plain")[-1]
    assert "changes unavailable:" in text and words in text, text
    assert GITHUB_TOKEN not in json.dumps(reply.messages, default=str)


@pytest.fixture
def clone(simulator, tmp_path):
    """The user's clone of the repository, whose remote is the GitHub URL (read from the bare one)."""
    bare = simulator.repo_path(REPO)
    work = tmp_path / "changed"
    git("clone", "-q", str(bare), str(work), cwd=tmp_path)
    git("remote", "set-url", "origin", REPO, cwd=work)
    git("config", f"url.{simulator.git_root}/.insteadOf", "https://github.com/", cwd=work)
    for key, value in (("user.name", "Notebook User"), ("user.email", "user@example.com")):
        git("config", key, value, cwd=work)
    return work


def test_pull_fast_forwards_a_clean_clone_and_reload_brings_the_new_code(kernel, clone):
    cd = kernel.execute(f"import os, sys; os.chdir({str(clone)!r}); sys.path.insert(0, {str(clone / 'src')!r})")
    assert cd.status == "ok"
    try:
        first = kernel.execute(f"%%cloudcode -r {REPO} --new -o made\nAdd a function that loads data/orders.csv into rows.\n")
        assert first.status == "ok", first.traceback
        pulled = kernel.execute("%cloudcode pull")
        assert pulled.status == "ok", pulled.traceback + pulled.stderr
        assert "Fast-forwarded main" in pulled.stdout and "load_orders.py" in pulled.stdout
        call = "from changed.load_orders import load_orders\ntry:\n    load_orders('missing.csv')\nexcept Exception as e:\n    print(type(e).__name__, e)"
        assert "load_orders: missing.csv not found" not in kernel.execute(call).stdout
        second = kernel.execute("%%cloudcode -o better\nNow make it raise a clear error when the file is missing.\n")
        assert second.status == "ok", second.traceback
        reloaded = kernel.execute("%cloudcode pull --reload")
        assert "reloaded: changed.load_orders" in reloaded.stdout, reloaded.stdout
        after = kernel.execute("import changed.load_orders as m\ntry:\n    m.load_orders('missing.csv')\nexcept Exception as e:\n    print(e)")
        assert "load_orders: missing.csv not found" in after.stdout

        git("switch", "-q", "-c", "elsewhere", cwd=clone)
        refused = kernel.execute("%cloudcode pull")
        shown = refused.traceback + refused.stderr
        assert refused.status == "error" and "git switch main" in shown and "Traceback" not in shown
    finally:
        kernel.execute(f"os.chdir({str(Path.cwd())!r}); sys.path.remove({str(clone / 'src')!r})")
