"""Mouse gestures on the canvas, one small class each.

The view starts an interaction on a mouse press and forwards the following
moves and the release to it; the interaction ends itself.  A gesture edits
the Document at most once (one undo step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from .items import HEIGHT, NodeItem

if TYPE_CHECKING:
    from .view import GraphView


class Interaction:
    def __init__(self, view: "GraphView"):
        self.view = view

    def move(self, event) -> None:
        """A mouse move while the gesture lasts."""

    def release(self, event) -> None:
        self.finish()

    def finish(self) -> None:
        """Undo any temporary drawing and hand the mouse back to the view."""
        self.view.end_interaction(self)


class PanInteraction(Interaction):
    """Middle-drag, or space + left-drag: scroll the view with the mouse."""

    def __init__(self, view: "GraphView", event):
        super().__init__(view)
        self._last = event.position()
        view.viewport().setCursor(Qt.ClosedHandCursor)

    def move(self, event) -> None:
        delta = event.position() - self._last
        self._last = event.position()
        bars = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        bars[0].setValue(bars[0].value() - round(delta.x()))
        bars[1].setValue(bars[1].value() - round(delta.y()))

    def finish(self) -> None:
        self.view.viewport().setCursor(Qt.OpenHandCursor if self.view.space_held else Qt.ArrowCursor)
        super().finish()


class ConnectInteraction(Interaction):
    """Drag from a node's output port to another node: connect the two layers."""

    def __init__(self, view: "GraphView", source: NodeItem):
        super().__init__(view)
        self.source = source
        self.target: NodeItem | None = None
        scene = view.graph_scene
        self._wire = QGraphicsPathItem()
        pen = QPen(scene.theme.selection, 2, Qt.DashLine)
        self._wire.setPen(pen)
        self._wire.setZValue(10)
        scene.addItem(self._wire)

    def move(self, event) -> None:
        pos = self.view.mapToScene(event.position().toPoint())
        start = self.source.center() + QPointF(0, HEIGHT / 2)
        path = QPainterPath(start)
        bend = max(abs(pos.y() - start.y()) / 2, 30.0)
        path.cubicTo(start + QPointF(0, bend), pos - QPointF(0, bend), pos)
        self._wire.setPath(path)
        target = self.view.graph_scene.node_at(pos)
        if target is self.source:
            target = None
        if target is not self.target:
            if self.target is not None:
                self.target.set_highlighted(False)
            if target is not None:
                target.set_highlighted(True)
            self.target = target

    def release(self, event) -> None:
        target = self.target
        self.finish()
        if target is not None:
            self.view.graph_scene.connect_nodes(self.source, target)

    def finish(self) -> None:
        if self.target is not None:
            self.target.set_highlighted(False)
        self.view.graph_scene.removeItem(self._wire)
        super().finish()
