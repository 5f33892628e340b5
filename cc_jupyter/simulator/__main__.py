"""CLI: `python -m cc_jupyter.simulator [options]` serves until SIGINT/SIGTERM."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .rules import parse_cli_rule
from .scenario import OPTIONS, DirectiveError, check_all, parse_directives
from .server import Simulator


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cc_jupyter.simulator",
        description="Serve a simulated Cloud Coding API (POST /invoke/stdout) and a simulated GitHub\n"
                    "(GET /github/repos/...) backed by real git repositories, on loopback.",
        epilog="Directives (also per request, as a prompt line `sim: key=value key2`):\n"
        + "\n".join(f"  {name:<13} {meaning}" for name, (_, meaning) in OPTIONS.items())
        + "\n\nEndpoints, gates and GitHub failure modes: python -c \"import cc_jupyter.simulator as s; help(s)\"",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    p.add_argument("--api-key", help="accept only this x-api-key (default: any non-empty key)")
    p.add_argument("--pace", type=float, default=1.0, help="multiplier on built-in delays (0 = no delays)")
    p.add_argument("--framing", choices=["A", "B", "C", "mixed"], help="SSE framing of every event (default A)")
    p.add_argument("--crlf", action="store_true", default=None, help="CRLF line endings")
    p.add_argument("--cr", action="store_true", default=None, help="bare CR line endings")
    p.add_argument("--bom", action="store_true", default=None, help="a UTF-8 BOM before the first event")
    p.add_argument("--ping", type=float, metavar="SECONDS", help="`: ping` keep-alive comments at this interval")
    p.add_argument("--wrap", action="store_true", default=None, help='updates payloads wrapped in {"executor": ...}')
    p.add_argument("--directives", default="", metavar="'k=v k2 ...'",
                   help="default values for any directives, in the `sim:` line syntax")
    p.add_argument("--rule", action="append", default=[], metavar="'REGEX=k=v k2'",
                   help="directives for requests whose prompt matches REGEX (re.search; the first = ends it); "
                        "repeatable, later rules win, a prompt's own sim: lines win over rules")
    p.add_argument("--git-root", metavar="DIR",
                   help="keep the simulated GitHub's bare repositories in DIR/<owner>/<repo>.git "
                        "(default: a temporary directory removed on exit)")
    p.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    p.add_argument("--quiet", action="store_true", help="not even tracebacks on stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    defaults: dict[str, Any] = {}
    try:
        defaults.update(parse_directives(args.directives))
        flags = {k: getattr(args, k) for k in ("framing", "crlf", "cr", "bom", "ping", "wrap")}
        defaults.update(check_all({k: v for k, v in flags.items() if v is not None}))
        rules = [parse_cli_rule(text) for text in args.rule]
        defaults.setdefault("pace", args.pace)
        sim = Simulator(args.host, args.port, args.api_key, verbose=args.verbose, quiet=args.quiet,
                        git_root=args.git_root, rules=rules, **defaults)
    except (DirectiveError, ValueError) as exc:
        parser.error(str(exc))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        sim.start()
    except OSError as exc:
        print(f"cc_jupyter simulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"cc_jupyter simulator listening on {sim.url}", flush=True)
    key = "the --api-key value" if args.api_key else "any API key"
    print(f"Point CLOUDCODE_API_URL at {sim.url} (and CLOUDCODE_GITHUB_API_URL at {sim.url}/github); "
          f"{key} and any GitHub token work.", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
