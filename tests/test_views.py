"""Views: ANSI, stream-json lines, tails, transcript, text view, live widget view, flusher."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from cc_jupyter.protocol.events import Event
from cc_jupyter.protocol.request import build_request
from cc_jupyter.run.state import Run
from cc_jupyter.settings import Settings
from cc_jupyter.text import strip_escapes as strip_ansi
from cc_jupyter.views import widget as widget_module
from cc_jupyter.views.agent_lines import AgentFeed, agent_text
from cc_jupyter.views.ansi import ansi_to_html
from cc_jupyter.views.flusher import Flusher
from cc_jupyter.views.lines import NARRATION, OUTPUT, SKIP, TOOL, line_text
from cc_jupyter.views.links import linkify, work_links
from cc_jupyter.views.stdout_lines import StdoutReader, display_lines, task_tail
from cc_jupyter.views.text_view import TextView
from cc_jupyter.views.transcript import Transcript
from cc_jupyter.views.widget import LiveView

from .widget_watch import watch

TOKEN = "ghp_" + "a" * 36
SETTINGS = Settings(api_key="k" * 20, github_token=TOKEN, repo="https://github.com/o/r")
COMMIT = "https://github.com/o/r/commit/0123456789abcdef0123456789abcdef01234567"


def make_run(tasks: dict[str, str] | None = None) -> Run:
    if tasks is None:
        return Run(build_request("fix the bug", None, settings=SETTINGS))
    return Run(build_request(None, tasks, settings=SETTINGS))


def out(run: Run, text: str, task: str | None = None) -> None:
    payload = {"stdout": text} if task is None else {"task_name": task, "stdout": text}
    run.apply(Event("custom", payload))
    run.commit()


def fill(run: Run, task: str, text: str) -> None:
    """Much output at once, committed as one network chunk would be."""
    run.tasks[task].output.add(text)
    run.tasks[task].output.commit()


def messages(run: Run, task: str | None, *items: dict) -> None:
    payload = {"run_id": f"run-{task}", "messages": list(items)}
    if task:
        payload["task_name"] = task
    run.apply(Event("updates", payload))


def record(**fields) -> str:
    return json.dumps(fields) + "\n"


INIT = record(type="system", subtype="init", session_id="s", model="claude-x", tools=["Bash", "Read", "Edit"])
ASSISTANT = record(
    type="assistant",
    message={"content": [
        {"type": "text", "text": "Let me look at the repo."},
        {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "git status"}},
    ]},
)
TOOL_RESULT = record(
    type="user",
    message={"content": [{"type": "tool_result", "tool_use_id": "t1", "content": "On branch main\nnothing to commit\n"}]},
)
RESULT = record(type="result", subtype="success", is_error=False, duration_ms=12300, num_turns=4,
                result="All done.", total_cost_usd=0.0123)


# ----- ANSI -----
def test_ansi_colours_become_spans_and_text_is_escaped():
    html = ansi_to_html("\x1b[31mred <script>alert(1)</script>\x1b[0m plain \x1b[1;92mbright\x1b[0m")
    assert '<span style="color:#E75C58">red &lt;script&gt;alert(1)&lt;/script&gt;</span>' in html
    assert "<script>" not in html and " plain " in html
    assert "font-weight:bold" in html and "color:#007427" in html
    assert "color:#ff8700" in ansi_to_html("\x1b[38;5;208mX")
    assert "background-color:#010203" in ansi_to_html("\x1b[48;2;1;2;3mX")


def test_other_escapes_are_removed_and_carriage_returns_keep_the_last_text():
    raw = "\x1b]0;title\x07\x1b[2K\x1b[1A\x1b[?25lok\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\ \x1b(Bdone\x1b["
    assert strip_ansi(raw) == "oklink done"
    assert "\x1b" not in ansi_to_html(raw) and "title" not in ansi_to_html(raw)
    assert strip_ansi("10%\r50%\r100%") == "100%"
    assert strip_ansi("a\r\nb\r\n") == "a\nb\n"  # CRLF is not an overwrite
    assert strip_ansi("\x1b[31mred\x1b[0m") == "red"


# ----- stdout lines -----
def test_stream_json_records_are_shown_as_their_meaning():
    lines = [d for raw in (INIT, ASSISTANT, TOOL_RESULT, RESULT) for d in display_lines(raw.rstrip("\n"), str)]
    texts = [d.text for d in lines]
    assert texts == [
        "· session started · model claude-x · 3 tools",
        "Let me look at the repo.",
        "▶ Bash: git status",
        "◀ result: On branch main… (2 lines)",
        "✔ finished in 12.3 s · 4 turns · $0.0123",
    ]
    assert [d.kind for d in lines[1:3]] == [NARRATION, TOOL]
    error = display_lines(record(type="result", subtype="error_during_execution", is_error=True, num_turns=2).strip(), str)
    assert error[0].text.startswith("✖ error_during_execution") and error[0].kind == "failure"
    assert display_lines('{"type": "other", "x": 1}', str)[0].kind == OUTPUT  # not a stream-json record
    assert display_lines("{not json", str)[0].text == "{not json"


def test_partial_lines_are_joined_across_chunks_and_masked_again():
    run = make_run()
    for chunk in ("hel", "lo wor", "ld\nsecond ", "line\nthird", " clone ", TOKEN[:14], TOKEN[14:] + "@github\n"):
        out(run, chunk)
    reader = StdoutReader(run.tasks["main"], mask=run.masker.text)
    texts = [line.text for line in reader.poll()]
    assert texts == ["hello world", "second line", "third clone ****@github"]
    assert TOKEN not in "".join(texts)
    out(run, "progress 10%\rprogress 90%")
    assert reader.poll() == [] and line_text(reader.partial) == "progress 90%"
    out(run, " " + TOKEN[:9])
    assert TOKEN[:9] not in reader.partial.text  # the start of a token at the end of a line still arriving
    run.finish("closed")  # the Run hands over the unfinished line when the stream ends
    assert [line.text for line in reader.flush()] == ["progress 10%\rprogress 90% ****"]
    assert reader.partial is None and reader.total == 4


def test_tail_is_bounded_and_counts_100000_lines():
    run = make_run()
    task = run.tasks["main"]
    reader = StdoutReader(task, maxlen=200)
    for block in range(100):
        fill(run, "main", "".join(f"line {i}\n" for i in range(block * 1000, block * 1000 + 1000)))
        reader.poll()
    assert reader.total == 100_000 and len(reader.tail) == 200
    assert reader.tail[-1].text == "line 99999" and reader.tail[0].text == "line 99800"
    # a reader that starts late parses only the end of the backlog, and says what it skipped
    late = StdoutReader(task, maxlen=200)
    new = late.poll()
    assert late.total == 100_000 and len(new) <= 2 * 200 + 3 and new[-1].text == "line 99999"
    assert new[0].kind == SKIP and new[0].lines == late.skipped > 99_000 and "run.tasks['main'].stdout" in new[0].text
    tail = task_tail(task, 40)
    assert [line.text for line in tail] == [f"line {i}" for i in range(99_960, 100_000)]


def test_a_reader_far_behind_reads_a_bounded_amount():
    run = make_run()
    fill(run, "main", "".join(f"row {i} " + "z" * 50 + "\n" for i in range(200_000)))  # about 12 MB
    reader = StdoutReader(run.tasks["main"], maxlen=10)
    new = reader.poll()
    assert reader.total == 200_000 and new[-1].text.startswith("row 199999")
    assert new[0].kind == SKIP and sum(line.lines for line in new) == 200_000


def test_a_huge_chunk_is_bounded_work():
    run = make_run()
    fill(run, "main", "".join(f"row {i}\n" for i in range(50_000)))
    reader = StdoutReader(run.tasks["main"], maxlen=10)
    new = reader.poll()
    assert reader.total == 50_000 and len(new) == 22 and new[-1].text == "row 49999"
    assert new[0].text == "row 0" and new[1].kind == SKIP and new[1].lines == 49_979


# ----- agent -----
def test_agent_messages_read_in_order_with_links_and_collapsed_results():
    run = make_run()
    messages(run, None,
             {"id": "h", "type": "human", "content": "fix the bug"},
             {"id": "a1", "type": "ai", "content": "Looking <now>.", "tool_calls": [
                 {"name": "Bash", "args": {"command": "pytest -x"}, "id": "c1", "type": "tool_call"}]},
             {"id": "t1", "type": "tool", "name": "Bash", "content": "1 failed\n" * 30, "tool_call_id": "c1"},
             {"id": "a2", "type": "ai", "content": f"Pushed {COMMIT} and javascript:alert(1)"})
    html = AgentFeed(run).html()
    order = [html.index(s) for s in ("fix the bug", "Looking &lt;now&gt;.", "▶ Bash: pytest -x", "◀ Bash result", "Pushed")]
    assert order == sorted(order)
    assert "<details" in html and "(30 lines)" in html
    assert f'<a href="{COMMIT}"' in html and 'href="javascript' not in html
    assert work_links(COMMIT + " https://github.com/o/r/pull/12.") == [("commit 0123456", COMMIT), ("PR #12", "https://github.com/o/r/pull/12")]
    assert linkify('"><img src=x> https://e.com/a?b=1&c=<x>') == '&quot;&gt;&lt;img src=x&gt; <a href="https://e.com/a?b=1&amp;c=" target="_blank" rel="noopener noreferrer">https://e.com/a?b=1&amp;c=</a>&lt;x&gt;'


def test_parallel_agent_messages_are_labelled_with_their_task():
    run = make_run({"unit-tests": "a", "docs": "b"})
    messages(run, "unit-tests", {"id": "x", "type": "ai", "content": "tests pass"})
    messages(run, "docs", {"id": "y", "type": "ai", "content": "docs written"})
    html = AgentFeed(run).html()
    assert "[unit-tests]</span> tests pass" in html and "[docs]</span> docs written" in html
    assert agent_text(run) == ["[unit-tests] tests pass", "[docs] docs written"]


# ----- transcript -----
def test_transcript_shows_status_thread_summary_and_escapes():
    run = make_run({"unit-tests": "a", "docs": "b"})
    run.apply(Event("metadata", {"thread_id": "thread-42"}))
    out(run, "\x1b[32mok\x1b[0m <script>x</script>\n", "unit-tests")
    out(run, INIT + ASSISTANT + RESULT, "docs")
    messages(run, "unit-tests", {"id": "m", "type": "ai", "content": f"Tests added <b>. See {COMMIT}"})
    run.apply(Event("error", {"error": "Boom<i>", "message": "sandbox <died>"}))
    run.finish("closed")
    bundle = Transcript(run, source="simulator")._repr_mimebundle_()
    html, text = bundle["text/html"], bundle["text/plain"]
    assert "thread-42" in html and "simulator" in html and "o/r@main" in html
    assert "✖ failed" in html and "sandbox &lt;died&gt;" in html and "<died>" not in html
    assert "&lt;script&gt;" in html and "<script" not in html and "<i>" not in html
    assert "Tests added &lt;b&gt;." in html and f'<a href="{COMMIT}"' in html
    assert "▶ Bash: git status" in html and '"type"' not in html  # records as meaning, not JSON
    assert text.startswith("cloudcode ✖ failed · o/r@main · thread thread-42 · sonnet")
    assert "── unit-tests:" in text and "   ok <script>x</script>" in text and "\x1b" not in text
    assert "last agent message (unfinished): Tests added <b>." in text and "error: The agent reported Boom<i>" in text
    assert TOKEN not in html + text


def test_transcript_of_a_huge_run_is_small():
    run = make_run({f"t{i}": "p" for i in range(8)})
    for name in run.tasks:
        fill(run, name, "".join(f"\x1b[33mwarning\x1b[0m {name} line {i} " + "x" * 80 + "\n" for i in range(100_000)))
        run.tasks[name].status = "completed"
    fill(run, "t7", "y" * 1_000_000 + "\n")  # one enormous line
    for name in run.tasks:  # closing words that escaping makes 4x longer
        messages(run, name, *({"id": f"{name}{k}", "type": "ai", "content": "<&>" * 5000} for k in range(20)))
    run.finish("closed")
    bundle = Transcript(run)._repr_mimebundle_()
    assert len(bundle["text/html"]) < 80_000 and len(bundle["text/plain"]) < 60_000
    assert "t3 line 99999" in bundle["text/html"] and "100,000 lines" in bundle["text/html"]


# ----- text view -----
def test_text_view_prefixes_parallel_lines_and_reports_status_changes():
    run = make_run({"a": "x", "b": "y"})
    written: list[str] = []
    view = TextView(run, write=written.append)
    out(run, "one\ntw", "a")
    out(run, "o\n", "a")
    out(run, ASSISTANT, "b")
    view.refresh()
    assert written == ["[a] one\n[a] two\n[b] Let me look at the repo.\n[b] ▶ Bash: git status"]
    view.refresh()
    assert len(written) == 1  # nothing new, nothing written
    out(run, RESULT, "b")  # the result record completes task b
    view.refresh()
    assert written[1] == "[b] ✔ finished in 12.3 s · 4 turns · $0.0123\n── task b: completed"
    run.finish("closed")
    view.close()
    view.close()
    assert len(written) == 3
    closing = written[2].split("\n")
    assert closing[0] == "── task a: completed"
    assert closing[1].startswith("cloudcode ✔ completed · o/r@main · no thread id · sonnet")
    assert closing[3].startswith("── b: ✔ completed") and closing[4] == "   summary: All done."


def test_text_view_bounds_each_refresh_and_says_what_it_skipped():
    run = make_run()
    written: list[str] = []
    view = TextView(run, write=written.append)
    fill(run, "main", "".join(f"line {i}\n" for i in range(12_345)) + "x" * 100_000 + "\n")
    view.refresh()
    lines = written[0].split("\n")
    assert len(written) == 1 and len(lines) <= 201 and len(written[0]) < 60_000
    assert lines[0] == "… 12,146 more lines (full output on the Run: run.tasks['main'].stdout) …"
    assert lines[-2] == "line 12344" and lines[-1].startswith("x" * 1000 + "… (")


# ----- live view -----
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(widget_module, "time", fake)
    return fake


def parts(view: LiveView) -> tuple:
    """The view's widgets, through ipywidgets' public tree: the header, each tab's content, the footer."""
    bar, tabs, footer = view.widget.children
    header, _stop = bar.children
    return header, list(tabs.children), footer


