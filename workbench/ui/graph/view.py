"""GraphView: the node-editor widget that the main window embeds.

Zoom with the wheel or +/-, pan with the middle button or space + drag, F
fits the graph, a minimap sits in the corner.  Palette layers and blocks
dropped on the canvas are added (onto an edge: inserted into it; a block
shows collapsed); dragging from a node's output port to another node
connects them; Delete, Ctrl+C/X/V, F2 (rename) and a context menu
(collapse/expand blocks, save the selection as a block) act on the selection.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPainter
from PySide6.QtWidgets import QGraphicsView, QInputDialog, QMenu

from workbench.spec import INPUT
from workbench.spec.collapse import enclosing, innermost, stages

from ..blocks import BLOCK_MIME, block_from_mime, insert_block, save_selection
from .interactions import ConnectInteraction, Interaction, PanInteraction
from .items import HEADER, WIDTH, EdgeItem
from .mime import LAYER_MIME, LAYERS_MIME, is_ours, json_layers, layers_mime
from .minimap import Minimap
from .rename_editor import RenameEditor
from .scene import GraphScene
from .theme import theme_for

MIN_ZOOM = 0.02
MAX_ZOOM = 4.0
STEP = 1.25
#: when a model opens: fit it if that keeps text this large, else start at the top at READABLE_ZOOM
READABLE_ZOOM = 0.9


class GraphView(QGraphicsView):
    """Signal `statusMessage(str)`: a refused edit or other note for the status bar."""

    statusMessage = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.graph_scene = GraphScene(self)
        self.setScene(self.graph_scene)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.DontSavePainterState)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.minimap = Minimap(self)
        self.space_held = False
        self._interaction: Interaction | None = None
        self._editor: RenameEditor | None = None
        self._drop_edge: EdgeItem | None = None
        self._home_pending = False
        self.graph_scene.layoutChanged.connect(self._on_layout_changed)
        self.graph_scene.contentChanged.connect(self.minimap.schedule)
        self.graph_scene.editFailed.connect(self.statusMessage)
        self.graph_scene.set_theme(theme_for(self.palette()))

    # -- document ----------------------------------------------------------
    @property
    def document(self):
        return self.graph_scene.document

    def set_document(self, doc) -> None:
        self.graph_scene.set_document(doc)

    # -- zoom and position -------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float, under_mouse: bool = False) -> None:
        """Zoom about the view's centre (keys, menus) or the mouse pointer (the wheel)."""
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse if under_mouse else QGraphicsView.AnchorViewCenter)
        self.scale(zoom / self.zoom(), zoom / self.zoom())
        self._view_moved()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / STEP)

    def fit(self) -> None:
        """Show the whole graph (F); never magnify beyond 100 %."""
        rect = self.graph_scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.set_zoom(1.0)
        self.centerOn(rect.center())
        self._view_moved()

    def home(self) -> None:
        """The view a freshly opened model gets: all of it if readable, else its top."""
        rect = self.graph_scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        port = self.viewport().rect()
        if rect.isEmpty() or port.isEmpty():
            return
        if min(port.width() / rect.width(), port.height() / rect.height()) >= READABLE_ZOOM:
            self.fit()
            return
        self.set_zoom(max(0.5, min(READABLE_ZOOM, port.width() / rect.width())))
        top = self.graph_scene.nodes.get(INPUT)
        x = top.center().x() if top is not None else rect.center().x()
        self.centerOn(QPointF(x, rect.top() + port.height() / (2 * self.zoom())))
        self._view_moved()

    def center_on(self, name: str) -> None:
        """Scroll to the layer `name` (or the collapsed block that holds it)."""
        node = self.graph_scene.node_for_layer(name)
        if node is not None:
            self.centerOn(node.center())
            self._view_moved()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    # -- edits on the selection ----------------------------------------------
    def delete_selection(self) -> None:
        self.graph_scene.delete_selection()

    def copy_selection(self) -> list[dict]:
        """Put the selected layers on the clipboard (also as JSON text); returns them."""
        names = [n for n in self.graph_scene.selected_layers() if n != INPUT]
        if not names:
            return []
        layers = self.document.copy_layers(names)
        QGuiApplication.clipboard().setMimeData(layers_mime(layers))
        return layers

    def cut_selection(self) -> None:
        if self.copy_selection():
            self.delete_selection()

    def paste(self) -> list[str]:
        """Paste the clipboard's layers after the selected (or last) layer."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(LAYERS_MIME):
            self.statusMessage.emit("nothing to paste: copy layers first")
            return []
        layers = json_layers(mime)
        if layers is None:
            self.statusMessage.emit("the clipboard does not hold layers")
            return []
        try:
            return self.document.paste(layers)
        except ValueError as exc:
            self.statusMessage.emit(str(exc))
            return []

    def save_selection_as_block(self, title: str | None = None) -> Path | None:
        """Save the selected layers as a block of the palette (asks for its name unless given).

        Returns the file written, or None when nothing was saved (the reason goes to the status bar).
        """
        names = [n for n in self.graph_scene.selected_layers() if n != INPUT]
        if not names:
            self.statusMessage.emit("select the layers to save as a block")
            return None
        if title is None:
            title, ok = QInputDialog.getText(self, "Save selection as block", "Block name:")
            if not ok:
                return None
        try:
            path = save_selection(self.document, names, title)
        except ValueError as exc:
            self.statusMessage.emit(str(exc))
            return None
        self.statusMessage.emit(f"saved block '{title.strip()}' to {path}")
        return path

    def rename_selected(self) -> None:
        names = [n for n in self.graph_scene.selected_layers() if n != INPUT]
        node = self.graph_scene.node_for_layer(names[-1]) if names else None
        if node is not None and node.block_key is None:
            self.start_rename(node.layer)

    def start_rename(self, name: str) -> RenameEditor | None:
        """Open the inline editor over the layer's title (F2 or a double-click)."""
        node = self.graph_scene.node_for_layer(name)
        if node is None or node.block_key is not None or name == INPUT:
            return None
        if self._editor is not None:
            self._editor.accept()
        top_left = self.mapFromScene(node.pos())
        width = max(160, round(WIDTH * self.zoom()))
        editor = RenameEditor(name, self.viewport())
        editor.setGeometry(QRect(top_left.x(), top_left.y() + round(HEADER * self.zoom()), width, 26))
        editor.committed.connect(self._on_rename_committed)
        editor.closed.connect(self._on_rename_closed)
        editor.show()
        editor.setFocus()
        self._editor = editor
        return editor

    def _on_rename_committed(self, old: str, new: str) -> None:
        try:
            self.document.rename(old, new)
        except ValueError as exc:
            self._editor.refuse(str(exc))
            self.statusMessage.emit(str(exc))
            return
        self._editor.accept()

    def _on_rename_closed(self) -> None:
        self._editor = None
        self.setFocus()

    # -- blocks --------------------------------------------------------------
    def collapse_all_blocks(self) -> None:
        """Collapse every innermost block (ResNet blocks, dense layers, Inception modules)."""
        self.graph_scene.set_collapsed(innermost(self.graph_scene.blocks))

    def collapse_all_stages(self) -> None:
        self.graph_scene.set_collapsed(stages(self.graph_scene.blocks))

    def expand_all(self) -> None:
        self.graph_scene.set_collapsed(())

    # -- context menu ----------------------------------------------------------
    def context_menu(self, scene_pos: QPointF) -> QMenu:
        """The menu for a right-click at `scene_pos` (built, not shown)."""
        scene = self.graph_scene
        menu = QMenu(self)
        node = scene.node_at(scene_pos)
        edge = scene.edge_at(scene_pos) if node is None else None
        if node is not None:
            if not node.isSelected():
                scene.clearSelection()
                node.setSelected(True)
            if node.block_key is not None:
                _add(menu, f"Expand '{node.block_key}'", lambda: scene.expand(node.block_key))
            elif node.layer != INPUT:
                _add(menu, "Rename…", lambda: self.start_rename(node.layer), "F2")
            inner = node.block_key or node.layer
            for key in enclosing(scene.blocks, inner):
                if key != node.block_key:
                    kind = "stage" if scene.blocks[key].is_stage else "block"
                    _add(menu, f"Collapse {kind} '{key}'", lambda _checked=False, k=key: scene.collapse(k))
            if node.layer != INPUT:
                menu.addSeparator()
                _add(menu, "Copy", self.copy_selection, QKeySequence.Copy)
                _add(menu, "Cut", self.cut_selection, QKeySequence.Cut)
                _add(menu, "Delete", self.delete_selection, QKeySequence.Delete)
                menu.addSeparator()
                _add(menu, "Save selection as block…", self.save_selection_as_block)
        elif edge is not None:
            scene.clearSelection()
            edge.setSelected(True)
            _add(menu, "Remove connection", self.delete_selection, QKeySequence.Delete)
        else:
            action = _add(menu, "Paste", self.paste, QKeySequence.Paste)
            mime = QGuiApplication.clipboard().mimeData()
            action.setEnabled(mime is not None and mime.hasFormat(LAYERS_MIME))
        menu.addSeparator()
        if scene.blocks:
            _add(menu, "Collapse all blocks", self.collapse_all_blocks)
            if stages(scene.blocks):
                _add(menu, "Collapse all stages", self.collapse_all_stages)
            expand = _add(menu, "Expand all", self.expand_all)
            expand.setEnabled(bool(scene.collapsed))
        _add(menu, "Fit to view", self.fit, "F")
        return menu

    def contextMenuEvent(self, event) -> None:
        menu = self.context_menu(self.mapToScene(event.pos()))
        menu.exec(event.globalPos())
        menu.deleteLater()

    # -- mouse -----------------------------------------------------------------
    def end_interaction(self, interaction: Interaction) -> None:
        if self._interaction is interaction:
            self._interaction = None

    def mousePressEvent(self, event) -> None:
        if self._interaction is not None:
            return
        if event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self.space_held):
            self._interaction = PanInteraction(self, event)
            return
        if event.button() == Qt.LeftButton:
            pos = self.mapToScene(event.position().toPoint())
            node = self.graph_scene.node_at(pos)
            if node is not None and node.port_at(node.mapFromScene(pos)) == "out":
                self._interaction = ConnectInteraction(self, node)
                self._interaction.move(event)
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._interaction is not None:
            self._interaction.move(event)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._interaction is not None:
            self._interaction.release(event)
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        node = self.graph_scene.node_at(self.mapToScene(event.position().toPoint()))
        if node is None:
            super().mouseDoubleClickEvent(event)
        elif node.block_key is not None:
            self.graph_scene.expand(node.block_key)
        else:
            self.start_rename(node.layer)

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.set_zoom(self.zoom() * STEP ** steps, under_mouse=True)

    # -- keyboard ----------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key_Space and not event.isAutoRepeat():
            self.space_held = True
            self.setDragMode(QGraphicsView.NoDrag)
            self.viewport().setCursor(Qt.OpenHandCursor)
        elif event.matches(QKeySequence.Delete) or key == Qt.Key_Backspace:
            self.delete_selection()
        elif event.matches(QKeySequence.Copy):
            self.copy_selection()
        elif event.matches(QKeySequence.Cut):
            self.cut_selection()
        elif event.matches(QKeySequence.Paste):
            self.paste()
        elif event.matches(QKeySequence.SelectAll):
            for item in self.graph_scene.nodes.values():
                item.setSelected(True)
        elif key == Qt.Key_F2:
            self.rename_selected()
        elif key == Qt.Key_F and not event.modifiers():
            self.fit()
        elif key in (Qt.Key_Plus, Qt.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key_0:
            self.set_zoom(1.0)
        elif key == Qt.Key_Escape:
            if self._interaction is not None:
                self._interaction.finish()
            else:
                self.graph_scene.clearSelection()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self.space_held = False
            self.setDragMode(QGraphicsView.RubberBandDrag)
            self.viewport().setCursor(Qt.ArrowCursor)
        else:
            super().keyReleaseEvent(event)

    # -- drag and drop from the palette -------------------------------------------
    def drop_mime(self, mime: QMimeData, scene_pos: QPointF) -> list[str]:
        """Add what a drop of `mime` at `scene_pos` carries; returns the new layers' names."""
        if mime.hasFormat(LAYER_MIME):
            type_name = bytes(mime.data(LAYER_MIME)).decode("utf-8", "replace").strip()
            name = self.graph_scene.drop_layer(type_name, scene_pos)
            return [name] if name else []
        if mime.hasFormat(LAYERS_MIME):
            layers = json_layers(mime)
            if layers is None:
                self.statusMessage.emit("the dropped data is not a list of layers")
                return []
            return self.graph_scene.drop_layers(layers, scene_pos)
        if mime.hasFormat(BLOCK_MIME):
            return self._drop_block(mime, scene_pos)
        return []

    def _drop_block(self, mime: QMimeData, scene_pos: QPointF) -> list[str]:
        """Insert a palette block into the edge at `scene_pos`, after the node there, else after the
        selection, and show it collapsed."""
        scene = self.graph_scene
        node = scene.node_at(scene_pos)
        edge = scene.edge_at(scene_pos) if node is None else None
        after, before = edge.pairs[0] if edge is not None else (node.layer if node else None, None)
        try:
            instance = insert_block(self.document, block_from_mime(mime), after, before)
        except ValueError as exc:
            self.statusMessage.emit(str(exc))
            return []
        scene.collapse(instance.prefix)
        self.document.set_selection(instance.layer_names())  # the expanded nodes left, and their selection with them
        return instance.layer_names()

    def dragEnterEvent(self, event) -> None:
        if is_ours(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if not is_ours(event.mimeData()):
            super().dragMoveEvent(event)
            return
        event.acceptProposedAction()
        pos = self.mapToScene(event.position().toPoint())
        on_node = self.graph_scene.node_at(pos) is not None
        insertable = event.mimeData().hasFormat(LAYER_MIME) or event.mimeData().hasFormat(BLOCK_MIME)
        edge = None if on_node or not insertable else self.graph_scene.edge_at(pos)
        self._set_drop_edge(edge)

    def dragLeaveEvent(self, event) -> None:
        self._set_drop_edge(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        if not is_ours(event.mimeData()):
            super().dropEvent(event)
            return
        self._set_drop_edge(None)
        event.acceptProposedAction()
        self.drop_mime(event.mimeData(), self.mapToScene(event.position().toPoint()))
        self.setFocus()

    def _set_drop_edge(self, edge: EdgeItem | None) -> None:
        if edge is not self._drop_edge:
            if self._drop_edge is not None and self._drop_edge.scene() is not None:
                self._drop_edge.set_highlighted(False)
            if edge is not None:
                edge.set_highlighted(True)
            self._drop_edge = edge

    # -- keeping the overlay and theme in step -------------------------------------
    def _on_layout_changed(self, fresh: bool) -> None:
        self._drop_edge = None
        if fresh:
            self._home_pending = True
            if self.isVisible() and not self.viewport().rect().isEmpty():
                self._go_home()
        self.minimap.schedule()

    def _go_home(self) -> None:
        self._home_pending = False
        self.home()

    def _view_moved(self) -> None:
        self.minimap.place()
        self.minimap.update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._view_moved()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._home_pending and self.isVisible():
            self._go_home()
        self._view_moved()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._home_pending:
            self._go_home()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self.graph_scene.set_theme(theme_for(self.palette()))
            self.resetCachedContent()
            self.minimap.schedule()


def _add(menu: QMenu, text: str, slot, shortcut=None) -> QAction:
    action = menu.addAction(text)
    action.triggered.connect(slot)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    return action

