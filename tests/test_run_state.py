"""The Run folding events (unit level): ids, de-duplication, task routing, masking, final status."""

from __future__ import annotations

import pickle

import pytest

from cc_jupyter import RunFailedError
from cc_jupyter.protocol.events import Event
from cc_jupyter.protocol.request import build_request
from cc_jupyter.protocol.threads import should_resend_without_thread, thread_id_from_headers, thread_id_to_send
from cc_jupyter.run.state import Run
from cc_jupyter.settings import Settings

KEY = "k" * 20
TOKEN = "ghp_" + "a" * 36
SETTINGS = Settings(api_key=KEY, github_token=TOKEN, repo="https://github.com/o/r")


def new_run(tasks=None, thread_id="t-0") -> Run:
    return Run(build_request(None if tasks else "hi", tasks, settings=SETTINGS, thread_id=thread_id))


def out(run: Run, text: str, task: str | None = None) -> None:
    run.apply(Event("custom", {"stdout": text} if task is None else {"task_name": task, "stdout": text}))
    run.commit()


def ai(mid: str, text: str) -> dict:
    return {"type": "ai", "id": mid, "content": text}


def test_thread_id_from_metadata_or_payload_is_adopted_when_it_looks_like_an_id():
    run = new_run()
    run.apply(Event("metadata", {"run_id": "r1", "thread_id": "server-thread"}))
    assert run.thread_id == "server-thread" and run.run_ids == ["r1"]
    run.apply(Event("updates", {"thread_id": "another", "messages": []}))
    assert run.thread_id == "another"
    for absurd in ("x" * 2_000_000, "has space", "", 42, None, "bad\x1b]0;x\x07"):
        run.apply(Event("metadata", {"thread_id": absurd}))
        assert run.thread_id == "another"
    assert run.adopt_thread(TOKEN) and run.thread_id == "****"  # a token sent as an id is masked


def test_thread_policy_helpers():
    assert thread_id_from_headers({"content-location": "/threads/abc-1/runs/r9"}) == "abc-1"
    assert thread_id_from_headers({}) is None
    assert thread_id_to_send("mine") == "mine" and len(thread_id_to_send(None)) == 36
    assert should_resend_without_thread(422, '{"detail": "Unknown thread_id: x"}', "x")
    assert not should_resend_without_thread(422, '{"detail": "Unknown thread_id: x"}', None)
    assert not should_resend_without_thread(401, "thread", "x") and not should_resend_without_thread(500, "thread", "x")


def test_messages_are_deduplicated_by_id_and_updated_in_place():
    run = new_run()
    run.apply(Event("updates", {"run_id": "r", "messages": [ai("1", "a"), ai("2", "b")]}))
    run.apply(Event("updates", {"run_id": "r", "messages": [ai("1", "a"), ai("2", "b2"), ai("3", "c")]}))
    assert [(m["id"], m["content"]) for m in run.messages] == [("1", "a"), ("2", "b2"), ("3", "c")]
    assert [m["content"] for m in run.tasks["main"].messages] == ["a", "b2", "c"]
    no_id = {"type": "ai", "content": "same"}
    run.apply(Event("updates", {"messages": [no_id, dict(no_id)]}))
    assert len(run.messages) == 5  # no id: two places, two messages, even with equal content


def test_a_re_sent_history_keeps_each_message_once_and_the_events_only_what_is_new():
    run = new_run()
    history: list[dict] = [{"type": "human", "content": "the prompt"}]  # no ids: known by their place
    for step in range(1, 6):
        history.append({"type": "ai", "content": f"step {step}, token {TOKEN}"})
        run.apply(Event("updates", {"run_id": "r", "messages": [dict(m) for m in history]}))
    assert [m["content"] for m in run.messages] == ["the prompt"] + [f"step {i}, token ****" for i in range(1, 6)]
    kept = [e.data for e in run.events if e.type == "updates"]
    assert kept[0]["messages"][0]["content"] == "the prompt" and "repeated_messages" not in kept[0]
    assert [(len(d["messages"]), d["repeated_messages"]) for d in kept[1:]] == [(1, 2), (1, 3), (1, 4), (1, 5)]
    assert all(d["run_id"] == "r" for d in kept)
    history[-1] = {"type": "ai", "content": "step 5, finished"}  # the last message grew: same place, newer version
    run.apply(Event("updates", {"run_id": "r", "messages": history}))
    assert len(run.messages) == 6 and run.messages[-1]["content"] == "step 5, finished"
    assert run.events[-1].data["messages"] == [history[-1]] and run.events[-1].data["repeated_messages"] == 5
    assert TOKEN not in repr([e.data for e in run.events]) and TOKEN not in pickle.dumps(run).decode("latin-1")


def test_kept_updates_fold_back_to_the_same_messages_and_a_false_count_is_bounded():
    live = new_run()
    for step in range(4):
        messages = [ai(str(i), f"m{i}") for i in range(step + 1)] + [{"type": "ai", "content": f"no id {step}"}]
        live.apply(Event("updates", {"task_name": "main", "messages": messages}))
    again = new_run()
    for event in live.events:
        again.apply(event)
    assert again.messages == live.messages and [m["content"] for m in live.messages][:2] == ["m0", "no id 0"]
    hostile = new_run()
    hostile.apply(Event("updates", {"messages": [ai("1", "a")], "repeated_messages": 10**9}))
    hostile.apply(Event("updates", {"messages": [ai("2", "b")], "repeated_messages": "lots"}))
    assert [m["content"] for m in hostile.messages] == ["a", "b"]