def test_a_task_that_appears_gets_its_tab_before_the_agent_tab(clock):
    run = make_run({"a": "x"})
    view = LiveView(run, on_stop=lambda: None)
    assert view.snapshot().titles == ("○ a", "Agent")
    out(run, "hi\n", "late")
    view.refresh()
    shown = view.snapshot()
    assert shown.titles == ("○ a", "● late", "Agent") and list(shown.panes) == ["a", "late"]


def test_the_agent_tab_stays_in_view_when_a_task_tab_is_added_before_it(clock):
    run = make_run({"a": "x"})
    view = LiveView(run, on_stop=lambda: None)
    view.select_tab(1)  # the user looks at the Agent tab
    out(run, "hi\n", "late")
    view.refresh()
    assert view.selected == 2 and view.snapshot().titles[2] == "Agent"


def test_a_refresh_with_nothing_new_sends_nothing(clock):
    run = make_run({"a": "x", "b": "y"})
    view = LiveView(run, on_stop=lambda: None)
    header, tabs, footer = parts(view)
    sent = [watch(widget) for widget in (header, *tabs, footer)]
    for _ in range(5):
        view.refresh()
    clock.now += 1.0
    view.refresh()  # the once-a-second pass over what is not in view
    assert sent == [[] for _ in sent]


