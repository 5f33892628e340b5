"""The simulator's fake agent makes real commits and pushes them to bare repositories (raw HTTP only)."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from .simrigs import RiggedSimulator
from .test_simulator import TOKEN, ai_texts, git, last_record, read_until, send_raw, stdout_of, stream
from .waiting import wait_until


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with RiggedSimulator(pace=0, git_root=tmp_path_factory.mktemp("github")) as s:
        yield s


def log(sim: RiggedSimulator, repo: str, branch: str = "main") -> list[str]:
    return git("--git-dir", str(sim.repo_path(repo)), "log", "--format=%H %s", branch).splitlines()


def head(sim: RiggedSimulator, repo: str, branch: str = "main") -> str:
    return git("--git-dir", str(sim.repo_path(repo)), "rev-parse", f"refs/heads/{branch}").strip()


def branches(sim: RiggedSimulator, repo: str) -> list[str]:
    return git("--git-dir", str(sim.repo_path(repo)), "branch", "--format=%(refname:short)").split()


def test_a_new_repository_has_an_initial_commit_on_main(sim, tmp_path):
    bare = sim.repo_path("https://github.com/Acme/My-Lib")
    assert bare == sim.git_root / "acme" / "my-lib.git" and (bare / "HEAD").is_file()
    assert [line.split(" ", 1)[1] for line in log(sim, "acme/my-lib")] == ["Initial commit"]
    files = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", "main").split()
    assert {"README.md", "src/my_lib/__init__.py", "tests/test_version.py"} <= set(files)
    assert sim.repo_path("acme/my-lib") == bare  # same repository, created once


def test_a_run_commits_and_pushes_to_the_branch(sim):
    repo = "https://github.com/acme/pushed"
    before = head(sim, repo)
    events = stream(sim, "Add a function that loads data/sales.csv", repo_url=repo)
    commits = log(sim, repo)
    assert len(commits) == 2 and commits[1].startswith(before)
    sha, message = commits[0].split(" ", 1)
    assert message == "Add load_sales() with tests"
    out = stdout_of(events)
    assert f"[main {sha[:7]}] {message}\n" in out
    assert f"To https://github.com/acme/pushed.git\n   {before[:7]}..{sha[:7]}  main -> main\n" in out
    assert str(sim.git_root) not in str(events) and TOKEN not in str(events)
    summary = ai_texts(events)[-1]
    assert f"- {sha[:7]} {message}: https://github.com/acme/pushed/commit/{sha}" in summary
    assert "Pushed 1 commit to branch `main`" in summary


def test_commits_two(sim):
    repo = "https://github.com/acme/two"
    stream(sim, "Count the orders\nsim: commits=2", repo_url=repo)
    assert [c.split(" ", 1)[1] for c in log(sim, repo)] == ["Test count_orders()", "Add count_orders()",
                                                            "Initial commit"]
    stream(sim, "Count the orders\nsim: commits=4", repo_url=repo, branch="four")
    assert len(log(sim, repo, "four")) == 3 + 4


def test_push_none_and_failed_runs_push_nothing(sim):
    repo = "https://github.com/acme/nothing"
    before = head(sim, repo)
    events = stream(sim, "Count the orders\nsim: push=none", repo_url=repo)
    assert "Nothing was pushed" in ai_texts(events)[-1] and "git push" not in str(events)
    stream(sim, "Count the orders\nsim: result_error", repo_url=repo)
    stream(sim, "Count the orders\nsim: error", repo_url=repo)
    assert head(sim, repo) == before and branches(sim, repo) == ["main"]


def test_push_branch_pushes_elsewhere(sim):
    repo = "https://github.com/acme/elsewhere"
    events = stream(sim, "Count the orders\nsim: push_branch=feature/orders", repo_url=repo, branch="dev")
    assert head(sim, repo, "dev") == head(sim, repo, "main")  # dev was made from main, and left alone
    commits = log(sim, repo, "feature/orders")
    assert len(commits) == 2 and commits[1].split()[0] == head(sim, repo, "dev")
    out = stdout_of(events)
    assert " * [new branch]      feature/orders -> feature/orders" in out
    assert "Pushed 1 commit to branch `feature/orders` (a branch from `dev`)" in ai_texts(events)[-1]
    stream(sim, "Count the orders\nsim: push_branch=feature/orders", repo_url=repo, branch="dev")
    assert len(log(sim, repo, "feature/orders")) == 3  # on top of the branch that exists now


def test_pr_prints_a_pull_request_url(sim):
    repo = "https://github.com/acme/pulls"
    first = ai_texts(stream(sim, "Count the orders\nsim: pr push_branch=orders", repo_url=repo))[-1]
    second = ai_texts(stream(sim, "Count the orders\nsim: pr", repo_url=repo))[-1]
    assert "Pull request #1 (orders into main): https://github.com/acme/pulls/pull/1" in first
    assert re.search(r"https://github\.com/acme/pulls/pull/2\b", second)


def test_a_missing_branch_is_created_from_main(sim):
    repo = "https://github.com/acme/branching"
    main = head(sim, repo)
    stream(sim, "Count the orders", repo_url=repo, branch="topic/new")
    assert log(sim, repo, "topic/new")[1].split()[0] == main and head(sim, repo) == main


def test_a_client_gone_before_the_push_step_gets_nothing_pushed(sim):
    repo = "https://github.com/acme/gone"
    before = head(sim, repo)
    s = send_raw(sim, {"repo_url": repo, "github_token": TOKEN,
                       "messages": [{"type": "human", "content": "Count the orders\nsim: hold=gone-1"}]})
    sim.wait_held("gone-1", timeout=5)
    assert b"Cloning into 'gone'" in read_until(s, b"Cloning into")
    s.close()
    wait_until(lambda: last_record(sim)["outcome"] == "disconnected", 5, "the disconnect to be noticed")
    sim.release("gone-1")
    assert head(sim, repo) == before and len(log(sim, repo)) == 1


def test_parallel_tasks_and_concurrent_runs_all_land(sim):
    repo = "https://github.com/acme/busy"
    tasks = [{"prompt": f"Count the {thing}", "task_name": thing} for thing in ("apples", "pears", "plums")]
    runs = [threading.Thread(target=stream, args=(sim, ""), kwargs={"messages": None, "repo_url": repo,
                                                                      "parallel_tasks": tasks})
            for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=30)
    commits = log(sim, repo)
    assert len(commits) == 1 + 3 * 3
    assert git("--git-dir", str(sim.repo_path(repo)), "rev-list", "--merges", "--count", "main").strip() == "0"


def test_the_temporary_git_root_is_removed_on_stop():
    s = RiggedSimulator(pace=0).start()
    stream(s, "Count the orders")
    root = s.git_root
    assert (root / "acme" / "widgets.git").is_dir()
    s.stop()
    assert not root.exists()


def test_a_given_git_root_is_kept(tmp_path: Path):
    with RiggedSimulator(pace=0, git_root=tmp_path / "repos") as s:
        stream(s, "Count the orders", repo_url="https://git.example.com/team/tool")
    assert (tmp_path / "repos" / "team" / "tool.git" / "HEAD").is_file()
