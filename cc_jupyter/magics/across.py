"""``%%cloudcode --across SPEC``: one prompt on many repositories, a run each, on one live board.

Each target is an ordinary run of this kernel (listed in the history, recorded, replayed, on
the thread of its repository and branch) whose I/O waits for one of the cell's slots; the
board is the one view of them all, refreshed by one Flusher, and becomes one transcript.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.error import UsageError

from ..client.group import RepoTarget, RunGroup, Slots, parse_targets, target_key
from ..errors import RunFailedError
from ..repos import github_repository
from ..text import clip, one_line, strip_escapes
from .interpolate import Expansion, say_notices
from .live import REFRESH_INTERVAL, LiveRun, cancel_all
from .options import CellOptions
from .target import Target

if TYPE_CHECKING:
    import concurrent.futures

    from ..protocol.request import Request
    from ..recordings.library import Entry
    from ..recordings.parse import Recorded
    from ..run.state import Run
    from ..secrets import SecretMasker
    from ..settings import Settings
    from ..views.flusher import Flusher
    from .config import CloudCode

class AcrossHost(Protocol):
    """What an ``--across`` cell needs of the magics (which the magics class provides)."""

    shell: Any
    cfg: CloudCode

    def settings(self) -> Settings: ...

    def masker(self) -> SecretMasker: ...

    def mode(self, options: CellOptions) -> str: ...

    def replayable(self, options: CellOptions, target: Target, prompt: str | None,
                   tasks: dict[str, str] | None) -> tuple[Request, tuple[Entry, Recorded] | None]: ...

    def live_run(self, options: CellOptions, target: Target, asked: Request, found: tuple[Entry, Recorded] | None,
                 prompt: str | None, tasks: dict[str, str] | None, *, mode: str, slots: Slots | None = None) -> LiveRun: ...

    def dry_run(self, options: CellOptions, target: Target, prompt: str | None, tasks: dict[str, str] | None,
                entry: Entry | None, expansions: list[Expansion]) -> str: ...

    def remember_threads(self, runs: list[LiveRun]) -> None: ...

    def keep_board(self, board: Board) -> None: ...


ORIGIN = "--across"
GITHUB_PATTERN = "github:"
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FAILED_NAMED = 5  # targets named in the failure line; the rest are counted


def run_across(
    magics: AcrossHost,
    options: CellOptions,
    prompt: str | None,
    tasks: dict[str, str] | None,
    expansions: list[Expansion],
) -> None:
    """The cell: resolve the targets, check every request (nothing is sent if one is refused),
    then run them on the board; a cell with failed targets fails with one line once all ended."""
    assert options.across is not None
    settings = magics.settings()
    targets, expanded = across_targets(magics, options.across, settings)
    default_branch = options.branch or settings.branch
    api = settings.github_api_url
    planned: list[tuple[Target, Request, tuple[Entry, Recorded] | None]] = []
    seen: set[tuple[object, str | None]] = set()
    for repo_target in targets:
        repo = github_repository(repo_target.repo, api) or repo_target.repo
        target = Target(repo, repo_target.branch or default_branch, ORIGIN)
        key = target_key(repo, target.branch)
        if key in seen:  # one repository written two ways: one run, one thread
            continue
        seen.add(key)
        planned.append((target, *magics.replayable(options, target, prompt, tasks)))
    if options.dry_run:
        print(_dry_run(magics, options, planned, prompt, tasks, expansions, expanded))
        return
    slots = Slots(options.max_concurrent or magics.cfg.max_concurrent_runs)
    mode = magics.mode(options)
    lives = [magics.live_run(options, target, asked, found, prompt, tasks, mode="board", slots=slots)
             for target, asked, found in planned]
    board = Board(lives, slots, text=mode == "text")
    magics.keep_board(board)
    say_notices(expansions)
    try:
        board.show()
        board.start(detached=options.no_wait)
        if options.out and magics.shell is not None:
            magics.shell.user_ns[options.out] = board.group
        if options.no_wait:
            if board.text:
                print("cloudcode: running in the background: %cloudcode wait shows the result")
            return
        board.wait()
    except BaseException:
        board.abandon()
        raise
    finally:
        if board.ended:
            magics.remember_threads(lives)
            board.finish()
    board.raise_for_failures()


def across_targets(magics: AcrossHost, spec: str, settings: Settings) -> tuple[list[RepoTarget], str]:
    """The targets ``spec`` names, and what a ``github:`` pattern expanded to (for --dry-run)."""
    spec = spec.strip()
    api = settings.github_api_url or ""
    expanded = ""
    items: list[Any]
    if spec.startswith(GITHUB_PATTERN):
        items = _expand(magics, spec, settings)
        shown = ", ".join(items[:20]) + (f", … {len(items) - 20} more" if len(items) > 20 else "")
        expanded = f"{spec} is {len(items)} repositor{'y' if len(items) == 1 else 'ies'}: {shown}"
    elif _VARIABLE.match(spec):
        namespace = magics.shell.user_ns if magics.shell is not None else {}
        if spec not in namespace:
            raise UsageError(f"--across {spec}: no variable {spec} in the notebook (give it a list of repository "
                             "URLs), and not a repository URL either.")
        value = namespace[spec]
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
            raise UsageError(f"--across {spec}: {spec} is a {type(value).__name__}; it must be a list or tuple of "
                             "repository URLs (strings, each optionally URL@branch).")
        items = list(value)
    else:
        items = [part for part in spec.split(",") if part.strip()]
    return parse_targets(items, api), expanded


def _expand(magics: AcrossHost, spec: str, settings: Settings) -> list[str]:
    """``github:OWNER/PATTERN`` as repository URLs, read from the configured GitHub with the user's token."""
    from ..changes.github_repos import expand_pattern
    from ..client.loop import background

    if not settings.github_token:
        raise UsageError(f"--across {clip(spec, 80)} reads the owner's repositories from GitHub with your token: "
                         "set GITHUB_TOKEN or run %cloudcode login first.")
    future = background.submit(expand_pattern(spec, token=settings.github_token, api=settings.github_api_url or None,
                                              timeout=magics.cfg.github_timeout, masker=magics.masker()))
    urls = future.result()
    if not urls:
        raise UsageError(f"--across {clip(spec, 80)} matched no repository of that owner that your token can see.")
    return urls


