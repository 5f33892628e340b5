"""A newcomer's first hour, in real kernels against the simulator: one test per stumble.

1. A cell without -r goes on with the conversation's repository, branch and thread (with a key
   and in demo mode), and says where its repository came from.
2. A run made by the simulator is marked as simulated everywhere, and never replayed as the
   API's answer when a real key is configured; one thread id per run.
4. A repository the API does not take is refused before anything is sent.
6. The small ones: an unknown option, show/diff/pull with no runs, a long branch in history.
"""

from __future__ import annotations

import re

import pytest

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel

REPO_A = "https://github.com/octo/first-analysis"
REPO_B = "https://github.com/octo/second-analysis"


def requests_to(simulator, repo: str) -> list[dict]:
    return [r for r in simulator.request_log() if r.get("repo_url") == repo]


@pytest.fixture
def real_kernel(simulator, tmp_path):
    """A kernel with a key and no default repository."""
    k = Kernel({"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                "CLOUDCODE_REPO": "", "CLOUDCODE_DEMO": ""})
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    yield k
    k.shutdown()


def said(reply) -> str:
    """Everything a cell showed: output, errors (a UsageError goes to stderr) and traceback."""
    return reply.stdout + reply.stderr + reply.traceback


def value(kernel: Kernel, expression: str) -> str:
    reply = kernel.execute(f"print(repr(({expression})))")
    assert reply.status == "ok", reply.traceback
    return reply.stdout.strip()


def test_a_cell_without_repo_continues_the_conversation_with_a_key(real_kernel, simulator):
    first = real_kernel.execute(f"%%cloudcode --text -r {REPO_A} -b dev -o a\nAdd a CSV loader.")
    assert first.status == "ok", first.traceback
    assert "octo/first-analysis@dev (repo from this cell)" in first.stdout
    second = real_kernel.execute("%%cloudcode --text -o b\nNow test it.")
    assert second.status == "ok", second.traceback  # before: "No repository"
    assert "octo/first-analysis@dev (repo from the conversation)" in second.stdout
    assert value(real_kernel, "b.info.repo, b.info.branch, b.thread_id == a.thread_id") == f"({REPO_A!r}, 'dev', True)"
    [sent_first, sent_second] = requests_to(simulator, REPO_A)[-2:]
    assert sent_second["branch"] == "dev" and sent_second["thread_id"] == sent_first["thread_id"]
    status = real_kernel.execute("%cloudcode status").stdout
    assert re.search(r"repository\s+https://github.com/octo/first-analysis\s+\(from the conversation\)", status)
    assert re.search(r"branch\s+dev", status)

    # A repository the API never answered (403 here) does not move the conversation.
    refused = real_kernel.execute(f"%%cloudcode --text -r {REPO_B}\nsim: status=403\nFix their typo.")
    assert refused.status == "error"
    after = real_kernel.execute("%%cloudcode --text -o c\nAnd document it.")
    assert after.status == "ok", after.traceback
    assert value(real_kernel, "c.info.repo, c.thread_id == a.thread_id") == f"({REPO_A!r}, True)"

    # Setting a default repository is a new place to work: the next cell goes there.
    assert real_kernel.execute(f"%config CloudCode.repo = {REPO_B!r}").status == "ok"
    configured = real_kernel.execute("%%cloudcode --text -o d\nStart here.")
    assert configured.status == "ok", configured.traceback
    assert "octo/second-analysis@main (repo from CloudCode.repo)" in configured.stdout
    assert value(real_kernel, "d.info.repo") == repr(REPO_B)


def test_the_first_cell_takes_cloudcode_repo_from_the_environment(simulator):
    k = Kernel({"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                "CLOUDCODE_REPO": REPO_B, "CLOUDCODE_DEMO": ""})
    try:
        assert k.execute("%load_ext cc_jupyter").status == "ok"
        assert re.search(r"repository\s+https://github.com/octo/second-analysis\s+\(from CLOUDCODE_REPO\)",
                         k.execute("%cloudcode status").stdout)
        reply = k.execute("%%cloudcode --text\nHello.")
        assert reply.status == "ok", reply.traceback
        assert "octo/second-analysis@main (repo from CLOUDCODE_REPO)" in reply.stdout
    finally:
        k.shutdown()


def test_demo_mode_says_it_uses_the_demo_repository_and_then_follows_the_conversation(simulator):
    k = Kernel({"CLOUDCODE_DEMO": "1", "CLOUDCODE_DEMO_URL": simulator.url, "CLOUDCODE_REPO": "",
                "CLOUDCODE_API_KEY": "", "GITHUB_TOKEN": "", "GH_TOKEN": ""})
    try:
        assert k.execute("%load_ext cc_jupyter").status == "ok"
        assert "(from the demo (nothing set))" in k.execute("%cloudcode status").stdout
        demo = k.execute("%%cloudcode --text\nHello.")
        assert demo.status == "ok", demo.traceback
        assert "cc-jupyter-demo/hello-notebook@main (repo from the demo (nothing set))" in demo.stdout
        assert k.execute(f"%%cloudcode --text -r {REPO_A}\nAdd a loader.").status == "ok"
        mine = k.execute("%%cloudcode --text -o mine\nTest it.")
        assert mine.status == "ok", mine.traceback
        assert "octo/first-analysis@main (repo from the conversation)" in mine.stdout  # before: the demo repository
        assert value(k, "mine.info.repo") == repr(REPO_A)
    finally:
        k.shutdown()


def test_a_simulated_recording_is_marked_and_never_replayed_with_a_real_key(simulator, tmp_path):
    folder = str(tmp_path / "runs")
    recording_env = {"CLOUDCODE_RECORD_DIR": folder, "CLOUDCODE_REPLAY": "auto", "CLOUDCODE_REPO": REPO_A}
    prompt = "%%cloudcode --text -o r\nSummarise the README."

    demo = Kernel({**recording_env, "CLOUDCODE_DEMO": "1", "CLOUDCODE_DEMO_URL": simulator.url,
                   "CLOUDCODE_API_KEY": "", "GITHUB_TOKEN": "", "GH_TOKEN": ""})
    try:
        assert demo.execute("%load_ext cc_jupyter").status == "ok"
        made = demo.execute(prompt)
        assert made.status == "ok", made.traceback
        assert re.search(r"\bsimulated\b", demo.execute("%cloudcode history").stdout)
    finally:
        demo.shutdown()

    real = Kernel({**recording_env, "CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY,
                   "GITHUB_TOKEN": GITHUB_TOKEN, "CLOUDCODE_DEMO": ""})
    try:
        assert real.execute("%load_ext cc_jupyter").status == "ok"
        assert real.execute("%config CloudCode.record = False").status == "ok"  # the folder keeps one recording
        history = real.execute("%cloudcode history").stdout
        recorded_id = re.search(r"^([0-9a-f]{8})\s.*\bsimulated\b", history, re.MULTILINE).group(1)
        shown = real.execute(f"%cloudcode show {recorded_id}")
        assert "simulated · recorded" in "".join(shown.data("text/plain"))
        refused = real.execute("%%cloudcode --text --replay\nSummarise the README.")
        assert refused.status == "error" and "made on the simulator" in said(refused)
        before = len(requests_to(simulator, REPO_A))
        live = real.execute(prompt)
        assert live.status == "ok", live.traceback
        assert len(requests_to(simulator, REPO_A)) == before + 1  # it went live
        assert live.stdout.count("made on the simulator") == 1 and "replay of" not in live.stdout
        again = real.execute("%%cloudcode --text --new\nSummarise the README.")
        assert again.status == "ok" and "made on the simulator" not in again.stdout  # said once
    finally:
        real.shutdown()

    replaying = Kernel({**recording_env, "CLOUDCODE_DEMO": "1", "CLOUDCODE_DEMO_URL": simulator.url,
                        "CLOUDCODE_API_KEY": "", "GITHUB_TOKEN": "", "GH_TOKEN": ""})
    try:
        assert replaying.execute("%load_ext cc_jupyter").status == "ok"
        before = len(simulator.request_log())
        replay = replaying.execute(prompt)
        assert replay.status == "ok", replay.traceback
        assert len(simulator.request_log()) == before  # a replay sends nothing
        assert "replay of a simulated run recorded" in replay.stdout
        threads = set(re.findall(r"thread ([0-9a-f-]{36})", replay.stdout))
        assert len(threads) == 1 and "── thread" not in replay.stdout, replay.stdout  # one id, start to end
        assert value(replaying, "r.thread_id").strip("'") in threads
        assert "replay (simulated)" in replaying.execute("%cloudcode history").stdout
    finally:
        replaying.shutdown()


@pytest.mark.parametrize("url", ["https://gitlab.com/octo/app", "https://example.com/octo/app",
                                 "http://github.com/octo/app"])
def test_a_repository_the_api_does_not_take_is_refused_before_sending(real_kernel, simulator, url):
    before = len(simulator.request_log())
    reply = real_kernel.execute(f"%%cloudcode --text -r {url}\nAdd a loader.")
    assert reply.status == "error"
    assert "Not a repository the API works on" in said(reply) and "GitHub Enterprise" in said(reply)
    assert len(simulator.request_log()) == before


def test_scp_urls_are_sent_as_https(real_kernel, simulator):
    reply = real_kernel.execute("%%cloudcode --text -r git@github.com:octo/scp-demo.git\nAdd a loader.")
    assert reply.status == "ok", reply.traceback
    assert requests_to(simulator, "https://github.com/octo/scp-demo.git")


def test_small_stumbles_get_a_helpful_word(real_kernel):
    typo = real_kernel.execute(f"%%cloudcode --repoo {REPO_A}\nAdd a loader.")
    assert typo.status == "error" and "--repoo (did you mean --repo?)" in said(typo)
    assert "%%cloudcode? lists every option" in said(typo)
    for command in ("show 1", "diff", "pull"):
        reply = real_kernel.execute(f"%cloudcode {command}")
        assert reply.status == "error" and "No runs yet" in said(reply), command
    branch = "feature/a-branch-name-that-is-long-but-not-very-long"
    ran = real_kernel.execute(f"%%cloudcode --text -r {REPO_A} -b {branch}\nAdd a loader.")
    assert ran.status == "ok", ran.traceback
    assert f"octo/first-analysis@{branch}" in real_kernel.execute("%cloudcode history").stdout
