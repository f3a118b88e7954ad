"""An overview of the whole graph in a corner of the view; click or drag in it to go there.

Deep networks are far taller than wide (ResNet-152 is about eighty times),
so a scaled-down copy would be a hairline.  The overview is therefore cut
into columns like a newspaper page, top-left to bottom-right, choosing the
number of columns that shows the graph largest in the available box.  The
picture is drawn once as a tall strip, cut into the columns of a pixmap after
the graph changes (coalesced by a timer); scrolling only repaints the frame
that marks the visible region.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from .items import HEIGHT, WIDTH

if TYPE_CHECKING:
    from .view import GraphView

BOX = QSize(220, 170)  # the most room the overview may take
PAD = 6.0
GAP = 8.0
MAX_COLUMNS = 40


@dataclass(frozen=True)
class Fold:
    """How a scene rectangle is cut into `columns` columns at `scale`."""

    source: QRectF
    columns: int
    scale: float

    @classmethod
    def fit(cls, source: QRectF, box: QSize) -> "Fold":
        best = None
        for k in range(1, MAX_COLUMNS + 1):
            room_w = box.width() - 2 * PAD - (k - 1) * GAP
            if room_w <= 0:
                break
            s = min(room_w / (k * source.width()), (box.height() - 2 * PAD) / (source.height() / k))
            if best is None or s > best.scale:
                best = cls(source, k, s)
        return best

    @property
    def column_height(self) -> float:
        return self.source.height() / self.columns

    @property
    def column_width(self) -> float:
        return self.source.width() * self.scale

    def size(self) -> QSize:
        w = self.columns * self.column_width + (self.columns - 1) * GAP + 2 * PAD
        return QSize(math.ceil(w), math.ceil(self.column_height * self.scale + 2 * PAD))

    def column_origin(self, i: int) -> QPointF:
        return QPointF(PAD + i * (self.column_width + GAP), PAD)

    def to_map(self, p: QPointF) -> QPointF:
        i = min(max(int((p.y() - self.source.top()) // self.column_height), 0), self.columns - 1)
        o = self.column_origin(i)
        return QPointF(
            o.x() + (p.x() - self.source.left()) * self.scale,
            o.y() + (p.y() - self.source.top() - i * self.column_height) * self.scale,
        )

    def to_scene(self, p: QPointF) -> QPointF:
        i = min(max(int((p.x() - PAD) // (self.column_width + GAP)), 0), self.columns - 1)
        o = self.column_origin(i)
        return QPointF(
            self.source.left() + (p.x() - o.x()) / self.scale,
            self.source.top() + i * self.column_height + (p.y() - o.y()) / self.scale,
        )

    def pieces(self, rect: QRectF) -> list[QRectF]:
        """`rect` (scene) as rectangles on the map, one per column it spans."""
        out = []
        for i in range(self.columns):
            top = self.source.top() + i * self.column_height
            part = rect.intersected(QRectF(self.source.left(), top, self.source.width(), self.column_height))
            if part.isEmpty():
                continue
            o = self.column_origin(i)
            out.append(QRectF(
                o.x() + (part.left() - self.source.left()) * self.scale,
                o.y() + (part.top() - top) * self.scale,
                part.width() * self.scale,
                part.height() * self.scale,
            ))
        return out


class Minimap(QWidget):
    def __init__(self, view: "GraphView"):
        super().__init__(view)
        self._view = view
        self._fold: Fold | None = None
        self._pixmap = QPixmap()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.render_now)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self.hide()

    @property
    def fold(self) -> Fold | None:
        return self._fold

    def schedule(self) -> None:
        """Re-render soon (graph changes come in bursts)."""
        self._timer.start()

    def render_now(self) -> None:
        scene = self._view.graph_scene
        source = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        if not scene.nodes or source.isEmpty():
            self._fold = None
            self.hide()
            return
        self._fold = fold = Fold.fit(source, BOX)
        self.resize(fold.size())
        theme = scene.theme
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(fold.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.transparent)
        background = QColor(theme.node_fill)
        background.setAlpha(235)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(theme.node_border, 1))
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(0.5, 0.5, fold.size().width() - 1, fold.size().height() - 1), 6, 6)
        strip = self._strip(scene, fold, ratio)
        for i in range(fold.columns):
            o = fold.column_origin(i)
            band = QRectF(0, i * fold.column_height * fold.scale * ratio, strip.width(), fold.column_height * fold.scale * ratio)
            painter.drawImage(QRectF(o.x(), o.y(), fold.column_width, fold.column_height * fold.scale), strip, band)
        painter.end()
        self._pixmap = pixmap
        self.place()
        self.update()

    @staticmethod
    def _strip(scene, fold: Fold, ratio: float) -> QImage:
        """The whole graph drawn once at the overview's scale, as one tall image to cut into columns."""
        source, scale = fold.source, fold.scale * ratio
        strip = QImage(max(1, math.ceil(source.width() * scale)), max(1, math.ceil(source.height() * scale)),
                       QImage.Format_ARGB32_Premultiplied)
        strip.fill(Qt.transparent)
        theme = scene.theme
        painter = QPainter(strip)
        painter.scale(scale, scale)
        painter.translate(-source.left(), -source.top())
        painter.setPen(QPen(theme.edge, 0))  # cosmetic: one pixel whatever the scale
        for edge in scene.edges.values():
            painter.drawPath(edge.path())
        painter.setPen(Qt.NoPen)
        for node in scene.nodes.values():
            if node.content is not None:
                color = theme.error if node.content.severity == "error" else theme.role_color(node.content.role)
                painter.fillRect(QRectF(node.pos().x(), node.pos().y(), WIDTH, HEIGHT), color)
        painter.end()
        return strip

    def place(self) -> None:
        """Bottom-right corner of the viewport; hidden when the whole graph is in view."""
        port = self._view.viewport().geometry()
        self.move(port.right() - self.width() - 10, port.bottom() - self.height() - 10)
        visible = self._view.visible_scene_rect()
        fits = self._fold is None or visible.contains(self._fold.source.adjusted(20, 20, -20, -20))
        self.setVisible(not fits)

    def paintEvent(self, event) -> None:
        if self._fold is None:
            return
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._pixmap)
        theme = self._view.graph_scene.theme
        frame = QColor(theme.selection)
        fill = QColor(frame)
        fill.setAlpha(40)
        painter.setPen(QPen(frame, 1.5))
        painter.setBrush(fill)
        for piece in self._fold.pieces(self._view.visible_scene_rect()):
            painter.drawRect(piece)

    def mousePressEvent(self, event) -> None:
        self._go(event.position())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self._go(event.position())

    def _go(self, pos: QPointF) -> None:
        if self._fold is not None:
            self._view.centerOn(self._fold.to_scene(pos))