def _dry_run(
    magics: AcrossHost,
    options: CellOptions,
    planned: list[tuple[Target, Request, tuple[Entry, Recorded] | None]],
    prompt: str | None,
    tasks: dict[str, str] | None,
    expansions: list[Expansion],
    expanded: str,
) -> str:
    size = options.max_concurrent or magics.cfg.max_concurrent_runs
    lines = [f"cloudcode: {len(planned)} target{'s' if len(planned) != 1 else ''}, at most {size} streaming at once"]
    if expanded:
        lines.append(f"cloudcode: {expanded}")
    for number, (target, _, found) in enumerate(planned, start=1):
        lines.append(f"\n── target {number} of {len(planned)}: {target.repo}@{target.branch}")
        lines.append(magics.dry_run(options, target, prompt, tasks, found[0] if found else None, expansions if number == 1 else []))
    return "\n".join(lines)


class Board:
    """The runs of one ``--across`` cell, shown as one board (or, in text mode, a line per target
    as each ends, then the table), then as one transcript."""

    def __init__(self, lives: list[LiveRun], slots: Slots, *, text: bool) -> None:
        self.lives = lives
        self.slots = slots
        self.text = text
        self.group: RunGroup | None = None
        self.finished = False
        self._runs: list[Run] = [live.run for live in lives if live.run is not None]
        self._view: Any = None
        self._display: Any = None
        self._transcript: Any = None
        self._future: concurrent.futures.Future[None] | None = None
        self._lock = threading.Lock()
        self._swapped = False
        self._said: set[int] = set()
        self.flusher: Flusher | None = None  # the board's one Flusher (its ``rate``: refreshes per second)

    @property
    def ended(self) -> bool:
        return all(live.ended for live in self.lives)

    def show(self) -> None:
        if self.text:
            replays = sum(live.answers.startswith("replay") for live in self.lives)
            replayed = f" ({replays} replayed from their recordings)" if replays else ""
            print(f"cloudcode: {len(self.lives)} repositories, at most {self.slots.size} at once{replayed}")
            return
        from IPython.display import display

        from ..views.board import BoardView

        self._view = BoardView(self._runs, on_stop=self.cancel, on_stop_run=lambda index: self.lives[index].cancel())
        self._display = display(self._view.widget, display_id=True)

    def start(self, *, detached: bool) -> None:
        """Start every run (each waits for a slot); the board refreshes until all have ended."""
        for live in self.lives:
            live.start(live.starter, detached=detached)
        self.group = RunGroup([RepoTarget(r.info.repo, r.info.branch) for r in self._runs],
                              [live.handle for live in self.lives if live.handle is not None], self.slots)
        if self._view is not None:
            from ..client.loop import background

            self._future = background.submit(self._follow(self.group))

    async def _follow(self, group: RunGroup) -> None:
        from ..views.flusher import Flusher

        self.flusher = Flusher(self._view.refresh, interval=REFRESH_INTERVAL)
        ended = asyncio.Event()

        def one_ended(_: object) -> None:  # on this loop's thread
            if group.done():
                ended.set()

        group.add_done_callback(one_ended)
        await self.flusher.run_until(group.done, ended)
        self._swap()

    def wait(self) -> None:
        """Block until every run ended; Ctrl-C cancels all (queued ones never start)."""
        assert self.group is not None
        self.group.wait(tick=self._say_ended if self.text else None)

    def cancel(self) -> None:
        """Stop every run (the board's Stop): queued ones never start."""
        self.slots.close()
        for live in self.lives:
            live.cancel()

    def abandon(self) -> None:
        """Interrupted: cancel every run (queued ones never start), leave what arrived."""
        self.slots.close()
        cancel_all(self.lives)

    def finish(self) -> None:
        """From a cell, once all ended: every run finished, the transcript in place, widgets closed."""
        if self.finished or not self.ended:
            return
        for live in self.lives:
            live.finish()
        if self._future is not None:
            try:
                self._future.result(timeout=5)
            except Exception:
                pass
        if self.text:
            from ..views.board_transcript import board_text

            self._say_ended()
            print(board_text(self._runs))
        elif not self._swap() and self._display is not None:
            self._display.update(self._transcript)  # again from a cell: nbclient reads only the running cell
        if self._view is not None:
            self._view.close_widgets()
        self.finished = True

    def raise_for_failures(self) -> None:
        """One line naming the targets that failed or were cut (a cancelled one is not a failure)."""
        failed = [run for run in self._runs if run.failed]
        if not failed:
            return
        named = "; ".join(f"{_label(run)} ({_why(run)})" for run in failed[:_FAILED_NAMED])
        more = f"; and {len(failed) - _FAILED_NAMED} more" if len(failed) > _FAILED_NAMED else ""
        raise RunFailedError(f"{len(failed)} of {len(self._runs)} targets failed: {named}{more} — the board "
                             "above has each one's error and output.", run=failed[0])

    def _swap(self) -> bool:
        with self._lock:
            if self._swapped or self._view is None:
                return False
            from ..views.board_transcript import BoardTranscript

            self._view.stop()
            self._transcript = BoardTranscript(self._runs, [live.source for live in self.lives])
            self._display.update(self._transcript)
            self._swapped = True
            return True

    def _say_ended(self) -> None:
        for number, (live, run) in enumerate(zip(self.lives, self._runs, strict=True)):
            if run.done and number not in self._said:
                self._said.add(number)
                replay = " (replay)" if live.answers.startswith("replay") else ""
                print(f"cloudcode: [{len(self._said)}/{len(self._runs)}] {_label(run)}: {run.status}{replay}"
                      f"{f' — {_why(run)}' if run.error is not None and run.status != 'completed' else ''}")


def _label(run: Run) -> str:
    return clip(strip_escapes(f"{run.info.repo}@{run.info.branch}"), 120)


def _why(run: Run) -> str:
    return one_line(strip_escapes(run.error.message), 160) if run.error is not None else run.status

