"""The magics in a real kernel against the simulator: what a notebook user sees.

Runs that must still be going when the test looks are held at a simulator gate (``sim: hold=``)
until the test releases them, so no assertion depends on how fast anything is. Every test
checks, on its own messages, that no secret reached the frontend.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from cc_jupyter.text import strip_escapes

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel

REPO = "https://github.com/octo/notebook-demo"
WIDGET = "application/vnd.jupyter.widget-view+json"
_TAG = re.compile(r"<[^>]*>")


def visible_strings(value: Any) -> list[str]:
    """Every string in a message as a reader could see it: escapes removed; HTML as shown."""
    if isinstance(value, str):
        return [strip_escapes(value), strip_escapes(html.unescape(_TAG.sub("", value)))]
    if isinstance(value, dict):
        return [s for item in value.values() for s in visible_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in visible_strings(item)]
    return []


@pytest.fixture(scope="module")
def kernel(simulator):
    k = Kernel({
        "CLOUDCODE_API_URL": simulator.url,
        "CLOUDCODE_API_KEY": API_KEY,
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "CLOUDCODE_REPO": REPO,
    })
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    yield k
    k.shutdown()


@pytest.fixture(autouse=True)
def no_secret_reaches_the_frontend(request):
    """After each test of this module: its own IOPub messages hold no key or token, visible or not."""
    if "kernel" not in request.fixturenames:
        yield
        return
    kernel = request.getfixturevalue("kernel")
    start = len(kernel.all_messages)
    yield
    for message in kernel.all_messages[start:]:
        if message["msg_type"] == "execute_input":
            continue  # the user's own cell text (one test types a token on purpose)
        for text in visible_strings(message["content"]) + [json.dumps(message["content"], default=str)]:
            for secret in (API_KEY, GITHUB_TOKEN, GITHUB_TOKEN[4:]):
                assert secret not in text, f"{message['msg_type']} holds a secret"


def requests_since(simulator, count):
    return [r for r in simulator.request_log()[count:] if r["path"] == "/invoke/stdout"]




def test_prompt_is_sent_verbatim_and_view_becomes_a_transcript(kernel, simulator):
    before = len(simulator.request_log())
    reply = kernel.execute("%%cloudcode -o r1\nUse {braces} and $dollars as they are\n")
    assert reply.status == "ok", reply.traceback
    assert requests_since(simulator, before)[0]["prompts"] == ["Use {braces} and $dollars as they are\n"]
    assert reply.data(WIDGET), "a live widget view is displayed first"
    final_html = reply.data("text/html")[-1]
    assert "completed" in final_html and "commit/" in final_html
    updates = reply.of_type("update_display_data")
    assert updates and WIDGET not in updates[-1]["content"]["data"], "the widget is replaced by the transcript"
    assert kernel.value("r1.status") == "completed"


def test_thread_continues_across_cells_then_new_and_switch(kernel, simulator):
    kernel.execute("%cloudcode thread new")
    before = len(simulator.request_log())
    assert kernel.execute("%%cloudcode -o a\nfirst\n").status == "ok"
    assert kernel.execute("%%cloudcode -o b\nsecond\n").status == "ok"
    first, second = requests_since(simulator, before)
    assert first["thread_id"] and second["thread_id"] == first["thread_id"] == kernel.value("a.thread_id")
    assert "turn 2" in kernel.value("str(b.messages[1]['content'])")
    assert kernel.execute("%%cloudcode --new\nthird\n").status == "ok"
    third = requests_since(simulator, before)[-1]
    assert third["thread_id"] not in (None, first["thread_id"])
    kernel.execute(f"%cloudcode thread {first['thread_id']}")
    assert kernel.execute("%%cloudcode\nfourth\n").status == "ok"
    assert requests_since(simulator, before)[-1]["thread_id"] == first["thread_id"]
    assert kernel.execute("%%cloudcode --thread explicit-thread-7\nfifth\n").status == "ok"
    assert requests_since(simulator, before)[-1]["thread_id"] == "explicit-thread-7"


def test_parallel_cell_makes_named_tasks(kernel, simulator):
    before = len(simulator.request_log())
    reply = kernel.execute("%%cloudcode -p -o par\n## unit-tests\nAdd tests\n\n## docs\nWrite docs\n")
    assert reply.status == "ok", reply.traceback
    record = requests_since(simulator, before)[0]
    assert record["task_names"] == ["unit-tests", "docs"] and record["prompts"] == ["Add tests", "Write docs"]
    assert kernel.value("list(par.tasks)") == ["unit-tests", "docs"]
    comm_text = json.dumps(reply.of_type("comm_open", "comm_msg"), default=str)
    assert "unit-tests" in comm_text and "docs" in comm_text and "Agent" in comm_text
    final_html = reply.data("text/html")[-1]
    assert "unit-tests" in final_html and "docs" in final_html


def test_out_binds_the_run_at_once_and_wait_shows_the_result(kernel, simulator):
    reply = kernel.execute("%%cloudcode --no-wait --new -o bg\nlong job\nsim: hold=kernel-bg lines=3 interval=0\n")
    assert reply.status == "ok"
    simulator.wait_held("kernel-bg", 20)
    assert kernel.value("bg.status") == "running"  # held at the gate until released below
    simulator.release("kernel-bg")
    waited = kernel.execute("%cloudcode wait")
    assert waited.status == "ok", waited.traceback
    assert kernel.value("bg.status") == "completed"
    assert kernel.value("'progress 3/3' in bg.tasks['main'].stdout")


def test_no_wait_run_leaves_its_transcript_without_another_cell(kernel, simulator):
    reply = kernel.execute("%%cloudcode --no-wait --new -o detached\nbackground job\nsim: hold=kernel-detached\n")
    display_id = reply.of_type("display_data")[0]["content"]["transient"]["display_id"]
    simulator.wait_held("kernel-detached", 20)
    simulator.release("kernel-detached")
    update = kernel.wait_for_message(
        lambda m: m["msg_type"] == "update_display_data" and m["content"]["transient"]["display_id"] == display_id
        and WIDGET not in m["content"]["data"])
    assert "completed" in update["content"]["data"]["text/html"]
    assert kernel.value("detached.status") == "completed"




def test_next_run_on_a_busy_thread_waits_for_the_previous_one(kernel, simulator):
    assert kernel.execute("%%cloudcode --no-wait --new -o busy\nslow\nsim: hold=kernel-busy\n").status == "ok"
    simulator.wait_held("kernel-busy", 20)
    simulator.release("kernel-busy")  # the next cell waits for it: it finishes while that cell waits
    reply = kernel.execute("%%cloudcode -o after\nfollow-up\n")
    assert reply.status == "ok" and "waiting for run" in reply.stdout
    assert kernel.value("busy.status") == "completed" and kernel.value("after.thread_id == busy.thread_id")


def test_interrupt_closes_the_connection_and_keeps_what_arrived(kernel, simulator):
    reply = kernel.execute(
        "%%cloudcode --text --new -o stopped\nlong\nsim: hold=kernel-interrupt\n", interrupt_after_output="Cloning into"
    )
    assert reply.status == "error" and reply.error["ename"] == "RunCancelled"
    assert "Traceback" not in reply.traceback
    assert kernel.value("stopped.status") == "cancelled"
    assert kernel.value("len(stopped.tasks['main'].stdout) > 0")
    assert kernel.value("len(get_ipython().magics_manager.registry['CloudCodeMagics'].session.unfinished())") == 0
    assert kernel.execute("1 + 1").status == "ok", "the kernel is ready for the next cell"


@pytest.mark.parametrize(
    "directive, ename, words",
    [
        ("status=401", "AuthenticationError", "API key was rejected"),
        ("status=422", "RequestRejectedError", "repository not found"),
        ("status=503", "ServerError", "try again"),
        ("error", "RunFailedError", "AgentError"),
        ("cut", "RunFailedError", "connection ended"),
        ("empty", "RunFailedError", "without sending a single event"),
        ("deep=5000", None, None),
        ("retry=5000", None, None),
    ],
)
def test_every_failure_ends_the_run_with_one_sentence(kernel, directive, ename, words):
    kernel.execute("%xmode Verbose")
    reply = kernel.execute(f"%%cloudcode -o failing\nx\nsim: {directive}\n")
    kernel.execute("%xmode Context")
    if ename is None:  # hostile but survivable: the run completes, what arrived is kept
        assert reply.status == "ok", reply.traceback
        assert kernel.value("failing.status") == "completed"
        return
    assert reply.status == "error" and reply.error["ename"] == ename
    assert words in reply.traceback and "Traceback" not in reply.traceback
    assert len(reply.error["traceback"]) == 1
    assert kernel.value("failing.status") in ("failed", "disconnected")


def test_an_unexpected_exception_in_the_io_path_ends_the_run_without_a_traceback(kernel):
    setup = (
        "import cc_jupyter.run.state as _state\n"
        "_original_apply = _state.Run.apply\n"
        "def _broken(self, event, secret_header={'x-api-key': 'never-shown-' + 'x' * 8}):\n"
        "    raise RuntimeError('boom')\n"
        "_state.Run.apply = _broken\n"
    )
    assert kernel.execute(setup).status == "ok"
    kernel.execute("%xmode Verbose")
    try:
        reply = kernel.execute("%%cloudcode -o broken\nx\n")
    finally:
        kernel.execute("%xmode Context")
        kernel.execute("_state.Run.apply = _original_apply")
    assert reply.status == "error" and reply.error["ename"] == "RunFailedError"
    assert "could not read the stream (RuntimeError: boom)" in reply.traceback
    assert len(reply.error["traceback"]) == 1 and "never-shown" not in json.dumps(reply.messages, default=str)
    assert kernel.value("broken.status") == "failed"


@pytest.mark.parametrize(
    "setting, words",
    [("%config CloudCode.api_url = 'http://[::1'", "Invalid API URL"),
     ("%config CloudCode.api_url = 'http://127.0.0.1:99999'", "Invalid API URL"),
     ("%config CloudCode.api_url = 'https://user:hunter2@example.com'", "holds credentials")],
)
def test_bad_api_urls_are_refused_before_a_run_exists(kernel, setting, words):
    kernel.execute(setting)
    try:
        reply = kernel.execute("%%cloudcode\nx\n")
        status = kernel.execute("%cloudcode status").stdout
    finally:
        kernel.execute("%config CloudCode.api_url = ''")
    assert reply.status == "error" and words in reply.traceback and "Traceback" not in reply.traceback
    assert "hunter2" not in json.dumps(reply.messages, default=str) + status






@pytest.mark.parametrize("view", ["", "--text"])
def test_echoed_secrets_with_escapes_inside_are_masked_in_every_output(kernel, view):
    reply = kernel.execute(f"%%cloudcode {view} -o echoed\nshow me the .env\nsim: leak leak_escaped\n")
    assert reply.status == "ok", reply.traceback
    shown = "\n".join(visible_strings([m["content"] for m in reply.messages]))
    assert "****" in shown
    assert kernel.value("echoed.tasks['main'].stdout.count('****') >= 3")


def test_login_reads_hidden_input_and_keeps_secrets_in_memory(kernel):
    reply = kernel.execute("%cloudcode login", stdin=["login-key-abcdef123456\r\n", ""])
    requests = [m for m in reply.messages if m.get("msg_type") == "input_request"]
    assert requests and all(r["content"]["password"] for r in requests)
    assert "…3456" in reply.stdout and "login-key-abcdef123456" not in json.dumps(reply.messages, default=str)
    assert "…3456" in kernel.execute("%cloudcode status").stdout
    kernel.execute("%cloudcode logout")
    assert "…" + API_KEY[-4:] in kernel.execute("%cloudcode status").stdout


def test_login_refuses_a_key_with_control_characters_without_quoting_it(kernel):
    reply = kernel.execute("%cloudcode login", stdin=["bad-key-\x07-abcdef", ""])
    shown = reply.traceback + reply.stderr
    assert reply.status == "error" and "cannot be sent" in shown and "abcdef" not in shown


def test_login_without_an_input_frontend_says_what_to_do_instead(kernel):
    reply = kernel.execute("%cloudcode login")  # this client allows no stdin, like nbclient
    shown = reply.traceback + reply.stderr
    assert reply.status == "error" and "CLOUDCODE_API_KEY" in shown and "Traceback" not in shown


def test_config_beats_environment_and_option_beats_config(kernel, simulator):
    before = len(simulator.request_log())
    kernel.execute('%config CloudCode.repo = "https://github.com/octo/from-config"')
    try:
        assert kernel.execute("%%cloudcode\nx\n").status == "ok"
        assert kernel.execute("%%cloudcode -r https://github.com/octo/from-option -b dev --haiku\nx\n").status == "ok"
    finally:
        kernel.execute('%config CloudCode.repo = ""')
    assert kernel.execute("%%cloudcode\nx\n").status == "ok"
    records = requests_since(simulator, before)
    assert [r["repo_url"] for r in records] == [
        "https://github.com/octo/from-config", "https://github.com/octo/from-option", REPO]
    assert records[1]["branch"] == "dev" and records[1]["haiku"] is True


def test_python_api_in_a_cell_blocking_and_awaited(kernel):
    reply = kernel.execute("import cc_jupyter\nr = cc_jupyter.invoke('plain call')\nprint(r.status)")
    assert reply.status == "ok" and reply.stdout.strip() == "completed", reply.traceback
    reply = kernel.execute("r2 = await cc_jupyter.ainvoke(tasks={'a': 'one', 'b': 'two'})\nprint(r2.status, list(r2.tasks))")
    assert reply.status == "ok" and reply.stdout.strip() == "completed ['a', 'b']", reply.traceback


def test_hostile_volume_stays_bounded_in_the_frontend(kernel):
    reply = kernel.execute("%%cloudcode --new -o flood\nmany names\nsim: names=3000 bigid=2000000\n")
    assert reply.status == "error" and reply.error["ename"] == "RunFailedError"  # the huge error event
    sizes = [len(json.dumps(m["content"], default=str)) for m in reply.messages]
    assert sum(sizes) < 3_000_000 and max(sizes) < 1_000_000
    final_html = reply.data("text/html")[-1]
    assert len(final_html) < 1_000_000 and "more tasks" in final_html
    assert kernel.value("len(flood.tasks)") == 3001


def test_unload_removes_the_magics(simulator):
    k = Kernel({"CLOUDCODE_API_URL": simulator.url})
    try:
        assert k.execute("%load_ext cc_jupyter").status == "ok"
        assert k.execute("%unload_ext cc_jupyter").status == "ok"
        reply = k.execute("%%cloudcode\nx\n")
        assert reply.status == "error" and "not found" in (reply.traceback + reply.stderr).lower()
        assert k.execute("%load_ext cc_jupyter").status == "ok"
        assert k.execute("%cloudcode status").status == "ok"
    finally:
        k.shutdown()


def test_missing_key_says_how_to_set_it_and_how_to_try_the_demo(simulator):
    k = Kernel({"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": "", "GITHUB_TOKEN": "", "GH_TOKEN": "",
                "CLOUDCODE_REPO": REPO, "CLOUDCODE_DEMO": ""})
    try:
        k.execute("%load_ext cc_jupyter")
        reply = k.execute("%%cloudcode\nx\n")
        assert reply.status == "error" and "CLOUDCODE_API_KEY" in reply.traceback and "%cloudcode demo" in reply.traceback
    finally:
        k.shutdown()


def test_extension_and_settings_from_an_ipython_config_file(simulator, tmp_path):
    profile = tmp_path / "profile_default"
    profile.mkdir()
    (profile / "ipython_kernel_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["cc_jupyter"]\n'
        'c.CloudCode.repo = "https://github.com/octo/from-config-file"\n'
        'c.CloudCode.branch = "develop"\n'
    )
    k = Kernel({"IPYTHONDIR": str(tmp_path), "CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY,
                "GITHUB_TOKEN": GITHUB_TOKEN, "CLOUDCODE_REPO": "https://github.com/octo/from-env"})
    try:
        status = k.execute("%cloudcode status").stdout
        assert "https://github.com/octo/from-config-file" in status and "develop" in status
        before = len(simulator.request_log())
        assert k.execute("%%cloudcode --text\nx\n").status == "ok"
        record = requests_since(simulator, before)[0]
        assert (record["repo_url"], record["branch"]) == ("https://github.com/octo/from-config-file", "develop")
    finally:
        k.shutdown()


def test_demo_mode_from_the_environment_only_without_a_key(simulator):
    with_key = Kernel({"CLOUDCODE_DEMO": "1", "CLOUDCODE_API_KEY": API_KEY, "CLOUDCODE_API_URL": simulator.url,
                       "GITHUB_TOKEN": GITHUB_TOKEN, "CLOUDCODE_REPO": REPO})
    try:
        loaded = with_key.execute("%load_ext cc_jupyter")
        assert "demo mode stays off" in loaded.stdout
        assert "demo" not in with_key.execute("%cloudcode status").stdout.split("API key")[0]
        assert "real API" in with_key.execute("%cloudcode demo auto").stdout
    finally:
        with_key.shutdown()
    without = Kernel({"CLOUDCODE_DEMO": "1", "CLOUDCODE_API_KEY": "", "GITHUB_TOKEN": "", "GH_TOKEN": ""})
    try:
        without.execute("%load_ext cc_jupyter")
        assert "demo: local simulator" in without.execute("%cloudcode status").stdout
        reply = without.execute("%%cloudcode -o d\nhello\n")
        assert reply.status == "ok" and "simulator" in reply.data("text/html")[-1]
        assert without.value("d.info.repo").startswith("https://github.com/")
    finally:
        without.shutdown()
