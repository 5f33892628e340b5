"""The one alias for arbitrary JSON."""

from __future__ import annotations

from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""A value decoded from JSON that a server, GitHub or a file in a shared folder wrote: any shape
at all. Check it (``isinstance``, the parsers' helpers) before use; never trust it as typed.

``Any`` rather than a recursive union: the readers already check with ``isinstance`` what they
use; a union would make every other access (``.get``, indexing, ``str()``) narrow first too."""
