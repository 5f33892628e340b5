"""Shortening the paths in an error's text before it goes into a prompt (``{Err}``).

The home directory becomes ``~``, a file of an installed package ``site-packages/package/module.py``,
of the standard library ``python3.12/json/decoder.py``, one under the working directory relative:
neither the user's name nor the machine's layout is sent, while the file names that help stay.
"""

from __future__ import annotations

import functools
import os
import re
import site
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass

_PACKAGE_DIRS = ("site-packages", "dist-packages")
# A path's parts and ends: what may stand next to a root and still be part of the same path.
_NAME_CHAR = r"[\w~@+\-]"
_SEP = r"(?:/|\\{1,2})"  # "\\" too: a Windows path in a repr, as FileNotFoundError's message has it
_TOKEN = re.compile(r"""[^\s'"`<>|]+""")  # a run of text a path without spaces could be
_PACKAGE_DIR = re.compile(r"[\\/](?:site|dist)-packages(?=[\\/])", re.IGNORECASE)
_PATH_START = re.compile(r"(?<![\w.~-])(?:[A-Za-z]:[\\/]|~?[\\/])")


@dataclass(frozen=True)
class PathRoots:
    """The directories :func:`shorten_paths` hides, and what each becomes.

    ``home`` becomes ``~``; a directory of ``site_packages`` its own name (``site-packages``); a
    directory of ``stdlib`` its own name (``python3.12``, ``Lib``); ``cwd`` is dropped (paths in
    it become relative; itself, ``.``). The longest root a path starts with is the one used."""

    home: str = ""
    cwd: str = ""
    site_packages: tuple[str, ...] = ()
    stdlib: tuple[str, ...] = ()

    @classmethod
    def current(cls) -> PathRoots:
        """This process's: ``~``, the working directory, where packages and the standard library are."""
        try:
            cwd = os.getcwd()
        except OSError:  # deleted under the kernel
            cwd = ""
        return cls(home=os.path.expanduser("~"), cwd=cwd, site_packages=_site_packages(), stdlib=_stdlib())

    def replacements(self) -> tuple[tuple[str, str], ...]:
        """(root, what it becomes), the longest roots first; symlinked roots in both spellings."""
        pairs: list[tuple[str, str]] = []
        for root in self.site_packages:
            pairs.append((root, _own_name(root, "site-packages")))
        for root in self.stdlib:
            pairs.append((root, _own_name(root, "stdlib")))
        pairs += [(self.cwd, ""), (self.home, "~")]
        found: dict[str, str] = {}
        for root, replacement in pairs:
            for spelling in _spellings(root):
                found.setdefault(spelling, replacement)  # the first named wins: packages before cwd before home
        return tuple(sorted(found.items(), key=lambda pair: -len(pair[0])))


def shorten_paths(text: str, roots: PathRoots | None = None) -> str:
    """``text`` with its paths shortened: no home directory, no site-packages or standard library
    location, the working directory's files relative (see :class:`PathRoots`, by default
    :meth:`PathRoots.current`). A root counts only as a whole path part (``/home/alice2`` is not
    in ``/home/alice``), with ``/`` or ``\\`` between parts (Windows roots in any case). A path to
    an installed package outside the known roots is cut to ``site-packages/…`` too. Linear time."""
    if not text:
        return text
    pattern, replacements = _compiled((roots or PathRoots.current()).replacements())
    if pattern is not None:

        def replace(match: re.Match[str]) -> str:
            replacement = replacements[next(k for k, root in enumerate(match.groups()) if root is not None)]
            if match.group("sep") is not None:
                return replacement + match.group("sep") if replacement else ""
            return replacement or "."

        text = pattern.sub(replace, text)
    if "-packages" in text.lower():
        text = _TOKEN.sub(_cut_package_path, text)
    return text


@functools.lru_cache(maxsize=16)
def _compiled(pairs: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    if not pairs:
        return None, ()
    alternatives = "|".join(f"({_root_pattern(root)})" for root, _ in pairs)
    # Not inside a longer name before, a separator or the path's end after (a final "." ends a sentence).
    pattern = rf"(?<![\w.~-])(?:{alternatives})(?:(?P<sep>{_SEP})|(?!{_NAME_CHAR})(?!\.{_NAME_CHAR}))"
    return re.compile(pattern), tuple(replacement for _, replacement in pairs)


def _root_pattern(root: str) -> str:
    parts = [re.escape(part) for part in re.split(r"[\\/]+", root)]
    pattern = _SEP.join(parts)
    return f"(?i:{pattern})" if re.match(r"[A-Za-z]:", root) else pattern  # Windows paths ignore case


def _cut_package_path(match: re.Match[str]) -> str:
    """A path to an installed package elsewhere (another environment): from ``site-packages`` on."""
    token = match.group(0)
    last = None
    for found in _PACKAGE_DIR.finditer(token):
        last = found
    if last is None:
        return token
    start = _PATH_START.search(token, 0, last.start() + 1)
    before = token[: start.start()] if start is not None else ""
    return before + token[last.start() + 1 :]


@functools.lru_cache(maxsize=64)
def _spellings(root: str) -> tuple[str, ...]:
    """``root`` without trailing separators, and its real path when that differs; none for a filesystem root."""
    try:
        real = os.path.realpath(root) if os.path.isabs(root) else ""
    except (OSError, ValueError):  # a path the system cannot resolve: as written only
        real = ""
    spellings: list[str] = []
    for spelling in (root, real):
        spelling = spelling.rstrip("\\/")
        absolute = spelling[:1] in ("/", "\\") or re.match(r"[A-Za-z]:[\\/].", spelling) is not None
        if absolute and spelling not in spellings:  # "/" or "C:\" is no root: every path would be in it
            spellings.append(spelling)
    return tuple(spellings)


def _own_name(root: str, default: str) -> str:
    name = re.split(r"[\\/]", root.rstrip("\\/"))[-1]
    return name if name else default


def _site_packages() -> tuple[str, ...]:
    roots: list[str] = []
    try:
        roots += site.getsitepackages()
    except Exception:  # some virtualenvs' site module has no getsitepackages
        pass
    try:
        roots.append(site.getusersitepackages())
    except Exception:
        pass
    roots += _sysconfig_paths("purelib", "platlib")
    roots += [p for p in sys.path if isinstance(p, str) and os.path.basename(p.rstrip("\\/")) in _PACKAGE_DIRS]
    return tuple(dict.fromkeys(r for r in roots if r))


def _stdlib() -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for r in _sysconfig_paths("stdlib", "platstdlib") if r))


def _sysconfig_paths(*names: str) -> Iterable[str]:
    try:
        paths = sysconfig.get_paths()
    except Exception:
        return []
    return [paths[name] for name in names if isinstance(paths.get(name), str)]
