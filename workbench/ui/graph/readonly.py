"""ReadOnlyGraphView: a canvas that shows a model and cannot change it.

The diff view puts two of these side by side.  Everything that only looks
stays (zoom, pan, fit, selection, collapsing and expanding blocks); every
gesture that would edit the model is refused: no connecting from a port, no
rename, no delete/cut/paste, no drops, and the context menu offers only the
block and fit actions.  Each view owns a throwaway `Document`, so the spec
the caller passes in is never touched.

Layers can be tinted (`set_tints`): a coloured frame behind the node, or
behind the collapsed block that hides the layer, kept in place across
relayouts.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from workbench.spec import ModelSpec

from ..document import Document
from .items import HEIGHT, RADIUS, SHAPE_LOD, STACK_OFFSET, TEXT_LOD, WIDTH, NodeItem
from .view import GraphView

#: a halo reaches this far beyond its node (scene units) at 100 % zoom …
HALO_MARGIN = 6.0
#: … and at least this many pixels at any zoom, up to half the gap between two layers
HALO_MIN_PIXELS = 4.0
HALO_MAX_MARGIN = 14.0
#: a model that only fits below this zoom (nodes become bare bars) opens at its first tinted layer instead
OVERVIEW_ZOOM = SHAPE_LOD
#: context-menu actions that only change what is shown (everything else would edit)
_BROWSE_ACTIONS = ("Expand", "Collapse", "Fit to view")


class TintHalo(QGraphicsItem):
    """A tinted rounded frame behind one node.

    It is filled with the tint itself, so it matches the diff table's row
    colours, and outlined with the same hue at full strength, because those
    row tints are pale (light theme) or dark (dark theme) and would vanish
    against the canvas background on their own.  The frame grows as the view
    zooms out, so a tinted layer stays visible in an overview.
    """

    def __init__(self, node: NodeItem, color: QColor):
        super().__init__()
        self.node_id = node.node_id
        self.color = QColor(color)
        self._border = QColor.fromHsl(color.hslHue(), 170, 110)  # saturated, mid-light: reads on either canvas
        stack = 2 * STACK_OFFSET if node.block_key is not None else 0.0  # a collapsed block's pile of cards
        self._body = QRectF(0, 0, WIDTH + stack, HEIGHT + stack)
        self.setPos(node.pos())
        self.setZValue(node.zValue() - 0.5)  # above the edges (-1), below the node
        self.setAcceptedMouseButtons(Qt.NoButton)

    def boundingRect(self) -> QRectF:
        m = HALO_MAX_MARGIN + 1
        return self._body.adjusted(-m, -m, m, m)

    def paint(self, painter, option, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        m = min(HALO_MAX_MARGIN, max(HALO_MARGIN, HALO_MIN_PIXELS / max(lod, 1e-6)))
        pen = QPen(self._border, 2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(self.color)
        painter.drawRoundedRect(self._body.adjusted(-m, -m, m, m), RADIUS + m, RADIUS + m)


class ReadOnlyGraphView(GraphView):
    """A GraphView for looking only; `show_spec(spec, tints)` shows a model."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._tints: dict[str, QColor] = {}
        self._halos: dict[str, TintHalo] = {}  # node id -> its halo
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self.set_document(Document(parent=self))

    # -- model and tints ----------------------------------------------------
    def show_spec(self, spec: ModelSpec, tints: dict[str, QColor] | None = None) -> None:
        """Show a copy of `spec` with these tints (layer name -> colour)."""
        self._tints = dict(tints or {})
        self.document.load(spec)  # a relayout places the halos before the view goes home
        self._place_halos()  # a graph of the same structure is not relaid out

    @property
    def halos(self) -> dict[str, TintHalo]:
        """The halos drawn now, by the id of the node they surround."""
        return dict(self._halos)

    def set_tints(self, tints: dict[str, QColor]) -> None:
        """Tint these layers (name -> colour); layers not listed lose their tint."""
        self._tints = dict(tints)
        self._place_halos()

    def _place_halos(self) -> None:
        """One halo per node showing a tinted layer; a collapsed block takes the colour
        of the first tinted layer inside it (in the order the tints were given)."""
        scene = self.graph_scene
        for halo in self._halos.values():
            scene.removeItem(halo)
        self._halos = {}
        for name, color in self._tints.items():
            node = scene.node_for_layer(name)
            if node is not None and node.node_id not in self._halos:
                halo = TintHalo(node, color)
                scene.addItem(halo)
                self._halos[node.node_id] = halo

    def _on_layout_changed(self, fresh: bool) -> None:
        self._place_halos()  # first, so that going home sees where the tints are
        super()._on_layout_changed(fresh)

    def home(self) -> None:
        """The whole model, so that every tint is in sight; a model too deep to tell its
        nodes apart when whole opens on its first tinted layer (or its top) instead."""
        self.fit()
        if self.zoom() >= OVERVIEW_ZOOM:
            return
        first = next(iter(self._halos.values()), None)
        if first is None:
            super().home()
            return
        self.set_zoom(TEXT_LOD)  # just close enough for the nodes' texts
        self.center_on(self.graph_scene.nodes[first.node_id].layer)

    # -- edits: all refused --------------------------------------------------
    def delete_selection(self) -> None:
        """Read-only: Delete and Backspace change nothing (Ctrl+C still copies, for the editor)."""

    def cut_selection(self) -> None:
        """Read-only: Ctrl+X changes nothing."""

    def paste(self) -> list[str]:
        """Read-only: Ctrl+V adds nothing."""
        return []

    def start_rename(self, name: str) -> None:
        """Read-only: F2 and a double-click on a layer open no editor."""
        return None

    def drop_mime(self, mime, scene_pos) -> list[str]:
        """Read-only: drops are not accepted, and one that arrives anyway adds nothing."""
        return []

    def context_menu(self, scene_pos):
        """GraphView's menu, keeping only the actions that change what is shown."""
        menu = super().context_menu(scene_pos)
        for action in menu.actions():
            if not action.isSeparator() and not action.text().startswith(_BROWSE_ACTIONS):
                menu.removeAction(action)
        return menu

    def mousePressEvent(self, event) -> None:
        """A left press on an output port selects, like anywhere else, instead of starting a connection."""
        if event.button() == Qt.LeftButton and not self.space_held and self._interaction is None:
            QGraphicsView.mousePressEvent(self, event)
            return
        super().mousePressEvent(event)
