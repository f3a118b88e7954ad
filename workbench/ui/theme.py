"""Light and dark looks: the Fusion style, a palette, and a small style sheet per theme.

Colours that panels paint themselves (gallery thumbnails, problem icons,
inline error text) come from here too, so a theme switch changes them all.
Widgets follow the palette by themselves; views that bake colours into what
they draw (plots, images, table tints) connect to `theme_changed()`, which
fires once per switch after the new palette is in place.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal, SignalInstance, Slot
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from .. import paths

_PALETTES = {
    "light": {
        QPalette.Window: "#eef0f3", QPalette.WindowText: "#1f2328", QPalette.Base: "#ffffff",
        QPalette.AlternateBase: "#f6f8fa", QPalette.ToolTipBase: "#ffffff", QPalette.ToolTipText: "#1f2328",
        QPalette.Text: "#1f2328", QPalette.Button: "#f6f7f9", QPalette.ButtonText: "#1f2328",
        QPalette.BrightText: "#d1242f", QPalette.Highlight: "#2f6fde", QPalette.HighlightedText: "#ffffff",
        QPalette.Link: "#2f6fde", QPalette.PlaceholderText: "#8c959f", QPalette.Mid: "#c8ced6",
        QPalette.Midlight: "#e1e5ea", QPalette.Dark: "#a0a8b2", QPalette.Light: "#ffffff",
    },
    "dark": {
        QPalette.Window: "#1f2124", QPalette.WindowText: "#dcdfe4", QPalette.Base: "#27292d",
        QPalette.AlternateBase: "#2c2f33", QPalette.ToolTipBase: "#2c2f33", QPalette.ToolTipText: "#dcdfe4",
        QPalette.Text: "#dcdfe4", QPalette.Button: "#2c2f33", QPalette.ButtonText: "#dcdfe4",
        QPalette.BrightText: "#ff7b72", QPalette.Highlight: "#3d6fd1", QPalette.HighlightedText: "#ffffff",
        QPalette.Link: "#6ea2ff", QPalette.PlaceholderText: "#7d8590", QPalette.Mid: "#44484e",
        QPalette.Midlight: "#373a3f", QPalette.Dark: "#15171a", QPalette.Light: "#3a3d42",
    },
}

#: colours for text the panels mark themselves
_MARKS = {
    "light": {"error": "#c62828", "warning": "#b26a00", "muted": "#667080", "ok": "#2e7d32"},
    "dark": {"error": "#ff7b72", "warning": "#e3b341", "muted": "#8b949e", "ok": "#56d364"},
}

_current = "light"


class _ThemeSignal(QObject):
    changed = Signal(str)


_signal: _ThemeSignal | None = None


def theme_changed() -> SignalInstance:
    """The signal (theme name) sent each time `apply_theme` has put a theme's palette and style sheet in place."""
    global _signal
    if _signal is None:
        _signal = _ThemeSignal()
    return _signal.changed


class _ThemeFollower(QObject):
    """Calls `restyle(widget)` at each theme switch; a child of the widget, so it goes with it."""

    def __init__(self, widget: QWidget, restyle: Callable[[QWidget], None]):
        super().__init__(widget)
        self._restyle = restyle
        theme_changed().connect(self._on_theme_changed)

    @Slot(str)
    def _on_theme_changed(self, _name: str) -> None:
        self._restyle(self.parent())


def follow_theme(widget: QWidget, restyle: Callable[[QWidget], None]) -> None:
    """Run `restyle(widget)` after every theme switch, for as long as `widget` lives (colours a view
    baked into what it draws do not follow the palette by themselves)."""
    _ThemeFollower(widget, restyle)


def show_status(label: QLabel, text: str, error: bool = False) -> None:
    """`text` in a status line, in the theme's error colour when `error`, kept so across theme switches."""
    label.setText(text)
    if label.property("error") is None:  # the first message: follow every switch from now on
        follow_theme(label, _colour_status)
    label.setProperty("error", error)
    _colour_status(label)


def _colour_status(label: QLabel) -> None:
    label.setStyleSheet(f"color: {mark_color('error').name()}" if label.property("error") else "")


def current() -> str:
    return _current


def mark_color(role: str) -> QColor:
    """The colour for 'error', 'warning', 'muted' or 'ok' text in the current theme."""
    return QColor(_MARKS[_current][role])


def apply_theme(app: QApplication, name: str) -> None:
    """Fusion style, the theme's palette, its style sheet and a readable UI font."""
    global _current
    if name not in _PALETTES:
        raise ValueError(f"unknown theme '{name}' (known: {', '.join(_PALETTES)})")
    _current = name
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in _PALETTES[name].items():
        palette.setColor(role, QColor(color))
    disabled = QColor(_MARKS[name]["muted"])
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, disabled)
    app.setPalette(palette)
    font = app.font()
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    app.setFont(font)
    styles = paths.package_file("resources", "styles")
    sheet = (styles / "common.qss").read_text(encoding="utf-8")
    sheet += (styles / f"{name}.qss").read_text(encoding="utf-8")
    app.setStyleSheet(sheet)
    theme_changed().emit(name)


def monospace_digits(font: QFont) -> QFont:
    """The same font with tabular (equal-width) digits, so numbers line up in columns."""
    out = QFont(font)
    out.setFeature(QFont.Tag("tnum"), 1)
    return out


def severity_icon(severity: str, size: int = 16) -> QIcon:
    """A red disc with '!' for errors, an amber triangle with '!' for warnings, a blue disc with 'i' for notes,
    a green disc with a tick for 'ok'."""
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2× so it stays sharp on HiDPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    s = float(size)
    pen = QPen(QColor("white"), s / 8, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    if severity == "warning":
        path = QPainterPath(QPointF(s / 2, 1))
        path.lineTo(s - 1, s - 1.5)
        path.lineTo(1, s - 1.5)
        path.closeSubpath()
        painter.fillPath(path, QColor("#e0a526"))
    else:
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor({"error": "#d32f2f", "note": "#3b78c4"}.get(severity, "#2e9d4f")))
        painter.drawEllipse(QRectF(1, 1, s - 2, s - 2))
    painter.setPen(pen)
    if severity == "ok":
        painter.drawPolyline([QPointF(s * 0.3, s * 0.52), QPointF(s * 0.45, s * 0.67), QPointF(s * 0.72, s * 0.36)])
    elif severity == "note":
        painter.drawPoint(QPointF(s / 2, s * 0.27))
        painter.drawLine(QPointF(s / 2, s * 0.45), QPointF(s / 2, s * 0.75))
    else:
        top = s * (0.27 if severity == "error" else 0.4)
        painter.drawLine(QPointF(s / 2, top), QPointF(s / 2, s * 0.58))
        painter.drawPoint(QPointF(s / 2, s * 0.76))
    painter.end()
    return QIcon(pixmap)