def test_new_output_in_the_tab_in_view_is_sent_once_at_the_next_refresh(clock):
    run = make_run({"a": "x", "b": "y"})
    view = LiveView(run, on_stop=lambda: None)
    a = watch(parts(view)[1][0])
    out(run, "\x1b[31mfail\x1b[0m <b>\n", "a")
    view.refresh()
    view.refresh()
    assert len(a) == 1 and '<span style="color:#E75C58">fail</span> &lt;b&gt;' in a[0] and "1 line" in a[0]


def test_a_tab_out_of_view_is_sent_at_the_once_a_second_pass(clock):
    run = make_run({"a": "x", "b": "y"})
    view = LiveView(run, on_stop=lambda: None)
    b = watch(parts(view)[1][1])
    out(run, "quiet\n", "b")
    view.refresh()
    assert b == []  # the first tab is in view
    clock.now += 1.0
    view.refresh()
    assert len(b) == 1 and "quiet" in b[0]


def test_a_tab_brought_into_view_is_sent_at_the_next_refresh(clock):
    run = make_run({"a": "x", "b": "y"})
    view = LiveView(run, on_stop=lambda: None)
    b = watch(parts(view)[1][1])
    out(run, "quiet\n", "b")
    view.refresh()
    view.select_tab(1)
    view.refresh()
    assert len(b) == 1 and "quiet" in b[0] and view.snapshot().panes["b"] == b[0]


