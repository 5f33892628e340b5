"""The ``%cloudcode <subcommand>`` line magic: a table of subcommands, each with its own arguments."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from typing import Any, Protocol

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from ..errors import CloudCodeError, Unreadable
from ..protocol.request import check_thread_id
from ..recordings.library import Library
from ..recordings.parse import read as read_recording
from ..run.changes import Changes
from ..secrets import SecretMasker, clean_secret, mask_hint
from ..settings import DIFF_TIMEOUT, Settings
from ..text import clip, shorten, strip_escapes
from ..views.style import format_duration, repo_label
from .config import CloudCode
from .demo import DemoMode
from .live import LiveRun, cancel_all, wait_all
from .options import refuse_secrets
from .session import Session
from .target import Target


class CommandHost(Protocol):
    """What subcommands need of the magics (which the magics class provides)."""

    session: Session
    demo: DemoMode
    cfg: CloudCode

    def settings(self) -> Settings: ...

    def target(self, repo: str | None = None, branch: str | None = None) -> Target | None: ...

    def secret_values(self) -> list[str | None]: ...

    def masker(self) -> SecretMasker: ...

    def has_own_key(self) -> bool: ...

    def remember_threads(self, runs: list[LiveRun]) -> None: ...

    def library(self) -> Library: ...


RECORDED_SHOWN = 20  # recorded runs listed by %cloudcode history
_NO_RUNS = (
    "No runs yet, in this kernel or recorded here: run a %%cloudcode cell first (for example "
    "%%cloudcode -r https://github.com/<owner>/<repo> with a prompt below; %cloudcode demo tries it without a key)."
)

Handler = Callable[["CommandHost", argparse.Namespace], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    arguments: str  # as shown in the help: "[new | ID]"
    summary: str  # one line, for %cloudcode help
    handler: Handler
    parser: MagicArgumentParser


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str, shown: str, summary: str, *arguments: tuple[tuple[str, ...], dict[str, Any]]
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as ``%cloudcode NAME`` with its own argparse arguments."""

    def register(handler: Handler) -> Handler:
        parser = MagicArgumentParser(prog=f"cloudcode {name}", description=summary, add_help=False)
        for flags, options in arguments:
            parser.add_argument(*flags, **options)
        SUBCOMMANDS[name] = Subcommand(name, shown, summary, handler, parser)
        return handler

    return register


def dispatch(magics: CommandHost, line: str) -> None:
    refuse_secrets(line, "the magic line", magics.secret_values())
    name, _, rest = line.strip().partition(" ")
    command = SUBCOMMANDS.get(name or "status")
    if command is None:
        raise UsageError(
            f"Unknown subcommand {clip(name, 40)!r}: use one of {', '.join(SUBCOMMANDS)} (or %%cloudcode for a prompt)."
        )
    command.handler(magics, command.parser.parse_argstring(rest))


def usage() -> str:
    """One line per subcommand, for the help texts."""
    shown = {name: f"%cloudcode {name} {command.arguments}".rstrip() for name, command in SUBCOMMANDS.items()}
    width = max(map(len, shown.values()))
    return "\n".join(f"    {shown[name]:<{width}}  {command.summary}" for name, command in SUBCOMMANDS.items())


# ----- the subcommands -----
@subcommand("login", "", "ask for the API key and GitHub token (hidden input, kept in kernel memory only)")
def _login(magics: CommandHost, args: argparse.Namespace) -> None:
    from getpass import getpass

    try:
        key = getpass("Cloud Coding API key (hidden, Enter keeps the current one): ")
        token = getpass("GitHub token with repo access (hidden, Enter keeps the current one): ")
    except (EOFError, NotImplementedError):  # ipykernel's StdinNotImplementedError is a NotImplementedError
        raise UsageError(
            "%cloudcode login needs a frontend that can ask for input; here, set CLOUDCODE_API_KEY and "
            "GITHUB_TOKEN in the environment before starting the kernel."
        ) from None
    try:
        new_key, new_token = clean_secret(key, "API key"), clean_secret(token, "GitHub token")
    except ValueError as error:
        raise UsageError(str(error)) from None
    if new_key:
        magics.session.api_key = new_key
    if new_token:
        magics.session.github_token = new_token
    settings = magics.settings()
    print(
        f"cloudcode: key {mask_hint(settings.api_key)}, GitHub token {mask_hint(settings.github_token)} "
        "(kept in this kernel's memory only)."
    )


@subcommand("logout", "", "forget the key and token given with login (environment variables still apply)")
def _logout(magics: CommandHost, args: argparse.Namespace) -> None:
    magics.session.api_key = None
    magics.session.github_token = None
    print("cloudcode: forgot the key and token given with %cloudcode login (environment variables still apply).")


