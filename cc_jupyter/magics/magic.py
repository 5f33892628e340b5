"""``%%cloudcode`` (run a prompt) and ``%cloudcode`` (subcommands): parse, then wire a live run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..protocol.request import Request, build_request
from ..protocol.settings import Settings, env_settings
from ..protocol.threads import thread_id_to_send
from ..run.state import Run
from . import commands
from .config import CloudCode
from .demo import DemoMode, demo_requested_by_environment
from .live import LiveRun, cancel_all
from .options import CellOptions, parse_options, refuse_secrets, split_tasks
from .session import Session

_HELP = """Run a prompt with the Cloud Coding agent on a GitHub repository, live.

Cell magic - the cell body is the prompt, sent verbatim ({{braces}} and $dollars too)::

    %%cloudcode -r https://github.com/owner/repo
    Add a test for the CSV loader and make it pass.

The next %%cloudcode cell on the same repository and branch continues the same
conversation (thread); --new starts a fresh one. Parallel tasks, one tab each::

    %%cloudcode --parallel -o run
    ## unit-tests
    Add unit tests for utils.py
    ## docs
    Document the public functions in utils.py

Stop a run with the Stop button or "Interrupt kernel": the connection closes at once
and everything received is kept (on the Run bound with -o, or %cloudcode history).

Line magic subcommands::

{subcommands}

Settings: %config CloudCode.repo = "https://github.com/owner/repo" (also branch, haiku,
text, api_url, idle_timeout), else CLOUDCODE_REPO, CLOUDCODE_BRANCH, CLOUDCODE_API_URL.
Secrets: CLOUDCODE_API_KEY and GITHUB_TOKEN (or GH_TOKEN), or %cloudcode login; they are
never accepted on a magic line and never shown.
"""


def _documented(func: Callable[..., Any]) -> Callable[..., Any]:
    func.__doc__ = _HELP.format(subcommands=commands.usage())
    return func


@magics_class
class CloudCodeMagics(Magics):
    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.cfg = CloudCode(parent=shell)
        self.session = Session()
        self.demo = DemoMode()
        if demo_requested_by_environment():
            if env_settings().api_key:
                print(
                    "cloudcode: CLOUDCODE_DEMO is set but so is CLOUDCODE_API_KEY: demo mode stays off "
                    "(%cloudcode demo turns it on explicitly)."
                )
            else:
                self.demo.start()

    @magic_arguments(name="%cloudcode")  # IPython adds one "%": the usage reads %%cloudcode
    @argument("-r", "--repo", help="repository URL, e.g. https://github.com/owner/repo (default: CloudCode.repo / CLOUDCODE_REPO)")
    @argument("-b", "--branch", help="git branch (default: CloudCode.branch / CLOUDCODE_BRANCH / main)")
    @argument("--haiku", action="store_true", help="use the Haiku model (default: Sonnet)")
    @argument("--new", action="store_true", help="start a new conversation thread")
    @argument("--thread", metavar="ID", help="continue the thread with this id")
    @argument("-p", "--parallel", action="store_true", help="'## task-name' lines split the cell into parallel tasks")
    @argument("-o", "--out", metavar="NAME", help="bind the Run to NAME as soon as it starts")
    @argument("--no-wait", action="store_true", help="return at once; the view keeps updating (%%cloudcode wait)")
    @argument("--text", action="store_true", help="plain-text output instead of widgets")
    @argument("--dry-run", action="store_true", help="show what would be sent (secrets masked) and send nothing")
    @no_var_expand
    @line_cell_magic
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
            return self.demo.settings(self.cfg.repo or None, self.cfg.branch or None)
        env = env_settings()
        return Settings(
            api_url=self.cfg.api_url or env.api_url,
            api_key=self.session.api_key or env.api_key,
            github_token=self.session.github_token or env.github_token,
            repo=self.cfg.repo or env.repo,
            branch=self.cfg.branch or env.branch,
            github_api_url=env.github_api_url,
        )

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
        refuse_secrets(body, "the cell", self.secret_values())
        tasks = split_tasks(body) if options.parallel else None
        request = self._request(options, None if tasks else body, tasks)
        if options.dry_run:
            print(request.preview())
            return None
        self._wait_for_thread(request.thread_id)
        self.session.set_thread(request.repo, request.branch, request.thread_id)
        run = Run(request)
        live = LiveRun(self.session.next_number(), request, run, mode=self.mode(options), source=self.source())
        self.session.add(live)  # listed before anything is sent
        if options.out and self.shell is not None:
            self.shell.user_ns[options.out] = run
        try:
            live.show()
            live.start(self._begin(request), detached=options.no_wait)
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

    def _request(self, options: CellOptions, prompt: str | None, tasks: dict[str, str] | None) -> Request:
        settings = self.settings()
        repo = options.repo or settings.repo
        if not repo:
            raise UsageError(
                "No repository: add -r https://github.com/<owner>/<repo> to the %%cloudcode line, or set one "
                "for the notebook with %config CloudCode.repo = 'https://github.com/<owner>/<repo>'."
            )
        branch = options.branch or settings.branch
        return build_request(
            prompt,
            tasks,
            settings=settings,
            repo=repo,
            branch=branch,
            haiku=options.haiku or self.cfg.haiku,
            thread_id=self._thread_for(options, repo, branch),
        )

    def _begin(self, request: Request) -> Callable[[Run], Any]:
        from ..client.api import start

        def begin(run: Run) -> Any:
            return start(request, run=run, idle_timeout=self.cfg.idle_timeout or None, connect_timeout=self.cfg.connect_timeout)

        return begin

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
        """Keep the thread each ended run finished on (the server's, if it named one)."""
        for live in runs:
            if live.ended:
                summary = live.summary
                self.session.set_thread(summary.repo, summary.branch, summary.thread_id)

    # ----- hooks -----
    def finish_ended_runs(self, *_: Any) -> None:
        """After each cell: put the transcript of --no-wait runs that ended meanwhile in place."""
        ended = [live for live in self.session.unfinished() if live.ended]
        for live in ended:
            live.finish()
        self.remember_threads(ended)

    def stop_all(self) -> None:
        """Unloading: cancel every run and leave its transcript."""
        cancel_all(self.session.unfinished())


def _parse(magic: Callable[..., Any], line: str) -> Any:
    return parse_argstring(magic, line)


def _widget_frontend(shell: Any) -> bool:
    if getattr(shell, "kernel", None) is None:
        return False  # terminal IPython: no frontend to render widgets
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True
