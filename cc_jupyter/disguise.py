"""Whether text would carry a secret once read another way: the check for values put into a prompt.

A value can hold a key or token without showing it: as a list of characters (``['g', 'h', 'p',
…]``), a numpy character array, two halves with a newline between, a NUL or zero-width character
inside it written as ``\\x00`` by ``repr``, base64, or percent-encoding. :func:`reveals_secret`
reads the text each of those ways and asks the masker about every reading. It is meant for text
about to be *sent*, where a false refusal is better than a leak; it is not a masker (it says yes
or no, it does not find where).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote

from .secrets import TOKEN_SHAPE, SecretMasker

# What repr() writes for a character it does not show: \x00, \u200b, \U0001f600, \N{NAME}, \0, \n.
_REPR_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}\n]{1,80}\}|[0-7]{1,3}|[abfnrtv])")
# What separates the pieces of a container's repr, or the halves of a split value.
_SEPARATORS = re.compile(r"[\s'\"`,;\[\](){}\\]+")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_MAX_RUNS = 2_000  # base64-looking runs decoded per text (each costs its length)
_TOKEN_BYTES = re.compile(TOKEN_SHAPE.encode())


def reveals_secret(masker: SecretMasker, text: str) -> bool:
    """Whether ``text``, or any reading of it listed in the module docstring, holds a known
    secret, a GitHub token shape or URL credentials."""
    readings = [text, _REPR_ESCAPE.sub("", text)]
    if "%" in text:
        readings += [unquote(reading) for reading in readings]
    joined = [_SEPARATORS.sub("", reading) for reading in readings]
    if any(masker.contains_secret(reading) for reading in readings):
        return True
    # Separators removed: compare with the secrets read the same way (a key may hold a "-" or ",").
    squeezed = SecretMasker(_SEPARATORS.sub("", value) for value in masker.values)
    if any(squeezed.contains_secret(reading, credentials=False) for reading in joined):
        return True
    known = [value.encode("utf-8", "surrogatepass") for value in masker.values]
    return any(_holds(data, known) for reading in readings + joined for data in _base64_decoded(reading))


def _holds(data: bytes, known: list[bytes]) -> bool:
    """Whether decoded bytes hold a known secret or a token shape (no escapes to see through)."""
    return any(value in data for value in known) or _TOKEN_BYTES.search(data) is not None


def _base64_decoded(text: str) -> list[bytes]:
    """Every base64-looking run in ``text``, decoded at each possible alignment."""
    out: list[bytes] = []
    for count, match in enumerate(_BASE64_RUN.finditer(text)):
        if count >= _MAX_RUNS:
            break
        run = match.group(0).rstrip("=")
        for offset in range(4):
            piece = run[offset:]
            piece = piece[: len(piece) - len(piece) % 4] if len(piece) % 4 == 1 else piece
            padded = piece + "=" * (-len(piece) % 4)
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    out.append(decode(padded))
                except (binascii.Error, ValueError):
                    continue
    return out
