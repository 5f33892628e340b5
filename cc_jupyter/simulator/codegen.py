"""The files the fake agent writes for a topic: a stdlib-only module with a real function, and its tests.

A `Kind` of function recognises the first prompts it is about and writes its code; the fake
agent knows `KINDS` (an extension may give it more).
"""
from __future__ import annotations

import builtins
import difflib
import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .topic import FORMATS, LOAD_VERBS, Feature, Topic, Words, words


def literal(value: object) -> str:
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
    def kind(self) -> Kind:
        kind = self.topic.kind
        assert isinstance(kind, Kind)  # every kind of function is a Kind; topic.py knows only what it reads
        return kind

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

    def does(self, detail: bool = True) -> str:
        """What the function does, as a clause: "reads data/sales.csv and returns its rows as dicts"."""
        return self.kind.does(self, detail)

    @property
    def suite_size(self) -> int:
        """Tests in the suite: this module's and the repository's tests/test_version.py."""
        return len(self.test_names()) + 1

    def test_names(self) -> list[str]:
        names = [f"test_{self.name}_{self.kind.test_suffix}"]
        if self.checks_errors:
            names.append(f"test_{self.name}_{self.kind.error_suffix}")
        return names

    def module(self) -> str:
        notes = "".join(f"# Requested: {note}\n" for note in self.notes)
        return (f'"""{self.name}: {self.does(detail=False)}."""\n{notes}from __future__ import annotations\n\n'
                f"{self.kind.module(self)}")

    def tests(self) -> str:
        first, *more = self.test_names()
        head = f'"""Tests for {self.package}.{self.name}."""\n'
        head += "import pytest\n\n" if more else "\n"
        head += f"from {self.package}.{self.name} import {self.name}\n"
        return head + self.kind.test(self, first) + "".join(self.kind.error_test(self, name) for name in more)


class Kind:
    """A kind of function: the first prompts it is about, its code and its tests.

    This one is about every prompt (a list of kinds ends with it): it tidies the whitespace in a
    string. Other kinds override what differs.
    """

    test_suffix, error_suffix = "tidies_whitespace", "rejects_non_text"  # test_<name>_<suffix>: first, errors
    error_behaviour = "raises TypeError with a clear message for anything but a str"  # once asked for
    raises = ("TypeError", "expected a str")  # the exception it then raises, and a regex its message matches
    red = "AttributeError: 'int' object has no attribute 'split'"  # pytest's reason before the check exists

    def topic(self, prompt: str) -> Topic | None:
        """The topic of a first prompt, if it is about this kind of function."""
        w = Words.of(prompt)
        picked = ([w.verb] if w.verb else []) + [n for n in w.nouns if n not in FORMATS][:2]
        name = "_".join(picked) if picked else "tidy_text"
        if keyword.iskeyword(name) or hasattr(builtins, name):
            name += "_text"
        return Topic(name, self, dataframe="dataframe" in w.all)

    def does(self, code: Code, detail: bool) -> str:
        """What the function does, as a clause (`detail`: with an aside on how to use it)."""
        return "tidies the whitespace in a string"

    def module(self, code: Code) -> str:
        """The module's code after its docstring and `from __future__ import annotations`."""
        check = ""
        if code.checks_errors:
            check = ("    if not isinstance(text, str):\n"
                     f'        raise TypeError(f"{code.name}: expected a str, got {{type(text).__name__}}")\n')
        return (f"\ndef {code.name}(text: str) -> str:\n"
                '    """Return `text` without surrounding whitespace and with inner runs of it as one space."""\n'
                f'{check}    return " ".join(text.split())\n')

    def test(self, code: Code, test: str) -> str:
        """The first test function."""
        return f'\n\ndef {test}():\n    assert {code.name}("  Hello,   world \\n") == "Hello, world"\n'

    def bad_input(self, code: Code) -> str:
        """The argument the error test calls the function with (it may use pytest's `tmp_path`)."""
        return "42"

    def error_test(self, code: Code, test: str) -> str:
        """The test that the function raises the error asked for on bad input."""
        bad = self.bad_input(code)
        exception, match = self.raises
        return (f"\n\ndef {test}({'tmp_path' if 'tmp_path' in bad else ''}):\n"
                f"    with pytest.raises({exception}, match={literal(match)}):\n        {code.name}({bad})\n")


