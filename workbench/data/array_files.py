"""NumPy .npz archives and HDF5 files holding `x` and `y` arrays.

Names looked for (the first present wins):
  inputs       x, x_train          labels       y, y_train
  validation   x_val + y_val, or x_test + y_test (then `validation_split` is ignored)
  class names  class_names (array of text; in HDF5 also a root attribute)

Both readers look before they load: NPZ members are opened with
`allow_pickle=False` after their headers are read (object arrays refused);
HDF5 entries must be plain datasets reached by hard links (no soft/external
links, virtual datasets or external storage, which would read other files).

Against memory bombs (a few KB declaring gigabytes), every array's declared
size is capped at `MAX_ARRAY_BYTES` and at `MEMORY_SHARE` of the free memory,
and must be backed by the file: an NPZ member must hold the bytes its header
declares, an HDF5 dataset must have its storage (contiguous) or all its
chunks (chunked) written, since h5py would invent the missing ones as fill
values in memory.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np

from workbench import host_memory

from .building import from_arrays
from .dataset import Dataset
from .errors import DatasetError
from .labels import encode_pair
from .local_files import regular_file, require_hdf5, require_zip

MAX_ARRAY_BYTES = 4 << 30
#: the share of the free memory one array may take (loading, fitting to float32 and splitting copy it)
MEMORY_SHARE = 0.5
X_KEYS, Y_KEYS = ("x", "x_train"), ("y", "y_train")
VAL_KEYS = (("x_val", "y_val"), ("x_test", "y_test"))


def _first(keys: tuple[str, ...], available) -> str | None:
    return next((k for k in keys if k in available), None)


def _from_named_arrays(path: Path, kind_name: str, read, available: list[str], *, seed, validation_split,
                       max_samples, task) -> Dataset:
    """Shared by NPZ and HDF5: pick the arrays by name, encode labels, build."""
    x_key, y_key = _first(X_KEYS, available), _first(Y_KEYS, available)
    for key, wanted, what in ((x_key, X_KEYS, "inputs"), (y_key, Y_KEYS, "labels")):
        if key is None:
            raise DatasetError(
                f"{kind_name} file {path} has no '{wanted[0]}' (or '{wanted[1]}') array for the {what}; "
                f"found: {', '.join(available) or 'nothing'}"
            )
    val = next(((xk, yk) for xk, yk in VAL_KEYS if xk in available and yk in available), None)
    class_names = None
    if "class_names" in available:
        class_names = [s.decode() if isinstance(s, bytes) else str(s) for s in np.asarray(read("class_names")).ravel()]
    y, y_val, kind, names = encode_pair(
        read(y_key), read(val[1]) if val else None, task=task, class_names=class_names
    )
    return from_arrays(
        path.stem, read(x_key), y, kind=kind, class_names=names, seed=seed, validation_split=validation_split,
        x_val=read(val[0]) if val else None, y_val=y_val, max_samples=max_samples, source=str(path),
    )


def _gib(size: float) -> str:
    return f"{size / 2**30:.1f} GiB" if size >= 2**27 else f"{size / 2**20:.1f} MiB"


def _check_declared_size(path: Path, kind_name: str, key: str, shape, dtype) -> int:
    """The array's declared size in bytes, after refusing object arrays and sizes memory cannot take."""
    if dtype.hasobject:
        raise DatasetError(
            f"{kind_name} file {path}: array '{key}' holds Python objects; only numeric or text arrays are read"
        )
    size = math.prod(int(d) for d in shape) * dtype.itemsize
    if size > MAX_ARRAY_BYTES:
        raise DatasetError(
            f"{kind_name} file {path}: array '{key}' declares {_gib(size)}, "
            f"more than the {MAX_ARRAY_BYTES >> 30} GiB limit"
        )
    free = host_memory.free_host_memory()
    if free is not None and size > free * MEMORY_SHARE:
        raise DatasetError(
            f"{kind_name} file {path}: array '{key}' declares {_gib(size)}, more than {MEMORY_SHARE:.0%} of the "
            f"{_gib(free)} of free memory; use a smaller subset of the data"
        )
    return size