def test_live_view_tail_is_bounded_and_counts_lines(clock):
    run = make_run()
    view = LiveView(run, on_stop=lambda: None)
    for block in range(10):
        fill(run, "main", "".join(f"line {i}\n" for i in range(block * 10_000, (block + 1) * 10_000)))
        view.refresh()
    value = view.snapshot().panes["main"]
    assert "100,000 lines · showing last 200" in value and "line 99999" in value and "line 99799" not in value
    assert "column-reverse" in value and len(value) < 40_000


def test_stop_button_only_signals_and_disables_itself(clock):
    calls: list[int] = []
    run = make_run()
    view = LiveView(run, on_stop=lambda: calls.append(1))
    view.click_stop()
    shown = view.snapshot()
    assert calls == [1] and not shown.stop_enabled and shown.stop_label == "Stopping…"
    assert run.status == "running"


def test_the_header_shows_the_running_status_and_the_source(clock):
    view = LiveView(make_run({"a": "x"}), on_stop=lambda: None, source="simulator")
    header = view.snapshot().header
    assert "● running" in header and "simulator" in header


def test_the_header_shows_the_thread_id_the_server_sent_escaped(clock):
    run = make_run({"a": "x"})
    view = LiveView(run, on_stop=lambda: None)
    run.apply(Event("metadata", {"thread_id": "th-<1>"}))
    view.refresh()
    assert "th-&lt;1&gt;" in view.snapshot().header


