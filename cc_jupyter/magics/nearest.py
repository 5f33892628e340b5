"""The variable a mistyped name most likely meant (``dff`` -> ``df``), found cheaply in a
namespace of any size."""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Mapping

_CANDIDATES = 1_000  # user variables (the most recently added) a suggestion is chosen from
_EXAMINED = 20_000  # the namespace's names (the most recently added) looked at to find them
_RATIOS = 1_000  # full comparisons made, at most, to find the suggestions of one prompt
_CUTOFF = 0.6  # the least similarity (difflib's ratio) of a suggestion
_SUGGESTED_LENGTH = 100  # no suggestion for longer names, nor among longer names
# In the namespace, but not what a user means by a variable.
_NOT_SUGGESTED = frozenset({"In", "Out", "get_ipython", "exit", "quit"})
_NOT_SUGGESTED_TYPES = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


class NearestVariable:
    """The nearest variable name: the same letters in another case, else the closest by difflib's
    ratio (at least 0.6; the most recently added name wins a tie).

    Candidates are the last ``_CANDIDATES`` user variables (among the last ``_EXAMINED`` names):
    not ``_private`` names, IPython's ``In``/``Out``/``get_ipython``/``exit``/``quit``, modules,
    functions, methods or classes (an object that can be called, a model say, is a variable). At most
    ``_RATIOS`` full comparisons are made in all (the quick bounds rule out most names first),
    so a namespace of many look-alike names costs a few milliseconds, not seconds."""

    def __init__(self, namespace: Mapping[str, object], *, also: Iterable[str] = ()) -> None:
        self.candidates = _candidates(namespace)
        self.by_case: dict[str, str] = {}
        for name in (*self.candidates, *also):  # {err} -> Err, {DF} -> df
            self.by_case.setdefault(name.casefold(), name)
        self.found: dict[str, str | None] = {}
        self.budget = _RATIOS

    def __call__(self, name: str) -> str | None:
        if len(name) > _SUGGESTED_LENGTH:
            return None
        if name not in self.found:
            self.found[name] = self.by_case.get(name.casefold()) or self._closest(name)
        return self.found[name]

    def _closest(self, name: str) -> str | None:
        matcher = difflib.SequenceMatcher(b=name, autojunk=False)
        best, best_score = None, _CUTOFF
        for candidate in self.candidates:
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
                continue
            if self.budget <= 0:
                break
            self.budget -= 1
            score = matcher.ratio()
            if score > best_score or (best is None and score >= best_score):
                best, best_score = candidate, score
        return best


def _candidates(namespace: Mapping[str, object]) -> list[str]:
    """The user variables a suggestion is chosen from, the most recently added first."""
    try:
        names = list(namespace)[-_EXAMINED:]
    except Exception:
        return []
    found: list[str] = []
    for name in reversed(names):
        if len(found) >= _CANDIDATES:
            break
        if not isinstance(name, str) or name.startswith("_") or name in _NOT_SUGGESTED:
            continue
        if len(name) > _SUGGESTED_LENGTH or not name.isidentifier():
            continue
        try:
            if isinstance(namespace[name], _NOT_SUGGESTED_TYPES):
                continue
        except Exception:
            continue
        found.append(name)
    return found
