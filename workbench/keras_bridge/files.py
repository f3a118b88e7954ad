"""Model files (.h5, .keras) read safely: spec, workbench metadata, and a rebuilt model.

Every file is untrusted input (DESIGN.md, "Reliability and security rules").
Before anything parses it, the path must name a local regular file (no URL
or `scheme://`, no FIFO or device, no symlink swapped in between) whose magic
bytes match its extension.  The model config is then read with h5py/zipfile
and json only, under size caps, and converted by the same code as
`from_keras`, which accepts only catalogue layers.  Keras never deserializes
a file's config: `load_model` rebuilds the model with our own `build` and
then loads the weights into it.  Neither `read_spec` nor `read_metadata`
imports Keras or TensorFlow.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from workbench.local_files import open_local, url_message
from workbench.spec import ModelSpec, analyze

from .convert import spec_from_config
from .errors import BridgeError, ModelFileError

log = logging.getLogger(__name__)

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
#: suffix -> (format, magic bytes at offset 0)
FORMATS = {".h5": ("HDF5", HDF5_MAGIC), ".hdf5": ("HDF5", HDF5_MAGIC), ".keras": ("Keras zip", ZIP_MAGIC)}

MAX_CONFIG_BYTES = 16 * 2**20  # a model config or metadata attribute
MAX_ATTRIBUTE_BYTES = 16 * 2**20  # any declared HDF5 attribute
MAX_HDF5_OBJECTS = 200_000
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_BYTES = 16 * 2**30  # total uncompressed size of a .keras archive
MAX_ZIP_RATIO = 100  # uncompressed / compressed, for members over ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 2**20
#: bytes of stored arrays allowed per model parameter (float64 weights plus optimizer slots)
MAX_DATA_BYTES_PER_PARAM = 32
DATA_BYTES_SLACK = 16 * 2**20

METADATA_KEYS = ("workbench_preset", "workbench_history", "workbench_run")
_KERAS_CONFIG = "config.json"
_KERAS_WEIGHTS = "model.weights.h5"


def read_spec(path: str | os.PathLike) -> ModelSpec:
    """The architecture stored in a Keras .h5 or .keras file; ModelFileError if refused."""
    with _opened(path) as (real, handle, suffix):
        if suffix == ".keras":
            with _zip(real, handle) as archive:
                config = _keras_config(real, archive)
        else:
            with _hdf5(real, handle) as h5:
                _check_hdf5(real, h5)
                config = _h5_config(real, h5)
    return _converted(real, config)


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The workbench's root attributes of an .h5 file (parsed JSON objects); absent ones are left out.

    An attribute that cannot be read is left out with a logged warning, so one
    damaged attribute does not hide the others (the curves survive a broken
    run summary).  `.keras` archives carry no workbench metadata, so they give {}.
    """
    out: dict[str, Any] = {}
    with _opened(path) as (real, handle, suffix):
        if suffix == ".keras":
            with _zip(real, handle):
                return out
        with _hdf5(real, handle) as h5:
            for key in METADATA_KEYS:
                if key not in h5.attrs:
                    continue
                try:
                    value = _json(_string_attr(real, h5, key), real, key)
                    if not isinstance(value, dict):
                        raise ModelFileError(f"{real}: attribute '{key}' is not a JSON object")
                except ModelFileError as exc:
                    log.warning("%s; skipped", exc)
                    continue
                out[key] = value
    return out


def load_model(path: str | os.PathLike):
    """A keras.Model rebuilt from the file's spec with our own `build`, then given the file's weights.

    Keras reads only arrays (`load_weights`), never the file's config.  A
    .keras archive's weights are first copied out to a private temporary
    file, checked there and loaded from there: the bytes checked are the bytes
    loaded, and h5py does not have to seek inside a zip member (slow).
    """
    with _opened(path) as (real, handle, suffix), tempfile.TemporaryDirectory(prefix="workbench-") as scratch:
        if suffix == ".keras":
            weights = Path(scratch) / _KERAS_WEIGHTS  # Keras picks its loader by this suffix
            with _zip(real, handle) as archive:
                spec = _converted(real, _keras_config(real, archive))
                if _KERAS_WEIGHTS not in archive.NameToInfo:
                    raise ModelFileError(f"{real}: the archive has no {_KERAS_WEIGHTS} (no weights to load)")
                with archive.open(_KERAS_WEIGHTS) as member, open(weights, "wb") as copy:
                    shutil.copyfileobj(member, copy)
            with open(weights, "rb") as copy, _hdf5(real, copy) as h5:
                stored = _check_hdf5(real, h5)
        else:
            weights = real
            with _hdf5(real, handle) as h5:
                stored = _check_hdf5(real, h5)
                spec = _converted(real, _h5_config(real, h5))
        return _rebuilt(real, spec, stored, weights)


