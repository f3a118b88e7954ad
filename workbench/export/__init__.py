"""Exporting a spec: an `.h5`/`.keras` model built by Keras, or a standalone `.py` script.

The model files are written atomically through the trainer's saver, and an
`.h5` carries the preset JSON (`workbench_preset`) so the workbench reopens
it with its layout.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import WorkbenchError
from ..spec import ModelSpec
from .script import to_script

SUFFIXES = (".h5", ".hdf5", ".keras", ".py")


def export_model(spec: ModelSpec, path: str | os.PathLike) -> Path:
    """Write `spec` to `path`, choosing the format from the suffix; returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise WorkbenchError(f"{path}: choose a file name ending in {', '.join(SUFFIXES)}")
    if not path.parent.is_dir():
        raise WorkbenchError(f"{path}: the folder {path.parent} does not exist")
    if suffix == ".py":
        from ..atomic import write_text_atomic

        write_text_atomic(path, to_script(spec))
        return path
    from ..keras_bridge import build
    from ..train import save_model, workbench_metadata

    model = build(spec)
    metadata = workbench_metadata(spec) if suffix != ".keras" else None
    return save_model(model, path, metadata)


__all__ = ["SUFFIXES", "export_model", "to_script"]
