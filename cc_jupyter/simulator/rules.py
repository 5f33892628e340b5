"""Rules: directives chosen by what a prompt says, for prompts that must read like real ones.

`(r"DataFrame", "hold=df commits=2")`: a request whose prompt matches the regex (re.search) gets
those directives, after the defaults and before the prompt's own `sim:` lines.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .scenario import DirectiveError, Directives


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    directives: dict[str, Any]


def compile_rules(rules: Iterable[Sequence[str]] | None, directives: Directives) -> tuple[Rule, ...]:
    """Check every (regex, "k=v k2") pair; raises ValueError naming the bad rule."""
    compiled = []
    for rule in rules or ():
        if isinstance(rule, str) or len(rule) != 2:
            raise ValueError(f"A rule is a (regex, directives) pair, not {rule!r}")
        regex, text = rule
        try:
            pattern = re.compile(regex)
        except (re.error, TypeError) as exc:
            raise ValueError(f"Invalid rule regex {regex!r}: {exc}") from None
        try:
            compiled.append(Rule(pattern, directives.parse(str(text))))
        except DirectiveError as exc:
            raise ValueError(f"Invalid rule {regex!r}: {exc}") from None
    return tuple(compiled)


def parse_cli_rule(text: str) -> tuple[str, str]:
    """`REGEX=k=v k2` -> ("REGEX", "k=v k2"): the first `=` ends the regex."""
    regex, sep, directives = text.partition("=")
    if not sep or not regex:
        raise ValueError(f"expected REGEX=DIRECTIVES, got {text!r}")
    return regex, directives


def matching(rules: Sequence[Rule], prompts: Iterable[str]) -> dict[str, Any]:
    """The directives of every rule some prompt matches, later rules winning."""
    prompts = list(prompts)
    found: dict[str, Any] = {}
    for rule in rules:
        if any(rule.pattern.search(prompt) for prompt in prompts):
            found.update(rule.directives)
    return found
