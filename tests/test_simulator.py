"""The simulator, exercised over raw http.client / sockets (never through cc_jupyter's client)."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .simrigs import RiggedSimulator
from .waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "ghs_" + "FAKE" * 9  # an obviously fake token, built at run time
KEY = "sk-test-key-0123"


@pytest.fixture(scope="module")
def sim():
    with RiggedSimulator(pace=0) as s:
        yield s


# -- helpers ---------------------------------------------------------------------------------


def body(prompt: str = "Fix the tests", **extra: Any) -> dict[str, Any]:
    b: dict[str, Any] = {"repo_url": "https://github.com/acme/widgets", "github_token": TOKEN,
                         "messages": [{"type": "human", "content": prompt}]}
    b.update(extra)
    return b


def post(sim: RiggedSimulator, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    conn.request("POST", "/invoke/stdout", data,
                 {"Content-Type": "application/json", "x-api-key": KEY, **(headers or {})})
    resp = conn.getresponse()
    result = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    conn.close()
    return result


def get_json(sim: RiggedSimulator, path: str, method: str = "GET") -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request(method, path)
    resp = conn.getresponse()
    out = json.loads(resp.read())
    conn.close()
    return out


def raw(sim: RiggedSimulator, payload: dict[str, Any]) -> tuple[bytes, list[bytes], bool]:
    """POST over a bare socket, read to EOF: (head, body chunks, saw the terminating chunk)."""
    data = json.dumps(payload).encode()
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as s:
        s.sendall(b"POST /invoke/stdout HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
        received = b""
        while part := s.recv(1 << 16):
            received += part
    head, _, rest = received.partition(b"\r\n\r\n")
    chunks, done = [], False
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            done = rest == b"\r\n"
            break
        chunks.append(rest[:size])
        assert rest[size:size + 2] == b"\r\n"
        rest = rest[size + 2:]
    return head, chunks, done


def parse_sse(data: bytes) -> list[tuple[str, Any]]:
    """Minimal SSE + envelope decoding: [(type, payload)], comments skipped."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    events = []
    for block in re.split(r"\r\n\r\n|\r\r|\n\n", text):
        name, datas = None, []
        for line in re.split(r"\r\n|\r|\n", block):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                datas.append(line[6:])
        if not datas:
            continue
        payload = json.loads("\n".join(datas))
        if isinstance(payload, dict) and isinstance(payload.get("event"), str) and "data" in payload:
            name, payload = payload["event"], payload["data"]
        events.append((name or "message", payload))
    return events


def stream(sim: RiggedSimulator, prompt: str, **extra: Any) -> list[tuple[str, Any]]:
    status, headers, data = post(sim, body(prompt, **extra))
    assert status == 200, data
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    return parse_sse(data)


def stdout_of(events: list[tuple[str, Any]]) -> str:
    return "".join(p["stdout"] for name, p in events if name == "custom")


def ai_texts(events: list[tuple[str, Any]]) -> list[str]:
    out = []
    for name, p in events:
        if name != "updates":
            continue
        for msg in p["messages"]:
            if msg["type"] == "ai":
                c = msg["content"]
                out.append(c if isinstance(c, str) else "".join(b.get("text", "") for b in c))
    return out


def last_record(sim: RiggedSimulator) -> dict[str, Any]:
    return sim.request_log()[-1]


