"""The Qt-free numbers behind the live training views: memory check, mosaics, feature reuse, evaluation, records.

No PySide6 here: these run without a display.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.spec import analyze, load_named
from workbench.train.evaluation import evaluate
from workbench.train.memory_check import BUDGET, FreeMemory, check_memory, largest_batch
from workbench.train.live.mosaic import activation_mosaic, channel_tiles, filter_tiles, tile
from workbench.train.live.records import SeriesRecord, best_epoch
from workbench.train.live.reuse import reuse_matrix, reuse_plan


def test_the_memory_check_finds_the_largest_batch_that_fits():
    analysis = analyze(load_named("vgg16"))
    free = 4 * 2**30
    best = largest_batch(analysis, "momentum", free)
    assert analysis.training_memory(best, "momentum") <= free * BUDGET < analysis.training_memory(best + 1, "momentum")
    check = check_memory(analysis, 256, "momentum", FreeMemory(free, "in host memory"))
    assert not check.fits and check.largest_batch == best
    assert f"The largest batch that fits is {best}." in check.message


def test_the_curve_record_keeps_every_batch_and_fills_missing_metrics_with_nan():
    record = SeriesRecord(smoothing=0.5)
    record.add_batches([1, 2], [0.0, 0.1], {"loss": np.array([2.0, 1.0])})
    record.add_batches([3], [0.2], {"loss": np.array([4.0]), "accuracy": np.array([0.5])})
    assert record.steps.values.tolist() == [1, 2, 3]
    assert np.isnan(record.batch["accuracy"].values[:2]).all() and record.batch["accuracy"].values[2] == 0.5
    # debiased moving average: 2, (0.5*0.5*2 + 0.5*1)/(1-0.25) = 4/3
    assert record.smoothed["loss"].values[:2].tolist() == pytest.approx([2.0, 4 / 3])
    record.add_epoch(1, {"val_loss": 0.7})
    record.add_epoch(2, {"val_loss": 0.4, "val_accuracy": 0.9})
    assert np.isnan(record.epoch_column("val_accuracy")[0])
    assert best_epoch(record.epochs, record.epoch_column("val_loss"), "min") == 2


def test_mosaics_have_one_tile_per_channel_and_map_clicks_back():
    activation = np.arange(5 * 4 * 7, dtype=np.float32).reshape(5, 4, 7)
    mosaic = activation_mosaic(activation)
    assert mosaic.count == 7 and mosaic.tile_shape == (5, 4)
    assert mosaic.image.shape == (mosaic.rows * 6 - 1, mosaic.cols * 5 - 1)
    for index in range(7):
        x, y = mosaic.tile_origin(index)
        assert mosaic.tile_at(x + 3.5, y + 4.5) == index
        assert np.nanmin(mosaic.image[y:y + 5, x:x + 4]) == 0 and np.nanmax(mosaic.image[y:y + 5, x:x + 4]) == 1
    assert np.isnan(mosaic.image[5, 0]) and mosaic.tile_at(0.5, 5.5) is None  # the gap between rows
    assert channel_tiles(np.zeros(12)).shape == (12, 1, 1)
    assert channel_tiles(np.zeros((9, 3))).shape == (3, 1, 9)
    assert filter_tiles(np.zeros((3, 3, 3, 8))).shape == (8, 3, 3, 3)
    assert filter_tiles(np.zeros((5, 5, 6, 16))).shape == (16, 5, 5)
    big = tile(np.zeros((128, 224, 224)))  # VGG-sized: 6.4 M pixels
    assert big.stride == 2 and big.image.size <= 4_000_000


def test_feature_reuse_reads_each_dense_block_slice():
    blocks = reuse_plan(load_named("densenet121"))
    assert [len(b.readers) for b in blocks] == [7, 13, 25, 17]  # layers per block plus the transition/classifier
    first = blocks[0]
    assert first.sources[0] == "pool1" and first.readers[-1].name == "pool2_conv"
    reader = first.readers[2]  # reads the block input (64 channels) and two layers' 32 each
    assert [(s.source, s.start, s.channels) for s in reader.segments] == [
        ("pool1", 0, 64), ("conv2_block1_2_conv", 64, 32), ("conv2_block2_2_conv", 96, 32)]
    kernel = np.concatenate([np.full((1, 1, 64, 128), 1.0), np.full((1, 1, 32, 128), -2.0),
                             np.full((1, 1, 32, 128), 0.5)], axis=2)
    matrix = reuse_matrix(first, {reader.name: kernel})
    assert matrix[2, :3].tolist() == [1.0, 2.0, 0.5] and np.isnan(matrix[2, 3:]).all()
    assert reuse_plan(load_named("googlenet")) == [] and reuse_plan(load_named("resnet50")) == []


def test_evaluation_numbers():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    e = evaluate(probabilities, np.array([0, 1, 1, 0]), ["a", "b"], "validation")
    assert e.confusion.tolist() == [[1, 1], [1, 1]] and e.accuracy == 0.5
    assert e.per_class_accuracy.tolist() == [0.5, 0.5]
    assert e.hardest.tolist()[:2] == [3, 2]  # -log 0.3 > -log 0.4
    assert e.cell(1, 0).tolist() == [2] and e.losses[0] == pytest.approx(-math.log(0.9))




def test_task_epoch_sends_the_course_of_the_keys_a_task_draws_with_its_samples():
    """`curve_keys` ride along with the samples: Keras' logs and the task's own metrics, NaN where an epoch lacks one."""
    from types import SimpleNamespace

    from workbench.train.task_epoch import TaskEpoch

    class Task:
        name = "gan"
        curve_keys = ("d_real", "label_agreement")

        def train_logs(self, model, x, y):
            return {}

        def evaluate(self, model, x, y):
            return {"label_agreement": 0.5}

        def samples(self, model, x, y, dataset=None):
            return {"samples": np.zeros((2, 2))}

    sent = []
    sink = SimpleNamespace(on_samples=lambda epoch, samples: sent.append((epoch, samples)), on_warning=print)
    prepared = SimpleNamespace(streamed=False, has_validation=True, x_train=np.zeros((4, 2)), y_train=None,
                               x_val=np.zeros((4, 2)), y_val=None, dataset=None)
    epoch_task = TaskEpoch(Task(), None, prepared, sink, epochs=3)
    epoch_task.every = 2  # an expensive evaluation: spaced out, epoch 1 has none
    assert epoch_task.logs(1, {"d_real": 0.9}) == {}
    epoch_task.send_samples(1)
    epoch_task.every = 1
    assert epoch_task.logs(2, {"d_real": 0.7}) == {"label_agreement": 0.5}
    epoch_task.send_samples(2)
    curves = sent[-1][1]["curves"]
    assert list(curves["d_real"]) == [0.9, 0.7]
    assert np.isnan(curves["label_agreement"][0]) and curves["label_agreement"][1] == 0.5
    assert list(sent[0][1]["curves"]["d_real"]) == [0.9]
