"""The summary table: Keras' `model.summary()` with MACs, memory and receptive field, live.

`SummaryModel` is a QAbstractTableModel over `doc.analysis`; a
QSortFilterProxyModel sorts it by the numeric `SORT_ROLE` (so 1.2M sorts
above 950K).  Totals sit in a footer under the table.  Clicking a row
selects that layer in the Document.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractItemView, QGridLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ..spec import INPUT, get_kind
from ..spec.units import field_text, human, human_bytes, shape_text
from . import settings
from .theme import mark_color, monospace_digits

SORT_ROLE = Qt.UserRole + 1
NAME_ROLE = Qt.UserRole + 2


class EstimateSettings(QObject):
    """Batch size and optimizer for the training-memory estimate, remembered in QSettings."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.batch_size, self.optimizer = settings.estimate()

    def set(self, batch_size: int, optimizer: str) -> None:
        if (batch_size, optimizer) == (self.batch_size, self.optimizer):
            return
        self.batch_size, self.optimizer = batch_size, optimizer
        settings.set_estimate(batch_size, optimizer)
        self.changed.emit()


class _Row:
    """A table row: a layer (or the model input), its analysis when it has one, its problems."""

    __slots__ = ("number", "name", "type", "info", "problems")

    def __init__(self, number, name, type_, info, problems):
        self.number, self.name, self.type, self.info, self.problems = number, name, type_, info, problems


def _elements(shape) -> int:
    out = 1
    for v in shape:
        out *= v or 1
    return out


def _column(header: str, text, key, right: bool = True):
    """A column: its header, display text and numeric sort key of a row (missing numbers: '—', -1)."""
    return header, text, key, right


def _measured(text, key):
    """Text/key functions for a number only analysed layers have."""
    return (lambda r: text(r.info) if r.info else "—"), (lambda r: key(r.info) if r.info else -1)


COLUMNS = (
    _column("#", lambda r: str(r.number), lambda r: r.number),
    _column("Name", lambda r: r.name, lambda r: r.name.lower(), right=False),
    _column("Type", lambda r: r.type, lambda r: r.type.lower(), right=False),
    _column("Output shape", *_measured(lambda i: shape_text(i.output_shape), lambda i: _elements(i.output_shape))),
    _column("Params", *_measured(lambda i: f"{i.params:,}", lambda i: i.params)),
    _column("MACs", *_measured(lambda i: human(i.macs) if i.macs else "0", lambda i: i.macs)),
    _column("Memory", *_measured(lambda i: human_bytes(i.activation_bytes), lambda i: i.activation_bytes)),
    _column("RF", *_measured(lambda i: field_text(i.receptive_field), lambda i: max(i.receptive_field or (0,)))),
)


