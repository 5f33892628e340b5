"""Linear time on endless lines, and memory close to the content, through the real client.

Usage: python bench/bench_limits.py [--rounds 3]

Time: one stdout line of 5 MB and of 20 MB (no newline) in one event, and the same spread over
64 KB events; doubling the input must at most double the time: the 20 MB / 5 MB ratio is
reported (budget <= 5). Memory: the growth of this process (resident set, after a warm-up run
and a collection) while it holds the Run of 1,000,000 two-byte events, and of 200 MB of stdout
in 1,000-character lines. Budgets: growth <= 3x the content + 30 MB for the tiny events,
<= 1.5x the content + 30 MB for the 200 MB.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time

from _common import API_KEY, GITHUB_TOKEN, REPO, simulator_process

MB = 1_000_000


def invoke(url: str, prompt: str):
    import cc_jupyter

    run = cc_jupyter.invoke(prompt, repo=REPO, api_url=url, api_key=API_KEY, github_token=GITHUB_TOKEN)
    assert run.status == "completed", run.error
    return run


def line_seconds(url: str, size: int, rounds: int) -> float:
    """Median seconds of a run whose stdout holds one ``size``-byte line (in one event)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run = invoke(url, f"one long line\nsim: huge={size} push=none stdout=plain")
        times.append(time.perf_counter() - start)
        assert max(map(len, run.stdout.split("\n"))) >= size - 1
    return statistics.median(times)


def spread_seconds(size: int, rounds: int) -> float:
    """Median seconds to fold one ``size``-character line, sent as 64 KB events, into a Run."""
    from cc_jupyter.protocol.events import Event
    from cc_jupyter.protocol.request import build_request
    from cc_jupyter.run.state import Run
    from cc_jupyter.settings import Settings

    settings = Settings(api_key=API_KEY, github_token=GITHUB_TOKEN, repo=REPO)
    piece = "0123456789abcdef" * 4096
    times = []
    for _ in range(rounds):
        run = Run(build_request("x", None, settings=settings))
        start = time.perf_counter()
        for _ in range(size // len(piece)):
            run.apply_all([Event("custom", {"stdout": piece})])
        run.finish("closed")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_child(url: str, events: int, width: int) -> None:
    """In a fresh interpreter: grow by holding the Run of ``events`` flood lines of ``width``."""
    invoke(url, "warm up\nsim: flood=1000 width=10 push=none")
    gc.collect()
    before = resident()
    run = invoke(url, f"flood\nsim: flood={events} width={width} push=none stdout=plain")
    gc.collect()
    grown = resident() - before
    content = sum(task.output.length for task in run.tasks.values())
    print(json.dumps({"events": run.event_count, "content": content, "grown": grown}))


def memory(url: str, events: int, width: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(events), str(width)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, events, width = args.child
        memory_child(url, int(events), int(width))
        return
    with simulator_process() as url:
        invoke(url, "warm up\nsim: push=none")
        small, large = line_seconds(url, 5 * MB, args.rounds), line_seconds(url, 20 * MB, args.rounds)
        print(f"one 5 MB line:  {small:6.3f} s; one 20 MB line: {large:6.3f} s; ratio {large / small:.2f} (budget <= 5)")
        small, large = spread_seconds(5 * MB, args.rounds), spread_seconds(20 * MB, args.rounds)
        print(f"a line without newline in 64 KB events, 5 MB: {small:6.3f} s; 20 MB: {large:6.3f} s; "
              f"ratio {large / small:.2f} (budget <= 5)")
        for events, width, factor in ((1_000_000, 2, 3.0), (200_000, 1000, 1.5)):
            found = memory(url, events, width)
            content, grown = found["content"], found["grown"]
            budget = factor * content + 30 * MB
            verdict = "within" if grown <= budget else "OVER"
            print(f"{found['events']:,} events, {content / MB:,.1f} MB of stdout: the process grew {grown / MB:,.1f} MB "
                  f"({grown / max(1, found['events']):,.0f} bytes per event; budget {budget / MB:,.0f} MB: {verdict})")


if __name__ == "__main__":
    main()
