"""The two-input sequence presets trained from the window: gallery -> default data set -> Train -> metrics and view.

The encoder input comes from the data set, the decoder's teacher-forced
input from its labels (the task adds it), through the panel's data path
and the same Trainer session as `workbench train`.  One epoch on a few
hundred generated samples keeps each run to seconds.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from workbench.ui import settings

RUN_TIMEOUT_MS = 240_000


@pytest.fixture(autouse=True)
def isolated(tmp_path):
    settings.use_directory(tmp_path / "profile")


@pytest.fixture
def window(lenet5_window):
    return lenet5_window


def train_one_epoch(qtbot, window, slug: str, dataset: str, options: str):
    """Open `slug` from the gallery, check its default data set, train one epoch on a small copy of it."""
    controller, panel = window.training, window.training.panel
    assert window.open_preset(slug)
    assert panel.source().name == dataset  # the task's data set, not one picked by the input's shape
    panel.activate()
    qtbot.waitUntil(lambda: panel.loaded_source is not None and panel.loaded_source.name == dataset, timeout=60_000)
    assert panel.blocker is None, panel.blocker  # the full default set fits the preset as it is
    panel.choose_dataset(f"{dataset}:{options}")  # the same set, generated small
    qtbot.waitUntil(lambda: panel.loaded_source is not None and panel.loaded_source.name != dataset, timeout=60_000)
    assert panel.blocker is None, panel.blocker
    panel.epochs.setValue(1)
    panel.steps_per_execution.setValue(1)
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    result = blocker.args[0]
    assert result.status == "finished", result.message
    assert result.epochs_completed == 1
    return result


@pytest.mark.parametrize("slug, dataset, metric, rows", [
    ("seq2seq_dates", "dates", "exact_match", 30),
    ("seq2seq_dates_attention", "dates", "exact_match", 30),
    ("caption_shapes", "shape_scenes", "caption_exact", 30),
])
def test_a_two_input_preset_trains_from_the_gallery_on_its_own_data_set(qtbot, window, slug, dataset, metric, rows):
    controller = window.training
    result = train_one_epoch(qtbot, window, slug, dataset, f"samples=270,val_samples={rows}")
    assert controller.panel.dataset.num_train == 270 and controller.panel.dataset.num_val == rows
    assert result.steps_per_epoch == 5  # 270 samples, batch 64
    history = result.history
    assert len(history[metric]) == 1 and 0.0 <= history[metric][0] <= 1.0
    assert len(history["char_accuracy"]) == 1 and len(history["val_loss"]) == 1
    view = controller.task_views.views[0]
    qtbot.waitUntil(lambda: view.table.rowCount() > 0, timeout=10_000)  # the live view: decoded vs truth
    assert view.table.rowCount() == min(rows, 8) and view.table.item(0, 2).text() != ""


@pytest.mark.parametrize("slug, dataset, metrics, preview", [
    ("gru_adding", "adding_problem", ("val_mse",), ("rows", (8, 100))),  # 50 steps of (value, marker) in a row
    ("ctc_digits", "digit_strips", ("sequence_accuracy", "cer"), ("thumbs", (40,))),  # 40 strips as thumbnails
])
def test_a_one_input_sequence_preset_trains_from_the_gallery_on_its_own_data_set(qtbot, window, slug, dataset,
                                                                                  metrics, preview):
    result = train_one_epoch(qtbot, window, slug, dataset, "samples=128,val_samples=16")
    assert getattr(window.training.panel.preview, preview[0]).shape[:len(preview[1])] == preview[1]
    assert result.steps_per_epoch == 2
    assert all(len(result.history[key]) == 1 for key in metrics)
    view = window.training.task_views.views[0]
    qtbot.waitUntil(lambda: view.epoch == 1, timeout=10_000)  # the live view drew the epoch's samples


@pytest.mark.parametrize("slug, dataset", [("rnn_adding", "adding_problem"), ("lstm_adding", "adding_problem")])
def test_the_other_sequence_presets_choose_their_task_data_set(qtbot, window, slug, dataset):
    assert window.open_preset(slug)
    assert window.training.panel.source().name == dataset


def test_resuming_in_the_window_generates_the_set_with_the_run_s_options():
    from workbench.train import TrainConfig
    from workbench.ui.training.controller import _run_source

    config = TrainConfig(seed=4)
    record = {"dataset": {"name": "adding_problem", "source": "generated (seed 4, T = 100)",
                          "origin": {"name": "adding_problem", "options": {"length": 100, "samples": 800}}}}
    source = _run_source(record, config)
    assert (source.name, source.seed) == ("adding_problem:length=100,samples=800", 4)
    assert source.load().input_shape == (100, 2) and source.load().num_train == 800
    plain = {"dataset": {"name": "digits", "origin": {"name": "digits", "options": {}}}}
    assert _run_source(plain, config).name == "digits"
