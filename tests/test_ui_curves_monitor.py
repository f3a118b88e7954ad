"""The Curves view's best-epoch marker follows the task's monitored key and direction, not whatever accuracy is drawn."""

from __future__ import annotations

import math

import numpy as np

from workbench.train import StartInfo
from workbench.ui.training.curves import CurvesView


def start(monitor: str, mode: str, epochs: int) -> StartInfo:
    return StartInfo(device="CPU", device_info={}, params=1, trainable_params=1, steps_per_epoch=1, epochs=epochs,
                     initial_epoch=0, batch_size=1, num_train=4, num_val=4, run_dir="", monitor=monitor, mode=mode)


def test_segmentation_marker_follows_mean_iou_not_pixel_accuracy(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.begin_run(start("val_mean_iou", "max", 4))
    pixel = [0.80, 0.95, 0.90, 0.85]  # best at epoch 2
    iou = [0.30, 0.35, 0.52, 0.48]  # best at epoch 3; lowest at epoch 1
    for epoch, (p, m) in enumerate(zip(pixel, iou), 1):
        view.add_epoch(epoch, {"loss": 1.0 / epoch, "pixel_accuracy": p, "val_pixel_accuracy": p,
                               "mean_iou": m, "val_mean_iou": m, "learning_rate": 0.001})
    view._draw_epochs()
    assert view.best() == 3
    assert view.loss.best.value() == 3 and view.score.best.value() == 3
    assert view.score.key == "pixel_accuracy"  # the score plot still draws pixel accuracy


def test_mse_marker_is_the_minimum_also_for_a_finished_run(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    history = {"epoch": [1, 2, 3, 4], "loss": [0.09, 0.05, 0.04, 0.045], "val_loss": [0.09, 0.05, 0.04, 0.045],
               "val_mse": [0.09, 0.05, 0.04, 0.045], "learning_rate": [0.001] * 4}
    view.show_history(history, "val_mse", "min")
    assert (view.mode, view.best()) == ("min", 3)
    view.show_history({**history, "val_mean_iou": [0.2, 0.6, 0.4, 0.5]}, "val_mean_iou", "max")
    assert view.best() == 2
    view.show_history(history, "val_mse")  # a file from before the direction was recorded
    assert view.best() == 3


def test_perceptron_score_plot_draws_the_epoch_accuracy_not_the_online_count(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.begin_run(start("val_accuracy", "max", 2))
    view.add_batches(np.array([1, 2]), np.array([0.0, 0.1]), {"online_accuracy": np.array([0.0, 0.0])})
    view.add_epoch(1, {"online_accuracy": 0.0, "accuracy": 0.5, "val_accuracy": 0.5, "learning_rate": 0.1})
    view._draw_epochs()
    assert view.score.key == "accuracy"
    y = view.curve("accuracy", "epoch").getData()[1]
    assert [v for v in y if not math.isnan(v)] == [0.5]


def test_a_gan_draws_its_two_losses_and_marks_the_best_label_agreement(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.begin_run(start("label_agreement", "max", 3))
    view.add_batches(np.array([1, 2]), np.array([0.0, 0.1]), {"d_loss": np.array([1.4, 1.3]),
                                                              "g_loss": np.array([0.7, 0.8])})
    for epoch, agreement in enumerate([0.2, 0.6, 0.5], 1):
        view.add_epoch(epoch, {"d_loss": 1.3, "g_loss": 0.8 + epoch / 10, "d_real": 0.7, "d_fake": 0.3,
                               "label_agreement": agreement, "learning_rate": 2e-4})
    view._draw_epochs()
    assert (view.loss.key, view.score.key) == ("d_loss", "g_loss")
    assert view.loss.plot.titleLabel.text == "discriminator loss" and view.score.plot.titleLabel.text == "generator loss"
    assert list(view.curve("g_loss", "epoch").getData()[1]) == [0.9, 1.0, 1.1]
    assert view.best() == 2 and view.loss.best.value() == 2
    view.begin_run(start("val_accuracy", "max", 1))  # the next run is a classifier again
    assert view.loss.key == "loss" and view.loss.plot.titleLabel.text == "loss"


def test_the_score_plot_takes_a_metric_only_the_epoch_logs_or_the_monitored_error(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.begin_run(start("val_loss", "min", 2))  # CTC: batches log only the loss
    view.add_batches(np.array([1]), np.array([0.0]), {"loss": np.array([30.0])})
    view.add_epoch(1, {"loss": 9.0, "val_loss": 8.0, "sequence_accuracy": 0.2, "cer": 0.5})
    assert view.score.key == "sequence_accuracy" and view.score.plot.titleLabel.text == "sequence accuracy"
    view.begin_run(start("val_mse", "min", 2))  # the adding problem: no accuracy, its monitored error instead
    view.add_batches(np.array([1]), np.array([0.0]), {"loss": np.array([0.9]), "mse": np.array([0.9])})
    view.add_epoch(1, {"loss": 0.2, "mse": 0.2, "val_loss": 0.15, "val_mse": 0.15})
    view._draw_epochs()
    assert view.score.key == "mse" and view.score.plot.titleLabel.text == "mean squared error"
    assert list(view.curve("mse", "val").getData()[1]) == [0.15]
