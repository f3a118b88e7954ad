"""Saving a trained model as legacy HDF5 (`.h5`) or `.keras`, atomically, with metadata.

Keras writes model files in place, so a full disk mid-save would destroy the
previous model; here Keras writes a temp file that is validated and then
renamed over the target (see `atomic`).  An `.h5` also carries the workbench
preset, the training history and the run summary as root attributes, each
one JSON string (HDF5 *array* attributes over 64 KiB fail; a variable-length
string is stored outside the object header), so the GUI can reopen a model
with its layout and curves while plain `keras.models.load_model` still loads
the file unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..atomic import SaveError, atomic_target
from .serialize import dumps

#: root attributes of a saved `.h5`, each a JSON string
ATTR_PRESET = "workbench_preset"
ATTR_HISTORY = "workbench_history"
ATTR_RUN = "workbench_run"

H5_SUFFIXES = (".h5", ".hdf5")
KERAS_SUFFIX = ".keras"


class _DropLegacyWarning(logging.Filter):
    """Keras warns on every `.h5` save that the format is legacy; it is our chosen format."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HDF5 file via `model.save()`" not in record.getMessage()


@contextlib.contextmanager
def _quiet_legacy_warning() -> Iterator[None]:
    logger = logging.getLogger("absl")  # Keras logs through absl
    drop = _DropLegacyWarning()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def workbench_metadata(spec=None, history: Mapping | None = None, run: Mapping | None = None) -> dict[str, str]:
    """The root attributes for a model file: preset JSON, history JSON, run JSON."""
    out: dict[str, str] = {}
    if spec is not None:
        from workbench.spec import dumps as dump_preset

        out[ATTR_PRESET] = dump_preset(spec)
    if history is not None:
        out[ATTR_HISTORY] = dumps(history)
    if run is not None:
        out[ATTR_RUN] = dumps(run)
    return out


def _validate_h5(expected: Mapping[str, str]):
    def check(temp: Path) -> None:
        import h5py

        with h5py.File(temp, "r") as f:
            if "model_config" not in f.attrs or "model_weights" not in f:
                raise SaveError("the written file has no model configuration or weights")
            for name, text in expected.items():
                stored = f.attrs.get(name)
                if isinstance(stored, bytes):
                    stored = stored.decode("utf-8")
                if stored != text:
                    raise SaveError(f"attribute {name} did not read back intact")

    return check


def _validate_keras(temp: Path) -> None:
    try:
        with zipfile.ZipFile(temp) as archive:
            names = set(archive.namelist())
            bad = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise SaveError(f"the written archive is not a valid zip ({exc})") from exc
    if bad is not None:
        raise SaveError(f"member {bad} of the written archive is corrupt")
    if "config.json" not in names:
        raise SaveError("the written archive has no config.json")


def save_model(model, path: str | os.PathLike, metadata: Mapping[str, Any] | None = None) -> Path:
    """Save `model` to `path` (`.h5`/`.hdf5` legacy HDF5, or `.keras`) atomically.

    `metadata` (name -> str, or anything JSON-able) becomes root attributes of
    an `.h5` file; see `workbench_metadata`.  A `.keras` archive carries no
    extra metadata.  Raises `SaveError`; the previous file is then intact.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in H5_SUFFIXES + (KERAS_SUFFIX,):
        raise SaveError(f"Could not save the model {path}: choose a file name ending in .h5 or .keras.")
    attrs = {name: value if isinstance(value, str) else dumps(value) for name, value in (metadata or {}).items()}
    if suffix == KERAS_SUFFIX:
        if attrs:
            raise SaveError(f"Could not save the model {path}: workbench metadata is stored only in .h5 files.")
        with atomic_target(path, _validate_keras, "model") as temp:
            model.save(temp)
        return path
    with atomic_target(path, _validate_h5(attrs), "model") as temp:
        import h5py

        with _quiet_legacy_warning():
            model.save(temp)
        if attrs:
            with h5py.File(temp, "r+") as f:
                for name, text in attrs.items():
                    f.attrs[name] = text
    return path
