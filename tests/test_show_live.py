"""``%cloudcode show N`` of a run that still streams (a ``--no-wait`` run, e.g. after a page reload):
a live view of its own that follows the run to its end, then the transcript.

Runs are held at a simulator gate (``sim: hold=``) until the test releases them; a ``silence=``
keeps one running after the release for as long as the test needs, and its Stop ends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from cc_jupyter.views.text_view import TextView

from .conftest import API_KEY, GITHUB_TOKEN, cell, line
from .kernel import Kernel
from .simrigs import RiggedSimulator
from .waiting import wait_until

WIDGET = "application/vnd.jupyter.widget-view+json"
# Read the kernel's runs and their followers (the extra live views) from the test.
HELPERS = """
def _cc_live(number):
    return get_ipython()._cc_jupyter_magics.session.find(number)

def _cc_last():
    return get_ipython()._cc_jupyter_magics.session.runs[-1].number

def _cc_follower_state(number):
    live = _cc_live(number)
    return {"pane": live.followers[0].view.snapshot().panes.get("main", ""), "status": live.run.status}
"""


@pytest.fixture(scope="module")
def kernel(simulator: RiggedSimulator) -> Iterator[Kernel]:
    k = Kernel({
        "CLOUDCODE_API_URL": simulator.url,
        "CLOUDCODE_API_KEY": API_KEY,
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "CLOUDCODE_REPO": "https://github.com/octo/show-live",
    })
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    assert k.execute(HELPERS).status == "ok"
    yield k
    k.shutdown()


def _display_id(reply: Any) -> str:
    """The display id of the widget view a cell displayed."""
    shown = [m for m in reply.of_type("display_data") if WIDGET in m["content"]["data"]]
    assert len(shown) == 1, reply.messages
    return str(shown[0]["content"]["transient"]["display_id"])


def _transcript_of(kernel: Kernel, display_id: str, since: int) -> str:
    """The HTML that replaced the widget of ``display_id`` (seen since message ``since``, or awaited)."""
    def replaced(m: dict[str, Any]) -> bool:
        return (m["msg_type"] == "update_display_data" and m["content"]["transient"]["display_id"] == display_id
                and WIDGET not in m["content"]["data"])

    seen = [m for m in kernel.all_messages[since:] if replaced(m)]
    message = seen[0] if seen else kernel.wait_for_message(replaced)
    return str(message["content"]["data"]["text/html"])


def _start_held(kernel: Kernel, simulator: RiggedSimulator, name: str, directives: str) -> tuple[int, str]:
    """A --no-wait run held at gate ``name``: its number and its own view's display id."""
    reply = kernel.execute(f"%%cloudcode --no-wait --new -o followed\nfollow me\nsim: hold={name} {directives}\n")
    assert reply.status == "ok", reply.traceback
    simulator.wait_held(name, 20)
    return int(kernel.value("_cc_last()")), _display_id(reply)


def test_show_of_a_streaming_run_follows_it_live_and_its_stop_cancels_the_run(kernel: Kernel,
                                                                              simulator: RiggedSimulator) -> None:
    number, original = _start_held(kernel, simulator, "show-live", "silence=120")  # still running long after
    shown = kernel.execute(f"%cloudcode show {number}")
    assert shown.status == "ok", shown.traceback
    follower = _display_id(shown)
    assert follower != original, "a view of its own, beside the run's first view"
    first = kernel.value(f"_cc_follower_state({number})")
    assert first["status"] == "running" and "Cloning into" in first["pane"], first  # what arrived before it was shown
    since = len(kernel.all_messages)
    simulator.release("show-live")

    def grown_while_running() -> dict[str, str] | None:
        state: dict[str, str] = kernel.value(f"_cc_follower_state({number})")
        return state if state["pane"] != first["pane"] and state["status"] == "running" else None

    later = wait_until(grown_while_running, 30, "the second view to show new lines while the run streams")
    assert len(later["pane"]) > len(first["pane"])
    kernel.execute(f"_cc_live({number}).followers[0].view.click_stop()")
    assert "cancelled" in _transcript_of(kernel, follower, since), "the second view's Stop ends the run"
    assert "cancelled" in _transcript_of(kernel, original, since), "and the first view shows it too"
    assert kernel.value("followed.status") == "cancelled"


