"""The built wheel works on its own: presets, blocks, styles and data travel inside the package.

The wheel is built from a copy of the sources and installed (not editable)
into a fresh virtual environment.  That environment sees the test
environment's third-party packages through a `.pth` path line, so TensorFlow
is not installed again; a path line is not processed as a site folder, so
the project's own editable install there stays inactive, and the commands
run from a folder outside the checkout without PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from workbench.spec import preset_paths
from workbench.spec.networks_io import network_preset_paths

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(argv: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{argv} exited {out.returncode}\n{out.stdout}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bin` folder of a fresh venv holding the wheel built from this checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "workbench", source / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp / "dist",
          source], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("keras_workbench-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
         cwd=tmp, env=_env(tmp))  # PYTHONPATH would show pip the checkout as already installed
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp).stdout.strip())
    (site / "shared_packages.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return venv / "bin"


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WORKBENCH_PRESETS")}
    return {**env, "WORKBENCH_HOME": str(tmp_path / "home")}


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    out = _run([installed / "python", "-c", "import workbench; print(workbench.__file__)"], tmp_path, _env(tmp_path))
    location = Path(out.stdout.strip())
    assert location.is_relative_to(installed.parent) and location.name == "__init__.py"


def test_installed_cli_lists_every_preset_and_summarises_lenet5(installed, tmp_path):
    env = _env(tmp_path)
    presets = json.loads(_run([installed / "workbench", "presets", "--json"], tmp_path, env).stdout)
    # every preset of the checkout, lenet5 among them, and the multi-network ones
    assert {p["slug"] for p in presets} == set(preset_paths()) | set(network_preset_paths())
    summary = json.loads(_run([installed / "workbench", "summary", "lenet5", "--json"], tmp_path, env).stdout)
    assert (summary["name"], summary["total_params"]) == ("LeNet-5", 61_706)


def test_installed_package_carries_blocks_styles_and_both_data_sets(installed, tmp_path):
    code = (
        "from workbench.spec.blocks import block_paths, bundled_blocks_dir\n"
        "from workbench import paths\n"
        "from workbench.data import load_dataset\n"
        "print(len(block_paths(bundled_blocks_dir())))\n"
        "print(sorted(p.name for p in paths.package_file('resources', 'styles').iterdir()))\n"
        "print(load_dataset('digits').num_train + load_dataset('digits').num_val,"
        " load_dataset('mnist_subset').x_train.shape[1:])\n"
    )
    lines = _run([installed / "python", "-c", code], tmp_path, _env(tmp_path)).stdout.splitlines()
    assert lines == ["15", "['common.qss', 'dark.qss', 'light.qss']", "1797 (28, 28, 1)"]
