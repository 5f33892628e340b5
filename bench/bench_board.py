"""The --across board in a real kernel: 12 targets streaming at once, against one run's display budget.

Usage: python bench/bench_board.py [--targets 12] [--lines 5000] [--rounds 3]

In one kernel against one simulator, rounds interleaved: (one) a %%cloudcode cell whose run prints
``--lines`` lines; (board) a %%cloudcode --across cell on ``--targets`` repositories, each printing
``--lines`` lines, all streaming at once (--max-concurrent = targets). Reported for each, median
of the rounds: refreshes per second of its view, IOPub messages (peak in 1 s), and kB/s sent to
the frontend. Budget: the board within one run's budget — <= 10 refreshes/s in all, peak
messages and kB/s no more than 1.5 times the one run's — whatever the number of targets. The
bench exits with status 1 when one is over.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

from _common import API_KEY, GITHUB_TOKEN, kernel_client, simulator_process
from bench_magic import peak_per_second, run_cell

REFRESH_BUDGET = 10.0
RATIO_BUDGET = 1.5
PROBE_ONE = "import json; m = get_ipython()._cc_jupyter_magics.session.runs[-1]; print(json.dumps([m.flusher.rate]))"
PROBE_BOARD = "import json; b = get_ipython()._cc_jupyter_magics.last_board; print(json.dumps([b.flusher.rate]))"


def cells(targets: int, lines: int) -> tuple[str, str]:
    directive = f"sim: lines={lines} interval=0.001 push=none"
    repos = ",".join(f"https://github.com/bench-class/student-{i:02d}" for i in range(targets))
    one = f"%%cloudcode -r https://github.com/bench-class/solo -o one\nPrint progress\n{directive}"
    board = f"%%cloudcode --across {repos} --max-concurrent {targets} -o board\nPrint progress\n{directive}"
    return one, board


def measure(client, code: str, probe: str) -> dict[str, float]:
    seconds, messages, _ = run_cell(client, code)
    _, _, out = run_cell(client, probe)
    (rate,) = json.loads(out.strip().splitlines()[-1])
    total = sum(size for _, size, _ in messages)
    return {"seconds": seconds, "refreshes": rate, "peak": peak_per_second([t for t, _, _ in messages]),
            "kBps": total / seconds / 1e3, "messages": len(messages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=12)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    one_cell, board_cell = cells(args.targets, args.lines)
    with simulator_process() as url, tempfile.TemporaryDirectory() as recordings:
        env = {**os.environ, "CLOUDCODE_API_URL": url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
               "CLOUDCODE_GITHUB_API_URL": url + "/github", "CLOUDCODE_RECORD_DIR": recordings, "CLOUDCODE_REPLAY": "never"}
        with kernel_client(env) as client:
            run_cell(client, "%load_ext cc_jupyter")
            run_cell(client, cells(2, 100)[1])  # warm-up: imports, first widgets
            ones, boards = [], []
            for _ in range(args.rounds):
                ones.append(measure(client, one_cell, PROBE_ONE))
                boards.append(measure(client, board_cell, PROBE_BOARD))
                print(f"    round: one run {ones[-1]['seconds']:.1f} s, board {boards[-1]['seconds']:.1f} s", flush=True)

    def median(results: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"{args.targets} targets x {args.lines:,} lines, against one run of {args.lines:,} lines; median of {args.rounds}")
    for name, results in (("one run", ones), ("board", boards)):
        print(f"  {name:8} {median(results, 'seconds'):6.1f} s  refreshes {median(results, 'refreshes'):5.1f}/s  "
              f"IOPub {median(results, 'messages'):6,.0f} messages, peak {median(results, 'peak'):4.0f} in 1 s  "
              f"{median(results, 'kBps'):7,.1f} kB/s")
    peak_ratio = median(boards, "peak") / max(1.0, median(ones, "peak"))
    bytes_ratio = median(boards, "kBps") / max(0.001, median(ones, "kBps"))
    within = median(boards, "refreshes") <= REFRESH_BUDGET and peak_ratio <= RATIO_BUDGET and bytes_ratio <= RATIO_BUDGET
    print(f"  board / one run: peak messages x{peak_ratio:.2f}, kB/s x{bytes_ratio:.2f} (budget <= {RATIO_BUDGET}, "
          f"refreshes <= {REFRESH_BUDGET:g}/s): {'within' if within else 'OVER'}")
    sys.exit(0 if within else 1)


if __name__ == "__main__":
    main()
