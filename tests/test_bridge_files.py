"""Model files: .h5/.keras round trips, foreign Keras models, and every refused input.

Files are untrusted (DESIGN.md): each bad case must end in a ModelFileError
whose message names the file and the problem, never in a traceback, a hang
(FIFO) or Keras deserializing the file's config.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import h5py
import keras
import numpy as np
import pytest

from workbench.keras_bridge import (
    CUSTOM_LAYERS,
    LocalResponseNormalization,
    ModelFileError,
    architecture,
    build,
    from_keras,
    load_model,
    read_metadata,
    read_spec,
)
from workbench.keras_bridge import files as bridge_files
from workbench.keras_bridge.convert import CUSTOM_TYPES
from workbench.spec import LayerSpec, ModelSpec, analyze, load_named

# Keras' TensorFlow backend warns on every weight it assigns from numpy 2 arrays
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

LRN_SPEC = ModelSpec(
    name="alexnet-stage",
    input_shape=(12, 12, 3),
    layers=[
        LayerSpec("conv", "Conv2D", {"filters": 8, "kernel_size": 3, "activation": "relu"}),
        LayerSpec("lrn", "LocalResponseNormalization", {"depth_radius": 2, "bias": 2.0, "alpha": 0.01, "beta": 0.75}),
        LayerSpec("pool", "MaxPooling2D", {"pool_size": 3, "strides": 2}),
        LayerSpec("flatten", "Flatten"),
        LayerSpec("out", "Dense", {"units": 4, "activation": "softmax"}),
    ],
)


def _save(model, folder, stem):
    """model.save() to .h5 and .keras, as a plain Keras user would."""
    paths = {suffix: folder / f"{stem}{suffix}" for suffix in (".h5", ".keras")}
    for path in paths.values():
        model.save(path)
    return paths


@pytest.fixture(scope="module")
def lenet(tmp_path_factory):
    keras.utils.set_random_seed(1)
    spec = load_named("lenet5")
    model = build(spec)
    x = np.random.default_rng(0).random((3, 32, 32, 1), dtype=np.float32)
    paths = _save(model, tmp_path_factory.mktemp("lenet"), "lenet")
    return spec, model, x, paths


@pytest.fixture(scope="module")
def lrn_files(tmp_path_factory):
    keras.utils.set_random_seed(2)
    model = build(LRN_SPEC)
    folder = tmp_path_factory.mktemp("lrn")
    x = np.random.default_rng(1).random((2, 12, 12, 3), dtype=np.float32)
    np.save(folder / "x.npy", x)
    np.save(folder / "expected.npy", _predict(model, x))
    return folder, _save(model, folder, "lrn")


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    """keras.applications models saved by plain Keras: name -> (count_params, {suffix: path})."""
    folder = tmp_path_factory.mktemp("foreign")
    out = {}
    for name, make in (
        ("mobilenetv2", lambda: keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=10)),
        ("resnet50", lambda: keras.applications.ResNet50(weights=None)),
    ):
        model = make()
        out[name] = (model, _save(model, folder, name))
    yield out
    keras.backend.clear_session()


def _predict(model, x):
    """One eager forward pass: tracing predict_on_batch costs seconds per model."""
    return keras.ops.convert_to_numpy(model(x, training=False))


def _refused(path, *fragments, reader=read_spec):
    with pytest.raises(ModelFileError) as info:
        reader(path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def _h5_with_config(path, config):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
    return path


def _lenet_config(lenet) -> dict:
    with h5py.File(lenet[3][".h5"], "r") as f:
        return json.loads(f.attrs["model_config"])


def _layer_entry(config, name):
    return next(entry for entry in config["config"]["layers"] if entry["name"] == name)


# -- round trips ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_files_read_back_as_the_spec_and_load_with_their_weights(lenet, suffix):
    spec, model, x, paths = lenet
    assert architecture(read_spec(paths[suffix])) == architecture(spec)
    expected = _predict(model, x)
    np.testing.assert_array_equal(_predict(load_model(paths[suffix]), x), expected)
    np.testing.assert_array_equal(_predict(keras.models.load_model(paths[suffix]), x), expected)


def test_branched_models_get_each_weight_back_in_its_own_layer(tmp_path):
    """Weights are matched by position: the rebuilt graph must order its layers as the saved one."""
    spec = load_named("googlenet")
    end = spec.names().index("inception_4a_output") + 1
    spec = ModelSpec(spec.name, (64, 64, 3), spec.layers[:end])  # stem + inception 3a, 3b, 4a
    assert analyze(spec).ok
    keras.utils.set_random_seed(4)
    model = build(spec)
    x = np.random.default_rng(2).random((1, 64, 64, 3), dtype=np.float32)
    for path in _save(model, tmp_path, "inception").values():
        np.testing.assert_allclose(_predict(load_model(path), x), _predict(model, x), rtol=1e-6)
    keras.backend.clear_session()


def test_lrn_files_load_in_plain_keras_safe_mode_once_the_bridge_is_imported(lrn_files):
    """In a fresh process, importing the bridge before Keras is enough to register the layer."""
    folder, paths = lrn_files
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import workbench.keras_bridge
        assert "keras" not in sys.modules
        import keras
        x = np.load({str(folder / 'x.npy')!r})
        expected = np.load({str(folder / 'expected.npy')!r})
        for path in {[str(p) for p in paths.values()]!r}:
            model = keras.models.load_model(path)  # safe_mode=True is the default
            assert type(model.get_layer("lrn")).__name__ == "LocalResponseNormalization"
            np.testing.assert_allclose(model.predict_on_batch(x), expected, rtol=1e-6)
        print("loaded", len({[str(p) for p in paths.values()]!r}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["loaded", "2"]


def test_lrn_computes_alexnets_normalisation():
    layer = LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    a = np.random.default_rng(3).normal(0, 30, (2, 3, 3, 7)).astype(np.float32)
    squares = np.pad(a**2, [(0, 0), (0, 0), (0, 0), (2, 2)])
    window = sum(squares[..., i : i + 7] for i in range(5))
    expected = a / (2.0 + 1e-4 * window) ** 0.75
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(a)), expected, rtol=1e-5)
    assert layer.compute_output_shape((None, 3, 3, 7)) == (None, 3, 3, 7)
    config = layer.get_config()
    assert {k: config[k] for k in ("depth_radius", "bias", "alpha", "beta")} == {
        "depth_radius": 2, "bias": 2.0, "alpha": 1e-4, "beta": 0.75,
    }
    assert LocalResponseNormalization.from_config(config).get_config() == config
    assert keras.saving.get_registered_object("workbench>LocalResponseNormalization") is LocalResponseNormalization
    assert set(CUSTOM_LAYERS) == set(CUSTOM_TYPES)


def test_lrn_equals_tensorflows_local_response_normalization():
    tf = pytest.importorskip("tensorflow")
    a = np.random.default_rng(4).normal(0, 10, (1, 4, 4, 9)).astype(np.float32)
    ours = keras.ops.convert_to_numpy(LocalResponseNormalization(depth_radius=3, bias=1.0, alpha=1e-3, beta=0.5)(a))
    theirs = tf.nn.local_response_normalization(a, depth_radius=3, bias=1.0, alpha=1e-3, beta=0.5).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_reading_a_spec_imports_neither_tensorflow_nor_keras(lenet):
    paths = [str(p) for p in lenet[3].values()]
    script = textwrap.dedent(
        f"""
        import sys
        from workbench.keras_bridge import read_metadata, read_spec
        for path in {paths!r}:
            spec = read_spec(path)
            read_metadata(path)
            print(len(spec.layers))
        print(sorted(m for m in ("tensorflow", "keras", "jax", "torch") if m in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:3] == ["8", "8", "[]"]


# -- foreign models ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
@pytest.mark.parametrize("name", ["mobilenetv2", "resnet50"])
def test_foreign_keras_applications_read_with_keras_totals(foreign, name, suffix):
    model, paths = foreign[name]
    spec = read_spec(paths[suffix])
    analysis = analyze(spec)
    assert analysis.ok, analysis.errors
    assert analysis.total_params == model.count_params()
    assert analysis.trainable_params == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert analysis.output_shapes() == [tuple(model.output.shape[1:])]
    assert architecture(spec) == architecture(from_keras(model))
    assert len(spec.layers) == len(model.layers) - 1  # all but the InputLayer, now the implicit "input"


def test_foreign_configs_map_to_catalogue_values(foreign):
    mobilenet = read_spec(foreign["mobilenetv2"][1][".h5"])
    assert mobilenet.layer("Conv1_relu").to_dict() == {"name": "Conv1_relu", "type": "ReLU", "config": {"max_value": 6.0}}
    assert mobilenet.layer("block_1_pad").config == {"padding": [[0, 1], [0, 1]]}
    assert mobilenet.layer("bn_Conv1").config == {"momentum": 0.999}
    assert mobilenet.layer("block_2_add").inputs == ["block_1_project_BN", "block_2_project_BN"]
    resnet = read_spec(foreign["resnet50"][1][".keras"])
    assert resnet.input_shape == (224, 224, 3)
    assert resnet.layer("conv1_pad").config == {"padding": 3}
    assert resnet.layer("conv1_bn").config == {"epsilon": 1.001e-05}  # axis 3 of a 4-D tensor is the default -1
    assert resnet.layer("pool1_pool").config == {"pool_size": 3, "strides": 2}
    assert resnet.layer("conv2_block1_1_conv").inputs == ["pool1_pool"]  # after the projection shortcut
    assert resnet.layer("conv2_block1_add").inputs == ["conv2_block1_0_bn", "conv2_block1_3_bn"]


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_foreign_models_load_through_our_builder(foreign, suffix):
    model, paths = foreign["mobilenetv2"]
    x = np.random.default_rng(5).random((1, 32, 32, 3), dtype=np.float32)
    np.testing.assert_allclose(_predict(load_model(paths[suffix]), x), _predict(model, x), rtol=1e-5)


def test_keras2_configs_are_read(tmp_path):
    """tf.keras 2 wrote nested-list inbound nodes, batch_input_shape, BN axis lists and LeakyReLU alpha."""
    def entry(cls, name, config, inbound):
        return {"class_name": cls, "name": name, "config": {"name": name, **config}, "inbound_nodes": inbound}

    layers = [
        entry("InputLayer", "img", {"batch_input_shape": [None, 8, 8, 3], "dtype": "float32", "sparse": False}, []),
        entry("Conv2D", "conv", {"filters": 4, "kernel_size": [3, 3], "padding": "same", "activation": "linear",
                                  "data_format": "channels_last"}, [[["img", 0, 0, {}]]]),
        entry("BatchNormalization", "bn", {"axis": [3], "momentum": 0.9}, [[["conv", 0, 0, {}]]]),
        entry("LeakyReLU", "act", {"alpha": 0.1}, [[["bn", 0, 0, {}]]]),
        entry("Add", "sum", {}, [[["act", 0, 0, {}], ["conv", 0, 0, {}]]]),
        entry("GlobalAveragePooling2D", "gap", {"data_format": "channels_last"}, [[["sum", 0, 0, {}]]]),
        entry("Dense", "out", {"units": 5, "activation": "softmax"}, [[["gap", 0, 0, {}]]]),
    ]
    config = {"class_name": "Model", "config": {"name": "old", "layers": layers,
                                                "input_layers": [["img", 0, 0]], "output_layers": [["out", 0, 0]]}}
    spec = read_spec(_h5_with_config(tmp_path / "old.h5", config))
    assert [l.to_dict() for l in spec.layers] == [
        {"name": "conv", "type": "Conv2D", "config": {"filters": 4, "kernel_size": 3, "padding": "same"}},
        {"name": "bn", "type": "BatchNormalization", "config": {"momentum": 0.9}},
        {"name": "act", "type": "LeakyReLU", "config": {"negative_slope": 0.1}},
        {"name": "sum", "type": "Add", "inputs": ["act", "conv"]},
        {"name": "gap", "type": "GlobalAveragePooling2D"},
        {"name": "out", "type": "Dense", "config": {"units": 5, "activation": "softmax"}},
    ]
    assert analyze(spec).total_params == (27 * 4 + 4) + 4 * 4 + (4 * 5 + 5)


# -- refused paths ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["https://example.org/model.h5", "gs://bucket/model.keras", "hf://user/model.keras", "file:///tmp/m.h5"])
def test_urls_and_remote_schemes_are_refused(url):
    _refused(url, url, "only local files")


def test_paths_that_are_not_plain_model_files_are_refused(tmp_path, lenet):
    _refused(tmp_path / "missing.h5", "missing.h5", "no such file")
    (tmp_path / "folder.keras").mkdir()
    _refused(tmp_path / "folder.keras", "not a regular file (a directory)")
    os.mkfifo(tmp_path / "pipe.h5")
    _refused(tmp_path / "pipe.h5", "pipe.h5", "not a regular file (a FIFO)")  # returns at once, no blocking open
    (tmp_path / "to_pipe.h5").symlink_to(tmp_path / "pipe.h5")
    _refused(tmp_path / "to_pipe.h5", "to_pipe.h5", "a FIFO")
    (tmp_path / "loop.h5").symlink_to(tmp_path / "loop.h5")
    _refused(tmp_path / "loop.h5", "loop.h5", "cannot be opened")
    (tmp_path / "disguised.h5").symlink_to(lenet[3][".keras"])
    _refused(tmp_path / "disguised.h5", "is a link to 'lenet.keras', a file of another type")
    (tmp_path / "model.pkl").write_bytes(b"\x80\x04")
    _refused(tmp_path / "model.pkl", "unsupported file type '.pkl'")
    _refused(42, "is not a file path")


def test_content_must_match_the_extension(tmp_path, lenet):
    (tmp_path / "text.h5").write_text("model_config = {}")
    _refused(tmp_path / "text.h5", "text.h5", "not a HDF5 file", "do not match the '.h5' extension")
    (tmp_path / "empty.keras").write_bytes(b"")
    _refused(tmp_path / "empty.keras", "not a Keras zip file (the file is empty)")
    shutil.copy(lenet[3][".keras"], tmp_path / "zip.h5")
    _refused(tmp_path / "zip.h5", "not a HDF5 file")
    shutil.copy(lenet[3][".h5"], tmp_path / "h5.keras")
    _refused(tmp_path / "h5.keras", "not a Keras zip file")


@pytest.mark.parametrize("suffix, problem", [(".h5", "corrupt or truncated HDF5 file"), (".keras", "corrupt or truncated zip archive")])
def test_truncated_files_are_refused(tmp_path, lenet, suffix, problem):
    data = lenet[3][suffix].read_bytes()
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(data[: len(data) // 3])
    _refused(path, "cut" + suffix, problem)


# -- refused HDF5 content -------------------------------------------------------------


def test_h5_without_a_model_config(tmp_path, lenet):
    weights = tmp_path / "only.weights.h5"
    lenet[1].save_weights(weights)
    _refused(weights, "holds only weights, no model_config")
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"] = np.zeros(3)
    _refused(tmp_path / "data.h5", "data.h5", "not a Keras model file (no model_config attribute)")


def test_model_config_must_be_one_json_string(tmp_path):
    with h5py.File(tmp_path / "number.h5", "w") as f:
        f.attrs["model_config"] = np.arange(3)
    _refused(tmp_path / "number.h5", "attribute 'model_config' is not a single string")
    with h5py.File(tmp_path / "garbage.h5", "w") as f:
        f.attrs["model_config"] = "{'class_name': "
    _refused(tmp_path / "garbage.h5", "model_config is not valid JSON")
    _refused(_h5_with_config(tmp_path / "list.h5", [1, 2]), "not a Keras model config")
    _refused(_h5_with_config(tmp_path / "sub.h5", {"class_name": "MyModel", "config": {"layers": [{}]}}), "a 'MyModel' model cannot be read")


@pytest.mark.parametrize(
    "class_name, extra, problem",
    [
        ("Lambda", {}, "layer class 'Lambda' is refused because it runs arbitrary Python code"),
        ("TFSMLayer", {}, "'TFSMLayer' is refused because it loads an external TensorFlow SavedModel"),
        ("TorchModuleWrapper", {}, "'TorchModuleWrapper' is refused because it unpickles a PyTorch module"),
        ("StringLookup", {}, "unknown layer class 'StringLookup' (not in the workbench's layer catalogue)"),
        ("Dense", {"registered_name": "evil>Dense", "module": "evil"}, "unknown layer class 'evil>Dense'"),
        ("LocalResponseNormalization", {"registered_name": "other>LocalResponseNormalization"}, "is not the workbench's own layer"),
        ("Functional", {}, "nested models are not supported"),
    ],
)
def test_layer_classes_outside_the_catalogue_are_refused(tmp_path, lenet, class_name, extra, problem):
    config = _lenet_config(lenet)
    entry = _layer_entry(config, "f6")
    entry.update(class_name=class_name, **extra)
    _refused(_h5_with_config(tmp_path / "bad.h5", config), "bad.h5", "layer 'f6'", problem)


@pytest.mark.parametrize(
    "layer, key, value, problem",
    [
        ("c1", "data_format", "channels_first", "data_format='channels_first' is not supported"),
        ("f6", "lora_rank", 4, "lora_rank=4 is not supported"),
        ("f6", "units", "many", "'units' must be an integer"),
        ("f6", "dtype", {"class_name": "QuantizedDTypePolicy", "config": {"name": "int8_from_float32"}}, "quantized layers"),
    ],
)
def test_settings_the_catalogue_cannot_express_are_refused(tmp_path, lenet, layer, key, value, problem):
    config = _lenet_config(lenet)
    _layer_entry(config, layer)["config"][key] = value
    _refused(_h5_with_config(tmp_path / "bad.h5", config), f"layer '{layer}'", problem)


def test_shared_layers_are_refused(tmp_path):
    x = keras.Input((4,), name="input")
    shared = keras.layers.Dense(4, name="shared")
    model = keras.Model(x, keras.layers.Add(name="sum")([shared(x), shared(shared(x))]))
    model.save(tmp_path / "shared.h5")
    _refused(tmp_path / "shared.h5", "layer 'shared'", "shared layers are not supported")


def _lenet_copy(tmp_path, lenet, name="copy.h5"):
    path = tmp_path / name
    shutil.copy(lenet[3][".h5"], path)
    return path


def test_hdf5_links_and_indirect_storage_are_refused(tmp_path, lenet):
    path = _lenet_copy(tmp_path, lenet, "soft.h5")
    with h5py.File(path, "a") as f:
        f["model_weights/alias"] = h5py.SoftLink("/model_weights/c1")
    _refused(path, "soft.h5", "'/model_weights/alias' is a soft or user-defined link")

    path = _lenet_copy(tmp_path, lenet, "external.h5")
    with h5py.File(path, "a") as f:
        f["elsewhere"] = h5py.ExternalLink("/etc/passwd", "/x")
    _refused(path, "'/elsewhere' is an external link to another file")

    path = _lenet_copy(tmp_path, lenet, "virtual.h5")
    with h5py.File(path, "a") as f:
        layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
        layout[:] = h5py.VirtualSource("other.h5", "data", shape=(4,))
        f.create_virtual_dataset("virtual", layout)
    _refused(path, "'/virtual' is a virtual dataset")

    path = _lenet_copy(tmp_path, lenet, "raw.h5")
    with h5py.File(path, "a") as f:
        f.create_dataset("raw", shape=(4,), dtype="f4", external=[(str(tmp_path / "raw.bin"), 0, 16)])
    _refused(path, "'/raw' stores its data in external files")

    path = _lenet_copy(tmp_path, lenet, "strings.h5")
    with h5py.File(path, "a") as f:
        f["model_weights/c1/names"] = ["a", "b"]
    _refused(path, "'/model_weights/c1/names' holds object values, not numbers")


def test_absurd_declared_sizes_are_refused(tmp_path, lenet, monkeypatch):
    path = _lenet_copy(tmp_path, lenet, "huge.h5")
    with h5py.File(path, "a") as f:
        f.create_dataset("padding", shape=(10**9,), dtype="f8", chunks=(1024,))  # 8 GB declared, nothing written
    assert path.stat().st_size < 10**6
    assert len(read_spec(path).layers) == 8  # the config alone is fine...
    _refused(path, "huge.h5", "the stored arrays declare 8,000", "far more than the model's weights need", reader=load_model)

    path = _lenet_copy(tmp_path, lenet, "attr.h5")
    with h5py.File(path, "a") as f:
        f["model_weights"].attrs["blob"] = np.zeros(5000, np.uint8)
    monkeypatch.setattr(bridge_files, "MAX_ATTRIBUTE_BYTES", 4096)
    _refused(path, "attribute 'blob' of '/model_weights' declares 5,000 bytes")
    monkeypatch.setattr(bridge_files, "MAX_CONFIG_BYTES", 1000)
    _refused(lenet[3][".h5"], "attribute 'model_config' holds more than 1,000 bytes")
    _refused(lenet[3][".keras"], "config.json declares")


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path, lenet):
    path = _lenet_copy(tmp_path, lenet, "wider.h5")
    config = _lenet_config(lenet)
    _layer_entry(config, "f7")["config"]["units"] = 12
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = json.dumps(config)
    assert read_spec(path).layer("f7").config["units"] == 12
    _refused(path, "wider.h5", "the stored weights do not fit the model", reader=load_model)


# -- refused zip content ------------------------------------------------------------------


def _keras_copy(tmp_path, lenet, name, extra=(), drop=()):
    path = tmp_path / name
    with zipfile.ZipFile(lenet[3][".keras"]) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename not in drop:
                dst.writestr(info, src.read(info))
        for member, data, compression in extra:
            dst.writestr(zipfile.ZipInfo(member), data, compress_type=compression)
    return path


def test_zip_tricks_are_refused(tmp_path, lenet):
    stored = zipfile.ZIP_STORED
    path = _keras_copy(tmp_path, lenet, "escape.keras", [("../../evil.py", b"x", stored)])
    _refused(path, "escape.keras", "archive member '../../evil.py' points outside the archive")
    path = _keras_copy(tmp_path, lenet, "absolute.keras", [("/etc/cron.d/x", b"x", stored)])
    _refused(path, "archive member '/etc/cron.d/x' points outside the archive")
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = _keras_copy(tmp_path, lenet, "twice.keras", [("config.json", b"{}", stored)])
    _refused(path, "archive member 'config.json' appears twice")
    path = _keras_copy(tmp_path, lenet, "bomb.keras", [("assets/zeros", bytes(4 * 2**20), zipfile.ZIP_DEFLATED)])
    _refused(path, "bomb.keras", "archive member 'assets/zeros' expands", "a zip bomb")


def test_keras_archive_contents_are_checked(tmp_path, lenet):
    path = _keras_copy(tmp_path, lenet, "noconfig.keras", drop={"config.json"})
    _refused(path, "noconfig.keras", "not a Keras model archive (no config.json)")
    path = _keras_copy(tmp_path, lenet, "badjson.keras", [("config.json", b"{nope", zipfile.ZIP_STORED)], drop={"config.json"})
    _refused(path, "config.json is not valid JSON")
    path = _keras_copy(tmp_path, lenet, "noweights.keras", drop={"model.weights.h5"})
    assert len(read_spec(path).layers) == 8
    _refused(path, "the archive has no model.weights.h5", reader=load_model)


# -- metadata -----------------------------------------------------------------------------------


def test_metadata_attributes_are_parsed_as_json_objects(tmp_path, lenet):
    path = _lenet_copy(tmp_path, lenet, "meta.h5")
    assert read_metadata(path) == {}
    with h5py.File(path, "a") as f:
        f.attrs["workbench_preset"] = json.dumps({"name": "LeNet-5", "layers": []})
        f.attrs["workbench_history"] = json.dumps({"loss": [1.5, 0.75]})
    assert read_metadata(path) == {"workbench_preset": {"name": "LeNet-5", "layers": []}, "workbench_history": {"loss": [1.5, 0.75]}}
    assert read_metadata(lenet[3][".keras"]) == {}


@pytest.mark.parametrize(
    "value, problem",
    [
        ("{\"loss\": [1.0,", "workbench_history is not valid JSON"),
        ("[1, 2]", "attribute 'workbench_history' is not a JSON object"),
        (np.arange(4), "attribute 'workbench_history' is not a single string"),
        (7, "attribute 'workbench_history' is not a single string"),
    ],
)
def test_malformed_metadata_is_skipped_with_a_warning(tmp_path, lenet, value, problem, caplog):
    path = _lenet_copy(tmp_path, lenet, "meta.h5")
    with h5py.File(path, "a") as f:
        f.attrs["workbench_history"] = value
    assert read_metadata(path) == {}
    assert any(problem in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)
