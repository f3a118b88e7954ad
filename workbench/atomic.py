"""Atomic file replacement: a crash or a full disk never leaves a half-written file.

Every file the workbench writes for the user (presets, blocks, autosaves,
models, checkpoints, run.json, history.csv, reports, pictures, scripts) goes
through `atomic_target`: the bytes land in a hidden temp file in the
same directory with the same suffix (Keras picks the format from it), are
fsynced and validated by re-opening, and only then `os.replace` the target.
Any failure removes the temp file, leaves the previous target untouched and
raises `SaveError` with a message that says so.

A bottom module: any layer (`spec` included) may import it; it needs only
the standard library.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import WorkbenchError

class SaveError(WorkbenchError):
    """A file could not be written; the previous version of it is intact."""


#: hidden temp name: ".<target name>.<8 hex>.tmp<target suffix>"
_TEMP_RE = re.compile(r"^\.(?P<target>.+)\.[0-9a-f]{8}\.tmp(\.[^.]+)?$")


def temp_path_for(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp{target.suffix}")


def sweep_stale_temps(directory: str | os.PathLike, target_name: str | None = None) -> list[Path]:
    """Delete temp files an interrupted save left behind (all, or one target's); returns them."""
    directory = Path(directory)
    removed = []
    if not directory.is_dir():
        return removed
    for entry in directory.iterdir():
        match = _TEMP_RE.match(entry.name)
        if not match or (target_name is not None and match["target"] != target_name):
            continue
        if entry.is_file() and not entry.is_symlink():
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def _fsync_file(path: Path) -> None:
    """Flush a file (or, on POSIX, a directory) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows cannot open directories)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        _fsync_file(directory)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


@contextlib.contextmanager
def atomic_target(
    target: str | os.PathLike, validate: Callable[[Path], None] | None = None, what: str = "file"
) -> Iterator[Path]:
    """Yield a temp path to write; on clean exit validate it and move it over `target`.

    `validate(temp)` re-opens the written file and raises if it is unusable.
    Raises `SaveError` (the previous `target` untouched) if anything fails.
    """
    target = Path(target)
    directory = target.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"Could not save the {what} {target}: cannot create its folder ({_reason(exc)}).") from exc
    if target.is_dir():
        raise SaveError(f"Could not save the {what} {target}: a folder of that name is in the way.")
    sweep_stale_temps(directory, target.name)
    temp = temp_path_for(target)
    try:
        yield temp
        if not temp.is_file():
            raise SaveError(f"nothing was written to {temp.name}")
        _fsync_file(temp)
        if validate is not None:
            validate(temp)
        os.replace(temp, target)
    except Exception as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        kept = "The previous file is unchanged." if target.exists() else "No file was written."
        raise SaveError(f"Could not save the {what} {target}: {_reason(exc)}. {kept}") from exc
    _fsync_dir(directory)


def write_text_atomic(target: str | os.PathLike, text: str, what: str = "file") -> None:
    """Replace a text file (a preset, run.json, history.csv) atomically and check it reads back."""

    def check(temp: Path) -> None:
        if temp.read_text(encoding="utf-8") != text:
            raise SaveError("the file read back differs from what was written")

    with atomic_target(target, check, what) as temp:
        temp.write_text(text, encoding="utf-8", newline="")
