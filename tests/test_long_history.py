"""A re-sent message history costs what is new: each message kept and recorded once, replayed the same."""

from __future__ import annotations

import asyncio
import json
import random

import cc_jupyter
from cc_jupyter.client.replay import replay_into
from cc_jupyter.protocol.events import MAX_DEPTH, _too_deep
from cc_jupyter.recordings.parse import read
from cc_jupyter.recordings.reader import empty_run
from cc_jupyter.secrets import SecretMasker


def test_a_server_that_re_sends_the_history_is_kept_recorded_and_replayed_once_per_message(creds, tmp_path):
    run = cc_jupyter.invoke("Tidy the loaders\nsim: history", **creds, record=tmp_path, changes=False)
    assert run.status == "completed" and len(run.messages) >= 6
    keys = [m.get("id") or json.dumps(m, sort_keys=True) for m in run.messages]
    assert len(keys) == len(set(keys))
    recorded = read(run.recording, masker=SecretMasker())
    updates = [data for _, kind, data in recorded.events if kind == "updates"]
    sent = sum(len(data["messages"]) for data in updates)
    assert sent == len(run.messages)  # each message once in the recording
    assert any(data.get("repeated_messages") for data in updates)  # and the events say what they left out
    replayed = empty_run(recorded)
    asyncio.run(replay_into(recorded, replayed, speed=0))
    assert replayed.messages == run.messages and replayed.status == "completed"


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _nested(rng: random.Random, depth: int) -> object:
    tricky = ["[", "]", "{}", '"', "\\", '\\"[', "]\\", "", "é{", "\\\\"]
    if depth == 0:
        return rng.choice([rng.choice(tricky), 1, None, True])
    children = [_nested(rng, depth - 1 if i == 0 else rng.randrange(min(depth, 3))) for i in range(rng.randrange(1, 4))]
    if rng.random() < 0.5:
        return children
    return {rng.choice(tricky) + str(i): child for i, child in enumerate(children)}


def test_depth_read_from_the_text_agrees_with_the_structure():
    rng = random.Random(18)
    for _ in range(300):
        value = _nested(rng, rng.randrange(MAX_DEPTH - 3, MAX_DEPTH + 3))
        for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
            assert _too_deep(text) == (_depth(value) > MAX_DEPTH), text[:200]
