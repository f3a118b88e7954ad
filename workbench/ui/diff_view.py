"""The architecture diff, side by side: A's layers on the left, B's on the right, matched row by row.

Added layers are green, removed red, changed amber; a row's changes (config
keys old → new, renames, rewired inputs) and its parameter delta sit at the
right.  Beside the table, A and B are drawn on two read-only canvases with
the same colours (A's removed and changed layers, B's added and changed
ones), so where a change sits in the architecture shows at a glance;
selecting a row selects its layers on both canvases, and clicking a node
selects its row.  The numbers come from `workbench.compare.diff`, pure
Python, so the view updates instantly and never waits for TensorFlow.
Multi-network presets (a GAN's generator and discriminator) are diffed
network by network: the Network box picks which pair is shown.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal, Slot
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
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..compare.diff import ADDED, CHANGED, REMOVED, LayerDiff, SpecDiff, diff_specs
from ..errors import WorkbenchError
from ..keras_bridge.targets import open_model
from ..spec import ModelSpec, preset_paths
from ..spec.networks import NetworkSet
from ..spec.units import human, shape_text, signed
from . import theme
from .theme import follow_theme
from .graph.readonly import ReadOnlyGraphView

#: row tints per theme: readable under the theme's text colour
DIFF_COLORS = {
    "light": {ADDED: "#d6f5d6", REMOVED: "#fbd5d5", CHANGED: "#fdebc8"},
    "dark": {ADDED: "#1f4a2a", REMOVED: "#5a2327", CHANGED: "#5a4614"},
}

COLUMNS = ("A", "type", "output shape", "params", "B", "type", "output shape", "params", "Δ params", "changes")
_NUMERIC = {3, 7, 8}
#: the "changes" column is sized to its text up to this many pixels
MAX_CHANGES_WIDTH = 360
#: the table takes the width its columns need, leaving each canvas at least this much
MIN_CANVAS_WIDTH = 240
_OPEN_FILE = "Open file…"
#: which statuses each canvas tints: A shows what B lost or changed, B what it gained or changed
_TINTED_A = (REMOVED, CHANGED)
_TINTED_B = (ADDED, CHANGED)


def diff_color(status: str) -> QColor | None:
    """The tint for a row of this status in the current theme (None: unchanged)."""
    value = DIFF_COLORS[theme.current() if theme.current() in DIFF_COLORS else "light"].get(status)
    return QColor(value) if value else None


class _SpecPicker(QComboBox):
    """A preset slug, or a file the user opens; emits the loaded spec.

    The first item names the architecture shown now (`show_name`), however
    it was chosen: from this list, a file, or the window's Compare menu.
    """

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

    def show_name(self, name: str) -> None:
        self.setItemText(0, name)
        self.setCurrentIndex(0)

    @Slot(int)
    def _on_activated(self, index: int) -> None:
        text = self.itemText(index)
        if index == 0:  # the architecture shown already
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
            spec = open_model(text)
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
        self._shown: list[LayerDiff] = []  # the table's rows, in order
        self._syncing = False  # see `_mirroring`

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
        self._sets: tuple | None = None  # (A, B) while either holds several networks
        self.network = QComboBox(self)
        self.network.setToolTip("Which network of the multi-network presets is diffed")
        self.network.currentTextChanged.connect(self._on_network_chosen)
        self.network_label = QLabel("Network:", self)

        pickers = QHBoxLayout()
        pickers.addWidget(QLabel("A (before):", self))
        pickers.addWidget(self.picker_a, 1)
        pickers.addWidget(swap)
        pickers.addWidget(QLabel("B (after):", self))
        pickers.addWidget(self.picker_b, 1)
        pickers.addWidget(self.network_label)
        pickers.addWidget(self.network)
        pickers.addWidget(self.show_all)
        self._show_network_box(False)

        self.summary = QLabel("Choose two architectures to compare.", self)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)  # sized to the rows once per fill (`_fit_columns`)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)

        self.canvas_a, self.canvas_b = ReadOnlyGraphView(self), ReadOnlyGraphView(self)
        self.caption_a, self.caption_b = QLabel("A", self), QLabel("B", self)
        canvases = QWidget(self)
        row = QHBoxLayout(canvases)
        row.setContentsMargins(0, 0, 0, 0)
        self.canvas_a.document.selectionChanged.connect(self._on_canvas_a_selection_changed)
        self.canvas_b.document.selectionChanged.connect(self._on_canvas_b_selection_changed)
        for caption, canvas in ((self.caption_a, self.canvas_a), (self.caption_b, self.canvas_b)):
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(canvas, 1)
            row.addLayout(column, 1)

        self.splitter = QSplitter(Qt.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(canvases)
        self.splitter.setSizes([11, 9])  # proportions: the table's ten columns need the room more

        layout = QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        follow_theme(self, DiffView._restyle)
        if a is not None and b is not None:
            self.set_specs(a, b)

    # -- public -----------------------------------------------------------
    @property
    def diff(self) -> SpecDiff | None:
        return self._diff

    def set_models(self, a: ModelSpec | NetworkSet, b: ModelSpec | NetworkSet, network: str | None = None) -> None:
        """Diff `a` against `b`: two specs as `set_specs`; where either holds several networks, network by
        network, the pair shown being `network`'s (else the first network's) until another is chosen."""
        if not isinstance(a, NetworkSet) and not isinstance(b, NetworkSet):
            self.set_specs(a, b)
            return
        self._sets = (a, b)
        names = list(dict.fromkeys([*_network_names(a), *_network_names(b)]))
        self.network.blockSignals(True)
        self.network.clear()
        self.network.addItems(names)
        self.network.setCurrentText(network if network in names else names[0])
        self.network.blockSignals(False)
        self._show_network_box(True)
        self._on_network_chosen(self.network.currentText())

    def set_specs(self, a: ModelSpec, b: ModelSpec) -> None:
        """Diff `a` (before) against `b` (after) and show it."""
        self._sets = None
        self._show_network_box(False)
        self._show_pair(a, b)

    def _show_network_box(self, shown: bool) -> None:
        self.network.setVisible(shown)
        self.network_label.setVisible(shown)

    @Slot(str)
    def _on_network_chosen(self, name: str) -> None:
        if self._sets is not None and name:
            self._show_pair(*(_network_of(model, name) for model in self._sets))

    def _show_pair(self, a: ModelSpec, b: ModelSpec) -> None:
        self._a, self._b = a, b
        self._diff = diff_specs(a, b)
        self.caption_a.setText(f"<b>A</b> (before): {a.name}")
        self.caption_b.setText(f"<b>B</b> (after): {b.name}")
        self.picker_a.show_name(a.name)
        self.picker_b.show_name(b.name)
        with self._mirroring():  # loading clears the canvases' selections
            self.canvas_a.show_spec(a, _tints(self._diff, "name_a", _TINTED_A))
            self.canvas_b.show_spec(b, _tints(self._diff, "name_b", _TINTED_B))
        self._refresh()
        self._give_table_room()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._give_table_room()  # the splitter has its real width only now

    def _restyle(self) -> None:
        """Row and canvas tints in the current theme's colours."""
        if self._diff is not None:
            self.canvas_a.set_tints(_tints(self._diff, "name_a", _TINTED_A))
            self.canvas_b.set_tints(_tints(self._diff, "name_b", _TINTED_B))
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
        if self._sets is not None:
            self.set_models(self._sets[1], self._sets[0], self.network.currentText())
        elif self._a is not None and self._b is not None:
            self.set_specs(self._b, self._a)

    @Slot(bool)
    def _on_show_all_changed(self, _checked: bool) -> None:
        self._refresh()

    @Slot()
    def _on_table_selection_changed(self) -> None:
        """Select the chosen rows' layers on both canvases and bring the first into view."""
        if self._syncing:
            return
        rows = [self._shown[i] for i in sorted({index.row() for index in self.table.selectedIndexes()})]
        self._show_on_canvases(rows)

    @Slot(list)
    def _on_canvas_a_selection_changed(self, names: list) -> None:
        self._follow_canvas(self.canvas_a, "name_a", names)

    @Slot(list)
    def _on_canvas_b_selection_changed(self, names: list) -> None:
        self._follow_canvas(self.canvas_b, "name_b", names)

    # -- drawing ------------------------------------------------------------
    def _update_if_ready(self) -> None:
        if self._a is not None and self._b is not None:
            self.set_specs(self._a, self._b)

    @contextmanager
    def _mirroring(self) -> Iterator[None]:
        """Selections made inside are the view's own echo of one by the user: don't mirror them back."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _follow_canvas(self, canvas: ReadOnlyGraphView, side: str, names: list[str]) -> None:
        """Select the rows of the layers picked on `canvas` (those the table shows) and their
        counterparts on the other canvas; `side` is the canvas's end of a row, "name_a" or "name_b"."""
        if self._syncing or self._diff is None:
            return
        picked = set(names)
        rows = [r for r in self._diff.rows if getattr(r, side) in picked]
        self._select_rows(rows)
        self._show_on_canvases(rows, skip=canvas)

    def _show_on_canvases(self, rows: list[LayerDiff], skip: ReadOnlyGraphView | None = None) -> None:
        """Select these rows' layers on each canvas but `skip` (the one clicked in) and centre the first."""
        with self._mirroring():
            for canvas, side in ((self.canvas_a, "name_a"), (self.canvas_b, "name_b")):
                if canvas is not skip:
                    names = [getattr(r, side) for r in rows if getattr(r, side) is not None]
                    canvas.document.set_selection(names)
                    if names:
                        canvas.center_on(names[0])

    def _select_rows(self, rows: list[LayerDiff]) -> None:
        """Select exactly those of `rows` that the table shows."""
        wanted = {id(r) for r in rows}
        model, last = self.table.model(), self.table.columnCount() - 1
        selection = QItemSelection()
        for i, r in enumerate(self._shown):
            if id(r) in wanted:
                selection.select(model.index(i, 0), model.index(i, last))
        with self._mirroring():
            self.table.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)

    def _refresh(self) -> None:
        d = self._diff
        if d is None:
            return
        self.summary.setText(_summary_text(d))
        self._shown = [r for r in d.rows if self.show_all.isChecked() or r.affected]
        with self._mirroring():
            self._fill_table(self._shown)
        picked_a, picked_b = set(self.canvas_a.document.selection()), set(self.canvas_b.document.selection())
        self._select_rows([r for r in self._shown if r.name_a in picked_a or r.name_b in picked_b])

    def _fit_columns(self) -> None:
        """Every column as wide as its widest cell, the long "changes" text capped (its tooltip has it all)."""
        self.table.resizeColumnsToContents()
        last = len(COLUMNS) - 1
        self.table.setColumnWidth(last, min(self.table.columnWidth(last), MAX_CHANGES_WIDTH))

    def _give_table_room(self) -> None:
        """Widen the table to show all its columns, as long as each canvas keeps MIN_CANVAS_WIDTH."""
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        needed = (self.table.horizontalHeader().length() + self.table.verticalScrollBar().sizeHint().width()
                  + 2 * self.table.frameWidth())
        table = max(min(needed, total - 2 * MIN_CANVAS_WIDTH), total * 11 // 20)
        self.splitter.setSizes([table, total - table])

    def _fill_table(self, rows: list[LayerDiff]) -> None:
        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)  # replacing items one by one re-measures every column each time: seconds for a ResNet
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
        self._fit_columns()


def _network_names(model: ModelSpec | NetworkSet) -> list[str]:
    return list(model.networks) if isinstance(model, NetworkSet) else []


def _network_of(model: ModelSpec | NetworkSet, name: str) -> ModelSpec:
    """Network `name` of a set (an empty model where the set has none), or a single model itself."""
    if not isinstance(model, NetworkSet):
        return model
    if name in model.networks:
        return model.networks[name]
    return ModelSpec(f"{model.name}: no {name}", next(iter(model.networks.values())).input_shape, [])


def _tints(d: SpecDiff, side: str, statuses: tuple[str, ...]) -> dict[str, QColor]:
    """Layer name on `side` ("name_a" or "name_b") -> its row colour, for rows of these statuses."""
    return {getattr(r, side): diff_color(r.status) for r in d.rows if r.status in statuses}


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
