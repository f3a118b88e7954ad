"""Checks before a user's file is parsed: local, regular, and what it claims to be.

Refuses URLs and remote schemes (Keras and h5py would happily open some),
FIFOs and devices (a read would block), and files whose first bytes do not
match their extension, so a renamed file fails with a message that says so
rather than inside a parser.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .errors import DatasetError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def local_path(name) -> Path:
    """`name` as a Path, refusing URLs such as http://, gs:// or hf://."""
    text = os.fspath(name)
    if _SCHEME.match(text):
        raise DatasetError(f"only local files and folders can be loaded, not {text}")
    return Path(text).expanduser()


def regular_file(path: Path, what: str) -> Path:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise DatasetError(f"cannot read {what} {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):
        raise DatasetError(f"{what} {path} is not a regular file")
    return path


def _head(path: Path, size: int, offset: int = 0) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(size)


def require_zip(path: Path, what: str) -> None:
    if _head(path, 4) not in ZIP_MAGICS:
        raise DatasetError(f"{what} {path} is not a NumPy .npz (zip) archive")


def require_hdf5(path: Path, what: str) -> None:
    """HDF5 puts its signature at byte 0 or, after a user block, at 512, 1024, 2048, …"""
    size, offset = path.stat().st_size, 0
    while offset + len(HDF5_MAGIC) <= size:
        if _head(path, len(HDF5_MAGIC), offset) == HDF5_MAGIC:
            return
        offset = 512 if offset == 0 else offset * 2
    raise DatasetError(f"{what} {path} is not an HDF5 file (no HDF5 signature)")


def require_text(path: Path, what: str) -> None:
    if b"\x00" in _head(path, 8192):
        raise DatasetError(f"{what} {path} is not a text file (it holds NUL bytes)")