@subcommand("status", "", "settings (secrets masked), the current thread, running runs")
def _status(magics: CommandHost, args: argparse.Namespace) -> None:
    s = magics.settings()
    shown = magics.masker().text  # URL credentials too: they are refused, but shown here
    demo = " (demo: local simulator)" if magics.demo.on else ""
    running = magics.session.running()
    target = magics.target()
    repository = f"{shown(target.repo)}  (from {target.origin})" if target else (
        "(none yet: -r URL on a %%cloudcode cell, or %config CloudCode.repo = ... / CLOUDCODE_REPO)")
    lines = [
        f"API          {shown(s.api_url)}{demo}",
        f"API key      {mask_hint(s.api_key)}",
        f"GitHub token {mask_hint(s.github_token)}",
        f"repository   {repository}",
        f"branch       {strip_escapes(target.branch) if target else s.branch}",
        f"model        {'haiku' if magics.cfg.haiku else 'sonnet'}",
        f"view         {'text' if magics.cfg.text else 'widgets (text where there is no widget frontend)'}",
        f"thread       {_current_thread(magics) or '(none yet: the next run starts one)'}",
        f"running      {', '.join(_run_label(live) for live in running) if running else 'nothing'}",
    ]
    print("\n".join(lines))


@subcommand("thread", "[new | ID]", "show the current thread; `thread new` forgets it; `thread ID` switches to ID",
            (("target",), {"nargs": "?", "metavar": "new|ID"}))
def _thread(magics: CommandHost, args: argparse.Namespace) -> None:
    target = magics.target()
    if target is None:
        raise UsageError("No repository yet: run a %%cloudcode -r URL cell, or set %config CloudCode.repo = '...' "
                         "or CLOUDCODE_REPO first.")
    where = repo_label(target.repo, target.branch)
    if args.target is None:
        print(f"thread for {where}: {_current_thread(magics) or '(none: the next run starts one)'}")
    elif args.target == "new":
        magics.session.set_thread(target.repo, target.branch, None)
        magics.session.positions.pop((target.repo, target.branch), None)
        print(f"cloudcode: the next run on {where} starts a new thread.")
    else:
        try:
            thread = check_thread_id(args.target)
        except ValueError as error:
            raise UsageError(str(error)) from None
        magics.session.set_thread(target.repo, target.branch, thread)
        print(f"cloudcode: runs on {where} now continue thread {thread}.")


@subcommand("history", "[clear]", "this kernel's runs, then runs recorded before; `history clear` forgets the finished ones",
            (("action",), {"nargs": "?", "choices": ["clear"]}))
def _history(magics: CommandHost, args: argparse.Namespace) -> None:
    session = magics.session
    if args.action == "clear":
        cleared = session.clear_finished()
        print(f"cloudcode: forgot {cleared} finished run{'s' if cleared != 1 else ''} (runs bound to a variable stay there).")
        return
    rows: list[tuple[str, ...]] = []
    for live in session.runs:
        summary = live.summary
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.started_at))
        rows.append((str(live.number), started, repo_label(summary.repo, summary.branch), summary.thread_id or "-",
                     summary.status, format_duration(summary.duration), live.answers, ", ".join(summary.tasks)))
    if rows:
        print(_table(("#", "started", "repo@branch", "thread", "status", "time", "answers", "tasks"), rows))
    else:
        print("cloudcode: no runs in this kernel yet.")
    library = magics.library()
    earlier = [e for e in library.entries() if e.kernel != session.kernel_id][-RECORDED_SHOWN:]
    if earlier:
        print(f"\nrecorded earlier in {library.directory} (%cloudcode show ID displays one):")
        rows = []
        for entry in earlier:
            end = library.end(entry)
            thread = (end.thread_id if end else None) or entry.header.thread_id or "-"
            rows.append((entry.id[:8], entry.when, repo_label(entry.header.repo, entry.header.branch), thread,
                         end.status if end else "unfinished",
                         format_duration(end.duration) if end and end.duration is not None else "–",
                         "simulated" if entry.simulated else "API", entry.prompt))
        print(_table(("ID", "started", "repo@branch", "thread", "status", "time", "answers", "prompt"), rows))


