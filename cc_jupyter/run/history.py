"""Updates that re-send the whole message history: keep only what is new, so a run stays linear.

A LangGraph-style server may send every message so far in each ``updates`` event: the bytes grow
with the square of the run. :class:`HistoryFilter` compares each update's messages with the
previous update of the same task and keeps only the messages from the first one that differs,
saying how many came before: ``{"messages": [new…], "repeated_messages": N}``. The Run folds
that, and keeps and records it, so memory and the recording grow with the distinct content. A
recording read back carries the same field, and folds to the same messages.
"""

from __future__ import annotations

from ..json_types import JSON

REPEATED = "repeated_messages"  # how many messages, before those kept, repeated earlier ones


def repeated_count(payload: dict[str, JSON]) -> int:
    """The ``repeated_messages`` of an update (0 when absent or not a count)."""
    count = payload.get(REPEATED)
    return count if type(count) is int and count > 0 else 0


def wire_task(payload: dict[str, JSON]) -> object:
    """Which task's history an update continues, as the wire names it."""
    name = payload.get("task_name")
    if type(name) is str and name:
        return name
    run_id = payload.get("run_id")
    return ("run", run_id) if type(run_id) is str and run_id else None


class HistoryFilter:
    """Drops the messages an update repeats from the previous update of its task (raw payloads)."""

    def __init__(self) -> None:
        self._last: dict[object, list[JSON]] = {}  # task -> the messages of its last update, in full

    def reduce(self, payload: dict[str, JSON]) -> dict[str, JSON]:
        """``payload`` with only the messages not repeated from the last update of its task."""
        messages = payload.get("messages")
        if type(messages) is not list:
            return payload
        task = wire_task(payload)
        last = self._last.get(task, [])
        offset = min(repeated_count(payload), len(last))  # a recorded update: its first messages left out
        full = last[:offset] + messages if offset else messages
        same = offset
        common = min(len(last), len(full))
        while same < common and full[same] == last[same]:
            same += 1
        self._last[task] = full
        if same == 0 and REPEATED not in payload:
            return payload
        reduced = {key: value for key, value in payload.items() if key not in ("messages", REPEATED)}
        reduced["messages"] = full[same:]
        if same:
            reduced[REPEATED] = same
        return reduced

    def clear(self) -> None:
        self._last.clear()
