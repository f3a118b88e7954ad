"""The architecture diff, side by side: A's layers on the left, B's on the right, matched row by row.

Added layers are green, removed red, changed amber; a row's changes (config
keys old → new, renames, rewired inputs) and its parameter delta sit at the
right.  The numbers come from `workbench.compare.diff`, pure Python, so the
view updates instantly and never waits for TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..commands.diff import signed
from ..commands.targets import load_target
from ..compare.diff import ADDED, CHANGED, REMOVED, SpecDiff, diff_specs
from ..errors import WorkbenchError
from ..spec import ModelSpec, preset_paths
from ..spec.units import human, shape_text
from . import theme

#: row tints per theme: readable under the theme's text colour
DIFF_COLORS = {
    "light": {ADDED: "#d6f5d6", REMOVED: "#fbd5d5", CHANGED: "#fdebc8"},
    "dark": {ADDED: "#1f4a2a", REMOVED: "#5a2327", CHANGED: "#5a4614"},
}

COLUMNS = ("A", "type", "output shape", "params", "B", "type", "output shape", "params", "Δ params", "changes")
_NUMERIC = {3, 7, 8}
_OPEN_FILE = "Open file…"


def diff_color(status: str) -> QColor | None:
    """The tint for a row of this status in the current theme (None: unchanged)."""
    value = DIFF_COLORS[theme.current() if theme.current() in DIFF_COLORS else "light"].get(status)
    return QColor(value) if value else None


class _SpecPicker(QComboBox):
    """A preset slug, or a file the user opens; emits the loaded spec."""

    spec_chosen = Signal(object)  # ModelSpec
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.addItem("")
        for slug in preset_paths():
            self.addItem(slug)
        self.addItem(_OPEN_FILE)
        self._last_dir = ""
        self.activated.connect(self._on_activated)

    @Slot(int)
    def _on_activated(self, index: int) -> None:
        text = self.itemText(index)
        if not text:
            return
        if text == _OPEN_FILE:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open an architecture", self._last_dir, "Presets and models (*.json *.h5 *.hdf5 *.keras)"
            )
            if not path:
                return
            self._last_dir = str(Path(path).parent)
            text = path
        try:
            spec = load_target(text)
        except WorkbenchError as exc:
            self.failed.emit("\n".join(exc.problems))
            return
        self.spec_chosen.emit(spec)


class DiffView(QWidget):
    """Two architectures compared layer by layer; `set_specs(a, b)` shows a pair."""

    def __init__(self, a: ModelSpec | None = None, b: ModelSpec | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._a, self._b = a, b
        self._diff: SpecDiff | None = None

        self.picker_a, self.picker_b = _SpecPicker(self), _SpecPicker(self)
        self.picker_a.spec_chosen.connect(self._on_a_chosen)
        self.picker_b.spec_chosen.connect(self._on_b_chosen)
        self.picker_a.failed.connect(self._on_load_failed)
        self.picker_b.failed.connect(self._on_load_failed)
        swap = QPushButton("Swap", self)
        swap.setToolTip("Exchange A and B")
        swap.clicked.connect(self._on_swap_clicked)
        self.show_all = QCheckBox("Show unchanged layers", self)
        self.show_all.toggled.connect(self._on_show_all_changed)

        pickers = QHBoxLayout()
        pickers.addWidget(QLabel("A (before):", self))
        pickers.addWidget(self.picker_a, 1)
        pickers.addWidget(swap)
        pickers.addWidget(QLabel("B (after):", self))
        pickers.addWidget(self.picker_b, 1)
        pickers.addWidget(self.show_all)

        self.summary = QLabel("Choose two architectures to compare.", self)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)

        layout = QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        if a is not None and b is not None:
            self.set_specs(a, b)

    # -- public -----------------------------------------------------------
    @property
    def diff(self) -> SpecDiff | None:
        return self._diff

    def set_specs(self, a: ModelSpec, b: ModelSpec) -> None:
        """Diff `a` (before) against `b` (after) and show it."""
        self._a, self._b = a, b
        self._diff = diff_specs(a, b)
        self._refresh()

    # -- slots --------------------------------------------------------------
    @Slot(object)
    def _on_a_chosen(self, spec: ModelSpec) -> None:
        self._a = spec
        self._update_if_ready()

    @Slot(object)
    def _on_b_chosen(self, spec: ModelSpec) -> None:
        self._b = spec
        self._update_if_ready()

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Cannot open", message)

    @Slot()
    def _on_swap_clicked(self) -> None:
        if self._a is not None and self._b is not None:
            self.set_specs(self._b, self._a)

    @Slot(bool)
    def _on_show_all_changed(self, _checked: bool) -> None:
        self._refresh()

    # -- drawing ------------------------------------------------------------
    def _update_if_ready(self) -> None:
        if self._a is not None and self._b is not None:
            self.set_specs(self._a, self._b)

    def _refresh(self) -> None:
        d = self._diff
        if d is None:
            return
        self.summary.setText(_summary_text(d))
        rows = [r for r in d.rows if self.show_all.isChecked() or r.affected]
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for i, r in enumerate(rows):
            cells = (
                r.name_a or "", r.type_a or "", _shape(r.shape_a), _count(r.params_a),
                r.name_b or "", r.type_b or "", _shape(r.shape_b), _count(r.params_b),
                signed(r.params_delta), "; ".join(str(c) for c in r.changes),
            )
            tint = diff_color(r.status)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, r.status)
                if c in _NUMERIC:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if tint is not None:
                    item.setBackground(QBrush(tint))
                if (c in (2, 6) and r.shape_changed) or (c == 8 and r.params_delta):
                    item.setFont(bold)
                if c == 9 and r.changes:
                    item.setToolTip("\n".join(str(ch) for ch in r.changes))
                self.table.setItem(i, c, item)


def _summary_text(d: SpecDiff) -> str:
    def side(label, spec, a):
        return f"<b>{label}</b> {spec.name}: {len(spec.layers)} layers, {a.total_params:,} params, {human(a.total_macs)} MACs"

    shape = ""
    if tuple(d.a.input_shape) != tuple(d.b.input_shape):
        shape = f" · input {shape_text(d.a.input_shape)} → {shape_text(d.b.input_shape)}"
    macs = f"{'+' if d.macs_delta > 0 else ''}{human(d.macs_delta)}"
    return (
        f"{side('A', d.a, d.analysis_a)}<br>{side('B', d.b, d.analysis_b)}<br>"
        f"<b>Δ params {signed(d.params_delta)}</b> · Δ MACs {macs}{shape} · "
        f"{len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed, {len(d.same)} unchanged"
    )


def _shape(shape) -> str:
    return shape_text(shape) if shape is not None else ""


def _count(n) -> str:
    return f"{n:,}" if n is not None else ""
