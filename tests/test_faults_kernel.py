"""Faults as a notebook user meets them: a real kernel, a raw loopback server (``tests/rawsse.py``).

The kernel starts with ``CLOUDCODE_IDLE_TIMEOUT=0.3`` in its environment; each test points
``CloudCode.api_url`` at a server of its own. A broken-off run fails its cell with one line.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cc_jupyter.text import strip_escapes

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel, Reply
from .rawsse import RawSSEServer, Script, raw_servers
from .test_faults import closed_after_the_answer, reset_after_events, silent_after_events

IDLE = "0.3"  # CLOUDCODE_IDLE_TIMEOUT in the kernel's environment


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    github = RawSSEServer(lambda stream: stream.end())  # GitHub's questions get a 404: no changes read
    k = Kernel({
        "CLOUDCODE_API_KEY": API_KEY,
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "CLOUDCODE_REPO": "https://github.com/octo/faults",
        "CLOUDCODE_GITHUB_API_URL": github.url + "/github",
        "CLOUDCODE_IDLE_TIMEOUT": IDLE,
    })
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    yield k
    k.shutdown()
    github.close()


@pytest.fixture
def serve(kernel: Kernel) -> Iterator[list[RawSSEServer]]:
    """The raw servers a test started: each is closed, its silence ended, at teardown."""
    with raw_servers() as servers:
        yield servers


def run_cell(kernel: Kernel, servers: list[RawSSEServer], script: Script, name: str) -> Reply:
    server = RawSSEServer(script)
    servers.append(server)
    assert kernel.execute(f"%config CloudCode.api_url = {server.url!r}").status == "ok"
    reply = kernel.execute(f"%%cloudcode -o {name}\nRun the tests\n", timeout=60)
    assert server.invocations == 1
    return reply


def one_line_error(reply: Reply, ename: str) -> str:
    """The cell failed with a single line naming ``ename``, no traceback anywhere; that line."""
    assert reply.status == "error" and reply.error is not None and reply.error["ename"] == ename, reply.traceback
    assert len(reply.error["traceback"]) == 1
    line = strip_escapes(reply.error["traceback"][0])
    assert "\n" not in line and line.startswith(f"{ename}: ")
    assert "Traceback" not in reply.stdout + reply.stderr + reply.traceback
    return line


def test_a_reset_fails_the_cell_with_one_line_and_keeps_what_arrived(kernel, serve):
    line = one_line_error(run_cell(kernel, serve, reset_after_events, "reset"), "RunFailedError")
    assert "reset by the server" in line and "the agent may still be working" in line
    assert kernel.value("reset.status") == "disconnected"
    assert kernel.value("reset.error.kind") == "disconnected"
    assert kernel.value("reset.stdout") == "collecting tests\n12 passed\n"
    assert kernel.value("[m['id'] for m in reset.messages]") == ["h-1", "ai-1"]
    assert kernel.value("__import__('cc_jupyter').load_run(reset.recording).status") == "disconnected"


def test_the_idle_limit_comes_from_the_kernels_environment(kernel, serve):
    line = one_line_error(run_cell(kernel, serve, silent_after_events, "silent"), "RunFailedError")
    assert f"Nothing arrived for {IDLE} s" in line and "CLOUDCODE_IDLE_TIMEOUT" in line
    assert kernel.value("silent.error.kind") == "idle_timeout"
    assert kernel.value("silent.stdout") == "collecting tests\n12 passed\n"


def test_a_bad_idle_limit_in_the_environment_is_one_line(kernel, serve):
    assert kernel.execute("%env CLOUDCODE_IDLE_TIMEOUT=abc").status == "ok"
    try:
        server = RawSSEServer(closed_after_the_answer)
        serve.append(server)
        assert kernel.execute(f"%config CloudCode.api_url = {server.url!r}").status == "ok"
        reply = kernel.execute("%%cloudcode\nRun the tests\n", timeout=60)
        line = one_line_error(reply, "ConfigurationError")
        assert "CLOUDCODE_IDLE_TIMEOUT must be" in line and "'abc'" in line
        assert server.invocations == 0  # nothing was sent
    finally:
        assert kernel.execute(f"%env CLOUDCODE_IDLE_TIMEOUT={IDLE}").status == "ok"


def test_a_clean_close_after_the_answer_is_an_ordinary_cell(kernel, serve):
    reply = run_cell(kernel, serve, closed_after_the_answer, "done")
    assert reply.status == "ok", reply.traceback
    assert kernel.value("done.status") == "completed"
