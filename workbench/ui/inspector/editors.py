"""One editor per parameter kind (`EDITORS`), generated from the catalogue's `Param`s."""

from __future__ import annotations

import ast
import json

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from ...spec import Param


_INT_LIMIT = 2**31 - 1
AUTO = "auto"


def literal_value(text: str):
    """Parse '3', '1e-3', '2, 2', '((1, 2), (3, 4))' or JSON; the raw text when it is none of these.

    The raw text is passed on unchanged, so the catalogue's own check names
    the problem ("'rate' must be a number, got 'abc'").
    """
    text = text.strip()
    if not text:
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return list(value) if isinstance(value, tuple) else value
    return text


def _plain(value):
    """Tuples -> lists, recursively, for display as JSON-like text."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _allows_none(param: Param) -> bool:
    return param.optional or (param.default is None and not param.required)


class FieldEditor(QWidget):
    """Shows one parameter's value; `committed` when the user finishes an edit."""

    committed = Signal()

    def __init__(self, param: Param, parent=None):
        super().__init__(parent)
        self.param = param
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)

    # Every subclass (one per parameter kind, see EDITORS) provides these two.
    def value(self):
        raise NotImplementedError(f"{type(self).__name__} must define value()")

    def set_value(self, value) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define set_value()")


def _spin(param: Param) -> QSpinBox:
    """A spin box within the parameter's bounds; one step below them reads 'auto' when None is allowed."""
    box = QSpinBox()
    low = int(param.minimum) if param.minimum is not None else -_INT_LIMIT
    high = int(param.maximum) if param.maximum is not None else _INT_LIMIT
    if _allows_none(param):
        low -= 1
        box.setSpecialValueText(AUTO)
    box.setRange(low, high)
    box.setKeyboardTracking(False)  # commit on Enter, focus-out or arrows, not every keystroke
    box.setAlignment(Qt.AlignRight)
    box.setFixedWidth(88)
    return box


class IntEditor(FieldEditor):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.box = _spin(param)
        self._layout.addWidget(self.box)
        self._layout.addStretch(1)
        self.box.valueChanged.connect(self.committed)

    def value(self):
        if self.box.specialValueText() and self.box.value() == self.box.minimum():
            return None
        return self.box.value()

    def set_value(self, value) -> None:
        self.box.blockSignals(True)
        self.box.setValue(self.box.minimum() if value is None else int(value))
        self.box.blockSignals(False)


class PairEditor(FieldEditor):
    """One spin box per spatial axis (height × width)."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.boxes = [_spin(param) for _ in range(param.rank)]
        for i, box in enumerate(self.boxes):
            if i:
                self._layout.addWidget(QLabel("×"))
            self._layout.addWidget(box)
            box.valueChanged.connect(self.committed)
        self._layout.addStretch(1)

    def value(self):
        if any(b.specialValueText() and b.value() == b.minimum() for b in self.boxes):
            return None
        return [b.value() for b in self.boxes]

    def set_value(self, value) -> None:
        values = [None] * len(self.boxes) if value is None else list(value)
        for box, v in zip(self.boxes, values):
            box.blockSignals(True)
            box.setValue(box.minimum() if v is None else int(v))
            box.blockSignals(False)


class BoolEditor(FieldEditor):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.box = QCheckBox()
        self._layout.addWidget(self.box)
        self._layout.addStretch(1)
        self.box.toggled.connect(self.committed)

    def value(self):
        return self.box.isChecked()

    def set_value(self, value) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)


class ChoiceEditor(FieldEditor):
    """A combo box of the catalogue's choices; None reads 'none' ('linear' for activations)."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.box = QComboBox()
        none_text = "linear (none)" if param.name == "activation" else "none"
        for choice in param.choices:
            self.box.addItem(none_text if choice is None else str(choice), choice)
        if _allows_none(param) and None not in param.choices:
            self.box.addItem(none_text, None)
        self._layout.addWidget(self.box, 1)
        self.box.activated.connect(self.committed)

    def value(self):
        return self.box.currentData()

    def set_value(self, value) -> None:
        self.box.blockSignals(True)
        index = self.box.findData(value)
        if index < 0:  # a value from a file that the catalogue does not list: show it as it is
            self.box.addItem(str(value), value)
            index = self.box.count() - 1
        self.box.setCurrentIndex(index)
        self.box.blockSignals(False)


