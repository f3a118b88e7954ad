"""The training views around a run's edges: closing while it ends, other models, stop and resume, edits, refusals.

Most cases drive the controller with a scripted run: `TrainWorker.run` is
replaced by a script that sends the worker's own events from the training
thread (so the job, the signals and the views are the real ones) and waits
for Stop.  The memory refusal, the divergence warning and the resumed
run's start time need the real Trainer: a 16-unit MLP on 200 xor points.
"""

from __future__ import annotations

import threading
from pathlib import Path
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from workbench import host_memory
from workbench.keras_bridge import read_spec
from workbench.spec import load_named
from workbench.train import RunDir, TrainConfig, Trainer, TrainResult, memory_check
from workbench.train.events import StartInfo
from workbench.train.batches import BatchChunk
from workbench.data import load_dataset
from workbench.ui import settings
from workbench.ui.document import Document
from workbench.ui.training import TrainingController, controller as controller_module, worker as worker_module
from specs import mlp

STEPS, EPOCHS = 125, 15
RUN_TIMEOUT_MS = 120_000


@pytest.fixture(autouse=True)
def isolated(tmp_path):
    settings.use_directory(tmp_path / "profile")
    return tmp_path


@pytest.fixture
def controllers(qtbot):
    """Controllers in a parent window (so questions can be asked), with threads shut down afterwards."""
    made: list[TrainingController] = []

    def make(spec, dataset: str | None = None) -> TrainingController:
        window = QWidget()
        qtbot.addWidget(window)
        controller = TrainingController(Document(spec), window)
        made.append(controller)
        for view in (controller.panel, controller.curves):
            qtbot.addWidget(view)
            view.show()
        if dataset is not None:
            controller.panel.choose_dataset(dataset)
            controller.panel.activate()
            qtbot.waitUntil(lambda: controller.panel.dataset is not None, timeout=30_000)
        return controller

    yield make
    for controller in made:
        controller.shutdown()


class Script:
    """A run that reports `stop_at` (epochs done, batches into the next) and then waits for Stop or `end`."""

    def __init__(self, run_dir, stop_at=(5, 5)):
        self.run_dir, self.stop_at = run_dir, stop_at
        self.end = threading.Event()

    def __call__(self, worker, run_id, request, control):
        def send(kind, *payload):
            worker.event.emit(run_id, kind, payload)

        info = StartInfo(device="CPU", device_info={}, params=1, trainable_params=1, steps_per_epoch=STEPS,
                         epochs=EPOCHS, initial_epoch=0, batch_size=8, num_train=1000, num_val=100,
                         run_dir=str(self.run_dir), monitor="val_accuracy")
        send(worker_module.STARTED, worker_module.RunStarted(info, request.spec, None, []))
        done, partial = self.stop_at
        for step in range(1, done * STEPS + partial + 1):
            send(worker_module.BATCHES, BatchChunk(np.array([step]), np.array([time.monotonic()]),
                                                  {"loss": np.array([1.0 / step]), "accuracy": np.array([0.5])}))
            if step % STEPS == 0:
                send(worker_module.EPOCH, step // STEPS, {"loss": 0.5, "accuracy": 0.5, "val_loss": 0.6,
                                                          "val_accuracy": 0.5, "learning_rate": 0.01})
        while not (control.stop_requested or self.end.is_set()):
            time.sleep(0.01)
        result = TrainResult(status="stopped", run_dir=self.run_dir, epochs_completed=done, steps_per_epoch=STEPS,
                             stopped_at={"epoch": done + 1, "batch": partial} if partial else None,
                             history={"epoch": list(range(1, done + 1))})
        send(worker_module.FINISHED_EVENT, result)


@pytest.fixture
def scripted(monkeypatch, tmp_path):
    script = Script(tmp_path / "run")
    monkeypatch.setattr(worker_module.TrainWorker, "run", lambda self, *args: script(self, *args))
    return script


def start_scripted(qtbot, controller) -> None:
    assert controller.start()
    qtbot.waitUntil(lambda: len(controller.curves.record.epochs) == 5 and controller.curves.record.steps.size
                    == 5 * STEPS + 5, timeout=60_000)


