"""Playing a recording into a Run at its recorded pace (sped up, long silences shortened): the
same Run, views and transcript as a live run, and no request to the API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from ..protocol.events import Event
from ..recordings.parse import Recorded
from ..recordings.reader import settle
from ..run.state import Run
from .handle import RunHandle

DEFAULT_SPEED = 10.0  # a 30-minute run replays in about 3 minutes at most...
LONGEST_PAUSE = 1.0  # ...no silence of the replay lasts longer than this (seconds)...
LONGEST_REPLAY = 30.0  # ...and all its pauses together last at most this, whatever the file says
_SHORTEST_SLEEP = 0.005


def pauses(offsets: Iterable[float], speed: float) -> list[float]:
    """The pause before each event: the recorded gap sped up, each at most :data:`LONGEST_PAUSE`,
    all scaled down together when they would last longer than :data:`LONGEST_REPLAY`."""
    if speed <= 0:
        return [0.0 for _ in offsets]
    gaps: list[float] = []
    previous = 0.0
    for offset in offsets:
        gaps.append(min(max(0.0, offset - previous) / speed, LONGEST_PAUSE))
        previous = offset
    total = sum(gaps)
    if total > LONGEST_REPLAY:
        gaps = [gap * LONGEST_REPLAY / total for gap in gaps]
    return gaps


async def replay_into(recorded: Recorded, run: Run, *, speed: float = DEFAULT_SPEED) -> Run:
    """Feed the recorded events into ``run``; ``speed`` 0 plays them all at once."""
    try:
        run.adopt_thread(recorded.header.thread_id)
        waits = pauses((offset for offset, _, _ in recorded.events), speed)
        owed = 0.0  # pauses too short to sleep, added up
        for pause, (_, kind, data) in zip(waits, recorded.events, strict=True):
            owed += pause
            if owed >= _SHORTEST_SLEEP:
                await asyncio.sleep(owed)
                owed = 0.0
            run.apply_all([Event(kind, data)])
        settle(run, recorded)
    except asyncio.CancelledError:
        run.finish("cancelled")
        raise
    return run


def start_replay(recorded: Recorded, run: Run, *, speed: float = DEFAULT_SPEED) -> RunHandle:
    """Replay on the background loop; the handle is a live run's (wait, cancel)."""
    return RunHandle(run, replay_into(recorded, run, speed=speed))
