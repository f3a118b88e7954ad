"""One hyperparameter form from TrainConfig's field table: every field of the training panel and the comparison
window reaches TrainConfig, with the limits and the optimizer list TrainConfig accepts."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox

from workbench.spec import load_named
from workbench.train import OPTIMIZERS, ConfigError, TrainConfig
from workbench.train.config import FIELDS
from workbench.ui.compare_view import COMPARE_FIELDS, CompareView
from workbench.ui.config_form import set_editor_value
from workbench.ui.document import Document
from workbench.ui.inspector import InspectorPanel
from workbench.ui.summary_table import EstimateSettings
from workbench.ui.training.panel import TrainingPanel

#: a value other than the default for each field, as a person would pick it
OTHER = {
    "optimizer": "nesterov", "learning_rate": 0.0125, "schedule": "cosine", "momentum": 0.75,
    "weight_decay": 0.0005, "batch_size": 48, "epochs": 7, "validation_split": 0.35, "seed": 11,
    "steps_per_execution": 4, "mixed_precision": True,
}
CASES = [("panel", f.name) for f in FIELDS] + [("compare", name) for name in COMPARE_FIELDS]


def _window(qtbot, which: str):
    if which == "panel":
        widget = TrainingPanel(Document(load_named("lenet5")))
        qtbot.addWidget(widget)
        return widget, widget.form, widget.config
    widget = CompareView()
    qtbot.addWidget(widget)
    return widget, widget.hyperparameters, widget.hyperparameters.config


def test_the_field_table_covers_every_setting_a_person_picks():
    assert set(OTHER) == {f.name for f in FIELDS}
    internal = {"probe_layers", "probe_per_second", "batch_events_per_second", "tensorboard"}
    assert {f.name for f in dataclasses.fields(TrainConfig)} == set(OTHER) | internal


@pytest.mark.parametrize("which, name", CASES)
def test_every_form_field_reaches_train_config(qtbot, which, name):
    _widget, form, read = _window(qtbot, which)
    field = next(f for f in form.fields if f.name == name)
    editor = form.editors[name]
    assert getattr(read(), name) != OTHER[name]
    set_editor_value(field, editor, OTHER[name])
    expected = pytest.approx(OTHER[name]) if isinstance(OTHER[name], float) else OTHER[name]
    assert getattr(read(), name) == expected
    if isinstance(editor, QComboBox):
        assert [editor.itemText(i) for i in range(editor.count())] == list(field.choices)
    elif not isinstance(editor, QCheckBox):
        assert editor.maximum() == field.high  # the form's limit is the one TrainConfig enforces
        if field.kind == "int":
            assert editor.minimum() == field.low
            with pytest.raises(ConfigError, match=f"{name} must be"):
                TrainConfig(**{name: int(field.high) + 1})


def test_both_windows_and_the_inspector_offer_the_optimizers_train_config_accepts(qtbot):
    doc = Document(load_named("lenet5"))
    inspector = InspectorPanel(doc, EstimateSettings())
    qtbot.addWidget(inspector)
    offered = inspector.model_form.optimizer
    assert [offered.itemText(i) for i in range(offered.count())] == list(OPTIMIZERS)
    for which in ("panel", "compare"):
        _widget, form, _read = _window(qtbot, which)
        combo = form.editors["optimizer"]
        assert [combo.itemText(i) for i in range(combo.count())] == list(OPTIMIZERS)
