"""Expanding ``{fields}`` of a prompt with values from the user's namespace (opt-in).

The rule: ``{field}`` is replaced only when ``field`` is a ``str.format`` field name (a name,
then ``.attr`` and ``[key]`` parts, then an optional ``!r``/``!s``) whose first name is in
the namespace or is ``In``, ``Out`` or ``Err``. ``{{field}}`` around such a field writes
``{field}`` as text. Every other character is kept byte for byte: code, JSON, ``{}``,
``}}``, ``{x for x in y}``, ``{value:>10}``, ``${HOME}``, unknown names.

A field whose first name is no variable (``{dff}`` when the variable is ``df``) is left as
written too, but named: :attr:`Expansion.unknown` holds the first few, each with the nearest
user variable (:meth:`Expansion.notice` says it, ``--dry-run``'s report too). Only text that
reads as a field is named, not ``{}``, ``{x for x in y}``, ``{value:>10}``, ``${X}`` or
``{{x}}``; suggestions are looked for among a bounded number of the namespace's names.

Nothing is called beyond attribute and item access (properties run: ``df.shape`` is one);
attributes starting with ``_`` are refused. A failed lookup, or a value holding a secret in
any disguise :func:`~cc_jupyter.disguise.reveals_secret` reads through (a list of characters,
base64, halves split by a newline, …), refuses the whole prompt with a
:class:`InterpolationError` (a ``UsageError``) naming the field. The scanner is linear in the
template's length; values are never expanded again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from ..disguise import reveals_secret
from ..secrets import SecretMasker
from ..settings import INTERPOLATE_LIMIT
from ..text import clip, strip_escapes
from .errors_log import ErrorLog, RecordedError
from .nearest import NearestVariable

SPECIAL_NAMES = ("In", "Out", "Err")

_NAME = r"[^\W\d]\w*"
# After an opening brace: name, .attr / [key] parts, optional !r / !s, closing brace.
# No part can contain a brace, so a failed match never scans past the next "{".
_FIELD = re.compile(rf"({_NAME})((?:\.{_NAME}|\[[^\[\]{{}}\n]+\])*)(?:!([rs]))?\}}")
_PART = re.compile(rf"\.({_NAME})|\[([^\]]+)\]")
_DATAFRAME_HEAD = 5
_DTYPES_SHOWN = 30
UNKNOWN_NAMED = 10  # placeholders naming no variable that are named; the others are counted
_FIELD_SHOWN = 60  # characters of such a field, and of its name, shown in a notice
_NAME_SHOWN = 40


class InterpolationError(UsageError):
    """A field could not be expanded; nothing was sent. ``field`` is the braces' text."""

    def __init__(self, field: str | None, reason: str, *, escapable: bool = True) -> None:
        self.field = field
        if field is None:
            message = f"The prompt: {reason} — nothing was sent."
        else:
            message = f"{{{field}}} in the prompt: {reason} — nothing was sent"
            message += f" (write {{{{{field}}}}} to send it as written)." if escapable else "."
        super().__init__(message)

    def _render_traceback_(self) -> list[str]:
        # IPython shows only its own UsageError class without a traceback: say it the same way.
        return [f"\x1b[31mUsageError\x1b[0m: {self}"]


@dataclass(frozen=True)
class Substitution:
    """One expanded field: what was written, what kind of value, how many characters."""

    field: str  # the text between the braces, e.g. "df" or "Err[3]" or "x!r"
    kind: str  # "str", "DataFrame", "Series", "ndarray", "error", "repr(list)", "str(int)"…
    chars: int  # characters of the value's text
    sent: int  # characters of it put into the prompt (less than ``chars`` when clipped)

    @property
    def clipped(self) -> bool:
        return self.sent < self.chars


@dataclass(frozen=True)
class Unknown:
    """A field left as written because its first name is no variable (a typo, most likely)."""

    field: str  # the text between the braces, e.g. "dff" or "dff.shape"
    name: str  # its first name, "dff"
    suggestion: str | None = None  # the nearest variable's name ("df"), or None

    def sentence(self) -> str:
        """``left as written: {dff} — no variable dff; did you mean df?``: clipped, no escapes."""
        field, name = _shown(self.field, _FIELD_SHOWN), _shown(self.name, _NAME_SHOWN)
        sentence = f"left as written: {{{field}}} — no variable {name}"
        return f"{sentence}; did you mean {_shown(self.suggestion, _NAME_SHOWN)}?" if self.suggestion else sentence + "."


