"""More kinds of function for the fake agent: loaders of TSV, JSON and text files, and aggregates of numbers."""
from __future__ import annotations

import statistics

from cc_jupyter.simulator.codegen import CSV, Code, Format, Kind, Loader
from cc_jupyter.simulator.topic import Topic, Words

FORMATS = {
    "csv": CSV,
    "tsv": Format(CSV.imports, CSV.returns, CSV.doc, CSV.read.replace("(handle)", '(handle, delimiter="\\t")'),
                  CSV.what, CSV.sample.replace(",", "\t"), CSV.expected),
    "json": Format("import json\nfrom pathlib import Path\nfrom typing import Any\n", "Any",
                   "Return the JSON document in the file at `path`.",
                   '    with path.open(encoding="utf-8") as handle:\n        return json.load(handle)\n',
                   "the parsed JSON", '{"region": "north", "amount": 9.5}', {"region": "north", "amount": 9.5}),
    "txt": Format("from pathlib import Path\n", "list[str]", "Return the lines of the text file at `path`.",
                  '    return path.read_text(encoding="utf-8").splitlines()\n', "its lines",
                  "first line\nsecond line\n", ["first line", "second line"], tabular=False),
}
AGGREGATES = {"mean": "mean", "average": "mean", "avg": "mean", "median": "median", "sum": "sum",
              "total": "sum", "count": "count", "max": "max", "maximum": "max", "largest": "max",
              "highest": "max", "min": "min", "minimum": "min", "smallest": "min", "lowest": "min"}
WORD = {"mean": "mean", "median": "median", "sum": "sum", "count": "number", "max": "largest", "min": "smallest"}
CODE = {"mean": "statistics.fmean(numbers)", "median": "statistics.median(numbers)", "sum": "math.fsum(numbers)",
        "count": "len(numbers)", "max": "max(numbers)", "min": "min(numbers)"}
IMPORTS = {"mean": "import statistics\n", "median": "import statistics\n", "sum": "import math\n"}
SAMPLE = (2, 4, 9)


class Aggregate(Kind):
    """Reduces a sequence of numbers: its mean, median, sum, count, largest or smallest."""

    test_suffix, error_suffix = "of_sample", "rejects_empty"
    error_behaviour = "raises ValueError with a clear message on empty input"
    raises = ("ValueError", "at least one value")

    def __init__(self, operation: str = "mean") -> None:
        self.operation = operation
        # Without the check, the empty input reaches the reduction: its own error, or none at all.
        self.red = ("Failed: DID NOT RAISE <class 'ValueError'>" if operation in ("sum", "count")
                    else "AssertionError: Regex pattern did not match.")

    def topic(self, prompt: str) -> Topic | None:
        w = Words.of(prompt)
        start = next((i for i, word in enumerate(w.all) if word in AGGREGATES), None)
        if start is None:
            return None
        picked = [w.all[start]] + [word for word in w.all[start + 1:] if word in w.nouns][:2]
        if len(picked) == 1:
            picked.insert(0, w.verb or "compute")
        return Topic("_".join(picked), Aggregate(AGGREGATES[w.all[start]]), dataframe="dataframe" in w.all)

    def does(self, code: Code, detail: bool) -> str:
        return f"returns the {WORD[self.operation]} of a sequence of numbers"

    def module(self, code: Code) -> str:
        check = ""
        if code.checks_errors:
            check = f'    if not numbers:\n        raise ValueError("{code.name}: needs at least one value")\n'
        return (f"{IMPORTS.get(self.operation, '')}from typing import Iterable\n\n\n"
                f"def {code.name}(values: Iterable[float]) -> {'int' if self.operation == 'count' else 'float'}:\n"
                f'    """Return the {WORD[self.operation]} of `values`."""\n'
                f"    numbers = [float(value) for value in values]\n{check}    return {CODE[self.operation]}\n")

    def test(self, code: Code, test: str) -> str:
        numbers = [float(n) for n in SAMPLE]
        results: dict[str, float] = {"mean": statistics.fmean(numbers), "median": statistics.median(numbers),
                                     "sum": sum(numbers), "count": len(numbers), "max": max(numbers),
                                     "min": min(numbers)}
        return f"\n\ndef {test}():\n    assert {code.name}({list(SAMPLE)!r}) == {results[self.operation]!r}\n"

    def bad_input(self, code: Code) -> str:
        return "[]"


# Loaders first (a data file named in the prompt wins), then aggregates, then the text kind (any prompt).
RIG_KINDS: tuple[Kind, ...] = (Loader(FORMATS), Aggregate(), Kind())
