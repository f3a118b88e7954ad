"""The inspector: a typed form for the selected layer, the parameters of a selected block
instance (`blocks.BlockForm`), or the model's settings when nothing is selected.

The layer form is generated from the layer kind's `Param`s in the catalogue:
`EDITORS` maps a parameter kind to its editor class, so a new layer type
needs no UI code.  Every edit goes through the Document (`set_config`,
`rename`, `set_input_shape`, `set_classes`); a value the catalogue rejects is
shown in red under its field and the field reverts.
"""

from __future__ import annotations

import ast
import html
import json

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..spec import Param, get_kind, num_classes
from ..spec.units import field_text, human, human_bytes, shape_text
from ..train.config import FIELD
from .blocks import BlockForm, selected_instance
from .config_form import make_editor
from .summary_table import EstimateSettings

_INT_LIMIT = 2**31 - 1
AUTO = "auto"


def _literal(text: str):
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


# -- one editor per parameter kind --------------------------------------------
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
        return _literal(text)

    def format(self, value) -> str:
        return "" if value is None else f"{float(value):.6g}"


class IntsEditor(TextEditor):
    """Comma-separated integers: '7, 7, 512'."""

    placeholder = "e.g. 7, 7, 512"

    def parse(self, text):
        value = _literal(text.replace("×", ","))
        return [value] if isinstance(value, int) and not isinstance(value, bool) else value

    def format(self, value) -> str:
        return "" if value is None else ", ".join(str(v) for v in value)


class PaddingEditor(TextEditor):
    """Keras' forms: '1', '1, 2' (per axis) or '(1, 2), (3, 4)' (before, after per axis)."""

    placeholder = "n, or rows, cols"

    def parse(self, text):
        return _literal(text)

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
        return _literal(text)

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
    "padding": PaddingEditor,
    "layer": LayerEditor,
}


def _error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


def _field(editor: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(editor)
    layout.addWidget(error)
    return box


def _show_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(6)
    return form


def _caption(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "caption")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def _heading() -> QLabel:
    label = QLabel()
    label.setProperty("role", "heading")
    label.setWordWrap(True)
    return label


def _banner() -> QLabel:
    label = QLabel()
    label.setProperty("role", "banner")
    label.setTextFormat(Qt.RichText)
    label.setWordWrap(True)
    label.hide()
    return label


def _show_problems(banner: QLabel, problems) -> None:
    """The analysis' errors and warnings for what the form shows; red if any is an error, else amber."""
    lines = [f"<b>{p.severity.capitalize()}:</b> {html.escape(p.message)}" for p in problems]
    severity = "error" if any(p.severity == "error" for p in problems) else "warning"
    if banner.property("severity") != severity:
        banner.setProperty("severity", severity)
        banner.style().unpolish(banner)
        banner.style().polish(banner)
    banner.setText("<br>".join(lines))
    banner.setVisible(bool(lines))


class _Facts(QGridLayout):
    """Read-only numbers as a two-column grid of caption/value pairs."""

    def __init__(self, keys: tuple[str, ...]):
        super().__init__()
        self.setHorizontalSpacing(8)
        self.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        for i, key in enumerate(keys):
            row, col = divmod(i, 2)
            caption = _caption(key)
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextSelectableByMouse)
            value.setWordWrap(key == "Inputs")
            self.addWidget(caption, row, col * 2, Qt.AlignLeft | Qt.AlignTop)
            self.addWidget(value, row, col * 2 + 1, Qt.AlignLeft | Qt.AlignTop)
            self.values[key] = value
        self.setColumnStretch(1, 1)
        self.setColumnStretch(3, 1)

    def set_values(self, **values: str) -> None:
        for key, text in values.items():
            self.values[key].setText(text)


