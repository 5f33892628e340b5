"""What a run pushed: parsing git's push output and PR URLs, the Changes model and its JSON,
the summary and diff views, and reading GitHub's REST API (the simulator's, over real sockets)."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import time
from typing import Any

import httpx
import pytest

import cc_jupyter
from cc_jupyter.changes.github import head_before, read_changes
from cc_jupyter.changes.github_client import rate_limit_sentence
from cc_jupyter.changes.github_host import github_api_url
from cc_jupyter.changes.push_output import pull_request_urls, pushed_refs
from cc_jupyter.repos import same_repository, split_repo_url
from cc_jupyter.run.changes import (
    MAX_FILES,
    PATCH_CHARS,
    Changes,
    Commit,
    FileChange,
    PushedRef,
    bounded_files,
)
from cc_jupyter.views.changes import bar, changes_html, changes_text, diff_html, diff_text

from .conftest import API_KEY, GITHUB_TOKEN

SHA1, SHA2, SHA3 = "1" * 40, "2" * 40, "3" * 40
ESC = "\x1b"
HOSTILE = f"<script>alert(1)</script>{ESC}]0;pwned\x07{ESC}[31mred{ESC}[0m"
_TAG = re.compile(r"<[^>]*>")

FAKE_PUSH_TOKEN = "ghs_" + "FakeT0ken" * 4  # token-shaped, built here: no real-looking token in the source
PUSH_OUTPUT = f"""\
Enumerating objects: 7, done.
Counting objects: 100% (7/7), done.
Writing objects: 100% (4/4), 512 bytes | 512.00 KiB/s, done.
remote: Resolving deltas: 100% (1/1), completed with 1 local object.
To https://x-access-token:{FAKE_PUSH_TOKEN}@github.com/octo/demo.git
   1a2b3c4..5d6e7f8  main -> main
 * [new branch]      feature -> feature
 + 1a2b3c4...9f8e7d6 hotfix -> hotfix (forced update)
 * [new tag]         v1.0 -> v1.0
 ! [rejected]        dev -> dev (fetch first)
 ! [remote rejected] locked -> locked (protected branch hook declined)
 - [deleted]         old-branch
