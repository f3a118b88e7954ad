"""The sequence tasks train their presets with plain `fit` on small slices of their data."""

import keras
import numpy as np
import pytest

from workbench import tasks
from workbench.data import load_dataset
from workbench.keras_bridge import build
from workbench.spec.preset_io import load_named


def fitted(slug, dataset, epochs=2, batch_size=32, learning_rate=3e-3, **options):
    keras.utils.set_random_seed(0)
    spec = load_named(slug)
    task = tasks.for_spec(spec)
    data = load_dataset(dataset, seed=0, **options)
    task.check(data)
    x, y = task.arrays(data.x_train, data.y_train)
    x_val, y_val = task.arrays(data.x_val, data.y_val)
    model = task.build(build(spec))
    task.compile(model, keras.optimizers.Adam(learning_rate, clipnorm=1.0), has_validation=True)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, validation_data=(x_val, y_val))
    return task, data, model, x_val, y_val, history.history


def test_gru_learns_the_adding_problem_beyond_the_mean():
    task, data, model, x_val, y_val, history = fitted("gru_adding", "adding_problem", epochs=4, learning_rate=1e-2,
                                                      samples=1500, val_samples=300)
    mean_score = float(np.mean((y_val - data.y_train.mean()) ** 2))
    assert 0.12 < mean_score < 0.22
    assert history["val_mse"][-1] < 0.75 * mean_score
    assert history["loss"][-1] < history["loss"][0]
    view = task.samples(model, x_val, y_val, data)
    assert view["hidden"].shape == (50, 32) and view["gradient_norms"].shape == (50,)
    assert view["markers"].sum() == 2 and np.all(view["gradient_norms"] >= 0)


def test_epoch_below_counts_evaluations():
    task = tasks.for_spec(load_named("rnn_adding"))

    class Constant:
        def __init__(self, value):
            self.value = value

        def predict_on_batch(self, x):
            return np.full((len(x), 1), self.value, dtype=np.float32)

    y = np.ones((4, 1), np.float32)
    assert task.evaluate(Constant(1.5), np.zeros((4, 50, 2)), y) == {}
    assert task.evaluate(Constant(1.05), np.zeros((4, 50, 2)), y) == {"epoch_below_0_01": 2}
    assert task.evaluate(Constant(1.5), np.zeros((4, 50, 2)), y) == {"epoch_below_0_01": 2}


def test_seq2seq_with_attention_trains_and_decodes_dates():
    task, data, model, x_val, y_val, history = fitted("seq2seq_dates_attention", "dates", samples=256, val_samples=16)
    assert isinstance(x_val, list) and x_val[1][0, 0] == 1 and x_val[1].shape == (16, 11)
    assert history["loss"][-1] < history["loss"][0]
    scores = task.evaluate(model, x_val, y_val)
    assert set(scores) == {"exact_match", "char_accuracy"} and 0 <= scores["char_accuracy"] <= 1
    view = task.samples(model, x_val, y_val, data)
    assert view["attention"].shape == (8, 11, 20)
    np.testing.assert_allclose(view["attention"].sum(axis=-1), 1.0, atol=1e-4)
    assert len(view["truth"][0]) == 10 and view["truth"][0][4] == "-"


def test_ctc_trains_on_digit_strips():
    task, data, model, x_val, y_val, history = fitted("ctc_digits", "digit_strips", samples=256, val_samples=16)
    assert history["loss"][-1] < history["loss"][0]
    scores = task.evaluate(model, x_val, y_val)
    assert set(scores) == {"sequence_accuracy", "cer"} and scores["cer"] >= 0
    view = task.samples(model, x_val, y_val, data)
    assert view["alignment"].shape == (8, 16) and int(view["blank"]) == 10
    assert view["truth"][0] == "".join(str(d) for d in data.y_val[0] if d >= 0)


def test_captioning_trains_on_shape_scenes():
    task, data, model, x_val, y_val, history = fitted("caption_shapes", "shape_scenes", samples=192, val_samples=16)
    assert x_val[0].dtype == np.float32 and x_val[0].max() <= 1.0 and x_val[1][:, 0].tolist() == [1] * 16
    assert history["loss"][-1] < history["loss"][0]
    assert set(task.evaluate(model, x_val, y_val)) == {"caption_exact", "char_accuracy"}
    view = task.samples(model, x_val, y_val, data)
    assert view["images"].shape == (8, 32, 64, 1) and all(w in data.class_names for w in view["truth"][0].split())


def test_seq2seq_refuses_a_data_set_without_token_rows():
    task = tasks.for_spec(load_named("seq2seq_dates"))
    with pytest.raises(Exception, match="not token rows"):
        task.check(load_dataset("xor"))
