"""Masking of secrets: known values and GitHub token shapes never reach storage or display."""

from __future__ import annotations

import re
from typing import Any, Iterable

# Classic tokens are prefix + 36 chars; fine-grained ones are github_pat_ + 82 chars.
_TOKEN_SHAPES = r"(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})"
_URL_CREDENTIALS = r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"
MASK = "****"


def mask_hint(secret: str | None) -> str:
    """A safe hint of a secret for status displays: its last 4 characters only."""
    if not secret:
        return "(not set)"
    return "…" + secret[-4:] if len(secret) >= 12 else "…" + "*" * 4


class SecretMasker:
    """Replaces known secret values, GitHub token shapes and URL credentials with ``****``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        values = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        parts = [re.escape(v) for v in values] + [_TOKEN_SHAPES, _URL_CREDENTIALS]
        self._pattern = re.compile("|".join(parts))
        self._values = tuple(values)
        # Every pattern needs one of these substrings: a cheap test that skips most text.
        self._markers = tuple(values) + ("gh", "github_pat_", "://")

    def text(self, value: str) -> str:
        """Mask one string."""
        for marker in self._markers:
            if marker in value:
                return self._pattern.sub(MASK, value)
        return value

    def deep(self, value: Any) -> Any:
        """Mask every string inside JSON-like data (dicts, lists), returning new containers."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value

    def __repr__(self) -> str:
        return f"SecretMasker({len(self._values)} secret values)"
