"""Scenario options: the `sim:` directive syntax, value checking, rules, and merging with defaults.

A rule chooses directives by what a prompt says, for prompts that must read like real ones:
`(r"slowly", "lines=200 interval=0.1")` gives a request whose prompt matches the regex
(re.search) those directives, after the defaults and before the prompt's own `sim:` lines.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DIRECTIVE_PREFIX = "sim:"
Parser = Callable[[Any], Any]


class DirectiveError(ValueError):
    """A directive the simulator cannot honour; reported to the client as a 422."""


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def number(kind: type, low: float = 0, high: float | None = None) -> Parser:
    def parse(raw: Any) -> Any:
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        value = kind(raw)
        if value < low or (high is not None and value > high):
            raise ValueError(f"expected {low}..{high}" if high is not None else f"expected >= {low}")
        return value

    return parse


@dataclass(frozen=True)
class Option:
    parse: Parser
    meaning: str  # one line, for --help


# name -> option; the order is the documentation order.
OPTIONS: dict[str, Option] = {
    "status": Option(number(int, 400, 599),
                     "answer with this HTTP status (400-599) and a FastAPI body; 429 adds Retry-After: 7"),
    "error": Option(boolean, "`error` event {error: AgentError, message} mid-run, then a normal close"),
    "pace": Option(number(float), "multiplier on built-in delays (0 = as fast as possible)"),
    "lines": Option(number(int), "N extra stdout lines per task"),
    "interval": Option(number(float), "SECONDS between those lines (default 0.3 x pace)"),
}


@dataclass(frozen=True)
class Scenario:
    """Every option for one request (defaults < rules < directives); an extension subclasses it."""

    status: int | None = None
    error: bool = False
    pace: float = 1.0
    lines: int = 0
    interval: float | None = None


class Directives:
    """The directives one simulator understands: checks names and values, reads `sim:` lines."""

    def __init__(self, options: Mapping[str, Option], scenario: type[Scenario] = Scenario) -> None:
        self.options, self.scenario = dict(options), scenario

    def check(self, key: str, raw: Any) -> tuple[str, Any]:
        """Normalise one option name and value, or raise DirectiveError."""
        name = key.strip().lower().replace("-", "_")
        if name not in self.options:
            raise DirectiveError(f"Unknown sim directive: {key}")
        try:
            return name, self.options[name].parse(raw)
        except (TypeError, ValueError) as exc:
            raise DirectiveError(f"Invalid sim directive value: {key}={raw} ({exc})") from None

    def check_all(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self.check(key, value) for key, value in options.items())

    def parse(self, text: str) -> dict[str, Any]:
        """`a=1 b` (a leading `sim:` allowed) -> {"a": 1, "b": True}, checked; raises DirectiveError."""
        text = text.strip().removeprefix(DIRECTIVE_PREFIX)
        found: dict[str, Any] = {}
        for token in text.split():
            key, sep, value = token.partition("=")
            name, parsed = self.check(key, value if sep else True)
            found[name] = parsed
        return found

    def split_prompt(self, prompt: str) -> tuple[str, dict[str, Any]]:
        """Remove directive lines from a prompt; return (clean prompt, directives)."""
        kept: list[str] = []
        found: dict[str, Any] = {}
        for line in prompt.splitlines():
            if line.strip().startswith(DIRECTIVE_PREFIX):
                found.update(self.parse(line))
            else:
                kept.append(line)
        return "\n".join(kept).strip(), found

    def merge(self, defaults: Mapping[str, Any], directives: Mapping[str, Any]) -> Scenario:
        return self.scenario(**{**defaults, **directives})


REPO_RULE = "repo:"  # a rule whose regex starts so matches the repository URL, not a prompt


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    directives: dict[str, Any]
    on_repo: bool = False


def compile_rules(rules: Iterable[Sequence[str]] | None, directives: Directives) -> tuple[Rule, ...]:
    """Check every (regex, "k=v k2") pair; raises ValueError naming the bad rule."""
    compiled = []
    for rule in rules or ():
        if isinstance(rule, str) or len(rule) != 2:
            raise ValueError(f"A rule is a (regex, directives) pair, not {rule!r}")
        regex, text = rule
        on_repo = isinstance(regex, str) and regex.startswith(REPO_RULE)
        try:
            pattern = re.compile(regex[len(REPO_RULE):] if on_repo else regex)
        except (re.error, TypeError) as exc:
            raise ValueError(f"Invalid rule regex {regex!r}: {exc}") from None
        try:
            compiled.append(Rule(pattern, directives.parse(str(text)), on_repo))
        except DirectiveError as exc:
            raise ValueError(f"Invalid rule {regex!r}: {exc}") from None
    return tuple(compiled)


def parse_cli_rule(text: str) -> tuple[str, str]:
    """`REGEX=k=v k2` -> ("REGEX", "k=v k2"): the first `=` ends the regex."""
    regex, sep, directives = text.partition("=")
    if not sep or not regex:
        raise ValueError(f"expected REGEX=DIRECTIVES, got {text!r}")
    return regex, directives


def matching(rules: Sequence[Rule], prompts: Iterable[str], repo: str = "") -> dict[str, Any]:
    """The directives of every rule some prompt (or, for a ``repo:`` rule, the repository URL)
    matches, later rules winning."""
    prompts = list(prompts)
    found: dict[str, Any] = {}
    for rule in rules:
        if rule.pattern.search(repo) if rule.on_repo else any(rule.pattern.search(prompt) for prompt in prompts):
            found.update(rule.directives)
    return found
