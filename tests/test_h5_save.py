"""Model files: .h5 with workbench attributes loads in plain Keras and through our safe path; saves are atomic."""

from __future__ import annotations

import errno
import json
import os

import h5py
import keras
import numpy as np
import pytest

from workbench import keras_bridge
from workbench.spec import LayerSpec, ModelSpec
from workbench.train import ATTR_HISTORY, ATTR_PRESET, ATTR_RUN, SaveError, save_model, workbench_metadata
from workbench.atomic import temp_path_for

SPEC = ModelSpec(
    name="tiny-lrn",
    input_shape=(8, 8, 1),
    layers=[
        LayerSpec("conv", "Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
        LayerSpec("lrn", "LocalResponseNormalization", {}),
        LayerSpec("flatten", "Flatten"),
        LayerSpec("out", "Dense", {"units": 3, "activation": "softmax"}),
    ],
)


@pytest.fixture(scope="module")
def trained():
    """A compiled model with optimizer state (one fit step), and a fixed batch to predict."""
    keras.utils.set_random_seed(3)
    model = keras_bridge.build(SPEC)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.random((16, 8, 8, 1), dtype=np.float32)
    model.fit(x, rng.integers(0, 3, 16), batch_size=16, epochs=1, verbose=0)
    return model, x


def _no_temps(folder):
    return [p.name for p in folder.iterdir() if ".tmp" in p.name]


def test_h5_round_trip_plain_keras_and_safe_loader_give_identical_predictions(trained, tmp_path):
    model, x = trained
    path = save_model(model, tmp_path / "model.h5", workbench_metadata(SPEC, {"epoch": [1], "loss": [0.5]}, {"seed": 3}))
    expected = model.predict_on_batch(x)
    plain = keras.models.load_model(path)
    np.testing.assert_array_equal(plain.predict_on_batch(x), expected)
    assert [layer.name for layer in plain.layers] == ["input", "conv", "lrn", "flatten", "out"]
    ours = keras_bridge.load_model(path)
    np.testing.assert_array_equal(ours.predict_on_batch(x), expected)
    assert _no_temps(tmp_path) == []


def test_metadata_attributes_are_single_json_strings(trained, tmp_path):
    model, _ = trained
    history = {"epoch": [1, 2], "loss": [0.9, float("nan")]}
    path = save_model(model, tmp_path / "model.h5", workbench_metadata(SPEC, history, {"status": "nan"}))
    with h5py.File(path, "r") as f:
        for name in (ATTR_PRESET, ATTR_HISTORY, ATTR_RUN):
            assert f.attrs[name].__class__ is str
    meta = keras_bridge.read_metadata(path)
    assert meta[ATTR_HISTORY] == {"epoch": [1, 2], "loss": [0.9, None]}
    assert meta[ATTR_RUN] == {"status": "nan"}
    assert meta[ATTR_PRESET]["name"] == "tiny-lrn"
    assert [layer["name"] for layer in meta[ATTR_PRESET]["layers"]] == ["conv", "lrn", "flatten", "out"]


def test_history_larger_than_an_hdf5_object_header_is_stored(trained, tmp_path):
    model, x = trained
    epochs = 3000  # ~170 KB of JSON, far past the 64 KiB limit of array attributes
    history = {"epoch": list(range(1, epochs + 1)), **{k: [0.123456789] * epochs for k in ("loss", "accuracy", "val_loss", "val_accuracy")}}
    path = save_model(model, tmp_path / "model.h5", {ATTR_HISTORY: history})
    assert len(json.dumps(history)) > 150_000
    assert keras_bridge.read_metadata(path)[ATTR_HISTORY]["epoch"][-1] == epochs
    np.testing.assert_array_equal(keras.models.load_model(path).predict_on_batch(x), model.predict_on_batch(x))


def test_keras_export_goes_through_the_same_atomic_path(trained, tmp_path):
    model, x = trained
    path = save_model(model, tmp_path / "model.keras")
    np.testing.assert_array_equal(keras.models.load_model(path).predict_on_batch(x), model.predict_on_batch(x))
    np.testing.assert_array_equal(keras_bridge.load_model(path).predict_on_batch(x), model.predict_on_batch(x))
    assert _no_temps(tmp_path) == []
    with pytest.raises(SaveError, match="metadata is stored only in .h5"):
        save_model(model, tmp_path / "other.keras", {ATTR_RUN: {}})
    with pytest.raises(SaveError, match="ending in .h5 or .keras"):
        save_model(model, tmp_path / "model.pt")


def test_failed_rename_leaves_the_old_model_intact(trained, tmp_path, monkeypatch):
    model, _ = trained
    path = save_model(model, tmp_path / "model.h5")
    before = path.read_bytes()

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(SaveError) as info:
        save_model(model, path, {ATTR_RUN: {"newer": True}})
    assert "No space left on device" in str(info.value)
    assert "previous file is unchanged" in str(info.value)
    assert path.read_bytes() == before
    assert _no_temps(tmp_path) == []


def test_a_save_that_dies_half_way_leaves_the_old_model_intact(trained, tmp_path, monkeypatch):
    model, x = trained
    path = save_model(model, tmp_path / "model.h5")
    before = path.read_bytes()

    def dies_mid_write(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as fh:
            fh.write(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)  # a truncated file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(type(model), "save", dies_mid_write)
    with pytest.raises(SaveError, match="previous file is unchanged"):
        save_model(model, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _no_temps(tmp_path) == []
    np.testing.assert_array_equal(keras.models.load_model(path).predict_on_batch(x), model.predict_on_batch(x))


def test_an_unwritable_folder_is_a_save_error(trained, tmp_path):
    model, _ = trained
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(SaveError, match="cannot create its folder"):
        save_model(model, blocker / "model.h5")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_keeps_the_old_model(trained, tmp_path):
    model, _ = trained
    path = save_model(model, tmp_path / "model.h5")
    before = path.read_bytes()
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(SaveError, match="previous file is unchanged"):
            save_model(model, path)
    finally:
        tmp_path.chmod(0o755)
    assert path.read_bytes() == before


def test_stale_temps_of_the_target_are_swept(trained, tmp_path):
    model, _ = trained
    stale = temp_path_for(tmp_path / "model.h5")
    stale.write_bytes(b"left by a crash")
    save_model(model, tmp_path / "model.h5")
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.h5"]
