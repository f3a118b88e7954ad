"""The comparison and the architecture-diff windows, opened from the main window's Compare menu.

Each is a top-level window rather than a dock: a leaderboard with its charts,
or two canvases side by side, wants a screen of its own.  A window is made
on first use and kept; closing it only hides it, and a comparison goes on
training meanwhile (the menu brings it back, the status bar says it runs).

Training in the main window and a comparison never run at once: both train
with Keras in a worker thread and call `keras.backend.clear_session()`
between runs, which resets the global state every thread shares.  Whichever
starts first disables the other and says why.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..spec import ModelSpec
from .compare_view import CompareView
from .compare_view.sweep_tab import SweepTab
from .diff_view import DiffView

COMPARE_SIZE = (1400, 860)
DIFF_SIZE = (1500, 900)
TRAINING_BLOCKS_COMPARISON = "Training runs in the main window; compare once it has finished or been stopped."
COMPARISON_BLOCKS_TRAINING = "A comparison is training; train here once it has finished or been cancelled."
SWEEP_BLOCKS_COMPARISON = "A sweep is training; compare once it has finished or been stopped."
COMPARISON_BLOCKS_SWEEP = "A comparison is training; sweep once it has finished or been cancelled."


class ToolWindow(QWidget):
    """A top-level window around one view; closing it hides it (Ctrl+W too)."""

    def __init__(self, title: str, view: QWidget, size: tuple[int, int], parent: QWidget):
        super().__init__(parent, Qt.Window)
        self.view = view
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(view)
        self.resize(*size)
        QShortcut(QKeySequence.Close, self, self.close)

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()


class ToolWindows(QObject):
    """Makes, shows and shuts down the comparison and diff windows of one main window.

    `comparisonRunning(bool)` follows the comparison's worker; the main window
    shows it in the status bar and keeps its own Train action in step.
    """

    comparisonRunning = Signal(bool)

    def __init__(self, main_window: QWidget, training):
        super().__init__(main_window)
        self.main_window = main_window
        self.training = training
        self.compare_window: ToolWindow | None = None
        self.diff_window: ToolWindow | None = None
        training.job.runningChanged.connect(self._on_training_running)

    # -- comparison ------------------------------------------------------------------
    @property
    def compare_view(self) -> CompareView:
        """The comparison view (the window's first tab), made on first use."""
        return self._compare_tabs().widget(0)

    @property
    def sweep_tab(self) -> SweepTab:
        """The Sweep tab of the comparison window, made on first use."""
        return self._compare_tabs().widget(1)

    def _compare_tabs(self) -> QTabWidget:
        if self.compare_window is None:
            tabs = QTabWidget()
            tabs.addTab(CompareView(), "Compare")
            tabs.addTab(SweepTab(), "Sweep")
            for index in range(2):
                tabs.widget(index).runningChanged.connect(self._on_comparison_running)
            self.compare_window = ToolWindow("Compare presets — Keras Workbench", tabs, COMPARE_SIZE,
                                             self.main_window)
            self._update_blocks()
        return self.compare_window.view

    def open_compare(self, slugs: list[str], canvas: ModelSpec | None = None) -> CompareView:
        """Show the comparison with exactly the presets `slugs` checked; the canvas' model is offered
        as a candidate too (checked only when no preset is)."""
        view = self.compare_view
        if not view.running():
            checked = list(slugs)
            if canvas is not None and canvas.layers:
                label = canvas_label(canvas)
                view.add_spec(label, canvas, checked=not slugs)
                if not self.sweep_tab.running():
                    self.sweep_tab.add_spec(label, canvas, checked=not slugs)
                if not slugs:
                    checked.append(label)
            view.set_checked(checked)
        self.compare_window.present()
        return view

    def comparison_running(self) -> bool:
        """A comparison or a sweep trains."""
        return self.compare_window is not None and (self.compare_view.running() or self.sweep_tab.running())

    @Slot(bool)
    def _on_comparison_running(self, _running: bool) -> None:
        running = self.comparison_running()
        self.training.set_blocked(COMPARISON_BLOCKS_TRAINING if running else None)
        self._update_blocks()
        self.comparisonRunning.emit(running)

    @Slot(bool)
    def _on_training_running(self, _running: bool) -> None:
        if self.compare_window is not None:
            self._update_blocks()

    def _update_blocks(self) -> None:
        """One of training, comparison and sweep at a time: each says why while another runs."""
        training = TRAINING_BLOCKS_COMPARISON if self.training.job.running() else None
        compare, sweep = self.compare_view, self.sweep_tab
        compare.set_blocked(training or (SWEEP_BLOCKS_COMPARISON if sweep.running() else None))
        sweep.set_blocked(training or (COMPARISON_BLOCKS_SWEEP if compare.running() else None))

    # -- diff -----------------------------------------------------------------------------
    def open_diff(self, a, b) -> DiffView:
        """Show the diff of `a` (before) against `b` (after): specs, or multi-network presets network by network."""
        if self.diff_window is None:
            self.diff_window = ToolWindow("Architecture diff — Keras Workbench", DiffView(), DIFF_SIZE,
                                          self.main_window)
        view = self.diff_window.view
        view.set_models(a, b)
        self.diff_window.present()
        return view

    # -- closing --------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Cancel a comparison and wait for its worker, so no thread outlives the window."""
        if self.compare_window is not None:
            self.compare_view.shutdown()
            self.sweep_tab.shutdown()


def canvas_label(spec: ModelSpec) -> str:
    """How the canvas' model is named among the candidates (distinct from a preset's slug)."""
    return f"canvas: {spec.name}"
