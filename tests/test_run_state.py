"""The Run folding events (unit level): ids, de-duplication, task routing, final status."""

from __future__ import annotations

from cc_jupyter.client.events import Event
from cc_jupyter.client.request import build_request
from cc_jupyter.client.settings import Settings
from cc_jupyter.client.threads import (
    should_resend_without_thread,
    thread_id_from_headers,
    thread_id_to_send,
)
from cc_jupyter.run.state import Run

SETTINGS = Settings(api_key="k" * 20, github_token="ghp_" + "a" * 36, repo="https://github.com/o/r")


def new_run(tasks=None, thread_id="t-0") -> Run:
    return Run(build_request(None if tasks else "hi", tasks, settings=SETTINGS, thread_id=thread_id))


def ai(mid: str, text: str) -> dict:
    return {"type": "ai", "id": mid, "content": text}


def test_thread_id_from_metadata_or_payload_is_adopted():
    run = new_run()
    run.apply(Event("metadata", {"run_id": "r1", "thread_id": "server-thread"}))
    assert run.thread_id == "server-thread" and run.run_ids == ["r1"]
    run.apply(Event("updates", {"thread_id": "another", "messages": []}))
    assert run.thread_id == "another"


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
    assert len(run.messages) == 4


def test_parallel_routing_by_task_name_and_run_id_and_unknown_tasks_appear():
    run = new_run({"a": "x", "b": "y"})
    assert [t.status for t in run.tasks.values()] == ["pending", "pending"]
    run.apply(Event("updates", {"run_id": "ra", "task_name": "a", "messages": [ai("1", "hello")]}))
    run.apply(Event("updates", {"run_id": "ra", "messages": [ai("2", "by run id")]}))
    run.apply(Event("custom", {"task_name": "b", "stdout": "line\n"}))
    run.apply(Event("custom", {"task_name": "surprise", "stdout": "new\n"}))
    run.apply(Event("custom", {"stdout": "no task\n"}))
    assert [m["content"] for m in run.tasks["a"].messages] == ["hello", "by run id"]
    assert run.tasks["b"].stdout == "line\n" and run.tasks["b"].status == "running"
    assert list(run.tasks) == ["a", "b", "surprise", "main"]


def test_unknown_and_odd_events_are_kept_never_fatal():
    run = new_run()
    for event in (Event("weird", {"x": 1}), Event("custom", "text payload"), Event("updates", [1, 2]),
                  Event("custom", {"task_name": "main", "stdout": {"structured": True}}), Event("end", None)):
        run.apply(event)
    assert len(run.events) == 5 and run.tasks["main"].stdout == '{"structured": true}'
    run.finish("closed")
    assert run.status == "completed"


def test_result_records_settle_task_status_and_error_fails_the_run():
    run = new_run({"a": "x", "b": "y"})
    run.apply(Event("custom", {"task_name": "a", "stdout": '{"type":"result","subtype":"success","is_error":false,"result":"ok"}\n'}))
    run.apply(Event("custom", {"task_name": "b", "stdout": '{"type":"result","subtype":"error_during_execution","is_error":true}\n'}))
    assert (run.tasks["a"].status, run.tasks["b"].status) == ("completed", "failed")
    run.finish("closed")
    assert run.status == "failed" and run.error.kind == "task_error" and "b" in run.error.message
    assert run.tasks["a"].summary == "ok"


def test_finish_is_final_and_cancel_keeps_data():
    run = new_run()
    run.apply(Event("custom", {"stdout": "kept\n"}))
    run.finish("cancelled")
    run.finish("closed")
    assert run.status == "cancelled" and run.tasks["main"].status == "cancelled" and run.stdout == "kept\n"


def test_a_secret_split_across_chunks_is_masked_in_the_stored_stdout():
    run = new_run()
    token = SETTINGS.github_token
    for chunk in ("clone https://x-access-token:", token[:10], token[10:], "@github.com/o/r\nnext ", "line\n"):
        run.apply(Event("custom", {"stdout": chunk}))
    assert token not in run.stdout and token[:10] not in run.stdout
    assert run.stdout == "clone https://****@github.com/o/r\nnext line\n"
    run.apply(Event("custom", {"stdout": "unfinished " + token}))
    assert token not in run.stdout  # an unfinished line is masked when read
    run.finish("closed")
    assert run.tasks["main"].chunks[-1] == "unfinished ****"
