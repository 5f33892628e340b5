"""The magics in an in-process IPython shell (fast, as IPython and jupyter-ai test theirs):
option parsing, task splitting, secret refusal, every subcommand and its errors, live runs
in text mode against the simulator."""

from __future__ import annotations

import json
import pickle

import pytest
from IPython.core.error import UsageError

from cc_jupyter import RunCancelled
from cc_jupyter.magics.commands import SUBCOMMANDS
from cc_jupyter.magics.options import parse_options, refuse_secrets, split_tasks

from .conftest import API_KEY, GITHUB_TOKEN, cell, line


# ----- parsing, no I/O -----
def parse(text: str):
    from IPython.core.magic_arguments import parse_argstring

    from cc_jupyter.magics.magic import CloudCodeMagics

    return parse_options(text, lambda s: parse_argstring(CloudCodeMagics.cloudcode, s))


def test_option_line_parsing():
    options = parse("-r https://github.com/o/r -b dev --haiku -p -o out --no-wait --text --dry-run")
    assert (options.repo, options.branch, options.haiku, options.parallel, options.out) == (
        "https://github.com/o/r", "dev", True, True, "out")
    assert options.no_wait and options.text and options.dry_run and not options.new
    for bad, words in [("--new --thread t", "contradict"), ("-o 3x", "variable name"), ("--bogus", "unrecognized"),
                       ("-h", r"%%cloudcode\? shows every option"), (f"--thread {GITHUB_TOKEN}", "Secrets are not accepted")]:
        with pytest.raises(UsageError, match=words):
            parse(bad)


def test_split_tasks():
    assert split_tasks("## a\none\ntwo\n\n## b-2\nthree\n") == {"a": "one\ntwo", "b-2": "three"}
    for body, words in [("text first\n## a\nx", "line 1 comes before"), ("## a\nx\n## a\ny", "appears twice"),
                        ("\n\n", "at least one")]:
        with pytest.raises(UsageError, match=words):
            split_tasks(body)


def test_secret_refusal_sees_through_escapes_and_ignores_ordinary_text():
    for text in (f"use {GITHUB_TOKEN}", f"use gh\x1b[0mp_{GITHUB_TOKEN[4:]}", f"key {API_KEY}"):
        with pytest.raises(UsageError, match="Secrets are not accepted"):
            refuse_secrets(text, "the cell", [API_KEY])
    refuse_secrets("connect to postgres://user:pw@localhost and {braces}", "the cell", [API_KEY])


def test_every_subcommand_is_in_the_help_with_its_arguments(shell, capsys):
    line(shell, "help")
    listed = capsys.readouterr().out
    for name, command in SUBCOMMANDS.items():
        assert f"%cloudcode {name}" in listed and command.summary in listed
    assert "%%cloudcode [-r REPO]" in shell.find_cell_magic("cloudcode").__doc__


@pytest.mark.parametrize(
    "text, words",
    [("bogus", "Unknown subcommand"), ("thread a b", "unrecognized"), ("history wipe", "invalid choice"),
     ("cancel x", "invalid int"), ("demo sideways", "invalid choice"), ("help nothing", "No subcommand"),
     ("login now", "unrecognized"), (f"status {GITHUB_TOKEN}", "Secrets are not accepted"),
     ("show", "required"), ("show 7", "No run '7'"), ("diff 7", r"No run #7"), ("pull 7 --reload", r"No run #7"),
     ("diff", "No such run"), ("pull feedface", "No such run"), ("pull --force", "unrecognized")],
)
def test_subcommand_errors_are_usage_errors(shell, text, words):
    with pytest.raises(UsageError, match=words):
        line(shell, text)


def test_a_damaged_recording_is_named_not_a_traceback(shell, tmp_path):
    cell(shell, "-o r_damaged", "Add a CSV loader test")
    [recording] = (tmp_path / "recordings").glob("*.jsonl")
    with recording.open("a", encoding="utf-8") as out:
        out.write("{not json\n")
    line(shell, "history clear")  # so the run is found through its recording only
    recorded_id = json.loads(recording.read_text(encoding="utf-8").splitlines()[0])["id"][:8]
    for text in (f"show {recorded_id}", f"diff {recorded_id}", f"pull {recorded_id}"):
        with pytest.raises(UsageError, match="That recording cannot be read: .* is not JSON"):
            line(shell, text)


def test_missing_repository_is_explained_in_magic_terms(shell, monkeypatch):
    monkeypatch.delenv("CLOUDCODE_REPO")
    with pytest.raises(UsageError, match=r"-r https://github.com/<owner>/<repo>.*%config CloudCode.repo"):
        cell(shell, "", "do something")


