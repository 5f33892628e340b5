"""Long-run faults against raw loopback servers (``tests/rawsse.py``): a reset, silence,
keep-alives only, and a clean close before or after the agent's closing answer.

Each run is recorded; the recording must end with an end record and load back as the same Run.
The idle limits are small; nothing waits on a bare sleep and nothing asserts on elapsed time.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpcore
import httpx
import pytest

import cc_jupyter
from cc_jupyter import ConfigurationError, InvalidRequestError
from cc_jupyter.client.api import call_of
from cc_jupyter.client.transport import _disconnect_reason
from cc_jupyter.magics.config import CloudCode
from cc_jupyter.recordings.parse import read
from cc_jupyter.secrets import SecretMasker
from cc_jupyter.settings import IDLE_TIMEOUT

from .conftest import API_KEY, GITHUB_TOKEN
from .rawsse import RawSSEServer, Script, Stream, raw_servers
from .waiting import wait_until

REPO = "https://github.com/octo/faults"
IDLE = 0.3  # seconds: the idle limit of the runs that must be cut
KEEPALIVE_IDLE = 0.5  # the idle limit of the run kept alive by pings alone (one every tenth of it)

HUMAN = {"type": "human", "content": "Run the tests", "id": "h-1"}
CALL = {"name": "Bash", "args": {"command": "pytest -q"}, "id": "toolu_01abc", "type": "tool_call"}
ASKS_FOR_TOOL = {
    "type": "ai", "id": "ai-1", "name": None, "additional_kwargs": {}, "response_metadata": {"stop_reason": "tool_use"},
    "content": [{"type": "text", "text": "I'll run the tests."},
                {"type": "tool_use", "id": CALL["id"], "name": "Bash", "input": CALL["args"]}],
    "tool_calls": [CALL], "invalid_tool_calls": [],
}
TOOL_ANSWER = {"type": "tool", "id": "t-1", "content": "12 passed", "tool_call_id": CALL["id"], "name": "Bash",
               "status": "success"}
CLOSING = {"type": "ai", "id": "ai-2", "content": "All 12 tests pass.", "tool_calls": [],
           "response_metadata": {"stop_reason": "end_turn"}}
RESULT = {"type": "result", "subtype": "success", "is_error": False, "num_turns": 2, "result": "All 12 tests pass."}


def begin(stream: Stream) -> None:
    """What every script sends first: the prompt, a tool call, two lines of its output."""
    stream.event("updates", {"run_id": "run-1", "messages": [HUMAN, ASKS_FOR_TOOL]})
    stream.event("custom", {"stdout": "collecting tests\n"})
    stream.event("custom", {"stdout": "12 passed\n"})


def answer(stream: Stream, *, result: bool = True) -> None:
    """The tool's answer and the agent's closing words (a history re-sent whole), then its result record."""
    stream.event("updates", {"run_id": "run-1", "messages": [HUMAN, ASKS_FOR_TOOL, TOOL_ANSWER, CLOSING]})
    if result:
        stream.event("custom", {"stdout": json.dumps(RESULT) + "\n"})


def reset_after_events(stream: Stream) -> None:
    begin(stream)
    stream.reset()


def silent_after_events(stream: Stream) -> None:
    begin(stream)
    stream.silence()


def keepalives_then_answer(stream: Stream) -> None:
    """Pings only, for three idle limits (by the server's clock), then the closing answer."""
    begin(stream)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 3 * KEEPALIVE_IDLE:
        stream.comment()
        if stream.pause(KEEPALIVE_IDLE / 10):
            return
    answer(stream)
    stream.end()


def pinging(stream: Stream) -> None:
    """Keep-alives as fast as they go: a Stop always lands while bytes are arriving."""
    begin(stream)
    while not stream.pause(0.0005):
        stream.comment()


def closed_mid_chunk(stream: Stream) -> None:
    """Half an HTTP chunk, then FIN: the response never ends."""
    begin(stream)
    stream.conn.sendall(b"40\r\nevent: upd")
    stream.conn.shutdown(socket.SHUT_WR)


def closed_while_calling_a_tool(stream: Stream) -> None:
    begin(stream)
    stream.end()


def closed_after_the_answer(stream: Stream) -> None:
    begin(stream)
    answer(stream)
    stream.end()


def closed_after_the_answer_without_a_result(stream: Stream) -> None:
    begin(stream)
    answer(stream, result=False)
    stream.end()


@pytest.fixture
def serve() -> Iterator[list[RawSSEServer]]:
    """The raw servers a test started: each is closed, its silence ended, at teardown."""
    with raw_servers() as servers:
        yield servers


def invoke(servers: list[RawSSEServer], script: Script, tmp_path: Path, idle: float, *, head: bool = True) -> cc_jupyter.Run:
    server = RawSSEServer(script, head=head)
    servers.append(server)
    run = cc_jupyter.invoke("Run the tests", repo=REPO, api_url=server.url, api_key=API_KEY, github_token=GITHUB_TOKEN,
                            idle_timeout=idle, record=tmp_path, changes=False)
    assert server.invocations == 1
    return run


def assert_recorded(run: cc_jupyter.Run) -> None:
    """The recording ends with an end record and loads back as the same Run."""
    assert run.recording is not None
    recorded = read(run.recording, masker=SecretMasker([API_KEY, GITHUB_TOKEN]))
    assert recorded.end is not None and recorded.end.status == run.status
    loaded = cc_jupyter.load_run(run.recording)
    assert loaded.status == run.status
    assert (loaded.error and (loaded.error.kind, loaded.error.message)) == (run.error and (run.error.kind, run.error.message))
    assert loaded.stdout == run.stdout
    assert [m["id"] for m in loaded.messages] == [m["id"] for m in run.messages]
    text = run.recording.read_text()
    assert API_KEY not in text and GITHUB_TOKEN not in text


def assert_kept_the_start(run: cc_jupyter.Run) -> None:
    assert run.stdout == "collecting tests\n12 passed\n"
    assert [m["id"] for m in run.messages] == ["h-1", "ai-1"]
    assert run.messages[-1]["tool_calls"] == [CALL]


def test_a_reset_mid_stream_is_disconnected_named_and_keeps_what_arrived(serve, tmp_path):
    run = invoke(serve, reset_after_events, tmp_path, IDLE)
    assert run.status == "disconnected" and run.error.kind == "disconnected"
    assert "reset" in run.error.message and "the agent may still be working" in run.error.message
    assert f"{REPO} branch main" in run.error.message
    assert_kept_the_start(run)
    assert_recorded(run)
    with pytest.raises(cc_jupyter.RunFailedError, match="reset"):
        run.raise_for_status()


def test_a_close_in_the_middle_of_a_chunk_is_named(serve, tmp_path):
    run = invoke(serve, closed_mid_chunk, tmp_path, IDLE)
    assert run.status == "disconnected" and run.error.kind == "disconnected"
    assert "the server closed the connection in the middle of the response" in run.error.message
    assert "chunked" not in run.error.message and "httpx" not in run.error.message
    assert_kept_the_start(run)
    assert_recorded(run)


@pytest.mark.parametrize(
    "underneath, words",
    [(ConnectionResetError(104, "Connection reset by peer"), "reset by the server"),
     (ConnectionAbortedError(103, "Software caused connection abort"), "network connection was lost"),
     (TimeoutError(110, "Connection timed out"), "timed out"),
     (None, "network connection was lost")],
)
def test_a_broken_read_is_named_by_the_os_error_underneath(underneath, words):
    try:
        try:
            raise httpcore.ReadError(underneath) from underneath
        except httpcore.ReadError as inner:
            raise httpx.ReadError("") from inner
    except httpx.ReadError as error:
        assert words in _disconnect_reason(error)


def test_silence_past_the_idle_limit_closes_the_connection(serve, tmp_path):
    run = invoke(serve, silent_after_events, tmp_path, IDLE)
    assert run.status == "disconnected" and run.error.kind == "idle_timeout"
    message = run.error.message
    assert f"Nothing arrived for {IDLE:g} s" in message
    assert "CloudCode.idle_timeout" in message and "CLOUDCODE_IDLE_TIMEOUT" in message
    assert "the agent may still be working" in message and f"{REPO} branch main" in message
    assert_kept_the_start(run)
    assert_recorded(run)


def test_a_server_that_never_answers_is_given_up_after_the_idle_limit(serve, tmp_path):
    run = invoke(serve, Stream.silence, tmp_path, IDLE, head=False)  # the request went out: a run may have started
    assert run.status == "disconnected" and run.error.kind == "idle_timeout"
    assert f"Nothing arrived for {IDLE:g} s" in run.error.message and "may still be working" in run.error.message
    assert run.event_count == 0 and run.stdout == ""
    assert_recorded(run)


def test_keepalives_alone_keep_a_quiet_connection_alive(serve, tmp_path):
    run = invoke(serve, keepalives_then_answer, tmp_path, KEEPALIVE_IDLE)
    assert run.status == "completed" and run.error is None, run.error
    assert [m["id"] for m in run.messages] == ["h-1", "ai-1", "t-1", "ai-2"]
    assert run.summary == "All 12 tests pass."
    assert_recorded(run)


def test_a_clean_close_while_a_tool_call_waits_is_disconnected(serve, tmp_path):
    run = invoke(serve, closed_while_calling_a_tool, tmp_path, IDLE)
    assert run.status == "disconnected" and run.error.kind == "disconnected"
    assert "still waited on a tool call" in run.error.message
    assert_kept_the_start(run)
    assert_recorded(run)


@pytest.mark.parametrize("script", [closed_after_the_answer, closed_after_the_answer_without_a_result])
def test_a_clean_close_after_the_closing_answer_completes(serve, tmp_path, script):
    run = invoke(serve, script, tmp_path, IDLE)
    assert run.status == "completed" and run.error is None
    assert run.messages[-1]["id"] == "ai-2" and run.summary == "All 12 tests pass."
    assert run.tasks["main"].result == (RESULT if script is closed_after_the_answer else None)
    assert_recorded(run)


def test_stop_is_never_lost_while_bytes_arrive_under_an_idle_limit(serve):
    # asyncio.wait_for (Python < 3.12) swallowed about one Stop in three here: the run went on.
    server = RawSSEServer(pinging)
    serve.append(server)
    for attempt in range(10):
        handle = call_of("Run the tests", repo=REPO, api_url=server.url, api_key=API_KEY, github_token=GITHUB_TOKEN,
                         idle_timeout=60, record=False, changes=False).start()
        wait_until(lambda: handle.run.event_count >= 3, 10, "the first events")  # noqa: B023 - used at once
        handle.cancel()
        wait_until(handle.done, 10, f"Stop #{attempt + 1} to end the run")
        assert handle.run.status == "cancelled"


# ----- where the limit comes from -----
def limit_of(**kwargs: object) -> float:
    return call_of("x", repo=REPO, api_url="http://127.0.0.1:9", api_key=API_KEY, github_token=GITHUB_TOKEN,
                   record=False, **kwargs).idle_timeout


def test_the_limit_is_the_argument_else_the_environment_else_900(monkeypatch):
    monkeypatch.delenv("CLOUDCODE_IDLE_TIMEOUT", raising=False)
    assert limit_of() == IDLE_TIMEOUT == 900
    monkeypatch.setenv("CLOUDCODE_IDLE_TIMEOUT", " 42.5 ")
    assert limit_of() == 42.5
    assert limit_of(idle_timeout=0) == 0  # never
    assert limit_of(idle_timeout=7) == 7


@pytest.mark.parametrize("value", ["abc", "-5", "nan", "inf"])
def test_a_bad_environment_value_is_one_sentence_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("CLOUDCODE_IDLE_TIMEOUT", value)
    with pytest.raises(ConfigurationError, match=f"^CLOUDCODE_IDLE_TIMEOUT must be .* not '{value}'") as caught:
        limit_of()
    assert caught.value.__cause__ is None  # one sentence, raised before any I/O: nothing underneath
    assert limit_of(idle_timeout=5) == 5  # an argument wins over the variable, read or not


@pytest.mark.parametrize("value", [-5, float("nan"), True])
def test_a_bad_argument_is_refused_before_anything_is_sent(value):
    with pytest.raises(InvalidRequestError, match="^idle_timeout must be"):
        limit_of(idle_timeout=value)


def test_the_config_trait_reads_the_environment_until_configured(monkeypatch):
    monkeypatch.delenv("CLOUDCODE_IDLE_TIMEOUT", raising=False)
    cfg = CloudCode()
    assert cfg.idle_timeout == 900
    monkeypatch.setenv("CLOUDCODE_IDLE_TIMEOUT", "60")  # %env after the extension loaded
    assert cfg.idle_timeout == 60
    cfg.idle_timeout = 0
    assert cfg.idle_timeout == 0
    cfg.idle_timeout = None  # back to the environment
    monkeypatch.setenv("CLOUDCODE_IDLE_TIMEOUT", "abc")
    with pytest.raises(ConfigurationError, match="CLOUDCODE_IDLE_TIMEOUT"):
        cfg.idle_timeout  # noqa: B018 - reading it is the test
