"""Opening a model by name: a preset slug, a preset `.json`, or a Keras `.h5`/`.keras` file.

The CLI's TARGET arguments, the window's Open dialog, the comparison form and
the diff pickers all open models through here, so they accept the same things
and say the same thing when they cannot.  Messages name the file or the text
given, never a command-line flag or a form field: each caller prefixes the
name its user typed the value into (`--input-shape: …`, `Input shape: …`).

Nothing here imports Keras: `.h5`/`.keras` files are read with h5py/zipfile
(`files.read_spec`).  A multi-network preset (a GAN's generator and
discriminator) is opened whole only by `open_trainable`, for training, and
by `read_openable`, for the window (which also opens a GAN run's networks
together); the commands that take one network say so when given one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import WorkbenchError
from ..local_files import url_message
from ..spec import ModelSpec, load_named, load_preset, preset_paths
from ..spec.networks import NetworkSet
from ..spec.networks_io import holds_networks, load_named_networks, load_networks, network_preset_paths
from .files import read_spec

PRESET_SUFFIXES = (".json",)
MODEL_SUFFIXES = (".h5", ".hdf5", ".keras")


def parse_shape(text: str) -> tuple[int, ...]:
    """'224,224,3' (or '224x224x3', '224×224×3') -> (224, 224, 3)."""
    try:
        shape = tuple(int(v) for v in text.replace("x", ",").replace("×", ",").split(","))
    except ValueError:
        raise WorkbenchError(f"expected integers like 224,224,3, got '{text}'") from None
    if not shape or any(v < 1 for v in shape):
        raise WorkbenchError(f"every size must be positive, got '{text}'")
    return shape


def read_model_file(path: str | os.PathLike) -> ModelSpec:
    """A spec from a preset `.json` or a Keras model file, chosen by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in MODEL_SUFFIXES:
        return read_spec(path)
    if suffix in PRESET_SUFFIXES:
        return load_preset(path)
    raise WorkbenchError(
        f"{path.name}: cannot open '{suffix or 'no suffix'}' files; "
        f"open a preset (.json) or a Keras model ({', '.join(MODEL_SUFFIXES)})"
    )


def openable(path: str | os.PathLike) -> bool:
    """Whether `path` has a suffix `read_model_file` reads (for drops and file filters)."""
    return Path(path).suffix.lower() in PRESET_SUFFIXES + MODEL_SUFFIXES


def open_model(target: str | os.PathLike) -> ModelSpec:
    """The spec named by `target`: a preset slug (`lenet5`) or a path to a preset or model file."""
    target = str(target)
    refused = url_message(target)
    if refused:
        raise WorkbenchError(refused)
    path = Path(target)
    if _multi_network(target):
        raise WorkbenchError(
            f"{target}: a multi-network preset ({', '.join(open_trainable(target).networks)}); this takes one "
            f"network: train it whole (`workbench train {target}`), or save one network as its own preset"
        )
    if openable(path):
        if not path.exists():
            raise WorkbenchError(f"{target}: no such file")
        return read_model_file(path)
    if path.exists():
        raise WorkbenchError(f"{target}: not a preset (.json) or a model file ({', '.join(MODEL_SUFFIXES)})")
    if target in preset_paths():
        return load_named(target)
    known = ", ".join(preset_paths())
    raise WorkbenchError(f"'{target}' is neither a preset nor a file (presets: {known})")


def _multi_network(target: str) -> bool:
    """Whether `target` names a multi-network preset: a bundled slug, or a preset file with "networks"."""
    if target in network_preset_paths():
        return True
    path = Path(target)
    return path.suffix.lower() in PRESET_SUFFIXES and path.is_file() and holds_networks(path)


def open_trainable(target: str | os.PathLike) -> ModelSpec | NetworkSet:
    """What training takes: a multi-network preset (slug or `.json`) as a NetworkSet, anything else as `open_model`."""
    target = str(target)
    if not _multi_network(target):
        return open_model(target)
    if target in network_preset_paths():
        return load_named_networks(target)
    return load_networks(target)


def run_networks(folder: str | os.PathLike) -> NetworkSet | None:
    """The networks a run folder saved, each read from its own `.h5`, when its run.json lists several
    (a GAN's generator.h5 and discriminator.h5); None for a folder of a one-model run or no run at all."""
    folder = Path(folder)
    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    files = record.get("files") if isinstance(record, dict) else None
    models = files.get("models") if isinstance(files, dict) else None
    if not isinstance(models, list) or len(models) < 2:
        return None
    head = record.get("spec") if isinstance(record.get("spec"), dict) else {}
    return NetworkSet(
        name=str(head.get("name") or folder.name), networks={Path(m).stem: read_spec(folder / m) for m in models},
        description=str(head.get("description", "")), family=str(head.get("family", "custom")),
        task=str(head.get("task", "gan")), training=head.get("training"),
    )


def read_openable(path: str | os.PathLike) -> ModelSpec | NetworkSet:
    """What the window opens from `path`: a multi-network preset whole (networks that do not fit yet
    included: the editor lists the mismatch), one network's `.h5` of a run that saved several together
    with the others, a run folder of several networks, else `read_model_file`."""
    path = Path(path)
    if path.is_dir():
        networks = run_networks(path)
        if networks is None:
            raise WorkbenchError(f"{path}: not a run folder with several networks (no run.json listing them); "
                                 f"open a preset (.json) or a model file ({', '.join(MODEL_SUFFIXES)})")
        return networks
    suffix = path.suffix.lower()
    if suffix in PRESET_SUFFIXES and path.is_file() and holds_networks(path):
        return load_networks(path, check_fit=False)
    if suffix in MODEL_SUFFIXES:
        networks = run_networks(path.parent)
        if networks is not None and path.stem in networks.networks:
            return networks
    return read_model_file(path)
