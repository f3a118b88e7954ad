"""Exported scripts and terminal output treat names and descriptions from files as data."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

from workbench.cli import main
from workbench.export import export_model
from workbench.spec import LayerSpec, ModelSpec

from ._presets import mlp, write

#: a stand-in `keras` package: every call succeeds, so running the script needs no TensorFlow
FAKE_KERAS = textwrap.dedent(
    """
    class _Any:
        def __init__(self, *args, **kwargs): pass
        def __call__(self, *args, **kwargs): return _Any()
        def __getattr__(self, name): return _Any()
    Input = Model = _Any
    layers = _Any()
    """
)


def _hostile_spec(marker) -> ModelSpec:
    name = f'm"""\nimport pathlib; pathlib.Path({str(marker)!r}).touch()\n"""'
    description = 'ends with a backslash \\ and quotes """; import os\\\n""" \\"""'
    layers = [
        LayerSpec("a'b\"c", "Dense", {"units": 4}),
        LayerSpec('x\n"""\nimport os\n', "Dense", {"units": 2, "activation": "softmax"}),
    ]
    return ModelSpec(name=name, input_shape=(3,), layers=layers, description=description)


def test_hostile_names_in_an_exported_script_stay_strings(tmp_path):
    marker = tmp_path / "pwned"
    spec = _hostile_spec(marker)
    script = export_model(spec, tmp_path / "model.py")
    source = script.read_text(encoding="utf-8")
    tree = ast.parse(source)  # a SyntaxError here is the bug the description used to cause
    compile(source, str(script), "exec")
    docstring = ast.get_docstring(tree)
    assert docstring.startswith(spec.name + ":")  # the exact text, as data
    assert 'ends with a backslash \\ and quotes """; import os\\ """ \\"""' in docstring
    assert {a.name for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names} == {"keras", "layers"}
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text(FAKE_KERAS)
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
    names = [kw.value.value for n in ast.walk(tree) if isinstance(n, ast.Call) for kw in n.keywords
             if kw.arg == "name" and isinstance(kw.value, ast.Constant)]
    assert {layer.name for layer in spec.layers} < set(names)  # each name reaches Keras unchanged


def test_export_to_a_script_imports_no_tensorflow(tmp_path):
    target = tmp_path / "alexnet.py"
    code = (
        "import sys\nfrom workbench.cli import main\n"
        f"assert main(['export', 'alexnet', '--to', {str(target)!r}]) == 0\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
    source = target.read_text(encoding="utf-8")
    assert "class LocalResponseNormalization(keras.layers.Layer):" in source
    assert "register_keras_serializable" not in source
    compile(source, str(target), "exec")


def test_summary_escapes_control_characters_in_names(tmp_path, capsys):
    from .test_model_files_config import keras_file

    path = keras_file(tmp_path / "evil.keras", ["hid\x1b[31mden", "out"], name="evil\x1b[2J\x1b]0;title\x07\u202eman")
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert 'Model: "evil\\x1b[2J\\x1b]0;title\\x07\\u202eman"' in out
    assert "hid\\x1b[31mden (Dense)" in out


def test_presets_diff_and_errors_escape_control_characters(tmp_path, capsys, monkeypatch):
    from workbench.spec.preset_io import presets_dir

    bundled = presets_dir()
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "schema.json").write_text((bundled / "schema.json").read_text())
    write(folder / "bell.json", mlp(name="bell\x07\x1b[5m"))
    monkeypatch.setenv("WORKBENCH_PRESETS", str(folder))
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "bell\\x07\\x1b[5m" in out and "\x1b" not in out

    other = mlp(name="new\x1b[8m")
    other["layers"][0]["config"]["units"] = 9
    assert main(["diff", str(folder / "bell.json"), str(write(tmp_path / "b.json", other))]) == 0
    out = capsys.readouterr().out
    assert "B: new\\x1b[8m" in out and "\x1b" not in out

    broken = mlp(name="x")
    broken["layers"][1]["inputs"] = ["gone\x1b[2J"]
    assert main(["summary", str(write(tmp_path / "broken.json", broken))]) == 2
    err = capsys.readouterr().err
    assert "input 'gone\\x1b[2J' does not exist" in err and "\x1b" not in err
