"""Steering the simulator: gates (`hold=NAME`), rules chosen by the prompt, the CLI (raw HTTP only)."""
from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys

import pytest

from .simrigs import RiggedSimulator
from .test_simulator import (
    ROOT,
    TOKEN,
    ai_texts,
    body,
    parse_sse,
    post,
    read_until,
    send_raw,
    stdout_of,
    stream,
)
from .waiting import wait_until


@pytest.fixture(scope="module")
def sim():
    with RiggedSimulator(pace=0) as s:
        yield s


def record_of(sim: RiggedSimulator, prompt: str) -> dict:
    return next(r for r in sim.request_log()[::-1] if r["prompts"] and r["prompts"][0].startswith(prompt))


def read_to_end(sock) -> bytes:
    data = b""
    while part := sock.recv(65536):
        data += part
    return data


def events_of(raw: bytes) -> list:
    """SSE events of a raw chunked response (chunk framing removed)."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    body_bytes = b""
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        body_bytes, rest = body_bytes + rest[:size], rest[size + 2:]
    return parse_sse(body_bytes)


# -- gates ----------------------------------------------------------------------------------


def test_a_held_run_streams_its_first_round_then_waits_for_release(sim):
    s = send_raw(sim, body("Count the orders\nsim: hold=g-1"))
    sim.wait_held("g-1", timeout=5)
    first = read_until(s, b"Cloned acme/widgets")  # the human message and the agent's first step
    record = record_of(sim, "Count the orders\nsim: hold=g-1")
    assert (record["outcome"], record["held"]) == ("streaming", "g-1")
    assert b"git push" not in first
    sim.release("g-1")
    rest = read_to_end(s)
    s.close()
    record = wait_until(lambda: record_of(sim, "Count the orders\nsim: hold=g-1")["outcome"] == "completed"
                   and record_of(sim, "Count the orders\nsim: hold=g-1"), 5, "the run to finish")
    assert record["held"] is None
    assert "Done with main" in ai_texts(events_of(first + rest))[-1]


def test_release_before_hold_is_a_latch(sim):
    sim.release("g-early")
    assert "Done with main" in ai_texts(stream(sim, "Count the orders\nsim: hold=g-early"))[-1]
    assert "Done with main" in ai_texts(stream(sim, "Count the pears\nsim: hold=g-early"))[-1]


def test_release_over_http(sim):
    s = send_raw(sim, body("Count the plums\nsim: hold=g-http"))
    sim.wait_held("g-http", timeout=5)
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request("POST", "/_sim/release", json.dumps({"name": "g-http"}))
    assert json.loads(conn.getresponse().read()) == {"ok": True}
    conn.request("POST", "/_sim/release", json.dumps({"nom": "g-http"}))
    assert conn.getresponse().status == 400
    conn.close()
    assert read_to_end(s).endswith(b"0\r\n\r\n")
    s.close()


def test_a_client_leaving_while_held_is_noticed(sim):
    s = send_raw(sim, body("Count the kiwis\nsim: hold=g-gone"))
    sim.wait_held("g-gone", timeout=5)
    s.close()
    wait_until(lambda: record_of(sim, "Count the kiwis")["outcome"] == "disconnected", 5, "the disconnect")
    assert record_of(sim, "Count the kiwis")["held"] is None


def test_pings_go_on_while_held(sim):
    s = send_raw(sim, body("Count the figs\nsim: hold=g-ping ping=0.02"))
    sim.wait_held("g-ping", timeout=5)
    read_until(s, b": ping\n", count=3)
    assert record_of(sim, "Count the figs")["outcome"] == "streaming"
    sim.release("g-ping")
    read_to_end(s)
    s.close()


def test_reset_lets_held_runs_go_and_forgets_releases():
    with RiggedSimulator(pace=0) as s:
        s.release("g-reset")
        s.reset()
        sock = send_raw(s, body("Count the dates\nsim: hold=g-reset"))
        s.wait_held("g-reset", timeout=5)  # the release before reset() is forgotten
        s.reset()
        assert read_to_end(sock).endswith(b"0\r\n\r\n")
        sock.close()


def test_wait_held_times_out(sim):
    with pytest.raises(TimeoutError):
        sim.wait_held("never-held", timeout=0.05)


# -- rules ----------------------------------------------------------------------------------


def test_rules_apply_when_the_prompt_matches():
    rules = [(r"(?i)dataframe", "commits=2 push_branch=df"), (r"flaky", "status=503"), (r"df", "sim: pr")]
    with RiggedSimulator(pace=0, rules=rules) as s:
        events = stream(s, "Load data/sales.csv into a DataFrame")
        assert "Pushed 2 commits to branch `df`" in ai_texts(events)[-1]
        assert s.request_log()[-1]["directives"] == {"commits": 2, "push_branch": "df"}
        assert post(s, body("a flaky thing"))[0] == 503
        assert post(s, body("a flaky thing\nsim: status=418"))[0] == 418  # the prompt's own lines win
        events = stream(s, "Count the df rows")  # later rules win; "sim:" prefix allowed
        assert "Pull request #1" in ai_texts(events)[-1]
        assert "Pushed 1 commit to branch `main`" in ai_texts(stream(s, "Count the orders"))[-1]


@pytest.mark.parametrize("rules, message", [
    ([("(unclosed", "pr")], "Invalid rule regex"),
    ([("x", "bogus=1")], "Unknown sim directive: bogus"),
    ([("x", "commits=lots")], "Invalid sim directive value"),
    (["x=pr"], "is a (regex, directives) pair"),
])
def test_invalid_rules_are_rejected_at_construction(rules, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        RiggedSimulator(rules=rules)


# -- surface ----------------------------------------------------------------------------------


def test_every_cli_option_has_help():
    text = run_cli("--help").stdout
    for entry in re.split(r"\n(?=  -)", text.split("options:", 1)[1].strip("\n")):
        assert re.search(r"\S {2,}\S|\n {3,}\S", entry.strip()), entry  # the option, then its help
    for option in ("--git-root", "--rule", "--directives", "--api-key", "--pace"):
        assert option in text


def run_cli(*args: str, module: str = "cc_jupyter.simulator", timeout: float = 20) -> subprocess.CompletedProcess:
    """The shipped CLI, or the one with the test rigs (module="tests.simrigs")."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("module, args, message", [
    ("cc_jupyter.simulator", ["--rule", "no-directives-here"], "expected REGEX=DIRECTIVES"),
    ("cc_jupyter.simulator", ["--rule", "x=bogus"], "Unknown sim directive: bogus"),
    ("cc_jupyter.simulator", ["--directives", "hold=g"], "Unknown sim directive: hold"),  # a rig, not shipped
    ("cc_jupyter.simulator", ["--framing", "B"], "unrecognized arguments: --framing B"),
    ("tests.simrigs", ["--directives", "hold"], "Invalid sim directive value"),
    ("tests.simrigs", ["--framing", "Z"], "invalid choice: 'Z'"),
])
def test_cli_rejects_bad_rules_and_directives(module, args, message):
    done = run_cli(*args, module=module)
    assert done.returncode == 2 and message in done.stderr


def test_cli_git_root_and_rules(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "cc_jupyter.simulator", "--pace", "0", "--git-root",
                             str(tmp_path), "--rule", "(?i)orders=lines=2 interval=0"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = re.fullmatch(r"cc_jupyter simulator listening on (http://\S+)\n", proc.stdout.readline()).group(1)
        assert f"CLOUDCODE_GITHUB_API_URL at {url}/github" in proc.stdout.readline()
        conn = http.client.HTTPConnection(url.split("//")[1], timeout=10)
        conn.request("POST", "/invoke/stdout", json.dumps(body("Count the orders")), {"x-api-key": "k"})
        assert "[main] progress 2/2: still working" in stdout_of(parse_sse(conn.getresponse().read()))
        conn.request("GET", "/_sim/requests")
        assert json.loads(conn.getresponse().read())[-1]["directives"] == {"lines": 2, "interval": 0.0}
        conn.close()
        assert (tmp_path / "acme" / "widgets.git" / "HEAD").is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert (tmp_path / "acme" / "widgets.git").is_dir()  # a given git root is kept
    assert TOKEN not in proc.stderr.read()
