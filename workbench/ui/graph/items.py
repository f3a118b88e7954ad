"""The canvas' graphics items: nodes (with their ports) and problem badges, edges.

A node draws its two ports itself (input on top, output at the bottom) and
answers `port_at` for the view, rather than owning two child items: a
DenseNet-201 has 709 nodes, and 1418 fewer items open and paint faster.
Items only draw what the scene hands them (`NodeContent`, edge routes and
labels): texts are elided and colours picked when the content changes, never
while painting.  Nodes cache their pixels (DeviceCoordinateCache) and drop
detail when zoomed out: below `TEXT_LOD` a node is a coloured pill with its
type in large letters, below `SHAPE_LOD` a plain coloured bar.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle

from .theme import Theme

WIDTH = 224.0
HEADER = 22.0
HEIGHT = 42.0
RADIUS = 5.0
PAD = 8.0
PORT_RADIUS = 3.5
BADGE_RADIUS = 8.0
#: below SHAPE_LOD nodes are coloured bars, below TEXT_LOD pills with the type only
SHAPE_LOD = 0.22
TEXT_LOD = 0.45
LABEL_LOD = 0.6
STACK_OFFSET = 4.0  # a collapsed block's cards, each this much lower right
IN_PORT = QPointF(WIDTH / 2, 0)
OUT_PORT = QPointF(WIDTH / 2, HEIGHT)


@dataclass(frozen=True)
class NodeContent:
    """Everything a node shows, computed by the scene from the spec and its analysis."""

    title: str  # "Conv2D", or a block's key
    detail: str  # "64 3×3 /1 same", or "Block · 10 layers"
    name: str  # the layer's name, or a block's parameter count
    shape: str  # "56×56×64"
    role: str  # colour role (theme.ROLE_COLORS)
    severity: str | None = None  # "error", "warning" or None
    problems: str = ""  # the badge's tooltip
    tooltip: str = ""
    stacked: bool = False  # drawn as a pile of cards: a collapsed block


def _header_path() -> QPainterPath:
    """The node's header: rounded top corners, square bottom."""
    rounded = QPainterPath()
    rounded.addRoundedRect(QRectF(0, 0, WIDTH, HEADER + RADIUS), RADIUS, RADIUS)
    band = QPainterPath()
    band.addRect(QRectF(0, 0, WIDTH, HEADER))
    return rounded.intersected(band)


_widths: dict[tuple[int, str], float] = {}


def _label_width(text: str, theme: Theme) -> float:
    """Edge labels repeat (a few shapes over hundreds of edges): measure each once."""
    key = (id(theme), text)
    if key not in _widths:
        _widths[key] = QFontMetricsF(theme.label_font).horizontalAdvance(text)
    return _widths[key]


class BadgeItem(QGraphicsItem):
    """A round '!' on a node's corner: red for an error, amber for a warning.

    It keeps its size on screen whatever the zoom, so problems stay visible
    in an overview of a few hundred layers.
    """

    def __init__(self, node: "NodeItem"):
        super().__init__(node)
        self.setPos(WIDTH - 2, 0)
        self.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self._color = QColor()
        self._theme: Theme | None = None

    def set_problem(self, color: QColor, text: str, theme: Theme) -> None:
        self._color, self._theme = color, theme
        self.setToolTip(text)
        self.update()

    def boundingRect(self) -> QRectF:
        r = BADGE_RADIUS + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter, option, widget=None) -> None:
        r = BADGE_RADIUS
        painter.setPen(QPen(self._theme.node_fill, 1.5))
        painter.setBrush(self._color)
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setPen(self._theme.header_text)
        painter.setFont(self._theme.badge_font)
        painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), Qt.AlignCenter, "!")