def test_the_second_view_ends_in_the_transcript_then_a_cell_closes_its_widgets(kernel: Kernel,
                                                                              simulator: RiggedSimulator) -> None:
    number, _ = _start_held(kernel, simulator, "show-end", "lines=3 interval=0")
    shown = kernel.execute(f"%cloudcode show {number}")
    follower = _display_id(shown)
    since = len(kernel.all_messages)
    simulator.release("show-end")
    html = _transcript_of(kernel, follower, since)  # swapped from the I/O thread, no cell running
    assert "completed" in html and "progress 3/3" in html, html
    after = kernel.execute("1 + 1")  # its post_run_cell hook finishes the run and its views
    said_again = [m for m in after.of_type("update_display_data")
                  if m["content"]["transient"]["display_id"] == follower and WIDGET not in m["content"]["data"]]
    assert said_again, "the transcript is said again from a cell (for nbclient and papermill)"
    opened = {m["content"]["comm_id"] for m in shown.of_type("comm_open")}  # the second view's widgets
    closed = {m["content"]["comm_id"] for m in after.of_type("comm_close")}
    assert opened and opened <= closed, "its widgets are closed from that cell"
    assert kernel.value(f"_cc_live({number}).followers") == [] and kernel.value("followed.status") == "completed"


def test_show_of_an_ended_run_is_its_transcript(kernel: Kernel) -> None:
    assert kernel.execute("%%cloudcode --new -o done_run\ndone\n").status == "ok"
    shown = kernel.execute(f"%cloudcode show {kernel.value('_cc_last()')}")
    assert not shown.data(WIDGET) and "completed" in shown.data("text/html")[-1]


# ----- text: the show cell writes the run's lines until it ends -----
@pytest.fixture
def release_at_first_refresh(simulator: RiggedSimulator, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Release the gate named by the test at the text follow's first refresh: whatever is written
    after it arrived while the show cell followed the run."""
    gate: list[str] = []
    refresh = TextView.refresh

    def refresh_then_release(self: TextView) -> None:
        refresh(self)
        if gate:
            simulator.release(gate.pop())

    monkeypatch.setattr(TextView, "refresh", refresh_then_release)
    return gate


@pytest.mark.parametrize("widgets", [False, True], ids=["text-run-by-id", "widget-run-by-number"])
def test_show_text_follows_a_streaming_run_to_its_summary(
        shell: InteractiveShell, simulator: RiggedSimulator, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, release_at_first_refresh: list[str], widgets: bool) -> None:
    from cc_jupyter.magics import magic

    monkeypatch.setattr(magic, "_widget_frontend", lambda _shell: widgets)
    name = f"shell-follow-{widgets}"
    cell(shell, "--no-wait --new -o r_followed", f"follow me\nsim: hold={name} lines=3 interval=0")
    simulator.wait_held(name, 10)
    assert shell.magics_manager is not None
    magics = shell.magics_manager.registry["CloudCodeMagics"]
    recording = magics.session.runs[-1].recording_id
    capsys.readouterr()
    release_at_first_refresh.append(name)
    line(shell, "show 1 --text" if widgets else f"show {recording[:8]}")  # a run number, or the start of its recording id
    out = capsys.readouterr().out
    assert "following run #1" in out and "progress 3/3" in out and "completed" in out, out
    if not widgets:  # (a terminal prints the widget view's transcript too: its lines again)
        assert out.count("progress 3/3") == 1, "each line once"
    assert shell.user_ns["r_followed"].status == "completed"
    assert magics.session.unfinished() == []  # the follow finished the run
    assert recording in magics.session.positions.values(), "the next cell continues after it"
