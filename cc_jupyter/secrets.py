"""Secrets: where they come from, how they are checked, and masking them in all that is kept.

The masker finds known secret values, GitHub token shapes and URL credentials both in the raw
text and in the text a view would show (escape sequences, control and invisible characters
removed), so a token coloured by ``grep --color`` or split by a NUL is still found. A pickled
masker forgets the known values: no secret leaves kernel memory through ``pickle``.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from .errors import InvalidRequestError
from .json_types import JSON
from .repos import CREDENTIALS_IN_TEXT, CREDENTIALS_STARTING, LONGEST_CREDENTIALS
from .text import ESCAPE, INVISIBLE

MASK = "****"
MIN_SECRET_LENGTH = 6  # shorter known values are not masked: they would hide ordinary words
MIN_ENCODED_LENGTH = 8  # an encoded form shorter than this is not masked (it would hide ordinary text)

# Classic tokens are prefix + 36 characters, fine-grained ones github_pat_ + 82. The classic
# body never runs into the next token's prefix, so two tokens side by side are both masked.
TOKEN_SHAPE = r"gh[pousr]_(?:(?!gh[pousr]_)[A-Za-z0-9]){20,255}|github_pat_[A-Za-z0-9_]{20,255}"
_SHAPES = re.compile(rf"(?P<token>{TOKEN_SHAPE})|{CREDENTIALS_IN_TEXT}")
_KIND = {"token": "token", "credentials": "credentials", "user": "credentials"}
_LONGEST_SHAPE = LONGEST_CREDENTIALS
# The start of a token or of URL credentials at the very end of a text that is still arriving.
_TRAILING = re.compile(
    r"(?P<token>\bgh(?:[pousr](?:_[A-Za-z0-9]*)?)?|\bgithub_(?:p(?:a(?:t(?:_[A-Za-z0-9_]*)?)?)?)?)\Z"
    rf"|{CREDENTIALS_STARTING}"
)
_NOISE = re.compile(f"{ESCAPE.pattern}|\\r|[{INVISIBLE}]")
_NOISE_CHARACTER = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{INVISIBLE}]")
_COLOUR = re.compile(r"\x1b\[[0-9;:]*m")


def mask_hint(secret: str | None) -> str:
    """A safe hint of a secret for status displays: its last 4 characters only."""
    if not secret:
        return "(not set)"
    return "…" + secret[-4:] if len(secret) >= 12 else "…" + "*" * 4


def clean_secret(value: str | None, name: str) -> str | None:
    """A secret as read from a file, the environment or a prompt: surrounding whitespace
    (a newline, a CRLF) removed. Anything else that cannot go into an HTTP header is refused
    with a sentence that never quotes the value."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise InvalidRequestError(
            f"The {name} contains spaces, control or non-ASCII characters, so it cannot be sent: "
            "copy it again from where it was issued."
        )
    return value


def encoded_forms(secret: str) -> set[str]:
    """What ``secret`` looks like base64-encoded (standard and URL-safe alphabets, at each of the
    three alignments it can have inside a longer encoded text) and percent-encoded.

    A base64 form keeps only the characters the secret alone decides: those mixed with the
    bytes before or after it are left out, so the form is found wherever the secret was encoded."""
    forms: set[str] = set()
    raw = secret.encode("utf-8", "surrogatepass")
    for shift in range(3):
        start = (8 * shift + 5) // 6  # characters holding bits of the bytes before
        end = 8 * (shift + len(raw)) // 6  # characters wholly decided by now
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(b"\0" * shift + raw).decode("ascii")[start:end])
    percent = quote(secret, safe="")
    forms.update({percent, percent.lower(), quote_plus(secret, safe="")})
    return {form for form in forms if len(form) >= MIN_ENCODED_LENGTH and form != secret}


