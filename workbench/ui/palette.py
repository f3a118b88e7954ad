"""The layer palette: every catalogue type, grouped by category, and the blocks, to drag onto the canvas.

Layers drag out as the canvas' `LAYER_MIME` (`application/x-workbench-layer`,
payload the type name), blocks as `blocks.BLOCK_MIME`; double-clicking adds
the layer or block after the selection.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QMimeData, Qt, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ..spec import by_category
from . import blocks
from .graph.theme import ROLE_COLORS, role
from .graph.view import LAYER_MIME
_TYPE_ROLE = Qt.UserRole + 1
_BLOCK_ROLE = Qt.UserRole + 2


@lru_cache(maxsize=None)
def _swatch(color: str) -> QIcon:
    """A small rounded block in the colour the canvas gives this kind of layer."""
    pixmap = QPixmap(20, 20)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(1, 2, 8, 6, 2, 2)
    painter.end()
    return QIcon(pixmap)


def _tooltip(kind) -> str:
    params = ", ".join(
        f"<b>{p.name}</b>" if p.required else p.name for p in kind.params
    ) or "no parameters"
    inputs = (
        f"{kind.min_inputs}" if kind.min_inputs == kind.max_inputs
        else f"{kind.min_inputs}–{kind.max_inputs}" if kind.max_inputs < 100 else f"{kind.min_inputs} or more"
    )
    doc = f"<br>{kind.doc}" if kind.doc else ""
    return f"<b>{kind.type}</b> ({kind.category})<br>inputs: {inputs}<br>parameters: {params}{doc}"


class _LayerTree(QTreeWidget):
    """A tree whose leaf items drag out as the layer MIME type, or the block one."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME, blocks.BLOCK_MIME]

    def mimeData(self, items) -> QMimeData:
        slugs = [item.data(0, _BLOCK_ROLE) for item in items if item.data(0, _BLOCK_ROLE)]
        if slugs:
            return blocks.block_mime(blocks.library().get(slugs[0]))
        data = QMimeData()
        types = [item.data(0, _TYPE_ROLE) for item in items if item.data(0, _TYPE_ROLE)]
        if types:
            data.setData(LAYER_MIME, types[0].encode("utf-8"))
            data.setText(types[0])
        return data


class LayerPalette(QWidget):
    """Search box over the catalogue tree; double-click or Enter adds the layer to the document."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.search = QLineEdit(placeholderText="Search layers…")
        self.search.setProperty("search", True)
        self.search.setClearButtonEnabled(True)
        self.tree = _LayerTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setFrameShape(QTreeWidget.NoFrame)
        self.tree.setIndentation(14)
        self.tree.setUniformRowHeights(True)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._block_items: dict[str, QTreeWidgetItem] = {}
        for category, kinds in by_category().items():
            if not kinds:
                continue
            group = self._group(category.capitalize())
            for kind in kinds:
                item = QTreeWidgetItem(group, [kind.type])
                item.setData(0, _TYPE_ROLE, kind.type)
                item.setIcon(0, _swatch(ROLE_COLORS[role(kind.type)]))
                item.setToolTip(0, _tooltip(kind))
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                self._items[kind.type] = item
        self._blocks_group = self._group("Blocks")
        self._fill_blocks()
        self.tree.expandAll()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self._on_search_changed)
        self.tree.itemActivated.connect(self._on_item_activated)
        blocks.library().changed.connect(self._fill_blocks)

    def _group(self, title: str) -> QTreeWidgetItem:
        group = QTreeWidgetItem(self.tree, [title])
        group.setFlags(Qt.ItemIsEnabled)
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        return group

    @Slot()
    def _fill_blocks(self) -> None:
        """(Re)list the library's blocks by title; unusable block files are named in the group's tooltip."""
        self._blocks_group.takeChildren()
        self._block_items = {}
        for slug, block in sorted(blocks.library().blocks().items(), key=lambda kv: kv[1].title.casefold()):
            item = QTreeWidgetItem(self._blocks_group, [block.title])
            item.setData(0, _BLOCK_ROLE, slug)
            item.setIcon(0, _swatch(ROLE_COLORS["block"]))
            item.setToolTip(0, blocks.tooltip(block))
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
            self._block_items[slug] = item
        self._blocks_group.setToolTip(0, "\n".join(blocks.library().problems()))
        self._on_search_changed(self.search.text())

    def types(self) -> list[str]:
        return list(self._items)

    def block_slugs(self) -> list[str]:
        return list(self._block_items)

    def block_item(self, slug: str) -> QTreeWidgetItem:
        return self._block_items[slug]

    def item(self, type_: str) -> QTreeWidgetItem:
        return self._items[type_]

    def visible_types(self) -> list[str]:
        return [t for t, item in self._items.items() if not item.isHidden()]

    @Slot(str)
    def _on_search_changed(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            group_hit = needle in group.text(0).lower()
            shown = 0
            for j in range(group.childCount()):
                child = group.child(j)
                hit = not needle or group_hit or needle in child.text(0).lower()
                child.setHidden(not hit)
                shown += hit
            group.setHidden(shown == 0)
        self.tree.expandAll()

    def add(self, type_: str) -> str:
        """Add a `type_` layer after the selected one (or the last one) and select it.

        A selected layer that feeds exactly one other gets the new layer
        inserted in between (c1 → new → s2); otherwise the new layer reads it.
        """
        after, before = self._insertion_point()
        if after is None:
            name = self.doc.add_layer(type_)
        elif before is not None:
            name = self.doc.add_layer(type_, on_edge=(after, before))
        else:
            name = self.doc.add_layer(type_, after=after)
        self.doc.set_selection([name])
        return name

    def add_block(self, slug: str) -> list[str]:
        """Insert block `slug` where `add` would put a layer; returns its layers' names."""
        after, before = self._insertion_point()
        return blocks.insert_block(self.doc, blocks.library().get(slug), after, before).layer_names()

    def _insertion_point(self) -> tuple[str | None, str | None]:
        """(the selected layer to read, its one consumer to insert before), Nones without a selection."""
        selection = self.doc.selection()
        if not selection:
            return None, None
        consumers = self.doc.spec.consumers().get(selection[-1], [])
        return selection[-1], consumers[0] if len(consumers) == 1 else None

    @Slot(QTreeWidgetItem, int)
    def _on_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        type_ = item.data(0, _TYPE_ROLE)
        if type_:
            self.add(type_)
        elif item.data(0, _BLOCK_ROLE):
            self.add_block(item.data(0, _BLOCK_ROLE))
