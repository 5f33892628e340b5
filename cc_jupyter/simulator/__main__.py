"""CLI: `python -m cc_jupyter.simulator [options]` serves until SIGINT/SIGTERM."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from .extension import Extension
from .scenario import OPTIONS, DirectiveError, Option, parse_cli_rule
from .server import Simulator

PROG = "python -m cc_jupyter.simulator"


def build_parser(options: Mapping[str, Option], prog: str = PROG) -> argparse.ArgumentParser:
    """The CLI's parser; its help lists `options`, the directives it understands."""
    p = argparse.ArgumentParser(
        prog=prog,
        description="Serve a simulated Cloud Coding API (POST /invoke/stdout) and a simulated GitHub\n"
                    "(GET /github/repos/...) backed by real git repositories, on loopback.",
        epilog="Directives (also per request, as a prompt line `sim: key=value key2`):\n"
        + "\n".join(f"  {name:<13} {option.meaning}" for name, option in options.items())
        + "\n\nEndpoints and the whole reference: docs/simulator.md in the cc_jupyter repository.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    p.add_argument("--api-key", help="accept only this x-api-key (default: any non-empty key)")
    p.add_argument("--pace", type=float, default=1.0, help="multiplier on built-in delays (0 = no delays)")
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


def serve(parser: argparse.ArgumentParser, args: argparse.Namespace, extension: Extension | None = None,
          **flags: Any) -> int:
    """Serve the parsed `args` until SIGINT/SIGTERM; `flags` are more default directive values."""
    ext = extension or Extension()
    try:
        defaults = {**ext.directives().parse(args.directives), **flags}
        defaults.setdefault("pace", args.pace)
        rules = [parse_cli_rule(text) for text in args.rule]
        sim = Simulator(args.host, args.port, args.api_key, verbose=args.verbose, quiet=args.quiet,
                        git_root=args.git_root, rules=rules, extension=ext, **defaults)
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(OPTIONS)
    return serve(parser, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
