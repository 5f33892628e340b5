"""Client throughput on a flood of ``custom`` events over 8 parallel tasks, and import time.

Usage: python bench/bench_stream.py [--events 100000] [--rounds 5]

(a) bare httpx + httpx-sse + json.loads, (b) the docs' approach (requests, iter_lines,
json.loads of data: lines), (c) cc_jupyter.invoke to a completed Run (decode, normalise, mask,
fold). All three read the same stream from the simulator (a child process) on loopback in the
same run, rounds interleaved; ratios are of median times. (d) is (c) writing a recording.
Targets: (c)/(b) <= 1 — the complete client ahead of the naive loop —, (d)/(c) <= 1.1,
import <= 100 ms.
"""

from __future__ import annotations

import asyncio
import json
import tempfile

from _common import (
    API_KEY,
    GITHUB_TOKEN,
    HEADERS,
    REPO,
    best_of,
    flood_body,
    flood_tasks,
    import_time,
    parse_args,
    simulator_process,
)


def bare_httpx(url: str, events: int) -> int:
    import httpx
    from httpx_sse import aconnect_sse

    async def consume() -> int:
        count = 0
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client,
            aconnect_sse(client, "POST", url + "/invoke/stdout", json=flood_body(events), headers=HEADERS) as source,
        ):
            async for sse in source.aiter_sse():
                if sse.data:
                    json.loads(sse.data)
                    count += 1
        return count

    return asyncio.run(consume())


def docs_requests(url: str, events: int) -> int:
    import requests

    count = 0
    with requests.post(url + "/invoke/stdout", json=flood_body(events), headers=HEADERS, stream=True) as response:
        for line in response.iter_lines():
            if line.startswith(b"data:"):
                json.loads(line[5:])
                count += 1
    return count


def cc_jupyter_run(url: str, events: int, record: str | None = None) -> int:
    import cc_jupyter

    run = cc_jupyter.invoke(tasks=flood_tasks(events), repo=REPO, api_url=url, api_key=API_KEY, github_token=GITHUB_TOKEN,
                            record=record or False)
    assert run.status == "completed", run.error
    return run.event_count


def main() -> None:
    args = parse_args(__doc__)
    with simulator_process() as url, tempfile.TemporaryDirectory() as recordings:
        results = best_of(
            args.rounds,
            {
                "(a) httpx + httpx-sse + json.loads": lambda: bare_httpx(url, args.events),
                "(b) requests iter_lines (docs)": lambda: docs_requests(url, args.events),
                "(c) cc_jupyter.invoke -> Run": lambda: cc_jupyter_run(url, args.events),
                "(d) the same, recording": lambda: cc_jupyter_run(url, args.events, recordings),
            },
        )
    base = results["(a) httpx + httpx-sse + json.loads"][0]
    print(f"flood: {args.events:,} custom events over 8 tasks, median of {args.rounds} interleaved rounds")
    for name, (seconds, count) in results.items():
        print(f"  {name:38} {count:>8,} events  {seconds:6.3f} s  {count / seconds:>10,.0f} events/s  x{seconds / base:.2f} of (a)")
    ratio = results["(c) cc_jupyter.invoke -> Run"][0] / results["(b) requests iter_lines (docs)"][0]
    print(f"(c)/(b) = {ratio:.2f}  (target <= 1)")
    overhead = results["(d) the same, recording"][0] / results["(c) cc_jupyter.invoke -> Run"][0]
    print(f"(d)/(c) = {overhead:.2f}  (recording overhead; target <= 1.10)")
    seconds = import_time("cc_jupyter")
    print(f"import cc_jupyter: {seconds * 1000:.1f} ms (target <= 100 ms)")
    seconds = import_time("cc_jupyter", setup="from IPython.core.interactiveshell import InteractiveShell; ip = InteractiveShell.instance()",
                          statement="ip.run_line_magic('load_ext', 'cc_jupyter')")
    print(f"%load_ext cc_jupyter: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
