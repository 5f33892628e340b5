"""Opening a file of a folder that may come from anyone, the way git treats a repository's files.

A notebook folder is handed on — to a class, to Binder, in a pull request — so a file in it may be
a FIFO (reading it blocks forever), a device (``/dev/zero`` never ends), a symbolic link leading
anywhere on the machine, or simply enormous. :func:`open_untrusted` opens a file only when it is a
regular file (inside ``folder`` when one is given; a symbolic link may point elsewhere in the
folder, never out of it) no larger than a limit, and never blocks doing so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from .errors import Unreadable
from .text import one_line, strip_escapes


def file_name(path: str | Path) -> str:
    """A file's name as it may be shown: a name may hold escape sequences too."""
    return one_line(strip_escapes(Path(path).name), 120)


def open_untrusted(path: str | Path, *, limit: int, folder: str | Path | None = None) -> IO[bytes]:
    """``path`` opened for reading in binary, if it is a regular file of at most ``limit`` bytes
    (inside ``folder`` when one is given); :class:`Unreadable` otherwise. A FIFO or a device is
    opened non-blocking and refused by what it turns out to be, before anything is read."""
    path = Path(path)
    target: str | Path = path
    try:
        if folder is not None and path.is_symlink():
            target, inside = os.path.realpath(path), os.path.realpath(folder)
            if os.path.commonpath([target, inside]) != inside:
                raise Unreadable(f"{file_name(path)} is a symbolic link leading out of its folder")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(target, flags)
    except Unreadable:
        raise
    except (OSError, ValueError) as error:
        reason = one_line(strip_escapes(getattr(error, "strerror", None) or type(error).__name__), 80)
        raise Unreadable(f"{file_name(path)} cannot be opened ({reason})") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"{file_name(path)} is not a regular file (a FIFO, a device or a folder)")
        if info.st_size > limit:
            raise Unreadable(f"{file_name(path)} is larger than {_size(limit)}")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_untrusted_text(path: str | Path, *, limit: int, folder: str | Path | None = None) -> str:
    """The whole text of a small file from the folder (UTF-8, undecodable bytes replaced)."""
    with open_untrusted(path, limit=limit, folder=folder) as file:
        return file.read(limit + 1)[:limit].decode("utf-8", "replace")


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"