# -- the forms ------------------------------------------------------------------
class LayerForm(QWidget):
    """Name, type and numbers of one layer, then one row per catalogue parameter."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.layer_name: str | None = None
        self._type: str | None = None
        self._rows: dict[str, tuple[Param, FieldEditor, QLabel]] = {}
        self._current: dict = {}

        self.title = _heading()
        self.facts = _Facts(("Output", "Params", "MACs", "Memory", "RF", "Inputs"))
        self.banner = _banner()
        self.name_edit = QLineEdit()
        self.name_error = _error_label()
        self.params = _form()
        self.params.addRow("name", _field(self.name_edit, self.name_error))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addLayout(self.facts)
        layout.addWidget(self.banner)
        layout.addSpacing(4)
        layout.addLayout(self.params)
        layout.addStretch(1)
        self.name_edit.editingFinished.connect(self._on_name_edited)

    def editor(self, param_name: str) -> FieldEditor:
        return self._rows[param_name][1]

    def error_text(self, param_name: str) -> str:
        label = self._rows[param_name][2]
        return label.text() if label.isVisibleTo(self) else ""

    def show_layer(self, name: str) -> None:
        layer = self.doc.spec.layer(name)
        if name != self.layer_name:
            for _, _, label in self._rows.values():
                _show_error(label, None)
            _show_error(self.name_error, None)
        self.layer_name = name
        kind = get_kind(layer.type)
        if layer.type != self._type:
            self._rebuild(kind)
        self._type = layer.type
        self.title.setText(f"{name}  <span style='font-weight:normal'>· {layer.type}</span>")
        self.name_edit.setText(name)
        self._show_numbers(name)
        self._current = self._values(kind, layer.config) if kind else {}
        for key, (_, editor, _) in self._rows.items():
            editor.set_value(self._current.get(key))

    def _values(self, kind, config: dict) -> dict:
        """The normalised value of each parameter; as written when it does not normalise."""
        out = {}
        for param in kind.params:
            raw = config.get(param.name, param.default)
            try:
                out[param.name] = param.normalize(raw)
            except ValueError:
                out[param.name] = raw
        return out

    def _show_numbers(self, name: str) -> None:
        info = self.doc.analysis.layers.get(name)
        inputs = ", ".join(self.doc.spec.edges().get(name, [])) or "none (a model input)"
        if info is None:
            blank = "—"
            self.facts.set_values(Output=blank, Params=blank, MACs=blank, Memory=blank, RF=blank, Inputs=inputs)
        else:
            rf = field_text(info.receptive_field)
            if rf and info.jump:
                rf += f"  (jump {field_text(info.jump)})"
            self.facts.set_values(
                Output=shape_text(info.output_shape), Params=f"{info.params:,}", MACs=human(info.macs),
                Memory=human_bytes(info.activation_bytes), RF=rf or "—", Inputs=inputs,
            )
        _show_problems(self.banner, [p for p in self.doc.analysis.problems if p.layer == name])

    def _rebuild(self, kind) -> None:
        while self.params.rowCount() > 1:
            self.params.removeRow(1)
        self._rows = {}
        if kind is None:
            return
        for param in kind.params:
            editor = EDITORS[param.kind](param)
            error = _error_label()
            label = QLabel(param.name + (" *" if param.required else ""))
            tip = param.help or ""
            if param.default is not None:
                tip = f"{tip}\nKeras default: {param.default}".strip()
            label.setToolTip(tip)
            editor.setToolTip(tip)
            self.params.addRow(label, _field(editor, error))
            self._rows[param.name] = (param, editor, error)
            editor.committed.connect(self._on_field_committed)

    @Slot()
    def _on_field_committed(self) -> None:
        editor = self.sender()
        param, _, error = self._rows[editor.param.name]
        value = editor.value()
        try:
            unchanged = param.normalize(value) == self._current.get(param.name)
        except ValueError:
            unchanged = False
        if unchanged:
            _show_error(error, None)
            return
        try:
            self.doc.set_config(self.layer_name, param.name, value)
        except ValueError as exc:
            _show_error(error, str(exc))
            editor.set_value(self._current.get(param.name))
        else:
            _show_error(error, None)

    @Slot()
    def _on_name_edited(self) -> None:
        new = self.name_edit.text().strip()
        if not self.layer_name or new == self.layer_name:
            return
        try:
            self.doc.rename(self.layer_name, new)
        except ValueError as exc:
            _show_error(self.name_error, str(exc))
            self.name_edit.setText(self.layer_name)
        else:
            _show_error(self.name_error, None)
            self.doc.set_selection([new])


class ModelForm(QWidget):
    """The model as a whole: input shape, classes, and the training-memory estimate's inputs."""

    def __init__(self, document, estimate: EstimateSettings, parent=None):
        super().__init__(parent)
        self.doc = document
        self.estimate = estimate
        self.title = _heading()
        self.description = _caption()
        self.banner = _banner()
        self.input_shape = QLineEdit()
        self.input_shape.setPlaceholderText("e.g. 224, 224, 3")
        self.input_error = _error_label()
        self.classes = QSpinBox()
        self.classes.setRange(1, 1_000_000)
        self.classes.setKeyboardTracking(False)
        self.classes.setAlignment(Qt.AlignRight)
        self.classes_error = _error_label()
        # the training form's editors: the batch sizes and optimizers a run accepts
        self.batch_size = make_editor(FIELD["batch_size"])
        self.batch_size.setAlignment(Qt.AlignRight)
        self.optimizer = make_editor(FIELD["optimizer"])
        self.memory = QLabel()
        self.memory.setAlignment(Qt.AlignRight | Qt.AlignVCenter)

        form = _form()
        form.addRow("input shape", _field(self.input_shape, self.input_error))
        form.addRow("classes", _field(self.classes, self.classes_error))
        line = QFrame()
        line.setFrameShape(QFrame.HLine)
        line.setFrameShadow(QFrame.Sunken)
        form.addRow(line)
        form.addRow(_caption("Training-memory estimate"))
        form.addRow("batch size", self.batch_size)
        form.addRow("optimizer", self.optimizer)
        form.addRow("training memory", self.memory)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(self.banner)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addStretch(1)

        self.input_shape.editingFinished.connect(self._on_input_shape_edited)
        self.classes.valueChanged.connect(self._on_classes_changed)
        self.batch_size.valueChanged.connect(self._on_estimate_edited)
        self.optimizer.currentTextChanged.connect(self._on_estimate_edited)
        self.estimate.changed.connect(self.refresh)

    def refresh(self) -> None:
        spec, analysis = self.doc.spec, self.doc.analysis
        self.title.setText(f"{spec.name}  <span style='font-weight:normal'>· {spec.family}</span>")
        self.description.setText(spec.description)
        self.description.setVisible(bool(spec.description))
        if not self.input_shape.hasFocus():
            self.input_shape.setText(", ".join(str(v) for v in spec.input_shape))
        classes = num_classes(spec)
        self.classes.blockSignals(True)
        self.classes.setEnabled(classes is not None)
        self.classes.setSpecialValueText("" if classes is not None else "no classifier head")
        self.classes.setValue(classes if classes is not None else self.classes.minimum())
        self.classes.blockSignals(False)
        self.batch_size.blockSignals(True)
        self.batch_size.setValue(self.estimate.batch_size)
        self.batch_size.blockSignals(False)
        self.optimizer.blockSignals(True)
        self.optimizer.setCurrentText(self.estimate.optimizer)
        self.optimizer.blockSignals(False)
        self.memory.setText(human_bytes(analysis.training_memory(self.estimate.batch_size, self.estimate.optimizer)))
        _show_problems(self.banner, [p for p in analysis.problems if p.layer not in spec.names()])

    @Slot()
    def _on_input_shape_edited(self) -> None:
        value = _literal(self.input_shape.text().replace("×", ","))
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        current = list(self.doc.spec.input_shape)
        if value == current:
            _show_error(self.input_error, None)
            return
        if not isinstance(value, list) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
        ):
            _show_error(
                self.input_error,
                f"the input shape is a list of positive integers such as 224, 224, 3; got '{self.input_shape.text()}'",
            )
            self.input_shape.setText(", ".join(str(v) for v in current))
            return
        try:
            self.doc.set_input_shape(tuple(value))
        except ValueError as exc:
            _show_error(self.input_error, str(exc))
            self.input_shape.setText(", ".join(str(v) for v in current))
        else:
            _show_error(self.input_error, None)

    @Slot(int)
    def _on_classes_changed(self, value: int) -> None:
        if value == num_classes(self.doc.spec):
            return
        try:
            self.doc.set_classes(value)
        except ValueError as exc:
            _show_error(self.classes_error, str(exc))
        else:
            _show_error(self.classes_error, None)

    @Slot()
    def _on_estimate_edited(self) -> None:
        self.estimate.set(self.batch_size.value(), self.optimizer.currentText())


