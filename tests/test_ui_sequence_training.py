"""The two-input sequence presets trained from the window: gallery -> default data set -> Train -> metrics and view.

The encoder input comes from the data set, the decoder's teacher-forced
input from its labels (the task adds it), through the panel's data path
and the same Trainer session as `workbench train`.  One epoch on a few
hundred generated samples keeps each run to seconds.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from workbench.spec import load_named
from workbench.ui import settings

RUN_TIMEOUT_MS = 240_000


@pytest.fixture(autouse=True)
def isolated(tmp_path):
    settings.use_directory(tmp_path / "profile")


@pytest.fixture
def window(qtbot):
    from workbench.ui.main_window import MainWindow

    window = MainWindow(load_tensorflow=False, remember_layout=False, offer_recovery=False)
    window.doc.load(load_named("lenet5"))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


@pytest.mark.parametrize("slug, dataset, metric, rows", [
    ("seq2seq_dates", "dates", "exact_match", 30),
    ("seq2seq_dates_attention", "dates", "exact_match", 30),
    ("caption_shapes", "shape_scenes", "caption_exact", 30),
])
def test_a_two_input_preset_trains_from_the_gallery_on_its_own_data_set(qtbot, window, slug, dataset, metric, rows):
    controller, panel = window.training, window.training.panel
    assert window.open_preset(slug)
    assert panel.source().name == dataset  # the task's data set, not one picked by the input's shape
    panel.choose_dataset(f"{dataset}:samples=270,val_samples={rows}")  # the same set, generated small
    panel.activate()
    qtbot.waitUntil(lambda: panel.dataset is not None and panel.dataset.num_val == rows, timeout=60_000)
    assert panel.dataset.num_train == 270 and panel.blocker is None
    panel.epochs.setValue(1)
    panel.steps_per_execution.setValue(1)
    with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    result = blocker.args[0]
    assert result.status == "finished", result.message
    assert result.epochs_completed == 1 and result.steps_per_epoch == 5  # 270 samples, batch 64
    history = result.history
    assert len(history[metric]) == 1 and 0.0 <= history[metric][0] <= 1.0
    assert len(history["char_accuracy"]) == 1 and len(history["val_loss"]) == 1
    view = controller.task_views.views[0]
    qtbot.waitUntil(lambda: view.table.rowCount() > 0, timeout=10_000)  # the live view: decoded vs truth
    assert view.table.rowCount() == min(rows, 8) and view.table.item(0, 2).text() != ""