def _check_hdf5_written(path: Path, key: str, item, declared: int) -> None:
    """Refuse a dataset whose declared data is not all stored: reading it would fill memory with fill values."""
    if declared == 0:
        return
    if item.chunks is None:
        stored = item.id.get_storage_size()
        if stored < declared:
            raise DatasetError(
                f"HDF5 file {path}: dataset '{key}' declares {_gib(declared)} {tuple(item.shape)} but stores only "
                f"{stored:,} bytes of it (never written); write its data or remove it"
            )
        return
    expected = math.prod(math.ceil(n / c) for n, c in zip(item.shape, item.chunks))
    written = item.id.get_num_chunks()
    if written < expected:
        raise DatasetError(
            f"HDF5 file {path}: dataset '{key}' declares {_gib(declared)} {tuple(item.shape)} but only {written:,} "
            f"of its {expected:,} chunks are written; write its data or remove it"
        )


def _npz_headers(path: Path) -> list[str]:
    """Member names after checking each .npy header; raises for object arrays or huge sizes."""
    names = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                key = info.filename[:-4]
                with archive.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read_header(member)
                    held = info.file_size - member.tell()
                declared = _check_declared_size(path, "NPZ", key, shape, dtype)
                if held < declared:
                    raise DatasetError(
                        f"NPZ file {path}: array '{key}' declares {_gib(declared)} {tuple(shape)} but the archive "
                        f"holds only {held:,} bytes of it; the file is truncated or forged"
                    )
                names.append(key)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DatasetError(f"NPZ file {path} cannot be read: {exc}") from exc
    return names


def load_npz(path, *, seed: int, validation_split: float, max_samples: int | None = None,
             task: str = "auto") -> Dataset:
    path = regular_file(Path(path), "NPZ file")
    require_zip(path, "NPZ file")
    available = _npz_headers(path)
    with np.load(path, allow_pickle=False) as archive:
        return _from_named_arrays(path, "NPZ", archive.__getitem__, available, seed=seed,
                                  validation_split=validation_split, max_samples=max_samples, task=task)


def _hdf5_reader(handle, path: Path):
    import h5py

    def read(key: str) -> np.ndarray:
        if key == "class_names" and key not in handle and key in handle.attrs:
            return np.asarray(handle.attrs[key])
        link = handle.get(key, getlink=True)
        if not isinstance(link, h5py.HardLink):
            raise DatasetError(f"HDF5 file {path}: '{key}' is a {type(link).__name__}; only plain datasets are read")
        item = handle[key]
        if not isinstance(item, h5py.Dataset):
            raise DatasetError(f"HDF5 file {path}: '{key}' is a group, not a dataset")
        if item.is_virtual or item.external:
            raise DatasetError(f"HDF5 file {path}: '{key}' stores its data in other files; only self-contained data is read")
        text = h5py.check_string_dtype(item.dtype) is not None
        # a variable-length string costs at least a pointer once read; its stored bytes are elsewhere
        per_value = np.dtype(np.uintp) if item.dtype.kind == "O" else item.dtype
        declared = _check_declared_size(path, "HDF5", key, item.shape, per_value)
        _check_hdf5_written(path, key, item, declared)
        return np.asarray(item.asstr()[()]) if text else item[()]

    return read


def load_hdf5(path, *, seed: int, validation_split: float, max_samples: int | None = None,
              task: str = "auto") -> Dataset:
    import h5py

    path = regular_file(Path(path), "HDF5 file")
    require_hdf5(path, "HDF5 file")
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise DatasetError(f"HDF5 file {path} cannot be read: {exc}") from exc
    with handle:
        available = list(handle.keys()) + (["class_names"] if "class_names" in handle.attrs else [])
        return _from_named_arrays(path, "HDF5", _hdf5_reader(handle, path), available, seed=seed,
                                  validation_split=validation_split, max_samples=max_samples, task=task)
