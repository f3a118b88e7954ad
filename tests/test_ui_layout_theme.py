"""Small windows keep the training controls in view; every view follows a theme switch at once; the
comparison and diff views stay readable (legends off the data, axes for a single run, whole columns)."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QScrollArea

from workbench.compare.diff import ADDED
from workbench.compare.results import FINISHED, RunRecord
from workbench.spec import load_named
from workbench.ui import settings
from workbench.ui.compare_view import CompareView
from workbench.ui.diff_view import DIFF_COLORS, DiffView
from workbench.ui.main_window import MainWindow
from workbench.ui.theme import apply_theme, current, mark_color


@pytest.fixture
def window(qtbot, tmp_path):
    settings.use_directory(tmp_path / "profile")
    w = MainWindow(load_tensorflow=False, remember_layout=False, offer_recovery=False)
    w.doc.load(load_named("lenet5"))
    qtbot.addWidget(w, before_close_func=lambda win: win.doc.undo_stack.setClean())
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.shutdown()


@pytest.fixture
def light():
    """Every test starts light and leaves the application light."""
    app = QApplication.instance()
    apply_theme(app, "light")
    yield app
    apply_theme(app, "light")


def _resize(qtbot, window, width, height):
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().toTuple() == (width, height), timeout=3000)
    QApplication.processEvents()


def test_training_controls_stay_visible_in_a_small_window_and_docks_grow_back(qtbot, window):
    window.show_training_views()
    qtbot.waitUntil(lambda: window.docks["training"].isVisible(), timeout=2000)
    panel = window.training.panel
    scroll = panel.findChild(QScrollArea)

    _resize(qtbot, window, 1000, 700)
    qtbot.waitUntil(lambda: not scroll.horizontalScrollBar().isVisible(), timeout=3000)
    viewport = scroll.viewport()
    visible = QRect(0, 0, viewport.width(), viewport.height())
    for button in (panel.start_button, panel.pause_button, panel.stop_button):
        top_left = button.mapTo(viewport, button.rect().topLeft())
        assert visible.contains(QRect(top_left, button.size())), (button.text(), top_left, button.size(), visible)
        assert button.width() >= button.minimumSizeHint().width()  # the label is not cut
    assert window.docks["gallery"].width() >= 150

    _resize(qtbot, window, 1600, 1000)
    qtbot.waitUntil(lambda: window.docks["training"].width() >= 370, timeout=3000)
    assert window.docks["gallery"].width() >= 300
    assert not scroll.horizontalScrollBar().isVisible()


def _backgrounds(window) -> dict[str, str]:
    """The background colour of every pyqtgraph canvas in the training views, by view and index."""
    t = window.training
    out = {}
    for name, view in (("curves", t.curves), ("evaluation", t.evaluation), ("feature_maps", t.feature_maps),
                       ("weights", t.weights), ("runs", t.runs), ("panel", t.panel)):
        for i, canvas in enumerate(view.findChildren(pg.GraphicsView)):
            out[f"{name}{i}"] = canvas.backgroundBrush().color().name()
    return out


def test_every_view_follows_a_theme_switch_at_once(qtbot, light, window):
    before = _backgrounds(window)
    assert len(before) >= 8 and set(before.values()) == {"#ffffff"}
    window.actions["theme_dark"].trigger()
    assert current() == "dark"
    dark_base = QApplication.palette().color(QPalette.Base).name()
    assert dark_base == "#27292d"
    after = _backgrounds(window)
    assert after.keys() == before.keys() and set(after.values()) == {dark_base}
    axis = window.training.curves.loss.plot.getAxis("left")
    assert axis.textPen().color().name() == QApplication.palette().color(QPalette.Text).name() == "#dcdfe4"
    window.actions["theme_light"].trigger()
    assert set(_backgrounds(window).values()) == {"#ffffff"}


def test_diff_and_compare_views_follow_a_theme_switch(qtbot, light):
    diff = DiffView(load_named("vgg16"), load_named("vgg19"))
    compare = CompareView()
    qtbot.addWidget(diff)
    qtbot.addWidget(compare)
    tint = lambda: diff.table.item(0, 4).background().color().name()  # noqa: E731
    assert tint() == DIFF_COLORS["light"][ADDED]
    halo = lambda: next(iter(diff.canvas_b._halos.values())).color.name()  # noqa: E731
    assert halo() == DIFF_COLORS["light"][ADDED]
    apply_theme(QApplication.instance(), "dark")
    assert tint() == DIFF_COLORS["dark"][ADDED] and halo() == DIFF_COLORS["dark"][ADDED]
    assert diff.canvas_a.graph_scene.theme.dark
    charts = compare.charts
    for plot in (charts.accuracy, charts.loss, charts.bubbles):
        assert plot.backgroundBrush().color().name() == "#27292d"
    assert charts.foreground.name() == "#dcdfe4"
    compare._set_status("The comparison stopped: disk full", error=True)
    dark_error = compare.status.styleSheet()
    apply_theme(QApplication.instance(), "light")
    assert compare.status.styleSheet() != dark_error  # the error text takes the light theme's error colour
    assert compare.status.styleSheet() == f"color: {mark_color('error').name()}"
    compare.shutdown()


def test_a_single_finished_run_gets_distinct_ticks_and_legends_sit_beside_the_data(qtbot):
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    run = RunRecord(preset="lenet5", params=61_706, macs=417_000, training_memory=1, input_shape=(28, 28, 1),
                    classes=10, train_seconds=1.0, samples_per_second=1.0, model_bytes=1)
    run.add_epoch({"loss": 0.3, "accuracy": 0.9, "val_loss": 0.3, "val_accuracy": 0.919220030307774}, elapsed=1.0)
    assert run.status == FINISHED or run.best_val_accuracy is not None
    run.status = FINISHED
    view.show_records([run])
    qtbot.waitUntil(lambda: len(view.charts.scatter.points()) == 1, timeout=2000)
    bubbles = view.charts.bubbles.getPlotItem()
    (x0, x1), (y0, y1) = bubbles.viewRange()
    assert x1 - x0 >= 1.0 and y1 - y0 >= 0.04
    for side, span in (("bottom", (x0, x1)), ("left", (y0, y1))):
        axis = bubbles.getAxis(side)
        values = [v for _, level in axis.tickValues(*span, 400) for v in level]
        labels = axis.tickStrings(values, 1.0, 1.0) if side == "bottom" else [f"{v:g}" for v in values]
        assert len(set(labels)) == len(labels) >= 2, labels
        assert all(len(label) <= 6 for label in labels), labels
    accuracy = view.charts.accuracy.getPlotItem()
    legend = accuracy.legend
    qtbot.wait(100)
    assert legend is not None and legend.parentItem() is accuracy  # in the plot's layout, not on the view box
    beside = legend.mapRectToScene(legend.boundingRect())
    data = accuracy.vb.mapRectToScene(accuracy.vb.boundingRect())
    assert beside.left() >= data.right() - 1 and beside.width() > 20  # right of the data, not on it
    view.shutdown()


def test_diff_table_shows_every_column(qtbot):
    diff = DiffView(load_named("vgg16"), load_named("vgg19"))
    qtbot.addWidget(diff)
    diff.resize(1500, 900)
    diff.show()
    qtbot.waitExposed(diff)
    qtbot.waitUntil(lambda: not diff.table.horizontalScrollBar().isVisible(), timeout=2000)
    header = diff.table.horizontalHeader()
    for column in range(diff.table.columnCount() - 1):
        assert header.sectionSize(column) >= header.sectionSizeHint(column)
    assert header.length() <= diff.table.viewport().width()