class NodeItem(QGraphicsItem):
    """One layer, the model input, or a collapsed block."""

    _header = None
    _shape = None

    def __init__(self, node_id: str, layers: tuple[str, ...], block_key: str | None = None):
        super().__init__()
        self.node_id = node_id
        self.layers = layers  # the spec layers this node stands for
        self.block_key = block_key
        self.content: NodeContent | None = None
        self.highlighted = False  # a connection being dragged would end here
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.badge: BadgeItem | None = None
        self._theme: Theme | None = None
        self._texts: tuple | None = None
        self._overview_title: str | None = None
        if NodeItem._header is None:
            NodeItem._header = _header_path()

    @property
    def layer(self) -> str:
        """The layer whose output leaves this node (a block's exit)."""
        return self.layers[-1]

    def center(self) -> QPointF:
        return self.pos() + QPointF(WIDTH / 2, HEIGHT / 2)

    def set_center(self, x: float, y: float) -> None:
        self.setPos(x - WIDTH / 2, y - HEIGHT / 2)

    def set_content(self, content: NodeContent, theme: Theme) -> bool:
        """Show `content`; returns False (and repaints nothing) when nothing changed."""
        if content == self.content and theme is self._theme:
            return False
        self.content, self._theme = content, theme
        self._color = theme.role_color(content.role)
        self._texts = None  # laid out on first paint: most nodes of a big graph are off screen
        self._overview_title = None
        self.setToolTip(content.tooltip)
        if content.severity:
            if self.badge is None:
                self.badge = BadgeItem(self)
            color = theme.error if content.severity == "error" else theme.warning
            self.badge.set_problem(color, content.problems, theme)
        elif self.badge is not None:
            self.badge.setParentItem(None)
            if self.scene() is not None:
                self.scene().removeItem(self.badge)
            self.badge = None
        self.update()
        return True

    @staticmethod
    def _layout_texts(content: NodeContent, theme: Theme) -> tuple:
        """Elided strings and their x positions, so that paint only draws."""
        title_m = QFontMetricsF(theme.title_font)
        detail_m = QFontMetricsF(theme.detail_font)
        body_m = QFontMetricsF(theme.body_font)
        room = WIDTH - 2 * PAD - (BADGE_RADIUS if content.severity else 0)
        title = title_m.elidedText(content.title, Qt.ElideRight, room)
        title_w = title_m.horizontalAdvance(title)
        detail = detail_m.elidedText(content.detail, Qt.ElideRight, max(0.0, room - title_w - 6))
        shape_w = body_m.horizontalAdvance(content.shape)
        name = body_m.elidedText(content.name, Qt.ElideMiddle, max(0.0, WIDTH - 2 * PAD - shape_w - 10))
        header_base = (HEADER + title_m.capHeight()) / 2
        body_base = HEADER + (HEIGHT - HEADER + body_m.capHeight()) / 2
        return (title, PAD + title_w + 6, detail, header_base, name, WIDTH - PAD - shape_w, body_base)

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def port_at(self, pos: QPointF) -> str | None:
        """"in" or "out" when `pos` (item coordinates) is on a port, else None."""
        for name, port in (("out", OUT_PORT), ("in", IN_PORT)):
            if (pos - port).manhattanLength() <= PORT_RADIUS + 4:
                return name
        return None

    def hoverMoveEvent(self, event) -> None:
        self.setCursor(Qt.CrossCursor if self.port_at(event.pos()) == "out" else Qt.ArrowCursor)

    def boundingRect(self) -> QRectF:
        margin = PORT_RADIUS + 2
        return QRectF(-margin, -margin, WIDTH + 2 * margin + STACK_OFFSET * 2, HEIGHT + 2 * margin + STACK_OFFSET * 2)

    def shape(self) -> QPainterPath:
        if NodeItem._shape is None:
            path = QPainterPath()
            path.addRect(QRectF(0, 0, WIDTH, HEIGHT))
            for port in (IN_PORT, OUT_PORT):
                path.addEllipse(port, PORT_RADIUS + 2, PORT_RADIUS + 2)
            NodeItem._shape = path.simplified()
        return NodeItem._shape

    def paint(self, painter, option, widget=None) -> None:
        t, c = self._theme, self.content
        if t is None or c is None:
            return
        selected = bool(option.state & QStyle.State_Selected)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = QRectF(0, 0, WIDTH, HEIGHT)
        if lod < SHAPE_LOD:
            painter.fillRect(rect, t.selection if selected else self._color)
            return
        if c.stacked:
            painter.setPen(QPen(t.node_border, 1))
            painter.setBrush(t.node_fill)
            for k in (2, 1):
                painter.drawRoundedRect(rect.translated(STACK_OFFSET * k, STACK_OFFSET * k), RADIUS, RADIUS)
        if selected or self.highlighted:
            pen = QPen(t.selection if selected else t.drop_target, 2.5 if lod >= TEXT_LOD else 6)
        elif c.severity:
            pen = QPen(t.error if c.severity == "error" else t.warning, 1.5 if lod >= TEXT_LOD else 5)
        else:
            pen = QPen(t.node_border, 1)
        if lod < TEXT_LOD:  # overview: a coloured pill with the type in large letters
            painter.setPen(pen if pen.color() != t.node_border else Qt.NoPen)
            painter.setBrush(self._color)
            painter.drawRoundedRect(rect, RADIUS, RADIUS)
            if self._overview_title is None:
                metrics = QFontMetricsF(t.overview_font)
                self._overview_title = metrics.elidedText(c.title, Qt.ElideRight, WIDTH - 2 * PAD)
            painter.setPen(t.header_text)
            painter.setFont(t.overview_font)
            painter.drawText(rect, Qt.AlignCenter, self._overview_title)
            return
        painter.setPen(Qt.NoPen)
        painter.setBrush(t.node_fill)
        painter.drawRoundedRect(rect, RADIUS, RADIUS)
        painter.setBrush(self._color)
        painter.drawPath(NodeItem._header)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(rect, RADIUS, RADIUS)
        painter.setPen(QPen(self._color, 1.5))
        if c.role != "input":  # model inputs take no input
            painter.setBrush(t.node_fill)
            painter.drawEllipse(IN_PORT, PORT_RADIUS, PORT_RADIUS)
        painter.setBrush(self._color)
        painter.drawEllipse(OUT_PORT, PORT_RADIUS, PORT_RADIUS)
        if self._texts is None:
            self._texts = self._layout_texts(c, t)
        title, detail_x, detail, header_base, name, shape_x, body_base = self._texts
        painter.setPen(t.header_text)
        painter.setFont(t.title_font)
        painter.drawText(QPointF(PAD, header_base), title)
        if detail:
            painter.setFont(t.detail_font)
            painter.drawText(QPointF(detail_x, header_base), detail)
        painter.setFont(t.body_font)
        painter.setPen(t.subtle)
        painter.drawText(QPointF(PAD, body_base), name)
        painter.setPen(t.text)
        painter.drawText(QPointF(shape_x, body_base), c.shape)