# -- 1: closing while the run ends ---------------------------------------------------------------------------------
def test_a_run_that_ends_while_the_close_question_is_open_lets_the_window_close(qtbot, controllers, scripted,
                                                                                  monkeypatch):
    controller = controllers(load_named("lenet5"), "digits")
    start_scripted(qtbot, controller)
    closes = []
    controller.closeRequested.connect(lambda: closes.append(True))

    def question(*_args):
        scripted.end.set()  # the run finishes and saves while the person reads the question
        qtbot.waitUntil(lambda: not controller.job.running(), timeout=60_000)
        return QMessageBox.Yes

    monkeypatch.setattr(controller_module.QMessageBox, "question", question)
    assert controller.ready_to_close() is True  # nothing is left to wait for: close now
    assert not controller.panel.status_label.text().startswith("Stopping and saving")
    assert controller.last_result.status == "stopped" and closes == []


# -- 9: stop within an epoch, from pause; resume offers that run -------------------------------------------------------
def test_a_stop_from_pause_within_an_epoch_says_where_and_resume_offers_that_run(qtbot, controllers, scripted,
                                                                               monkeypatch, tmp_path):
    controller = controllers(load_named("lenet5"), "digits")
    panel, curves = controller.panel, controller.curves
    start_scripted(qtbot, controller)
    controller.pause()
    qtbot.waitUntil(lambda: panel.progress_label.text().startswith("Paused"), timeout=20_000)
    controller.stop()
    assert not panel.progress_label.text().startswith("Paused")
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: not curves.pending(), timeout=20_000)
    assert panel.progress_label.text() == "Stopped in epoch 6 at batch 5/125; 5 epochs saved"
    assert panel.status_label.text().startswith("Stopped in epoch 6 at batch 5/125; 5 epochs saved in ")
    # the partial epoch: its 5 batches on the batch curve, no epoch point
    assert curves.record.epochs == [1, 2, 3, 4, 5]
    steps = curves.record.steps.values  # what the curve holds; getData() is the display's (downsampled)
    assert len(steps) == 5 * STEPS + 5 and steps[-1] == 5 * STEPS + 5
    assert curve_x(curves.curve("loss", "epoch")) == [1.0, 2.0, 3.0, 4.0, 5.0]

    # Resume offers the run just stopped (a real run folder with a checkpoint), not an empty folder dialog
    run = RunDir(scripted.run_dir)
    run.prepare()
    run.write_run({"name": "lenet5", "status": "stopped", "result": {"epochs_completed": 5},
                   "timings": {"started": "2024-05-01T10:00:00+0000"}})
    run.checkpoint_file("last").write_bytes(b"x")
    older = RunDir(tmp_path / "older")
    older.prepare()
    older.write_run({"name": "older", "status": "stopped", "result": {"epochs_completed": 1}})
    older.checkpoint_file("last").write_bytes(b"x")
    controller.runs.root = tmp_path
    resumed, dialogs = [], []
    monkeypatch.setattr(controller, "resume_run", lambda folder, epochs=None: resumed.append(folder))
    monkeypatch.setattr(controller_module.QFileDialog, "getExistingDirectory",
                        lambda *args: dialogs.append(args) or "")
    asked = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "Resume lenet5").click()

    QTimer.singleShot(0, answer)
    controller.resume_run_dialog()
    assert dialogs == [] and resumed == [str(scripted.run_dir)]
    assert asked and asked[0].startswith("Resume lenet5 (stopped, 5 epochs saved, started 2024-05-01 10:00:00)?")


def curve_x(item) -> list[float]:
    x = item.getData()[0]
    return [] if x is None else np.asarray(x).tolist()


# -- 10: edits during a run -----------------------------------------------------------------------------------------------
def test_editing_the_canvas_during_a_run_says_the_trained_model_differs(qtbot, controllers, scripted):
    controller = controllers(load_named("lenet5"), "digits")
    panel, doc = controller.panel, controller.doc
    start_scripted(qtbot, controller)
    assert not panel.drift_label.isVisibleTo(panel)
    doc.remove_layers(["f6"])
    assert panel.drift_label.isVisibleTo(panel)
    assert panel.drift_label.text() == (
        f"The canvas differs from the model being trained ({doc.analysis.total_params:,} parameters on the canvas, "
        "61,706 training): edits apply to the next run.")
    doc.undo_stack.undo()
    assert not panel.drift_label.isVisibleTo(panel)  # the canvas is the trained model again
    scripted.end.set()
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        pass


# -- 2: the views follow the model on the canvas ---------------------------------------------------------------------
def test_the_feature_map_header_follows_an_edit_of_the_layer(controllers):
    controller = controllers(load_named("lenet5"))
    heading = controller.feature_maps.heading
    assert "<b>c1</b> · output 28×28×6" in heading.text()
    controller.doc.set_config("c1", "filters", 8)
    assert "<b>c1</b> · output 28×28×8" in heading.text()


