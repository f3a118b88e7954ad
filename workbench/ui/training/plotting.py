"""What the training views share: theme-coloured pyqtgraph plots, series colours, paced redraws, exports.

Views follow pyqtgraph's fast path: items created once, fed with numpy
arrays by `setData`/`setImage`, width-1 pens, and repainted by a
`RedrawPacer` at most 20 times a second however fast data arrives (paint,
not data, is what costs: every repaint competes with training for the CPU
and the GIL).
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGraphicsItem, QSplitter, QWidget

from workbench.atomic import atomic_target, write_text_atomic

#: train in blue, validation in orange, markers in green/red (TensorBoard's choices, readable on both themes)
TRAIN = "#1f77b4"
VALIDATION = "#ff7f0e"
BEST = "#2ca02c"
DIVERGED = "#d62728"
COLOR_MAPS = ("viridis", "inferno", "magma", "plasma", "cividis", "grey")
#: the most repaints a second; the worker sends batches a little less often, so they rarely wait for one
REDRAW_HZ = 20.0


def color_lut(name: str) -> np.ndarray:
    """A 256-entry RGBA lookup table for `name` (one of COLOR_MAPS)."""
    if name == "grey":
        ramp = np.arange(256, dtype=np.uint8)
        return np.stack([ramp, ramp, ramp, np.full(256, 255, np.uint8)], axis=1)
    return pg.colormap.get(name).getLookupTable(nPts=256, alpha=True)


def legend_html(entries: list[tuple[str, str]]) -> str:
    """Rich text for a legend line: (colour, label) pairs, each after a coloured mark."""
    return "&nbsp;&nbsp;&nbsp;".join(f"<span style='color:{colour}'>━</span>&nbsp;{label}" for colour, label in entries)


def with_alpha(color: str, alpha: int) -> QColor:
    out = QColor(color)
    out.setAlpha(alpha)
    return out


def style_plot(plot: pg.PlotItem, widget: QWidget) -> None:
    """Axes and grid in the widget's palette colours, no SI prefixes (1e-3 stays 0.001)."""
    plot.showGrid(x=True, y=True, alpha=0.15)
    color_plot(plot, widget)


def color_plot(plot: pg.PlotItem, widget: QWidget) -> None:
    """Axes, tick labels and title in the widget's palette text colour."""
    foreground = widget.palette().color(QPalette.Text)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(foreground)
        axis.setTextPen(foreground)
        axis.enableAutoSIPrefix(False)
        # drawn from a pixmap until its range changes: tick labels are most of a plot's paint time
        axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
    plot.titleLabel.setAttr("color", foreground)
    plot.titleLabel.setText(plot.titleLabel.text)  # the colour applies from the next text on
    if plot.legend is not None:
        plot.legend.setLabelTextColor(foreground)
        for _, label in plot.legend.items:  # like the title, a label takes its colour with its next text
            label.setText(label.text)


def legend_beside(plot: pg.PlotItem, **options) -> pg.LegendItem:
    """A legend in a column of its own right of the plot, so it never covers a curve (pyqtgraph's own
    sits on the data); curves added with a name appear in it."""
    legend = pg.LegendItem(**options)
    plot.layout.addItem(legend, 2, 3)
    plot.legend = legend
    return legend


def background(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.Base)


def restyle_plots(widget: QWidget) -> None:
    """Every pyqtgraph canvas inside `widget` on the palette's background, every plot's axes in its text
    colour: pyqtgraph copies colours when they are set, so a theme switch must set them again."""
    for canvas in widget.findChildren(pg.GraphicsView):
        canvas.setBackground(background(widget))
        for item in canvas.scene().items():
            if isinstance(item, pg.PlotItem):
                color_plot(item, widget)


class ClickableImage(pg.ImageItem):
    """A row-major ImageItem that reports left clicks in image pixel coordinates (x = column, y = row)."""

    clicked = Signal(float, float)

    def __init__(self):
        super().__init__(axisOrder="row-major")

    def mouseClickEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.image is not None:
            event.accept()
            position = event.pos()
            self.clicked.emit(position.x(), position.y())


class AdaptiveSplitter(QSplitter):
    """Side by side in a wide dock, stacked in a tall one (the views live in docks the user reshapes)."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        orientation = Qt.Vertical if self.height() > self.width() else Qt.Horizontal
        if self.orientation() != orientation:
            self.setOrientation(orientation)


def image_box(canvas: pg.GraphicsLayoutWidget, row: int, col: int, title: str = ""):
    """(view box, image, title label): a titled, aspect-locked, y-down view holding one ClickableImage."""
    label = canvas.addLabel(title, row=row, col=col)
    box = canvas.addViewBox(row=row + 1, col=col, lockAspect=True, invertY=True, enableMenu=False)
    image = ClickableImage()
    box.addItem(image)
    return box, image, label


class RedrawPacer(QObject):
    """Calls `redraw` soon after `request()`, but never more often than `hz` times a second.

    The first request after a quiet spell draws on the next event-loop turn
    (lowest lag from data to screen); requests while a redraw is pending are
    merged into it.
    """

    def __init__(self, redraw: Callable[[], None], hz: float = REDRAW_HZ, parent: QObject | None = None):
        super().__init__(parent)
        self._redraw = redraw
        self._interval = 1.0 / hz
        self._last = -math.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)

    def request(self) -> None:
        if self._timer.isActive():
            return
        wait = self._last + self._interval - time.monotonic()
        self._timer.start(int(math.ceil(max(0.0, wait) * 1000)))

    @Slot()
    def _on_timeout(self) -> None:
        self._last = time.monotonic()
        self._redraw()


def save_png(widget: QWidget, path: str | Path) -> Path:
    """The widget as rendered, written atomically as PNG; raises SaveError."""
    pixmap = widget.grab()
    with atomic_target(path, None, "picture") as temp:
        if not pixmap.save(str(temp), "PNG"):
            raise OSError("the picture could not be encoded")
    return Path(path)


def save_csv(path: str | Path, header: list[str], rows: list[list]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue(), "table")
    return Path(path)