def _table(titles: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Columns as wide as their widest cell (escapes removed, each cell at most 120 characters);
    numbers and times to the right, the last column as it is."""
    cells = [titles] + [tuple(shorten(strip_escapes(cell), 120) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(titles) - 1)]
    right = {0, 5}
    return "\n".join(
        "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row[:-1]))
        + "  " + row[-1]
        for row in cells
    )


@subcommand("show", "N | ID [--text]",
            "run N of this kernel, or a recorded run (ID: the start of its id): live while it streams, else its transcript",
            (("which",), {"metavar": "N|ID"}),
            (("--text",), {"action": "store_true", "help": "follow a run that still streams as text, here, until it ends"}))
def _show(magics: CommandHost, args: argparse.Namespace) -> None:
    from IPython.display import display

    from ..recordings.reader import load_run
    from ..views.transcript import Transcript

    live = _shown_run(magics.session, args.which)
    if live is not None and not live.ended:
        _follow(magics, live, text=args.text or magics.cfg.text or live.mode == "text")
        return
    if live is not None and live.run is not None:
        display(Transcript(live.run, source=live.source))
        return
    library = magics.library()
    entry = library.find(args.which)
    if entry is None and not magics.session.runs and not library.entries():
        raise UsageError(_NO_RUNS)
    if entry is None:
        raise UsageError(
            f"No run {clip(args.which, 40)!r}: give a run number of this kernel that is still held, or the start of "
            "a recording id (%cloudcode history lists both)."
        )
    try:
        run = load_run(entry.path, masker=magics.masker())
    except ValueError as error:
        raise UsageError(f"That recording cannot be read: {clip(strip_escapes(str(error)), 300)}") from None
    display(Transcript(run, source=f"{'simulated · ' if entry.simulated else ''}recorded {entry.when}"))


def _shown_run(session: Session, which: str) -> LiveRun | None:
    """Run N of this kernel, or the one run of it still streaming whose recording id starts with ``which``."""
    if which.isdigit() and (live := session.find(int(which))) is not None:
        return live
    streaming = [live for live in session.running() if which and live.recording_id and live.recording_id.startswith(which)]
    return streaming[0] if len(streaming) == 1 else None


def _follow(magics: CommandHost, live: LiveRun, *, text: bool) -> None:
    """Show a run that still streams, live, here: a new widget view (refreshed from the I/O loop,
    then its transcript), or its lines as text until it ends (Interrupt cancels it, as in wait)."""
    run = live.run
    assert run is not None  # held until the run is finished
    if not text:
        from ..views.follower import Follower

        follower = Follower(run, on_stop=live.cancel, source=live.source)
        follower.show()
        live.follow(follower)
        return
    from ..views.text_view import TextView

    print(f"cloudcode: following run #{live.number} until it ends (Interrupt cancels it)…")
    view = None if live.mode == "text" else TextView(run, source=live.source)  # a text run's own view writes here
    if view is not None:
        view.open()
    try:
        live.wait(tick=view.refresh if view is not None else None)
    except CloudCodeError:
        pass  # the run's error ends its summary
    finally:
        if view is not None and live.ended:
            view.close()
        magics.remember_threads([live])  # as %cloudcode wait does: the hook skips a run finished here


@subcommand("diff", "[N | ID]", "the whole diff a run pushed (the last run by default), coloured, a fold per file",
            (("which",), {"nargs": "?", "metavar": "N|ID"}))
def _diff(magics: CommandHost, args: argparse.Namespace) -> None:
    from IPython.display import display

    from ..views.changes import diff_html, diff_text

    picked = _pick(magics, args.which)
    changes = picked.changes
    if changes is not None and changes.error and changes.before:
        changes = _read_again(magics, picked, changes)  # e.g. after GitHub's rate limit was reset
    if changes is None:
        print(f"cloudcode: what {picked.label} pushed was not read (it ended before the stream started, or "
              "reading changes was off).")
        return
    display({"text/html": diff_html(changes), "text/plain": diff_text(changes)}, raw=True)


@subcommand("pull", "[N | ID] [--reload]", "fast-forward this notebook's git clone to what a run pushed (never merges)",
            (("which",), {"nargs": "?", "metavar": "N|ID"}),
            (("--reload",), {"action": "store_true", "help": "reload the clone's modules the pull changed"}))
def _pull(magics: CommandHost, args: argparse.Namespace) -> None:
    import sys

    from ..changes.pull import pull

    picked = _pick(magics, args.which)
    changes = picked.changes
    branch = changes.shown_branch if changes is not None and not changes.error else picked.branch
    result = pull(picked.repo, branch, cwd=os.getcwd(), modules=sys.modules, reload=args.reload, masker=magics.masker())
    print(result.report())


@subcommand("wait", "", "wait for --no-wait runs (Ctrl-C / Interrupt cancels them all)")
def _wait(magics: CommandHost, args: argparse.Namespace) -> None:
    waiting = magics.session.unfinished()
    if not waiting:
        print("cloudcode: nothing to wait for.")
        return
    print(f"cloudcode: waiting for {len(waiting)} run{'s' if len(waiting) != 1 else ''} (Interrupt cancels them)…")
    try:
        wait_all(waiting)
    finally:
        magics.remember_threads(waiting)
    for live in waiting:  # the first failed one, once all have ended
        if live.run is not None:
            live.run.raise_for_status()


@subcommand("cancel", "[N]", "cancel running runs (all, or run N)", (("number",), {"nargs": "?", "type": int, "metavar": "N"}))
def _cancel(magics: CommandHost, args: argparse.Namespace) -> None:
    running = [live for live in magics.session.running() if args.number in (None, live.number)]
    if not running:
        print("cloudcode: nothing is running." if args.number is None else f"cloudcode: run #{args.number} is not running.")
        return
    cancel_all(running)
    for live in running:
        print(f"cloudcode: run #{live.number} {live.summary.status}.")
    magics.remember_threads(running)


@subcommand("demo", "[auto | off]", "use the local simulator (no key needed); `demo auto` only without a key; `demo off`",
            (("mode",), {"nargs": "?", "choices": ["auto", "off"]}))
def _demo(magics: CommandHost, args: argparse.Namespace) -> None:
    if args.mode == "off":
        magics.demo.stop()
        print("cloudcode: demo mode off; runs go to the configured API again.")
        return
    if args.mode == "auto" and magics.has_own_key():
        print("cloudcode: an API key is configured, so runs go to the real API (demo mode stays off).")
        return
    url = magics.demo.start()
    print(f"cloudcode: demo mode on: runs go to the local simulator at {url} (no key needed, nothing leaves this machine).")


@subcommand("help", "[NAME]", "this list; `help NAME` for one subcommand", (("name",), {"nargs": "?", "metavar": "NAME"}))
def _help(magics: CommandHost, args: argparse.Namespace) -> None:
    if args.name is None:
        print("%cloudcode subcommands (%%cloudcode? for running a prompt):\n" + usage())
        return
    command = SUBCOMMANDS.get(args.name)
    if command is None:
        raise UsageError(f"No subcommand {clip(args.name, 40)!r}: use one of {', '.join(SUBCOMMANDS)}.")
    print(f"%cloudcode {command.name} {command.arguments}".rstrip() + f"\n    {command.summary}")


@dataclass(frozen=True)
class _Picked:
    """The run a subcommand is about: where it ran and what it pushed."""

    label: str
    repo: str
    branch: str
    changes: Changes | None


def _pick(magics: CommandHost, which: str | None) -> _Picked:
    """Run N of this kernel, a recorded run (the start of its id), or the last run."""
    session = magics.session
    if which is None and session.runs:
        which = str(session.runs[-1].number)
    live = session.find(int(which)) if which is not None and which.isdigit() else None
    if live is not None:
        if not live.ended:
            raise UsageError(f"Run #{which} is still going: %cloudcode wait, then ask again.")
        summary = live.summary
        return _Picked(f"run #{which}", summary.repo, summary.branch, summary.changes)
    library = magics.library()
    if which:
        entry = library.find(which)
    else:  # no run in this kernel: the newest recording
        entries = library.entries()
        entry = entries[-1] if entries else None
    if entry is None and not session.runs and (which is None or not library.entries()):
        raise UsageError(_NO_RUNS)
    if entry is None and which is not None and which.isdigit():  # a recording id may be all digits too
        raise UsageError(f"No run #{which} in this kernel, nor a recording whose id starts so: %cloudcode history.")
    if entry is None:
        raise UsageError(
            "No such run: give a run number of this kernel, or the start of a recording id (%cloudcode history)."
        )
    try:
        recorded = read_recording(entry.path, masker=magics.masker(), folder=library.directory)
    except Unreadable as error:
        raise UsageError(f"That recording cannot be read: {clip(strip_escapes(str(error)), 300)}") from None
    return _Picked(f"the run recorded {entry.when}", entry.header.repo, entry.header.branch, recorded.changes)


def _read_again(magics: CommandHost, picked: _Picked, changes: Changes) -> Changes:
    from ..changes.github import read_changes
    from ..client.loop import background

    settings = magics.settings()
    again = read_changes(picked.repo, changes.branch, changes.before, settings.github_token,
                         api=settings.github_api_url, masker=magics.masker())
    try:
        fresh: Changes = background.submit(again).result(timeout=DIFF_TIMEOUT)
    except FutureTimeout:  # read_changes bounds itself; this is the belt to its braces
        return changes
    # Read now: when it still fails, its reason is the current one; what git said it pushed is kept.
    return replace(fresh, pushed=changes.pushed, pull_requests=changes.pull_requests)


def _current_thread(magics: CommandHost) -> str | None:
    target = magics.target()
    return magics.session.thread_for(target.repo, target.branch) if target else None


def _run_label(live: LiveRun) -> str:
    summary = live.summary
    return f"#{live.number} ({clip(', '.join(summary.tasks), 60)}, {format_duration(summary.duration, precise=False)})"