@dataclass(frozen=True)
class Format:
    """How a loader reads one format of file, and the sample file its test reads."""

    imports: str  # the module's imports, `from pathlib import Path` among them
    returns: str  # the return annotation
    doc: str
    read: str  # the last lines of the function
    what: str  # what it returns, in words
    sample: str
    expected: object  # what the function returns for the sample
    tabular: bool = True  # pandas.DataFrame() makes a table of what it returns


CSV = Format("import csv\nfrom pathlib import Path\n", "list[dict[str, str]]",
             "Return the rows of the file at `path` as dicts keyed by its header line.",
             '    with path.open(newline="", encoding="utf-8") as handle:\n'
             "        return list(csv.DictReader(handle))\n",
             "its rows as dicts", "id,amount\n1,9.50\n2,12.00\n",
             [{"id": "1", "amount": "9.50"}, {"id": "2", "amount": "12.00"}])


class Loader(Kind):
    """Reads a data file: `load_sales(path="data/sales.csv")`, in one of `formats` (by extension)."""

    test_suffix, error_suffix = "reads_file", "missing_file"
    error_behaviour = "raises FileNotFoundError naming the path when the file is missing"
    raises = ("FileNotFoundError", "not found")
    red = "AssertionError: Regex pattern did not match."

    def __init__(self, formats: Mapping[str, Format]) -> None:
        self.formats = dict(formats)  # the first is the default
        self.data_path = re.compile(rf"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.({'|'.join(formats)}))\b", re.I)

    def topic(self, prompt: str) -> Topic | None:
        found = self.data_path.search(prompt)
        w = Words.of(self.data_path.sub(" ", prompt))
        if not found and w.verb not in LOAD_VERBS:
            return None
        verb = w.verb if w.verb in LOAD_VERBS else "load"
        if found:
            data_path = found.group(1)
            subject = "_".join(words(data_path.rsplit("/", 1)[-1].rsplit(".", 1)[0])[:2]) or "data"
        else:
            fmt = next((n for n in w.nouns if n in self.formats), next(iter(self.formats)))
            noun = next((n for n in w.nouns if n not in FORMATS), None)
            subject, data_path = noun or fmt, f"data/{noun or 'input'}.{fmt}"
        return Topic(f"{verb}_{subject}", self, data_path, dataframe="dataframe" in w.all)

    def extension(self, code: Code) -> str:
        return (code.topic.data_path or "").rsplit(".", 1)[-1].lower()

    def format(self, code: Code) -> Format:
        return self.formats[self.extension(code)]

    def does(self, code: Code, detail: bool) -> str:
        what = self.format(code).what
        if detail and code.topic.dataframe and self.format(code).tabular:
            what += f" (pandas.DataFrame({code.name}()) makes a DataFrame of them)"
        return f"reads {code.topic.data_path} and returns {what}"

    def module(self, code: Code) -> str:
        fmt, name = self.format(code), code.name
        doc = fmt.doc
        if code.topic.dataframe and fmt.tabular:
            doc += f"\n\n    For a pandas DataFrame: ``pandas.DataFrame({name}())``.\n    "
        check = ""
        if code.checks_errors:
            check = ("    if not path.is_file():\n"
                     f'        raise FileNotFoundError(f"{name}: {{path}} not found (expected a file such as '
                     '{DEFAULT_PATH})")\n')
        return (f"{fmt.imports}\nDEFAULT_PATH = {literal(code.topic.data_path)}\n\n\n"
                f"def {name}(path: str | Path = DEFAULT_PATH) -> {fmt.returns}:\n"
                f'    """{doc}"""\n    path = Path(path)\n{check}{fmt.read}')

    def test(self, code: Code, test: str) -> str:
        fmt, sample_name = self.format(code), (code.topic.data_path or "").rsplit("/", 1)[-1]
        return (f"\n\ndef {test}(tmp_path):\n    sample = tmp_path / {literal(sample_name)}\n"
                f"    sample.write_text({literal(fmt.sample)}, encoding=\"utf-8\")\n"
                f"    assert {code.name}(sample) == {literal(fmt.expected)}\n")

    def bad_input(self, code: Code) -> str:
        return f"tmp_path / {literal('missing.' + self.extension(code))}"


KINDS: tuple[Kind, ...] = (Loader({"csv": CSV}), Kind())


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
