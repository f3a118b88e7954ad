"""The canvas draws an initial_state edge as its own kind: dashed, in the recurrent layers' colour."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from workbench.spec import load_named
from workbench.ui.document import Document
from workbench.ui.graph.view import GraphView


def test_initial_state_edges_are_drawn_dashed_beside_the_data_edges(qtbot):
    view = GraphView()
    qtbot.addWidget(view)
    view.set_document(Document(load_named("seq2seq_dates")))
    scene = view.graph_scene
    assert set(scene.state_edges) == {("enc_state", "decoder")}
    item = scene.state_edges[("enc_state", "decoder")]
    assert item.state and item not in scene.edges.values()
    assert ("enc_state", "decoder") not in scene.edges  # the data edges stay the data inputs
    assert len(scene.edges) == 7  # encoder:1 and encoder:2 into enc_state are one drawn edge
    # the style: dashed and in the recurrent colour, unlike a data edge
    class Recorder(QPainter):
        """Keeps the first pen an edge strokes its path with."""

        first = None

        def setPen(self, pen):  # noqa: N802 - Qt's name
            if self.first is None:
                self.first = pen
            super().setPen(pen)

    image = QImage(400, 400, QImage.Format_ARGB32)
    pens = []
    for edge in (item, scene.edges[("dec_emb", "decoder")]):
        painter = Recorder(image)
        edge.paint(painter, QStyleOptionGraphicsItem())
        painter.end()
        pens.append(painter.first)
    state_pen, data_pen = pens
    assert state_pen.style() == Qt.DashLine and data_pen.style() == Qt.SolidLine
    assert state_pen.color() != data_pen.color()


def test_removing_the_state_removes_its_edge(qtbot):
    view = GraphView()
    qtbot.addWidget(view)
    spec = load_named("seq2seq_dates")
    view.set_document(Document(spec))
    spec = spec.copy()
    spec.layer("decoder").initial_state = None
    view.document.load(spec)
    assert view.graph_scene.state_edges == {}
