"""Broken or hostile preset contents: one message naming the place, exit 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench.cli import main
from workbench.spec import INPUT, LayerSpec, ModelSpec, analyze, parse_preset
from workbench.spec.graph import MAX_LAYERS
from workbench.spec.units import human, human_bytes

from ._presets import mlp, write
from ._rss import PEAK_RSS_SOURCE


def _summary(capsys, path) -> tuple[int, str]:
    code = main(["summary", str(path)])
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize(
    "literal, shown",
    [("Infinity", "inf is not a finite number"), ("-Infinity", "-inf is not a finite number"),
     ("NaN", "nan is not a finite number"), ("1e308", "1e+308 is out of range"), ("1e999", "inf is not a finite number"),
     ("12345678901234567890", "12345678901234567890 is out of range")],
)
def test_non_finite_and_absurd_numbers_name_the_layer_and_key(tmp_path, capsys, literal, shown):
    text = json.dumps(mlp()).replace('"units": 8', f'"units": {literal}')
    code, err = _summary(capsys, write(tmp_path / "n.json", text))
    assert code == 2
    assert err.startswith(f"error: {tmp_path / 'n.json'}: layer 'hidden' (layers[0]).config.units: {shown}")


def test_an_integer_literal_too_long_for_python_is_a_json_error(tmp_path, capsys):
    text = json.dumps(mlp()).replace('"units": 8', '"units": ' + "9" * 5000)
    code, err = _summary(capsys, write(tmp_path / "long.json", text))
    assert code == 2 and err.startswith(f"error: {tmp_path / 'long.json'}:1:1: invalid JSON: Exceeds the limit")


def test_a_10000_deep_json_array_is_refused(tmp_path, capsys):
    code, err = _summary(capsys, write(tmp_path / "deep.json", "[" * 10_000 + "]" * 10_000))
    assert code == 2
    assert err == f"error: {tmp_path / 'deep.json'}:1:1: invalid JSON: nested too deeply (a preset needs at most 32 levels)"


def test_a_500_deep_layer_config_is_refused_naming_the_layer(tmp_path, capsys):
    text = json.dumps(mlp()).replace('"units": 8', '"units": ' + "[" * 500 + "]" * 500)
    code, err = _summary(capsys, write(tmp_path / "nest.json", text))
    assert code == 2
    assert err.startswith(f"error: {tmp_path / 'nest.json'}: layer 'hidden' (layers[0]).config.units[0]")
    assert err.endswith("nested more than 32 levels deep")


def test_duplicate_keys_are_refused_with_the_key_and_line(tmp_path, capsys):
    text = json.dumps(mlp(), indent=1).replace('"units": 3,', '"units": 3, "units": 30,')
    line = next(i for i, l in enumerate(text.splitlines(), 1) if '"units": 30' in l)
    code, err = _summary(capsys, write(tmp_path / "dup.json", text))
    assert code == 2
    assert err == f'error: {tmp_path / "dup.json"}:{line}: invalid JSON: the key "units" appears twice in one object'


def test_keys_repeated_in_different_objects_are_fine():
    spec = parse_preset(json.dumps(mlp()))
    assert spec.names() == ["hidden", "out"]


def _many_layers(n: int) -> str:
    layers = ",".join(f'{{"name":"r{i}","type":"ReLU"}}' for i in range(n))
    return f'{{"workbench_preset":1,"name":"many","input_shape":[4],"layers":[{layers}]}}'


def test_more_layers_than_the_cap_are_refused_quickly_and_in_little_memory(tmp_path):
    path = write(tmp_path / "many.json", _many_layers(MAX_LAYERS + 1))
    code = PEAK_RSS_SOURCE + (
        "import sys, time\nfrom workbench.cli import main\nstart = time.perf_counter()\n"
        "code = main(['summary', sys.argv[1]])\n"
        "print(code, peak_rss_kib(), time.perf_counter() - start)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    exit_code, rss, seconds = run.stdout.split()
    print(f"{MAX_LAYERS + 1} layers ({path.stat().st_size:,} bytes): exit {exit_code}, "
          f"peak RSS {int(rss) / 1024:.0f} MiB, {float(seconds):.2f} s")
    assert int(exit_code) == 2
    assert run.stderr.strip() == f"error: {path}: 20,001 layers is more than the 20,000 a preset may have"


def test_an_unused_input_layer_is_an_error_naming_it(tmp_path, capsys):
    doc = mlp()
    doc["layers"].insert(0, {"name": "side", "type": "Input", "config": {"shape": [2]}})
    doc["layers"][1]["inputs"] = ["input"]
    code, err = _summary(capsys, write(tmp_path / "side.json", doc))
    assert code == 2
    assert "layer side: model input 'side' feeds no output" in err


def test_a_layer_that_feeds_no_output_is_warned_and_not_counted(tmp_path, capsys):
    doc = mlp()
    doc["layers"].insert(1, {"name": "dead", "type": "Dense", "config": {"units": 3}})
    doc["layers"][2]["inputs"] = ["hidden"]
    path = write(tmp_path / "dead.json", doc)
    assert main(["summary", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["total_params"] == (4 * 8 + 8) + (8 * 3 + 3)  # what Keras builds: 67, not 94
    assert summary["warnings"] == ["dead: feeds no output: Keras leaves it out of the model, so it is not counted"]


def test_a_cycle_names_only_the_layers_on_it():
    spec = ModelSpec("c", (4,), [
        LayerSpec("a", "Dense", {"units": 4}),
        LayerSpec("b", "Add", {}, ["a", "c"]),
        LayerSpec("c", "Dense", {"units": 4}, ["b"]),
        LayerSpec("after", "Dense", {"units": 2}, ["c"]),
    ])
    cycle = {p.layer for p in analyze(spec).errors if p.message == "is part of a cycle"}
    assert cycle == {"b", "c"}


def test_specs_built_in_code_with_infinite_sizes_are_problems_not_crashes():
    spec = ModelSpec("x", (4,), [LayerSpec("d", "Dense", {"units": float("inf")}), LayerSpec("e", "Conv1D", {"filters": 2, "kernel_size": float("nan")}, [INPUT])])
    problems = {p.layer: p.message for p in analyze(spec).errors}
    assert problems == {"d": "'units' must be an integer, got inf", "e": "'kernel_size' must hold integers, got nan"}
    assert human(10**400) == "1.00e+400" and human_bytes(2**2000).endswith("TiB")
