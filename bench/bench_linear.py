"""Linear time where the tests check only what comes out: unclosed fields, endless lines.

Usage: python bench/bench_linear.py [--rounds 5]

Each case runs at a size n and at 4n, rounds interleaved; the median of the round-by-round ratios
t(4n) / t(n) is reported. Linear time gives 4 (less while a fixed cost dominates), quadratic 16.
Budget: <= 8 for every case; the bench exits with status 1 when one is over.

The cases, and the test that checks what each one gives:
  interpolate() on five kinds of unclosed field, 25,000 vs 100,000 repeats
      tests/test_interpolate.py::test_long_runs_of_unclosed_fields_come_out_unchanged
  a line without newlines in 1 KB events, each committed (released masked while it arrives), 1 vs 4 MB
      tests/test_run_state.py::test_a_long_line_without_newlines_is_released_while_it_arrives_and_masked_at_its_end
  a line without newlines in 64 KB events, then the live view and the transcript, 10 vs 40 MB
      tests/test_hostile.py::test_a_40_mb_line_without_newlines_is_kept_whole_and_bounded_in_the_views
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from _common import API_KEY, GITHUB_TOKEN, REPO, best_of, paired_ratio

BUDGET = 8.0
FACTOR = 4
KB = 1024
MB = 1024 * KB
TEMPLATES = {  # unit, and what ends the template
    "braces": ("{", ""),
    "open-items": ("{x[", ""),
    "double-braces": ("{{x", ""),
    "dollar-braces": ("${", ""),
    "open-attributes": ("{x.", "}"),
}


def interpolation(unit: str, end: str, repeats: int) -> Callable[[], int]:
    from cc_jupyter.magics.interpolate import interpolate

    template = unit * repeats + end

    def expand() -> int:
        text = interpolate(template, {"x": 1}).text
        assert text == template
        return len(text)

    return expand


def new_run():
    from cc_jupyter.protocol.request import build_request
    from cc_jupyter.run.state import Run
    from cc_jupyter.settings import Settings

    return Run(build_request("x", None, settings=Settings(api_key=API_KEY, github_token=GITHUB_TOKEN, repo=REPO)))


def line_in_small_events(size: int) -> Callable[[], int]:
    from cc_jupyter.protocol.events import Event

    piece = "0123456789abcdef" * (KB // 16)

    def fold() -> int:
        run = new_run()
        for _ in range(size // len(piece)):
            run.apply(Event("custom", {"stdout": piece}))
            run.commit()
        run.finish("closed")
        assert len(run.stdout) == size
        return run.tasks["main"].output.length

    return fold


def line_through_the_views(size: int) -> Callable[[], int]:
    from cc_jupyter.protocol.events import Event
    from cc_jupyter.views.transcript import Transcript
    from cc_jupyter.views.widget import LiveView

    block = "0123456789abcdef" * (64 * KB // 16)

    def show() -> int:
        run = new_run()
        for _ in range(size // len(block)):
            run.apply(Event("custom", {"stdout": block}))
            run.commit()
        live = LiveView(run, on_stop=lambda: None)
        live.refresh()
        run.finish("closed")
        html = Transcript(run)._repr_mimebundle_()["text/html"]
        assert len(live.snapshot().panes["main"]) < 40_000 and len(html) < 100_000
        return len(run.stdout)

    return show


def cases() -> dict[str, tuple[str, Callable[[int], Callable[[], int]], int]]:
    """Name: (what n counts, the case at a size, n)."""
    found: dict[str, tuple[str, Callable[[int], Callable[[], int]], int]] = {}
    for name, (unit, end) in TEMPLATES.items():
        found[f"interpolate, {name}"] = (
            f"repeats of {unit!r}", lambda n, unit=unit, end=end: interpolation(unit, end, n), 25_000)
    found["a line in 1 KB events"] = ("MB", lambda n: line_in_small_events(n * MB), 1)
    found["a line in 64 KB events, then the views"] = ("MB", lambda n: line_through_the_views(n * MB), 10)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    over = []
    for name, (unit, case, n) in cases().items():
        small, large = case(n), case(FACTOR * n)
        small(), large()  # warm-up: imports, caches
        timed = best_of(args.rounds, {"n": small, "4n": large})
        ratio = paired_ratio(timed["4n"], timed["n"])
        verdict = "within" if ratio <= BUDGET else "OVER"
        print(f"{name:40} n = {n:>6,} {unit:20} {timed['n'].median:7.4f} s; 4n: {timed['4n'].median:7.4f} s; "
              f"ratio {ratio:5.2f} (linear 4, budget <= {BUDGET:g}: {verdict})")
        if ratio > BUDGET:
            over.append(name)
    if over:
        sys.exit(f"over budget: {', '.join(over)}")


if __name__ == "__main__":
    main()
