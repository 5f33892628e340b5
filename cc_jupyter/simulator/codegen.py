"""The files the fake agent writes for a topic: a stdlib-only module with a real function, and its tests."""
from __future__ import annotations

import difflib
import json
import statistics
from dataclasses import dataclass

from .topic import Feature, Topic

SAMPLE_NUMBERS = (2, 4, 9)
AGGREGATE_WORD = {"mean": "mean", "median": "median", "sum": "sum", "count": "number", "max": "largest",
                  "min": "smallest"}
AGGREGATE_CODE = {"mean": "statistics.fmean(numbers)", "median": "statistics.median(numbers)",
                  "sum": "math.fsum(numbers)", "count": "len(numbers)", "max": "max(numbers)",
                  "min": "min(numbers)"}
# How the new error test fails before the module has the check (pytest's short summary).
ERRORS_RED = {"load": "AssertionError: Regex pattern did not match.",
              "text": "AttributeError: 'int' object has no attribute 'split'",
              "sum": "Failed: DID NOT RAISE <class 'ValueError'>",
              "count": "Failed: DID NOT RAISE <class 'ValueError'>",
              "aggregate": "AssertionError: Regex pattern did not match."}


def _literal(value: object) -> str:
    """A Python literal for strings, numbers and lists/dicts of them, in double quotes."""
    return json.dumps(value, ensure_ascii=False)