def test_after_a_run_another_model_clears_the_views_and_a_model_file_brings_its_curves(qtbot, controllers, tmp_path,
                                                                                        monkeypatch):
    controller = controllers(mlp("xor-mlp"), "xor")
    panel, curves = controller.panel, controller.curves
    panel.epochs.setValue(2)
    assert controller.start()
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        pass
    result = blocker.args[0]
    assert curves.record.epochs == [1, 2] and controller.evaluation.evaluation is not None
    assert panel.status_label.text().startswith("Finished after 2 epochs")

    controller.doc.load(mlp("other", hidden=4))  # an untrained model: nothing of the last run is left
    assert curves.record.epochs == [] and curves.record.steps.size == 0
    qtbot.waitUntil(lambda: not curves.pending(), timeout=20_000)
    assert curve_x(curves.curve("loss", "epoch")) == [] and curve_x(curves.curve("loss", "batch")) == []
    assert controller.evaluation.evaluation is None
    assert panel.status_label.text() == "" and panel.progress_label.text() == "Not started"
    assert not panel.drift_label.isVisibleTo(panel)
    maps = controller.feature_maps
    qtbot.wait(500)  # a probe of the last run's model would have answered by now
    assert maps.maps is None and maps.picker.count() == 0  # the same layer name, but not this model's maps
    assert maps.heading.text() == ("<b>hidden</b> · output 4 · the canvas is not the model last trained: "
                                   "train it to see these feature maps")

    asked = []  # "Save model…" saves the run's model: the dialog names it and suggests its file name
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, caption, suggested, filters:
                        asked.append((caption, Path(suggested).name)) or ("", ""))
    controller.export_dialog()
    assert asked == [("Save the last trained model (xor-mlp, not the canvas)", "xor-mlp.h5")]

    controller.doc.load(read_spec(result.model_path))  # the run's .h5: its curves again
    assert controller.show_model_curves(str(result.model_path))
    assert curves.record.epochs == [1, 2]


# -- the memory refusal and the divergence warning (the real Trainer) ----------------------------------------------------
def test_a_run_refused_for_memory_offers_to_train_anyway(qtbot, controllers, monkeypatch):
    monkeypatch.setattr(host_memory, "free_host_memory", lambda: 1000)
    monkeypatch.setattr(memory_check, "query_gpu_memory", lambda **_: memory_check.FreeMemory(1000, "on the GPU"))
    controller = controllers(mlp("xor-mlp"), "xor")
    panel = controller.panel
    panel.epochs.setValue(1)
    monkeypatch.setattr(controller_module.QMessageBox, "question", lambda *args: QMessageBox.No)
    controller.window = None  # the panel's own check would ask first; here the Trainer refuses
    assert controller.start()
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        pass
    assert blocker.args[0].status == "error"
    assert "xor-mlp: training will not fit in memory: batch 32 with" in panel.status_label.text()
    assert panel.train_anyway_button.isVisibleTo(panel)
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        panel.train_anyway_button.click()
    assert blocker.args[0].status == "finished" and blocker.args[0].epochs_completed == 1
    assert not panel.train_anyway_button.isVisibleTo(panel)


def test_a_diverging_loss_is_shown_in_the_panel(qtbot, controllers):
    controller = controllers(mlp("xor-mlp"), "xor")
    panel = controller.panel
    config = TrainConfig(optimizer="sgd", learning_rate=1e6, batch_size=16, epochs=1, tensorboard=False)
    panel.config = lambda: config  # a rate the form does not offer, so the loss surely diverges
    warnings = []
    controller.job.warning.connect(warnings.append)
    assert controller.start()
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS):
        pass
    assert len(warnings) == 1 and warnings[0].startswith("The loss is diverging: ")
    assert f"⚠ {warnings[0]}" in panel.status_label.text()


def test_a_resumed_run_keeps_its_start_time(tmp_path):
    xor = load_dataset("xor", seed=0, validation_split=0.2, samples=200)
    spec = mlp()
    trainer = Trainer(TrainConfig(epochs=1, batch_size=16, tensorboard=False))
    trainer.run(spec, xor, None, run_dir=tmp_path)
    trainer.release()
    first = RunDir(tmp_path).read_run()["timings"]["started"]
    time.sleep(1.1)  # the record keeps whole seconds
    again = Trainer(TrainConfig(epochs=2, batch_size=16, tensorboard=False))
    assert again.run(spec, xor, None, resume_from=tmp_path).status == "finished"
    again.release()
    timings = RunDir(tmp_path).read_run()["timings"]
    assert timings["started"] == first and timings["resumed"] > first
