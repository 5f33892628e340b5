"""Shared bench helpers: a simulator in a child process, the flood request, timing.

The benches need the simulator's test rigs (``flood=``, ``huge=``, ``stdout=``...), which live in
``tests/simrigs``, outside the wheel: the repository's root is put on ``sys.path`` to import them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

API_KEY = "bench-key-0123456789"
GITHUB_TOKEN = "bench-token-0123456789"
REPO = "https://github.com/octo/bench"
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@contextmanager
def kernel_client(env: dict[str, str]) -> Iterator[object]:
    """A Python kernel started with ``env``, and a client on its channels; shut down at the end."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@contextmanager
def simulator_process() -> Iterator[str]:
    """The simulator, with its test rigs, in its own process, so its CPU does not compete for our GIL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.simrigs", "--port", "0", "--pace", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        yield line.strip().rsplit(" ", 1)[-1]
    finally:
        proc.terminate()
        proc.wait(10)


def flood_tasks(events: int, tasks: int = 8) -> dict[str, str]:
    """``tasks`` parallel tasks; the flood directive spreads ``events`` custom events over them."""
    prompts = {f"task-{i}": f"bench task {i}" for i in range(tasks)}
    prompts["task-0"] += f"\nsim: flood={events} push=none"  # no git work: the server is not what is measured
    return prompts


def flood_body(events: int, tasks: int = 8) -> dict:
    return {
        "repo_url": REPO,
        "github_token": GITHUB_TOKEN,
        "parallel_tasks": [{"prompt": p, "task_name": n} for n, p in flood_tasks(events, tasks).items()],
    }


HEADERS = {"x-api-key": API_KEY, "Content-Type": "application/json", "Accept": "text/event-stream"}


class Timed(NamedTuple):
    """One contender's times over the rounds, and the events it counted."""

    times: list[float]
    count: int

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def best_of(rounds: int, contenders: dict[str, Callable[[], int]]) -> dict[str, Timed]:
    """Run the contenders interleaved ``rounds`` times; keep each one's times and event count."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    counts: dict[str, int] = {}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            counts[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: Timed(t, counts[name]) for name, t in times.items()}


def paired_ratio(a: Timed, b: Timed) -> float:
    """The median of a/b round by round: on a machine whose speed drifts between rounds (shared
    cores), steadier than the ratio of medians, since both sides of a pair ran back to back."""
    return statistics.median(x / y for x, y in zip(a.times, b.times, strict=True))


def import_time(module: str, repeats: int = 7, *, setup: str = "", statement: str = "") -> float:
    """Median seconds to import ``module`` (or run ``statement`` after ``setup``) in a fresh
    interpreter, with bytecode cached as an installed package has it (one warm-up run writes it)."""
    statement = statement or f"import {module}"
    code = f"{setup}\nimport time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    samples = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout)
        for _ in range(repeats + 1)
    ]
    return statistics.median(samples[1:])


def dumps(data: object) -> str:
    return json.dumps(data, indent=2)


def parse_args(doc: str, rounds: int = 5) -> argparse.Namespace:
    """The options every bench takes: how many events, how many rounds."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=rounds)
    return parser.parse_args()