error: failed to push some refs to 'https://github.com/octo/demo.git'
"""


def shown(markup: str) -> str:
    """What a browser shows of ``markup``: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def git(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C")
    return subprocess.run(["git", *args], env=env, capture_output=True, text=True, check=True).stdout


def sample_changes(**overrides: Any) -> Changes:
    fields: dict[str, Any] = {
        "repo": "https://github.com/octo/demo",
        "branch": "main",
        "before": SHA1,
        "after": SHA3,
        "commits": [
            Commit(SHA2, "Add load_sales()\n\nWith a docstring.", f"https://github.com/octo/demo/commit/{SHA2}"),
            Commit(SHA3, "Test load_sales()", f"https://github.com/octo/demo/commit/{SHA3}"),
        ],
        "files": [
            FileChange("src/demo/load.py", "added", 14, 0, "@@ -0,0 +1,2 @@\n+import csv\n+x = 1", None),
            FileChange("README.md", "modified", 3, 2, "@@ -1,3 +1,4 @@\n a\n-b\n+c\n\\ No newline at end of file"),
            FileChange("logo.png", "added", 0, 0, None, "https://github.com/octo/demo/blob/x/logo.png"),
        ],
        "compare_url": f"https://github.com/octo/demo/compare/{SHA1}...{SHA3}",
    }
    fields.update(overrides)
    return Changes(**fields)


# ----- git's push output -----
def test_pushed_refs_reads_git_push_output():
    refs = pushed_refs(PUSH_OUTPUT)
    remote = "https://github.com/octo/demo.git"  # credentials removed
    assert refs == [
        PushedRef(remote, "main", "1a2b3c4", "5d6e7f8"),
        PushedRef(remote, "feature", None, None, new_branch=True),
        PushedRef(remote, "hotfix", "1a2b3c4", "9f8e7d6", forced=True),
    ]


def test_pushed_refs_porcelain_and_several_remotes():
    text = (
        "To git@github.com:octo/fork.git\n"
        "=\trefs/heads/same:refs/heads/same\t[up to date]\n"
        " \trefs/heads/main:refs/heads/main\t1111111..2222222\n"
        "*\trefs/heads/topic:refs/heads/topic\t[new branch]\n"
        "+\trefs/heads/re:refs/heads/re\t3333333...4444444 (forced update)\n"
        "*\trefs/tags/v2:refs/tags/v2\t[new tag]\n"
        "Done\n"
        "To https://github.com/octo/demo\n"
        "   aaaaaaa..bbbbbbb  HEAD -> refs/heads/work\n"
    )
    fork = "git@github.com:octo/fork.git"
    assert pushed_refs(text) == [
        PushedRef(fork, "main", "1111111", "2222222"),
        PushedRef(fork, "topic", None, None, new_branch=True),
        PushedRef(fork, "re", "3333333", "4444444", forced=True),
        PushedRef("https://github.com/octo/demo", "work", "aaaaaaa", "bbbbbbb"),
    ]


def test_pushed_refs_inside_json_records_are_the_same_pushes():
    record = json.dumps({"type": "user", "message": {"content": [{"type": "tool_result", "content": PUSH_OUTPUT}]}})
    assert pushed_refs(record) == pushed_refs(PUSH_OUTPUT)
    assert pushed_refs(PUSH_OUTPUT + record + "\n" + PUSH_OUTPUT) == pushed_refs(PUSH_OUTPUT)  # once each


def test_pushed_refs_with_escapes_and_crlf():
    text = f"To https://github.com/o/r.git\r\n{ESC}[32m   1a2b3c4..5d6e7f8{ESC}[0m  main -> main\r\n"
    assert pushed_refs(text) == [PushedRef("https://github.com/o/r.git", "main", "1a2b3c4", "5d6e7f8")]


def test_pushed_refs_ignores_what_is_not_a_push():
    text = "x = a -> b\n   nothex..nothex  main -> main\n   1a2b..3c4d  -> \nfoo -> bar -> baz\n"
    assert pushed_refs(text) == []
    assert pushed_refs("") == []


def test_pushed_refs_bounded_on_hostile_text():
    lines = "".join(f"   {i:07x}..{i + 1:07x}  b{i} -> b{i}\n" for i in range(10_000))
    refs = pushed_refs("To https://github.com/o/r.git\n" + lines)
    assert len(refs) == 20 and refs[0].branch == "b0"
    assert pushed_refs(" -> " * 2_000_000) == []
    assert pushed_refs("a" * 40_000_000) == []
    assert pushed_refs("\n -> " * 1_000_000) == []
    assert pushed_refs("To " * 1_000_000 + "\n   1a2b3c4..5d6e7f8  main -> main") == [
        PushedRef("", "main", "1a2b3c4", "5d6e7f8")
    ]


def test_pull_request_urls():
    text = (
        "Opened https://github.com/octo/demo/pull/12 (see https://github.com/octo/demo/pull/12/files).\n"
        "Enterprise: https://ghe.example.com:8443/team/http-tools/pull/3, not https://github.com/o/r/pulls/4,"
        " not https://github.com/o/r/pull/, and http://ghe.local/a/b/pull/9\n"
    )
    assert pull_request_urls(text) == [
        "https://github.com/octo/demo/pull/12",
        "https://ghe.example.com:8443/team/http-tools/pull/3",
        "http://ghe.local/a/b/pull/9",
    ]


def test_pull_request_urls_bounded_on_hostile_text():
    many = " ".join(f"https://github.com/o/r/pull/{n}" for n in range(10_000))
    assert pull_request_urls(many) == [f"https://github.com/o/r/pull/{n}" for n in range(20)]
    assert pull_request_urls("/pull/1" * 2_000_000) == []
    assert pull_request_urls("http://" * 2_000_000) == []
    assert pull_request_urls("x" * 40_000_000 + " https://github.com/o/r/pull/7") == ["https://github.com/o/r/pull/7"]


def test_repository_urls():
    assert split_repo_url("https://github.com/Octo/Demo.git") == ("github.com", "Octo", "Demo")
    assert split_repo_url("git@ghe.example.com:team/tool.git") == ("ghe.example.com", "team", "tool")
    assert split_repo_url("https://github.com/octo") is None
    assert split_repo_url("https://github.com/octo/demo/tree/main") is None
    assert same_repository("https://token@github.com/octo/demo.git", "https://github.com/Octo/Demo")
    assert same_repository("", "https://github.com/octo/demo")
    assert not same_repository("https://github.com/octo/fork", "https://github.com/octo/demo")


# ----- the model -----
def test_totals_and_pushed_nothing():
    changes = sample_changes()
    assert (changes.additions, changes.deletions) == (17, 2)
    assert not changes.pushed_nothing
    still = Changes("https://github.com/o/r", "main", SHA1, SHA1)
    assert still.pushed_nothing
    assert not Changes("https://github.com/o/r", "main", SHA1, SHA1, pushed=[PushedRef("", "x")]).pushed_nothing
    gone = Changes.unavailable("https://github.com/o/r", "main", SHA1, f"no network\n{ESC}[31mat all")
    assert gone.error == "no network at all" and not gone.pushed_nothing and gone.after is None


def test_json_round_trip():
    changes = sample_changes(
        pushed=[PushedRef("https://github.com/octo/demo.git", "feature", None, "abcdef1", new_branch=True)],
        pull_requests=["https://github.com/octo/demo/pull/3"],
        truncated=True,
        elsewhere=[sample_changes(head_branch="feature", files=[])],
    )
    data = json.loads(json.dumps(changes.to_json()))
    assert Changes.from_json(data) == changes
    unavailable = Changes.unavailable("https://github.com/o/r", "main", None, "GitHub did not answer within 10 s")
    assert Changes.from_json(json.loads(json.dumps(unavailable.to_json()))) == unavailable


def test_from_json_tolerates_missing_and_wrong_values():
    assert Changes.from_json({}) == Changes("", "")
    data = sample_changes().to_json()
    data.update(
        before="not a sha",
        commits=[{"sha": "zz"}, "text", {"sha": SHA2}],
        files=[{"filename": "a", "additions": -3, "deletions": True, "patch": 7}, {"status": "added"}],
        pushed=[{"branch": 1}, {"branch": "b", "old": "<script>"}],
        pull_requests=["javascript:alert(1)", 5, "https://github.com/o/r/pull/1"],
        compare_url="javascript:alert(1)",
        truncated="yes",
        elsewhere={"not": "a list"},
        error="",
    )
    changes = Changes.from_json(data)
    assert changes.before is None and changes.commits == [Commit(SHA2, "", "")]
    assert changes.files == [FileChange("a", "modified", 0, 0, None, None)]
    assert changes.pushed == [PushedRef("", "b")]
    assert changes.pull_requests == ["https://github.com/o/r/pull/1"]
    assert changes.compare_url is None and changes.truncated is False and changes.error == "unknown reason"


@pytest.mark.parametrize("data", [None, [], "changes", 3])
def test_from_json_of_something_not_an_object_is_unavailable_saying_why(data):
    assert Changes.from_json(data).error == "the recording holds no changes that could be read"


def test_from_json_reads_commits_and_files_of_the_wrong_shape_as_none():
    changes = Changes.from_json({"commits": {"a": 1}, "files": "x"})
    assert (changes.commits, changes.files, changes.error) == ([], [], None)


def test_from_json_bounds_a_hostile_recording():
    data = sample_changes().to_json()
    data["files"] = [{"filename": f"f{i}", "patch": "+x\n" * 50_000} for i in range(1_000)]
    data["commits"] = [{"sha": SHA2, "message": "m" * 1_000_000}] * 1_000
    changes = Changes.from_json(data)
    assert len(changes.files) == MAX_FILES and changes.truncated
    assert sum(len(f.patch or "") for f in changes.files) <= 1_000_000
    assert all(len(f.patch or "") <= PATCH_CHARS for f in changes.files)
    assert len(changes.commits) == 250 and len(changes.commits[0].message) < 10_000


def test_bounded_files_cuts_patches_at_line_ends():
    files = [FileChange(f"f{i}", "modified", 1, 0, "+line\n" * 100) for i in range(5)]
    kept, cut = bounded_files(files, budget=1_000)
    assert cut and len(kept) == 5
    assert kept[0].patch == files[0].patch and not kept[0].clipped
    assert kept[1].clipped and kept[1].patch is not None and kept[1].patch.endswith("+line")
    assert kept[4].patch is None and kept[4].clipped


# ----- the views -----
def test_summary_text():
    text = changes_text(sample_changes())
    lines = text.splitlines()
    assert lines[0] == "2 commits pushed to main · 3 files changed · +17 \u22122"
    assert lines[1:3] == ["  2222222 Add load_sales()", "  3333333 Test load_sales()"]
    assert re.fullmatch(r"  A src/demo/load\.py +\+14 \u22120  \+{10}", lines[3])
    assert re.fullmatch(r"  M README\.md +\+3 \u22122  \+\+--", lines[4])  # 5 of 14 lines: 4 cells
    assert re.fullmatch(r"  A logo\.png +\+0 \u22120", lines[5])
    assert lines[6] == f"  compare: https://github.com/octo/demo/compare/{SHA1}...{SHA3}"


def test_summary_html_links_and_bar_readable_without_styles():
    markup = changes_html(sample_changes())
    assert f'<a href="https://github.com/octo/demo/commit/{SHA2}"' in markup
    assert f'href="https://github.com/octo/demo/compare/{SHA1}...{SHA3}"' in markup
    visible = shown(markup)
    assert "2222222 Add load_sales()" in visible and "With a docstring" not in visible
    assert "+14 \u22120++++++++++" in visible and "+3 \u22122++--" in visible
    assert "<script" not in markup.lower()


@pytest.mark.parametrize(
    ("additions", "deletions", "scale", "cells"),
    [
        (10, 0, 10, (10, 0)),
        (5, 5, 10, (5, 5)),
        (1, 0, 1000, (1, 0)),
        (0, 1, 1000, (0, 1)),
        (3, 2, 5, (6, 4)),
        (99, 1, 100, (9, 1)),
        (0, 0, 10, (0, 0)),
    ],
)
def test_bar(additions, deletions, scale, cells):
    assert bar(additions, deletions, scale) == cells


def test_no_changes_unavailable_elsewhere_and_pull_requests():
    nothing = Changes("https://github.com/o/r", "main", SHA1, SHA1, pull_requests=["https://github.com/o/r/pull/4"])
    assert changes_text(nothing) == "no changes pushed to main\nPR #4: https://github.com/o/r/pull/4"
    assert "no changes pushed to main" in shown(changes_html(nothing))
    assert 'href="https://github.com/o/r/pull/4"' in changes_html(nothing)
    gone = Changes.unavailable("https://github.com/o/r", "main", SHA1, "GitHub did not answer within 10 s")
    assert changes_text(gone) == "changes unavailable: GitHub did not answer within 10 s"
    assert "changes unavailable: GitHub did not answer within 10 s" in shown(changes_html(gone))
    moved = sample_changes(head_branch="feature", pushed=[PushedRef("https://github.com/octo/demo", "feature")])
    assert changes_text(moved).startswith("2 commits pushed to feature (not main) · ")
    both = sample_changes(
        elsewhere=[sample_changes(head_branch="topic")],
        pushed=[PushedRef("git@github.com:octo/fork.git", "side")],
        pull_requests=["https://github.com/upstream/demo/pull/9"],
    )
    text = changes_text(both)
    assert "\n  also 2 commits pushed to topic (not main) · " in text
    assert "git pushed side of git@github.com:octo/fork.git" in text
    assert "upstream/demo#9: https://github.com/upstream/demo/pull/9" in text


def test_remote_strings_come_out_harmless():
    hostile = sample_changes(
        branch=HOSTILE,
        commits=[Commit(SHA2, HOSTILE + "\nsecond line", "javascript:alert(1)")],
        files=[FileChange(HOSTILE, HOSTILE, 1, 1, f"@@ {HOSTILE} @@\n+{HOSTILE}\n-{HOSTILE}", "javascript:x")],
        compare_url=None,
    )
    for markup in (changes_html(hostile), diff_html(hostile)):
        assert "<script" not in markup.lower() and ESC not in markup and "\x07" not in markup
        assert "javascript:" not in markup  # never a link, not even shown
        assert 'href="javascript' not in markup
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    for text in (changes_text(hostile), diff_text(hostile)):
        assert ESC not in text and "\x07" not in text
        assert "<script>alert(1)</script>]0;pwnedredred" not in text
        assert "<script>alert(1)</script>red" in text


def test_many_files_and_huge_patches_stay_small():
    files = [FileChange(f"src/module_{i:04d}.py", "modified", i % 50, i % 7, "+x\n" * 100) for i in range(1_000)]
    files[3] = FileChange(
        "huge.txt", "modified", 400_000, 0, "+" + "y" * 79 + "\n" * 1 + ("+" + "z" * 79 + "\n") * 65_000
    )
    changes = sample_changes(files=files, commits=[Commit(f"{i:040x}", f"commit {i}", "") for i in range(250)])
    summary = changes_html(changes)
    assert len(summary) <= 20_000 and "… and 985 more files" in shown(summary)
    assert "huge.txt" in shown(summary)  # the top ones by changed lines
    assert "… and 240 more commits" in shown(summary)
    text = changes_text(changes)
    assert len(text) <= 20_000 and "… and 985 more files" in text
    full = diff_html(changes)
    assert len(full) <= 600_000
    assert "the rest on GitHub" in full and "more files" in shown(full)
    assert len(diff_text(changes)) <= 400_000
    assert len(changes_html(changes, 3_000)) <= 3_000 and len(changes_text(changes, 2_000)) <= 2_000
    assert len(diff_html(changes, 50_000)) <= 50_000


def test_hostile_compare_url_stays_within_budget():
    url = "https://github.com/o/r/compare/" + "&" * 1_900
    files = [FileChange("<f>" * 30 + str(i), "modified", 1, 1, "+a\n-b\n" * 2_000) for i in range(300)]
    changes = sample_changes(files=files, compare_url=url)
    for budget in (600_000, 50_000, 5_000):
        assert len(diff_html(changes, budget)) <= budget and len(diff_text(changes, budget)) <= budget
        assert len(changes_html(changes, budget)) <= budget and len(changes_text(changes, budget)) <= budget


def test_one_five_megabyte_patch():
    patch = "@@ -1 +1 @@\n" + ("+" + "w" * 99 + "\n") * 50_000
    changes = sample_changes(files=[FileChange("big.py", "added", 50_000, 0, patch)])
    full = diff_html(changes)
    assert 10_000 < len(full) <= 100_000
    assert "the diff of this file is cut here — " in shown(full)
    assert "#diff-" in full  # the rest: the file's place in the compare page
    text = diff_text(changes)
    assert len(text) <= 100_000 and "the rest on GitHub: https://github.com/octo/demo/compare/" in text


def test_diff_views():
    changes = sample_changes()
    markup = diff_html(changes)
    assert markup.count("<details") == 3 and "<script" not in markup
    assert "background-color:#e6ffec" in markup and "background-color:#ffebe9" in markup
    visible = shown(markup)
    assert "+import csv\n+x = 1\n" in visible and " a\n-b\n+c\n" in visible
    assert "no patch: a binary file" in visible
    text = diff_text(changes)
    assert (
        "diff --git a/src/demo/load.py b/src/demo/load.py\n--- /dev/null\n+++ b/src/demo/load.py\n@@ -0,0 +1,2 @@"
        in text
    )
    assert "--- a/README.md\n+++ b/README.md\n@@ -1,3 +1,4 @@\n a\n-b\n+c\n\\ No newline at end of file" in text
    nothing = Changes("https://github.com/o/r", "main", SHA1, SHA1)
    assert (
        "no changes pushed to main" in shown(diff_html(nothing)) and diff_text(nothing) == "no changes pushed to main"
    )


# ----- where GitHub is -----
def test_the_token_goes_only_to_the_configured_github():
    assert github_api_url("https://github.com/octo/demo") == "https://api.github.com"
    assert github_api_url("git@github.com:octo/demo.git") == "https://api.github.com"
    assert github_api_url("https://github.com/octo/demo", "http://127.0.0.1:1/github/") == "http://127.0.0.1:1/github"
    ghe = "https://ghe.example.com/api/v3"
    assert github_api_url("https://ghe.example.com/team/tool.git", ghe) == ghe
    assert github_api_url("git@ghe.example.com:team/tool.git", ghe) == ghe
    assert github_api_url("https://acme.ghe.com/team/tool", "https://api.acme.ghe.com") == "https://api.acme.ghe.com"
    # A host the user did not configure is never asked, whatever the URL's scheme or port.
    for repo, configured in [
        ("https://ghe.example.com/team/tool", None),
        ("http://ghe.local:8080/team/tool", None),
        ("http://127.0.0.1:9/o/r", None),
        ("https://evil.example/o/r", ghe),
        ("https://api.github.com.evil.example/o/r", None),
    ]:
        with pytest.raises(ValueError, match="neither github.com nor the GitHub configured") as caught:
            github_api_url(repo, configured)
        assert "CloudCode.github_api_url" in str(caught.value)
    for bad in ("https://github.com/octo", "https://github.com/octo/demo/pull/1", "not a url"):
        with pytest.raises(ValueError, match="is not a repository URL"):
            github_api_url(bad)
    with pytest.raises(ValueError) as caught:
        github_api_url("https://user:hunter2-secret@github.com/")
    assert "hunter2" not in str(caught.value)
    for configured in ("ftp://ghe.example.com", "https://user:pw@ghe.example.com/api/v3", "not a url"):
        with pytest.raises(ValueError, match="is not an http"):
            github_api_url("https://github.com/o/r", configured)


def test_rate_limit_sentence():
    now = time.mktime((2025, 1, 2, 14, 20, 0, 0, 0, -1))
    sentence = rate_limit_sentence(now + 12 * 60, now)
    assert sentence.startswith("GitHub's API rate limit is used up until 14:32 (in 12 min): ")
    assert sentence.endswith("the changes will show once it resets — `%cloudcode diff` reads them again")


# ----- GitHub's answers, from a transport in the test -----
def answered(handler: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def test_requests_carry_githubs_headers_and_the_token_only_there():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "/branches/" in request.url.path:
            return httpx.Response(200, json={"name": "main", "commit": {"sha": SHA2}})
        return httpx.Response(200, json={"commits": [], "files": [], "html_url": "https://github.com/o/r/compare/x"})

    async def go() -> Changes:
        async with answered(handler) as client:
            return await read_changes("https://github.com/o/r", "feat/x", SHA1, GITHUB_TOKEN, client=client)

    changes = asyncio.run(go())
    assert changes.error is None and (changes.before, changes.after) == (SHA1, SHA2)
    assert [r.url.path for r in seen] == ["/repos/o/r/branches/feat/x", f"/repos/o/r/compare/{SHA1}...{SHA2}"]
    assert all(str(r.url).startswith("https://api.github.com/repos/o/r/") for r in seen)
    for request in seen:
        assert request.headers["authorization"] == f"Bearer {GITHUB_TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert GITHUB_TOKEN not in str(request.url)


def test_what_github_quotes_is_masked_and_shapes_are_checked():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"message": f"token {GITHUB_TOKEN} lacks {ESC}[31mscope"})

    async def go(handler: Any) -> tuple[Changes, str | None]:
        async with answered(handler) as client:
            changes = await read_changes("https://github.com/o/r", "main", SHA1, GITHUB_TOKEN, client=client)
            _, error = await head_before("https://github.com/o/r", "main", GITHUB_TOKEN, client=client)
            return changes, error

    changes, error = asyncio.run(go(handler))
    assert (
        changes.error == "GitHub answered 403 for o/r (token **** lacks scope): the token cannot read this repository"
    )
    assert error == changes.error
    odd = asyncio.run(go(lambda r: httpx.Response(200, json={"commit": "none"})))
    assert odd[0].error == "GitHub's answer for branch main of o/r names no commit"
    assert odd[1] == odd[0].error

    async def failing(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused for {GITHUB_TOKEN}")

    refused = asyncio.run(go(failing))
    assert refused[0].error == "could not reach GitHub at api.github.com (refused for ****)"


def test_compare_shapes_binary_files_and_caps():
    files = [
        {"filename": f"f{i}", "status": "modified", "additions": 1, "deletions": 0, "patch": "+a"} for i in range(300)
    ]
    files[0] = {"filename": "logo.png", "status": "added", "additions": 0, "deletions": 0}  # no patch
    files[1]["patch"] = f"+{GITHUB_TOKEN}"

    def handler(request: httpx.Request) -> httpx.Response:
        if "/branches/" in request.url.path:
            return httpx.Response(200, json={"commit": {"sha": SHA2}})
        commits = [{"sha": SHA2, "commit": {"message": "x" * 50_000}}, {"sha": "nope"}, "junk"]
        return httpx.Response(200, json={"commits": commits, "files": files + ["junk"], "total_commits": 300})

    async def go() -> Changes:
        async with answered(handler) as client:
            return await read_changes("https://ghe.example.com/o/r", "main", SHA1, GITHUB_TOKEN, client=client,
                                        api="https://ghe.example.com/api/v3")

    changes = asyncio.run(go())
    assert changes.error is None and changes.truncated
    assert [c.sha for c in changes.commits] == [SHA2]
    assert changes.commits[0].url == f"https://ghe.example.com/o/r/commit/{SHA2}"
    assert changes.compare_url == f"https://ghe.example.com/o/r/compare/{SHA1}...{SHA2}"
    assert len(changes.files) == 300 and changes.files[0].patch is None
    assert changes.files[1].patch == "+****"


def test_head_before_says_why_in_one_sentence():
    async def go() -> tuple[str | None, str | None]:
        async with answered(lambda r: httpx.Response(404, json={"message": "Not Found"})) as client:
            return await head_before("https://github.com/octo/private", "main", GITHUB_TOKEN, client=client)

    assert asyncio.run(go()) == (
        None,
        "GitHub answered 404 for octo/private: a private repository the token cannot read, "
        "or a branch that does not exist",
    )


# ----- against the simulator, over real sockets -----
def run_and_read(simulator: Any, repo: str, prompt: str, **kwargs: Any) -> tuple[Any, Changes, str]:
    """head_before, a run, then read_changes, as the lifecycle will; and the head before."""
    api = simulator.url + "/github"
    before, error = asyncio.run(head_before(repo, "main", GITHUB_TOKEN, api=api))
    assert error is None and before is not None
    run = cc_jupyter.invoke(prompt, repo=repo, api_url=simulator.url, api_key=API_KEY, github_token=GITHUB_TOKEN)
    output = run.stdout + "\n" + run.summary
    changes = asyncio.run(read_changes(repo, "main", before, GITHUB_TOKEN, api=api, agent_output=output, **kwargs))
    return run, changes, before


def numstat(bare: str, spec: str) -> dict[str, tuple[int, int]]:
    out = {}
    for line in git("--git-dir", bare, "diff", "--numstat", spec).splitlines():
        added, deleted, path = line.split("\t")
        out[path] = (int(added), int(deleted))
    return out


def test_two_commits_are_read_from_github(simulator):
    repo = "https://github.com/octo/changes-two"
    run, changes, before = run_and_read(simulator, repo, "Add a function that loads data/sales.csv\nsim: commits=2")
    bare = str(simulator.repo_path(repo))
    after = git("--git-dir", bare, "rev-parse", "main").strip()
    assert run.status == "completed" and changes.error is None
    assert (changes.before, changes.after) == (before, after)
    log = git("--git-dir", bare, "log", "--reverse", "--format=%H %s", f"{before}..{after}").splitlines()
    assert [f"{c.sha} {c.message}" for c in changes.commits] == log
    assert [c.message for c in changes.commits] == ["Add load_sales()", "Test load_sales()"]
    assert all(c.url == f"{repo}/commit/{c.sha}" for c in changes.commits)
    assert {f.filename: (f.additions, f.deletions) for f in changes.files} == numstat(bare, f"{before}...{after}")
    assert all(f.status == "added" and f.patch and f.patch.startswith("@@ -0,0 +1,") for f in changes.files)
    assert changes.compare_url == f"{repo}/compare/{before}...{after}"
    assert changes.pushed == [PushedRef(repo + ".git", "main", before[:7], after[:7])]
    assert not changes.pushed_nothing and changes.pull_requests == []
    text = changes_text(changes)
    assert text.startswith(f"2 commits pushed to main · 2 files changed · +{changes.additions} \u22120")
    assert f"  {after[:7]} Test load_sales()" in text
    recorded = Changes.from_json(json.loads(json.dumps(changes.to_json())))
    assert recorded == changes and diff_text(recorded) == diff_text(changes)


def test_nothing_pushed(simulator):
    run, changes, before = run_and_read(simulator, "https://github.com/octo/changes-none", "Add x\nsim: push=none")
    assert run.status == "completed"
    assert changes.error is None and changes.pushed_nothing and (changes.before, changes.after) == (before, before)
    assert changes_text(changes) == "no changes pushed to main"


def test_a_cut_run_pushed_nothing(simulator):
    run, changes, _ = run_and_read(simulator, "https://github.com/octo/changes-cut", "Add x\nsim: cut=3")
    assert run.status == "disconnected" and changes.pushed_nothing


def test_push_to_another_branch_and_a_pull_request(simulator):
    repo = "https://github.com/octo/changes-elsewhere"
    _, changes, before = run_and_read(simulator, repo, "Add a CSV loader\nsim: push_branch=feature pr")
    bare = str(simulator.repo_path(repo))
    feature = git("--git-dir", bare, "rev-parse", "feature").strip()
    assert git("--git-dir", bare, "rev-parse", "main").strip() == before  # main did not move
    assert changes.error is None and not changes.pushed_nothing
    assert (changes.branch, changes.head_branch, changes.before, changes.after) == ("main", "feature", before, feature)
    assert [c.sha for c in changes.commits] == [feature]
    assert {f.filename: (f.additions, f.deletions) for f in changes.files} == numstat(bare, f"{before}...{feature}")
    assert changes.pushed == [PushedRef(repo + ".git", "feature", None, None, new_branch=True)]
    assert len(changes.pull_requests) == 1 and re.fullmatch(rf"{re.escape(repo)}/pull/\d+", changes.pull_requests[0])
    text = changes_text(changes)
    assert text.startswith("1 commit pushed to feature (not main) · 2 files changed")
    assert f"PR #{changes.pull_requests[0].rsplit('/', 1)[1]}: {changes.pull_requests[0]}" in text
    assert f'href="{changes.pull_requests[0]}"' in changes_html(changes)


def test_head_did_not_move_but_a_push_line_names_commits(simulator):
    """Read late (the head before was taken after the push): git's push line still tells."""
    repo = "https://github.com/octo/changes-late"
    run, first, before = run_and_read(simulator, repo, "Add a CSV loader\nsim: commits=2")
    output = run.stdout + "\n" + run.summary
    late = asyncio.run(
        read_changes(repo, "main", first.after, GITHUB_TOKEN, api=simulator.url + "/github", agent_output=output)
    )
    assert late.error is None and [c.sha for c in late.commits] == [c.sha for c in first.commits]
    assert (late.before, late.after) == (before, first.after)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            "404",
            "GitHub answered 404 for octo/changes-fail: a private repository the token cannot read, "
            "or a branch that does not exist",
        ),
        ("garbage", "GitHub answered with something that is not JSON"),
        (
            "500",
            "GitHub answered 500 for octo/changes-fail (Server Error): a problem on GitHub's side — "
            "`%cloudcode diff` reads them again",
        ),
        ("timeout", "GitHub did not answer within 0.3 s"),
    ],
)
def test_failure_modes_give_one_sentence(simulator, mode, expected):
    repo = "https://github.com/octo/changes-fail"
    simulator.github_failure(repo, mode)
    try:
        output = f"To {repo}.git\n   1a2b3c4..5d6e7f8  main -> main\n{repo}/pull/2"
        changes = asyncio.run(
            read_changes(
                repo, "main", SHA1, GITHUB_TOKEN, api=simulator.url + "/github", timeout=0.3, agent_output=output
            )
        )
        sha, error = asyncio.run(head_before(repo, "main", GITHUB_TOKEN, api=simulator.url + "/github", timeout=0.3))
    finally:
        simulator.github_failure(repo, None)
    assert changes.error == expected and (sha, error) == (None, expected)
    assert GITHUB_TOKEN not in repr(changes) and GITHUB_TOKEN not in json.dumps(changes.to_json())
    assert changes.pull_requests == [f"{repo}/pull/2"] and changes.pushed[0].branch == "main"
    assert changes_text(changes).startswith(f"changes unavailable: {expected}")


def test_rate_limit_says_when_it_resets(simulator):
    repo = "https://github.com/octo/changes-limited"
    simulator.github_failure(repo, "ratelimit")
    try:
        changes = asyncio.run(read_changes(repo, "main", SHA1, GITHUB_TOKEN, api=simulator.url + "/github"))
    finally:
        simulator.github_failure(repo, None)
    # The simulator's reset is 15 minutes after it answered: between its record's times.
    [asked] = [r for r in simulator.request_log() if r["path"].startswith("/github/repos/octo/changes-limited/")]
    resets = range(int(asked["received_at"]) + 15 * 60, int(asked["ended_at"]) + 15 * 60 + 1)
    said = re.fullmatch(r"(GitHub's API rate limit is used up until (\d\d:\d\d)) \(in 1[45] min\)(: .*)", changes.error or "")
    assert said is not None, changes.error
    assert said.group(2) in {time.strftime("%H:%M", time.localtime(reset)) for reset in resets}
    assert said.group(3) == rate_limit_sentence(resets[0]).split(" min)", 1)[1]


def test_a_token_github_rejects(simulator):
    repo = "https://github.com/octo/changes-token"
    api = simulator.url + "/github"
    assert asyncio.run(head_before(repo, "main", GITHUB_TOKEN, api=api))[1] is None  # the repository's token
    other = "ghp_" + "N0tTh3T0k3n" * 4
    changes = asyncio.run(read_changes(repo, "main", SHA1, other, api=api))
    assert changes.error == (
        "GitHub rejected the token (Bad credentials): the token cannot read octo/changes-token — set one that "
        "can in GITHUB_TOKEN or with %cloudcode login"
    )
    none = asyncio.run(read_changes(repo, "main", SHA1, None, api=api))
    assert none.error is not None and none.error.startswith("GitHub needs a token to read octo/changes-token")


