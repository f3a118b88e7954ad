"""The import layers of pyproject.toml's [tool.importlinter] hold, and the spec's imports stay few.

`lint-imports` checks every import statement, those inside functions
included, so a lazy import of Keras from the spec breaks it as surely as a
top-level one.  What it cannot see is whether a lazy import actually runs:
the tests that run a command and then look in `sys.modules` (e.g.
test_cli_summary's "summary does not import TensorFlow") stay for that.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
#: the third-party packages `workbench.spec` may import (grandalf: pure-Python graph layout)
SPEC_MAY_IMPORT = {"numpy", "jsonschema", "grandalf"}
#: the project's bottom modules, below every layer
BOTTOM = {"workbench.errors", "workbench.paths", "workbench.atomic", "workbench.local_files"}


def test_lint_imports_keeps_every_contract():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_spec_imports_only_the_standard_library_numpy_jsonschema_and_the_bottom_modules():
    graph = grimp.build_graph("workbench", include_external_packages=True, cache_dir=None)
    spec_modules = {m for m in graph.modules if m == "workbench.spec" or m.startswith("workbench.spec.")}
    imported = {target for m in spec_modules for target in graph.find_modules_directly_imported_by(m)}
    outside = {
        m for m in imported - spec_modules
        if m not in BOTTOM and m.split(".")[0] not in SPEC_MAY_IMPORT | set(sys.stdlib_module_names)
    }
    assert outside == set()
    assert "jsonschema" in imported  # the graph does list third-party imports
