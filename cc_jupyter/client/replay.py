"""Playing a recording into a Run at its recorded pace (sped up, long silences shortened): the
same Run, views and transcript as a live run, and no request to the API."""

from __future__ import annotations

import asyncio

from ..protocol.events import Event
from ..recordings.format import Recorded
from ..recordings.reader import settle
from ..run.state import Run
from .handle import RunHandle

DEFAULT_SPEED = 10.0  # a 30-minute run replays in about 3 minutes at most...
LONGEST_PAUSE = 1.0  # ...and no silence of the replay lasts longer than this (seconds)


async def replay_into(recorded: Recorded, run: Run, *, speed: float = DEFAULT_SPEED) -> Run:
    """Feed the recorded events into ``run``; ``speed`` 0 plays them all at once."""
    try:
        run.adopt_thread(recorded.header.get("thread_id"))
        previous = 0.0
        for offset, kind, data in recorded.events:
            if speed > 0:
                pause = min(max(0.0, offset - previous) / speed, LONGEST_PAUSE)
                if pause >= 0.005:
                    await asyncio.sleep(pause)
            previous = offset
            run.apply_all([Event(kind, data)])
        settle(run, recorded)
    except asyncio.CancelledError:
        run.finish("cancelled")
        raise
    return run


def start_replay(recorded: Recorded, run: Run, *, speed: float = DEFAULT_SPEED) -> RunHandle:
    """Replay on the background loop; the handle is a live run's (wait, cancel)."""
    return RunHandle(run, replay_into(recorded, run, speed=speed))