class TextEditor(FieldEditor):
    """A line edit whose text is parsed by `parse` and shown by `format`."""

    placeholder = ""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(AUTO if _allows_none(param) else self.placeholder)
        self._layout.addWidget(self.edit, 1)
        self._shown = ""
        self.edit.editingFinished.connect(self._on_editing_finished)

    def parse(self, text: str):
        return text if text else None

    def format(self, value) -> str:
        return "" if value is None else str(value)

    def value(self):
        return self.parse(self.edit.text())

    def set_value(self, value) -> None:
        self._shown = self.format(value)
        self.edit.setText(self._shown)

    @Slot()
    def _on_editing_finished(self) -> None:
        if self.edit.text() != self._shown:
            self.committed.emit()


class FloatEditor(TextEditor):
    placeholder = "number"

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.edit.setAlignment(Qt.AlignRight)
        self.edit.setMaximumWidth(120)

    def parse(self, text):
        return literal_value(text)

    def format(self, value) -> str:
        return "" if value is None else f"{float(value):.6g}"


class IntsEditor(TextEditor):
    """Comma-separated integers: '7, 7, 512'."""

    placeholder = "e.g. 7, 7, 512"

    def parse(self, text):
        value = literal_value(text.replace("×", ","))
        return [value] if isinstance(value, int) and not isinstance(value, bool) else value

    def format(self, value) -> str:
        return "" if value is None else ", ".join(str(v) for v in value)


class FloatsEditor(TextEditor):
    """A number or comma-separated numbers: '123.7, 116.3, 103.5' (Normalization's mean per channel)."""

    placeholder = "e.g. 0.5, 0.5, 0.5"

    def parse(self, text):
        return literal_value(text)

    def format(self, value) -> str:
        return "" if value is None else ", ".join(f"{v:.6g}" for v in value)


class DimsEditor(TextEditor):
    """A shape with free axes: 'None, 1, 1, 1' (Dropout's noise_shape)."""

    placeholder = "e.g. None, 1, 1, 1"

    def parse(self, text):
        return literal_value(text.replace("null", "None"))

    def format(self, value) -> str:
        return "" if value is None else ", ".join(str(v) for v in value)


class PaddingEditor(TextEditor):
    """Keras' forms: '1', '1, 2' (per axis) or '(1, 2), (3, 4)' (before, after per axis)."""

    placeholder = "n, or rows, cols"

    def parse(self, text):
        return literal_value(text)

    def format(self, value) -> str:
        if value is None:
            return ""
        compact = _plain(self.param.compact(value))
        if not isinstance(compact, list):
            return str(compact)
        return ", ".join(f"({p[0]}, {p[1]})" if isinstance(p, list) else str(p) for p in compact)


class LayerEditor(TextEditor):
    """A wrapped layer (Bidirectional, TimeDistributed) as JSON: {"type": "LSTM", "config": {...}}."""

    placeholder = '{"type": "LSTM", "config": {"units": 64}}'

    def parse(self, text):
        return literal_value(text)

    def format(self, value) -> str:
        return "" if value is None else json.dumps(value)


#: parameter kind -> editor class; the one table the layer form is built from
EDITORS: dict[str, type[FieldEditor]] = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "str": TextEditor,
    "choice": ChoiceEditor,
    "pair": PairEditor,
    "ints": IntsEditor,
    "floats": FloatsEditor,
    "dims": DimsEditor,
    "padding": PaddingEditor,
    "layer": LayerEditor,
}