def test_parallel_routing_by_task_name_and_run_id_and_unknown_tasks_appear():
    run = new_run({"a": "x", "b": "y"})
    assert [t.status for t in run.tasks.values()] == ["pending", "pending"]
    run.apply(Event("updates", {"run_id": "ra", "task_name": "a", "messages": [ai("1", "hello")]}))
    run.apply(Event("updates", {"run_id": "ra", "messages": [ai("2", "by run id")]}))
    out(run, "line\n", "b")
    out(run, "new\n", "surprise")
    out(run, "no task\n")
    run.apply(Event("custom", {"task_name": ["not", "a", "name"], "stdout": "odd\n"}))
    run.commit()
    assert [m["content"] for m in run.tasks["a"].messages] == ["hello", "by run id"]
    assert run.tasks["b"].stdout == "line\n" and run.tasks["b"].status == "running"
    assert list(run.tasks) == ["a", "b", "surprise", "main"]
    assert run.tasks["main"].stdout == "no task\nodd\n"


def test_unknown_and_odd_events_are_kept_never_fatal():
    run = new_run()
    for event in (Event("weird", {"x": 1}), Event("custom", "text payload"), Event("updates", [1, 2]),
                  Event("custom", {"task_name": "main", "stdout": {"structured": True}}), Event("end", None),
                  Event("custom", {"task_name": "main", "progress": 0.5})):
        run.apply(event)
    run.finish("closed")
    assert run.event_count == 6 and run.tasks["main"].stdout == '{"structured": true}'
    assert [e.type for e in run.other_events] == ["weird", "custom", "updates", "custom"]
    assert run.status == "completed"


def test_a_stream_without_a_single_event_is_not_completed():
    run = new_run()
    run.finish("closed")
    assert run.status == "disconnected" and run.error.kind == "empty_stream"
    with pytest.raises(RunFailedError, match="without sending a single event"):
        run.raise_for_status()


def test_result_records_settle_task_status_and_error_fails_the_run():
    run = new_run({"a": "x", "b": "y"})
    out(run, '{"type":"result","subtype":"success","is_error":false,"result":"ok"}\n', "a")
    out(run, '{"type":"result","subtype":"error_during_execution","is_error":true}\n', "b")
    assert (run.tasks["a"].status, run.tasks["b"].status) == ("completed", "failed")
    run.finish("closed")
    assert run.status == "failed" and run.error.kind == "task_error" and "b" in run.error.message
    assert run.tasks["a"].summary == "ok"


def test_finish_is_final_cancel_keeps_data_and_is_not_an_error():
    run = new_run()
    out(run, "kept\n")
    run.finish("cancelled")
    run.finish("closed")
    assert run.status == "cancelled" and run.tasks["main"].status == "cancelled" and run.stdout == "kept\n"
    assert run.raise_for_status() is run


def test_a_secret_split_across_events_is_masked_whole_and_never_kept_in_pieces():
    run = new_run()
    kept = []
    run.on_event = kept.append
    for chunk in ("clone https://x-access-token:", TOKEN[:10], TOKEN[10:], "@github.com/o/r\nnext ", "line\n"):
        out(run, chunk)
    assert run.stdout == "clone https://****@github.com/o/r\nnext line\n"
    run.apply(Event("custom", {"stdout": "unfinished " + TOKEN[:12]}))
    run.commit()
    assert TOKEN[:12] not in run.stdout  # an unfinished line ending with the start of a token
    run.finish("closed")
    assert run.stdout.endswith("unfinished ****")
    everything = repr([e.data for e in kept]) + repr(run.events) + repr(run.__dict__)
    assert TOKEN[:10] not in everything and TOKEN[10:] not in everything


def test_keys_event_names_task_names_and_extra_fields_sent_by_the_server_are_masked():
    run = new_run()
    run.apply(Event("updates", {"messages": [{"type": "ai", "id": "1", "content": "x", TOKEN: TOKEN}]}))
    run.apply(Event(f"ev-{TOKEN}", {"k": KEY}))
    out(run, "hello\n", TOKEN)
    run.apply(Event("custom", {"task_name": "main", "stdout": "y\n", "extra": KEY}))
    run.finish("closed")
    blob = pickle.dumps(run) + repr(run).encode() + repr(run.events).encode() + repr(list(run.tasks)).encode()
    assert TOKEN.encode() not in blob and KEY.encode() not in blob and TOKEN[4:].encode() not in blob


def test_pickling_a_run_keeps_its_content_and_no_secret():
    run = new_run({"a": "x", "b": "y"})
    out(run, f"token {TOKEN} and key {KEY}\n", "a")
    out(run, "partial line without end", "b")
    data = pickle.dumps(run)
    assert TOKEN.encode() not in data and KEY.encode() not in data
    copy = pickle.loads(data)
    assert copy.tasks["a"].stdout == run.tasks["a"].stdout == "token **** and key ****\n"
    assert copy.tasks["b"].stdout == "partial line without end"


def test_a_long_line_without_newlines_is_released_while_it_arrives_and_masked_at_its_end():
    run = new_run()
    piece = "0123456789abcdef" * 64
    for _ in range(4096):  # 4 MB, one line, in 1 KB events
        run.apply(Event("custom", {"stdout": piece}))
        run.commit()
    task = run.tasks["main"]
    assert task.output.length > 3_900_000  # released while still arriving
    out(run, f" {TOKEN} end\n")
    run.finish("closed")
    assert task.output.length == len(task.stdout) and task.stdout.endswith(" **** end\n")
