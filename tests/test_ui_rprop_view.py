"""The RPROP view draws the samples of `workbench.tasks.rprop_race` (built here by hand), without Keras."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from workbench.ui.theme import apply_theme
from workbench.ui.training.views import TASK_VIEWS, DecisionBoundaryView, RpropView, TaskViews


def race(epochs_done: int = 3, epochs: int = 5) -> dict:
    """Three epochs of a five-epoch run: RPROP's loss so far, two full reference curves, 8 log10 bins."""
    return {
        "rprop_epochs": np.arange(1, epochs_done + 1),
        "rprop_loss": np.array([0.2, 0.05, 0.01, 0.004, 0.002])[:epochs_done],
        "reference_epochs": np.arange(1, epochs + 1),
        "reference_loss": np.array([[0.25, 0.24, 0.23, 0.22, 0.21], [0.24, 0.2, 0.15, 0.1, 0.08]]),
        "reference_names": np.array(["SGD lr 0.9", "Adam lr 0.001"]),
        "step_edges": np.linspace(-6.0, 2.0, 9, dtype=np.float32),
        "step_counts": np.array([0, 1, 2, 3, 50, 10, 1, 0]),
        "step_median": np.float64(0.01),
    }


def test_rprop_view_overlays_the_three_losses_and_bins_the_steps(qtbot):
    view = RpropView()
    qtbot.addWidget(view)
    view.show_samples(3, race())
    xs, ys = view.rprop.getData()
    assert xs.tolist() == [1, 2, 3]
    assert np.log10([0.2, 0.05, 0.01]) == pytest.approx(ys)  # the loss axis is logarithmic
    assert [curve.name() for curve in view.references] == ["SGD lr 0.9", "Adam lr 0.001"]
    sgd_x, sgd_y = view.references[0].getData()
    assert sgd_x.tolist() == [1, 2, 3, 4, 5] and 10 ** sgd_y[-1] == pytest.approx(0.21)
    assert [item.text for _, item in view.loss_plot.legend.items] == ["RPROP", "SGD lr 0.9", "Adam lr 0.001"]
    major, minor = view.loss_plot.getAxis("left")._tickLevels  # losses 0.01 … 0.25: decades 0.01 to 1
    assert [label for _, label in major] == ["0.01", "0.1", "1"]
    assert len(minor) == 2 * 8 and all(label == "" for _, label in minor)
    within = race()
    within["rprop_loss"] = np.array([0.2, 0.15, 0.12])  # all within 0.1 … 1: the 2…9 ticks are labelled
    within["reference_loss"] = np.clip(within["reference_loss"], 0.11, None)
    view.show_samples(3, within)
    assert [label for _, label in view.loss_plot.getAxis("left")._tickLevels[1]][:3] == ["0.2", "0.3", "0.4"]
    view.show_samples(3, race())
    assert view.bars.opts["x0"].tolist() == [-6, -5, -4, -3, -2, -1, 0, 1]
    assert view.bars.opts["x1"].tolist() == [-5, -4, -3, -2, -1, 0, 1, 2]
    assert view.bars.opts["height"].tolist() == [0, 1, 2, 3, 50, 10, 1, 0]
    assert view.median.value() == pytest.approx(-2.0)
    caption = view.caption.text()
    assert caption.startswith("Epoch 3: training loss RPROP 0.0100, SGD lr 0.9 0.2300, Adam lr 0.001 0.1500")
    assert "67 weights' steps, median Δ 0.01 (dashed)" in caption
    assert "sign of the gradient" in caption and "orders of magnitude" in caption
    view.clear()
    assert view.rprop.getData()[0] is None and len(view.bars.opts["height"]) == 0 and view.caption.text() == ""


def test_the_rprop_view_shows_only_for_rprop_samples_and_takes_the_tab(qtbot):
    assert RpropView in TASK_VIEWS["classification"]
    assert RpropView.accepts(race()) and not RpropView.accepts({"grid": np.zeros((2, 2))})
    views = TaskViews()
    qtbot.addWidget(views)
    # a classifier's dock is no wider than the decision boundary alone needs
    alone = DecisionBoundaryView()
    qtbot.addWidget(alone)
    assert views.minimumSizeHint().width() <= alone.minimumSizeHint().width() + 8
    with qtbot.waitSignal(views.appeared):
        views.show_samples(1, race(1))
    boundary = next(i for i, v in enumerate(views.views) if isinstance(v, DecisionBoundaryView))
    rprop = next(i for i, v in enumerate(views.views) if isinstance(v, RpropView))
    assert not views.tabs.isTabEnabled(boundary) and views.tabs.isTabEnabled(rprop)
    assert views.tabs.currentIndex() == rprop


def test_the_rprop_view_follows_the_theme(qtbot):
    app = QApplication.instance()
    view = RpropView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    try:
        apply_theme(app, "dark")
        assert view.canvas.backgroundBrush().color().name() == "#27292d"
        assert view.side.backgroundBrush().color().name() == "#27292d"
        assert view.median.pen.color().name() == view.text_color().name()
        for _, label in view.loss_plot.legend.items:  # the legend's names are drawn in the theme's text colour
            assert view.text_color().name() in label.item.toHtml().lower()
    finally:
        apply_theme(app, "light")
    assert view.median.pen.color().name() == view.text_color().name()