class SecretMasker:
    """Replaces known secret values (also base64- and percent-encoded), GitHub token shapes and
    URL credentials with ``****``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        known = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        known.update(*(encoded_forms(s) for s in list(known)))
        values = sorted(known, key=len, reverse=True)
        self._values = tuple(values)
        self._known = re.compile("|".join(map(re.escape, values))) if values else None
        # The most visible characters one match can span: what a stream must hold back.
        self.window = max([_LONGEST_SHAPE, *map(len, values)])

    def __reduce__(self) -> tuple[type[SecretMasker], tuple[()]]:
        return (SecretMasker, ())  # a pickled masker never carries the secret values

    def __repr__(self) -> str:
        return f"SecretMasker({len(self._values)} secret values)"

    @property
    def values(self) -> tuple[str, ...]:
        """The known values it masks, their encoded forms included (kernel memory only)."""
        return self._values

    # ----- masking -----
    def text(self, value: str) -> str:
        """``value`` with every secret it contains, or would show once cleaned, masked. A line
        holding a JSON object is also read as JSON: a secret spelled with ``\\u`` escapes is
        masked there too (the line is then written anew)."""
        spans = self._spans(value)
        masked = _replace(value, spans, len(value)) if spans else value
        if "\\u" in masked and "{" in masked:
            masked = self._json_lines(masked)
        return masked

    def release(self, value: str) -> tuple[str, str]:
        """For a stream: ``(masked head, raw rest)`` where the head is the longest prefix that no
        text arriving later can change the masking of. The rest is held back."""
        visible, segments = _project(value)
        cut = len(visible) - self.window
        if cut <= 0:
            return "", value
        spans = self._spans(value, visible, segments)
        position = _raw_end(segments, cut - 1)
        moved = True
        while moved:  # never cut inside a match: move the cut back to its start
            moved = False
            for start, end in spans:
                if start < position < end:
                    position, moved = start, True
        return _replace(value, [s for s in spans if s[1] <= position], position), value[position:]

    def unfinished(self, value: str) -> str:
        """Mask ``value``, the start of a line still arriving: a secret it ends with may be cut
        short of its full shape, so a trailing start of a token, of URL credentials or of a
        known secret (4 characters or more) is masked too."""
        visible, segments = _project(value)
        spans = self._spans(value, visible, segments)
        start = self._trailing_start(visible)
        if start is not None:
            spans.append((_raw_start(segments, start), len(value)))
        return _replace(value, spans, len(value)) if spans else value

    def _trailing_start(self, visible: str) -> int | None:
        """Where a possible secret that ``visible`` ends with starts, if any."""
        match = _TRAILING.search(visible)
        if match:
            return match.start(match.lastgroup or 0)
        for secret in self._values:
            for size in range(min(len(secret) - 1, len(visible)), 3, -1):
                if visible.endswith(secret[:size]):
                    return len(visible) - size
        return None

    def deep(self, value: JSON, depth: int = 0) -> JSON:
        """Mask every string (dict keys too) inside JSON-like data, returning new containers."""
        if isinstance(value, str):
            return self.text(value)
        if depth > 64:
            return "… (nested too deep)"
        if isinstance(value, dict):
            return {
                (self.text(k) if isinstance(k, str) else k): self.deep(v, depth + 1) for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.deep(v, depth + 1) for v in value]
        return value

    def contains_secret(self, value: str, *, credentials: bool = True) -> bool:
        """Whether ``value`` holds a known secret, a token shape or (unless ``credentials`` is
        False) URL credentials, also once cleaned of escapes."""
        kinds = ("known", "token", "credentials") if credentials else ("known", "token")
        return bool(self._spans(value, kinds=kinds))

    # ----- internals -----
    def _json_lines(self, text: str) -> str:
        lines = text.split("\n")
        changed = False
        for index, line in enumerate(lines):
            stripped = line.strip()
            if not (stripped.startswith("{") and "\\u" in stripped):
                continue
            try:
                record = json.loads(stripped)
            except (ValueError, RecursionError):
                continue
            masked = self.deep(record)
            if masked != record:
                lines[index] = json.dumps(masked, ensure_ascii=False, separators=(",", ":"))
                changed = True
        return "\n".join(lines) if changed else text

    def _find(self, text: str, kinds: tuple[str, ...]) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        if self._known is not None and "known" in kinds:
            for secret in self._values:
                if secret in text:
                    spans.extend(m.span() for m in self._known.finditer(text))
                    break
        if "gh" in text or "://" in text or "github_pat_" in text:
            spans.extend(m.span(m.lastgroup or 0) for m in _SHAPES.finditer(text) if _KIND[m.lastgroup or ""] in kinds)
        return spans

    def _spans(
        self,
        text: str,
        visible: str | None = None,
        segments: list[tuple[int, int]] | None = None,
        kinds: tuple[str, ...] = ("known", "token", "credentials"),
    ) -> list[tuple[int, int]]:
        """Raw ranges to mask: matches in the raw text and in its visible projection."""
        spans = self._find(text, kinds)
        if visible is None and _NOISE_CHARACTER.search(text):
            visible, segments = _project(text)
        if visible is not None and segments is not None and len(visible) != len(text):
            for start, end in self._find(visible, kinds):
                spans.append((_raw_start(segments, start), _raw_end(segments, end - 1)))
        return sorted(spans)


def _project(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text a view would show, and its segments ``(visible start, raw start)``."""
    pieces: list[str] = []
    segments: list[tuple[int, int]] = []
    visible = raw = 0
    for match in _NOISE.finditer(text):
        start = match.start()
        if start > raw:
            pieces.append(text[raw:start])
            segments.append((visible, raw))
            visible += start - raw
        raw = match.end()
    if raw < len(text) or not segments:
        pieces.append(text[raw:])
        segments.append((visible, raw))
    return "".join(pieces), segments


def _raw_start(segments: list[tuple[int, int]], visible: int) -> int:
    index = bisect.bisect_right(segments, (visible, float("inf"))) - 1
    segment_visible, segment_raw = segments[index]
    return segment_raw + visible - segment_visible


def _raw_end(segments: list[tuple[int, int]], last_visible: int) -> int:
    """The raw index just after the visible character ``last_visible``."""
    return _raw_start(segments, last_visible) + 1


def _replace(text: str, spans: list[tuple[int, int]], end: int) -> str:
    """``text[:end]`` with each span replaced by the mask (colour changes inside it are kept)."""
    out: list[str] = []
    position = 0
    for start, stop in sorted(spans):
        if stop <= position:
            continue
        if start >= position:  # a new masked range; an overlapping one only extends the last
            out.append(text[position:start])
            out.append(MASK)
        out.extend(_COLOUR.findall(text, max(start, position), stop))
        position = stop
    out.append(text[position:end])
    return "".join(out)