class EdgeItem(QGraphicsItem):
    """A connection drawn from an output port down to an input port.

    `pairs` are the spec connections (source layer, destination layer) it
    stands for: one, or several when it enters a collapsed block.  The label
    is the tensor shape that flows along it.  A `state` edge carries a
    recurrent layer's initial state (the second kind of edge in the spec): it
    is drawn dashed in the recurrent layers' colour, and nothing is dropped on it.
    """

    def __init__(self, src_id: str, dst_id: str, pairs: tuple[tuple[str, str], ...], state: bool = False):
        super().__init__()
        self.src_id, self.dst_id, self.pairs, self.state = src_id, dst_id, pairs, state
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        self._route: tuple = ()
        self._path = QPainterPath()
        self._shape: QPainterPath | None = None
        self._bounds = QRectF()
        self._label = ""
        self._label_width = 0.0
        self._label_pos = QPointF()
        self._theme: Theme | None = None
        self.highlighted = False  # a dragged layer would be inserted here
        self._hovered = False

    def set_route(self, points: list[QPointF], label_drop: float = 0.0) -> None:
        """Run through `points` (source port, bends, destination port): straight where
        vertical, a vertical-tangent curve where it moves sideways.  The label sits
        beside the start, `label_drop` lower (below a collapsed block's stacked cards)."""
        route = tuple((p.x(), p.y()) for p in points) + (label_drop,)
        if route == self._route:
            return
        self._route = route
        self.prepareGeometryChange()
        path = QPainterPath(points[0])
        for a, b in zip(points, points[1:]):
            if abs(a.x() - b.x()) < 0.5:
                path.lineTo(b)
            else:
                bend = max(abs(b.y() - a.y()) / 2, 24.0)
                path.cubicTo(QPointF(a.x(), a.y() + bend), QPointF(b.x(), b.y() - bend), b)
        self._path = path
        self._shape = None  # stroked on first hit test
        self._label_pos = points[0] + QPointF(6, 12 + label_drop)
        self._update_bounds()

    def set_label(self, text: str, theme: Theme) -> None:
        if text != self._label or theme is not self._theme:
            self.prepareGeometryChange()
            self._label, self._theme = text, theme
            self._label_width = _label_width(text, theme)
            self._update_bounds()
            self.update()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def _update_bounds(self) -> None:
        bounds = self._path.boundingRect().adjusted(-3, -3, 3, 3)
        if self._label:
            bounds = bounds.united(self._label_rect())
        self._bounds = bounds

    def path(self) -> QPainterPath:
        return self._path

    def _label_rect(self) -> QRectF:
        return QRectF(self._label_pos.x() - 2, self._label_pos.y() - 10, self._label_width + 4, 13)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self.update()

    def paint(self, painter, option, widget=None) -> None:
        t = self._theme
        if t is None:
            return
        selected = bool(option.state & QStyle.State_Selected)
        if selected:
            pen = QPen(t.selection, 2.5)
        elif self.highlighted:
            pen = QPen(t.drop_target, 2.5)
        elif self._hovered:
            pen = QPen(t.text, 2)
        elif self.state:
            pen = QPen(t.role_color("recurrent"), 1.6, Qt.DashLine)
        else:
            pen = QPen(t.edge, 1.4)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < TEXT_LOD:  # keep edges visible in an overview: at least one pixel wide
            pen.setWidthF(max(1.0, pen.widthF() * lod))
            pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
        if self._label and lod >= LABEL_LOD:
            halo = QColor(t.background)
            halo.setAlpha(210)
            painter.setPen(Qt.NoPen)
            painter.setBrush(halo)
            painter.drawRoundedRect(self._label_rect(), 3, 3)
            painter.setPen(t.edge_label)
            painter.setFont(t.label_font)
            painter.drawText(self._label_pos, self._label)
