"""Per-thread conversation memory, so follow-up requests can continue a thread."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TurnInfo:
    thread_id: str
    number: int  # 1 for a new thread
    first_prompt: str | None  # the thread's very first prompt (clean), None on turn 1
    previous: list[dict[str, Any]]  # every message of the earlier turns


@dataclass
class _Thread:
    prompts: list[str] = field(default_factory=list)
    turns: list[list[dict[str, Any]]] = field(default_factory=list)


class ThreadStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, _Thread] = {}

    def known(self, thread_id: str) -> bool:
        with self._lock:
            return thread_id in self._threads

    def open_turn(self, thread_id: str | None, prompts: list[str]) -> TurnInfo:
        """Reserve the next turn of a thread, creating the thread (and an id) when needed."""
        with self._lock:
            tid = thread_id or str(uuid.uuid4())
            thread = self._threads.setdefault(tid, _Thread())
            info = TurnInfo(
                thread_id=tid,
                number=len(thread.turns) + 1,
                first_prompt=thread.prompts[0] if thread.prompts else None,
                previous=[m for turn in thread.turns for m in turn],
            )
            thread.prompts.extend(prompts)
            thread.turns.append([])
            return info

    def attach(self, info: TurnInfo, messages: list[dict[str, Any]]) -> None:
        """Store the messages of a turn opened with open_turn."""
        with self._lock:
            thread = self._threads.get(info.thread_id)
            if thread is not None and len(thread.turns) >= info.number:
                thread.turns[info.number - 1] = list(messages)

    def clear(self) -> None:
        with self._lock:
            self._threads.clear()