class SummaryModel(QAbstractTableModel):
    """One row per layer in graph order (the input first); layers the analysis could not place last."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.doc = document
        self._rows: list[_Row] = []
        self._font = None
        document.specChanged.connect(self._on_spec_changed)
        self._on_spec_changed()

    @Slot()
    def _on_spec_changed(self) -> None:
        analysis = self.doc.analysis
        problems: dict[str, list] = {}
        for p in analysis.problems:
            problems.setdefault(p.layer, []).append(p)
        self.beginResetModel()
        placed = set(analysis.layers)
        rows = [(i.name, i.type, i) for i in analysis.layers.values()]
        rows += [(layer.name, layer.type, None) for layer in self.doc.spec.layers if layer.name not in placed]
        self._rows = [_Row(n, name, type_, info, problems.get(name, [])) for n, (name, type_, info) in enumerate(rows)]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal:
            if role == Qt.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.TextAlignmentRole:
                return int((Qt.AlignRight if COLUMNS[section][3] else Qt.AlignLeft) | Qt.AlignVCenter)
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        header, text, key, right = COLUMNS[index.column()]
        if role == Qt.DisplayRole:
            return text(row)
        if role == SORT_ROLE:
            return key(row)
        if role == NAME_ROLE:
            return row.name
        if role == Qt.TextAlignmentRole:
            return int((Qt.AlignRight if right else Qt.AlignLeft) | Qt.AlignVCenter)
        if role == Qt.ForegroundRole and any(p.severity != "note" for p in row.problems):
            severe = any(p.severity == "error" for p in row.problems)
            return mark_color("error" if severe else "warning")
        if role == Qt.ToolTipRole:
            if row.problems:
                return "\n".join(f"{p.severity}: {p.message}" for p in row.problems)
            kind = get_kind(row.type)
            if row.info and row.info.jump:
                return f"{row.name}: receptive field {field_text(row.info.receptive_field)}, jump {field_text(row.info.jump)}"
            return f"{row.name} ({kind.category if kind else row.type})"
        if role == Qt.FontRole and right:
            if self._font is None:
                from PySide6.QtWidgets import QApplication

                self._font = monospace_digits(QApplication.font())
            return self._font
        return None

    def row_of(self, name: str) -> int:
        for i, row in enumerate(self._rows):
            if row.name == name:
                return i
        return -1


def totals_text(analysis, batch_size: int, optimizer: str) -> list[tuple[str, str]]:
    """(label, value) pairs for the footer: counts with K/M/G units and the exact figure."""
    return [
        ("Params", f"{human(analysis.total_params)}  ({analysis.total_params:,})"),
        ("Trainable", f"{human(analysis.trainable_params)}  ({analysis.trainable_params:,})"),
        ("Non-trainable", f"{human(analysis.non_trainable_params)}  ({analysis.non_trainable_params:,})"),
        ("MACs", f"{human(analysis.total_macs)}  ({analysis.total_macs:,})"),
        ("Activations / sample", human_bytes(analysis.total_activation_bytes)),
        (
            f"Training memory (batch {batch_size}, {optimizer})",
            human_bytes(analysis.training_memory(batch_size, optimizer)),
        ),
    ]


#: totals per footer row: two keep the panel narrow enough for a 1000-pixel-wide window
FOOTER_COLUMNS = 2


class SummaryPanel(QWidget):
    """The sortable table and a footer of totals; row clicks select layers (`layerClicked`)."""

    layerClicked = Signal(str)

    def __init__(self, document, estimate: EstimateSettings, parent=None):
        super().__init__(parent)
        self.doc = document
        self.estimate = estimate
        self.model = SummaryModel(document, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        for column, width in enumerate((44, 170, 150, 124, 96, 72, 86, 52)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(1, QHeaderView.Stretch)

        self.footer = QGridLayout()
        self.footer.setContentsMargins(8, 4, 8, 6)
        self.footer.setHorizontalSpacing(18)
        self.footer.setVerticalSpacing(2)
        self._values: dict[str, QLabel] = {}
        self._syncing = False  # True while the table mirrors the Document's selection
        self._new_model = False  # a different model was loaded: show its first rows once the table has it
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.footer)

        self.table.selectionModel().selectionChanged.connect(self._on_rows_selected)
        self.table.clicked.connect(self._on_row_clicked)
        document.specChanged.connect(self.refresh_totals)
        document.selectionChanged.connect(self._on_selection_changed)
        document.loaded.connect(self._on_loaded)
        self.proxy.modelAboutToBeReset.connect(self._on_reset_started)
        self.proxy.modelReset.connect(self._on_reset_done)
        estimate.changed.connect(self.refresh_totals)
        self.refresh_totals()

    def total(self, label: str) -> str:
        """A footer value by the start of its label ('Params', 'MACs', 'Training memory')."""
        for key, widget in self._values.items():
            if key.startswith(label):
                return widget.text()
        raise KeyError(label)

    @Slot()
    def refresh_totals(self) -> None:
        items = totals_text(self.doc.analysis, self.estimate.batch_size, self.estimate.optimizer)
        if [k for k, _ in items] != list(self._values):
            while self.footer.count():
                self.footer.takeAt(0).widget().deleteLater()
            self._values = {}
            for i, (label, _) in enumerate(items):
                name = QLabel(label)
                name.setProperty("role", "caption")
                name.setWordWrap(True)  # a long label wraps rather than widening the window's bottom docks
                value = QLabel()
                value.setFont(monospace_digits(value.font()))
                value.setTextInteractionFlags(Qt.TextSelectableByMouse)
                row, col = divmod(i, FOOTER_COLUMNS)
                self.footer.addWidget(name, row, col * 2, Qt.AlignRight)
                self.footer.addWidget(value, row, col * 2 + 1, Qt.AlignLeft)
                self._values[label] = value
        for label, text in items:
            self._values[label].setText(text)

    def selected_names(self) -> list[str]:
        rows = self.table.selectionModel().selectedRows()
        return [r.data(NAME_ROLE) for r in rows]

    @Slot()
    def _on_rows_selected(self, *args) -> None:
        if self._syncing:
            return
        names = [n for n in self.selected_names() if n != INPUT]
        if names != list(self.doc.selection()):
            self.doc.set_selection(names)

    @Slot(QModelIndex)
    def _on_row_clicked(self, index: QModelIndex) -> None:
        name = index.data(NAME_ROLE)
        if name and name != INPUT:
            self.layerClicked.emit(name)

    def scroll_to_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.table.scrollTo(rows[0], QAbstractItemView.PositionAtCenter)

    @Slot()
    def _on_reset_started(self) -> None:
        self._syncing = True

    @Slot()
    def _on_loaded(self) -> None:
        self._new_model = True

    @Slot()
    def _on_reset_done(self) -> None:
        self._syncing = False
        if self._new_model:
            self._new_model = False
            self.table.scrollToTop()
            self.table.horizontalScrollBar().setValue(0)
        self._on_selection_changed(list(self.doc.selection()))

    @Slot(list)
    def _on_selection_changed(self, names: list) -> None:
        """Mirror the Document's selection in the table without echoing it back."""
        syncing, self._syncing = self._syncing, True
        try:
            selection = self.table.selectionModel()
            selection.clearSelection()
            for name in names:
                row = self.model.row_of(name)
                if row < 0:
                    continue
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                selection.select(index, QItemSelectionModel.Select | QItemSelectionModel.Rows)
                self.table.scrollTo(index)
        finally:
            self._syncing = syncing
