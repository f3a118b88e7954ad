"""Training from the window: live curves equal the history, feature maps, stop/pause/resume, NaN, stale signals.

Runs are real but tiny (LeNet-5 on the 1,437 digits training samples, an
MLP on xor); the views are driven through the panel's buttons and the
Document's selection, as a person would.
"""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from workbench.keras_bridge import load_model, read_metadata, read_spec
from workbench.spec import LayerSpec, ModelSpec, analyze, load_named
from workbench.train import RunDir
from workbench.ui import settings
from workbench.ui.document import Document
from workbench.ui.training import TrainingController
from workbench.train.batches import BatchChunk
from workbench.train.memory_check import FreeMemory, largest_batch
from specs import mlp

RUN_TIMEOUT_MS = 120_000
MLP = mlp("xor-mlp")


@pytest.fixture(autouse=True)
def isolated(tmp_path):
    """Runs and settings in a temporary folder, never the user's."""
    settings.use_directory(tmp_path / "profile")
    return tmp_path


@pytest.fixture
def controllers(qtbot):
    """Makes controllers (a panel with a data set loaded, or not) and shuts their threads down afterwards."""
    made: list[TrainingController] = []

    def make(spec: ModelSpec, dataset: str | None = None) -> TrainingController:
        controller = TrainingController(Document(spec))
        made.append(controller)
        for view in (controller.panel, controller.curves):
            qtbot.addWidget(view)
            view.show()  # hidden, the chart is not drawn and the panel's checks wait until shown
        if dataset is not None:
            controller.panel.choose_dataset(dataset)
            controller.panel.activate()
            qtbot.waitUntil(lambda: controller.panel.dataset is not None, timeout=30_000)
        return controller

    yield make
    for controller in made:
        controller.shutdown()


def finish(qtbot, controller: TrainingController):
    """The run's result, once the curves show everything it reported."""
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        pass
    qtbot.waitUntil(lambda: not controller.curves.pending(), timeout=2_000)
    return blocker.args[0]


def curve_xy(item) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return np.asarray(x), np.asarray(y)


# -- one short run through the panel ------------------------------------------------------------------------------------
def test_a_run_fills_the_curves_with_the_history_and_shows_feature_maps(qtbot, controllers, tmp_path):
    controller = controllers(load_named("lenet5"), "digits")
    panel, job, curves = controller.panel, controller.job, controller.curves
    assert panel.dataset.num_train == 1438 and panel.preview.thumbs.shape == (40, 8, 8)
    assert panel.preview.train_counts.sum() == 1438 and panel.preview.val_counts.sum() == 359
    panel.epochs.setValue(2)
    panel.optimizer.setCurrentText("adam")
    panel.learning_rate.setValue(0.003)
    panel.schedule.setCurrentText("constant")
    assert panel.steps_per_execution.specialValueText() == "auto (5)"  # LeNet-5 is small: 5 batches per call
    panel.steps_per_execution.setValue(1)  # here: hear of every batch

    qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    qtbot.mouseClick(panel.start_button, Qt.LeftButton)  # a double click starts nothing more
    assert controller.start() is False
    assert job.run_id == 1 and job.running() and not panel.start_button.isEnabled()
    result = finish(qtbot, controller)

    assert result.status == "finished" and result.epochs_completed == 2
    history = result.history
    for key in ("loss", "accuracy"):
        x, y = curve_xy(curves.curve(key, "epoch"))
        assert x.tolist() == [1.0, 2.0] and y.tolist() == history[key]
        x, y = curve_xy(curves.curve(key, "val"))
        assert x.tolist() == [1.0, 2.0] and y.tolist() == history[f"val_{key}"]
    assert curve_xy(curves.lr_curve)[1].tolist() == history["learning_rate"]
    steps = curves.record.steps.values
    spe = result.steps_per_epoch
    assert spe == 45 and steps.tolist() == list(range(1, 2 * spe + 1))  # every batch kept
    x, y = curve_xy(curves.curve("loss", "batch"))
    assert len(y) == 2 * spe and x[-1] == pytest.approx(2.0)
    assert np.all(np.isfinite(curves.record.batch["accuracy"].values))
    assert curves.best() == result.best_epoch and curves.loss.best.value() == result.best_epoch

    # feature maps of the default layer (the first convolution): one tile per channel
    maps = controller.feature_maps.maps
    assert maps.layer == "c1" and maps.activation.shape == (28, 28, 6) and maps.mosaic.count == 6
    controller.doc.set_selection(["c3"])  # asks the model the run left behind
    qtbot.waitUntil(lambda: controller.feature_maps.maps is not None and controller.feature_maps.maps.layer == "c3",
                    timeout=20_000)
    assert controller.feature_maps.maps.mosaic.count == 16
    controller.feature_maps.select_channel(5)
    assert controller.feature_maps.zoom_image.image.shape == (10, 10)

    # the weights after each epoch, and the evaluation on the 359 held-out samples
    snapshot = controller.weights.snapshot
    assert snapshot.epoch == 2 and snapshot.filters_layer == "c1" and snapshot.filters.count == 6
    assert [e for e, _, _ in controller.weights.histories["c5"]] == [1, 2]
    evaluation = controller.evaluation.evaluation
    assert evaluation.confusion.sum() == 359 and evaluation.split == "validation"
    assert evaluation.accuracy == pytest.approx(history["val_accuracy"][-1], abs=1.5 / 359)
    wrong = np.argwhere(evaluation.confusion - np.diag(np.diag(evaluation.confusion)))
    if len(wrong):
        true, predicted = wrong[0]
        controller.evaluation.show_cell(int(true), int(predicted))
        assert controller.evaluation.grid.count() == evaluation.confusion[true, predicted]

    # the curves exported as a table hold the same numbers
    rows = list(csv.DictReader(open(curves.export_csv(tmp_path / "curves.csv"), encoding="utf-8")))
    epochs = [r for r in rows if r["kind"] == "epoch"]
    assert [float(r["val_loss"]) for r in epochs] == history["val_loss"]
    assert len([r for r in rows if r["kind"] == "batch"]) == 2 * spe
    assert curves.export_png(tmp_path / "curves.png").stat().st_size > 5_000

    # events of an earlier run never reach the views
    worker = job._worker
    stale = BatchChunk(np.array([999]), np.array([time.monotonic()]), {"loss": np.array([123.0])})  # no accuracy
    worker.event.emit(job.run_id - 1, "batches", (stale,))
    assert curves.record.steps.size == 2 * spe
    worker.event.emit(job.run_id, "batches", (stale,))
    assert curves.record.steps.size == 2 * spe + 1 and np.isnan(curves.record.batch["accuracy"].values[-1])

    # the runs panel lists the run with its curves
    qtbot.waitUntil(lambda: len(controller.runs.runs) == 1, timeout=10_000)
    run = controller.runs.runs[0]
    assert run.path == result.run_dir and run.epochs == 2 and run.has_model


