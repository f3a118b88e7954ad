"""Opening a file the user named, safely: a local regular file only, read under a size cap.

Model files and preset files are untrusted input (DESIGN.md, "Reliability
and security rules").  A path is refused before anything reads it when it is
a URL or `scheme://` path, names a FIFO (reading would block forever), a
device (`/dev/zero` never ends), a directory or a socket, or when the file
is swapped for another between the check and the open.  This module sits at
the bottom of the package (it imports only `errors`) so that `spec` and
`keras_bridge` share it.
"""

from __future__ import annotations

import os
import re
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import WorkbenchError

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def url_message(text: str) -> str | None:
    """The refusal for a URL or `scheme://` path, None for anything else."""
    if not SCHEME.match(text):
        return None
    return f"{text}: URLs are not supported: only local files can be opened, not '{text.split(':')[0]}://' paths"


@contextmanager
def open_local(
    path: str | os.PathLike, error: type[WorkbenchError] = WorkbenchError
) -> Iterator[tuple[Path, BinaryIO, os.stat_result]]:
    """(resolved path, open binary file, its fstat) of a local regular file; `error` otherwise.

    The file is opened non-blocking and without following a link swapped in
    after the check, and the opened file must be the one that was checked.
    """
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise error(f"{path!r} is not a file path")
    text = os.fspath(path)
    refused = url_message(text)
    if refused:
        raise error(refused)
    try:
        real = Path(os.path.realpath(text, strict=True))
        before = os.stat(real)
    except FileNotFoundError:
        raise error(f"{text}: no such file") from None
    except (OSError, ValueError) as exc:
        raise error(f"{text}: cannot be opened ({getattr(exc, 'strerror', None) or exc})") from None
    if not stat.S_ISREG(before.st_mode):
        raise error(f"{text}: not a regular file ({file_kind(before.st_mode)})")
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise error(f"{text}: cannot be opened ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(handle.fileno())
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(now.st_mode):
            raise error(f"{text}: the file changed while it was being opened")
        yield real, handle, now


def read_capped(
    path: str | os.PathLike, max_bytes: int, what: str, error: type[WorkbenchError] = WorkbenchError
) -> bytes:
    """The bytes of a local regular file, refused (with the cap named) when larger than `max_bytes`."""
    with open_local(path, error) as (real, handle, info):
        data = b"" if info.st_size > max_bytes else handle.read(max_bytes + 1)
        if info.st_size > max_bytes or len(data) > max_bytes:
            size = max(info.st_size, len(data))
            raise error(f"{os.fspath(path)}: {size:,} bytes is more than the {max_bytes:,} a {what} may have")
        return data


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"