class InspectorPanel(QScrollArea):
    """Follows the Document's selection: the layer form for one layer, the block form for a block
    instance's layers (a collapsed block node), the model form for none."""

    def __init__(self, document, estimate: EstimateSettings, parent=None):
        super().__init__(parent)
        self.doc = document
        self.layer_form = LayerForm(document)
        self.model_form = ModelForm(document, estimate)
        self.block_form = BlockForm(document)
        self.multi = QLabel()
        self.multi.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.multi.setMargin(10)
        self.multi.setWordWrap(True)
        self.stack = QStackedWidget()
        for widget in (self.model_form, self.layer_form, self.block_form, self.multi):
            self.stack.addWidget(widget)
        self.setWidget(self.stack)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        document.specChanged.connect(self.refresh)
        document.selectionChanged.connect(self._on_selection_changed)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        names = [n for n in self.doc.selection() if n in self.doc.spec.names()]
        if len(names) == 1:
            self.layer_form.show_layer(names[0])
            self.stack.setCurrentWidget(self.layer_form)
        elif (instance := selected_instance(self.doc, names)) is not None:
            self.block_form.show_instance(instance)
            self.stack.setCurrentWidget(self.block_form)
        elif names:
            infos = [self.doc.analysis.layers.get(n) for n in names]
            params = sum(i.params for i in infos if i)
            macs = sum(i.macs for i in infos if i)
            self.multi.setText(
                f"<b>{len(names)} layers selected</b><br>{', '.join(names)}<br><br>"
                f"{params:,} params · {human(macs)} MACs"
            )
            self.stack.setCurrentWidget(self.multi)
        else:
            self.model_form.refresh()
            self.stack.setCurrentWidget(self.model_form)

    @Slot(list)
    def _on_selection_changed(self, names: list) -> None:
        self.refresh()
