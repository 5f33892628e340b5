"""CLI: `python -m cc_jupyter.simulator [options]` serves until SIGINT/SIGTERM."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any, Sequence

from .scenario import OPTIONS, DirectiveError, check_all, parse_line
from .server import Simulator


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cc_jupyter.simulator",
        description="Serve a simulated Cloud Coding API (POST /invoke/stdout) on loopback.",
        epilog="Directives (also per request, as a prompt line `sim: key=value key2`):\n"
        + "\n".join(f"  {name:<13} {meaning}" for name, (_, meaning) in OPTIONS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--api-key", help="accept only this x-api-key (default: any non-empty key)")
    p.add_argument("--pace", type=float, default=1.0, help="multiplier on built-in delays (0 = no delays)")
    p.add_argument("--framing", choices=["A", "B", "C", "mixed"])
    p.add_argument("--crlf", action="store_true", default=None)
    p.add_argument("--cr", action="store_true", default=None)
    p.add_argument("--bom", action="store_true", default=None)
    p.add_argument("--ping", type=float, metavar="SECONDS")
    p.add_argument("--wrap", action="store_true", default=None)
    p.add_argument("--directives", default="", metavar="'k=v k2 ...'",
                   help="default values for any directives, in the `sim:` line syntax")
    p.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    p.add_argument("--quiet", action="store_true", help="not even tracebacks on stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    defaults: dict[str, Any] = {}
    try:
        defaults.update(parse_line("sim: " + args.directives) or {})
        flags = {k: getattr(args, k) for k in ("framing", "crlf", "cr", "bom", "ping", "wrap")}
        defaults.update(check_all({k: v for k, v in flags.items() if v is not None}))
    except DirectiveError as exc:
        parser.error(str(exc))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        defaults.setdefault("pace", args.pace)
        sim = Simulator(args.host, args.port, args.api_key, verbose=args.verbose, quiet=args.quiet,
                        **defaults).start()
    except OSError as exc:
        print(f"cc_jupyter simulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"cc_jupyter simulator listening on {sim.url}", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
