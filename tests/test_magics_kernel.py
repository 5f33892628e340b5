"""The magics in a real kernel against the simulator: what a notebook user sees."""

from __future__ import annotations

import json
import time

import pytest

from .conftest import API_KEY, GITHUB_TOKEN
from .kernel import Kernel

REPO = "https://github.com/octo/notebook-demo"
WIDGET = "application/vnd.jupyter.widget-view+json"


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
    for message in k.all_messages:
        if message["msg_type"] == "execute_input":
            continue  # the user's own cell text (one test types a token on purpose)
        text = json.dumps(message, default=str)
        assert API_KEY not in text and GITHUB_TOKEN not in text, message["msg_type"]
    k.shutdown()


def requests_since(simulator, count):
    return simulator.request_log()[count:]


def test_help_documents_options_and_examples(kernel):
    reply = kernel.execute("%%cloudcode?\n")
    text = json.dumps(reply.payload)
    for needle in ("--parallel", "--no-wait", "--thread", "## unit-tests", "%cloudcode login"):
        assert needle in text


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
    assert "turn 2" in kernel.value("b.messages[1]['content'] if isinstance(b.messages[1]['content'], str) else str(b.messages[1]['content'])")
    shown = kernel.execute("%cloudcode thread").stdout
    assert first["thread_id"] in shown
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
    cell = "%%cloudcode -p -o par\n## unit-tests\nAdd tests\n\n## docs\nWrite docs\n"
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.traceback
    record = requests_since(simulator, before)[0]
    assert record["task_names"] == ["unit-tests", "docs"] and record["prompts"] == ["Add tests", "Write docs"]
    assert kernel.value("list(par.tasks)") == ["unit-tests", "docs"]
    comm_text = json.dumps(reply.of_type("comm_open", "comm_msg"), default=str)
    assert "unit-tests" in comm_text and "docs" in comm_text and "Agent" in comm_text
    final_html = reply.data("text/html")[-1]
    assert "unit-tests" in final_html and "docs" in final_html


def test_out_binds_the_run_as_soon_as_it_starts_and_no_wait_then_wait(kernel, simulator):
    reply = kernel.execute("%%cloudcode --no-wait -o bg\nlong job\nsim: lines=30 interval=0.05\n")
    assert reply.status == "ok"
    assert kernel.value("bg.status") == "running"
    waited = kernel.execute("%cloudcode wait")
    assert waited.status == "ok", waited.traceback
    assert kernel.value("bg.status") == "completed"
    assert kernel.value("len(bg.tasks['main'].stdout.splitlines()) > 30")


def test_no_wait_run_leaves_its_transcript_without_another_cell(kernel):
    reply = kernel.execute("%%cloudcode --no-wait -o detached\nbackground job\nsim: lines=10 interval=0.05\n")
    display_id = reply.of_type("display_data")[0]["content"]["transient"]["display_id"]
    update = kernel.wait_for_message(
        lambda m: m["msg_type"] == "update_display_data" and m["content"]["transient"]["display_id"] == display_id)
    assert WIDGET not in update["content"]["data"] and "completed" in update["content"]["data"]["text/html"]
    assert kernel.value("detached.status") == "completed"


def test_no_wait_then_cancel(kernel, simulator):
    assert kernel.execute("%%cloudcode --no-wait -o bg2\nlong job\nsim: lines=400 interval=0.05\n").status == "ok"
    time.sleep(0.5)
    reply = kernel.execute("%cloudcode cancel")
    assert "cancelled" in reply.stdout
    assert kernel.value("bg2.status") == "cancelled"
    assert simulator.request_log()[-1]["outcome"] == "disconnected"


def test_next_run_on_a_busy_thread_waits_for_the_previous_one(kernel, simulator):
    assert kernel.execute("%%cloudcode --no-wait -o busy\nslow\nsim: lines=20 interval=0.05\n").status == "ok"
    reply = kernel.execute("%%cloudcode -o after\nfollow-up\n")
    assert reply.status == "ok" and "waiting for run" in reply.stdout
    assert kernel.value("busy.status") == "completed" and kernel.value("after.thread_id == busy.thread_id")


def test_interrupt_closes_the_connection_and_keeps_what_arrived(kernel, simulator):
    reply = kernel.execute(
        "%%cloudcode --text -o stopped\nlong\nsim: lines=400 interval=0.05\n", interrupt_after_output="progress 005/400"
    )
    assert reply.status == "error" and reply.error["ename"] == "RunCancelled"
    assert "Traceback" not in reply.traceback
    assert kernel.value("stopped.status") == "cancelled"
    assert kernel.value("len(stopped.tasks['main'].chunks) > 0")
    deadline = time.time() + 5
    while simulator.request_log()[-1]["outcome"] != "disconnected" and time.time() < deadline:
        time.sleep(0.05)
    assert simulator.request_log()[-1]["outcome"] == "disconnected"
    assert kernel.execute("1 + 1").status == "ok", "the kernel is ready for the next cell"


