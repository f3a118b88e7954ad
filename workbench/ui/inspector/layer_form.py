"""The form for the selected layer: its name, every parameter of its kind, and its numbers."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from ...spec import Param, get_kind
from ...spec.units import field_text, human, human_bytes, shape_text
from .editors import EDITORS, FieldEditor
from .parts import Facts, banner, error_label, field_row, heading, make_form, show_error, show_problems
from .states import StateRows


class LayerForm(QWidget):
    """Name, type and numbers of one layer, then one row per catalogue parameter."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.layer_name: str | None = None
        self._type: str | None = None
        self._rows: dict[str, tuple[Param, FieldEditor, QLabel]] = {}
        self._current: dict = {}

        self.title = heading()
        self.facts = Facts(("Output", "Params", "MACs", "Memory", "RF", "Inputs"))
        self.banner = banner()
        self.name_edit = QLineEdit()
        self.name_error = error_label()
        self.params = make_form()
        self.params.addRow("name", field_row(self.name_edit, self.name_error))
        self.states = StateRows(document)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addLayout(self.facts)
        layout.addWidget(self.banner)
        layout.addSpacing(4)
        layout.addLayout(self.params)
        layout.addWidget(self.states)
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
                show_error(label, None)
            show_error(self.name_error, None)
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
        self.states.show_layer(name)

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
        spec = self.doc.spec  # the references as written: 'encoder:1' reads the encoder's output 1
        inputs = ", ".join(spec.resolved_inputs(spec.names().index(name))) or "none (a model input)"
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
        show_problems(self.banner, [p for p in self.doc.analysis.problems if p.layer == name])

    def _rebuild(self, kind) -> None:
        while self.params.rowCount() > 1:
            self.params.removeRow(1)
        self._rows = {}
        if kind is None:
            return
        for param in kind.params:
            editor = EDITORS[param.kind](param)
            error = error_label()
            label = QLabel(param.name + (" *" if param.required else ""))
            tip = param.help or ""
            if param.default is not None:
                tip = f"{tip}\nKeras default: {param.default}".strip()
            label.setToolTip(tip)
            editor.setToolTip(tip)
            self.params.addRow(label, field_row(editor, error))
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
            show_error(error, None)
            return
        try:
            self.doc.set_config(self.layer_name, param.name, value)
        except ValueError as exc:
            show_error(error, str(exc))
            editor.set_value(self._current.get(param.name))
        else:
            show_error(error, None)

    @Slot()
    def _on_name_edited(self) -> None:
        new = self.name_edit.text().strip()
        if not self.layer_name or new == self.layer_name:
            return
        try:
            self.doc.rename(self.layer_name, new)
        except ValueError as exc:
            show_error(self.name_error, str(exc))
            self.name_edit.setText(self.layer_name)
        else:
            show_error(self.name_error, None)
            self.doc.set_selection([new])
