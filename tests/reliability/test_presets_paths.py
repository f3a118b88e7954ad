"""Preset paths that are not local regular files: refused at once with a clear message, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from workbench.cli import main
from workbench.spec import preset_io

from ._presets import mlp, write
from ._rss import PEAK_RSS_SOURCE

#: runs `workbench summary PATH` and prints its exit code and the peak RSS of the process (KiB)
_MEASURED = PEAK_RSS_SOURCE + (
    "import sys\nfrom workbench.cli import main\ncode = main(['summary', sys.argv[1]])\n"
    "print(code, peak_rss_kib())\n"
)


def _summary_in_a_subprocess(path) -> tuple[int, int, str]:
    run = subprocess.run([sys.executable, "-c", _MEASURED, str(path)], capture_output=True, text=True, timeout=60)
    code, rss = run.stdout.split()
    return int(code), int(rss), run.stderr


def test_a_link_to_dev_zero_is_refused_without_reading(tmp_path):
    link = tmp_path / "z.json"
    link.symlink_to("/dev/zero")
    code, rss_kib, err = _summary_in_a_subprocess(link)
    print(f"/dev/zero link: exit {code}, peak RSS {rss_kib / 1024:.0f} MiB")
    assert code == 2
    assert err.strip() == f"error: {link}: not a regular file (a device)"
    assert rss_kib < 400 * 1024


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "f.json"
    os.mkfifo(fifo)
    code, _, err = _summary_in_a_subprocess(fifo)  # the timeout fails the test if reading blocked
    assert code == 2
    assert err.strip() == f"error: {fifo}: not a regular file (a FIFO)"


def test_a_directory_named_like_a_preset_is_refused(tmp_path, capsys):
    (tmp_path / "d.json").mkdir()
    assert main(["summary", str(tmp_path / "d.json")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'd.json'}: not a regular file (a directory)"


@pytest.mark.parametrize("url", ["https://example.org/m.json", "gs://bucket/mlp.json", "https://example.org/m.h5"])
def test_urls_say_they_are_not_supported(url, capsys):
    assert main(["summary", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {url}: URLs are not supported") and "no such file" not in err


def test_a_preset_over_the_size_cap_is_refused_before_parsing(tmp_path, capsys, monkeypatch):
    path = write(tmp_path / "big.json", mlp())
    size = path.stat().st_size
    monkeypatch.setattr(preset_io, "MAX_PRESET_BYTES", size - 1)
    assert main(["summary", str(path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {path}: {size:,} bytes is more than the {size - 1:,} a preset may have"
    )


def test_the_size_cap_is_far_above_the_largest_preset():
    largest = max(p.stat().st_size for p in preset_io.preset_paths().values())
    assert preset_io.MAX_PRESET_BYTES >= 100 * largest
