"""The problems panel: the analysis' errors, warnings and notes; clicking one selects its layer.

An invalid graph stays editable and savable; this list is where the user
sees what stops it from building (errors), what Keras will silently do that
is worth a look (warnings, e.g. rows dropped by a stride that does not
tile), and what it does in published networks too (notes, ℹ).  Messages
wrap, so each reads in full.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .theme import severity_icon

_LAYER_ROLE = Qt.UserRole + 1
_SEVERITY_ROLE = Qt.UserRole + 2
#: display order
SEVERITIES = ("error", "warning", "note")


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their message wrapped to the Problem column's width (a tree view sizes rows for one
    line otherwise, and elides the rest)."""

    MARGIN = 8

    def __init__(self, tree: QTreeWidget):
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option, index) -> QSize:
        hint = super().sizeHint(option, index)
        if index.column() != 1:
            return hint
        width = max(40, self.tree.header().sectionSize(1) - self.MARGIN)
        text = index.data(Qt.DisplayRole) or ""
        needed = option.fontMetrics.boundingRect(QRect(0, 0, width, 1 << 16), Qt.TextWordWrap, text).height()
        return QSize(hint.width(), max(hint.height(), needed + self.MARGIN // 2))


class ProblemsPanel(QWidget):
    """Errors first, then warnings, then notes, each in graph order; `countsChanged(errors, warnings, notes)`
    after each change."""

    layerClicked = Signal(str)
    countsChanged = Signal(int, int, int)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Layer", "Problem"])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.ElideNone)
        self.tree.setItemDelegate(_WrappingDelegate(self.tree))
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.resizeSection(0, 170)
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._icons = {severity: severity_icon(severity) for severity in SEVERITIES}
        header.sectionResized.connect(self._on_column_resized)
        self.tree.itemClicked.connect(self._on_item_clicked)
        self.tree.itemActivated.connect(self._on_item_clicked)
        document.specChanged.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        problems = self.doc.analysis.problems
        ordered = sorted(problems, key=lambda p: SEVERITIES.index(p.severity))  # stable: graph order kept
        self.tree.clear()
        for problem in ordered:
            item = QTreeWidgetItem([problem.layer, problem.message])
            item.setIcon(0, self._icons.get(problem.severity, self._icons["warning"]))
            item.setData(0, _LAYER_ROLE, problem.layer)
            item.setData(0, _SEVERITY_ROLE, problem.severity)
            item.setToolTip(1, problem.message)
            item.setToolTip(0, f"{problem.severity} in {problem.layer}")
            self.tree.addTopLevelItem(item)
        if not ordered:
            item = QTreeWidgetItem(["", "No problems: the graph builds."])
            item.setFlags(Qt.NoItemFlags)
            self.tree.addTopLevelItem(item)
        self.countsChanged.emit(*(sum(p.severity == severity for p in problems) for severity in SEVERITIES))

    @Slot()
    def _on_column_resized(self) -> None:
        self.tree.doItemsLayout()  # the wrapped rows' heights follow the Problem column's width

    def messages(self) -> list[tuple[str, str, str]]:
        """(severity, layer, message) per listed problem, in display order."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, _LAYER_ROLE) is not None:
                out.append((item.data(0, _SEVERITY_ROLE), item.data(0, _LAYER_ROLE), item.text(1)))
        return out

    @Slot(QTreeWidgetItem, int)
    def _on_item_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        layer = item.data(0, _LAYER_ROLE)
        if layer in self.doc.spec.names():
            self.doc.set_selection([layer])
            self.layerClicked.emit(layer)
