"""The magics in an in-process IPython shell (fast, as IPython and jupyter-ai test theirs):
option parsing, task splitting, secret refusal, every subcommand and its errors, live runs
in text mode against the simulator."""

from __future__ import annotations

import json
import threading

import pytest
from IPython.core.error import UsageError

from cc_jupyter import RunCancelled
from cc_jupyter.magics.commands import SUBCOMMANDS
from cc_jupyter.magics.options import parse_options, refuse_secrets, split_tasks

from .conftest import API_KEY, GITHUB_TOKEN, REPO, cell, line


def cloudcode_magics(ip):
    """The extension's magics, as IPython's registry of magics lists them."""
    return ip.magics_manager.registry["CloudCodeMagics"]


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
    for bad, words in [("--new --thread t", "contradict"), ("-o 3x", "variable name"), ("--bogus", "--bogus is not an option"),
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


def test_help_lists_every_subcommand_with_its_summary(shell, capsys):
    line(shell, "help")
    listed = capsys.readouterr().out
    for name, command in SUBCOMMANDS.items():
        assert f"%cloudcode {name}" in listed and command.summary in listed


def test_the_cell_magics_help_documents_options_subcommands_and_examples(shell):
    shown = shell.find_cell_magic("cloudcode").__doc__  # what `%%cloudcode?` shows
    for needle in ("%%cloudcode [-r REPO]", "--parallel", "--no-wait", "--thread", "## unit-tests",
                   "%cloudcode login", "%cloudcode history [clear]"):
        assert needle in shown, needle


@pytest.mark.parametrize(
    "text, words",
    [("bogus", "Unknown subcommand"), ("thread a b", "unrecognized"), ("history wipe", "invalid choice"),
     ("cancel x", "invalid int"), ("demo sideways", "invalid choice"), ("help nothing", "No subcommand"),
     ("login now", "unrecognized"), (f"status {GITHUB_TOKEN}", "Secrets are not accepted"),
     ("show", "required"), ("pull --force", "unrecognized"), ("thread " + "x" * 300, "thread id")],
)
def test_subcommand_errors_are_usage_errors(shell, text, words):
    with pytest.raises(UsageError, match=words):
        line(shell, text)


@pytest.mark.parametrize("text", ["show 7", "diff 7", "diff", "pull", "pull 7 --reload", "pull feedface"])
def test_with_no_runs_at_all_show_diff_and_pull_say_how_to_make_one(shell, text):
    with pytest.raises(UsageError, match=r"No runs yet, in this kernel or recorded here: run a %%cloudcode cell"):
        line(shell, text)


@pytest.mark.parametrize(
    "text, words",
    # A recording id is random hex: a long number is the start of none (a one-digit one could be).
    [("show 987654321", "No run '987654321'"), ("diff 987654321", r"No run #987654321"),
     ("pull 987654321 --reload", r"No run #987654321"), ("pull feedfacefeedface", "No such run")],
)
def test_with_runs_an_unknown_one_is_named(shell, text, words):
    cell(shell, "-o r_known", "Add a CSV loader test")
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


@pytest.mark.parametrize(
    "options, body, words",
    [("", "   \n", "prompt is empty"), ("-p", "no heading\n", "## task-name"), ("-p", "## a\nx\n## a\ny\n", "twice"),
     ("-r not-a-url", "x\n", "Not a repository the API works on"), (f"--thread {GITHUB_TOKEN}", "x\n", "Secrets are not accepted"),
     ("--new --thread t", "x\n", "contradict"), ("--bogus", "x\n", "--bogus is not an option"),
     ("--repoo https://github.com/o/r", "x\n", "--repoo (did you mean --repo?)"),
     ("-r https://gitlab.com/o/r", "x\n", "GitHub Enterprise"), ("-r http://github.com/o/r", "x\n", "did you mean")],
)
def test_bad_input_is_refused_in_one_sentence_before_anything_is_sent(shell, simulator, capsys, options, body, words):
    before = len(simulator.request_log())
    result = shell.run_cell(f"%%cloudcode {options}\n{body}")  # shown as a notebook shows it
    printed = capsys.readouterr()
    shown = printed.out + printed.err
    assert not result.success and words in shown and "Traceback" not in shown, shown
    assert len(simulator.request_log()) == before


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


def test_history_lists_this_kernels_runs_with_status_and_repository(shell, capsys):
    cell(shell, "-o r_listed", "something to list")
    capsys.readouterr()
    line(shell, "history")
    listed = capsys.readouterr().out
    assert "completed" in listed and "octo/shell-demo@main" in listed


def test_history_lists_a_failed_run_as_failed(shell, capsys):
    from cc_jupyter import AuthenticationError, RunFailedError

    with pytest.raises(AuthenticationError):
        cell(shell, "", "x\nsim: status=401")
    with pytest.raises(RunFailedError):
        cell(shell, "", "x\nsim: error")
    capsys.readouterr()
    line(shell, "history")
    rows = capsys.readouterr().out.splitlines()[1:3]  # under the header: the two runs
    assert len(rows) == 2 and all(" failed " in row for row in rows), rows


def test_thread_subcommand_shows_the_current_thread(shell, capsys):
    cell(shell, "-o r_first", "first")
    capsys.readouterr()
    line(shell, "thread")
    assert shell.user_ns["r_first"].thread_id in capsys.readouterr().out


def test_thread_subcommand_sets_the_thread_that_status_shows(shell, capsys):
    line(shell, "thread new")
    line(shell, "thread explicit-7")
    capsys.readouterr()
    line(shell, "status")
    assert "explicit-7" in capsys.readouterr().out


def test_status_shows_the_settings_with_secrets_masked(shell, capsys):
    line(shell, "status")
    status = capsys.readouterr().out
    assert "…" + API_KEY[-4:] in status and "…" + GITHUB_TOKEN[-4:] in status and REPO in status
    assert API_KEY not in status and GITHUB_TOKEN not in status


def test_history_clear_lets_go_of_finished_runs(shell, capsys):
    import gc
    import weakref

    cell(shell, "-o r_kept", "kept")
    cell(shell, "", "not kept")
    magics = cloudcode_magics(shell)
    dropped = weakref.ref(magics.session.runs[-1].run)
    line(shell, "history clear")
    assert "forgot 2 finished runs" in capsys.readouterr().out
    gc.collect()
    assert dropped() is None and shell.user_ns["r_kept"].status == "completed"
    assert magics.session.runs == []


def test_interrupt_while_waiting_cancels_every_run_it_waits_for(shell, simulator, capsys):
    cell(shell, "--no-wait -o r_a", "first\nsim: hold=shell-a")
    cell(shell, "--no-wait -o r_b --new", "second\nsim: hold=shell-b")
    simulator.wait_held("shell-a", 10)
    simulator.wait_held("shell-b", 10)
    magics = cloudcode_magics(shell)
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
    assert cloudcode_magics(shell).session.unfinished() == []
    assert len(simulator.request_log()) == before


def test_cancel_subcommand_cancels_a_running_run(shell, simulator, capsys):
    cell(shell, "--no-wait -o r_bg", "long\nsim: hold=shell-cancel")
    simulator.wait_held("shell-cancel", 10)
    capsys.readouterr()
    line(shell, "cancel")
    said = capsys.readouterr().out
    assert "run #" in said and "cancelled" in said and shell.user_ns["r_bg"].status == "cancelled"
    line(shell, "history")
    assert " cancelled " in capsys.readouterr().out


def test_unloading_the_extension_cancels_running_runs(shell, simulator):
    cell(shell, "--no-wait -o r_bg2 --new", "long\nsim: hold=shell-unload")
    simulator.wait_held("shell-unload", 10)
    shell.run_line_magic("unload_ext", "cc_jupyter")
    assert shell.user_ns["r_bg2"].status == "cancelled"
    shell.run_line_magic("load_ext", "cc_jupyter")


def _io_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cc_jupyter-io" and t.is_alive()]


def test_unloading_stops_the_background_loop_and_loading_again_starts_a_new_one(shell):
    cell(shell, "-o r_loop --new", "x")
    assert _io_threads()  # the run's I/O ran on the loop's thread
    shell.run_line_magic("unload_ext", "cc_jupyter")
    assert _io_threads() == []
    shell.run_line_magic("load_ext", "cc_jupyter")
    cell(shell, "-o r_loop --new", "x")
    assert shell.user_ns["r_loop"].status == "completed"
