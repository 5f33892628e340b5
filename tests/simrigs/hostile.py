"""What a hostile or broken server sends: absurd nesting, absurd fields, floods of names, huge
ids, secrets echoed with escapes inside. Each comes from one directive (see options.py)."""
from __future__ import annotations

import json

from cc_jupyter.simulator.items import Emit, Item
from cc_jupyter.simulator.taskrun import TaskRun

from .items import Raw
from .options import RiggedScenario

ESC = "\x1b"


def hostile_items(t: TaskRun, sc: RiggedScenario, api_key: str, github_token: str) -> list[Item]:
    """The events the hostile directives ask for, sent by the first task after its first step."""
    items: list[Item] = []
    if sc.deep:
        items.append(Raw(b"event: updates\ndata: " + b"[" * sc.deep + b"]" * sc.deep + b"\n\n"))
    if sc.retry:
        items.append(Raw(b"retry: " + b"9" * sc.retry + b"\n" + b"event: custom\ndata: "
                         + json.dumps({"task_name": t.name, "stdout": "after a long retry field\n"}).encode() + b"\n\n"))
    for i in range(sc.names):
        items.append(Emit("custom", {"task_name": f"surprise-{i:06d}-" + "n" * 40, "stdout": f"task {i} says hi\n"}))
    if sc.bigid:
        big = "i" * sc.bigid
        items += [Emit("metadata", {"run_id": big, "thread_id": big}), Emit(big, {"note": big}),
                  Emit("error", {"error": big, "message": big})]
    if sc.leak_escaped:
        items += _echoed_secrets(t, api_key, github_token)
    return items


def _echoed_secrets(t: TaskRun, api_key: str, github_token: str) -> list[Item]:
    """``grep --color=always`` output with the token split across events and escapes inside it,
    NUL/BEL/OSC inside the key, and the token \\u-escaped inside a stream-json record."""
    token = github_token
    middle = len(token) // 2
    grep = [f"$ grep --color=always gh .env\nGITHUB_TOKEN={ESC}[01;31m{ESC}[K{token[:4]}",
            f"{ESC}[m{ESC}[K{token[4:middle]}", f"\x00{token[middle:]}\n"]
    key = api_key
    third = max(1, len(key) // 3)
    shown_key = f"API_KEY={key[:third]}\x07{key[third:2 * third]}{ESC}]0;title\x07{key[2 * third:]}\n"
    escaped = "".join(f"\\u{ord(c):04x}" for c in token)
    record = '{"type":"assistant","message":{"content":[{"type":"text","text":"found ' + escaped + '"}]}}\n'
    return [*(t.out(piece) for piece in grep), t.out(shown_key), t.out(record)]
