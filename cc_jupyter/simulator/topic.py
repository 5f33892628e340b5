"""What a prompt asks for: a Topic (the function to write) and, on later turns, a Feature to add.

"Add a function that loads data/sales.csv into a DataFrame" -> Topic("load_sales", kind="load",
data_path="data/sales.csv"); "Now make it raise a clear error when the file is missing" on a
later turn -> Feature("errors"). Word lists, not language understanding: deterministic and good
enough for a believable story.
"""
from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass

DATA_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.(csv|tsv|json|txt))\b", re.I)
LOAD_VERBS = {"load", "read", "parse", "import", "ingest", "open", "fetch"}
VERBS = LOAD_VERBS | {
    "compute", "calculate", "count", "validate", "format", "convert", "clean", "normalize", "normalise",
    "sort", "filter", "merge", "summarize", "summarise", "plot", "export", "save", "split", "group",
    "aggregate", "score", "rank", "detect", "extract", "render", "greet", "check", "download", "transform",
}
AGGREGATES = {"mean": "mean", "average": "mean", "avg": "mean", "median": "median", "sum": "sum",
              "total": "sum", "count": "count", "max": "max", "maximum": "max", "largest": "max",
              "highest": "max", "min": "min", "minimum": "min", "smallest": "min", "lowest": "min"}
FORMATS = {"csv", "tsv", "json", "txt"}
STOP = set(["a", "an", "the", "that", "this", "these", "those", "it", "its", "into", "in", "on", "of", "for", "to", "from", "with", "without", "and", "or", "by", "as", "at", "be", "is", "are", "was", "were", "so", "then", "now", "also", "please", "can", "could", "you", "we", "i", "me", "my", "our", "your", "there", "some", "any", "all", "each", "every", "new", "clear", "one", "two", "when", "which", "who", "what", "how", "if", "not", "no", "only", "just", "more", "less", "very", "sure", "make", "makes", "made", "add", "adds", "create", "creates", "write", "writes", "implement", "build", "fix", "update", "refactor", "improve", "change", "use", "using", "do", "does", "let", "should", "would", "will", "function", "functions", "method", "class", "module", "helper", "code", "file", "files", "test", "tests", "testing", "unit", "pass", "passes", "passing", "failing", "fail", "readme", "docstring", "dataframe", "dataframes", "pandas", "data", "returns", "return", "given", "take", "takes", "list", "lists", "values", "number", "numbers", "something", "thing", "things", "like", "way", "same"])
ERROR_WORDS = set(["error", "errors", "raise", "raises", "raising", "exception", "exceptions", "missing", "invalid", "validate", "validation", "empty", "bad", "wrong", "exist", "exists", "handle", "handles", "handling", "robust", "fail", "fails", "failure", "friendly"])
NEW_FUNCTION = re.compile(r"\b(?:add|write|create)\s+(?:a|another|a new|one more)\s+(?:function|helper|module)\b"
                          r"|\banother (?:function|helper|module)\b", re.I)
FALLBACK = "tidy_text"


@dataclass(frozen=True)
class Topic:
    """The function (and module) a task is about."""

    name: str  # a Python identifier: the module is <name>.py, the function <name>()
    kind: str  # "load" (read a file), "aggregate" (reduce numbers) or "text" (tidy a string)
    phrase: str  # the words it came from, for the narration
    data_path: str | None = None  # loaders: the file they read by default
    operation: str | None = None  # aggregates: mean | median | sum | count | max | min
    dataframe: bool = False  # the prompt asked for a pandas DataFrame


@dataclass(frozen=True)
class Feature:
    """A change a later turn asks for: "errors" (clear errors on bad input) or a "note"."""

    kind: str
    asked: str  # the prompt's first line


def words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9]*", text.lower())


def stem(word: str) -> str | None:
    """The verb a word is a form of (loads, loading, loaded, loader -> load), if it is a known verb."""
    for cut, add in (("", ""), ("s", ""), ("es", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
                     ("d", ""), ("er", ""), ("er", "e"), ("r", "")):
        if word.endswith(cut) and (base := word[:len(word) - len(cut)] + add) in VERBS:
            return base
    return None


def derive(prompt: str) -> Topic:
    """The topic of a first prompt."""
    found = DATA_PATH.search(prompt)
    data_path = found.group(1) if found else None
    all_words = words(DATA_PATH.sub(" ", prompt))
    verb = next((v for w in all_words if (v := stem(w))), None)
    operation = next((AGGREGATES[w] for w in all_words if w in AGGREGATES), None)
    nouns = [w for w in all_words if w not in STOP and not stem(w) and len(w) > 2]
    dataframe = "dataframe" in all_words
    if data_path or verb in LOAD_VERBS:
        return _loader(verb if verb in LOAD_VERBS else "load", data_path, nouns, dataframe)
    if operation:
        start = next(i for i, w in enumerate(all_words) if w in AGGREGATES)
        picked = [all_words[start]] + [w for w in all_words[start + 1:] if w in nouns][:2]
        if len(picked) == 1:
            picked.insert(0, verb or "compute")
        return Topic("_".join(picked), "aggregate", " ".join(picked), operation=operation, dataframe=dataframe)
    picked = ([verb] if verb else []) + [w for w in nouns if w not in FORMATS][:2]
    name = "_".join(picked) if picked else FALLBACK
    if keyword.iskeyword(name) or hasattr(builtins, name):
        name += "_text"
    return Topic(name, "text", " ".join(picked) or "text", dataframe=dataframe)


def _loader(verb: str, data_path: str | None, nouns: list[str], dataframe: bool) -> Topic:
    fmt = next((w for w in nouns if w in FORMATS), "csv")
    if data_path:
        subject = "_".join(words(data_path.rsplit("/", 1)[-1].rsplit(".", 1)[0])[:2]) or "data"
    else:
        noun = next((w for w in nouns if w not in FORMATS), None)
        subject, data_path = noun or fmt, f"data/{noun or 'input'}.{fmt}"
    return Topic(f"{verb}_{subject}", "load", f"{verb} {data_path}", data_path=data_path, dataframe=dataframe)


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


def plan(prompts: list[str]) -> Work:
    """The work of a task's latest turn, from its prompts on this thread, oldest first."""
    topic = derive(prompts[0])
    done: tuple[Feature, ...] = ()
    now: tuple[Feature, ...] = ()
    for prompt in prompts[1:]:
        if starts_new_function(prompt):
            topic, done, now = derive(prompt), (), ()
        else:
            wanted = feature(prompt)
            if wanted.kind == "errors" and any(f.kind == "errors" for f in now):
                wanted = Feature("note", wanted.asked)  # already done: the change is a note
            done, now = now, (*now, wanted)
    return Work(topic, done, now)
