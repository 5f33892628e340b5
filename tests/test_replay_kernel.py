"""Recordings and replay in real kernels: a conversation recorded, the kernel restarted, Run All
replays it without a single request to the API; edited and --live cells go to the API; a kernel
killed mid-run leaves a recording that loads as disconnected."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from cc_jupyter.recordings.reader import load_run
from cc_jupyter.text import strip_escapes

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel
from .waiting import wait_until

REPO = "https://github.com/octo/replayed"
CELLS = [
    "%%cloudcode -o one\nAdd a function that loads data/sales.csv into a DataFrame, with a test.\n",
    "%%cloudcode -o two\nNow make it raise a clear error when the file is missing.\n",
    "%%cloudcode -p -o three\n## unit-tests\nAdd unit tests for the loader.\n## docs\nDocument the loader.\n",
]
SNAPSHOT = (
    "import json\n"
    "print(json.dumps({name: {'status': r.status, 'thread': r.thread_id, 'error': str(r.error),"
    " 'stdout': {t: task.stdout for t, task in r.tasks.items()}} for name, r in"
    " (('one', one), ('two', two), ('three', three))}))"
)


def invocations(simulator, since: int) -> int:
    return sum(1 for record in simulator.request_log()[since:] if record["path"] == "/invoke/stdout")


def kernel_for(simulator, record_dir: Path, **env: str) -> Kernel:
    k = Kernel({"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                "CLOUDCODE_REPO": REPO, "CLOUDCODE_RECORD_DIR": str(record_dir), "CLOUDCODE_REPLAY": "auto", **env})
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    return k


def run_all(k: Kernel) -> list:
    replies = [k.execute(cell) for cell in CELLS]
    for reply in replies:
        assert reply.status == "ok", reply.traceback
    return replies


@pytest.fixture(scope="module")
def recorded(simulator, tmp_path_factory):
    """A three-cell conversation (single, follow-up, parallel) recorded live, and what it showed."""
    record_dir = tmp_path_factory.mktemp("recordings")
    before = len(simulator.request_log())
    k = kernel_for(simulator, record_dir)
    try:
        run_all(k)
        snapshot = json.loads(k.execute(SNAPSHOT).stdout)
    finally:
        k.shutdown()
    assert invocations(simulator, before) == 3
    return record_dir, snapshot


def test_after_a_restart_run_all_replays_without_calling_the_api(simulator, recorded):
    record_dir, original = recorded
    before = len(simulator.request_log())
    k = kernel_for(simulator, record_dir)
    try:
        replies = run_all(k)
        replayed = json.loads(k.execute(SNAPSHOT).stdout)
        assert invocations(simulator, before) == 0
        assert replayed == original  # the same stdout per task, statuses, thread ids
        for reply in replies:
            transcript = reply.data("text/html")[-1]
            assert "replay" in transcript and "--live" in transcript
        history = k.execute("%cloudcode history").stdout
        assert "recorded earlier" in history and "completed" in history

        # an edited prompt, and a --live cell, go to the API (one request each)
        assert k.execute("%%cloudcode -o edited\nNow also accept a path that does not end in .csv.\n").status == "ok"
        assert invocations(simulator, before) == 1
        assert k.execute(CELLS[0].replace("%%cloudcode", "%%cloudcode --live --new")).status == "ok"
        assert invocations(simulator, before) == 2
        # running a cell again in the same kernel continues the conversation live
        assert k.execute(CELLS[1]).status == "ok"
        assert invocations(simulator, before) == 3
    finally:
        k.shutdown()


def test_replay_needs_no_key_and_says_what_to_do_when_nothing_matches(simulator, recorded):
    record_dir, _ = recorded
    before = len(simulator.request_log())
    k = kernel_for(simulator, record_dir, CLOUDCODE_API_KEY="", GITHUB_TOKEN="", GH_TOKEN="")
    try:
        reply = k.execute(CELLS[0])
        assert reply.status == "ok", reply.traceback
        assert "replay" in reply.data("text/html")[-1] and k.value("one.status") == "completed"
        assert k.value("one.tasks['main'].stdout")
        missing = k.execute("%%cloudcode\nA prompt nobody recorded.\n")
        assert missing.status == "error"
        assert "%cloudcode login" in missing.traceback and "%cloudcode demo" in missing.traceback
        only = k.execute("%%cloudcode --replay --new\nAnother prompt nobody recorded.\n")
        assert only.status == "error" and "No recording" in only.traceback + only.stderr
        assert invocations(simulator, before) == 0
    finally:
        k.shutdown()


def test_no_secret_in_any_recording_byte(recorded):
    record_dir, _ = recorded
    files = list(record_dir.glob("*.jsonl"))
    assert len(files) >= 3
    for path in files:
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        for secret in (API_KEY, GITHUB_TOKEN, GITHUB_TOKEN[4:]):
            assert secret not in text and secret not in strip_escapes(text)


def test_a_kernel_killed_mid_run_leaves_a_recording_that_loads_as_disconnected(simulator, tmp_path):
    k = kernel_for(simulator, tmp_path, CLOUDCODE_REPLAY="never")
    try:
        reply = k.execute("%%cloudcode --no-wait --new -o doomed\nA long job.\nsim: hold=killed-kernel\n")
        assert reply.status == "ok"
        simulator.wait_held("killed-kernel", 20)
        wait_until(lambda: any(line.startswith("[") for p in tmp_path.glob("*.jsonl") for line in p.read_text().splitlines()),
                   10, "events flushed to the recording")
        k.manager.signal_kernel(signal.SIGKILL)  # no chance to close the recording
    finally:
        simulator.release("killed-kernel")
        k.shutdown()
    (path,) = tmp_path.glob("*.jsonl")
    run = load_run(path)
    assert run.status == "disconnected" and "kernel stopped" in run.error.message
    assert run.tasks["main"].stdout and run.messages