def git(*args: str, cwd: Path | None = None) -> str:
    """git's stdout, with the machine's git configuration ignored."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def read_until(sock: socket.socket, marker: bytes, count: int = 1) -> bytes:
    """Read from `sock` until `marker` arrived `count` times (the socket's timeout bounds each read)."""
    received = b""
    while received.count(marker) < count:
        part = sock.recv(65536)
        if not part:
            raise AssertionError(f"connection closed before {marker!r}")
        received += part
    return received


def send_raw(sim: RiggedSimulator, payload: dict[str, Any]) -> socket.socket:
    """Start a POST over a bare socket and return the socket (the caller reads and closes it)."""
    data = json.dumps(payload).encode()
    s = socket.create_connection(("127.0.0.1", sim.port), timeout=10)
    s.sendall(b"POST /invoke/stdout HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
    return s


# -- endpoints and rejections ---------------------------------------------------------------


def test_sim_endpoints(sim):
    assert get_json(sim, "/_sim/health") == {"ok": True}
    post(sim, body())
    assert get_json(sim, "/_sim/requests")[-1]["outcome"] == "completed"
    assert sim.request_log() == get_json(sim, "/_sim/requests")
    assert not hasattr(sim, "requests")
    assert get_json(sim, "/_sim/reset", "POST") == {"ok": True}
    assert get_json(sim, "/_sim/requests") == []


def test_missing_and_invalid_key():
    with RiggedSimulator(pace=0, api_key=KEY) as s:
        status, headers, data = post(s, body(), {"x-api-key": ""})
        assert (status, json.loads(data)) == (401, {"detail": "Missing API key"})
        assert headers["content-type"] == "application/json"
        status, _, data = post(s, body(), {"x-api-key": "wrong"})
        assert (status, json.loads(data)) == (401, {"detail": "Invalid API key"})
        assert post(s, body())[0] == 200
        assert [r["status"] for r in s.request_log()] == [401, 401, 200]
        assert s.request_log()[0]["has_api_key"] is False


def test_404_and_405(sim):
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request("POST", "/nope", b"{}")
    resp = conn.getresponse()
    assert (resp.status, json.loads(resp.read())) == (404, {"detail": "Not Found"})
    conn.request("GET", "/invoke/stdout")
    resp = conn.getresponse()
    assert (resp.status, json.loads(resp.read())) == (405, {"detail": "Method Not Allowed"})
    conn.close()


@pytest.mark.parametrize("payload, loc, kind", [
    (b'{"repo_url": ', ["body", 13], "json_invalid"),
    ({"github_token": "t", "messages": [{"type": "human", "content": "x"}]}, ["body", "repo_url"], "missing"),
    ({**body(), "haiku": "yes"}, ["body", "haiku"], "bool_type"),
    ({**body(), "branch": 3}, ["body", "branch"], "string_type"),
    ({**body(), "messages": []}, ["body", "messages"], "too_short"),
    ({**body(), "messages": [{"type": "ai", "content": "x"}]}, ["body", "messages", 0, "type"], "literal_error"),
    ({**body(), "parallel_tasks": [{"prompt": "a", "task_name": "a"}]}, ["body"], "value_error"),
    ({"repo_url": "u", "github_token": "t"}, ["body"], "value_error"),
    ({"repo_url": "u", "github_token": "t", "parallel_tasks": [{"prompt": "a", "task_name": "x"},
                                                               {"prompt": "b", "task_name": "x"}]},
     ["body", "parallel_tasks"], "value_error"),
])
def test_422_shapes(sim, payload, loc, kind):
    status, headers, data = post(sim, payload)
    assert status == 422 and headers["content-type"] == "application/json"
    detail = json.loads(data)["detail"]
    assert (detail[0]["loc"], detail[0]["type"]) == (loc, kind)
    assert detail[0]["msg"]
    assert TOKEN not in data.decode()
    assert last_record(sim)["outcome"] == "rejected"


def test_status_directives(sim):
    status, headers, data = post(sim, body("go\nsim: status=429"))
    assert status == 429 and headers["retry-after"] == "7" and "detail" in json.loads(data)
    for code in (401, 403, 404, 422, 500, 502, 503):
        assert post(sim, body(f"sim: status={code}"))[0] == code
    status, headers, data = post(sim, body("sim: nonsse"))
    assert status == 200 and headers["content-type"].startswith("text/html") and b"Bad gateway" in data


def test_unknown_directive_is_422(sim):
    status, _, data = post(sim, body("hello\nsim: framming=B"))
    assert (status, json.loads(data)) == (422, {"detail": "Unknown sim directive: framming"})
    status, _, data = post(sim, body("sim: framing=Z"))
    assert status == 422 and "framing=Z" in json.loads(data)["detail"]


# -- a believable run -----------------------------------------------------------------------


def test_single_task_run_shape(sim):
    events = stream(sim, "Make the tests pass\nsim: stdout=both", branch="dev")
    names = [n for n, _ in events]
    assert names[0] == "updates" and names[-1] == "updates" and "custom" in names
    first = events[0][1]
    assert set(first) == {"run_id", "messages", "stream_events"}  # no task_name in single-task runs
    human = first["messages"][0]
    assert human["type"] == "human" and human["content"] == "Make the tests pass"
    assert {"id", "name", "additional_kwargs", "response_metadata"} <= set(human)
    msgs = [m for n, p in events if n == "updates" for m in p["messages"]]
    assert any(isinstance(m["content"], list) for m in msgs if m["type"] == "ai")
    call = next(m for m in msgs if m["type"] == "ai" and m["tool_calls"])["tool_calls"][0]
    assert call["type"] == "tool_call" and {"name", "args", "id"} <= set(call)
    tool = next(m for m in msgs if m["type"] == "tool")
    assert tool["tool_call_id"] and tool["status"] == "success"
    out = stdout_of(events)
    assert "\x1b[32m" in out and "\x1b[31mERROR" in out
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [r["type"] for r in records][:2] == ["system", "assistant"]
    assert records[-1]["type"] == "result" and records[-1]["is_error"] is False
    assert all(p.get("task_name") == "main" for n, p in events if n == "custom")
    summary = ai_texts(events)[-1]
    assert "You asked: Make the tests pass" in summary and "`dev`" in summary
    assert re.search(r"https://github\.com/acme/widgets/commit/[0-9a-f]{7,40}", summary)


def test_run_is_deterministic_apart_from_ids(sim):
    # ids: uuids, tool and message ids, commit shas, and the measured durations
    ids = r"[0-9a-f]{8}-[0-9a-f-]{27}|toolu_01\w+|msg_01\w+|\b[0-9a-f]{7,40}\b|duration(?:_api)?_ms\W+\d+"

    def strip(events: list[tuple[str, Any]]) -> str:
        return re.sub(ids, "ID", json.dumps(events))

    assert strip(stream(sim, "Same prompt")) == strip(stream(sim, "Same prompt"))


def test_directives_removed_from_echo(sim):
    events = stream(sim, "Add a README\n  sim: id wrap\nthen stop")
    payload = events[0][1]["executor"]
    assert payload["messages"][0]["content"] == "Add a README\nthen stop"
    assert "sim:" not in json.dumps(events)
    assert last_record(sim)["prompts"] == ["Add a README\n  sim: id wrap\nthen stop"]


def test_parallel_tasks_interleave(sim):
    events = stream(sim, "", messages=None, parallel_tasks=[
        {"prompt": "Write unit tests", "task_name": "unit-tests"},
        {"prompt": "Update docs\nsim: stdout=plain", "task_name": "docs"}])
    tasks = [p["task_name"] for n, p in events if n == "updates"]
    assert tasks[:2] == ["unit-tests", "docs"]
    assert len({p["run_id"] for n, p in events if n == "updates"}) == 2
    assert not any(line.startswith("{") for line in stdout_of(events).splitlines())
    assert last_record(sim)["task_names"] == ["unit-tests", "docs"]


def test_variants_metadata_end_notask_history(sim):
    events = stream(sim, "sim: metadata end notask history stdout=json")
    assert events[0][0] == "metadata" and set(events[0][1]) == {"run_id", "thread_id"}
    assert events[-1] == ("end", None)
    assert all("task_name" not in p for n, p in events if n == "custom")
    sizes = [len(p["messages"]) for n, p in events if n == "updates"]
    assert sizes == sorted(sizes) and sizes[-1] > 3
    assert "\x1b[" not in stdout_of(events)


def test_failure_events(sim):
    events = stream(sim, "sim: error end")
    assert ("error" in [n for n, _ in events]) and events[-1][0] == "error"
    assert events[-1][1]["error"] == "AgentError"
    events = stream(sim, "sim: result_error")
    result = json.loads(stdout_of(events).splitlines()[-1])
    assert result["is_error"] is True and result["subtype"] == "error_during_execution"
    events = stream(sim, "sim: auth")
    assert events == [("message", {"auth": "invalid api key"})]


def test_huge_badutf8_leak(sim):
    status, _, data = post(sim, body("sim: huge=200000 badutf8 leak"))
    assert status == 200
    assert b"\xff\xfe\xc3(" in data and "日本語, 🎉".encode() in data
    out = stdout_of(parse_sse(data))
    assert any(len(line) == 199999 for line in out.split("\n"))
    assert f"https://x-access-token:{TOKEN}@github.com/acme/widgets.git" in out
    assert re.search(r"ghp_[A-Za-z0-9]{36}\b", out)
    assert TOKEN not in json.dumps(sim.request_log()) and KEY not in json.dumps(sim.request_log())


def test_badutf8_splits_a_character_across_chunks(sim):
    _, chunks, done = raw(sim, body("sim: badutf8"))
    assert done
    assert any(c[-1:] >= b"\xc0" or (c and c[-1] & 0xC0 == 0x80 and not c.endswith(b"\n")) for c in chunks)
    with pytest.raises(UnicodeDecodeError):
        [c.decode() for c in chunks]


# -- the wire -----------------------------------------------------------------------------


@pytest.mark.parametrize("framing, event_line, envelope", [("A", True, False), ("B", False, True),
                                                           ("C", True, True)])
def test_framing_on_the_wire(sim, framing, event_line, envelope):
    _, _, data = post(sim, body(f"sim: framing={framing}"))
    first = data.split(b"\n\n")[0].decode()
    assert first.startswith("event: updates\n") == event_line
    data_line = next(line for line in first.splitlines() if line.startswith("data: "))
    assert json.loads(data_line[6:]).get("event") == ("updates" if envelope else None)
    assert [n for n, _ in parse_sse(data)][0] == "updates"


def test_mixed_framing_and_ids(sim):
    _, _, data = post(sim, body("sim: framing=mixed id"))
    blocks = data.decode().split("\n\n")[:3]
    assert [b.splitlines()[0] for b in blocks] == ["id: 1", "id: 2", "id: 3"]
    assert ["event: " in b for b in blocks] == [True, False, True]
    assert ['"event": ' in b for b in blocks] == [False, True, True]


def test_line_endings_and_bom(sim):
    _, _, data = post(sim, body("sim: crlf bom"))
    assert data.startswith(b"\xef\xbb\xbfevent: updates\r\ndata: ") and b"\r\n\r\n" in data
    _, _, data = post(sim, body("sim: cr"))
    assert b"\n" not in data and b"\r\r" in data
    assert parse_sse(data)[0][0] == "updates"


def test_chunked_and_complete(sim):
    head, chunks, done = raw(sim, body())
    assert b"Transfer-Encoding: chunked" in head and b"text/event-stream" in head
    assert done and len(chunks) > 10


def test_cut_lacks_terminating_chunk(sim):
    _, chunks, done = raw(sim, body("sim: cut=3"))
    assert not done
    assert len(parse_sse(b"".join(chunks))) == 3
    assert last_record(sim)["outcome"] == "cut" and last_record(sim)["events_sent"] == 3
    _, chunks, done = raw(sim, body("sim: cut"))
    assert not done and chunks
    with pytest.raises(http.client.IncompleteRead):
        post(sim, body("sim: cut=2"))


def test_ping_during_silence(sim):
    _, _, data = post(sim, body("sim: ping=0.05 silence=0.3"))
    assert data.count(b": ping\n") >= 4


def test_flood_arrives_complete(sim):
    _, _, data = post(sim, body(messages=None, parallel_tasks=[
        {"prompt": "a\nsim: flood=10000", "task_name": "t-1"}, {"prompt": "b\nsim: stdout=plain", "task_name": "t-2"}]))
    lines = [p["stdout"] for n, p in parse_sse(data) if n == "custom" and " line " in p["stdout"]]
    assert len(lines) == 10000
    assert lines[0] == "[t-1] line 000000 of 10000\n" and lines[-1] == "[t-2] line 009999 of 10000\n"
    assert last_record(sim)["events_sent"] > 10000


def test_flood_in_every_framing_stays_parseable(sim):
    _, _, data = post(sim, body("sim: flood=50 framing=mixed id crlf multiline"))
    events = parse_sse(data)
    assert sum(1 for n, p in events if n == "custom" and " line " in p["stdout"]) == 50
    ids = [int(m) for m in re.findall(rb"^id: (\d+)\r$", data, re.M)]
    assert ids == list(range(1, len(events) + 1))


def test_disconnect_is_detected(sim):
    payload = json.dumps(body("sim: lines=100 interval=0.2")).encode()
    s = socket.create_connection(("127.0.0.1", sim.port), timeout=10)
    s.sendall(b"POST /invoke/stdout HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Length: %d\r\n\r\n%s"
              % (len(payload), payload))
    assert s.recv(100)
    s.close()
    record = wait_until(lambda: next((r for r in get_json(sim, "/_sim/requests")[-1:] if r["outcome"] == "disconnected"),
                                None), 5, "the disconnect to be noticed")
    assert record["events_sent"] < 100  # the stream stopped when the client left (ended_at comes with the outcome)


# -- threads --------------------------------------------------------------------------------


def test_thread_memory(sim):
    stream(sim, "First question", thread_id="t-memory")
    events = stream(sim, "Second question", thread_id="t-memory")
    first_ai = ai_texts(events)[0]
    assert first_ai.startswith('Continuing thread t-memory (turn 2). Earlier you asked: "First question".')
    events = stream(sim, "Third question\nsim: history", thread_id="t-memory")
    contents = [m["content"] for m in events[0][1]["messages"] if m["type"] == "human"]
    assert contents == ["First question", "Second question", "Third question"]
    assert any("(turn 3)" in text for text in ai_texts(events))
    assert last_record(sim)["thread_id"] == "t-memory"


def test_thread_reject_and_reveal(sim):
    status, _, data = post(sim, body("sim: thread=reject", thread_id="never-seen"))
    assert (status, json.loads(data)) == (422, {"detail": "Unknown thread_id: never-seen"})
    events = stream(sim, "sim: thread=metadata")
    tid = events[0][1]["thread_id"]
    assert events[0][0] == "metadata" and tid
    assert post(sim, body("sim: thread=reject", thread_id=tid))[0] == 200
    status, headers, _ = post(sim, body("sim: thread=header"))
    assert re.fullmatch(r"/threads/[0-9a-f-]{36}/runs/[0-9a-f-]{36}", headers["content-location"])
    events = stream(sim, "no id")  # thread=accept without an id: nothing reveals it
    assert "thread_id" not in json.dumps(events)


# -- surface --------------------------------------------------------------------------------


def test_stop_ends_open_streams():
    s = RiggedSimulator(pace=0).start()
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    conn.request("POST", "/invoke/stdout", json.dumps(body("sim: silence=30")), {"x-api-key": "k"})
    resp = conn.getresponse()
    assert resp.status == 200
    s.stop()
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        resp.read()
    assert s.request_log()[-1]["outcome"] == "cut"


def test_cli_listens_and_stops_on_sigterm():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "tests.simrigs", "--port", "0", "--framing", "B"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"cc_jupyter simulator listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(2)), timeout=10)
        conn.request("GET", "/_sim/health")
        assert json.loads(conn.getresponse().read()) == {"ok": True}
        conn.close()
        url = match.group(1)
        assert proc.stdout.readline() == (f"Point CLOUDCODE_API_URL at {url} (and CLOUDCODE_GITHUB_API_URL at "
                                          f"{url}/github); any API key and any GitHub token work.\n")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
