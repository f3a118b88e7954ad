"""The generated sequence data sets and the sequence scores, on hand-made cases."""

import datetime

import numpy as np
import pytest

from workbench.data import DatasetError, load_dataset
from workbench.data.caption_scenes import WORDS, caption_text, scenes
from workbench.data.digit_strips import halved_digits
from workbench.data.sequences import DATE_CHARS, ISO_TOKENS, adding_problem, date_text, teacher_forcing
from workbench.tasks.sequence_metrics import (
    cer, char_accuracy, clean_ctc, edit_distance, epoch_below_0_01, exact_match, greedy_decode, sequence_accuracy,
    tokens,
)


def test_adding_problem_marks_two_steps_one_per_half_and_sums_them():
    x, y = adding_problem(200, 50, np.random.default_rng(3))
    assert x.shape == (200, 50, 2) and x.dtype == np.float32 and y.shape == (200,)
    assert np.all(x[:, :, 1].sum(axis=1) == 2)
    assert np.all(x[:, :25, 1].sum(axis=1) == 1)
    np.testing.assert_allclose(y, (x[:, :, 0] * x[:, :, 1]).sum(axis=1), rtol=1e-6)
    # predicting the mean (1.0) scores about 1/6
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.03


def test_adding_problem_is_its_own_split_and_deterministic():
    a = load_dataset("adding_problem", seed=1, length=20, samples=100, val_samples=30)
    b = load_dataset("adding_problem", seed=1, length=20, samples=100, val_samples=30)
    assert a.input_shape == (20, 2) and (a.num_train, a.num_val) == (100, 30) and a.task == "regression"
    np.testing.assert_array_equal(a.x_val, b.x_val)
    assert not np.array_equal(a.x_train, load_dataset("adding_problem", seed=2, length=20, samples=100).x_train)


def test_dates_rows_decode_to_the_text_and_its_iso_form():
    ds = load_dataset("dates", samples=300, val_samples=50)
    assert ds.x_train.shape == (300, 20) and ds.x_train.dtype == np.int32 and ds.y_train.shape == (300, 11)
    assert ds.class_names == ISO_TOKENS and len(ISO_TOKENS) == 13 and len(DATE_CHARS) + 1 == 47
    for source, target in zip(ds.x_train[:50], ds.y_train[:50]):
        text = "".join(DATE_CHARS[t - 1] for t in source if t)
        iso = "".join(ISO_TOKENS[t] for t in target[:10])
        assert target[10] == 0
        day = datetime.date.fromisoformat(iso)
        assert str(day.year) in text and str(day.day) in text
        assert day.strftime("%B")[:3].lower() in text.lower()
    np.testing.assert_array_equal(ds.x_val, load_dataset("dates", samples=300, val_samples=50).x_val)


def test_date_text_and_teacher_forcing():
    assert date_text(datetime.date(2023, 12, 25), "{b} {d}, {Y}", True) == "Dec 25, 2023"
    assert date_text(datetime.date(2023, 3, 5), "{dd} {B} {Y}", False) == "05 march 2023"
    np.testing.assert_array_equal(teacher_forcing(np.array([[4, 5, 0], [7, -1, -1]]), 1), [[1, 4, 5], [1, 7, 0]])


def test_digit_strips_use_disjoint_digit_images_and_pad_labels():
    ds = load_dataset("digit_strips", seed=0, samples=300, val_samples=100)
    assert ds.x_train.shape == (300, 14, 64, 1) and ds.x_train.dtype == np.uint8 and ds.y_train.shape == (300, 4)
    assert ds.class_names[-1] == "blank" and ds.num_classes == 11
    lengths = (ds.y_train >= 0).sum(axis=1)
    assert set(lengths) == {1, 2, 3, 4} and np.all(ds.y_train[:, 0] >= 0)
    # no padding before a label
    assert np.all(np.diff((ds.y_train >= 0).astype(int), axis=1) <= 0)
    images, _ = halved_digits()
    known = {img.tobytes() for img in images}
    train_digits = {ds.x_train[i, :, c:c + 14, 0].tobytes() for i in range(300) for c in range(51)} & known
    test_digits = {ds.x_val[i, :, c:c + 14, 0].tobytes() for i in range(100) for c in range(51)} & known
    assert len(train_digits) > 100 and len(test_digits) > 50 and not train_digits & test_digits


