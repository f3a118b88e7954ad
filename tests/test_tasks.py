"""The task registry: data contracts, models, RPROP, and short trainings that must learn."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from workbench import tasks
from workbench.data.errors import DatasetError
from workbench.data.registry import load_dataset
from workbench.data.shape_scenes import CODE_SIZE, SEGMENT_CLASSES, render, render_code
from workbench.keras_bridge import Rprop, build
from workbench.spec import ModelSpec, analyze
from workbench.spec.preset_io import load_named

from tasks_fit import Fitted

NEW_PRESETS = {
    "perceptron": "perceptron", "mlp_xor": "classification", "mlp_2d": "classification",
    "bp_rprop_digits": "classification", "bp_rprop_iris": "classification",
    "autoencoder_dense": "reconstruction", "autoencoder_conv": "reconstruction",
    "autoencoder_denoising": "reconstruction", "autoencoder_2d": "reconstruction",
    "fcn32s_shapes": "segmentation", "fcn8s_shapes": "segmentation", "deconv_chairs": "generation",
}


@pytest.mark.parametrize("slug", sorted(NEW_PRESETS))
def test_preset_task_and_parameter_count_match_keras(slug):
    spec = load_named(slug)
    assert spec.task == NEW_PRESETS[slug]
    assert analyze(spec).total_params == build(spec).count_params()


def test_dense_autoencoder_has_the_notes_parameter_count():
    assert analyze(load_named("autoencoder_dense")).total_params == 407_834


def test_task_round_trips_and_defaults_to_classification():
    spec = load_named("fcn8s_shapes")
    assert ModelSpec.from_dict(spec.to_dict()).task == "segmentation"
    data = load_named("lenet5").to_dict()
    assert "task" not in data and ModelSpec.from_dict(data).task == "classification"


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(tasks.TaskError, match="unknown task 'poetry'; known: classification, regression"):
        tasks.task_class("poetry")


def test_data_sets_for_the_tasks():
    xor = load_dataset("logic_xor")
    assert xor.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and xor.y_train.tolist() == [0, 1, 1, 0]
    iris = load_dataset("iris")
    assert (iris.num_train, iris.num_val, iris.class_names[0]) == (120, 30, "setosa")
    whole = np.concatenate([iris.x_train, iris.x_val])
    np.testing.assert_allclose(whole.mean(axis=0), 0, atol=1e-5)
    masks = load_dataset("shapes_masks", samples=50)
    assert masks.task == "segmentation" and masks.y_train.shape == (40, 32, 32)
    assert masks.class_names == SEGMENT_CLASSES and 0 < (masks.y_train > 0).mean() < 0.4
    again = load_dataset("shapes_masks", samples=50)
    assert np.array_equal(again.x_train, masks.x_train)
    drawn = load_dataset("shapes_render", samples=20)
    assert drawn.x_train.shape == (16, CODE_SIZE) and drawn.y_train.shape == (16, 32, 32, 1)
    # a square turned by a quarter turn is the same square, and has the same code
    np.testing.assert_allclose(render_code(1, 0.3, 0.5), render_code(1, 0.3 + np.pi / 2, 0.5), atol=1e-6)
    np.testing.assert_allclose(render(1, 0.3, 0.5), render(1, 0.3 + np.pi / 2, 0.5), atol=0.02)


@pytest.mark.parametrize("slug, dataset, message", [
    ("perceptron", "iris", "iris: does not fit the perceptron task of 'Perceptron': a perceptron separates two classes"),
    ("fcn8s_shapes", "digits", "digits: does not fit the segmentation task .* not per pixel"),
    ("deconv_chairs", "digits", "digits: does not fit the generation task .* not one image per sample"),
    ("mlp_2d", "shapes_render", "shapes_render: does not fit the classification task .* regression targets"),
    ("mlp_xor", "iris", "one sigmoid output, so two classes, but it has 3"),
])
def test_data_contract_errors(slug, dataset, message):
    task = tasks.for_spec(load_named(slug))
    with pytest.raises(DatasetError, match=message):
        task.check(load_dataset(dataset, **({"samples": 20} if dataset.startswith("shapes") else {})))


def test_rprop_config_round_trip_and_registration():
    opt = Rprop(learning_rate=0.05, increase=1.3, max_step=10.0)
    config = opt.get_config()
    assert Rprop.from_config(config).get_config() == config
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert isinstance(again, Rprop) and (again.increase, again.max_step) == (1.3, 10.0)
    with pytest.raises(ValueError, match="0 < decrease < 1 < increase"):
        Rprop(decrease=1.5)


def test_rprop_reaches_the_iris_bar_full_batch():
    run = Fitted("bp_rprop_iris", "iris")
    assert run.full
    history = run.fit(30)
    assert history["mse"].min() < 0.02 and history["val_accuracy"][-1] >= 0.85


def test_perceptron_learns_and_or_but_not_xor(tmp_path):
    for gate in ("logic_and", "logic_or"):  # 20 epochs of 4 one-point steps, in one execution
        run = Fitted("perceptron", gate, steps_per_execution=80)
        run.fit(1, repeat=20, validate=False)
        assert run.model.evaluate(run.x_val, run.y_val, verbose=0, return_dict=True)["accuracy"] == 1.0, gate
    run = Fitted("perceptron", "logic_xor", steps_per_execution=40)
    history = run.fit(3, repeat=10)
    assert history["online_accuracy"].max() <= 0.75 and history["val_accuracy"].max() <= 0.75
    samples = run.task.samples(run.model, run.x_val, run.y_val, run.dataset)
    assert samples["grid"].shape == (64, 64) and samples["unit_lines"].shape == (1, 2, 2)
    assert "3 of its 4 points" in str(samples["lesson"])
    path = tmp_path / "perceptron.h5"
    run.task.saved_model(run.model).save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict_on_batch(run.x), run.model.network.predict_on_batch(run.x))


def test_mlp_xor_solves_xor_and_draws_hidden_lines():
    run = Fitted("mlp_xor", "logic_xor", steps_per_execution=25)
    history = run.fit(4, repeat=25)  # 100 full-batch steps
    assert history["val_accuracy"][-1] == 1.0
    samples = run.task.samples(run.model, run.x_val, run.y_val)
    assert samples["unit_lines"].shape == (4, 2, 2) and samples["points"].shape == (4, 2)


def test_autoencoder_beats_the_mean_image_and_shows_reconstructions():
    run = Fitted("autoencoder_dense", "mnist_subset", max_samples=2000)
    history = run.fit(5, batch_size=64)
    mean_image = float(np.mean((run.x_val - run.x.mean(axis=0)) ** 2))
    assert history["val_mse"][-1] < 0.8 * mean_image
    extra = run.task.evaluate(run.model, run.x_val, run.y_val, train=run.x)
    assert 0.02 < extra["val_pca_mse"] < mean_image
    samples = run.task.samples(run.model, run.x_val, run.y_val, run.dataset)
    assert samples["inputs"].shape == samples["reconstructions"].shape == (8, 28, 28, 1)


def test_autoencoder_2d_code_gives_a_labelled_scatter():
    run = Fitted("autoencoder_2d", "mnist_subset", max_samples=300)
    samples = run.task.samples(run.model, run.x_val, run.y_val, run.dataset)
    assert samples["codes"].shape == (60, 2) and samples["code_labels"].shape == (60,)


def test_fcn8s_beats_the_all_background_rate():
    run = Fitted("fcn8s_shapes", "shapes_masks", samples=800, optimizer=keras.optimizers.Adam(0.003))
    history = run.fit(4, batch_size=32)
    background = float((run.y_val == 0).mean())
    assert history["val_pixel_accuracy"][-1] > background + 0.02
    assert "val_mean_iou" in history
    samples = run.task.samples(run.model, run.x_val, run.y_val)
    assert samples["predicted"].shape == (8, 32, 32) and samples["class_iou"].shape == (6,)


def test_generator_beats_the_mean_image():
    run = Fitted("deconv_chairs", "shapes_render", samples=1000, optimizer=keras.optimizers.Adam(0.003))
    history = run.fit(4, batch_size=32)
    mean_image = float(np.mean((run.y_val - run.y.mean(axis=0)) ** 2))
    assert history["val_mse"][-1] < 0.7 * mean_image
    samples = run.task.samples(run.model, run.x_val, run.y_val, kind=1, angle=0.4, size=0.8)
    assert samples["generated"].shape == samples["drawn"].shape == (32, 32, 1)
