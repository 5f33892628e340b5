"""The thread-safe log of requests the simulator received (never holding secrets)."""
from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from typing import Any


class RequestLog:
    """Records by id; `extra` are more fields every record starts with."""

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
