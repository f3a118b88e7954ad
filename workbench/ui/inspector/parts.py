"""Small pieces the inspector's forms share: error labels, captions, banners, the facts grid."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGridLayout, QLabel, QVBoxLayout, QWidget


def error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


def field_row(editor: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(editor)
    layout.addWidget(error)
    return box


def show_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))


def make_form() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(6)
    return form


def caption_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "caption")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def heading() -> QLabel:
    label = QLabel()
    label.setProperty("role", "heading")
    label.setWordWrap(True)
    return label


def banner() -> QLabel:
    label = QLabel()
    label.setProperty("role", "banner")
    label.setTextFormat(Qt.RichText)
    label.setWordWrap(True)
    label.hide()
    return label


def show_problems(banner: QLabel, problems) -> None:
    """The analysis' problems for what the form shows; red if any is an error, amber for a warning, else blue."""
    lines = [f"<b>{p.severity.capitalize()}:</b> {html.escape(p.message)}" for p in problems]
    severities = {p.severity for p in problems}
    severity = next((s for s in ("error", "warning") if s in severities), "note")
    if banner.property("severity") != severity:
        banner.setProperty("severity", severity)
        banner.style().unpolish(banner)
        banner.style().polish(banner)
    banner.setText("<br>".join(lines))
    banner.setVisible(bool(lines))


class Facts(QGridLayout):
    """Read-only numbers as a two-column grid of caption/value pairs."""

    def __init__(self, keys: tuple[str, ...]):
        super().__init__()
        self.setHorizontalSpacing(8)
        self.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        for i, key in enumerate(keys):
            row, col = divmod(i, 2)
            caption = caption_label(key)
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextSelectableByMouse)
            value.setWordWrap(key == "Inputs")
            self.addWidget(caption, row, col * 2, Qt.AlignLeft | Qt.AlignTop)
            self.addWidget(value, row, col * 2 + 1, Qt.AlignLeft | Qt.AlignTop)
            self.values[key] = value
        self.setColumnStretch(1, 1)
        self.setColumnStretch(3, 1)

    def set_values(self, **values: str) -> None:
        for key, text in values.items():
            self.values[key].setText(text)
