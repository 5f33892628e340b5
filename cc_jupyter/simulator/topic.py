"""What a prompt asks for: a Topic (the function to write) and, on later turns, a Feature to add.

"Add a function that loads data/sales.csv into a DataFrame" -> Topic("load_sales") of the loader
kind (codegen.Loader); "Now make it raise a clear error when the file is missing" on a later
turn -> Feature("errors"). Word lists, not language understanding: deterministic and good enough
for a believable story.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

LOAD_VERBS = {"load", "read", "parse", "import", "ingest", "open", "fetch"}
VERBS = LOAD_VERBS | {
    "compute", "calculate", "count", "validate", "format", "convert", "clean", "normalize", "normalise",
    "sort", "filter", "merge", "summarize", "summarise", "plot", "export", "save", "split", "group",
    "aggregate", "score", "rank", "detect", "extract", "render", "greet", "check", "download", "transform",
}
FORMATS = {"csv", "tsv", "json", "txt"}  # words that name a file format rather than a subject
STOP = set(["a", "an", "the", "that", "this", "these", "those", "it", "its", "into", "in", "on", "of", "for", "to", "from", "with", "without", "and", "or", "by", "as", "at", "be", "is", "are", "was", "were", "so", "then", "now", "also", "please", "can", "could", "you", "we", "i", "me", "my", "our", "your", "there", "some", "any", "all", "each", "every", "new", "clear", "one", "two", "when", "which", "who", "what", "how", "if", "not", "no", "only", "just", "more", "less", "very", "sure", "make", "makes", "made", "add", "adds", "create", "creates", "write", "writes", "implement", "build", "fix", "update", "refactor", "improve", "change", "use", "using", "do", "does", "let", "should", "would", "will", "function", "functions", "method", "class", "module", "helper", "code", "file", "files", "test", "tests", "testing", "unit", "pass", "passes", "passing", "failing", "fail", "readme", "docstring", "dataframe", "dataframes", "pandas", "data", "returns", "return", "given", "take", "takes", "list", "lists", "values", "number", "numbers", "something", "thing", "things", "like", "way", "same"])
ERROR_WORDS = set(["error", "errors", "raise", "raises", "raising", "exception", "exceptions", "missing", "invalid", "validate", "validation", "empty", "bad", "wrong", "exist", "exists", "handle", "handles", "handling", "robust", "fail", "fails", "failure", "friendly"])
NEW_FUNCTION = re.compile(r"\b(?:add|write|create)\s+(?:a|another|a new|one more)\s+(?:function|helper|module)\b"
                          r"|\banother (?:function|helper|module)\b", re.I)


class KindOfFunction(Protocol):
    """What reading a prompt needs of a kind of function (codegen.Kind is one)."""

    def topic(self, prompt: str) -> Topic | None: ...


@dataclass(frozen=True)
class Topic:
    """The function (and module) a task is about, and the kind of function it is."""

    name: str  # a Python identifier: the module is <name>.py, the function <name>()
    kind: KindOfFunction  # what it does and how its code and tests are written
    data_path: str | None = None  # loaders: the file they read by default
    dataframe: bool = False  # the prompt asked for a pandas DataFrame


@dataclass(frozen=True)
class Feature:
    """A change a later turn asks for: "errors" (clear errors on bad input) or a "note"."""

    kind: str
    asked: str  # the prompt's first line


@dataclass(frozen=True)
class Words:
    """A first prompt's words, as the kinds read them: its first known verb, and its nouns."""

    all: list[str]
    verb: str | None
    nouns: list[str]

    @classmethod
    def of(cls, text: str) -> Words:
        found = words(text)
        verb = next((v for w in found if (v := stem(w))), None)
        return cls(found, verb, [w for w in found if w not in STOP and not stem(w) and len(w) > 2])


def words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9]*", text.lower())


def stem(word: str) -> str | None:
    """The verb a word is a form of (loads, loading, loaded, loader -> load), if it is a known verb."""
    for cut, add in (("", ""), ("s", ""), ("es", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
                     ("d", ""), ("er", ""), ("er", "e"), ("r", "")):
        if word.endswith(cut) and (base := word[:len(word) - len(cut)] + add) in VERBS:
            return base
    return None


def derive(prompt: str, kinds: Sequence[KindOfFunction]) -> Topic:
    """The topic of a first prompt: that of the first kind that recognises it (the last one always does)."""
    for kind in kinds:
        topic = kind.topic(prompt)
        if topic is not None:
            return topic
    raise ValueError(f"no kind of function fits {prompt!r}")


def feature(prompt: str) -> Feature:
    """What a follow-up prompt asks to change."""
    asked = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    return Feature("errors" if ERROR_WORDS & set(words(prompt)) else "note", asked)


def starts_new_function(prompt: str) -> bool:
    """A follow-up that asks for another function rather than a change to the last one."""
    return bool(NEW_FUNCTION.search(prompt))


@dataclass(frozen=True)
class Work:
    """A task's topic and the features its turns asked for: `done` before this turn, `now` after it."""

    topic: Topic
    done: tuple[Feature, ...]
    now: tuple[Feature, ...]

    @property
    def is_new(self) -> bool:
        """This turn writes the module from scratch."""
        return not self.now


def plan(prompts: list[str], kinds: Sequence[KindOfFunction]) -> Work:
    """The work of a task's latest turn, from its prompts on this thread, oldest first."""
    topic = derive(prompts[0], kinds)
    done: tuple[Feature, ...] = ()
    now: tuple[Feature, ...] = ()
    for prompt in prompts[1:]:
        if starts_new_function(prompt):
            topic, done, now = derive(prompt, kinds), (), ()
        else:
            wanted = feature(prompt)
            if wanted.kind == "errors" and any(f.kind == "errors" for f in now):
                wanted = Feature("note", wanted.asked)  # already done: the change is a note
            done, now = now, (*now, wanted)
    return Work(topic, done, now)
