"""%%cloudcode --across in real kernels against the simulator: the bound at the server, failures
kept per target, a thread per target, Interrupt with queued targets, Run All replayed offline."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel
from .simrigs import RiggedSimulator
from .waiting import wait_until

CLASS = [f"https://github.com/my-class/assignment-1-{name}" for name in ("ana", "ben", "caz", "dee", "eli")]
LOCKED = "https://github.com/my-class/assignment-1-locked"
GONE = "https://github.com/my-class/assignment-1-gone"


@pytest.fixture(scope="module")
def sim():
    rules = [("repo:/assignment-1-locked$", "status=401"), ("repo:/assignment-1-gone$", "status=404")]
    with RiggedSimulator(pace=0, quiet=True, rules=rules) as simulator:
        yield simulator


@pytest.fixture
def recordings():
    folder = tempfile.mkdtemp(prefix="cc-across-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def invokes(sim) -> list[dict]:
    """The API requests the simulator received (not its GitHub's)."""
    return [r for r in sim.request_log() if r["path"].startswith("/invoke")]


def start_kernel(sim, recordings: str, replay: str = "never") -> Kernel:
    kernel = Kernel({"CLOUDCODE_API_URL": sim.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                     "CLOUDCODE_REPO": "", "CLOUDCODE_DEMO": "", "CLOUDCODE_REPLAY": replay,
                     "CLOUDCODE_RECORD_DIR": recordings, "CLOUDCODE_GITHUB_API_URL": sim.url + "/github"})
    assert kernel.execute("%load_ext cc_jupyter").status == "ok"
    return kernel


@pytest.fixture
def kernel(sim, recordings):
    k = start_kernel(sim, recordings)
    yield k
    k.shutdown()


def test_the_bound_is_kept_at_the_server_and_every_target_completes(kernel, sim):
    sim.reset()
    kernel.execute(f"repos = {CLASS!r}")
    reply = kernel.execute("%%cloudcode --across repos --max-concurrent 2 --no-wait -o group\nAdd a test\nsim: hold=k-bound")
    assert reply.status == "ok", reply.traceback
    wait_until(lambda: sim.held("k-bound") == 2, 30, "two streams held")
    assert len(invokes(sim)) == 2
    assert kernel.value("[r.status for r in group.runs]").count("pending") == 3  # queued, nothing sent
    sim.release("k-bound")
    assert kernel.execute("%cloudcode wait").status == "ok"
    assert kernel.value("group.status") == "completed" and kernel.value("group.slots.most_in_use") == 2
    assert sorted(r["repo_url"] for r in invokes(sim)) == sorted(CLASS)
    history = kernel.execute("%cloudcode history").stdout
    assert all(url.rsplit("/", 1)[1] in history for url in CLASS)


def test_a_401_and_a_404_fail_their_targets_only_and_the_cell_says_so_in_one_line(kernel, sim):
    sim.reset()
    spec = ",".join([CLASS[0], LOCKED, GONE, CLASS[1]])
    reply = kernel.execute(f"%%cloudcode --across {spec} --text -o group\nFix the typo")
    assert reply.status == "error" and reply.error["ename"] == "RunFailedError"
    message = reply.error["evalue"]
    assert message.startswith("2 of 4 targets failed:") and "assignment-1-locked" in message and "assignment-1-gone" in message
    assert "\n" not in message and reply.traceback.count("Traceback") == 0
    assert kernel.value("[r.status for r in group.runs]") == ["completed", "failed", "failed", "completed"]
    out = reply.stdout
    for url in (CLASS[0], CLASS[1], LOCKED, GONE):
        assert url.rsplit("/", 1)[1] in out  # the table shows every target before the cell fails


def test_each_target_continues_its_own_thread_and_new_starts_new_ones(kernel, sim):
    sim.reset()
    spec = f"{CLASS[2]},{CLASS[3]}@dev"
    assert kernel.execute(f"%%cloudcode --across {spec} --text -o first\nStep one").status == "ok"
    assert kernel.execute(f"%%cloudcode --across {spec} --text -o second\nStep two").status == "ok"
    assert kernel.execute(f"%%cloudcode --across {spec} --text --new -o third\nAnother topic").status == "ok"
    first, second, third = (kernel.value(f"[r.thread_id for r in {name}.runs]") for name in ("first", "second", "third"))
    assert first == second and len(set(first)) == 2 and not set(third) & set(first)
    assert kernel.value("[(r.info.repo, r.info.branch) for r in second.runs]") == [[CLASS[2], "main"], [CLASS[3], "dev"]]


def test_interrupt_cancels_the_streaming_targets_and_the_queued_ones_never_start(kernel, sim):
    sim.reset()
    reply = kernel.execute(f"%%cloudcode --across {','.join(CLASS)} --max-concurrent 2 --text -o group\nLong\nsim: hold=k-int",
                           interrupt_after_output="at most 2 at once", timeout=60)
    assert reply.status == "error"
    wait_until(lambda: sim.held("k-int") == 0, 30, "streams closed")
    assert kernel.value("[r.status for r in group.runs]") == ["cancelled"] * 5
    assert len(invokes(sim)) <= 2  # the queued targets sent nothing


def test_interrupting_a_wait_cancels_a_background_board(kernel, sim):
    sim.reset()
    kernel.execute(f"repos = {CLASS!r}")
    assert kernel.execute("%%cloudcode --across repos --max-concurrent 2 --no-wait -o group\nLong\nsim: hold=k-wait").status == "ok"
    wait_until(lambda: sim.held("k-wait") == 2, 30, "two held")
    kernel.execute("%cloudcode wait", interrupt_after_output="waiting for 5 runs", timeout=60)
    wait_until(lambda: sim.held("k-wait") == 0, 30, "streams closed")
    assert kernel.value("[r.status for r in group.runs]") == ["cancelled"] * 5
    assert len(invokes(sim)) == 2  # the three queued targets sent nothing


def test_run_all_after_a_restart_replays_the_whole_board_with_no_request(sim, recordings):
    sim.reset()
    spec = f"{CLASS[0]},{CLASS[4]}@dev"
    cells = [f"%%cloudcode --across {spec} --text -o one\nAdd a loader", f"%%cloudcode --across {spec} --text -o two\nTest it"]
    first = start_kernel(sim, recordings)
    try:
        for cell in cells:
            assert first.execute(cell).status == "ok"
    finally:
        first.shutdown()
    sent = len(invokes(sim))
    again = start_kernel(sim, recordings, replay="auto")
    try:
        for cell in cells:
            reply = again.execute(cell)
            assert reply.status == "ok", reply.traceback
            assert "replay" in reply.stdout
        assert again.value("[r.status for r in two.runs]") == ["completed", "completed"]
        history = again.execute("%cloudcode history").stdout
        assert history.count("replay (API)") == 4
    finally:
        again.shutdown()
    assert len(invokes(sim)) == sent  # not one request


def test_a_github_pattern_expands_from_the_simulators_github_shown_in_dry_run(kernel, sim):
    from cc_jupyter.simulator.github import give_owner

    sim.reset()
    give_owner(sim.git_root, "k-class", ["hw-ana", "hw-ben", "hw-caz", "notes"], archived=["hw-old"])
    dry = kernel.execute("%%cloudcode --across github:k-class/hw-* --dry-run\nAdd a test")
    assert dry.status == "ok", dry.traceback
    assert "github:k-class/hw-* is 3 repositories" in dry.stdout and dry.stdout.count("── target ") == 3
    assert GITHUB_TOKEN not in dry.stdout and API_KEY not in dry.stdout
    assert invokes(sim) == []  # a dry run sends nothing to the API
    listed = [r for r in sim.request_log() if "/repos" in r["path"] and "/orgs/" in r["path"]]
    assert listed  # the expansion asked the simulator's GitHub
    reply = kernel.execute("%%cloudcode --across github:k-class/hw-[ab]* --text -o two\nAdd a test")
    assert reply.status == "ok", reply.traceback
    assert sorted(r["repo_url"] for r in invokes(sim)) == ["https://github.com/k-class/hw-ana", "https://github.com/k-class/hw-ben"]
    bad = kernel.execute("%%cloudcode --across github:no-such-owner-here/* --text\nAdd a test")
    assert bad.status == "error" and "no-such-owner-here" in bad.error["evalue"] and "\n" not in bad.error["evalue"]


def test_a_saved_notebook_keeps_the_board_as_a_transcript_not_widgets(sim, tmp_path, monkeypatch):
    import json

    import nbformat
    from nbclient import NotebookClient

    sim.reset()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext cc_jupyter"),
                nbformat.v4.new_code_cell(f"%%cloudcode --across {CLASS[0]},{CLASS[1]},{LOCKED} -o group\n"
                                          "Print the progress\nsim: lines=30 interval=0.01")]
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    for name, value in {"CLOUDCODE_API_URL": sim.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                        "CLOUDCODE_REPLAY": "never", "CLOUDCODE_RECORD_DIR": str(tmp_path / "runs"),
                        "CLOUDCODE_GITHUB_API_URL": sim.url + "/github"}.items():
        monkeypatch.setenv(name, value)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[1].outputs
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    html = "".join(o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {}))
    assert "cc-board-transcript" in html and html.count('class="cc-board-run"') == 3
    assert outputs[-1]["output_type"] == "error" and "assignment-1-locked" in outputs[-1]["evalue"]
    state = json.dumps(nb.metadata.get("widgets", {}))
    assert "progress" not in state and GITHUB_TOKEN not in state and len(state) < 60_000


def test_one_repository_written_two_ways_is_one_target(kernel, sim):
    sim.reset()
    spec = f"{CLASS[0]},git@github.com:my-class/assignment-1-ana.git,{CLASS[0]}.git,{CLASS[0]}@dev"
    reply = kernel.execute(f"%%cloudcode --across {spec} --text -o group\nAdd a test")
    assert reply.status == "ok", reply.traceback
    assert kernel.value("[(r.info.repo, r.info.branch) for r in group.runs]") == [[CLASS[0], "main"], [CLASS[0], "dev"]]
