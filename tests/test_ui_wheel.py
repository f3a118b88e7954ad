"""The mouse wheel over a form scrolls it; it changes a combo or spin box only while that field has focus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


@pytest.fixture
def window(lenet5_window):
    return lenet5_window


def wheel_down(widget) -> QWheelEvent:
    """One notch down over the widget's centre, delivered as the wheel would; returns the event."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(), QPoint(0, -120),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event


def test_wheel_over_an_unfocused_combo_box_leaves_it_and_passes_the_event_on(qtbot, window):
    form = window.inspector.model_form
    combo, spin = form.optimizer, form.batch_size
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus())
    before = (combo.currentText(), spin.value(), window.estimate.optimizer)
    combo_event, spin_event = wheel_down(combo), wheel_down(spin)
    assert (combo.currentText(), spin.value(), window.estimate.optimizer) == before
    assert not combo_event.isAccepted() and not spin_event.isAccepted()  # left for the scroll area
    assert combo.focusPolicy() == Qt.StrongFocus and spin.focusPolicy() == Qt.StrongFocus  # the wheel gives no focus


def test_wheel_over_the_focused_field_still_steps_it(qtbot, window):
    combo = window.inspector.model_form.optimizer
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    index = combo.currentIndex()
    wheel_down(combo)
    assert combo.currentIndex() == index + 1