def test_a_tab_title_marks_its_tasks_status(clock):
    run = make_run({"a": "x", "b": "y"})
    view = LiveView(run, on_stop=lambda: None)
    out(run, RESULT, "a")
    view.refresh()
    assert view.snapshot().titles[:2] == ("✔ a", "○ b")


def test_an_error_shows_escaped_in_the_footer(clock):
    run = make_run({"a": "x"})
    view = LiveView(run, on_stop=lambda: None)
    run.apply(Event("error", {"error": "Oops", "message": "<x>"}))
    view.refresh()
    assert "&lt;x&gt;" in view.snapshot().footer


def test_a_failed_run_shows_failed_in_the_header_and_on_its_unfinished_tasks(clock):
    run = make_run({"a": "x", "b": "y"})
    view = LiveView(run, on_stop=lambda: None)
    out(run, RESULT, "a")
    run.apply(Event("error", {"error": "Oops", "message": "<x>"}))
    run.finish("closed")
    view.refresh()
    shown = view.snapshot()
    assert "✖ failed" in shown.header and shown.titles[:2] == ("✔ a", "✖ b")


def test_a_stopped_view_shows_nothing_new(clock):
    run = make_run({"a": "x"})
    view = LiveView(run, on_stop=lambda: None)
    view.stop()
    run.apply(Event("metadata", {"thread_id": "th-after-stop"}))
    view.refresh()
    assert "th-after-stop" not in view.snapshot().header  # stopped: the transcript shows the rest


def test_closing_the_widgets_leaves_the_run_as_it_was(clock):
    run = make_run({"a": "x"})
    out(run, "kept\n", "a")
    view = LiveView(run, on_stop=lambda: None)
    version = run.version
    view.close_widgets()
    assert run.version == version and run.tasks["a"].stdout == "kept\n"  # views never modify the run


# ----- flusher -----
def test_flusher_refreshes_until_done_then_once_more_and_keeps_the_first_error():
    calls: list[int] = []

    def refresh() -> None:
        calls.append(1)
        if len(calls) in (2, 3):
            raise ValueError(f"boom {len(calls)}")

    flusher = Flusher(refresh, interval=0.001)
    asyncio.run(flusher.run_until(lambda: len(calls) >= 5))
    assert len(calls) == 6
    assert [str(e) for e in flusher.errors] == ["boom 2"] and flusher.failures == 2
    assert flusher.first_call is not None and flusher.last_call is not None
    assert flusher.rate == 5 / (flusher.last_call - flusher.first_call)


def test_flusher_rate_needs_two_calls():
    flusher = Flusher(lambda: None)
    assert flusher.rate == 0.0
    asyncio.run(flusher.run_until(lambda: True))  # done at once: only the final refresh
    assert flusher.calls == 1 and flusher.rate == 0.0


def test_text_views_do_not_import_ipywidgets():
    code = "import sys, cc_jupyter.views.text_view, cc_jupyter.views.transcript, cc_jupyter.views.flusher; print('ipywidgets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_events_the_protocol_does_not_describe_are_shown_raw_and_escaped():
    run = make_run()
    run.apply(Event("weird", {"note": "<b>surprise</b>"}))
    run.apply(Event("message", "plain text event"))
    run.apply(Event("end", None))
    feed = AgentFeed(run)
    html = feed.html()
    assert "‹weird›" in html and "&lt;b&gt;surprise&lt;/b&gt;" in html and "<b>surprise" not in html
    assert "‹message› plain text event" in agent_text(run)
    assert not feed.changed()
    run.apply(Event("other", [1, 2]))
    assert feed.changed()


def test_text_view_shows_undescribed_events_once():
    run = make_run()
    written: list[str] = []
    view = TextView(run, write=written.append)
    run.apply(Event("weird", {"x": 1}))
    view.refresh()
    view.refresh()
    assert "\n".join(written).count("‹weird›") == 1
