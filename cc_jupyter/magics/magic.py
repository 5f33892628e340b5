"""``%%cloudcode`` (run a prompt) and ``%cloudcode`` (subcommands): parse, then wire a live run."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..errors import ConfigurationError
from ..protocol.request import Request, build_request
from ..protocol.threads import thread_id_to_send
from ..recordings.format import ask_key
from ..recordings.library import Entry, Library
from ..recordings.parse import Recorded
from ..recordings.recorder import Recorder
from ..repos import github_repository
from ..run.state import Run, RunInfo
from ..secrets import SecretMasker
from ..settings import Settings, demo_requested, env_settings, recordings_directory, resolve
from ..text import one_line, strip_escapes
from . import commands
from .config import CloudCode
from .demo import DEMO_REPO, DemoMode
from .errors_log import ErrorLog
from .interpolate import Expansion, interpolate, say_notices
from .live import LiveRun, cancel_all
from .options import CellOptions, parse_options, refuse_secrets, split_tasks
from .paths import shorten_paths
from .session import Session
from .target import Defaults, Target, choose_target

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from ..client.group import Slots
    from ..client.handle import RunHandle
    from .across import Board

_HELP = """Run a prompt with the Cloud Coding agent on a GitHub repository, live.

Cell magic - the cell body is the prompt, sent verbatim ({braces} and $dollars too)::

    %%cloudcode -r https://github.com/owner/repo
    Add a test for the CSV loader and make it pass.

A cell without -r goes on with the conversation: the last cell's repository, branch and
thread (the header says where the repository came from); --new starts a fresh thread.
Repositories: https://github.com/OWNER/REPO (or git@github.com:OWNER/REPO.git), or
https://HOST/OWNER/REPO on the GitHub Enterprise set in CloudCode.github_api_url.
Parallel tasks, one tab each::

    %%cloudcode --parallel -o run
    ## unit-tests
    Add unit tests for utils.py
    ## docs
    Document the public functions in utils.py

Stop a run with the Stop button or "Interrupt kernel": the connection closes at once
and everything received is kept (on the Run bound with -o, or %cloudcode history).

With -i (or %config CloudCode.interpolate = True), the prompt takes values from the kernel:
{name} is replaced by the value of a variable; .attr, [key] and !r / !s work as in str.format.
{In[n]} is cell n's source, {Out[n]} its output, {Err[n]} the error it raised, {Err} the latest.
Everything else stays as written (code, JSON, {}, ${HOME}, unknown names: those are named
above the run, with the nearest variable); {{name}} writes {name}.
Example: "Fix the loader: {Err}. The data: {df}" sends the last error and a summary of df.

Every run is recorded (.cloudcode/runs next to the notebook). After a restart, a cell that
asks what a recording asked, at the same place in the conversation, replays it instead of
calling the API (no cost, no push): --live sends it anyway, --replay insists on a replay.

Line magic subcommands::

{subcommands}

Settings: %config CloudCode.repo = "https://github.com/owner/repo" (also branch, haiku,
text, api_url, idle_timeout, record, record_dir, replay, replay_speed), else CLOUDCODE_REPO,
CLOUDCODE_BRANCH, CLOUDCODE_API_URL, CLOUDCODE_RECORD_DIR, CLOUDCODE_REPLAY.
Secrets: CLOUDCODE_API_KEY and GITHUB_TOKEN (or GH_TOKEN), or %cloudcode login; they are
never accepted on a magic line and never shown.
"""


_Decorated = TypeVar("_Decorated", bound=Callable[..., object])


def _keeps_type(decorator: Any) -> Callable[[_Decorated], _Decorated]:
    """IPython's magic decorators have no annotations; each returns what it decorates."""
    return cast(Callable[[_Decorated], _Decorated], decorator)


def _documented(func: _Decorated) -> _Decorated:
    func.__doc__ = _HELP.replace("{subcommands}", commands.usage())
    return func


