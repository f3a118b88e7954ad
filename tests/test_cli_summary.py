"""`workbench presets` / `workbench summary` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench.cli import main

SUMMARY_KEYS = [
    "name", "input_shape", "total_params", "trainable_params", "non_trainable_params", "total_macs",
    "total_activation_bytes", "training_memory_bytes", "warnings", "layers",
]
LAYER_KEYS = [
    "name", "type", "inputs", "output_shape", "params", "trainable_params", "macs", "activation_bytes",
    "receptive_field", "jump",
]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_json_contract(capsys):
    code, out, _ = run(capsys, "summary", "lenet5", "--json", "--batch-size", "8")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == SUMMARY_KEYS
    assert list(doc["layers"][0]) == LAYER_KEYS
    assert doc["total_params"] == 61706 and doc["input_shape"] == [32, 32, 1]
    c1 = doc["layers"][0]
    assert c1 == {
        "name": "c1", "type": "Conv2D", "inputs": ["input"], "output_shape": [28, 28, 6], "params": 156,
        "trainable_params": 156, "macs": 117600, "activation_bytes": 18816, "receptive_field": 5, "jump": 1,
    }
    assert doc["layers"][5]["receptive_field"] is None


def test_summary_table_and_overrides(capsys):
    code, out, _ = run(capsys, "summary", "lenet5", "--input-shape", "28,28,1", "--classes", "3")
    assert code == 0
    assert "Total params: 43,831" in out
    assert "f7 (Dense)" in out and "Multiply-adds:" in out and "Training memory (batch 32, adam)" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["summary", "nope"], "'nope' is neither a preset nor a file"),
        (["summary", "lenet5", "--input-shape", "a,b"], "--input-shape: expected integers"),
        (["summary", "lenet5", "--input-shape", "4,4,1"], "layer c1: kernel 5 is larger than its input 4"),
        (["summary", "missing.h5"], "missing.h5: no such file"),
        (["summary", "lenet5", "--batch-size", "0"], "--batch-size must be positive"),
    ],
)
def test_bad_input_exits_2_with_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_malformed_preset_file(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    code, _, err = run(capsys, "summary", str(bad))
    assert code == 2 and f"{bad}:1:2: invalid JSON" in err


def test_presets_table_lists_every_preset_with_its_task(capsys):
    code, out, _ = run(capsys, "presets")
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["lenet5"][3] == "classification" and rows["perceptron"][2:4] == ["perceptron", "perceptron"]
    assert "gan" in rows["cdcgan_mnist"] and "seq2seq" in rows["seq2seq_dates"]


def test_presets_lists_every_preset(capsys):
    code, out, _ = run(capsys, "presets", "--json")
    rows = {r["slug"]: r for r in json.loads(out)}
    assert rows["lenet5"]["params"] == 61706 and rows["lenet5"]["macs"] == 416520
    assert all(not r["errors"] for r in rows.values())


def test_summary_does_not_import_tensorflow():
    code = (
        "import sys; from workbench.cli import main; rc = main(['summary', 'lenet5', '--json']);"
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; sys.exit(rc or bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_summary_keeps_stride_notes_in_its_warnings(capsys):
    code, out, _ = run(capsys, "summary", "resnet50", "--json")
    assert code == 0
    warnings = json.loads(out)["warnings"]
    assert len(warnings) == 8 and warnings[0].startswith("conv1_conv: Conv2D 7×7/2 does not tile its 230×230 input")
    assert all(w.endswith("drops the last 1 row and 1 column") for w in warnings)
    code, out, _ = run(capsys, "summary", "resnet50")
    assert out.count(" note: ") == 8 and " warning: " not in out