@dataclass(frozen=True)
class Expansion:
    """The prompt after expansion, what was substituted (for ``--dry-run``), and what was not."""

    text: str
    substitutions: tuple[Substitution, ...] = ()
    escapes: tuple[str, ...] = ()  # fields written as text with {{field}}
    unknown: tuple[Unknown, ...] = ()  # the first UNKNOWN_NAMED distinct fields naming no variable
    more_unknown: int = 0  # how many other distinct such fields there were

    def notice_lines(self) -> tuple[str, ...]:
        """One sentence per field left as written because it names no variable; () when none."""
        lines = tuple(unknown.sentence() for unknown in self.unknown)
        if self.more_unknown:
            n = self.more_unknown
            lines += (f"and {n:,} more {_plural(n, 'placeholder')} left as written (no such {_plural(n, 'variable')}).",)
        return lines

    def notice(self) -> str:
        """:meth:`notice_lines` as one text, a line each; "" when every field named a variable."""
        return "\n".join(self.notice_lines())

    def report(self) -> str:
        """What ``--dry-run`` shows: a line per substitution, per escaped field, per unknown field."""
        return render_report(self.substitutions, self.escapes) + "".join(f"\n  {line}" for line in self.notice_lines())


def interpolate(
    template: str,
    namespace: Mapping[str, object],
    *,
    errors: ErrorLog | None = None,
    limit: int | None = INTERPOLATE_LIMIT,
    masker: SecretMasker | None = None,
) -> Expansion:
    """Expand the fields of ``template`` from ``namespace`` (``In``/``Out`` from it, ``Err`` from ``errors``).

    Each value is clipped to ``limit`` characters (None or 0: no limit). Raises
    :class:`InterpolationError` when a known field cannot be looked up or rendered, or when a
    value holds a secret ``masker`` knows (or a token shape), however disguised: then nothing
    may be sent.
    """
    masker = masker or SecretMasker()

    def known(name: str) -> bool:
        return name in SPECIAL_NAMES or name in namespace

    out: list[str] = []
    substitutions: list[Substitution] = []
    escapes: list[str] = []
    unknown: dict[str, str] = {}  # field -> its first name, the first UNKNOWN_NAMED of them
    unknown_seen: set[str] = set()  # every distinct one (their total length is at most the template's)
    rendered: dict[str, tuple[str, Substitution]] = {}  # a field written twice is looked up once
    size = len(template)
    pos = 0  # start of the text not yet copied to ``out``
    i = template.find("{")
    while i != -1:
        if i and template[i - 1] == "$":  # ${HOME}, ${{ github.ref }}: shell and JS syntax
            while i < size and template[i] == "{":
                i += 1
            i = template.find("{", i)
            continue
        if template.startswith("{{", i):
            match = _FIELD.match(template, i + 2)
            if match and template.startswith("}", match.end()) and known(match.group(1)):
                field = template[i + 2 : match.end() - 1]
                out.append(template[pos:i])
                out.append("{" + field + "}")
                escapes.append(field)
                pos = match.end() + 1
                i = template.find("{", pos)
            else:  # a "{{" that escapes no field is text, and its second brace opens none
                i = template.find("{", i + 2)
            continue
        match = _FIELD.match(template, i + 1)
        if match is None:
            i = template.find("{", i + 1)
            continue
        if not known(match.group(1)):  # left as written, and named; a field holds no "{"
            field = template[i + 1 : match.end() - 1]
            if field not in unknown_seen:
                unknown_seen.add(field)
                if len(unknown) < UNKNOWN_NAMED:
                    unknown[field] = match.group(1)
            i = template.find("{", match.end())
            continue
        field = template[i + 1 : match.end() - 1]
        if field not in rendered:
            try:
                rendered[field] = _substitute(field, match, namespace, errors, limit, masker)
            except InterpolationError as exc:
                if reveals_secret(masker, str(exc)):  # a lookup error whose message quotes a secret
                    reason = "it could not be read (the reason is withheld: it holds a secret)"
                    raise InterpolationError(field, reason) from None
                raise
        text, substitution = rendered[field]
        out.append(template[pos:i])
        out.append(text)
        substitutions.append(substitution)
        pos = match.end()
        i = template.find("{", pos)
    named = _unknown(unknown, namespace)
    more = len(unknown_seen) - len(named)
    if not substitutions and not escapes:
        return Expansion(template, unknown=named, more_unknown=more)
    out.append(template[pos:])
    result = "".join(out)
    values = "".join(text for text, _ in rendered.values())
    if substitutions and (masker.contains_secret(result) or reveals_secret(masker, values)):  # halves, one secret
        raise InterpolationError(None, "after expansion it contains a secret (a key or a token-shaped string)")
    return Expansion(result, tuple(substitutions), tuple(escapes), named, more)


