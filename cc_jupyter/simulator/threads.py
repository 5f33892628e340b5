"""Per-thread conversation memory, so follow-up requests can continue a thread."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Messages = Callable[[], list[dict[str, Any]]]  # a turn's messages so far (they grow while it plays)


@dataclass(frozen=True)
class TurnInfo:
    thread_id: str
    number: int  # 1 for a new thread
    first_prompt: str | None  # the thread's very first prompt (clean), None on turn 1
    previous: list[dict[str, Any]]  # every message of the earlier turns
    task_prompts: dict[str, list[str]] = field(default_factory=dict)  # earlier prompts per task name

    def earlier_prompts(self, task_name: str) -> list[str]:
        """The earlier prompts of this task: same name, or the only task the thread had so far."""
        if task_name in self.task_prompts:
            return list(self.task_prompts[task_name])
        if len(self.task_prompts) == 1:
            return list(next(iter(self.task_prompts.values())))
        return []


@dataclass
class _Thread:
    prompts: list[str] = field(default_factory=list)
    task_prompts: dict[str, list[str]] = field(default_factory=dict)
    turns: list[Messages] = field(default_factory=list)


class ThreadStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, _Thread] = {}

    def known(self, thread_id: str) -> bool:
        with self._lock:
            return thread_id in self._threads

    def open_turn(self, thread_id: str | None, tasks: list[tuple[str, str]]) -> TurnInfo:
        """Reserve the next turn of a thread for (task name, clean prompt) pairs, creating the thread if needed."""
        with self._lock:
            tid = thread_id or str(uuid.uuid4())
            thread = self._threads.setdefault(tid, _Thread())
            info = TurnInfo(
                thread_id=tid,
                number=len(thread.turns) + 1,
                first_prompt=thread.prompts[0] if thread.prompts else None,
                previous=[m for turn in thread.turns for m in turn()],
                task_prompts={name: list(prompts) for name, prompts in thread.task_prompts.items()},
            )
            for name, prompt in tasks:
                thread.prompts.append(prompt)
                thread.task_prompts.setdefault(name, []).append(prompt)
            thread.turns.append(list)
            return info

    def attach(self, info: TurnInfo, messages: Messages) -> None:
        """Give a turn opened with open_turn its messages: a function, as they grow while the turn plays."""
        with self._lock:
            thread = self._threads.get(info.thread_id)
            if thread is not None and len(thread.turns) >= info.number:
                thread.turns[info.number - 1] = messages

    def clear(self) -> None:
        with self._lock:
            self._threads.clear()