def _one_line(text: str, limit: int = 100) -> str:
    """Safe inside a Python comment: printable, single line, bounded."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return clean if len(clean) <= limit else clean[:limit - 3] + "..."


@dataclass(frozen=True)
class Code:
    """A topic's module and test file, with the features asked for so far."""

    topic: Topic
    features: tuple[Feature, ...]
    package: str

    @property
    def name(self) -> str:
        return self.topic.name

    @property
    def module_path(self) -> str:
        return f"src/{self.package}/{self.name}.py"

    @property
    def test_path(self) -> str:
        return f"tests/test_{self.name}.py"

    @property
    def checks_errors(self) -> bool:
        return any(f.kind == "errors" for f in self.features)

    @property
    def notes(self) -> list[str]:
        return [_one_line(f.asked) for f in self.features if f.kind == "note"]

    @property
    def fmt(self) -> str:
        return (self.topic.data_path or ".csv").rsplit(".", 1)[-1].lower()

    # -- words for the narration ---------------------------------------------------------------

    def does(self, detail: bool = True) -> str:
        """What the function does, as a clause: "reads data/sales.csv and returns its rows as dicts"."""
        t = self.topic
        if t.kind == "load":
            what = {"json": "the parsed JSON", "txt": "its lines"}.get(self.fmt, "its rows as dicts")
            if detail and t.dataframe and self.fmt != "txt":
                what += f" (pandas.DataFrame({self.name}()) makes a DataFrame of them)"
            return f"reads {t.data_path} and returns {what}"
        if t.kind == "aggregate":
            return f"returns the {AGGREGATE_WORD[t.operation or 'mean']} of a sequence of numbers"
        return "tidies the whitespace in a string"

    def error_behaviour(self) -> str:
        return {"load": "raises FileNotFoundError naming the path when the file is missing",
                "aggregate": "raises ValueError with a clear message on empty input",
                }.get(self.topic.kind, "raises TypeError with a clear message for anything but a str")

    def red_reason(self) -> str:
        """pytest's one-line reason why the error test fails before the check exists."""
        return ERRORS_RED.get(self.topic.operation or self.topic.kind, ERRORS_RED["aggregate"])

    @property
    def suite_size(self) -> int:
        """Tests in the suite: this module's and the repository's tests/test_version.py."""
        return len(self.test_names()) + 1

    def test_names(self) -> list[str]:
        base = {"load": "reads_file", "aggregate": "of_sample"}.get(self.topic.kind, "tidies_whitespace")
        names = [f"test_{self.name}_{base}"]
        if self.checks_errors:
            names.append(f"test_{self.name}_{self.error_test_suffix()}")
        return names

    def error_test_suffix(self) -> str:
        return {"load": "missing_file", "aggregate": "rejects_empty"}.get(self.topic.kind, "rejects_non_text")

    # -- the module ----------------------------------------------------------------------------

    def module(self) -> str:
        kind = self.topic.kind
        body = self._loader() if kind == "load" else self._aggregate() if kind == "aggregate" else self._text()
        notes = "".join(f"# Requested: {note}\n" for note in self.notes)
        return f'"""{self.name}: {self.does(detail=False)}."""\n{notes}from __future__ import annotations\n\n{body}'

    def _loader(self) -> str:
        fmt, name = self.fmt, self.name
        imports = {"json": "import json\n", "txt": ""}.get(fmt, "import csv\n")
        returns = {"json": "Any", "txt": "list[str]"}.get(fmt, "list[dict[str, str]]")
        typing = "from typing import Any\n" if fmt == "json" else ""
        doc = {"json": "Return the JSON document in the file at `path`.",
               "txt": "Return the lines of the text file at `path`."}.get(
            fmt, "Return the rows of the file at `path` as dicts keyed by its header line.")
        if self.topic.dataframe and fmt != "txt":
            doc += f"\n\n    For a pandas DataFrame: ``pandas.DataFrame({name}())``.\n    "
        delimiter = ', delimiter="\\t"' if fmt == "tsv" else ""
        read = {"json": "    with path.open(encoding=\"utf-8\") as handle:\n        return json.load(handle)\n",
                "txt": "    return path.read_text(encoding=\"utf-8\").splitlines()\n"}.get(
            fmt, "    with path.open(newline=\"\", encoding=\"utf-8\") as handle:\n"
                 f"        return list(csv.DictReader(handle{delimiter}))\n")
        check = ""
        if self.checks_errors:
            check = ("    if not path.is_file():\n"
                     f'        raise FileNotFoundError(f"{name}: {{path}} not found (expected a file such as '
                     '{DEFAULT_PATH})")\n')
        return (f"{imports}from pathlib import Path\n{typing}\nDEFAULT_PATH = {_literal(self.topic.data_path)}\n\n\n"
                f"def {name}(path: str | Path = DEFAULT_PATH) -> {returns}:\n"
                f'    """{doc}"""\n    path = Path(path)\n{check}{read}')

    def _aggregate(self) -> str:
        op, name = self.topic.operation or "mean", self.name
        imports = {"mean": "import statistics\n", "median": "import statistics\n", "sum": "import math\n"}.get(op, "")
        returns = "int" if op == "count" else "float"
        check = ""
        if self.checks_errors:
            check = f'    if not numbers:\n        raise ValueError("{name}: needs at least one value")\n'
        return (f"{imports}from typing import Iterable\n\n\n"
                f"def {name}(values: Iterable[float]) -> {returns}:\n"
                f'    """Return the {AGGREGATE_WORD[op]} of `values`."""\n'
                f"    numbers = [float(value) for value in values]\n{check}"
                f"    return {AGGREGATE_CODE[op]}\n")

    def _text(self) -> str:
        check = ""
        if self.checks_errors:
            check = ("    if not isinstance(text, str):\n"
                     f'        raise TypeError(f"{self.name}: expected a str, got {{type(text).__name__}}")\n')
        return (f"\ndef {self.name}(text: str) -> str:\n"
                '    """Return `text` without surrounding whitespace and with inner runs of it as one space."""\n'
                f'{check}    return " ".join(text.split())\n')

    # -- the tests -----------------------------------------------------------------------------

    def tests(self) -> str:
        first, *more = self.test_names()
        head = f'"""Tests for {self.package}.{self.name}."""\n'
        head += "import pytest\n\n" if more else "\n"
        head += f"from {self.package}.{self.name} import {self.name}\n"
        kind = self.topic.kind
        body = self._loader_test(first) if kind == "load" else (
            self._aggregate_test(first) if kind == "aggregate" else self._text_test(first))
        if more:
            body += self._error_test(more[0])
        return head + body

    def _loader_test(self, test: str) -> str:
        fmt = self.fmt
        sample_name = self.topic.data_path.rsplit("/", 1)[-1] if self.topic.data_path else f"sample.{fmt}"
        if fmt == "json":
            expected: object = {"region": "north", "amount": 9.5}
            text = json.dumps(expected)
        elif fmt == "txt":
            expected, text = ["first line", "second line"], "first line\nsecond line\n"
        else:
            sep = "\t" if fmt == "tsv" else ","
            expected = [{"id": "1", "amount": "9.50"}, {"id": "2", "amount": "12.00"}]
            text = "".join(sep.join(row) + "\n" for row in (("id", "amount"), ("1", "9.50"), ("2", "12.00")))
        return (f"\n\ndef {test}(tmp_path):\n    sample = tmp_path / {_literal(sample_name)}\n"
                f"    sample.write_text({_literal(text)}, encoding=\"utf-8\")\n"
                f"    assert {self.name}(sample) == {_literal(expected)}\n")

    def _aggregate_test(self, test: str) -> str:
        op = self.topic.operation or "mean"
        numbers = [float(n) for n in SAMPLE_NUMBERS]
        results: dict[str, float] = {"mean": statistics.fmean(numbers), "median": statistics.median(numbers),
                                     "sum": sum(numbers), "count": len(numbers), "max": max(numbers),
                                     "min": min(numbers)}
        expected = results[op]
        return f"\n\ndef {test}():\n    assert {self.name}({list(SAMPLE_NUMBERS)!r}) == {expected!r}\n"

    def _text_test(self, test: str) -> str:
        return f'\n\ndef {test}():\n    assert {self.name}("  Hello,   world \\n") == "Hello, world"\n'

    def _error_test(self, test: str) -> str:
        kind = self.topic.kind
        if kind == "load":
            missing = f"missing.{self.fmt}"
            return (f"\n\ndef {test}(tmp_path):\n    with pytest.raises(FileNotFoundError, match=\"not found\"):\n"
                    f"        {self.name}(tmp_path / {_literal(missing)})\n")
        if kind == "aggregate":
            return (f"\n\ndef {test}():\n    with pytest.raises(ValueError, match=\"at least one value\"):\n"
                    f"        {self.name}([])\n")
        return (f"\n\ndef {test}():\n    with pytest.raises(TypeError, match=\"expected a str\"):\n"
                f"        {self.name}(42)\n")


@dataclass(frozen=True)
class Edit:
    """One Edit tool replacement: a changed block of lines with one line of context."""

    old: str
    new: str
    added: int
    removed: int


def edits_between(before: str, after: str) -> list[Edit]:
    """The replacements that turn `before` into `after`, one per changed block."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 > 0:  # context: the line before, or the line after at the top of the file
            old, new = a[i1 - 1:i2], b[j1 - 1:j2]
        else:
            old, new = a[i1:i2 + 1], b[j1:j2] + a[i2:i2 + 1]
        edits.append(Edit("".join(old), "".join(new), j2 - j1, i2 - i1))
    return edits


def line_count(text: str) -> int:
    return len(text.splitlines())


def numbered(text: str) -> str:
    """Like Claude Code's Read tool: right-aligned line numbers, a tab, the line."""
    return "".join(f"{n:>6}\t{line}\n" for n, line in enumerate(text.splitlines(), 1))