def render_report(substitutions: Iterable[Substitution], escapes: Iterable[str] = ()) -> str:
    """One line per substitution (and per escaped field), for ``--dry-run``."""
    lines = []
    for s in substitutions:
        size = f"{s.chars:,} {_plural(s.chars, 'character')}"
        if s.clipped:
            size += f", clipped to {s.sent:,} ({s.chars - s.sent:,} not sent)"
        lines.append(f"  {{{s.field}}} → {s.kind}, {size}")
    lines += [f"  {{{{{field}}}}} → written as {{{field}}}" for field in escapes]
    if not lines:
        return "interpolation: no fields to expand; the prompt is sent as written"
    count = sum(1 for line in lines if "→ written as" not in line)
    return f"interpolation: {count} field{'s' if count != 1 else ''} expanded\n" + "\n".join(lines)


# ----- fields naming no variable -----
def _unknown(fields: Mapping[str, str], namespace: Mapping[str, object]) -> tuple[Unknown, ...]:
    """Each field with the variable its name most likely meant (looked for only when there are some)."""
    if not fields:
        return ()
    suggest = NearestVariable(namespace, also=SPECIAL_NAMES)
    return tuple(Unknown(field, name, suggest(name)) for field, name in fields.items())


def _shown(text: str, limit: int) -> str:
    return clip(strip_escapes(text), limit)


# ----- one field -----
def _substitute(
    field: str,
    match: re.Match[str],
    namespace: Mapping[str, object],
    errors: ErrorLog | None,
    limit: int | None,
    masker: SecretMasker,
) -> tuple[str, Substitution]:
    name, parts_text, conversion = match.group(1), match.group(2), match.group(3)
    parts = [(attr, key) for attr, key in _PART.findall(parts_text)]
    for attr, _ in parts:
        if attr.startswith("_"):
            raise InterpolationError(field, f'attributes starting with "_" (.{attr}) are never expanded')
    value, parts, path = _root(field, name, parts, namespace, errors)
    value = _walk(field, value, parts, path)
    whole, kind = _render(field, value, conversion)
    text = whole
    chars = sent = len(whole)
    if limit and limit > 0 and chars > limit:
        sent = limit
        text = f"{whole[:limit]}… [clipped: {chars - limit:,} more characters]"
    # The whole value as it is (a secret past the clip is refused too); what is sent, in every disguise.
    if masker.contains_secret(whole) or reveals_secret(masker, text):
        raise InterpolationError(
            field,
            "it holds a secret (the API key, the GitHub token or a token-shaped string) and is never sent",
            escapable=False,
        )
    return text, Substitution(field=field, kind=kind, chars=chars, sent=sent)


def _root(
    field: str, name: str, parts: list[tuple[str, str]], namespace: Mapping[str, object], errors: ErrorLog | None
) -> tuple[object, list[tuple[str, str]], str]:
    """The value of the first name (for ``Err[n]``: of its index), the parts left, their path."""
    if name == "Err":
        if errors is None:
            reason = "errors are not recorded in this session (load the cc_jupyter extension)"
            raise InterpolationError(field, reason)
        if parts and parts[0][1]:
            cell = _key(parts[0][1])
            entry = errors.for_cell(cell) if isinstance(cell, int) else None
            if entry is None:
                recorded = _listing(errors.cells())
                raise InterpolationError(field, f"cell {cell} raised no recorded error (recorded: {recorded})")
            return entry, parts[1:], f"Err[{parts[0][1]}]"
        latest = errors.latest()
        if latest is None:
            raise InterpolationError(field, "no cell has raised an error yet")
        return latest, parts, name
    if name not in namespace:  # In or Out outside IPython
        raise InterpolationError(field, f"{name} (IPython's cell history) is not available here")
    try:
        return namespace[name], parts, name
    except Exception as exc:
        raise InterpolationError(field, f"{name} could not be read ({_describe(exc)})") from None