def test_github_unreachable(simulator):
    changes = asyncio.run(read_changes("https://github.com/o/r", "main", SHA1, GITHUB_TOKEN, api="http://127.0.0.1:9"))
    assert changes.error is not None and changes.error.startswith("could not reach GitHub at 127.0.0.1 (")
    assert changes.pushed == [] and changes.pull_requests == []
    output = "To https://github.com/o/r.git\n" + "x" * 5_000_000 + "\n   1a2b3c4..5d6e7f8  main -> main\n"
    long = asyncio.run(
        read_changes(
            "https://github.com/o/r", "main", SHA1, GITHUB_TOKEN, api="http://127.0.0.1:9", agent_output=output
        )
    )  # a long output is read on a worker thread: the same answer
    assert long.pushed == [PushedRef("https://github.com/o/r.git", "main", "1a2b3c4", "5d6e7f8")]
    bad = asyncio.run(read_changes("https://github.com/o", "main", SHA1, GITHUB_TOKEN))
    assert bad.error == "'https://github.com/o' is not a repository URL: expected https://HOST/<owner>/<repo>"


def test_a_repository_url_in_any_form_has_one_canonical_https_form():
    from cc_jupyter.repos import canonical_url

    forms = ["https://github.com/octo/demo", "https://github.com/octo/demo.git", "git@github.com:octo/demo.git",
             "ssh://git@ssh.github.com:443/octo/demo.git", "http://www.github.com/octo/demo"]
    assert {canonical_url(form) for form in forms} == {"https://github.com/octo/demo"}
    assert canonical_url("https://ghe.example:8443/a/b/") == "https://ghe.example:8443/a/b"
    assert canonical_url("https://github.com/octo") is None


def test_a_repository_is_labelled_owner_slash_name_on_github_and_by_its_url_elsewhere():
    from cc_jupyter.repos import short_name

    assert short_name("git@github.com:octo/demo.git") == "octo/demo"
    assert short_name("https://user:secret@gitlab.com/x/y.git?token=1") == "https://gitlab.com/x/y"
