"""``%%cloudcode`` (run a prompt) and ``%cloudcode`` (subcommands)."""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..client.request import build_request
from ..client.settings import Settings, env_settings
from ..client.threads import thread_id_to_send
from ..errors import RunFailedError
from ..run.state import Run
from . import commands
from .config import CloudCode
from .demo import DemoMode, demo_requested_by_environment
from .options import CellOptions, parse_line, refuse_secrets, split_tasks
from .presenter import Presenter
from .session import HistoryEntry, Session


@magics_class
class CloudCodeMagics(Magics):
    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.cfg = CloudCode(parent=shell)
        self.session = Session()
        self.demo = DemoMode()
        if demo_requested_by_environment():
            if env_settings().api_key:
                print("cloudcode: CLOUDCODE_DEMO is set but so is CLOUDCODE_API_KEY: demo mode stays off "
                      "(%cloudcode demo turns it on explicitly).")
            else:
                self.demo.start()

    @magic_arguments()
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
    def cloudcode(self, line: str, cell: str | None = None) -> None:
        """Run a prompt with the Cloud Coding agent on a GitHub repository, live.

        Cell magic - the cell body is the prompt, sent verbatim ({braces} and $dollars too)::

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

            %cloudcode login           ask for the API key and GitHub token (hidden input)
            %cloudcode status          settings (secrets masked), thread, running runs
            %cloudcode thread          show the current thread; `thread new` forgets it,
                                       `thread ID` switches to ID
            %cloudcode history         the runs of this kernel
            %cloudcode wait            wait for --no-wait runs (Ctrl-C / Interrupt cancels)
            %cloudcode cancel          cancel running runs
            %cloudcode demo            use the local simulator (no key needed); `demo off`;
                                       `demo auto` only when no API key is configured

        Settings: %config CloudCode.repo = "https://github.com/owner/repo" (also branch, haiku,
        text, api_url, idle_timeout), else CLOUDCODE_REPO, CLOUDCODE_BRANCH, CLOUDCODE_API_URL.
        Secrets: CLOUDCODE_API_KEY and GITHUB_TOKEN (or GH_TOKEN), or %cloudcode login; they are
        never accepted on a magic line and never shown.
        """
        if cell is None:
            return commands.dispatch(self, line)
        options = parse_line(line, lambda s: parse_argstring(self.cloudcode, s), self.secret_values())
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
        )

    def secret_values(self) -> list[str | None]:
        env = env_settings()
        return [self.session.api_key, self.session.github_token, env.api_key, env.github_token]

    def mode(self, options: CellOptions) -> str:
        if options.text or self.cfg.text or not _widget_frontend(self.shell):
            return "text"
        return "widget"

    # ----- the cell -----
    def run_cell(self, options: CellOptions, body: str) -> None:
        refuse_secrets(body, "the cell", self.secret_values())
        tasks = split_tasks(body) if options.parallel else None
        settings = self.settings()
        repo = options.repo or settings.repo
        branch = options.branch or settings.branch
        thread = self._thread_for(options, repo, branch)
        request = build_request(
            None if tasks else body,
            tasks,
            settings=settings,
            repo=repo,
            branch=branch,
            haiku=options.haiku or self.cfg.haiku,
            thread_id=thread,
        )
        if options.dry_run:
            print(request.preview())
            return None
        self._wait_for_thread(request.thread_id)
        self.session.set_thread(request.repo, request.branch, request.thread_id)

        from ..client.api import start

        run = Run(request)
        presenter = Presenter(run, mode=self.mode(options), simulated=self.demo.on)
        presenter.show()
        handle = start(
            request,
            run=run,
            idle_timeout=self.cfg.idle_timeout or None,
            connect_timeout=self.cfg.connect_timeout,
        )
        presenter.attach(handle, detached=options.no_wait)
        entry = self.session.record(handle, presenter)
        if options.out:
            self.shell.user_ns[options.out] = run
        if options.no_wait:
            if presenter.mode == "text":
                presenter.note("running in the background: %cloudcode wait shows the result")
            return None
        self.wait_for(entry)
        raise_if_failed(run)
        return None

    def _thread_for(self, options: CellOptions, repo: str | None, branch: str) -> str:
        if options.thread:
            return options.thread
        current = None if options.new or not repo else self.session.thread_for(repo, branch)
        return current or thread_id_to_send(None)

    def _wait_for_thread(self, thread_id: str | None) -> None:
        for entry in self.session.running_on_thread(thread_id):
            print(f"cloudcode: waiting for run #{entry.number} on thread {thread_id} to finish first…")
            self.wait_for(entry)

    def wait_for(self, entry: HistoryEntry) -> None:
        """Block until a run of this kernel ends (its transcript shown), then keep its thread."""
        try:
            entry.presenter.wait()
        finally:
            self._remember_thread(entry.run)

    def _remember_thread(self, run: Run) -> None:
        """The thread the run ended on (the server's, if it named one; none if it refused ours)."""
        self.session.set_thread(run.info.repo, run.info.branch, run.thread_id)

    # ----- hooks -----
    def finish_settled_runs(self, *_: Any) -> None:
        """After each cell: leave a transcript for --no-wait runs that ended meanwhile."""
        for entry in self.session.history:
            if entry.handle.done() and not entry.presenter.settled:
                entry.presenter.finish()
                self._remember_thread(entry.run)

    def cancel_all(self) -> None:
        for entry in self.session.running():
            entry.handle.cancel()


def raise_if_failed(run: Run) -> None:
    """A run that started but failed or was cut makes the cell fail with one sentence."""
    if run.status in ("failed", "disconnected"):
        message = run.error.message if run.error else f"The run ended {run.status}."
        raise RunFailedError(message)


def _widget_frontend(shell: Any) -> bool:
    if getattr(shell, "kernel", None) is None:
        return False  # terminal IPython: no frontend to render widgets
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True
