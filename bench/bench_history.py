"""Re-sent history: every ``updates`` event carries every message so far (LangGraph-style).

Usage: python bench/bench_history.py [--updates 500 2000] [--rounds 3]

The bytes on the wire grow with the square of the run (about 33 MB at 500 updates, 530 MB at
2,000). A server in a child process sends the same stream to two clients, each in a fresh
process, rounds interleaved:
  floor      httpx + httpx-sse, ``json.loads`` of every event, nothing kept
  cc_jupyter ``cc_jupyter.invoke`` to a completed Run, recording it
Reported per size: the CPU time of each (median; the ratio is the median of the round-by-round
ratios), the growth of each process's peak memory, and, for cc_jupyter, the recording and the
transcript against the distinct message content (the last version of each message, as JSON).
Budget at 2,000 updates: CPU <= 3x the floor, memory growth <= 100 MB, recording and transcript
each < 5x the distinct content. The bench exits with status 1 when one is over.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import API_KEY, GITHUB_TOKEN, REPO

CPU_BUDGET = 3.0
MEMORY_BUDGET_MB = 100.0
SIZE_BUDGET = 5.0
CHUNK = 1 << 20


def message(n: int) -> dict[str, object]:
    """The n-th message of the run: a prompt, then the agent calling tools and reading their answers."""
    if n == 0:
        return {"type": "human", "content": "Tidy the analysis notebook and add tests for the loaders."}
    if n % 2 == 1:
        return {"type": "ai", "id": f"msg-{n:05d}", "content": f"Step {n}: reading the loader and its callers.",
                "tool_calls": [{"id": f"call-{n}", "name": "Bash", "args": {"command": f"grep -rn load_{n} src/"}}]}
    return {"type": "tool", "id": f"msg-{n:05d}", "tool_call_id": f"call-{n - 1}",
            "content": f"src/loaders.py:{n}: def load_{n - 1}(path): return read_csv(path, sep=',')"}


def write_stream(updates: int, path: Path) -> int:
    """``updates`` events, the k-th carrying messages 0..k (the last one the closing answer); the distinct bytes."""
    encoded = [json.dumps(message(n)) for n in range(updates)]
    encoded[-1] = json.dumps({"type": "ai", "id": "msg-final", "content": "Done: loaders tidied, 12 tests added."})
    with path.open("w") as out:
        out.write('event: metadata\ndata: {"run_id": "bench-run", "thread_id": "bench-thread"}\n\n')
        for k in range(updates):
            out.write('event: updates\ndata: {"run_id": "bench-run", "messages": [')
            out.write(", ".join(encoded[: k + 1]))
            out.write("]}\n\n")
    return sum(len(e) for e in encoded)


def serve(path: str) -> None:
    """The server: every POST gets the stream in ``path``, then the connection closes."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            with open(path, "rb") as source:
                while block := source.read(CHUNK):
                    self.wfile.write(block)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the bench closes it


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def contend(which: str, url: str, record_dir: str) -> dict[str, float]:
    """One client in this (fresh) process: its CPU seconds and peak memory growth, and sizes."""
    import asyncio

    import httpx
    from httpx_sse import aconnect_sse

    import cc_jupyter
    from cc_jupyter.views.transcript import Transcript

    before_cpu, before_mb = time_cpu(), peak_mb()
    result: dict[str, float] = {}
    if which == "floor":
        async def consume() -> int:
            count = 0
            async with (
                httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client,
                aconnect_sse(client, "POST", url + "/invoke", json={}) as source,
            ):
                async for sse in source.aiter_sse():
                    if sse.data:
                        json.loads(sse.data)
                        count += 1
            return count

        result["events"] = asyncio.run(consume())
    else:
        run = cc_jupyter.invoke("bench", repo=REPO, api_url=url, api_key=API_KEY, github_token=GITHUB_TOKEN,
                                record=record_dir, changes=False)
        assert run.status == "completed", run.error
        result["events"] = run.event_count
        result["messages"] = len(run.messages)
        result["recording"] = os.path.getsize(run.recording) if run.recording else 0
        result["transcript"] = len(Transcript(run).html().encode())
        result["distinct"] = sum(len(json.dumps(m)) for m in run.messages)
    result["cpu"] = time_cpu() - before_cpu
    result["memory_mb"] = peak_mb() - before_mb
    return result


def time_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def in_child(which: str, url: str, record_dir: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--contend", which, "--url", url, "--record", record_dir],
                          capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(updates: int, rounds: int, work: Path) -> bool:
    stream = work / f"stream-{updates}.sse"
    distinct = write_stream(updates, stream)
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(stream)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        floors, ours = [], []
        for n in range(rounds):
            floors.append(in_child("floor", url, ""))
            ours.append(in_child("cc_jupyter", url, str(work / f"rec-{updates}-{n}")))
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(10)
    cpu_ratio = statistics.median(o["cpu"] / f["cpu"] for o, f in zip(ours, floors, strict=True))
    memory = statistics.median(o["memory_mb"] for o in ours)
    last = ours[-1]
    recording, transcript = last["recording"] / distinct, last["transcript"] / distinct
    print(f"{updates:,} updates: {stream.stat().st_size / 1e6:,.0f} MB on the wire, {distinct / 1e3:,.0f} KB of "
          f"distinct messages ({last['distinct'] / 1e3:,.0f} KB as kept, {last['messages']:,.0f} messages)")
    print(f"  floor       cpu {statistics.median(f['cpu'] for f in floors):7.2f} s   memory +{statistics.median(f['memory_mb'] for f in floors):6.1f} MB")
    print(f"  cc_jupyter  cpu {statistics.median(o['cpu'] for o in ours):7.2f} s   memory +{memory:6.1f} MB   "
          f"recording {last['recording'] / 1e3:,.0f} KB   transcript {last['transcript'] / 1e3:,.0f} KB")
    print(f"  cpu x{cpu_ratio:.2f} of the floor; recording x{recording:.2f}, transcript x{transcript:.2f} of the distinct content")
    if updates < 2000:
        return True
    within = cpu_ratio <= CPU_BUDGET and memory <= MEMORY_BUDGET_MB and recording < SIZE_BUDGET and transcript < SIZE_BUDGET
    print(f"  budget (cpu <= {CPU_BUDGET:g}x, memory <= {MEMORY_BUDGET_MB:g} MB, sizes < {SIZE_BUDGET:g}x): "
          f"{'within' if within else 'OVER'}")
    return within


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--contend", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--record", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.contend:
        print(json.dumps(contend(args.contend, args.url, args.record)))
        return
    with tempfile.TemporaryDirectory() as work:
        results = [measure(updates, args.rounds, Path(work)) for updates in args.updates]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
