"""The inspector's initial-state rows: which outputs a recurrent layer starts from, chosen or cleared.

One combo box per state the layer keeps (GRU one, LSTM two: h then c,
Bidirectional forward then backward), each offering the outputs of that
state's shape that do not depend on the layer (`spec.state_edits`), and
"zeros".  A choice is one undo step through the Document; the canvas
redraws the dashed state edge from the spec change, like any other edit.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QPushButton, QVBoxLayout

from ...spec.state_edits import state_choices, state_shapes
from ...spec.units import shape_text
from .parts import error_label, make_form, show_error

#: the first entry of every state's combo box: no source, the state starts at zero
ZEROS = "zeros"


class StateRows(QGroupBox):
    """The initial state of the shown layer; hidden for layers that take none."""

    def __init__(self, document, parent=None):
        super().__init__("initial state", parent)
        self.doc = document
        self.layer_name: str | None = None
        self.combos: list[QComboBox] = []
        self.labels: list[QLabel] = []
        self.form = make_form()
        self.error = error_label()
        self.clear_button = QPushButton("Start from zeros")
        self.clear_button.setToolTip("Clear the initial state: every state starts at zero")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.clear_button)
        self.hide()

    def show_layer(self, name: str) -> None:
        """Rows for `name`'s states with its current sources selected; hidden when it keeps no state."""
        if name != self.layer_name:
            show_error(self.error, None)
        self.layer_name = name
        shapes = state_shapes(self.doc.spec, name)
        self.setVisible(bool(shapes))
        if not shapes:
            return
        current = list(self.doc.spec.layer(name).initial_state or [])
        choices = state_choices(self.doc.spec, self.doc.analysis, name)
        if len(self.combos) != len(shapes):
            self._make_rows(len(shapes))
        for index, (shape, offered, combo) in enumerate(zip(shapes, choices, self.combos)):
            chosen = current[index] if index < len(current) else None
            combo.blockSignals(True)  # refilled in place: this may run inside the combo's own `activated`
            combo.clear()
            combo.addItem(ZEROS, None)
            for ref in offered + ([chosen] if chosen is not None and chosen not in offered else []):
                combo.addItem(ref, ref)  # a source of another shape stays listed; the banner says what is wrong
            combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen is not None else 0)
            combo.blockSignals(False)
            combo.setToolTip(f"the layer output that state {index + 1} starts from; it needs shape {shape_text(shape)}")
            self.labels[index].setText(f"state {index + 1} {shape_text(shape)}")
        self.clear_button.setEnabled(bool(current))

    def _make_rows(self, count: int) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos, self.labels = [], []
        for _ in range(count):
            combo, label = QComboBox(), QLabel()
            combo.activated.connect(self._on_state_chosen)
            self.form.addRow(label, combo)
            self.combos.append(combo)
            self.labels.append(label)

    def chosen(self) -> list[str]:
        """The sources picked, in state order (an unpicked state is left out; validation counts them)."""
        return [combo.currentData() for combo in self.combos if combo.currentData() is not None]

    @Slot(int)
    def _on_state_chosen(self, _index: int) -> None:
        self._apply(self.chosen())

    @Slot()
    def _on_clear_clicked(self) -> None:
        self._apply([])

    def _apply(self, refs: list[str]) -> None:
        name = self.layer_name
        try:
            self.doc.set_initial_state(name, refs)
        except ValueError as exc:
            show_error(self.error, str(exc))
            self.show_layer(name)
        else:
            show_error(self.error, None)
