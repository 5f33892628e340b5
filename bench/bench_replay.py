"""How long a replay of a recorded 30-second run takes at the default speed.

Usage: python bench/bench_replay.py [--seconds 30]

Records one run that streams for about ``--seconds`` (100 progress lines, evenly spaced) against
the simulator, then replays its recording into a new Run as a cell would, and prints both times.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from _common import API_KEY, GITHUB_TOKEN, REPO, simulator_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    import cc_jupyter
    from cc_jupyter.client.replay import DEFAULT_SPEED, replay_into
    from cc_jupyter.recordings.parse import read
    from cc_jupyter.recordings.reader import empty_run
    from cc_jupyter.secrets import SecretMasker

    interval = args.seconds / 100
    with simulator_process() as url, tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        run = cc_jupyter.invoke(f"a long job\nsim: lines=100 interval={interval} push=none", repo=REPO, api_url=url,
                                api_key=API_KEY, github_token=GITHUB_TOKEN, record=directory)
        recorded_seconds = time.perf_counter() - start
        recorded = read(run.recording, masker=SecretMasker())
        replayed = empty_run(recorded)
        start = time.perf_counter()
        asyncio.run(replay_into(recorded, replayed))
        replay_seconds = time.perf_counter() - start
    assert replayed.tasks["main"].stdout == run.tasks["main"].stdout
    print(f"a run of {recorded_seconds:.1f} s ({len(recorded.events)} recorded events) replays in "
          f"{replay_seconds:.1f} s at the default speed ({DEFAULT_SPEED:g}x, pauses cut to 1 s)")


if __name__ == "__main__":
    main()