# -- pause, stop, files, reopening and resuming --------------------------------------------------------------------------
@pytest.fixture
def window(lenet5_window):
    return lenet5_window


def test_pause_holds_the_step_stop_saves_a_loadable_model_and_the_run_resumes(qtbot, window):
    controller = window.training
    panel, job, curves = controller.panel, controller.job, controller.curves
    assert not window.docks["training"].isVisible()  # opened from the Training menu
    window.actions["training_views"].trigger()
    assert window.docks["training"].isVisible() and window.docks["feature_maps"].isVisible()
    panel.choose_dataset("digits")
    qtbot.waitUntil(lambda: panel.dataset is not None, timeout=30_000)
    panel.epochs.setValue(40)
    panel.batch_size.setValue(16)

    window.actions["train"].trigger()
    assert not window.actions["train"].isEnabled() and window.docks["curves"].isVisible()
    qtbot.waitUntil(lambda: curves.record.steps.size > 100, timeout=RUN_TIMEOUT_MS)
    window.actions["pause"].trigger()
    assert job.paused() and panel.pause_button.text() == "Resume"
    qtbot.wait(300)  # the batch in flight finishes and its chunk arrives
    held = curves.record.steps.size
    qtbot.wait(700)
    assert curves.record.steps.size == held and panel.progress_label.text().startswith("Paused")
    window.actions["pause"].trigger()
    qtbot.waitUntil(lambda: curves.record.steps.size > held + 5, timeout=20_000)

    qtbot.waitUntil(lambda: len(curves.record.epochs) >= 2, timeout=RUN_TIMEOUT_MS)
    asked = time.monotonic()
    window.actions["stop"].trigger()
    result = finish(qtbot, controller)
    answered = time.monotonic() - asked
    assert result.status == "stopped" and answered < 10
    print(f"stop to finished (saved and evaluated): {answered:.2f} s")
    done = result.epochs_completed
    assert 2 <= done < 40 and result.model_path.is_file()

    # the saved .h5 loads, and carries the layout and the curves of the epochs done
    model = load_model(result.model_path)
    assert model.count_params() == analyze(read_spec(result.model_path)).total_params == 61_706
    meta = read_metadata(result.model_path)
    assert meta["workbench_history"]["epoch"] == list(range(1, done + 1))
    assert RunDir(result.run_dir).read_run()["status"] == "stopped"
    curves.reset()  # reopening the file must bring its curves back
    assert curves.record.epochs == []
    assert window.open_path(str(result.model_path))
    assert window.doc.spec.names() == load_named("lenet5").names()
    assert curves.record.epochs == list(range(1, done + 1))
    assert curve_xy(curves.curve("loss", "epoch"))[1].tolist() == meta["workbench_history"]["loss"]

    # resume: the optimizer state and the epoch count continue
    assert controller.resume_run(str(result.run_dir), epochs=done + 1)
    resumed = finish(qtbot, controller)
    assert resumed.status == "finished" and resumed.initial_epoch == done
    assert resumed.history["epoch"] == list(range(1, done + 2))
    assert curves.record.epochs == list(range(1, done + 2))  # earlier epochs shown first, then the new one
    assert RunDir(result.run_dir).load_config().steps_per_execution == "auto"
    per_call = RunDir(result.run_dir).read_run()["steps_per_execution"]
    assert per_call == 10  # auto for batch 16
    assert curves.record.steps.values[0] == done * resumed.steps_per_epoch + per_call


