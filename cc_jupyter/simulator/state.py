"""What every request handler of one simulator shares: settings, the request log, thread memory, repositories,
its extension."""
from __future__ import annotations

import copy
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .repos import RepoStore
from .scenario import Directives, Rule


class RequestLog:
    """The records of the requests received (never a secret), by id; each starts with the fields `extra`."""

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self._extra = dict(extra or {})
        self._lock = threading.Lock()
        self._records: dict[int, dict[str, Any]] = {}
        self._next_id = 1

    def open(self, path: str, **fields: Any) -> int:
        """Start a record for a request just received; returns its id."""
        with self._lock:
            rid = self._next_id
            self._next_id += 1
            self._records[rid] = {
                "id": rid, "path": path, "received_at": time.time(), "thread_id": None,
                "task_names": [], "prompts": [], "branch": None, "haiku": None, "repo_url": None,
                "has_api_key": False, "has_github_token": False, "status": None,
                "outcome": None, "ended_at": None, "events_sent": 0, **copy.deepcopy(self._extra), **fields,
            }
            return rid

    def update(self, rid: int, **fields: Any) -> None:
        with self._lock:
            if rid in self._records:  # gone after a reset
                self._records[rid].update(fields)

    def close(self, rid: int, outcome: str, **fields: Any) -> None:
        self.update(rid, outcome=outcome, ended_at=time.time(), **fields)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._records.values()))

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._next_id = 1


@dataclass(frozen=True)
class TurnInfo:
    thread_id: str
    number: int  # 1 for a new thread
    first_prompt: str | None  # the thread's very first prompt (clean), None on turn 1
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
    turns: int = 0


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
                number=thread.turns + 1,
                first_prompt=thread.prompts[0] if thread.prompts else None,
                task_prompts={name: list(prompts) for name, prompts in thread.task_prompts.items()},
            )
            for name, prompt in tasks:
                thread.prompts.append(prompt)
                thread.task_prompts.setdefault(name, []).append(prompt)
            thread.turns += 1
            return info

    def clear(self) -> None:
        with self._lock:
            self._threads.clear()


@dataclass
class State:
    """Everything request handlers share."""

    api_key: str | None = field(repr=False)
    defaults: dict[str, Any]
    directives: Directives
    verbose: bool = False
    quiet: bool = False
    rules: tuple[Rule, ...] = ()
    repos: RepoStore = field(default_factory=RepoStore)
    log: RequestLog = field(default_factory=RequestLog)
    threads: ThreadStore = field(default_factory=ThreadStore)
    stop: threading.Event = field(default_factory=threading.Event)
    _open: set[socket.socket] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def track(self, sock: socket.socket, alive: bool) -> None:
        with self._changed:
            (self._open.add if alive else self._open.discard)(sock)
            self._changed.notify_all()

    def drop_connections(self, timeout: float = 2.0) -> None:
        """Shut every open connection down and wait for their handlers to finish."""
        with self._changed:
            socks = list(self._open)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self._changed:
            self._changed.wait_for(lambda: not self._open, timeout)
