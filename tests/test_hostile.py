"""What a hostile server or agent may send, through the Run and every view: no secret in any
displayed or kept byte, bounded sizes, terminal-safe text (fast unit level; that the time stays
linear in the input is measured in ``bench/bench_linear.py``)."""

from __future__ import annotations

import html
import json
import pickle
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_jupyter.protocol.events import Event
from cc_jupyter.protocol.request import build_request
from cc_jupyter.run.state import Run
from cc_jupyter.settings import Settings
from cc_jupyter.text import strip_escapes
from cc_jupyter.views.text_view import TextView
from cc_jupyter.views.transcript import Transcript
from cc_jupyter.views.widget import LiveView

KEY = "cc-live-" + "K3y" * 8
TOKEN = "ghp_" + "S3cr" * 9
SETTINGS = Settings(api_key=KEY, github_token=TOKEN, repo="https://github.com/o/r")
ESC = "\x1b"
NOISE = [
    f"{ESC}[01;31m{ESC}[K", f"{ESC}[m{ESC}[K", f"{ESC}[0m", f"{ESC}[2K", f"{ESC}]0;t\x07", f"{ESC}]8;;https://x{ESC}\\",
    "\x00", "\x07", "\r", "\u200b", "\u202e",
]
_TAG = re.compile(r"<[^>]*>")


def make_run(tasks: dict[str, str] | None = None) -> Run:
    return Run(build_request(None if tasks else "go", tasks, settings=SETTINGS))


def shown_html(markup: str) -> str:
    """The text a browser shows for ``markup``: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def everything_shown_and_kept(run: Run, recorded: list[Event]) -> list[str]:
    """Every string a user or a file could get from the run, as a reader would see it."""
    written: list[str] = []
    text_view = TextView(run, write=written.append)
    text_view.refresh()
    text_view.close()
    live = LiveView(run, on_stop=lambda: None)
    live.refresh()
    view = live.snapshot()
    widget_values = [view.header, view.footer, view.agent, *view.titles, *view.panes.values(), view.more or ""]
    bundle = Transcript(run)._repr_mimebundle_()
    kept = [run.stdout, repr(run), repr(run.events), pickle.dumps(run).decode("latin-1"), json.dumps([e.data for e in recorded])]
    shown = ["\n".join(written), bundle["text/plain"], *map(shown_html, [bundle["text/html"], *widget_values])]
    return [strip_escapes(text) for text in kept + shown] + kept


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([KEY, TOKEN, "ghs_" + "Q1" * 18]),
    st.lists(st.tuples(st.integers(min_value=0, max_value=60), st.sampled_from(NOISE)), max_size=4),
    st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8),
    st.sampled_from(["plain", "json", "message"]),
)
def test_a_secret_split_across_events_with_escapes_inside_is_never_shown_or_kept(secret, noise, cuts, where):
    noisy = secret
    for position, sequence in sorted(noise, reverse=True):
        cut = position % (len(secret) + 1)
        noisy = noisy[:cut] + sequence + noisy[cut:]
    if where == "json":  # inside a stream-json record the view decodes (escapes as JSON \u escapes)
        record = {"type": "assistant", "message": {"content": [{"type": "text", "text": f"token {noisy} here"}]}}
        line = json.dumps(record) + "\n"
    else:
        line = f"$ grep --color=always gh .env\n{noisy} end\n"
    run = make_run()
    recorded: list[Event] = []
    run.on_event = recorded.append
    if where == "message":
        run.apply(Event("updates", {"messages": [{"type": "ai", "id": "1", "content": f"I found {noisy}."}]}))
    pieces, position = [], 0
    for size in cuts * (len(line) // sum(cuts) + 1):
        pieces.append(line[position : position + size])
        position += size
        if position >= len(line):
            break
    for piece in pieces:
        run.apply(Event("custom", {"stdout": piece}))
        run.commit()
    run.finish("closed")
    for text in everything_shown_and_kept(run, recorded):
        assert secret not in text


def test_secrets_in_task_names_event_names_error_and_auth_values_are_masked():
    run = make_run({"a": "x"})
    run.apply(Event("custom", {"task_name": TOKEN, "stdout": "hi\n"}))
    run.apply(Event(f"weird-{KEY}", {"x": TOKEN}))
    run.apply(Event("metadata", {"thread_id": TOKEN}))
    run.apply(Event("error", {"error": TOKEN, "message": f"bad {KEY}"}))
    run.commit()
    run.finish("closed")
    for text in everything_shown_and_kept(run, []):
        assert TOKEN not in text and KEY not in text and TOKEN[4:] not in text


def test_ten_thousand_task_names_and_megabyte_ids_stay_small_everywhere():
    run = make_run()
    huge = "x" * 2_000_000
    run.apply(Event("updates", {"thread_id": "t" * 200, "run_id": huge, "messages": []}))
    for i in range(10_000):
        run.apply(Event("custom", {"task_name": f"task-{i}-" + "n" * 200, "stdout": f"line {i}\n"}))
    run.apply(Event("error", {"error": huge, "message": huge}))
    run.apply(Event(huge[:100_000], {"k": huge}))
    run.commit()
    run.finish("closed")
    bundle = Transcript(run)._repr_mimebundle_()
    assert len(bundle["text/html"]) < 1_000_000 and len(bundle["text/plain"]) < 1_000_000
    assert "more tasks" in bundle["text/plain"]
    live = LiveView(run, on_stop=lambda: None)
    live.refresh()
    view = live.snapshot()
    sizes = [len(view.header), len(view.footer), len(view.agent), len(str(view.titles)), len(view.more or "")]
    sizes += [len(pane) for pane in view.panes.values()]
    assert len(view.panes) <= 24 and view.more is not None and max(sizes) < 100_000 and len(view.header) < 4000
    written: list[str] = []
    TextView(run, write=written.append).close()
    assert len("\n".join(written)) < 1_000_000


def test_terminal_text_cannot_retitle_copy_or_link():
    attacks = [f"{ESC}]52;c;ZXZpbA==\x07", f"{ESC}]0;pwned\x07", f"{ESC}]8;;javascript:alert(1){ESC}\\click{ESC}]8;;{ESC}\\",
               f"{ESC}[2J", "\x9b31m", "\u202eevil"]
    run = make_run({"a": "x"})
    for attack in attacks:
        run.apply(Event("custom", {"task_name": f"t{attack}", "stdout": f"out {attack}\n"}))
        run.apply(Event("updates", {"task_name": "a", "messages": [{"type": "ai", "id": attack, "content": f"said {attack}"}]}))
    run.apply(Event("metadata", {"thread_id": f"id{ESC}]0;x\x07"}))
    run.apply(Event("error", {"error": f"E{ESC}]52;c;eA==\x07", "message": f"m{ESC}[2J"}))
    run.commit()
    run.finish("closed")
    written: list[str] = []
    view = TextView(run, write=written.append)
    view.refresh()
    view.close()
    printed = "\n".join(written) + Transcript(run).text()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", printed), repr(printed[:500])


def test_a_40_mb_line_without_newlines_is_kept_whole_and_bounded_in_the_views():
    run = make_run()
    block = "0123456789abcdef" * 4096  # 64 KB
    for _ in range(640):  # 40 MB in 64 KB events, no newline
        run.apply(Event("custom", {"stdout": block}))
        run.commit()
    live = LiveView(run, on_stop=lambda: None)
    live.refresh()
    assert len(live.snapshot().panes["main"]) < 40_000
    run.finish("closed")
    assert len(run.tasks["main"].stdout) == 640 * len(block)
    assert len(Transcript(run)._repr_mimebundle_()["text/html"]) < 100_000
