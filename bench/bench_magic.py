"""The full %%cloudcode magic in a real kernel on a flood, against the client alone.

Usage: python bench/bench_magic.py [--events 100000] [--rounds 9]

Measures, in one run against one simulator, rounds interleaved: (c) cc_jupyter.invoke to a
completed Run in this process; (m) a %%cloudcode cell (8 parallel tasks, live widget view) in
a kernel, from execute request to idle. Reports the ratio m/c (of the medians, and the median of
the round-by-round ratios, steadier on a machine whose speed drifts), refreshes per second
of the live view, IOPub messages per second (peak over 1 s windows) and bytes sent to the
frontend. Targets: <= 10 refreshes/s, m/c <= 1.2.
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import tempfile
import time
from collections import Counter

from _common import (
    API_KEY,
    GITHUB_TOKEN,
    REPO,
    flood_tasks,
    kernel_client,
    parse_args,
    simulator_process,
)
from bench_stream import cc_jupyter_run

# 8 tasks x 1,500 lines, 1 ms apart: a long stream to measure the steady IOPub rate.
SUSTAINED_CELL = "%%cloudcode -p -o long\n" + "".join(
    f"## task-{i}\nsteady output\nsim: lines=1500 interval=0.001\n" for i in range(8))


def magic_cell(events: int) -> str:
    body = "".join(f"## {name}\n{prompt}\n" for name, prompt in flood_tasks(events).items())
    return "%%cloudcode -p -o run\n" + body


def run_cell(client, code: str) -> tuple[float, list[tuple[float, int, str]], str]:
    """Seconds from request to idle, (time, bytes, type) of every IOPub message, and stdout."""
    start = time.perf_counter()
    msg_id = client.execute(code)
    seen: list[tuple[float, int, str]] = []
    stdout = ""
    while True:
        try:
            msg = client.get_iopub_msg(timeout=60)
        except queue.Empty:
            raise TimeoutError("the cell did not finish") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        size = len(json.dumps(msg["content"], default=str)) + sum(len(b) for b in msg.get("buffers", []))
        seen.append((time.perf_counter(), size, msg["msg_type"]))
        if msg["msg_type"] == "stream":
            stdout += msg["content"]["text"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return time.perf_counter() - start, seen, stdout


def peak_per_second(times: list[float]) -> int:
    if not times:
        return 0
    best, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] > 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


def main() -> None:
    args = parse_args(__doc__, rounds=9)
    with simulator_process() as url, tempfile.TemporaryDirectory() as recordings:
        github = url + "/github"  # both sides read the run's changes from it, and record, as the magic does
        env = {**os.environ, "CLOUDCODE_API_URL": url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
               "CLOUDCODE_REPO": REPO, "CLOUDCODE_GITHUB_API_URL": github, "CLOUDCODE_RECORD_DIR": recordings}
        with kernel_client(env) as client:
            run_cell(client, "%load_ext cc_jupyter")
            run_cell(client, magic_cell(1000))  # warm-up: imports, first widgets
            cc_jupyter_run(url, 1000, recordings, github_api=github)
            client_times, magic_times, stats = [], [], []
            for _ in range(args.rounds):
                start = time.perf_counter()
                cc_jupyter_run(url, args.events, recordings, github_api=github)
                client_times.append(time.perf_counter() - start)
                seconds, messages, _ = run_cell(client, magic_cell(args.events))
                magic_times.append(seconds)
                _, _, probe = run_cell(client, (
                    "import json; m = get_ipython()._cc_jupyter_magics.session.runs[-1]; r = run; "
                    "print(json.dumps([r.status, r.event_count, m.flusher.rate, r.duration]))"))
                status, events, refresh_rate, duration = json.loads(probe)
                assert status == "completed", status
                stats.append((messages, refresh_rate, events))
                print(f"    round: cell {seconds:.3f} s (stream {duration:.3f} s), client alone {client_times[-1]:.3f} s", flush=True)
            sustained_seconds, sustained, _ = run_cell(client, SUSTAINED_CELL)
            _, _, probe = run_cell(client, (
                "import json; m = get_ipython()._cc_jupyter_magics.session.runs[-1]; "
                "print(m.flusher.rate)"))
            sustained_rate = float(probe)
    alone, magic = statistics.median(client_times), statistics.median(magic_times)
    messages, refresh_rate, events = stats[len(stats) // 2]
    total_bytes = sum(size for _, size, _ in messages)
    kinds = Counter(kind for _, _, kind in messages)
    peak = peak_per_second([t for t, _, _ in messages])
    print(f"flood: {args.events:,} custom events over 8 tasks ({events:,} events in the Run), median of {args.rounds} rounds")
    print(f"  (c) cc_jupyter.invoke in this process  {alone:6.3f} s")
    paired = statistics.median(m / c for m, c in zip(magic_times, client_times, strict=True))
    print(f"  (m) %%cloudcode cell in a kernel       {magic:6.3f} s   m/c = {magic / alone:.2f} [{paired:.2f}]"
          " (target <= 1.2)")
    print(f"  live view refreshes: {refresh_rate:.1f} per second (target <= 10)")
    print(f"  IOPub messages of the cell: {len(messages):,} {dict(kinds)}; peak {peak} in 1 s")
    print(f"  bytes sent to the frontend: {total_bytes:,} ({total_bytes / magic / 1e3:,.0f} kB/s over the cell)")
    sustained_bytes = sum(size for _, size, _ in sustained)
    print(f"sustained: 8 tasks streaming for {sustained_seconds:.1f} s (about 6,000 lines/s in all)")
    print(f"  live view refreshes: {sustained_rate:.1f} per second (target <= 10)")
    print(f"  IOPub messages: {len(sustained):,}; peak {peak_per_second([t for t, _, _ in sustained])} in 1 s"
          f" (jupyter_server drops above 1000/s)")
    print(f"  bytes sent to the frontend: {sustained_bytes / sustained_seconds / 1e3:,.0f} kB/s (limit 1,000 kB/s)")


if __name__ == "__main__":
    main()