def test_shape_scenes_captions_name_the_shapes_left_to_right():
    x, y = scenes(40, np.random.default_rng(0))
    assert x.shape == (40, 32, 64, 1) and x.dtype == np.uint8 and y.shape == (40, 4)
    assert len(WORDS) == 8
    for row in y:
        words = caption_text(row).split()
        assert 1 <= len(words) <= 3 and row[len(words)] == 2
    assert caption_text(np.array([3, 7, 2, 0])) == "circle cross"
    with pytest.raises(DatasetError, match="unknown option"):
        load_dataset("shape_scenes", length=3)


def test_scores_on_hand_cases():
    truth = np.array([[1, 2, 3, -1], [4, 4, -1, -1], [5, -1, -1, -1]])
    predicted = np.array([[1, 2, 3, -1], [4, -1, -1, -1], [6, 7, -1, -1]])
    assert sequence_accuracy(predicted, truth) == pytest.approx(1 / 3)
    assert edit_distance([4], [4, 4]) == 1 and edit_distance([6, 7], [5]) == 2
    assert cer(predicted, truth) == pytest.approx(3 / 6)
    assert char_accuracy(predicted, truth) == pytest.approx(4 / 6)
    # rows cut at their end token (0 for dates)
    assert tokens([3, 4, 0, 9]) == [3, 4, 0, 9] and tokens([3, 4, 0, 9], end=0) == [3, 4]
    assert exact_match(np.array([[3, 0, 5]]), np.array([[3, 0, 0]]), end=0) == 1.0
    assert epoch_below_0_01([0.2, 0.02, 0.009, 0.001]) == 3 and epoch_below_0_01([0.2]) is None
    np.testing.assert_array_equal(clean_ctc(np.array([[1, 10, 2, -1, 3]]), 10), [[1, -1, -1, -1, -1]])


def test_greedy_decode_feeds_back_its_choices_and_stops_at_the_end():
    # a "model" that predicts the previous input token + 1, and the end token (0) after 3
    def step(inputs):
        nxt = np.where(inputs >= 3, 0, inputs + 1)
        return np.eye(5)[nxt]

    out = greedy_decode(step, 2, 5, start=1, end=0)
    np.testing.assert_array_equal(out, [[2, 3, 0, 0, 0], [2, 3, 0, 0, 0]])


def test_options_after_the_name_reach_the_loader_and_unknown_ones_list_the_known():
    from workbench.data.registry import split_options, with_options

    assert split_options("adding_problem:length=100,samples=20") == ("adding_problem", {"length": 100, "samples": 20})
    assert split_options("shapes:size=0.5,grey=true")[1] == {"size": 0.5, "grey": True}
    assert split_options("C:/data/table.csv") == ("C:/data/table.csv", {})  # not a named set: a path
    assert with_options("adding_problem", {"length": 100, "samples": 20}) == "adding_problem:length=100,samples=20"
    data = load_dataset("adding_problem:length=12,samples=40,val_samples=5", samples=9)  # the name's options win
    assert data.input_shape == (12, 2) and (data.num_train, data.num_val) == (40, 5)
    assert data.origin == {"name": "adding_problem", "options": {"samples": 40, "length": 12, "val_samples": 5}}
    with pytest.raises(DatasetError, match="unknown option lenght for the 'adding_problem' data set; "
                                           "known: length, samples, val_samples"):
        load_dataset("adding_problem:lenght=100")
    with pytest.raises(DatasetError, match="'length' has no value"):
        load_dataset("adding_problem:length")


@pytest.mark.parametrize("name, limit, options", [
    ("adding_problem", 900, {"samples": 800, "val_samples": 100}),  # 8,000 / 1,000 by default
    ("dates", 300, {"samples": 273, "val_samples": 27}),  # 10,000 / 1,000
    ("shape_scenes", 90, {"samples": 80, "val_samples": 10}),  # 4,000 / 500
    ("adding_problem:length=100", 1, {"samples": 1, "val_samples": 1}),
    ("shapes", 100, {"samples": 100}),  # split by validation_split afterwards
    ("digits", 50, {"max_samples": 50}),
])
def test_max_samples_limits_training_and_validation_in_proportion(name, limit, options):
    from workbench.data.registry import size_options

    assert size_options(name, limit) == options
