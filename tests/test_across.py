"""invoke_many / ainvoke_many against the simulator: the bound on open streams, failures kept per target."""

from __future__ import annotations

import _thread
import asyncio
import signal
import sys
import threading

import pytest

import cc_jupyter
from cc_jupyter import InvalidRequestError, RunCancelled

from .conftest import API_KEY, GITHUB_TOKEN
from .simrigs import RiggedSimulator
from .waiting import wait_until

CLASS = [f"https://github.com/my-class/assignment-1-{name}" for name in ("ana", "ben", "caz", "dee", "eli", "fay")]


@pytest.fixture(scope="module")
def sim():
    rules = [("repo:/assignment-1-locked$", "status=401"), ("repo:/assignment-1-gone$", "status=404")]
    with RiggedSimulator(pace=0, quiet=True, rules=rules) as simulator:
        yield simulator


def invokes(sim) -> list[dict]:
    """The API requests the simulator received (not its GitHub's)."""
    return [r for r in sim.request_log() if r["path"].startswith("/invoke")]


def creds(sim) -> dict[str, str]:
    return {"api_url": sim.url, "api_key": API_KEY, "github_token": GITHUB_TOKEN}


def test_never_more_streams_than_the_bound_and_every_target_runs(sim):
    sim.reset()
    done: dict[str, cc_jupyter.RunGroup] = {}
    worker = threading.Thread(target=lambda: done.setdefault("group", cc_jupyter.invoke_many(
        "Add a test for the loader\nsim: hold=across-bound", repos=CLASS[:5] + [CLASS[5] + "@feature/x"],
        max_concurrency=2, changes=False, record=False, **creds(sim))))
    worker.start()
    wait_until(lambda: sim.held("across-bound") == 2, 30, "two streams held at the server")
    assert len(invokes(sim)) == 2
    sim.release("across-bound")
    worker.join(60)
    group = done["group"]
    assert [(run.info.repo, run.info.branch) for run in group.runs] == [(url, "main") for url in CLASS[:5]] + [(CLASS[5], "feature/x")]
    assert group.status == "completed" and group.slots.most_in_use == 2 and len(invokes(sim)) == 6
    assert len({run.thread_id for run in group.runs}) == 6  # a conversation per target
    assert group.summary() == "6 targets: 6 completed"
    rows = group.rows()
    assert [row["status"] for row in rows] == ["completed"] * 6 and rows[5]["branch"] == "feature/x"
    table = group.table()  # pandas is a test dependency: a DataFrame, a row per target in order
    assert list(table["repo"]) == CLASS and list(table["branch"])[5] == "feature/x"
    assert list(table.columns) == list(rows[0]) and (table["status"] == "completed").all()


def test_the_table_is_the_rows_without_pandas(sim, monkeypatch):
    group = cc_jupyter.invoke_many("Fix the typo", repos=CLASS[:2], changes=False, record=False, **creds(sim))
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    assert group.table() == group.rows() and [row["repo"] for row in group.rows()] == CLASS[:2]


def test_a_401_and_a_404_stay_with_their_targets(sim):
    repos = [CLASS[0], "https://github.com/my-class/assignment-1-locked", "https://github.com/my-class/assignment-1-gone", CLASS[1]]
    group = cc_jupyter.invoke_many("Fix the typo", repos=repos, changes=False, record=False, **creds(sim))
    assert [run.status for run in group.runs] == ["completed", "failed", "failed", "completed"]
    assert "401" in group.runs[1].error.message and "404" in group.runs[2].error.message
    assert group.status == "failed" and [run.info.repo for run in group.failed] == repos[1:3]
    assert API_KEY not in repr(group.rows()) and GITHUB_TOKEN not in repr(group.rows())


def test_cancel_stops_the_streaming_and_queued_targets_never_start(sim):
    sim.reset()
    before = len(invokes(sim))

    async def main() -> cc_jupyter.RunGroup:
        task = asyncio.ensure_future(cc_jupyter.ainvoke_many("Long job\nsim: hold=across-cancel", repos=CLASS,
                                                             max_concurrency=2, changes=False, record=False, **creds(sim)))
        await asyncio.get_running_loop().run_in_executor(None, wait_until, lambda: sim.held("across-cancel") == 2, 30, "held")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task

    asyncio.run(main())
    assert len(invokes(sim)) - before == 2  # the four queued targets sent nothing


def test_ctrl_c_in_invoke_many_cancels_every_target(sim):
    sim.reset()
    # A process started in the background by a shell without job control (as CI may start
    # pytest) ignores SIGINT, and then interrupt_main() does nothing: give Ctrl-C its usual meaning.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupt_when_held() -> None:
        wait_until(lambda: sim.held("across-ctrl-c") == 3, 30, "held")
        _thread.interrupt_main()

    try:
        threading.Thread(target=interrupt_when_held, daemon=True).start()
        with pytest.raises(RunCancelled):
            cc_jupyter.invoke_many("Job\nsim: hold=across-ctrl-c", repos=CLASS, max_concurrency=3, changes=False,
                                   record=False, **creds(sim))
    finally:
        signal.signal(signal.SIGINT, previous)
    wait_until(lambda: sim.held("across-ctrl-c") == 0, 30, "every stream closed")
    assert len(invokes(sim)) == 3  # the three queued targets sent nothing


@pytest.mark.parametrize("whole_group", [True, False])
def test_a_queued_run_takes_a_stopped_runs_slot_unless_the_whole_group_was_stopped(sim, whole_group):
    """Cancelling a group cancels its streaming runs first: the slot one of them leaves must not go
    to a queued run whose own cancel has not arrived yet. Stopping one run alone lets the next start."""
    from cc_jupyter.client.many import many_calls, start_many

    sim.reset()
    gate = f"across-slot-{whole_group}"
    group = start_many(*many_calls(f"Job\nsim: hold={gate}", repos=CLASS[:2], max_concurrency=1, changes=False,
                                   record=False, **creds(sim)))
    wait_until(lambda: sim.held(gate) == 1, 30, "the first run held")
    if whole_group:
        group.slots.close()  # what group.cancel() does before cancelling any run
    group.handles[0].cancel()
    assert group.handles[0].settled(30)
    if whole_group:
        assert group.handles[1].settled(30) and group.runs[1].status == "cancelled"
        assert len(invokes(sim)) == 1  # the queued target sent nothing
    else:
        wait_until(lambda: sim.held(gate) == 1 and len(invokes(sim)) == 2, 30, "the queued run streaming")
        group.cancel()
        assert group.handles[1].settled(30) and group.runs[1].status == "cancelled"
    assert group.runs[0].status == "cancelled"


@pytest.mark.parametrize("repos, words", [([], "No repository"), (["https://gitlab.com/o/r"], "Not a repository the API"),
                                          ([42], "Not a repository"), ([f"https://github.com/o/r{i}" for i in range(501)], "at most 500")])
def test_bad_targets_are_refused_before_any_request(sim, repos, words):
    before = len(invokes(sim))
    with pytest.raises(InvalidRequestError, match=words):
        cc_jupyter.invoke_many("x", repos=repos, changes=False, record=False, **creds(sim))
    with pytest.raises(InvalidRequestError, match="max_concurrency"):
        cc_jupyter.invoke_many("x", repos=CLASS, max_concurrency=0, **creds(sim))
    assert len(invokes(sim)) == before
