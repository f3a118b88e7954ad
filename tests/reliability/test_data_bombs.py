"""Data files that declare more than they hold or more than memory can take: refused before any big read.

Each case also runs in a fresh process that reports its peak RSS, so a
regression that reads the declared gigabytes shows as a number, not only as
a missing message.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile

import h5py
import numpy as np
import pytest

from workbench.data import DatasetError, load_dataset

from ._rss import PEAK_RSS_SOURCE

GIB = 1 << 30
#: a process that only imports the loaders and reads a few KB stays well under this
RSS_LIMIT_MB = 400


def _unwritten_h5(path, chunked: bool) -> None:
    """69 KB on disk, 1 GiB declared: `x` is created but never written."""
    with h5py.File(path, "w") as f:
        f.create_dataset("x", shape=(GIB // 4 // 64, 64), dtype="float32", chunks=(1024, 64) if chunked else None)
        f.create_dataset("y", data=np.zeros(GIB // 4 // 64, dtype="int8"), chunks=(1 << 16,), compression="gzip")


def _forged_npz(path) -> None:
    """An .npz whose `x` header declares 1 GiB and holds 16 bytes."""
    header = {"descr": "<f4", "fortran_order": False, "shape": (GIB // 4 // 64, 64)}
    member = bytearray(b"\x93NUMPY\x01\x00")
    text = repr(header).encode("latin1")
    text += b" " * (64 - (len(member) + 2 + len(text) + 1) % 64) + b"\n"
    member += len(text).to_bytes(2, "little") + text + bytes(16)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", bytes(member))
        with archive.open("y.npy", "w") as out:
            np.lib.format.write_array(out, np.zeros(4, dtype=np.int64))


def _peak_rss_mb(path) -> tuple[float, str]:
    """Load `path` in a fresh process; its peak RSS (MB) and the error message (Linux)."""
    script = textwrap.dedent(
        f"""
        import json
        from workbench.data import DatasetError, load_dataset
        try:
            load_dataset({str(path)!r})
            message = ""
        except DatasetError as exc:
            message = str(exc)
        print(json.dumps([peak_rss_kib() / 1024, message]))
        """
    )
    done = subprocess.run([sys.executable, "-c", PEAK_RSS_SOURCE + script], capture_output=True, text=True, timeout=120, check=True)
    rss, message = json.loads(done.stdout.strip().splitlines()[-1])
    return rss, message


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS read from /proc")


@linux_only
@pytest.mark.parametrize("chunked", [False, True], ids=["contiguous", "chunked"])
def test_an_unwritten_hdf5_dataset_is_refused_without_reading_it(tmp_path, chunked):
    path = tmp_path / "bomb.h5"
    _unwritten_h5(path, chunked)
    assert path.stat().st_size < 200_000
    rss, message = _peak_rss_mb(path)
    assert "dataset 'x' declares 1.0 GiB (4194304, 64)" in message
    assert ("0 of its 4,096 chunks are written" if chunked else "stores only 0 bytes of it (never written)") in message
    assert rss < RSS_LIMIT_MB, f"peak RSS {rss:.0f} MB"
    print(f"unwritten {'chunked' if chunked else 'contiguous'} HDF5, 1 GiB declared: peak RSS {rss:.0f} MB")


@linux_only
def test_an_npz_header_declaring_more_than_its_member_holds_is_refused(tmp_path):
    path = tmp_path / "bomb.npz"
    _forged_npz(path)
    rss, message = _peak_rss_mb(path)
    assert "array 'x' declares 1.0 GiB (4194304, 64) but the archive holds only 16 bytes of it" in message
    assert rss < RSS_LIMIT_MB, f"peak RSS {rss:.0f} MB"
    print(f"forged NPZ, 1 GiB declared: peak RSS {rss:.0f} MB")


def test_arrays_larger_than_the_free_memory_allows_are_refused(tmp_path, monkeypatch):
    from workbench import host_memory

    path = tmp_path / "big.npz"
    np.savez(path, x=np.zeros((4096, 64), np.float32), y=np.arange(4096) % 2)  # 1 MiB of x
    monkeypatch.setattr(host_memory, "free_host_memory", lambda: 1 << 20)
    with pytest.raises(DatasetError, match=r"array 'x' declares 1\.0 MiB, more than 50% of the 1\.0 MiB of free"):
        load_dataset(path)
    h5 = tmp_path / "big.h5"
    with h5py.File(h5, "w") as f:
        f["x"], f["y"] = np.zeros((4096, 64), np.float32), np.arange(4096) % 2
    with pytest.raises(DatasetError, match=r"HDF5 file .*big\.h5: array 'x' declares 1\.0 MiB, more than 50%"):
        load_dataset(h5)
    monkeypatch.setattr(host_memory, "free_host_memory", lambda: 64 << 20)
    assert load_dataset(h5, validation_split=0).num_train == 4096  # the same file loads when memory allows


def test_a_fully_written_compressed_hdf5_still_loads(tmp_path):
    path = tmp_path / "ok.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.ones((500, 8), np.float32), chunks=(64, 8), compression="gzip")
        f.create_dataset("y", data=np.arange(500) % 3)
    assert load_dataset(path, validation_split=0).num_train == 500


@pytest.mark.parametrize("kind", ["npz", "h5", "csv"])
def test_non_finite_inputs_name_their_rows_and_count(tmp_path, kind):
    x = np.ones((40, 3), np.float32)
    x[[3, 17, 18, 25, 30, 31, 39], 1] = np.nan
    x[17, 2] = np.inf
    y = np.arange(40) % 2
    path = tmp_path / f"bad.{kind}"
    if kind == "npz":
        np.savez(path, x=x, y=y)
    elif kind == "h5":
        with h5py.File(path, "w") as f:
            f["x"], f["y"] = x, y
    else:
        path.write_text("a,b,c,label\n" + "".join(f"{r[0]},{r[1]},{r[2]},{c}\n" for r, c in zip(x, y)))
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    message = str(caught.value)
    if kind == "csv":  # rows counted as the file's lines, with the column
        assert "7 missing values (empty or NA) in feature columns, the first at row 5, column 'b'" in message
    else:
        assert "hold 8 non-finite values (NaN or Inf) in 7 of 40 samples (rows 3, 17, 18, 25, 30 and 2 more" in message


@pytest.mark.parametrize("kind", ["npz", "h5"])
def test_non_finite_labels_name_their_rows(tmp_path, kind):
    x, y = np.ones((10, 2), np.float32), np.arange(10, dtype=np.float64) % 2
    y[[4, 6]] = np.nan
    path = tmp_path / f"bad.{kind}"
    if kind == "npz":
        np.savez(path, x=x, y=y)
    else:
        with h5py.File(path, "w") as f:
            f["x"], f["y"] = x, y
    with pytest.raises(DatasetError, match=r"hold 2 missing or non-finite values \(NaN or Inf\) in rows 4, 6 "):
        load_dataset(path)


@pytest.mark.parametrize("kind", ["npz", "h5"])
def test_a_file_with_no_rows_says_so(tmp_path, kind):
    path = tmp_path / f"empty.{kind}"
    x, y = np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    if kind == "npz":
        np.savez(path, x=x, y=y)
    else:
        with h5py.File(path, "w") as f:
            f["x"], f["y"] = x, y
    with pytest.raises(DatasetError, match=r"empty\.(npz|h5) holds no samples \(0 rows\)"):
        load_dataset(path)