# -- divergence ---------------------------------------------------------------------------------------------------------
def test_a_nan_loss_stops_the_run_marks_the_curve_and_says_why(qtbot, controllers):
    controller = controllers(MLP, "xor")
    panel = controller.panel
    panel.optimizer.setCurrentText("sgd")
    panel.learning_rate.setValue(1e12)
    panel.epochs.setValue(3)
    assert controller.start()
    result = finish(qtbot, controller)
    assert result.status == "nan" and result.stopped_at["epoch"] == 1
    batch = result.stopped_at["batch"]
    x, y = controller.curves.nan_marker.getData()
    assert x.tolist() == pytest.approx([batch / result.steps_per_epoch])
    assert math.isfinite(y[0])
    assert controller.curves.nan_label.textItem.toPlainText() == "loss became NaN"
    status = panel.status_label.text()
    assert f"Training stopped at epoch 1, batch {batch}: the loss became NaN" in status
    assert "learning rate (1e+12, sgd) is probably too high" in status
    assert controller.evaluation.evaluation is None  # nothing finite to evaluate


# -- checks before Start --------------------------------------------------------------------------------------------------
def test_an_invalid_graph_cannot_be_trained_and_says_why(controllers):
    spec = load_named("lenet5")
    bad = spec.copy()
    bad.layers[2] = LayerSpec("c3", "Conv2D", {"filters": 16, "kernel_size": 30})
    controller = controllers(bad)
    panel = controller.panel
    assert not panel.start_button.isEnabled() and controller.start() is False
    assert panel.blocker.startswith("Cannot train: the graph has errors. c3:")
    assert panel.blocker_label.isVisibleTo(panel)
    controller.doc.load(spec)
    assert panel.blocker is None


def test_the_memory_check_offers_the_largest_batch_that_fits(qtbot, controllers, monkeypatch):
    from workbench.ui.training.panel import checks as panel_module

    spec = load_named("vgg16")
    free = 4 * 2**30
    best = largest_batch(analyze(spec), "momentum", free)
    monkeypatch.setattr(panel_module, "host_memory", lambda: FreeMemory(free, "in host memory"))
    controller = controllers(spec)
    panel = controller.panel
    panel.set_device("CPU")
    panel.batch_size.setValue(256)
    assert panel.fit_batch_button.isVisibleTo(panel) and panel.fit_batch_button.text() == f"Use batch size {best}"
    qtbot.mouseClick(panel.fit_batch_button, Qt.LeftButton)
    assert panel.batch_size.value() == best and panel.memory.fits


def test_importing_the_training_package_loads_no_tensorflow():
    code = ("import sys, workbench.ui.training, workbench.ui.main_window; "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_scripted_training_saves_the_model_and_a_picture_then_exits_0(tmp_path):
    out, shot = tmp_path / "lenet.h5", tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "workbench.ui.launch", "--preset", "lenet5", "--dataset", "digits", "--train",
         "--epochs", "2", "--out", str(out), "--screenshot", str(shot), "--size", "1400x900",
         "--settings-dir", str(tmp_path / "profile")],
        capture_output=True, text=True, timeout=240, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "training finished: 2 epochs" in result.stdout and f"saved {out}" in result.stdout
    assert read_metadata(out)["workbench_history"]["epoch"] == [1, 2]
    assert analyze(read_spec(out)).total_params == 61_706
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1400, 900)
