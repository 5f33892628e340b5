"""Client throughput on a flood of ``custom`` events over 8 parallel tasks, and import time.

Usage: python bench/bench_stream.py [--events 100000] [--rounds 9]

(a) bare httpx + httpx-sse + json.loads, (b) the docs' approach (requests, iter_lines,
json.loads of data: lines), (c) cc_jupyter.invoke to a completed Run (decode, normalise, mask,
fold). All three read the same stream from the simulator (a child process) on loopback in the
same run, rounds interleaved; ratios are of median times. (d) is (c) writing a recording.
(c) and (d) do not read the run's changes from GitHub (``changes=False``): GitHub is neither
reachable here nor what this measures, and a failed lookup costs a variable DNS timeout.
Targets: (c)/(b) <= 1 — the complete client ahead of the naive loop —, (d)/(c) <= 1.1,
import <= 100 ms.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time

from _common import (
    API_KEY,
    GITHUB_TOKEN,
    HEADERS,
    REPO,
    best_of,
    flood_body,
    flood_tasks,
    import_time,
    paired_ratio,
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


def cc_jupyter_run(url: str, events: int, record: str | None = None, github_api: str | None = None) -> int:
    """One flood run through ``cc_jupyter.invoke``; its changes are read from ``github_api``
    (the simulator's GitHub) when given, else not at all."""
    import cc_jupyter

    run = cc_jupyter.invoke(tasks=flood_tasks(events), repo=REPO, api_url=url, api_key=API_KEY, github_token=GITHUB_TOKEN,
                            record=record or False, changes=github_api is not None, github_api_url=github_api)
    assert run.status == "completed", run.error
    return run.event_count


def fold_in_process(events: int, record_into: str, rounds: int = 7) -> tuple[float, float]:
    """Best times to decode, normalise and fold ``events`` flood events already in memory into a
    Run, without and with a recorder, rounds interleaved: the recorder's own cost, without the
    network's noise."""
    from cc_jupyter.protocol.events import normalise_all
    from cc_jupyter.protocol.request import build_request
    from cc_jupyter.protocol.sse import SSEDecoder
    from cc_jupyter.recordings.recorder import Recorder
    from cc_jupyter.run.state import Run
    from cc_jupyter.settings import Settings
    from tests.simrigs.flood import render
    from tests.simrigs.wire import VariantWire

    tasks = tuple(flood_tasks(events))
    body = render(VariantWire(), 0, events, events, tasks, True)
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    settings = Settings(api_key=API_KEY, github_token=GITHUB_TOKEN, repo=REPO)

    def fold(recorder: Recorder | None) -> float:
        run = Run(build_request(None, {task: "bench" for task in tasks}, settings=settings))
        decoder = SSEDecoder()
        start = time.perf_counter()
        if recorder is not None:
            recorder.begin(run)
        for chunk in chunks:
            run.apply_all(normalise_all(decoder.feed(chunk)))
        run.finish("closed")
        if recorder is not None:
            recorder.close(run)
        return time.perf_counter() - start

    plain, recorded = [], []
    for _ in range(rounds):
        plain.append(fold(None))
        recorded.append(fold(Recorder(record_into)))
    return min(plain), min(recorded)


def main() -> None:
    args = parse_args(__doc__, rounds=9)  # the runs are short: more rounds, steadier medians
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
    a, b, c, d = results.values()
    print(f"flood: {args.events:,} custom events over 8 tasks, median of {args.rounds} interleaved rounds")
    for name, timed in results.items():
        seconds = timed.median
        print(f"  {name:38} {timed.count:>8,} events  {seconds:6.3f} s  {timed.count / seconds:>10,.0f} events/s"
              f"  x{seconds / a.median:.2f} of (a)")
    print("ratios: of the medians; in brackets, the median of the round-by-round ratios")
    print(f"(c)/(b) = {c.median / b.median:.2f} [{paired_ratio(c, b):.2f}]  (target <= 1)")
    print(f"(d)/(c) = {d.median / c.median:.2f} [{paired_ratio(d, c):.2f}]  (recording overhead; target <= 1.10)")
    with tempfile.TemporaryDirectory() as recordings:
        plain, recorded = fold_in_process(args.events, recordings)
    print(f"(d)/(c) in process, no network: {recorded / plain:.2f}  ({plain:.3f} s vs {recorded:.3f} s, best of 7 each)")
    seconds = import_time("cc_jupyter")
    print(f"import cc_jupyter: {seconds * 1000:.1f} ms (target <= 100 ms)")
    seconds = import_time("cc_jupyter", setup="from IPython.core.interactiveshell import InteractiveShell; ip = InteractiveShell.instance()",
                          statement="ip.run_line_magic('load_ext', 'cc_jupyter')")
    print(f"%load_ext cc_jupyter: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