def _walk(field: str, value: Any, parts: list[tuple[str, str]], done: str) -> object:
    """Attribute and item access, as ``str.format`` does it: an all-digit key is an int."""
    for attr, key in parts:
        try:
            value = getattr(value, attr) if attr else value[_key(key)]
        except Exception as exc:
            raise InterpolationError(field, _lookup_failure(done, attr, key, value, exc)) from None
        done += f".{attr}" if attr else f"[{key}]"
    return value


def _key(key: str) -> int | str:
    return int(key) if key.isdigit() and key.isascii() else key


def _lookup_failure(done: str, attr: str, key: str, container: object, exc: Exception) -> str:
    if attr:
        return f"{done} has no attribute {attr!r} ({_describe(exc)})"
    if done == "In" and isinstance(_key(key), int):
        last = len(container) - 1 if hasattr(container, "__len__") else "?"
        return f"there is no cell {key} in In (the last is {last})"
    if done == "Out" and isinstance(_key(key), int):
        return f"cell {key} has no output in Out (cells with output: {_listing(_int_keys(container))})"
    return f"{done}[{key}] could not be read ({_describe(exc)})"


def _int_keys(container: Any) -> list[int]:
    try:
        return sorted(k for k in container if isinstance(k, int))
    except Exception:
        return []


def _listing(cells: list[int]) -> str:
    if not cells:
        return "none"
    shown = ", ".join(str(c) for c in cells[-10:])
    return shown if len(cells) <= 10 else f"…, {shown}"


def _describe(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# ----- values as text -----
def _render(field: str, value: Any, conversion: str | None) -> tuple[str, str]:
    """The text a reader gets for ``value``, and what kind of rendering it was."""
    try:
        if conversion == "r":
            return repr(value), f"repr({type(value).__name__})"
        if conversion == "s":
            return str(value), f"str({type(value).__name__})"
        if isinstance(value, str):
            return value, "str"
        if isinstance(value, RecordedError):
            return str(value), "error"
        kind = _library_kind(value)
        if kind in ("DataFrame", "Series"):
            try:
                return _pandas_summary(value, kind), kind
            except Exception:
                pass  # an odd frame: its repr below
        elif kind == "ndarray":
            return f"ndarray shape {tuple(value.shape)}, dtype {value.dtype}\n{value!r}", kind
        return repr(value), f"repr({type(value).__name__})"
    except Exception as exc:
        raise InterpolationError(field, f"its value could not be turned into text ({_describe(exc)})") from None


def _library_kind(value: object) -> str | None:
    """"DataFrame"/"Series" (pandas) or "ndarray" (numpy), found without importing either."""
    for cls in type(value).__mro__:
        package = getattr(cls, "__module__", "").partition(".")[0]
        if package == "pandas" and cls.__name__ in ("DataFrame", "Series"):
            return cls.__name__
        if package == "numpy" and cls.__name__ == "ndarray":
            return "ndarray"
    return None


def _pandas_summary(value: Any, kind: str) -> str:
    rows = len(value)
    head = value.head(_DATAFRAME_HEAD)
    if kind == "Series":
        name = f" {value.name!r}" if value.name is not None else ""
        title = f"Series{name} {rows:,} {_plural(rows, 'row')}, dtype {value.dtype}"
        return f"{title}\n{head.to_string()}"
    columns = len(value.columns)
    title = f"DataFrame {rows:,} {_plural(rows, 'row')} × {columns:,} {_plural(columns, 'column')}"
    dtypes = [f"{column} {dtype}" for column, dtype in list(value.dtypes.items())[:_DTYPES_SHOWN]]
    if columns > _DTYPES_SHOWN:
        dtypes.append(f"… {columns - _DTYPES_SHOWN:,} more")
    return f"{title}\ndtypes: {', '.join(dtypes)}\n{head.to_string(max_cols=20, max_colwidth=60)}"


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def say_notices(expansions: list[Expansion]) -> None:
    """The notices of ``expansions`` (fields left as written), each once, before the run."""
    for notice in dict.fromkeys(line for e in expansions for line in e.notice_lines()):
        print(f"cloudcode: {notice}")
