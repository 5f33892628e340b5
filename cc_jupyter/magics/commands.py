"""The ``%cloudcode <subcommand>`` line magic."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..client.settings import Settings, env_settings
from ..secrets import mask_hint
from ..views.style import repo_label
from .options import refuse_secrets

if TYPE_CHECKING:
    from .magic import CloudCodeMagics

SUBCOMMANDS = ("login", "logout", "status", "thread", "history", "wait", "cancel", "demo", "help")


def dispatch(magics: "CloudCodeMagics", line: str) -> None:
    refuse_secrets(line, "the magic line", magics.secret_values())
    words = line.split()
    if not words:
        words = ["status"]
    name, args = words[0], words[1:]
    if name not in SUBCOMMANDS:
        raise UsageError(f"Unknown subcommand {name!r}: use one of {', '.join(SUBCOMMANDS)} (or %%cloudcode for a prompt).")
    if name == "help":
        print(magics.cloudcode.__doc__)
        return None
    return globals()[f"_{name}"](magics, args)


def _login(magics: "CloudCodeMagics", args: list[str]) -> None:
    if args:
        raise UsageError("%cloudcode login takes no arguments: it asks for the key and token with hidden input.")
    from getpass import getpass

    try:
        key = getpass("Cloud Coding API key (hidden, Enter keeps the current one): ").strip()
        token = getpass("GitHub token with repo access (hidden, Enter keeps the current one): ").strip()
    except (EOFError, NotImplementedError):  # ipykernel's StdinNotImplementedError is a NotImplementedError
        raise UsageError(
            "%cloudcode login needs a frontend that can ask for input; here, set CLOUDCODE_API_KEY and "
            "GITHUB_TOKEN in the environment before starting the kernel."
        ) from None
    if key:
        magics.session.api_key = key
    if token:
        magics.session.github_token = token
    print(
        f"cloudcode: key {mask_hint(magics.session.api_key or env_settings().api_key)}, "
        f"GitHub token {mask_hint(magics.session.github_token or env_settings().github_token)} "
        "(kept in this kernel's memory only)."
    )


def _logout(magics: "CloudCodeMagics", args: list[str]) -> None:
    magics.session.api_key = None
    magics.session.github_token = None
    print("cloudcode: forgot the key and token given with %cloudcode login (environment variables still apply).")


def _status(magics: "CloudCodeMagics", args: list[str]) -> None:
    s = magics.settings()
    demo = " (demo: local simulator)" if magics.demo.on else ""
    lines = [
        f"API          {s.api_url}{demo}",
        f"API key      {mask_hint(s.api_key)}",
        f"GitHub token {mask_hint(s.github_token)}",
        f"repository   {s.repo or '(not set: %config CloudCode.repo = ... or CLOUDCODE_REPO)'}",
        f"branch       {s.branch}",
        f"model        {'haiku' if magics.cfg.haiku else 'sonnet'}",
        f"view         {'text' if magics.cfg.text else 'widgets (text where there is no widget frontend)'}",
        f"thread       {_current_thread(magics, s) or '(none yet: the next run starts one)'}",
    ]
    running = magics.session.running()
    lines.append(f"running      {', '.join(_entry_line(e) for e in running) if running else 'nothing'}")
    print("\n".join(lines))


def _thread(magics: "CloudCodeMagics", args: list[str]) -> None:
    s = magics.settings()
    if not s.repo:
        raise UsageError("No default repository: set %config CloudCode.repo = '...' or CLOUDCODE_REPO first.")
    if not args:
        print(f"thread for {s.repo}@{s.branch}: {_current_thread(magics, s) or '(none: the next run starts one)'}")
    elif args == ["new"]:
        magics.session.set_thread(s.repo, s.branch, None)
        print(f"cloudcode: the next run on {s.repo}@{s.branch} starts a new thread.")
    elif len(args) == 1:
        magics.session.set_thread(s.repo, s.branch, args[0])
        print(f"cloudcode: runs on {s.repo}@{s.branch} now continue thread {args[0]}.")
    else:
        raise UsageError("Usage: %cloudcode thread [new | ID]")


def _history(magics: "CloudCodeMagics", args: list[str]) -> None:
    if not magics.session.history:
        print("cloudcode: no runs in this kernel yet.")
        return
    print(f"{'#':>3}  {'started':8}  {'repo@branch':40}  {'thread':36}  {'status':12}  {'time':>7}  tasks")
    for entry in magics.session.history:
        run = entry.run
        where = repo_label(run.info.repo, run.info.branch)
        started = time.strftime("%H:%M:%S", time.localtime(run.started_at))
        print(
            f"{entry.number:>3}  {started:8}  {where[:40]:40}  {str(run.thread_id)[:36]:36}  "
            f"{run.status:12}  {run.duration:6.1f}s  {', '.join(run.tasks)}"
        )


def _wait(magics: "CloudCodeMagics", args: list[str]) -> None:
    from .magic import raise_if_failed

    pending = [e for e in magics.session.history if not e.presenter.settled]
    if not pending:
        print("cloudcode: nothing to wait for.")
        return
    for entry in pending:
        magics.wait_for(entry)
    for entry in pending:
        raise_if_failed(entry.run)  # the first failed one, once all have ended


def _cancel(magics: "CloudCodeMagics", args: list[str]) -> None:
    running = magics.session.running()
    if not running:
        print("cloudcode: nothing is running.")
        return
    for entry in running:
        entry.handle.cancel()
        entry.handle.wait_settled(5)
        entry.presenter.finish()
        print(f"cloudcode: run #{entry.number} cancelled.")


def _demo(magics: "CloudCodeMagics", args: list[str]) -> None:
    if args == ["off"]:
        magics.demo.stop()
        print("cloudcode: demo mode off; runs go to the configured API again.")
        return
    if args == ["auto"]:
        if magics.session.api_key or env_settings().api_key:
            print("cloudcode: an API key is configured, so runs go to the real API (demo mode stays off).")
            return
    elif args:
        raise UsageError("Usage: %cloudcode demo [auto | off]")
    url = magics.demo.start()
    print(f"cloudcode: demo mode on: runs go to the local simulator at {url} (no key needed, nothing is pushed).")


def _current_thread(magics: "CloudCodeMagics", s: Settings) -> str | None:
    return magics.session.thread_for(s.repo, s.branch) if s.repo else None


def _entry_line(entry: Any) -> str:
    return f"#{entry.number} ({', '.join(entry.run.tasks)}, {entry.run.duration:.0f}s)"
