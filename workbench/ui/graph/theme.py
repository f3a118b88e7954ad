"""Colours and fonts of the canvas, light or dark after the application palette.

Nodes are coloured by what a layer does (convolution, pooling, activation,
normalisation, …), the way Netron does, so the structure of a network reads
at a glance even when zoomed out too far for text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from PySide6.QtGui import QColor, QFont, QPalette

from workbench.spec import get_kind

#: header colour per role (both themes; header text is white)
ROLE_COLORS = {
    "input": "#4b5563",
    "convolution": "#2f6db5",
    "pooling": "#2e8555",
    "dense": "#6a4fb6",
    "activation": "#b5483d",
    "normalization": "#19807f",
    "regularization": "#66708a",
    "shape": "#8a6a4b",
    "merge": "#505f73",
    "recurrent": "#9c4585",
    "attention": "#bf6a12",
    "block": "#28415c",
    "unknown": "#7a7a7a",
}
_ROLE_BY_TYPE = {
    "Input": "input",
    "Activation": "activation", "ReLU": "activation", "LeakyReLU": "activation", "Softmax": "activation",
    "Flatten": "shape", "Reshape": "shape", "ZeroPadding2D": "shape", "Cropping2D": "shape", "UpSampling2D": "shape",
    "Dense": "dense", "Embedding": "dense",
}


def role(type_: str) -> str:
    """The colour role of a layer type."""
    if type_ in _ROLE_BY_TYPE:
        return _ROLE_BY_TYPE[type_]
    kind = get_kind(type_)
    if kind is None:
        return "unknown"
    return kind.category if kind.category in ROLE_COLORS else "dense"


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    font.setHintingPreference(QFont.PreferNoHinting)
    return font


@dataclass(frozen=True)
class Theme:
    dark: bool
    background: QColor
    node_fill: QColor
    node_border: QColor
    text: QColor
    subtle: QColor
    edge: QColor
    edge_label: QColor
    selection: QColor
    drop_target: QColor
    error: QColor = field(default_factory=lambda: QColor("#d93025"))
    warning: QColor = field(default_factory=lambda: QColor("#e8a100"))
    header_text: QColor = field(default_factory=lambda: QColor("#ffffff"))
    title_font: QFont = field(default_factory=lambda: _font(12, bold=True))
    detail_font: QFont = field(default_factory=lambda: _font(12))
    body_font: QFont = field(default_factory=lambda: _font(11))
    label_font: QFont = field(default_factory=lambda: _font(10))
    badge_font: QFont = field(default_factory=lambda: _font(11, bold=True))
    overview_font: QFont = field(default_factory=lambda: _font(26, bold=True))

    def role_color(self, name: str) -> QColor:
        return QColor(ROLE_COLORS.get(name, ROLE_COLORS["unknown"]))


@lru_cache(maxsize=None)
def light() -> Theme:
    """Built on first use: fonts need a QGuiApplication."""
    return Theme(
        dark=False,
        background=QColor("#f4f5f7"),
        node_fill=QColor("#ffffff"),
        node_border=QColor("#c3c8cf"),
        text=QColor("#1f2328"),
        subtle=QColor("#687078"),
        edge=QColor("#7d858f"),
        edge_label=QColor("#59616a"),
        selection=QColor("#1a73e8"),
        drop_target=QColor("#f29900"),
    )


@lru_cache(maxsize=None)
def dark() -> Theme:
    return Theme(
        dark=True,
        background=QColor("#1e2023"),
        node_fill=QColor("#2b2e33"),
        node_border=QColor("#4a4f57"),
        text=QColor("#e8eaed"),
        subtle=QColor("#9aa0a6"),
        edge=QColor("#8a929c"),
        edge_label=QColor("#a7adb4"),
        selection=QColor("#6ea8ff"),
        drop_target=QColor("#fbbc04"),
    )


def theme_for(palette: QPalette) -> Theme:
    """The dark theme when the palette's window colour is dark, else the light one."""
    return dark() if palette.color(QPalette.Window).lightness() < 128 else light()
