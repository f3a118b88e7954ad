"""Resolving a TARGET argument (preset slug, preset .json, .h5/.keras file) to a spec."""

from __future__ import annotations

from pathlib import Path

from ..errors import WorkbenchError
from ..local_files import url_message
from ..spec import ModelSpec, load_named, load_preset, preset_paths, with_classes, with_input_shape

MODEL_SUFFIXES = (".h5", ".hdf5", ".keras")


def parse_shape(text: str) -> tuple[int, ...]:
    """'224,224,3' -> (224, 224, 3)."""
    try:
        shape = tuple(int(v) for v in text.replace("x", ",").replace("×", ",").split(","))
    except ValueError:
        raise WorkbenchError(f"--input-shape: expected integers like 224,224,3, got '{text}'") from None
    if not shape or any(v < 1 for v in shape):
        raise WorkbenchError(f"--input-shape: every size must be positive, got '{text}'")
    return shape


def load_target(target: str) -> ModelSpec:
    refused = url_message(target)
    if refused:
        raise WorkbenchError(refused)
    path = Path(target)
    if path.suffix.lower() in MODEL_SUFFIXES:
        if not path.exists():
            raise WorkbenchError(f"{target}: no such file")
        from ..keras_bridge.files import read_spec

        return read_spec(path)
    if path.suffix.lower() == ".json":
        return load_preset(path)
    if path.exists():
        raise WorkbenchError(f"{target}: not a preset (.json) or a model file (.h5, .keras)")
    if target in preset_paths():
        return load_named(target)
    known = ", ".join(preset_paths())
    raise WorkbenchError(f"'{target}' is neither a preset nor a file (presets: {known})")


def apply_overrides(spec: ModelSpec, input_shape: str | None, classes: int | None) -> ModelSpec:
    if input_shape:
        spec = with_input_shape(spec, parse_shape(input_shape))
    if classes is not None:
        try:
            spec = with_classes(spec, classes)
        except ValueError as exc:
            raise WorkbenchError(f"--classes: {exc}") from None
    return spec
