"""The client against the simulator over real sockets: every variant and failure."""

from __future__ import annotations

import _thread
import asyncio
import json
import re
import signal
import socket
import threading

import pytest

import cc_jupyter
from cc_jupyter import (
    APIConnectionError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    RequestRejectedError,
    RunCancelled,
    ServerError,
    UnexpectedResponseError,
)
from cc_jupyter.client.api import prepare, start
from cc_jupyter.run.state import Run

from .conftest import API_KEY, GITHUB_TOKEN
from .waiting import wait_until


def without_ids(text: str) -> str:
    """Runs differ only by generated ids (uuids, hex message/tool ids, commit shas)."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\b[0-9a-f]{7,}\b|[0-9a-f]{16,}|\"duration(?:_api)?_ms\":\d+", "<id>", text)


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def last_record(simulator):
    return simulator.request_log()[-1]


def test_single_task_run_completes_with_stdout_messages_and_ids(simulator, creds):
    run = cc_jupyter.invoke("Add a CSV loader test", **creds)
    assert run.status == "completed" and run.error is None
    assert list(run.tasks) == ["main"]
    task = run.tasks["main"]
    assert task.status == "completed" and task.stdout and task.result["type"] == "result"
    assert run.messages[0] == {**run.messages[0], "type": "human", "content": "Add a CSV loader test"}
    ids = [m["id"] for m in run.messages]
    assert len(ids) == len(set(ids))
    assert run.run_ids and run.thread_id
    assert "commit/" in run.summary
    assert run.started_at <= run.ended_at and run.events and run.event_count > len(run.events)
    # the generated thread id was sent with the first request
    assert last_record(simulator)["thread_id"] == run.thread_id


def test_parallel_tasks_interleave_and_each_keeps_its_stdout(creds):
    run = cc_jupyter.invoke(tasks={"unit-tests": "write tests", "docs": "write docs", "lint": "fix lint"}, **creds)
    assert run.status == "completed"
    assert list(run.tasks) == ["unit-tests", "docs", "lint"]
    for name, task in run.tasks.items():
        assert task.status == "completed" and task.run_id and task.messages
        assert f"Done with {name}" in task.summary
    assert len(set(run.run_ids)) == 3


@pytest.mark.parametrize(
    "directive",
    ["framing=B", "framing=C", "framing=mixed", "crlf", "cr", "bom", "ping=0.01", "wrap", "id", "multiline",
     "metadata", "end", "history", "notask", "stdout=plain", "stdout=json", "framing=mixed crlf bom wrap history"],
)
def test_every_wire_variant_gives_the_same_run(creds, directive):
    baseline = cc_jupyter.invoke("same prompt", **creds)
    variant = cc_jupyter.invoke(f"same prompt\nsim: {directive}", **creds)
    assert variant.status == "completed", variant.error
    assert [m["type"] for m in variant.messages] == [m["type"] for m in baseline.messages]
    assert len(variant.messages) == len(baseline.messages)  # history re-sends are de-duplicated
    if "stdout=" not in directive:
        assert without_ids(variant.tasks["main"].stdout) == without_ids(baseline.tasks["main"].stdout)


@pytest.mark.parametrize(
    "directive, error, words",
    [
        ("status=401", AuthenticationError, "API key was rejected"),
        ("status=403", AuthenticationError, "403"),
        ("status=422", RequestRejectedError, "422"),
        ("status=400", RequestRejectedError, "400"),
        ("status=404", NotFoundError, "CLOUDCODE_API_URL"),
        ("status=429", RateLimitError, "wait 7 s"),
        ("status=500", ServerError, "try again"),
        ("status=503", ServerError, "503"),
        ("nonsse", UnexpectedResponseError, "not with an event stream"),
    ],
)
def test_failures_before_the_stream_raise_one_readable_error(creds, directive, error, words):
    with pytest.raises(error, match=words) as caught:
        cc_jupyter.invoke(f"x\nsim: {directive}", **creds)
    message = str(caught.value)
    assert "\n" not in message and API_KEY not in message and GITHUB_TOKEN not in message
    if error is RateLimitError:
        assert caught.value.retry_after == 7


def test_real_401_from_a_restricted_simulator():
    from cc_jupyter.simulator import Simulator

    with Simulator(port=0, pace=0, api_key="the-right-key") as sim:
        with pytest.raises(AuthenticationError, match="Invalid API key") as caught:
            cc_jupyter.invoke("x", repo="https://github.com/o/r", api_url=sim.url, api_key="wrong-key-123",
                              github_token=GITHUB_TOKEN)
        assert caught.value.status == 401 and caught.value.detail == "Invalid API key"
        run = cc_jupyter.invoke("x", repo="https://github.com/o/r", api_url=sim.url, api_key="the-right-key",
                                github_token=GITHUB_TOKEN)
        assert run.status == "completed"


def test_fastapi_422_detail_list_is_made_readable(creds):
    with pytest.raises(RequestRejectedError) as caught:
        cc_jupyter.invoke("x\nsim: status=422", **creds)
    assert caught.value.status == 422
    assert caught.value.detail == "repo_url: Value error, repository not found"
    assert str(caught.value) == "422 from the API: the request was refused: repo_url: Value error, repository not found."


def test_connection_refused_is_a_connection_error(creds):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(APIConnectionError, match="Could not reach"):
        cc_jupyter.invoke("x", **{**creds, "api_url": f"http://127.0.0.1:{port}"})


def test_dns_failure_is_a_connection_error(creds):
    with pytest.raises(APIConnectionError):
        cc_jupyter.invoke("x", **{**creds, "api_url": "http://no-such-host.invalid"})


@pytest.mark.parametrize(
    "directive, status, kind",
    [("error", "failed", "error_event"), ("cut", "disconnected", "disconnected"),
     ("cut=3", "disconnected", "disconnected"), ("auth", "failed", "auth"), ("result_error", "failed", "task_error")],
)
def test_failures_after_the_stream_started_return_the_run(creds, directive, status, kind):
    run = cc_jupyter.invoke(f"x\nsim: {directive}", **creds)
    assert run.status == status and run.error.kind == kind
    message = run.error.message
    assert message.endswith(".") and "\n" not in message and len(message) < 600
    assert any(step in message for step in ("run again", "%cloudcode login", "check the repository", "see its output", "branch main before"))
    assert "httpx" not in message and "chunked" not in message  # words for people, not library internals
    assert run.event_count  # nothing received is dropped


def test_cut_stream_keeps_everything_received(simulator, creds):
    run = cc_jupyter.invoke("x\nsim: cut=6", **creds)
    assert run.status == "disconnected"
    assert run.event_count == 6 == last_record(simulator)["events_sent"]


def test_idle_timeout_marks_the_run_disconnected(creds):
    run = cc_jupyter.invoke("x\nsim: silence=30", idle_timeout=0.5, **creds)
    assert run.status == "disconnected" and run.error.kind == "idle_timeout"


def test_keep_alive_pings_count_as_life(creds):
    # the agent is silent for three idle limits while the server pings every 0.05 s: a healthy connection
    run = cc_jupyter.invoke("x\nsim: silence=1.5 ping=0.05", idle_timeout=0.5, **creds)
    assert run.status == "completed"


def test_a_silence_shorter_than_the_idle_timeout_is_fine(creds):
    run = cc_jupyter.invoke("x\nsim: silence=0.2 ping=0.05", idle_timeout=30, **creds)
    assert run.status == "completed"


def test_huge_line_invalid_utf8_and_split_characters(creds):
    run = cc_jupyter.invoke("x\nsim: huge=2000000 badutf8", **creds)
    assert run.status == "completed"
    stdout = run.tasks["main"].stdout
    assert "\ufffd" in stdout and "café" in stdout and "日本語" in stdout and "🎉" in stdout
    assert max(map(len, stdout.split("\n"))) >= 1_999_999


def test_secrets_are_masked_everywhere(creds):
    import pickle

    run = cc_jupyter.invoke("x\nsim: leak", **creds)
    everything = json.dumps([e.data for e in run.events], default=str) + run.tasks["main"].stdout
    everything += json.dumps(run.messages) + repr(run) + repr(run.info) + str(run.error)
    everything += pickle.dumps(run).decode("latin-1")
    assert GITHUB_TOKEN not in everything and API_KEY not in everything
    assert "ghp_" not in everything and "x-access-token:" not in everything
    assert "****" in run.tasks["main"].stdout


def test_thread_continues_and_server_remembers(simulator, creds):
    first = cc_jupyter.invoke("first question", **creds)
    second = cc_jupyter.invoke("second question", thread_id=first.thread_id, **creds)
    assert second.thread_id == first.thread_id
    assert last_record(simulator)["thread_id"] == first.thread_id
    assert "turn 2" in json.dumps(second.messages)


@pytest.mark.parametrize("mode", ["server-metadata", "server-header"])
def test_a_thread_id_the_server_chooses_is_adopted_and_continued(simulator, creds, mode):
    run = cc_jupyter.invoke(f"x\nsim: thread={mode}", thread_id="client-thread-1", **creds)
    assert run.thread_id not in (None, "client-thread-1")  # the server named its own thread
    assert last_record(simulator)["thread_id"] == "client-thread-1"
    follow = cc_jupyter.invoke("y", thread_id=run.thread_id, **creds)
    assert last_record(simulator)["thread_id"] == run.thread_id and follow.thread_id == run.thread_id


def test_unknown_thread_rejected_before_any_event_is_resent_once_without_it(simulator, creds):
    before = len(simulator.request_log())
    run = cc_jupyter.invoke("x\nsim: thread=reject", thread_id="never-seen", **creds)
    log = simulator.request_log()[before:]
    assert [r["thread_id"] for r in log] == ["never-seen", None]
    assert [r["status"] for r in log] == [422, 200]
    assert run.status == "completed"


def test_server_errors_are_never_retried(simulator, creds):
    before = len(simulator.request_log())
    with pytest.raises(ServerError):
        cc_jupyter.invoke("x\nsim: status=502", **creds)
    assert len(simulator.request_log()) - before == 1


def test_cancel_closes_the_connection_and_keeps_what_arrived(simulator, creds):
    handle = start(prepare("x\nsim: hold=cancel-me", **creds))
    simulator.wait_held("cancel-me", 10)
    wait_until(lambda: handle.run.tasks["main"].output.length > 0, 10, "the output sent before the gate")
    handle.cancel()
    run = handle.wait()
    assert run.status == "cancelled" and run.tasks["main"].stdout
    wait_until(lambda: last_record(simulator)["outcome"] == "disconnected", 5, "the server to see the disconnect")


def test_ctrl_c_while_waiting_cancels_and_raises_run_cancelled(simulator, creds):
    # A process started in the background by a shell without job control (as CI may start
    # pytest) ignores SIGINT, and then interrupt_main() does nothing: give Ctrl-C its usual meaning.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        handle = start(prepare("x\nsim: hold=ctrl-c", **creds))
        simulator.wait_held("ctrl-c", 10)
        waiting = threading.Event()

        def interrupt_once_waiting() -> None:
            if waiting.wait(10):  # the main thread is inside wait(): the interrupt lands there
                _thread.interrupt_main()

        threading.Thread(target=interrupt_once_waiting, daemon=True).start()
        with pytest.raises(RunCancelled) as caught:
            handle.wait(tick=waiting.set)
        assert caught.value.run is handle.run and handle.run.status == "cancelled"
    finally:
        signal.signal(signal.SIGINT, previous)


def test_cancel_before_the_coroutine_started_still_settles(creds):
    handle = start(prepare("x", **creds))
    handle.cancel()
    run = handle.wait()
    assert run.status in ("cancelled", "completed") and run.done


def test_ainvoke_in_a_users_event_loop(creds):
    run = asyncio.run(cc_jupyter.ainvoke(tasks={"a": "one", "b": "two"}, **creds))
    assert run.status == "completed" and list(run.tasks) == ["a", "b"]


def test_flood_of_events_loses_nothing(simulator, creds):
    run = cc_jupyter.invoke(tasks={f"t{i}": "go\nsim: flood=20000" if i == 0 else "go" for i in range(4)}, **creds)
    flood = [line for t in run.tasks.values() for line in t.stdout.splitlines() if " line " in line]
    assert run.status == "completed" and len(flood) == 20000
    assert last_record(simulator)["events_sent"] == run.event_count


def test_validation_happens_before_any_request(simulator, creds):
    before = len(simulator.request_log())
    with pytest.raises(cc_jupyter.InvalidRequestError):
        cc_jupyter.invoke("", **creds)
    assert len(simulator.request_log()) == before


def test_run_repr_and_pre_stream_failure_recorded_on_the_run(creds):
    request = prepare("x\nsim: status=500", **creds)
    run = Run(request)
    with pytest.raises(ServerError) as caught:
        start(request, run=run).wait()
    assert run.status == "failed" and "500" in run.error.message
    frames = [tb.tb_frame.f_code.co_filename for tb in _walk(caught.value.__traceback__)]
    assert not any(name.endswith("transport.py") for name in frames)  # no I/O frame (nor its locals) comes along
    assert repr(run).startswith("<Run failed https://github.com/octo/demo@main thread=")
    assert "tasks=[main:failed] messages=0 events=0>" in repr(run)
    assert API_KEY not in repr(request) and GITHUB_TOKEN not in repr(request)


def test_tls_failure_is_a_connection_error(simulator, creds):
    # https to a plain-HTTP server: the TLS handshake fails before anything is sent
    with pytest.raises(APIConnectionError, match="Could not reach"):
        cc_jupyter.invoke("x", **{**creds, "api_url": simulator.url.replace("http://", "https://")})