@_keeps_type(magics_class)
class CloudCodeMagics(Magics):
    def __init__(self, shell: InteractiveShell) -> None:
        super().__init__(shell)  # type: ignore[no-untyped-call]  # IPython's Magics has no annotations
        self.cfg = CloudCode(parent=shell)
        self.session = Session()
        self.demo = DemoMode()
        self.errors = ErrorLog()  # the errors of the user's cells, for {Err} (registered by the extension)
        self._library: Library | None = None
        self._recorders: dict[int, Recorder] = {}  # live runs' recorders, until a failure to write is said
        self.boards: list[Board] = []  # the --across boards not yet finished
        self.last_board: Board | None = None  # the latest (its Flusher's rate, for the bench)
        # A new default repository or branch is a new place to work: the next cell without -r goes there.
        self.cfg.observe(self._forget_conversation, names=["repo", "branch"])
        if demo_requested():
            if env_settings().api_key:
                print(
                    "cloudcode: CLOUDCODE_DEMO is set but so is CLOUDCODE_API_KEY: demo mode stays off "
                    "(%cloudcode demo turns it on explicitly)."
                )
            else:
                self.demo.start()

    @_keeps_type(magic_arguments(name="%cloudcode"))  # IPython adds one "%": the usage reads %%cloudcode
    @_keeps_type(argument("-r", "--repo", help="repository URL, e.g. https://github.com/owner/repo (default: the conversation's, then CloudCode.repo / CLOUDCODE_REPO)"))
    @_keeps_type(argument("-b", "--branch", help="git branch (default: the conversation's, then CloudCode.branch / CLOUDCODE_BRANCH / main)"))
    @_keeps_type(argument("--haiku", action="store_true", help="use the Haiku model (default: Sonnet)"))
    @_keeps_type(argument("--new", action="store_true", help="start a new conversation thread"))
    @_keeps_type(argument("--thread", metavar="ID", help="continue the thread with this id"))
    @_keeps_type(argument("-p", "--parallel", action="store_true", help="'## task-name' lines split the cell into parallel tasks"))
    @_keeps_type(argument("-o", "--out", metavar="NAME", help="bind the Run to NAME as soon as it starts"))
    @_keeps_type(argument("--no-wait", action="store_true", help="return at once; the view keeps updating (%%cloudcode wait)"))
    @_keeps_type(argument("--text", action="store_true", help="plain-text output instead of widgets"))
    @_keeps_type(argument("--dry-run", action="store_true", help="show what would be sent (secrets masked) and send nothing"))
    @_keeps_type(argument("-i", "--interpolate", action="store_true", help="expand {name}, {In[n]}, {Out[n]}, {Err} in the prompt"))
    @_keeps_type(argument("--live", action="store_true", help="call the API even when a recording of this cell could be replayed"))
    @_keeps_type(argument("--replay", action="store_true", help="replay this cell's recording; fail if there is none"))
    @_keeps_type(argument("--across", metavar="SPEC", help="the same prompt on many repositories, on one live board: "
                          "URL[@branch],URL…, a variable holding a list of them, or github:OWNER/PATTERN"))
    @_keeps_type(argument("--max-concurrent", type=int, metavar="N", help="with --across: at most N runs stream at once "
                          "(default CloudCode.max_concurrent_runs, 4)"))
    @_keeps_type(no_var_expand)
    @_keeps_type(line_cell_magic)
    @_documented
    def cloudcode(self, line: str, cell: str | None = None) -> None:
        if cell is None:
            return commands.dispatch(self, line)
        options = parse_options(line, lambda s: _parse(self.cloudcode, s), self.secret_values())
        return self.run_cell(options, cell)

    # ----- settings -----
    def settings(self) -> Settings:
        """Effective settings: %config, then the environment; secrets: login, then environment."""
        if self.demo.on:
            return self.demo.settings(resolve(self.cfg.configured(), with_secrets=False))
        return resolve(self.cfg.configured(), api_key=self.session.api_key, github_token=self.session.github_token)

    def target(self, repo: str | None = None, branch: str | None = None) -> Target | None:
        """Where a cell with ``-r repo`` / ``-b branch`` runs (see :mod:`.target`); None: nowhere known."""
        settings = self.settings()
        defaults = Defaults(
            configured_repo=self.cfg.repo.strip(),
            environment_repo=env_settings(with_secrets=False).repo or "",
            branch=settings.branch,
            demo_repo=DEMO_REPO if self.demo.on else "",
        )
        target = choose_target(repo, branch, self.session.conversation, defaults)
        # As it is sent: threads are kept by that URL (one the API does not take is refused by build_request).
        sendable = github_repository(target.repo, settings.github_api_url) if target else None
        return replace(target, repo=sendable) if target and sendable else target

    def _forget_conversation(self, change: object = None) -> None:
        self.session.conversation = None

    def recordings_directory(self) -> str:
        return recordings_directory(self.cfg.record_dir or None)

    def secret_values(self) -> list[str | None]:
        env = env_settings()
        return [self.session.api_key, self.session.github_token, env.api_key, env.github_token]

    def has_own_key(self) -> bool:
        return bool(self.session.api_key or env_settings().api_key)

    def mode(self, options: CellOptions) -> str:
        if options.text or self.cfg.text or not _widget_frontend(self.shell):
            return "text"
        return "widget"

    def source(self) -> str:
        return "simulator" if self.demo.on else ""

    # ----- the cell -----
    def run_cell(self, options: CellOptions, body: str) -> None:
        prompt, tasks, expansions = self._prompts(options, body)
        if options.across is not None:
            from .across import run_across

            return run_across(self, options, prompt, tasks, expansions)
        target = self._target_of(options)
        asked, found = self.replayable(options, target, prompt, tasks)
        if options.dry_run:
            print(self.dry_run(options, target, prompt, tasks, found[0] if found else None, expansions))
            return None
        live = self.live_run(options, target, asked, found, prompt, tasks, mode=self.mode(options))
        run = live.run
        assert run is not None
        self.session.move_conversation(live.number, Target(live.request.repo, live.request.branch, target.origin))
        if options.out and self.shell is not None:
            self.shell.user_ns[options.out] = run
        say_notices(expansions)
        try:
            live.show()
            live.start(live.starter, detached=options.no_wait)
            if options.no_wait:
                if live.mode == "text":
                    print("cloudcode: running in the background: %cloudcode wait shows the result")
                return None
            live.wait()
        except BaseException:
            live.abandon()  # an interrupt anywhere above: nothing may go on streaming unseen
            raise
        finally:
            if live.ended:
                self.remember_threads([live])
        run.raise_for_status()
        return None

    def _prompts(self, options: CellOptions, body: str) -> tuple[str | None, dict[str, str] | None, list[Expansion]]:
        """The cell's prompt, or its tasks, expanded with -i; and the expansions (for their notices)."""
        refuse_secrets(body, "the cell", self.secret_values())
        tasks = split_tasks(body) if options.parallel else None  # split first: a value never makes tasks
        expansions: list[Expansion] = []
        if options.interpolate or self.cfg.interpolate:
            prompts = tasks if tasks is not None else {"": body}
            expanded = {name: self._interpolate(prompt) for name, prompt in prompts.items()}
            expansions = list(expanded.values())
            tasks = {name: e.text for name, e in expanded.items()} if tasks is not None else None
            body = expanded[""].text if tasks is None else body
        return (None if tasks else body), tasks, expansions

    def replayable(
        self, options: CellOptions, target: Target, prompt: str | None, tasks: dict[str, str] | None
    ) -> tuple[Request, tuple[Entry, Recorded] | None]:
        """What ``target`` would be asked, and the recording that would replay it instead, if any."""
        asked = self._request(options, target, prompt, tasks, for_replay=True)
        return asked, self._recording_for(options, asked)

    def live_run(
        self,
        options: CellOptions,
        target: Target,
        asked: Request,
        found: tuple[Entry, Recorded] | None,
        prompt: str | None,
        tasks: dict[str, str] | None,
        *,
        mode: str,
        slots: Slots | None = None,
    ) -> LiveRun:
        """The run of this cell on ``target``, listed in the history, not started (``live.starter``
        starts it: a replay of ``found``, or the API, waiting for one of ``slots`` if given)."""
        recording, recorded = found or (None, None)
        if recording is not None and recorded is not None:
            request = replace(asked, thread_id=_recorded_thread(recorded) or asked.thread_id)  # one id, start to end
        else:
            request = self._request(options, target, prompt, tasks)
        self._wait_for_thread(request.thread_id)
        self.session.set_thread(request.repo, request.branch, request.thread_id)
        run = Run(request, masker=self.masker() if recorded is not None else None, origin=target.origin)
        recorder = None
        if slots is not None and recorded is None:
            run.queue()  # shown queued from the first frame: it waits for a slot
        if recording is not None and recorded is not None:
            simulated = "a simulated run " if recording.simulated else ""
            source = f"replay of {simulated}recorded {recording.when} · --live sends it again"
            begin = self._replay(recorded)
        else:
            source = self.source()
            begin, recorder = self._begin(request, slots)
        live = LiveRun(self.session.next_number(), request, run, mode=mode, source=source)
        live.starter = begin
        live.recording_id = recording.id if recording is not None else recorder.id if recorder else None
        if recorder is not None:
            self._recorders[live.number] = recorder
        live.answers = _answers(recording, simulated=self.demo.on)
        self.session.add(live)  # listed before anything is sent
        return live

    def _target_of(self, options: CellOptions) -> Target:
        target = self.target(options.repo, options.branch)
        if target is None:
            raise UsageError(
                "No repository: add -r https://github.com/<owner>/<repo> to the %%cloudcode line (later cells "
                "without -r go on there), or set one for the notebook with "
                "%config CloudCode.repo = 'https://github.com/<owner>/<repo>'."
            )
        return target

    def _request(
        self,
        options: CellOptions,
        target: Target,
        prompt: str | None,
        tasks: dict[str, str] | None,
        *,
        for_replay: bool = False,
    ) -> Request:
        settings = self.settings()
        try:
            return build_request(
                prompt,
                tasks,
                settings=settings,
                repo=target.repo,
                branch=target.branch,
                haiku=options.haiku or self.cfg.haiku,
                thread_id=self._thread_for(options, target.repo, target.branch),
                for_replay=for_replay,
            )
        except ConfigurationError:
            if settings.api_key:
                raise
            raise ConfigurationError(
                "No API key, and no recording of this cell to replay: run %cloudcode login (or set "
                "CLOUDCODE_API_KEY), or %cloudcode demo to try it on the local simulator."
            ) from None

    def masker(self) -> SecretMasker:
        """Masks every secret this kernel knows, for what comes from outside (recordings, GitHub)."""
        return SecretMasker(self.secret_values())

    # ----- recordings -----
    def library(self) -> Library:
        """The recordings next to the notebook; a file that cannot be read is named once, here."""
        directory = self.recordings_directory()
        if self._library is None or str(self._library.directory) != directory:
            self._library = Library(directory, on_problem=_tell)
        self._library.masker = self.masker()
        return self._library

    def _recording_for(self, options: CellOptions, asked: Request) -> tuple[Entry, Recorded] | None:
        """The recording this cell replays, read whole, if any (see :mod:`cc_jupyter.recordings.library`)."""
        mode = "never" if options.live else "only" if options.replay else self.settings().replay
        if mode == "never":
            return None
        library = self.library()
        if options.new:
            continues = None
        elif options.thread:
            last = library.last_completed_on_thread(options.thread)
            continues = last.id if last else None
        else:
            continues = self.session.positions.get((asked.repo, asked.branch))
        key = ask_key(RunInfo.of(asked))
        real = self.has_own_key() and not self.demo.on  # simulated answers never pass for the API's here
        found = library.replayable(key, continues, kernel=self.session.kernel_id, simulated=not real)
        simulated = found is None and real and library.match(key, continues, kernel=self.session.kernel_id) is not None
        if found is None and mode == "only":
            if simulated:
                raise UsageError(
                    "The only recording of this cell was made on the simulator (demo mode), and an API key is "
                    "configured: it is not replayed as if the API had answered. %cloudcode demo replays it; "
                    "%%cloudcode --live sends the cell to the API."
                )
            raise UsageError(
                f"No recording in {library.directory} matches this cell (the same repository, branch, "
                "model and prompt, at this point of the conversation): %%cloudcode --live sends it, or "
                "%config CloudCode.replay = 'auto' replays only where a recording matches."
            )
        if simulated and "simulated" not in self.session.said:
            self.session.said.add("simulated")
            _tell("this notebook's recordings were made on the simulator (demo mode); with your API key, cells "
                  "run live on the API instead of replaying them (%cloudcode demo replays them).")
        return found

    def _replay(self, recorded: Recorded) -> Callable[[Run], RunHandle]:
        from ..client.replay import start_replay

        return lambda run: start_replay(recorded, run, speed=self.cfg.replay_speed)

    def dry_run(
        self,
        options: CellOptions,
        target: Target,
        prompt: str | None,
        tasks: dict[str, str] | None,
        entry: Entry | None,
        expansions: list[Expansion],
    ) -> str:
        report = "".join(e.report() + "\n\n" for e in expansions if e.substitutions or e.escapes or e.notice())
        if entry is not None:
            return report + (f"cloudcode: this cell would replay the run recorded {entry.when} ({entry.path}); "
                             "nothing would be sent (--live sends it).")
        request = self._request(options, target, prompt, tasks)
        expanded = "".join(f"── prompt{f' of {name}' if request.parallel else ''}, as it would be sent:\n{text}\n\n"
                           for name, text in request.prompts.items()) if expansions else ""
        return report + expanded + request.preview()

    # ----- interpolation -----
    def _interpolate(self, template: str) -> Expansion:
        """``template`` with its {fields} expanded from the user's namespace (a secret refuses it)."""
        namespace = self.shell.user_ns if self.shell is not None else {}
        return interpolate(template, namespace, errors=self.errors, limit=self.cfg.interpolate_limit,
                           masker=self.masker())

    def _begin(self, request: Request, slots: Slots | None = None) -> tuple[Callable[[Run], RunHandle], Recorder | None]:
        """How to start the run live, and its recorder (None when not recorded)."""
        from ..client.api import start

        recorder = None
        if self.cfg.record:
            continues = self.session.positions.get((request.repo, request.branch))
            recorder = Recorder(self.recordings_directory(), source=self.source() or "api",
                                continues=continues, kernel=self.session.kernel_id)

        github_api = self.settings().github_api_url
        idle_timeout = self.cfg.idle_timeout or None  # a bad CLOUDCODE_IDLE_TIMEOUT stops the cell here, before any view

        def begin(run: Run) -> RunHandle:
            return start(request, run=run, idle_timeout=idle_timeout,
                         connect_timeout=self.cfg.connect_timeout, recorder=recorder, github_api=github_api,
                         github_timeout=self.cfg.github_timeout, slots=slots)

        return begin, recorder

    def _thread_for(self, options: CellOptions, repo: str, branch: str) -> str:
        if options.thread:
            return options.thread
        current = None if options.new else self.session.thread_for(repo, branch)
        return current or thread_id_to_send(None)

    def _wait_for_thread(self, thread_id: str | None) -> None:
        for live in self.session.running_on_thread(thread_id):
            print(f"cloudcode: waiting for run #{live.number} on thread {thread_id} to finish first…")
            try:
                live.wait()
            finally:
                self.remember_threads([live])

    def remember_threads(self, runs: list[LiveRun]) -> None:
        """Keep the thread each ended run finished on (the server's, if it named one), and where
        the conversation stands: a completed run is the one the next cell follows."""
        for live in runs:
            if live.ended:
                self._say_unrecorded(live)
                summary = live.summary
                self.session.settle_conversation(live.number, accepted=summary.received > 0)
                self.session.set_thread(summary.repo, summary.branch, summary.thread_id)
                if summary.status == "completed" and live.recording_id:
                    self.session.positions[(summary.repo, summary.branch)] = live.recording_id

    def keep_board(self, board: Board) -> None:
        """An ``--across`` cell's board, finished by the after-cell hook once all its runs ended."""
        self.boards.append(board)
        self.last_board = board

    def _say_unrecorded(self, live: LiveRun) -> None:
        """Once per run: its recording could not be written (the run went on without it)."""
        recorder = self._recorders.pop(live.number, None)
        if recorder is not None and recorder.failure is not None:
            _tell(shorten_paths(recorder.failure))

    # ----- hooks -----
    def finish_ended_runs(self, *_: object) -> None:
        """After each cell: put the transcript of --no-wait runs that ended meanwhile in place."""
        ended = [live for live in self.session.unfinished() if live.ended]
        for live in ended:
            live.finish()
        self.remember_threads(ended)
        for board in [board for board in self.boards if board.ended]:
            board.finish()
        self.boards = [board for board in self.boards if not board.finished]

    def stop_all(self) -> None:
        """Unloading: cancel every run and leave its transcript."""
        cancel_all(self.session.unfinished())


def _tell(text: str) -> None:
    """A notice about something outside the user's cells (a recording skipped), on one line."""
    print(f"cloudcode: {one_line(strip_escapes(text), 400)}")


def _parse(magic: Callable[..., object], line: str) -> argparse.Namespace:
    args: argparse.Namespace = parse_argstring(magic, line)
    return args


def _answers(replayed: Entry | None, *, simulated: bool) -> str:
    """Where a run's events come from, as ``%cloudcode history`` says it."""
    if replayed is not None:
        return f"replay ({'simulated' if replayed.simulated else 'API'})"
    return "simulated" if simulated else "API"


def _recorded_thread(recorded: Recorded) -> str | None:
    """The thread a recorded run ended on (the server's, if it named one), else the one it sent."""
    return (recorded.end.thread_id if recorded.end else None) or recorded.header.thread_id


def _widget_frontend(shell: InteractiveShell | None) -> bool:
    if getattr(shell, "kernel", None) is None:
        return False  # terminal IPython: no frontend to render widgets
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True
