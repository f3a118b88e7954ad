"""The mouse wheel changes a field's value only while that field has the keyboard focus.

Scrolling down a form (the inspector, the hyperparameters) passes over spin
boxes, combo boxes and sliders; Qt lets each of them take the wheel and
change its value on the way, silently.  One filter on the application
handles every such widget in every window:

- when a widget is polished, a `Qt.WheelFocus` policy becomes
  `Qt.StrongFocus`, so the wheel no longer gives it the focus;
- a wheel event over one that has no focus is ignored and left unhandled,
  so Qt passes it on to the enclosing scroll area, which scrolls.

Clicking or tabbing into a field still lets the wheel step its value.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox

#: widgets whose value the wheel would change
GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class WheelGuard(QObject):
    """The application-wide event filter described above; `install` puts one on the application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Polish and isinstance(watched, GUARDED) and watched.focusPolicy() == Qt.WheelFocus:
            watched.setFocusPolicy(Qt.StrongFocus)
        elif kind == QEvent.Wheel and isinstance(watched, GUARDED) and not _has_focus(watched):
            event.ignore()  # unhandled: Qt hands it to the parent, the scroll area
            return True
        return False


def _has_focus(widget) -> bool:
    """The widget or the editor inside it (a spin box's or an editable combo box's line edit)."""
    focus = QApplication.focusWidget()
    return focus is not None and (focus is widget or widget.isAncestorOf(focus))


def install(app: QApplication) -> WheelGuard:
    """Put the guard on `app` once (later calls return the same one)."""
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
    return guard
