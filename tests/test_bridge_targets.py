"""Opening models by slug or path (keras_bridge.targets), shared by the CLI and the window."""

from __future__ import annotations

import pytest

from workbench.cli import main as cli_main
from workbench.errors import WorkbenchError
from workbench.keras_bridge.targets import open_model, openable, parse_shape, read_model_file
from workbench.spec import load_named, save_preset


def test_parse_shape_reads_three_spellings_and_names_no_flag():
    assert parse_shape("224,224,3") == parse_shape("224x224x3") == parse_shape("224×224×3") == (224, 224, 3)
    with pytest.raises(WorkbenchError) as bad:
        parse_shape("a,b")
    assert bad.value.problems == ["expected integers like 224,224,3, got 'a,b'"]
    with pytest.raises(WorkbenchError, match="^every size must be positive, got '0,4'$"):
        parse_shape("0,4")


def test_the_cli_adds_its_flag_name(capsys):
    assert cli_main(["summary", "lenet5", "--input-shape", "a,b"]) == 2
    assert "--input-shape: expected integers like 224,224,3, got 'a,b'" in capsys.readouterr().err


def test_open_model_by_slug_and_by_preset_file(tmp_path):
    assert open_model("lenet5").to_dict() == load_named("lenet5").to_dict()
    path = tmp_path / "mine.json"
    save_preset(load_named("lenet5"), path)
    assert open_model(path).name == read_model_file(path).name == "LeNet-5"


def test_open_model_says_what_is_wrong(tmp_path):
    with pytest.raises(WorkbenchError, match=r"^'nope' is neither a preset nor a file \(presets: .*lenet5"):
        open_model("nope")
    with pytest.raises(WorkbenchError, match=r"missing\.h5: no such file$"):
        open_model(tmp_path / "missing.h5")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(WorkbenchError, match=r"notes\.txt: not a preset \(\.json\) or a model file \(\.h5, \.hdf5, \.keras\)"):
        open_model(tmp_path / "notes.txt")
    with pytest.raises(WorkbenchError, match=r"^notes\.txt: cannot open '\.txt' files; open a preset"):
        read_model_file(tmp_path / "notes.txt")
    assert [openable(n) for n in ("a.json", "a.H5", "a.keras", "a.txt", "a")] == [True, True, True, False, False]
