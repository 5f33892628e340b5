"""Remote text made fit to show: the escape grammar (defined once), cleaning and clipping.

Views remove escape tokens before showing text; the masker treats them as noise a secret may be
split by. Both read the same grammar, so what a view removes can never reveal a secret the
masker did not see. No token crosses a newline: a line can be read on its own.
"""

from __future__ import annotations

import re

# One token per escape sequence or stray control character (tab and newline are text).
ESCAPE = re.compile(
    r"\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\|(?=\n)|\Z)"  # OSC (titles, hyperlinks, clipboard), BEL or ST ends it
    r"|\x1b[PX^_][^\x1b\n]*(?:\x1b\\|(?=\n)|\Z)"  # DCS, SOS, PM, APC strings
    r"|\x1b\[([0-?]*)[ -/]*([@-~]|\Z)"  # CSI: SGR when the final byte is "m"; a cut one at the very end
    r"|\x1b[ -/]*[0-~]?"  # two-byte escapes, charset designations, a lone ESC
    r"|[\x00-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]"  # other C0/C1 controls (CR is handled apart)
)

# Characters that do not show but change what is shown: soft hyphen, zero-width and bidi controls.
INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")

# Anything a view would remove or rewrite: escapes, controls, CR, invisible characters.
NEEDS_CLEANING = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{INVISIBLE}]")


def collapse_cr(text: str) -> str:
    """Per line, keep what a terminal would show after carriage returns (progress bars)."""
    if "\r" not in text:
        return text
    return "\n".join(_last_after_cr(line) for line in text.split("\n"))


def _last_after_cr(line: str) -> str:
    line = line.rstrip("\r")  # CRLF endings are not overwrites
    return line[line.rfind("\r") + 1 :]


def strip_escapes(text: str) -> str:
    """``text`` as plain text: carriage returns collapsed, escapes, controls and invisible
    characters removed (tabs and newlines kept). Safe to print to a terminal: nothing left can
    move the cursor, set a title, write the clipboard or open a link."""
    if not NEEDS_CLEANING.search(text):
        return text
    return _INVISIBLE.sub("", ESCAPE.sub("", collapse_cr(text)))


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the last one an ellipsis (for columns)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def one_line(text: str, limit: int = 160) -> str:
    """``text`` on one line (runs of whitespace become one space), clipped."""
    return clip(" ".join(text.split()), limit)
