"""The inline editor that renames a layer in place, over its node's title."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit


class RenameEditor(QLineEdit):
    """Enter commits, Escape cancels, leaving the field commits.

    `committed(old, new)` is emitted for the owner to apply; if the owner
    refuses the name it calls `refuse(message)` and the editor stays open
    with the message as its tooltip.
    """

    committed = Signal(str, str)
    closed = Signal()

    def __init__(self, layer: str, parent):
        super().__init__(layer, parent)
        self.layer = layer
        self._done = False
        self.selectAll()
        self.setToolTip("Enter to rename, Escape to cancel")

    def refuse(self, message: str) -> None:
        self.setStyleSheet("QLineEdit { border: 2px solid #d93025; }")
        self.setToolTip(message)

    def accept(self) -> None:
        if not self._done:
            self._done = True
            self.close()
            self.closed.emit()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:
            self.accept()
        elif event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self._commit()
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        if not self._done:
            self._commit()
            if not self._done:  # an invalid name on leaving: give up rather than trap the focus
                self.accept()

    def _commit(self) -> None:
        new = self.text().strip()
        if not new or new == self.layer:
            self.accept()
        else:
            self.committed.emit(self.layer, new)