def _rebuilt(real: Path, spec: ModelSpec, stored: int, weights: Path):
    """Build `spec` with our own builder and load the checked weights file into it."""
    from .builder import build

    analysis = analyze(spec)
    if stored > analysis.total_params * MAX_DATA_BYTES_PER_PARAM + DATA_BYTES_SLACK:
        raise ModelFileError(f"{real}: the stored arrays declare {stored:,} bytes, far more than the model's weights need")
    try:
        model = build(spec, analysis=analysis)
    except BridgeError as exc:
        raise ModelFileError(f"{real}: {exc}") from None
    try:
        model.load_weights(str(weights))
    except (ValueError, KeyError, OSError) as exc:
        raise ModelFileError(f"{real}: the stored weights do not fit the model: {exc}") from None
    return model


def _converted(real: Path, config: Any) -> ModelSpec:
    try:
        return spec_from_config(config, source=str(real))
    except BridgeError as exc:
        raise ModelFileError(str(exc)) from None


def _keras_config(real: Path, archive: zipfile.ZipFile) -> Any:
    return _json(_zip_member(real, archive, _KERAS_CONFIG), real, _KERAS_CONFIG)


def _h5_config(real: Path, h5: Any) -> Any:
    return _json(_string_attr(real, h5, "model_config", missing=_no_config_message(h5)), real, "model_config")


# -- the path and the file itself ---------------------------------------------


@contextmanager
def _opened(path: str | os.PathLike) -> Iterator[tuple[Path, Any, str]]:
    """(resolved path, open binary file, suffix) of a local regular file with the right magic bytes."""
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    suffix = Path(text).suffix.lower() if isinstance(text, str) else ""
    if isinstance(text, str) and url_message(text) is None and suffix not in FORMATS:
        raise ModelFileError(f"{text}: unsupported file type '{suffix}' (expected .h5, .hdf5 or .keras)")
    with open_local(path, ModelFileError) as (real, handle, info):
        if real.suffix.lower() != suffix:
            raise ModelFileError(f"{text}: is a link to '{real.name}', a file of another type")
        name, magic = FORMATS[suffix]
        if handle.read(len(magic)) != magic:
            empty = " (the file is empty)" if info.st_size == 0 else ""
            raise ModelFileError(f"{text}: not a {name} file{empty}: its first bytes do not match the '{suffix}' extension")
        handle.seek(0)
        yield real, handle, suffix


