"""One hyperparameter form, generated from `TrainConfig`'s field table (`workbench.train.config.FIELDS`).

The training panel shows every field, the comparison window a subset;
both get the same editors, limits and optimizer list, the ones `TrainConfig`
accepts, so a value typed in either window trains the same way as the CLI.
"""

from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from workbench.train.config import AUTO, FIELD, FIELDS, ConfigField, TrainConfig


class ScientificSpinBox(QDoubleSpinBox):
    """A positive float shown as 0.001 or 1e-05; the arrows halve or double it."""

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int):
        stripped = text.strip()
        try:
            value = float(stripped)
        except ValueError:
            partial = stripped == "" or stripped[-1] in "eE.-+"
            return (QValidator.Intermediate if partial else QValidator.Invalid), text, position
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.Acceptable if ok else QValidator.Intermediate), text, position

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if value <= 0:
            value = max(self.minimum(), 1e-4)
        self.setValue(min(self.maximum(), max(self.minimum(), value * 2.0**steps)))


def make_editor(field: ConfigField, parent: QWidget | None = None) -> QWidget:
    """The editor for one field, with its limits, choices and tooltip."""
    if field.kind == "choice":
        editor = QComboBox(parent)
        editor.addItems(field.choices)
    elif field.kind == "bool":
        editor = QCheckBox(field.label, parent)
    elif field.kind == "log":
        editor = ScientificSpinBox(field.low, field.high, parent)
    elif field.kind == "float":
        editor = QDoubleSpinBox(parent)
        editor.setRange(field.low, field.high)
        editor.setDecimals(field.decimals)
        editor.setSingleStep(field.step or 1.0)
    else:  # "int", "auto_int" (0 stands for auto)
        editor = QSpinBox(parent)
        editor.setRange(0 if field.kind == "auto_int" else int(field.low), int(field.high))
        if field.kind == "auto_int":
            editor.setSpecialValueText(AUTO)
    editor.setToolTip(field.help)
    return editor


def editor_value(field: ConfigField, editor: QWidget):
    """The editor's value as `TrainConfig` takes it."""
    if field.kind == "choice":
        return editor.currentText()
    if field.kind == "bool":
        return editor.isChecked()
    if field.kind in ("log", "float"):
        return round(float(editor.value()), 12 if field.kind == "log" else field.decimals + 2)
    value = int(editor.value())
    return AUTO if field.kind == "auto_int" and value == 0 else value


def set_editor_value(field: ConfigField, editor: QWidget, value) -> None:
    if field.kind == "choice":
        editor.setCurrentText(value)
    elif field.kind == "bool":
        editor.setChecked(bool(value))
    elif field.kind == "auto_int":
        editor.setValue(0 if value == AUTO else int(value))
    else:
        editor.setValue(value)


class HyperparameterForm(QFormLayout):
    """Editors for `names` (default: every field), laid out as a form; `config()` reads them back.

    `editors[name]` is each field's widget, for views that react to one (the
    panel's memory check listens to the batch size).
    """

    def __init__(self, names: tuple[str, ...] | None = None, parent: QWidget | None = None):
        super().__init__()
        self.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.fields = tuple(FIELD[name] for name in names) if names else FIELDS
        self.editors: dict[str, QWidget] = {}
        for field in self.fields:
            editor = make_editor(field, parent)
            self.editors[field.name] = editor
            self.addRow("" if field.kind == "bool" else field.label, editor)

    def values(self) -> dict:
        return {field.name: editor_value(field, self.editors[field.name]) for field in self.fields}

    def config(self, **others) -> TrainConfig:
        """A TrainConfig of the form's values and `others`; ConfigError names a bad value."""
        return TrainConfig(**{**self.values(), **others})

    def apply(self, config: TrainConfig) -> None:
        for field in self.fields:
            set_editor_value(field, self.editors[field.name], getattr(config, field.name))
