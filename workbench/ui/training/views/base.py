"""What every task view shares: a titled pyqtgraph canvas in the theme's colours, and the samples it reads.

A view draws one task's per-epoch samples (the dict the task's `samples`
returns, computed in the worker): its items are created once and fed with
`setData`/`setImage`, and a palette change (a theme switch) recolours the
canvas, the axes and the view's own marks through `restyle` (`follow_theme`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.train.live.mosaic import Mosaic, tile

from ..plotting import AdaptiveSplitter, background, style_plot
from ...theme import current, follow_theme

#: pixels a title over an image box takes
TITLE_HEIGHT = 22


class TaskView(QWidget):
    """One live view of a task: `show_samples(epoch, samples)` when `accepts(samples)`, `clear()` between runs."""

    #: the tab's title
    title = ""
    #: sample keys this view cannot draw without
    needs: tuple[str, ...] = ()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.epoch: int | None = None
        self.caption = QLabel()
        self.caption.setProperty("role", "caption")
        self.caption.setWordWrap(True)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setMinimumSize(120, 120)
        self.side: pg.GraphicsLayoutWidget | None = None  # a second canvas, beside or under the first
        self.splitter = AdaptiveSplitter()
        self.splitter.addWidget(self.canvas)
        self.plots: list[pg.PlotItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.splitter, 1)
        follow_theme(self, lambda view: view.restyle())

    @classmethod
    def accepts(cls, samples: dict) -> bool:
        return all(key in samples for key in cls.needs)

    def add_plot(self, row: int, col: int, title: str = "", **kwargs) -> pg.PlotItem:
        """A plot on the canvas, styled now and on every theme switch."""
        plot = self.canvas.addPlot(row=row, col=col, title=title, **kwargs)
        plot.setMenuEnabled(False)
        self.plots.append(plot)
        return plot

    def add_side_plot(self, title: str = "") -> pg.PlotItem:
        """A plot on the second canvas: beside the first in a wide dock, under it in a tall one."""
        if self.side is None:
            self.side = pg.GraphicsLayoutWidget()
            self.side.setMinimumSize(120, 120)
            self.splitter.addWidget(self.side)
        plot = self.side.addPlot(row=0, col=0, title=title)
        plot.setMenuEnabled(False)
        self.plots.append(plot)
        return plot

    def add_image_box(self, row: int, col: int, title: str = "") -> tuple[pg.ViewBox, pg.ImageItem]:
        """A titled, aspect-locked, y-down box with one row-major image."""
        label = self.canvas.addLabel(title, row=row, col=col)
        label.setMaximumHeight(TITLE_HEIGHT)  # the box, not its title, takes the height the row has
        box = self.canvas.addViewBox(row=row + 1, col=col, lockAspect=True, invertY=True, enableMenu=False)
        image = pg.ImageItem(axisOrder="row-major")
        box.addItem(image)
        return box, image

    def show_samples(self, epoch: int, samples: dict) -> None:
        self.epoch = epoch
        self.draw(samples)

    def draw(self, samples: dict) -> None:
        """Draw what `needs` names from `samples`: every view overrides it (QWidget cannot take ABCMeta)."""
        raise TypeError(f"{type(self).__name__} must override draw(): a task view draws its own samples")

    def clear(self) -> None:
        """Forget the last run's pictures."""
        self.epoch = None

    # -- theme --------------------------------------------------------------------------------------------------------
    def restyle(self) -> None:
        """Canvas and axes in the palette's colours; views add their own marks."""
        for canvas in (self.canvas, self.side):
            if canvas is not None:
                canvas.setBackground(background(self))
        for plot in self.plots:
            style_plot(plot, self)

    def text_color(self) -> QColor:
        return self.palette().color(QPalette.Text)


#: class colours for points, bars and label maps (matplotlib's tab10), background first in label maps
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
#: the background class in label maps, per theme: the canvas colour, so shapes stand out
_LABEL_BACKGROUND = {"light": "#ffffff", "dark": "#27292d"}


def class_color(index: int) -> str:
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def label_table(classes: int) -> np.ndarray:
    """(classes, 3) uint8 colours of a label map: the theme's background for class 0, then the class colours."""
    colours = [_LABEL_BACKGROUND[current()]] + [class_color(i) for i in range(max(classes - 1, 0))]
    return np.array([QColor(c).getRgb()[:3] for c in colours[:max(classes, 1)]], dtype=np.uint8)


def image_tiles(images: np.ndarray) -> np.ndarray:
    """Samples as (n, h, w) grey or (n, h, w, 3) colour tiles; a flat square vector becomes a square image."""
    a = np.asarray(images, dtype=np.float32)
    if a.ndim == 2:
        side = int(round(np.sqrt(a.shape[1])))
        return a.reshape(len(a), side, side) if side * side == a.shape[1] else a[:, None, :]
    if a.ndim == 4 and a.shape[-1] == 1:
        return a[..., 0]
    return a


def grid_mosaic(images: np.ndarray, cols: int | None = None, normalise: bool = False) -> Mosaic:
    """`images` laid out in one mosaic (see `mosaic.tile`), for one `setImage`."""
    return tile(image_tiles(images), cols=cols, normalise=normalise)