def _json(text: str, real: Path, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{real}: {what} is not valid JSON ({str(exc)[:80]})") from None


# -- HDF5 ----------------------------------------------------------------------


@contextmanager
def _hdf5(real: Path, handle: Any) -> Iterator[Any]:
    import h5py

    try:
        h5 = h5py.File(handle, "r")
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{real}: corrupt or truncated HDF5 file ({str(exc)[:120]})") from None
    with h5:
        yield h5


def _check_hdf5(real: Path, h5: Any) -> int:
    """Refuse links, virtual or external datasets, non-numeric arrays and huge attributes.

    Returns the bytes the datasets declare, for the caller to compare with what the model needs.
    """
    import h5py

    data_bytes = 0
    seen: set = set()
    groups = [("/", h5)]
    count = 0
    try:
        while groups:
            where, group = groups.pop()
            _check_attributes(real, where, group)
            for key in group:
                count += 1
                if count > MAX_HDF5_OBJECTS:
                    raise ModelFileError(f"{real}: more than {MAX_HDF5_OBJECTS} objects in the HDF5 file")
                at = f"{where.rstrip('/')}/{key}"
                link = group.get(key, getlink=True)
                if isinstance(link, h5py.ExternalLink):
                    raise ModelFileError(f"{real}: '{at}' is an external link to another file; refused")
                if not isinstance(link, h5py.HardLink):
                    raise ModelFileError(f"{real}: '{at}' is a soft or user-defined link; refused")
                obj = group[key]
                if isinstance(obj, h5py.Group):
                    address = h5py.h5o.get_info(obj.id).addr
                    if address not in seen:  # hard links may loop back to a parent group
                        seen.add(address)
                        groups.append((at, obj))
                    continue
                if not isinstance(obj, h5py.Dataset):
                    raise ModelFileError(f"{real}: '{at}' is neither a group nor a dataset; refused")
                if obj.is_virtual:
                    raise ModelFileError(f"{real}: '{at}' is a virtual dataset; refused")
                if obj.external:
                    raise ModelFileError(f"{real}: '{at}' stores its data in external files; refused")
                if obj.dtype.kind not in "biuf":
                    raise ModelFileError(f"{real}: '{at}' holds {obj.dtype} values, not numbers; refused")
                _check_attributes(real, at, obj)
                data_bytes += obj.size * obj.dtype.itemsize
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{real}: corrupt HDF5 file ({str(exc)[:120]})") from None
    return data_bytes


def _check_attributes(real: Path, where: str, obj: Any) -> None:
    for name in obj.attrs:
        try:
            size = obj.attrs.get_id(name).get_storage_size()
        except RuntimeError:  # h5py reports an empty attribute (0 bytes) as an error
            size = 0
        if size > MAX_ATTRIBUTE_BYTES:
            raise ModelFileError(f"{real}: attribute '{name}' of '{where}' declares {size:,} bytes; refused")


def _string_attr(real: Path, h5: Any, name: str, missing: str | None = None) -> str:
    """A root attribute holding one string (JSON text), type- and size-checked before decoding."""
    import h5py

    if name not in h5.attrs:
        raise ModelFileError(f"{real}: {missing or f'no {name} attribute'}")
    attr = h5.attrs.get_id(name)
    if attr.shape not in ((), None) or h5py.check_string_dtype(attr.dtype) is None:
        raise ModelFileError(f"{real}: attribute '{name}' is not a single string")
    if attr.dtype.itemsize > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{real}: attribute '{name}' declares more than {MAX_CONFIG_BYTES:,} bytes; refused")
    try:
        value = h5.attrs[name]
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{real}: attribute '{name}' cannot be read ({str(exc)[:80]})") from None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError(f"{real}: attribute '{name}' is not UTF-8 text") from None
    if not isinstance(value, str):
        raise ModelFileError(f"{real}: attribute '{name}' is not a single string")
    if len(value) > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{real}: attribute '{name}' holds more than {MAX_CONFIG_BYTES:,} bytes; refused")
    return value


def _no_config_message(h5: Any) -> str:
    weights = "layer_names" in h5.attrs or any(k in h5 for k in ("model_weights", "layers", "vars"))
    if weights:
        return "holds only weights, no model_config: save the whole model (model.save), not just its weights"
    return "not a Keras model file (no model_config attribute)"


# -- .keras zip archives -----------------------------------------------------------


@contextmanager
def _zip(real: Path, handle: Any) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelFileError(f"{real}: corrupt or truncated zip archive ({exc})") from None
    with archive:
        _check_zip(real, archive)
        yield archive


def _check_zip(real: Path, archive: zipfile.ZipFile) -> None:
    """Refuse path tricks, duplicate names and zip bombs before reading any member."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ModelFileError(f"{real}: {len(infos)} archive members; refused")
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or "\\" in name or "\0" in name or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise ModelFileError(f"{real}: archive member '{name}' points outside the archive; refused")
        if name in names:
            raise ModelFileError(f"{real}: archive member '{name}' appears twice; refused")
        names.add(name)
        total += info.file_size
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise ModelFileError(
                f"{real}: archive member '{name}' expands {info.file_size // max(info.compress_size, 1)}× "
                "(a zip bomb?); refused"
            )
    if total > MAX_ZIP_BYTES:
        raise ModelFileError(f"{real}: the archive expands to {total:,} bytes; refused")


def _zip_member(real: Path, archive: zipfile.ZipFile, name: str) -> str:
    info = archive.NameToInfo.get(name)
    if info is None:
        raise ModelFileError(f"{real}: not a Keras model archive (no {name})")
    if info.file_size > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{real}: {name} declares {info.file_size:,} bytes; refused")
    try:
        with archive.open(info) as member:
            data = member.read(MAX_CONFIG_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelFileError(f"{real}: corrupt archive member {name} ({exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{real}: {name} is not UTF-8 text") from None
