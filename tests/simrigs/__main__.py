"""CLI: `python -m tests.simrigs [options]`, the simulator's CLI with every rig."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from cc_jupyter.simulator.__main__ import build_parser, serve
from cc_jupyter.simulator.scenario import OPTIONS

from .options import RIG_OPTIONS
from .rigs import Rigs


def main(argv: Sequence[str] | None = None) -> int:
    p = build_parser({**OPTIONS, **RIG_OPTIONS}, "python -m tests.simrigs")
    p.add_argument("--framing", choices=["A", "B", "C", "mixed"], help="SSE framing of every event (default A)")
    p.add_argument("--crlf", action="store_true", default=None, help="CRLF line endings")
    p.add_argument("--cr", action="store_true", default=None, help="bare CR line endings")
    p.add_argument("--bom", action="store_true", default=None, help="a UTF-8 BOM before the first event")
    p.add_argument("--ping", type=float, metavar="SECONDS", help="`: ping` keep-alive comments at this interval")
    p.add_argument("--wrap", action="store_true", default=None, help='updates payloads wrapped in {"executor": ...}')
    args = p.parse_args(argv)
    flags = {k: getattr(args, k) for k in ("framing", "crlf", "cr", "bom", "ping", "wrap")}
    return serve(p, args, Rigs(), **{k: v for k, v in flags.items() if v is not None})


if __name__ == "__main__":
    sys.exit(main())
