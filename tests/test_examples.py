"""Every script in examples/ runs and prints the numbers it promises.

The scripts run one after another in one Python process, as `__main__`, so
that TensorFlow is imported once for all four instead of once each (most of
their time); each script's output and error are kept apart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = ("edit_a_preset", "train_with_a_sink", "compare_two_specs", "read_a_keras_file")

#: runs each script given on the command line as __main__, then prints {name: [exit code, stdout, traceback]}
_RUNNER = """
import contextlib, io, json, runpy, sys, traceback
results = {}
for path in sys.argv[1:]:
    out, code, error = io.StringIO(), 0, ""
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code, error = 1, traceback.format_exc()
    results[path] = [code, out.getvalue(), error]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Script name -> (exit code, stdout lines, traceback), all run in one process in an empty working folder."""
    cwd = tmp_path_factory.mktemp("examples")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(cwd / "keras-home")}
    paths = [str(EXAMPLES / f"{name}.py") for name in SCRIPTS]
    proc = subprocess.run([sys.executable, "-c", _RUNNER, *paths], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.splitlines()[-1])
    return {name: results[path] for name, path in zip(SCRIPTS, paths)}, cwd


def output(runs, name: str) -> list[str]:
    code, out, error = runs[0][name]
    assert code == 0, error[-3000:] or f"{name} exited {code}"
    return out.splitlines()


def test_every_example_is_run_here():
    assert sorted(p.stem for p in EXAMPLES.glob("*.py")) == sorted(SCRIPTS)


def test_edit_a_preset(runs):
    lines = output(runs, "edit_a_preset")
    assert lines[0] == "LeNet-5: 8 layers, 61,706 params"
    assert lines[1] == "refused: connecting 'logits' to 'c1' would make a cycle ('logits' depends on 'c1')"
    # c1 208 + c3 3,216 + c5 48,120 + f6 10,164 + logits 425
    assert lines[2] == "edited: 9 layers, 62,133 params, output (5,)"
    assert lines[3] == "chain: c1 -> s2 -> c3 -> s4 -> flatten -> c5 -> f6 -> dropout -> logits"


def test_train_with_a_sink(runs):
    lines = output(runs, "train_with_a_sink")
    assert lines[0] == "XOR MLP: 82 params"
    assert lines[1] == "training 82 params on 800 samples, 25 steps per epoch"
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["epoch 1", "epoch 2"]
    assert all(0.0 <= float(line.rsplit(" ", 1)[1]) <= 1.0 for line in epochs)
    assert lines[-2:] == ["finished after 2 epochs", "epochs in the history: [1, 2]"]


def test_compare_two_specs(runs):
    lines = output(runs, "compare_two_specs")
    assert lines[0] == "Small -> Wide: params 42 -> 162 (delta +120)"
    assert lines[1] == "  changed hidden: units: 8 → 32, params +72"
    assert [line.split(", val accuracy")[0] for line in lines[2:]] == [
        "Small: finished, 42 params, 1 epoch", "Wide: finished, 162 params, 1 epoch"]


def test_read_a_keras_file(runs):
    lines = output(runs, "read_a_keras_file")
    assert lines[0] == "small_cnn: input 28×28×1, 4 layers"
    assert lines[1].split() == ["conv", "Conv2D", "26×26×8", "80", "params"]
    assert lines[-1] == "total 13,610 params (Keras counts 13,610), 62.2K MACs"


def test_examples_write_nothing_outside_their_temporary_folders(runs):
    for name in SCRIPTS:
        output(runs, name)
    _, cwd = runs
    assert [p.name for p in cwd.iterdir() if p.name != "keras-home"] == []
