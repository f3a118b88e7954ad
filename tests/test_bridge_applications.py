"""keras.applications models a user is likely to have open, summarise and rebuild with Keras' parameter counts;
frozen layers stay frozen through files and presets."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from workbench.keras_bridge import build, read_spec
from workbench.spec import analyze, dumps, parse_preset

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

#: the smallest variant of each family, at a small input so building and saving stay quick
APPLICATIONS = ("EfficientNetB0", "MobileNetV3Small", "ConvNeXtTiny")


def keras_counts(model) -> tuple[int, int, int]:
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return model.count_params(), trainable, frozen


def spec_counts(spec) -> tuple[int, int, int]:
    a = analyze(spec)
    assert a.errors == []
    return a.total_params, a.trainable_params, a.non_trainable_params


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """name -> (Keras' counts, the .h5 path, the .keras path)."""
    folder = tmp_path_factory.mktemp("applications")
    out = {}
    for name in APPLICATIONS:
        model = getattr(keras.applications, name)(weights=None, input_shape=(64, 64, 3))
        paths = [folder / f"{name}.h5", folder / f"{name}.keras"]
        for path in paths:
            model.save(path)
        out[name] = (keras_counts(model), *paths)
        keras.backend.clear_session()
    return out


@pytest.mark.parametrize("name", APPLICATIONS)
@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_application_files_open_with_keras_parameter_counts(saved, name, suffix):
    counts, h5, native = saved[name]
    spec = read_spec(h5 if suffix == ".h5" else native)
    assert spec_counts(spec) == counts
    types = {layer.type for layer in spec.layers}
    expected = {"EfficientNetB0": {"Rescaling", "Normalization"}, "MobileNetV3Small": {"Rescaling"},
                "ConvNeXtTiny": {"Normalization", "LayerScale"}}[name]
    assert expected <= types


@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_specs_rebuild_with_the_same_counts(saved, name):
    counts, _, native = saved[name]
    model = build(read_spec(native))
    assert keras_counts(model) == counts
    keras.backend.clear_session()


def test_scalar_merges_and_nested_models_become_catalogue_layers(saved):
    mobilenet = read_spec(saved["MobileNetV3Small"][2])
    add = mobilenet.layer("add")  # MobileNetV3's hard sigmoid: relu6(x + 3) · 1/6
    assert (add.type, add.config) == ("Rescaling", {"scale": 1.0, "offset": 3.0})
    assert mobilenet.layer("multiply").config == {"scale": pytest.approx(1 / 6)}
    convnext = read_spec(saved["ConvNeXtTiny"][2])
    names = convnext.names()
    assert "convnext_tiny_stem" not in names  # the nested stem model, flattened
    stem = names.index("convnext_tiny_stem_conv")
    assert names[stem + 1] == "convnext_tiny_stem_layernorm"
    assert convnext.edges()["convnext_tiny_stage_0_block_0_depthwise_conv"] == ["convnext_tiny_stem_layernorm"]


def test_frozen_layers_count_as_non_trainable_through_files_and_presets(tmp_path):
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        keras.layers.Rescaling(1 / 255, name="scale"),
        keras.layers.Conv2D(4, 3, name="conv"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(2, name="head"),
    ], name="frozen")
    model.get_layer("conv").trainable = False
    model.get_layer("bn").trainable = False
    path = tmp_path / "frozen.h5"
    model.save(path)
    spec = read_spec(path)
    assert [l.name for l in spec.layers if not l.trainable] == ["conv", "bn"]
    assert spec_counts(spec) == keras_counts(model) == (418, 290, 128)
    again = parse_preset(dumps(spec))
    assert [l.name for l in again.layers if not l.trainable] == ["conv", "bn"]
    rebuilt = build(again)
    assert [l.name for l in rebuilt.layers if not l.trainable] == ["conv", "bn"]
    assert keras_counts(rebuilt) == (418, 290, 128)
    rebuilt.save(tmp_path / "again.h5")
    assert spec_counts(read_spec(tmp_path / "again.h5")) == (418, 290, 128)