def test_dry_run_sends_nothing_and_masks_secrets(shell, simulator, capsys):
    before = len(simulator.request_log())
    cell(shell, "--dry-run", "hello {world}")
    shown = capsys.readouterr().out
    assert "POST " in shown and '"content": "hello {world}"' in shown
    assert API_KEY not in shown and GITHUB_TOKEN not in shown and "…" + API_KEY[-4:] in shown
    assert len(simulator.request_log()) == before


# ----- live runs (text mode: this shell has no widget frontend) -----
def test_a_run_streams_text_and_leaves_the_final_summary(shell, simulator, capsys):
    cell(shell, "-o r_one", "Add a CSV loader test")
    shown = capsys.readouterr().out
    run = shell.user_ns["r_one"]
    assert run.status == "completed" and "cloudcode ✔ completed" in shown and "summary:" in shown
    assert simulator.request_log()[-1]["prompts"] == ["Add a CSV loader test"]
    line(shell, "history")
    assert "completed" in capsys.readouterr().out


def test_status_thread_and_history_subcommands(shell, capsys):
    cell(shell, "-o r_first", "first")
    line(shell, "thread")
    thread = shell.user_ns["r_first"].thread_id
    assert thread in capsys.readouterr().out
    line(shell, "thread new")
    line(shell, "thread explicit-7")
    line(shell, "status")
    status = capsys.readouterr().out
    assert "explicit-7" in status and "…" + API_KEY[-4:] in status and API_KEY not in status
    with pytest.raises(UsageError, match="thread id"):
        line(shell, "thread " + "x" * 300)


def test_history_clear_lets_go_of_finished_runs(shell, capsys):
    import gc
    import weakref

    cell(shell, "-o r_kept", "kept")
    cell(shell, "", "not kept")
    magics = shell._cc_jupyter_magics
    dropped = weakref.ref(magics.session.runs[-1].run)
    line(shell, "history clear")
    assert "forgot 2 finished runs" in capsys.readouterr().out
    gc.collect()
    assert dropped() is None and shell.user_ns["r_kept"].status == "completed"
    assert magics.session.runs == []


def test_failures_fail_the_cell_with_one_sentence(shell):
    from cc_jupyter import AuthenticationError, RunFailedError

    with pytest.raises(AuthenticationError, match="API key was rejected"):
        cell(shell, "", "x\nsim: status=401")
    with pytest.raises(RunFailedError, match="AgentError"):
        cell(shell, "", "x\nsim: error")
    runs = shell._cc_jupyter_magics.session.runs
    assert [live.summary.status for live in runs[-2:]] == ["failed", "failed"]


def test_interrupt_while_waiting_cancels_every_run_it_waits_for(shell, simulator, capsys):
    cell(shell, "--no-wait -o r_a", "first\nsim: hold=shell-a")
    cell(shell, "--no-wait -o r_b --new", "second\nsim: hold=shell-b")
    simulator.wait_held("shell-a", 10)
    simulator.wait_held("shell-b", 10)
    magics = shell._cc_jupyter_magics
    original = magics.session.runs[-2].wait

    def interrupted(timeout=None):
        raise RunCancelled(magics.session.runs[-2].run)

    magics.session.runs[-2].wait = interrupted
    with pytest.raises(RunCancelled):
        line(shell, "wait")
    magics.session.runs[-2].wait = original
    assert shell.user_ns["r_a"].status == "cancelled" and shell.user_ns["r_b"].status == "cancelled"
    assert magics.session.unfinished() == []


def test_an_interrupt_before_the_request_leaves_no_hidden_run(shell, simulator, monkeypatch):
    from cc_jupyter.magics import live as live_module

    before = len(simulator.request_log())

    def interrupted_show(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(live_module.LiveRun, "show", interrupted_show)
    with pytest.raises(KeyboardInterrupt):
        cell(shell, "-o r_never", "never sent")
    assert shell.user_ns["r_never"].status == "cancelled"
    assert shell._cc_jupyter_magics.session.unfinished() == []
    assert len(simulator.request_log()) == before


def test_cancel_subcommand_and_unload_stop_running_runs(shell, simulator, capsys):
    cell(shell, "--no-wait -o r_bg", "long\nsim: hold=shell-cancel")
    simulator.wait_held("shell-cancel", 10)
    line(shell, "cancel")
    assert "run #" in capsys.readouterr().out and shell.user_ns["r_bg"].status == "cancelled"
    cell(shell, "--no-wait -o r_bg2 --new", "long\nsim: hold=shell-unload")
    simulator.wait_held("shell-unload", 10)
    shell.run_line_magic("unload_ext", "cc_jupyter")
    assert shell.user_ns["r_bg2"].status == "cancelled"
    shell.run_line_magic("load_ext", "cc_jupyter")


def test_a_run_pickles_without_secrets(shell):
    cell(shell, "-o r_leak", "x\nsim: leak")
    data = pickle.dumps(shell.user_ns["r_leak"])
    assert GITHUB_TOKEN.encode() not in data and API_KEY.encode() not in data