@pytest.mark.parametrize(
    "directive, ename, words",
    [
        ("status=401", "AuthenticationError", "API key was rejected"),
        ("status=422", "RequestRejectedError", "422"),
        ("status=503", "ServerError", "try again"),
        ("error", "RunFailedError", "AgentError"),
        ("cut", "RunFailedError", "connection ended"),
    ],
)
def test_failed_runs_fail_the_cell_with_one_sentence(kernel, directive, ename, words):
    reply = kernel.execute(f"%%cloudcode\nx\nsim: {directive}\n")
    assert reply.status == "error" and reply.error["ename"] == ename
    assert words in reply.traceback and "Traceback" not in reply.traceback
    assert len(reply.error["traceback"]) == 1


def test_bad_input_is_refused_before_anything_is_sent(kernel, simulator):
    before = len(simulator.request_log())
    cases = {
        "%%cloudcode\n   \n": "prompt is empty",
        "%%cloudcode -p\nno heading\n": "## task-name",
        "%%cloudcode -p\n## a\nx\n## a\ny\n": "twice",
        "%%cloudcode -r not-a-url\nx\n": "http",
        f"%%cloudcode --thread {GITHUB_TOKEN}\nx\n": "Secrets are not accepted",
        "%%cloudcode --new --thread t\nx\n": "contradict",
        "%%cloudcode --bogus\nx\n": "unrecognized",
    }
    for cell, words in cases.items():
        reply = kernel.execute(cell)
        shown = reply.traceback + reply.stderr  # IPython prints a UsageError to stderr, no traceback
        assert reply.status == "error" and words in shown and "Traceback" not in shown, (cell, shown)
    assert len(simulator.request_log()) == before


def test_status_masks_secrets_and_history_lists_runs(kernel):
    status = kernel.execute("%cloudcode status").stdout
    assert "…" + API_KEY[-4:] in status and "…" + GITHUB_TOKEN[-4:] in status and REPO in status
    history = kernel.execute("%cloudcode history").stdout
    assert "completed" in history and "cancelled" in history and "octo/notebook-demo@main" in history


def test_leaked_tokens_in_stdout_are_masked_in_the_output(kernel):
    reply = kernel.execute("%%cloudcode\nx\nsim: leak\n")
    assert reply.status == "ok"
    assert "****" in json.dumps(reply.messages, default=str)


def test_login_reads_hidden_input_and_keeps_secrets_in_memory(kernel):
    reply = kernel.execute("%cloudcode login", stdin=["login-key-abcdef123456", ""])
    requests = [m for m in reply.messages if m.get("msg_type") == "input_request"]
    assert requests and all(r["content"]["password"] for r in requests)
    assert "…3456" in reply.stdout and "login-key-abcdef123456" not in json.dumps(reply.messages, default=str)
    assert "…3456" in kernel.execute("%cloudcode status").stdout
    kernel.execute("%cloudcode logout")
    assert "…" + API_KEY[-4:] in kernel.execute("%cloudcode status").stdout


def test_login_without_an_input_frontend_says_what_to_do_instead(kernel):
    reply = kernel.execute("%cloudcode login")  # this client allows no stdin, like nbclient
    shown = reply.traceback + reply.stderr
    assert reply.status == "error" and "CLOUDCODE_API_KEY" in shown and "Traceback" not in shown


def test_config_beats_environment_and_option_beats_config(kernel, simulator):
    before = len(simulator.request_log())
    kernel.execute('%config CloudCode.repo = "https://github.com/octo/from-config"')
    assert kernel.execute("%%cloudcode\nx\n").status == "ok"
    assert kernel.execute("%%cloudcode -r https://github.com/octo/from-option -b dev --haiku\nx\n").status == "ok"
    kernel.execute('%config CloudCode.repo = ""')
    assert kernel.execute("%%cloudcode\nx\n").status == "ok"
    records = requests_since(simulator, before)
    assert [r["repo_url"] for r in records] == [
        "https://github.com/octo/from-config", "https://github.com/octo/from-option", REPO]
    assert records[1]["branch"] == "dev" and records[1]["haiku"] is True


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
        record = simulator.request_log()[before]
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


def test_python_api_in_a_cell_blocking_and_awaited(kernel):
    reply = kernel.execute("import cc_jupyter\nr = cc_jupyter.invoke('plain call')\nprint(r.status)")
    assert reply.status == "ok" and reply.stdout.strip() == "completed", reply.traceback
    reply = kernel.execute("r2 = await cc_jupyter.ainvoke(tasks={'a': 'one', 'b': 'two'})\nprint(r2.status, list(r2.tasks))")
    assert reply.status == "ok" and reply.stdout.strip() == "completed ['a', 'b']", reply.traceback
