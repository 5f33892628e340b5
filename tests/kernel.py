"""A real IPython kernel (jupyter_client) for magic tests, recording every IOPub message."""

from __future__ import annotations

import json
import os
import queue
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager


@dataclass
class Reply:
    """What one execute request produced."""

    status: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    payload: list[dict[str, Any]] = field(default_factory=list)  # e.g. the pager text of `magic?`

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["msg_type"] in types]

    @property
    def stdout(self) -> str:
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stderr")

    def data(self, mime: str) -> list[Any]:
        """Every ``mime`` payload of display/update/execute_result messages, in order."""
        found = []
        for m in self.of_type("display_data", "update_display_data", "execute_result"):
            if mime in m["content"].get("data", {}):
                found.append(m["content"]["data"][mime])
        return found

    @property
    def traceback(self) -> str:
        return "\n".join(self.error["traceback"]) if self.error else ""


class Kernel:
    """Start with ``Kernel(env)``; ``execute(code)`` blocks and returns a :class:`Reply`.

    Its runs go live and are recorded in a directory of its own, unless ``env`` says otherwise
    (``CLOUDCODE_REPLAY``, ``CLOUDCODE_RECORD_DIR``). ``file_size_limit`` starts the kernel
    under ``RLIMIT_FSIZE``: no file it writes grows past that many bytes (a full disk)."""

    def __init__(self, env: dict[str, str] | None = None, *, file_size_limit: int | None = None) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.recordings = tempfile.mkdtemp(prefix="cc-jupyter-kernel-recordings-")
        defaults = {"CLOUDCODE_REPLAY": "never", "CLOUDCODE_RECORD_DIR": self.recordings}
        full_env = {**os.environ, **defaults, **(env or {})}
        launch = {} if file_size_limit is None else {"preexec_fn": _limit_file_size(file_size_limit)}
        self.manager.start_kernel(env=full_env, **launch)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.all_messages: list[dict[str, Any]] = []

    def execute(self, code: str, *, timeout: float = 120, interrupt_after_output: str | None = None, stdin: list[str] | None = None) -> Reply:
        """Run ``code``; with ``interrupt_after_output`` send an interrupt once that text streamed or rendered."""
        msg_id = self.client.execute(code, allow_stdin=stdin is not None)
        reply = Reply(status="?")
        deadline = time.time() + timeout
        interrupted = False
        answers = list(stdin or [])
        while True:
            if time.time() > deadline:
                raise TimeoutError(f"cell did not finish in {timeout} s: {code[:80]!r}")
            if answers:
                try:
                    request = self.client.get_stdin_msg(timeout=0.01)
                    self.client.input(answers.pop(0))
                    reply.messages.append(request)
                except queue.Empty:
                    pass
            try:
                msg = self.client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                continue
            self.all_messages.append(msg)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            reply.messages.append(msg)
            if interrupt_after_output and not interrupted and interrupt_after_output in json.dumps(msg["content"], default=str):
                self.manager.interrupt_kernel()
                interrupted = True
            if msg["msg_type"] == "error":
                reply.error = msg["content"]
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        shell_reply = self.client.get_shell_msg(timeout=30)
        while shell_reply["parent_header"].get("msg_id") != msg_id:
            shell_reply = self.client.get_shell_msg(timeout=30)
        reply.status = shell_reply["content"]["status"]
        reply.payload = shell_reply["content"].get("payload", [])
        return reply

    def wait_for_message(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        """IOPub messages arriving with no cell running (e.g. from a background run)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                msg = self.client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                continue
            self.all_messages.append(msg)
            if predicate(msg):
                return msg
        raise TimeoutError("no such IOPub message")

    def value(self, expression: str) -> Any:
        """Evaluate ``expression`` in the kernel and return it (via JSON)."""
        reply = self.execute(f"import json as _j; print(_j.dumps({expression}, default=str))")
        assert reply.status == "ok", reply.traceback
        return json.loads(reply.stdout.strip().splitlines()[-1])

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
        shutil.rmtree(self.recordings, ignore_errors=True)


def _limit_file_size(limit: int) -> Callable[[], None]:
    """Run in the kernel's process before it starts. Python ignores SIGXFSZ from its start, so a
    write past the limit fails with ``OSError(EFBIG)`` instead of killing the kernel (POSIX only)."""
    import resource

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply
