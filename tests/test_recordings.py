"""Recordings through the real client and the simulator: written as the run streams, read back
as the same Run, never holding a secret; found again by what a cell asks; replayed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import cc_jupyter
from cc_jupyter.client.api import prepare, start
from cc_jupyter.client.replay import replay_into
from cc_jupyter.protocol.events import Event
from cc_jupyter.protocol.request import build_request
from cc_jupyter.recordings.format import ask_key, encode, encode_event
from cc_jupyter.recordings.library import Library
from cc_jupyter.recordings.parse import read
from cc_jupyter.recordings.reader import empty_run, load_run
from cc_jupyter.recordings.recorder import Recorder
from cc_jupyter.run.state import Run, RunInfo
from cc_jupyter.secrets import SecretMasker
from cc_jupyter.settings import Settings
from cc_jupyter.text import strip_escapes

from .conftest import API_KEY, GITHUB_TOKEN
from .waiting import wait_until


@pytest.mark.parametrize(
    "event",
    [
        Event("custom", {"task_name": "unit-tests", "stdout": "ok\n"}),
        Event("custom", {"task_name": "naïve ✓", "stdout": 'quote " back \\ tab \t nul \x00 esc \x1b[31m é 😀\n'}),
        Event("custom", {"task_name": "t", "stdout": "lone surrogate \ud800 kept"}),
        Event("custom", {"stdout": "x", "task_name": "other order"}),
        Event("custom", {"task_name": "t", "stdout": "x"}, id="42"),
        Event("custom", {"task_name": 7, "stdout": "not a str name"}),
        Event("updates", {"agent": {"messages": [{"content": "hi"}]}}),
        Event("weird-type", ["a", 1, None, 2.5]),
    ],
)
def test_the_fast_event_line_is_the_generic_line(event):
    for offset in (0.0, 1.234, 1e-05, 12345.678):
        document = [offset, event.type, event.data] + ([event.id] if event.id else [])
        line = encode_event(offset, event)
        assert line == encode(document)
        assert json.loads(line) == json.loads(json.dumps(document))


def same_run(a: Run, b: Run) -> None:
    assert (a.status, a.thread_id, a.run_ids, a.messages) == (b.status, b.thread_id, b.run_ids, b.messages)
    assert list(a.tasks) == list(b.tasks)
    for name in a.tasks:
        assert a.tasks[name].stdout == b.tasks[name].stdout, name
        assert a.tasks[name].status == b.tasks[name].status, name
    assert (a.error.kind, a.error.message) == (b.error.kind, b.error.message) if a.error else b.error is None
    assert a.event_count == b.event_count


@pytest.mark.parametrize(
    "prompt, tasks",
    [("Add a CSV loader test", None), ("x\nsim: error", None), ("x\nsim: cut=5", None), ("x\nsim: result_error", None),
     (None, {"unit-tests": "Add tests\nsim: flood=2000", "docs": "Write docs"}), ("x\nsim: multiline framing=mixed crlf", None)],
)
def test_a_recording_reads_back_as_the_same_run(creds, tmp_path, prompt, tasks):
    run = cc_jupyter.invoke(prompt, tasks=tasks, record=tmp_path, **creds)
    assert run.recording is not None and run.recording.parent == tmp_path
    same_run(run, load_run(run.recording))


def test_a_failure_before_the_stream_is_recorded_too(creds, tmp_path):
    with pytest.raises(cc_jupyter.AuthenticationError):
        cc_jupyter.invoke("x\nsim: status=401", record=tmp_path, **creds)
    (path,) = tmp_path.iterdir()
    back = load_run(path)
    assert back.status == "failed" and "401" in back.error.message


def test_no_secret_reaches_the_disk_even_split_or_escaped(creds, tmp_path):
    run = cc_jupyter.invoke("show me the .env\nsim: leak leak_escaped", record=tmp_path, **creds)
    assert run.tasks["main"].stdout.count("****") >= 4
    raw = run.recording.read_bytes()
    text = raw.decode("utf-8", "replace")
    decoded = json.dumps([json.loads(line) for line in text.splitlines()], ensure_ascii=False)
    for secret in (API_KEY, GITHUB_TOKEN, GITHUB_TOKEN[4:]):
        for seen in (text, strip_escapes(text), decoded, strip_escapes(decoded)):
            assert secret not in seen
        assert secret.encode() not in raw


def test_events_are_on_disk_within_half_a_second_while_the_run_goes_on(simulator, creds, tmp_path):
    handle = start(prepare("x\nsim: hold=recording-flush", **creds), recorder=Recorder(tmp_path))
    try:
        simulator.wait_held("recording-flush", 10)
        wait_until(lambda: handle.run.tasks["main"].output.length > 0, 10, "output before the gate")
        # nothing more arrives while the run is held: only the flush timer can put it on disk
        wait_until(lambda: any(line.startswith("[") for line in _lines(tmp_path)), 10, "events flushed to disk")
        assert not any(line.startswith('{"end"') for line in _lines(tmp_path))
        unfinished = load_run(next(tmp_path.iterdir()))
        assert unfinished.status == "disconnected" and "kernel stopped" in unfinished.error.message
        assert unfinished.tasks["main"].stdout
    finally:
        simulator.release("recording-flush")
        handle.wait()


def _lines(directory: Path) -> list[str]:
    files = list(directory.iterdir())
    return files[0].read_text(encoding="utf-8").splitlines() if files else []


def test_a_torn_last_line_is_ignored(creds, tmp_path):
    run = cc_jupyter.invoke("x", record=tmp_path, **creds)
    lines = run.recording.read_text(encoding="utf-8").splitlines(keepends=True)
    events = [line for line in lines if line.startswith("[")]
    torn = tmp_path / "torn.jsonl"
    torn.write_text("".join(lines[: lines.index(events[-1])]) + events[-1][: len(events[-1]) // 2], encoding="utf-8")
    back = load_run(torn)
    assert back.status == "disconnected" and back.messages  # what came before the tear is there


def test_not_a_recording_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not a cc_jupyter recording"):
        load_run(path)


def test_the_library_matches_by_ask_and_place_and_never_the_same_kernel(creds, tmp_path):
    def record(prompt: str, continues: str | None, kernel: str) -> str:
        recorder = Recorder(tmp_path, continues=continues, kernel=kernel)
        start(prepare(prompt, **creds), recorder=recorder).wait()
        return recorder.id

    first = record("first question", None, "kernel-a")
    second = record("second question", first, "kernel-a")
    retried = record("first question", None, "kernel-b")  # the same ask again, later: the newest wins
    library = Library(tmp_path)
    settings = Settings(repo=creds["repo"])

    def key(prompt: str) -> str:
        return ask_key(RunInfo.of(build_request(prompt, None, settings=settings, for_replay=True)))

    assert library.match(key("first question"), None, kernel="kernel-c").id == retried
    assert library.match(key("first question"), None, kernel="kernel-b").id == first  # not its own
    assert library.match(key("second question"), first, kernel="kernel-c").id == second
    assert library.match(key("second question"), None, kernel="kernel-c") is None  # not the first cell
    assert library.match(key("edited question"), None, kernel="kernel-c") is None
    assert library.find(second[:8]).id == second and library.find("") is None


def test_a_replay_plays_the_recording_into_a_run_and_can_be_stopped(creds, tmp_path):
    original = cc_jupyter.invoke("x\nsim: lines=5 interval=0.05", record=tmp_path, **creds)
    recorded = read(original.recording, masker=SecretMasker())
    instant = empty_run(recorded)
    asyncio.run(replay_into(recorded, instant, speed=0))
    same_run(original, instant)

    async def stopped() -> Run:
        run = empty_run(recorded)
        task = asyncio.ensure_future(replay_into(recorded, run, speed=0.01))  # 100 times slower than recorded
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return run

    assert asyncio.run(stopped()).status == "cancelled"
