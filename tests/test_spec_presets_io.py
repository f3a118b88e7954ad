"""Preset files: schema validation with located errors, exact round trips, versions."""

from __future__ import annotations

import json

import pytest

from workbench.atomic import SaveError
from workbench.spec import PresetError, dumps, load_named, load_preset, parse_preset, preset_paths, save_preset


def test_every_preset_round_trips_exactly(tmp_path):
    for slug, path in preset_paths().items():
        spec = load_preset(path)
        out = tmp_path / f"{slug}.json"
        save_preset(spec, out)
        again = load_preset(out)
        assert again == spec
        assert json.loads(out.read_text()) == json.loads(path.read_text())
        assert dumps(again) == out.read_text()


def test_invalid_json_names_line_and_column(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "workbench_preset": 1,\n  "name": "x",,\n}')
    with pytest.raises(PresetError) as err:
        load_preset(bad)
    assert err.value.problems == [f"{bad}:3:15: invalid JSON: Expecting property name enclosed in double quotes"]


def test_schema_errors_name_the_layer():
    data = json.loads(dumps(load_named("lenet5")))
    data["layers"][2]["config"] = "filters=16"
    data["layers"][3]["bogus"] = 1
    with pytest.raises(PresetError) as err:
        parse_preset(json.dumps(data), "p.json")
    problems = err.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("p.json: layer 'c3' (layers[2]).config: 'filters=16' is not of type 'object'")
    assert problems[1].startswith("p.json: layer 's4' (layers[3]): Additional properties")


@pytest.mark.parametrize(
    "version, message",
    [(None, "not a workbench preset"), (2, "written by a newer workbench"), ("1", "positive integer")],
)
def test_versions(version, message):
    data = json.loads(dumps(load_named("lenet5")))
    if version is None:
        del data["workbench_preset"]
    else:
        data["workbench_preset"] = version
    with pytest.raises(PresetError, match=message):
        parse_preset(json.dumps(data))


def test_missing_file_and_unknown_slug(tmp_path):
    with pytest.raises(PresetError, match="no such file"):
        load_preset(tmp_path / "nope.json")
    with pytest.raises(PresetError, match="unknown preset 'nope'.*lenet5"):
        load_named("nope")


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    out = tmp_path / "p.json"
    spec = load_named("lenet5")
    save_preset(spec, out)
    before = out.read_text()
    spec.name = "changed"

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(SaveError, match="No space left on device. The previous file is unchanged"):
        save_preset(spec, out)
    assert out.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]
