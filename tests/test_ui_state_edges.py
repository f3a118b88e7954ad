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


def test_the_inspector_chooses_and_clears_a_state_and_the_canvas_follows(qtbot):
    from workbench.ui.inspector import InspectorPanel
    from workbench.ui.summary_table import EstimateSettings

    doc = Document(load_named("seq2seq_dates_attention"))
    view = GraphView()
    qtbot.addWidget(view)
    view.set_document(doc)
    inspector = InspectorPanel(doc, EstimateSettings())
    qtbot.addWidget(inspector)
    inspector.show()
    doc.set_selection(["decoder"])
    rows = inspector.layer_form.states
    assert rows.isVisible() and len(rows.combos) == 1 and rows.labels[0].text() == "state 1 128"
    (combo,) = rows.combos
    # outputs of the state's shape (128,) not downstream of the decoder: only the joined encoder states
    # (the encoder's sequence output is 20×128, its single states 64 wide)
    assert [combo.itemText(i) for i in range(combo.count())] == ["zeros", "enc_state"]
    assert combo.currentText() == "enc_state"

    rows.clear_button.click()
    assert doc.spec.layer("decoder").initial_state is None and view.graph_scene.state_edges == {}
    assert combo.currentText() == "zeros" and not rows.clear_button.isEnabled()
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert doc.spec.layer("decoder").initial_state == ["enc_state"]
    assert set(view.graph_scene.state_edges) == {("enc_state", "decoder")}
    assert doc.undo_stack.undoText() == "Start 'decoder' from enc_state"
    doc.undo_stack.undo()
    assert view.graph_scene.state_edges == {} and rows.combos[0].currentText() == "zeros"

    doc.set_selection(["enc_state"])
    assert inspector.layer_form.facts.values["Inputs"].text() == "encoder:1, encoder:2"
    doc.set_selection(["hidden"])  # a Dense layer keeps no state: no rows
    assert not rows.isVisible()
