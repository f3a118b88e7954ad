"""User data files: image folders (in memory and streamed), CSV, NPZ and HDF5, made in tmp_path."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from PIL import Image

from workbench.data import DatasetError, fit_to_model, load_dataset
from workbench.data import image_folder


def _png(path, value, size=(16, 16), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = value if mode == "L" else (value, value // 2, 255 - value)
    Image.new(mode, size[::-1], colour).save(path)


@pytest.fixture
def photo_folder(tmp_path):
    """a/ and b/ with 6 images each (one 20×20), an empty c/, a corrupt and a truncated file, a text file."""
    root = tmp_path / "photos"
    for i in range(6):
        _png(root / "a" / f"a{i}.png", 200)
        _png(root / "b" / f"b{i}.jpg" if i else root / "b" / "nested" / "b0.bmp", 40, size=(20, 20) if i == 5 else (16, 16))
    (root / "c").mkdir()
    (root / "a" / "broken.png").write_bytes(b"definitely not an image")
    good = (root / "a" / "a0.png").read_bytes()
    (root / "b" / "cut.png").write_bytes(good[: len(good) // 2])
    (root / "a" / "readme.txt").write_text("notes")
    return root


def test_image_folder_loads_classes_and_skips_and_counts_unreadable_files(photo_folder):
    ds = load_dataset(photo_folder, validation_split=0.25, seed=0)
    assert (ds.name, ds.task, ds.class_names) == ("photos", "image_classification", ["a", "b"])
    assert ds.input_shape == (16, 16, 3) and ds.x_train.dtype == np.uint8
    assert (ds.num_train, ds.num_val) == (9, 3)
    assert sorted(np.bincount(ds.y_val).tolist()) == [1, 2]
    assert ds.warnings[0].startswith("skipped 2 unreadable of 14 images: a/broken.png (cannot identify image file")
    assert "b/cut.png" in ds.warnings[0]
    assert ds.warnings[1:] == [
        "class folders without readable images left out: c",
        "ignored 1 file that are not .png/.jpg/.jpeg/.bmp/.gif images",
        "1 image of other sizes resized to 16×16",
    ]
    red = np.concatenate([ds.x_train, ds.x_val])[:, 8, 8, 0]
    labels = np.concatenate([ds.y_train, ds.y_val])
    assert set(red[labels == 0].tolist()) == {200} and set(red[labels == 1].tolist()) <= {39, 40, 41}


def test_image_folder_options_choose_size_and_colour(photo_folder):
    ds = load_dataset(photo_folder, image_size=8, color_mode="grayscale", validation_split=0.0)
    assert ds.input_shape == (8, 8, 1) and ds.num_train == 12 and ds.x_val is None
    expected = round(0.299 * 200 + 0.587 * 100 + 0.114 * 55)
    assert abs(int(ds.x_train[ds.y_train == 0][0, 4, 4, 0]) - expected) <= 1


def test_grey_folder_with_its_own_validation_folder(tmp_path):
    for split, count in (("train", 4), ("val", 2)):
        for cls, value in (("cat", 10), ("dog", 250)):
            for i in range(count):
                _png(tmp_path / split / cls / f"{i}.png", value, size=(12, 10), mode="L")
    ds = load_dataset(tmp_path, validation_split=0.5)
    assert ds.input_shape == (12, 10, 1) and ds.class_names == ["cat", "dog"]
    assert (ds.num_train, ds.num_val) == (8, 4) and np.bincount(ds.y_val).tolist() == [2, 2]
    assert ds.x_val[ds.y_val == 1].min() == 250


def test_folder_with_fewer_than_two_classes_is_refused(tmp_path):
    for i in range(3):
        _png(tmp_path / "one" / "a" / f"{i}.png", 9)
    (tmp_path / "one" / "b").mkdir()
    with pytest.raises(DatasetError, match=r"image folder .*one needs at least two class sub-folders with readable "
                                           r"images; found 1: a \(3 images\)$"):
        load_dataset(tmp_path / "one")
    for i in range(2):
        _png(tmp_path / "flat" / f"{i}.png", 9)
    with pytest.raises(DatasetError, match="found 0; 2 images lie directly in the folder: put each class's images "
                                           "in its own sub-folder"):
        load_dataset(tmp_path / "flat")


def test_streamed_folder_yields_batches_of_the_right_shape(photo_folder):
    (photo_folder / "b" / "cut.png").unlink()  # truncated files are only found when decoded (next test)
    ds = load_dataset(photo_folder, streaming=True, validation_split=0.25, seed=1)
    assert ds.is_streamed and ds.x_train is None
    assert ds.warnings[0].startswith("skipped 1 unreadable of 13 images: a/broken.png (cannot identify image file")
    assert (ds.num_train, ds.num_val, ds.input_shape) == (9, 3, (16, 16, 3))
    batches = ds.stream.batches("train", 4)
    assert len(batches) == 3
    shapes = [(x.shape, x.dtype, y.dtype) for x, y in batches]
    assert shapes == [((4, 16, 16, 3), np.float32, np.int32)] * 2 + [((1, 16, 16, 3), np.float32, np.int32)]
    first = np.concatenate([y for _, y in batches])
    batches.on_epoch_end()
    second = np.concatenate([y for _, y in batches])
    assert sorted(first.tolist()) == sorted(second.tolist())
    x, _ = ds.stream.batches("val", 8)[0]
    assert x.shape == (3, 16, 16, 3) and 0.0 <= x.min() and x.max() <= 1.0

    fitted = fit_to_model(ds, (32, 32, 1))
    x, y = fitted.stream.batches("train", 4)[0]
    assert x.shape == (4, 32, 32, 1) and fitted.input_shape == (32, 32, 1)
    assert fitted.notes == ["scaled uint8 0..255 to [0, 1]", "RGB → grey (luminance 0.299R+0.587G+0.114B)",
                            "16×16 → 32×32 (bilinear resize)"]


def test_files_that_fail_to_decode_while_streaming_are_dropped_and_reported(photo_folder):
    ds = load_dataset(photo_folder, streaming=True, validation_split=0.0)
    assert ds.num_train == 13  # the truncated b/cut.png has a readable header
    (photo_folder / "a" / "a3.png").write_bytes(b"gone bad")
    batches = ds.stream.batches("train", 13, shuffle=False)
    assert [len(y) for _, y in batches] == [11]
    assert ds.warnings[-2].startswith("skipped unreadable image a/a3.png while streaming (cannot identify")
    assert ds.warnings[-1].startswith("skipped unreadable image b/cut.png while streaming (image file is truncated")
    assert len(ds.stream.skipped) == 2
    reported = len(ds.warnings)
    assert [len(y) for _, y in batches] == [11] and len(ds.warnings) == reported  # reported once


def test_large_folders_stream_automatically(photo_folder, monkeypatch):
    monkeypatch.setattr(image_folder, "STREAM_THRESHOLD", 10)
    assert load_dataset(photo_folder).is_streamed
    assert not load_dataset(photo_folder, streaming=False).is_streamed


def test_stream_is_a_keras_py_dataset_with_prefetch_workers(photo_folder):
    keras = pytest.importorskip("keras")
    ds = fit_to_model(load_dataset(photo_folder, streaming=True, validation_split=0.25), (8, 8, 3))
    train = ds.stream("train", 4, workers=2, max_queue_size=4)
    assert isinstance(train, keras.utils.PyDataset) and train.workers == 2 and len(train) == 3
    x, y = train[0]
    assert x.shape == (4, 8, 8, 3) and y.shape == (4,)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2, "softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(train, validation_data=ds.stream("val", 4), epochs=2, verbose=0).history
    assert len(history["loss"]) == 2 and np.isfinite(history["val_loss"]).all()
    assert train.batches.epoch >= 2  # each of Keras' epoch ends reshuffles the training order
    with pytest.raises(DatasetError, match="unknown split 'test'"):
        ds.stream("test", 4)


# --- CSV -------------------------------------------------------------------------------------

def test_csv_with_header_and_text_labels(tmp_path):
    rows = ["sepal,petal,species"] + [f"{i / 10},{i % 3},{('setosa', 'virginica', 'versicolor')[i % 3]}"
                                      for i in range(30)]
    (tmp_path / "iris.csv").write_text("\n".join(rows) + "\n")
    ds = load_dataset(tmp_path / "iris.csv", validation_split=0.2)
    assert (ds.name, ds.task, ds.input_shape) == ("iris", "tabular_classification", (2,))
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert (ds.num_train, ds.num_val) == (24, 6) and np.bincount(ds.y_val).tolist() == [2, 2, 2]
    x = np.concatenate([ds.x_train, ds.x_val])
    y = np.concatenate([ds.y_train, ds.y_val])
    # petal i%3 = 0, 1, 2 belongs to setosa, virginica (index 2), versicolor (index 1)
    assert dict(zip(x[:, 1].tolist(), y.tolist())) == {0.0: 0, 1.0: 2, 2.0: 1}


def test_csv_label_column_by_name_or_index_without_header(tmp_path):
    (tmp_path / "t.csv").write_text("label;f1;f2\n1;0.5;2\n3;0.25;4\n1;1;1\n3;2;2\n")
    ds = load_dataset(tmp_path / "t.csv", label_column="label", validation_split=0.0)
    assert ds.class_names == ["1", "3"] and ds.y_train.tolist() == [0, 1, 0, 1]
    assert ds.x_train.tolist() == [[0.5, 2], [0.25, 4], [1, 1], [2, 2]]
    (tmp_path / "n.csv").write_text("2,0.5,7\n1,0.5,8\n2,1.5,7\n")
    ds = load_dataset(tmp_path / "n.csv", label_column=0, validation_split=0.0)
    assert ds.class_names == ["1", "2"] and ds.input_shape == (2,)


def test_csv_regression_when_labels_are_fractional_with_many_values_or_asked(tmp_path):
    lines = [f"{i},{i * 0.37:.3f}" for i in range(40)]
    (tmp_path / "r.csv").write_text("\n".join(lines))
    ds = load_dataset(tmp_path / "r.csv", validation_split=0.25)
    assert ds.task == "regression" and ds.class_names == [] and ds.y_train.dtype == np.float32
    assert (ds.num_train, ds.num_val, ds.output_units) == (30, 10, 1)
    (tmp_path / "i.csv").write_text("\n".join(f"{i},{i % 4}" for i in range(20)))
    assert load_dataset(tmp_path / "i.csv").task == "tabular_classification"
    assert load_dataset(tmp_path / "i.csv", task="regression").task == "regression"


@pytest.mark.parametrize("text,message", [
    ("", "is empty"),
    ("a,b,label\n", "has a header row but no data rows"),
    ("1,2,x\n3,4\n", "row 2 has 2 fields, the first row 3"),
    ("f,g,label\n1,2,x\n3,red,y\n", "row 3, column 'g': 'red' is not a number; only the label column may hold text"),
    ("f,g,label\n1,,x\n3,NA,y\n5,6,x\n", r"has 2 missing values \(empty or NA\) in feature columns, the first at row 2, "
                                         r"column 'g'; fill or remove them"),
    ("f,g,label\n1,inf,x\n3,4,y\n5,6,x\n", r"inputs hold 1 non-finite value \(NaN or Inf\) in 1 of 3 samples"),
    ("1,2,x\n3,4,x\n", r"classification needs at least two classes, found 1 \('x'\)"),
])
def test_bad_csv_files_are_named(tmp_path, text, message):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(DatasetError, match=message):
        load_dataset(tmp_path / "bad.csv", validation_split=0.0)


def test_csv_label_column_problems(tmp_path):
    (tmp_path / "h.csv").write_text("f,g,label\n1,2,x\n3,4,y\n")
    with pytest.raises(DatasetError, match="has no column 'species'; columns: f, g, label"):
        load_dataset(tmp_path / "h.csv", label_column="species")
    (tmp_path / "n.csv").write_text("1,2,0\n3,4,1\n")
    with pytest.raises(DatasetError, match="label_column 'label' is a name but CSV file .* has no header row"):
        load_dataset(tmp_path / "n.csv", label_column="label")
    with pytest.raises(DatasetError, match="label_column 5 is outside the 3 columns"):
        load_dataset(tmp_path / "n.csv", label_column=5)


# --- NPZ and HDF5 ----------------------------------------------------------------------------

def _arrays(n=40):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 8, 8), dtype=np.uint8), np.arange(n) % 4


def test_npz_images_with_class_names_and_own_validation_split(tmp_path):
    x, y = _arrays()
    np.savez(tmp_path / "d.npz", x=x, y=y, x_val=x[:8], y_val=y[:8], class_names=np.array(list("abcd")))
    ds = load_dataset(tmp_path / "d.npz", validation_split=0.5)
    assert (ds.task, ds.input_shape, ds.class_names) == ("image_classification", (8, 8, 1), list("abcd"))
    assert (ds.num_train, ds.num_val) == (40, 8) and np.array_equal(ds.x_train[..., 0], x)
    np.savez(tmp_path / "t.npz", x_train=np.ones((10, 3)), y_train=np.arange(10) % 2)
    ds = load_dataset(tmp_path / "t.npz", validation_split=0.2)
    assert (ds.task, ds.input_shape, ds.num_train, ds.num_val) == ("tabular_classification", (3,), 8, 2)


@pytest.mark.parametrize("arrays,message", [
    ({"inputs": np.ones((4, 2)), "y": np.arange(4) % 2},
     r"NPZ file .*bad.npz has no 'x' \(or 'x_train'\) array for the inputs; found: inputs, y"),
    ({"x": np.ones((4, 2))}, r"has no 'y' \(or 'y_train'\) array for the labels; found: x"),
    ({"x": np.ones((5, 2)), "y": np.arange(4) % 2}, "bad: mismatched lengths: 5 training inputs but 4 labels"),
    ({"x": np.ones((4, 2)), "y": np.array([0, 1, 2, 5]), "class_names": np.array(["a", "b", "c"])},
     r"labels out of range: 1 label outside 0..2 \(found 0..5\) for 3 class names"),
    ({"x": np.array([[1.0], [np.nan], [np.nan], [3]]), "y": np.arange(4) % 2},
     r"inputs hold 2 non-finite values \(NaN or Inf\) in 2 of 4 samples"),
    ({"x": np.ones((4, 2, 2, 2, 2)), "y": np.arange(4) % 2}, r"inputs have shape \(4, 2, 2, 2, 2\)"),
])
def test_bad_npz_files_are_named(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=message):
        load_dataset(tmp_path / "bad.npz", validation_split=0.0)


def test_npz_with_pickled_objects_or_the_wrong_content_is_refused(tmp_path):
    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}, 2], dtype=object), y=np.arange(2))
    with pytest.raises(DatasetError, match="array 'x' holds Python objects"):
        load_dataset(tmp_path / "obj.npz")
    (tmp_path / "fake.npz").write_text("x,y\n1,2\n")
    with pytest.raises(DatasetError, match=r"fake.npz is not a NumPy .npz \(zip\) archive"):
        load_dataset(tmp_path / "fake.npz")


def test_hdf5_with_text_labels_and_class_names_attribute(tmp_path):
    x, y = _arrays(20)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["x"] = x.astype(np.float32) / 255
        f["y"] = np.array(["cat", "dog"] * 10, dtype=h5py.string_dtype())
    ds = load_dataset(tmp_path / "d.h5", validation_split=0.5)
    assert ds.class_names == ["cat", "dog"] and (ds.num_train, ds.num_val) == (10, 10)
    assert np.bincount(ds.y_val).tolist() == [5, 5] and ds.x_train.dtype == np.float32
    with h5py.File(tmp_path / "n.hdf5", "w") as f:
        f["x_train"], f["y_train"] = np.ones((6, 4)), np.array([0, 1, 2] * 2)
        f.attrs["class_names"] = ["r", "g", "b"]
    ds = load_dataset(tmp_path / "n.hdf5", validation_split=0.0)
    assert ds.class_names == ["r", "g", "b"] and ds.input_shape == (4,)


def test_bad_hdf5_files_are_named(tmp_path):
    with h5py.File(tmp_path / "noy.h5", "w") as f:
        f["x"] = np.ones((4, 2))
    with pytest.raises(DatasetError, match=r"HDF5 file .*noy.h5 has no 'y' \(or 'y_train'\) array for the labels; "
                                           r"found: x"):
        load_dataset(tmp_path / "noy.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["y"] = np.arange(4) % 2
    with h5py.File(tmp_path / "link.h5", "w") as f:
        f["y"] = np.arange(4) % 2
        f["x"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "y")
    with pytest.raises(DatasetError, match="'x' is a ExternalLink; only plain datasets are read"):
        load_dataset(tmp_path / "link.h5")
    (tmp_path / "fake.h5").write_bytes(b"PK\x03\x04 not hdf5")
    with pytest.raises(DatasetError, match=r"fake.h5 is not an HDF5 file \(no HDF5 signature\)"):
        load_dataset(tmp_path / "fake.h5")
