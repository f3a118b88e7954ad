"""Exporting a model for other runtimes: ONNX, LiteRT (`.tflite`) and a TensorFlow SavedModel.

Everything goes through `keras.Model.export(path, format=…)`, so the files
are exactly what Keras itself writes.  The model's input keeps the name the
builder gives it (`input`, or the spec's own `Input` layer names), so an ONNX
or LiteRT consumer feeds `input` rather than Keras' internal `keras_tensor_N`.

A single file (`.onnx`, `.tflite`) is written atomically and checked before it
replaces the target; a SavedModel folder is written next to the target and
moved into place only when Keras finished it.  A missing optional package is
reported with the extra that installs it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkbenchError
from ..atomic import atomic_target


@dataclass(frozen=True)
class RuntimeFormat:
    """One export target: Keras' format name, the packages it needs and the extra that brings them."""

    name: str
    keras_format: str
    modules: tuple[str, ...]
    extra: str


ONNX = RuntimeFormat("ONNX", "onnx", ("tf2onnx", "onnx"), "onnx")
LITERT = RuntimeFormat("LiteRT", "litert", ("tensorflow",), "")
SAVED_MODEL = RuntimeFormat("TensorFlow SavedModel", "tf_saved_model", ("tensorflow",), "")
#: file suffix -> format; a path without a suffix (or ending in a slash) is a SavedModel folder
FILE_FORMATS = {".onnx": ONNX, ".tflite": LITERT}
RUNTIME_SUFFIXES = tuple(FILE_FORMATS)
_TFLITE_MAGIC = b"TFL3"  # the FlatBuffer file identifier at bytes 4..8


def runtime_format(path: str | os.PathLike) -> RuntimeFormat | None:
    """The runtime format `path` asks for, or None when it is a Keras/.py target."""
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if suffix in FILE_FORMATS:
        return FILE_FORMATS[suffix]
    if text.endswith(("/", os.sep)) or not suffix or Path(text).is_dir():
        return SAVED_MODEL
    return None


def missing_packages(fmt: RuntimeFormat) -> list[str]:
    return [m for m in fmt.modules if importlib.util.find_spec(m) is None]


def require(fmt: RuntimeFormat) -> None:
    """Raise a message naming the extra to install when `fmt`'s packages are absent."""
    missing = missing_packages(fmt)
    if missing:
        how = f"pip install 'keras-workbench[{fmt.extra}]'" if fmt.extra else f"pip install {' '.join(missing)}"
        raise WorkbenchError(f"{fmt.name} export needs {', '.join(missing)}, which is not installed: {how}")


def export_runtime(model, path: str | os.PathLike) -> Path:
    """Write the Keras `model` to `path` in the format its suffix names; returns the path."""
    fmt = runtime_format(path)
    if fmt is None:
        raise WorkbenchError(f"{path}: choose a name ending in {', '.join(RUNTIME_SUFFIXES)}, or a folder for a SavedModel")
    require(fmt)
    target = Path(os.fspath(path).rstrip("/" + os.sep))
    if not target.parent.is_dir():
        raise WorkbenchError(f"{target}: the folder {target.parent} does not exist")
    _call_once(model)
    if fmt is SAVED_MODEL:
        return _export_folder(model, target)
    check = _check_onnx if fmt is ONNX else _check_tflite
    with atomic_target(target, check, f"{fmt.name} model") as temp:
        model.export(str(temp), format=fmt.keras_format, verbose=False)
    return target


def _call_once(model) -> None:
    """Keras exports only a model that has been called; one zero batch does it."""
    import numpy as np

    if getattr(model, "_called", False):
        return
    batch = [np.zeros((1, *tensor.shape[1:]), dtype=tensor.dtype) for tensor in model.inputs]
    model(batch if len(batch) > 1 else batch[0])


def _check_onnx(path: Path) -> None:
    import onnx

    onnx.checker.check_model(str(path))


def _check_tflite(path: Path) -> None:
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head[4:8] != _TFLITE_MAGIC:
        raise WorkbenchError(f"{path.name} is not a LiteRT flatbuffer")


def _export_folder(model, target: Path) -> Path:
    """Write the SavedModel beside `target`, then swap it in."""
    if target.exists() and not target.is_dir():
        raise WorkbenchError(f"{target}: a file of that name is in the way of the SavedModel folder")
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        model.export(str(temp), format=SAVED_MODEL.keras_format, verbose=False)
        if not (temp / "saved_model.pb").is_file():
            raise WorkbenchError(f"{target}: Keras wrote no saved_model.pb")
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    replace_folder(temp, target)
    return target


def replace_folder(temp: Path, target: Path) -> None:
    """Move the finished folder `temp` onto `target`; an old `target` is removed only after the swap."""
    old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
    try:
        if target.exists():
            os.replace(target, old)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(temp)
        raise
    shutil.rmtree(old, ignore_errors=True)
