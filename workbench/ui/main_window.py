"""The main window: assembles the canvas, the docks, the actions and the status bar.

Each panel is its own module and talks to the shared document (the active
network's `Document`, see `network_tabs`); this file only creates them,
places them, and wires menu actions to the document, the canvas and the file
controller.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QStyle,
    QToolButton,
    QWidget,
)

from ..errors import WorkbenchError
from ..keras_bridge.targets import open_trainable, openable
from ..spec.units import human
from . import settings
from .actions import make_actions, make_menus
from .files import FileController
from .gallery import GalleryPanel
from .graph.view import GraphView
from .inspector import InspectorPanel
from .netron import NetronOpener
from .network_tabs import NetworkDocuments, NetworkTabs
from .palette import LayerPalette
from .problems import ProblemsPanel
from .summary_table import EstimateSettings, SummaryPanel
from .tf_loader import TensorFlowLoader
from .tool_windows import ToolWindows
from .wheel_guard import install as install_wheel_guard
from .background import problem_text
from .theme import apply_theme, mark_color, severity_icon
from .training import TrainingController

APP_TITLE = "Keras Workbench"
#: the window's size on first start, and the side docks' widths at that size
DEFAULT_SIZE = (1600, 1000)
SIDE_WIDTHS = {Qt.LeftDockWidgetArea: 320, Qt.RightDockWidgetArea: 380}
#: a side dock shrinks with the window down to this share of its width above …
SIDE_SHRINK = 0.75
#: … and the docks below take at most this share of the window's height
BOTTOM_SHARE = 0.4


def content_width(widget: QWidget) -> int:
    """The narrowest width that shows `widget` without a sideways scroll bar: its minimum, or for a
    scrolled panel inside it the minimum of what it scrolls plus the vertical scroll bar."""
    width = widget.minimumSizeHint().width()
    for area in widget.findChildren(QScrollArea):
        if area.widgetResizable() and area.widget() is not None:
            extra = area.verticalScrollBar().sizeHint().width() + 2 * area.frameWidth()
            width = max(width, area.widget().minimumSizeHint().width() + extra)
    return width


class MainWindow(QMainWindow):
    """Gallery and palette on the left, canvas in the centre, inspector and training right, summary,
    problems and the training views below."""

    firstShown = Signal()

    def __init__(self, load_tensorflow: bool = True, remember_layout: bool = True, offer_recovery: bool = True):
        super().__init__()
        self.setObjectName("MainWindow")
        install_wheel_guard(QApplication.instance())
        self.doc = NetworkDocuments(self)  # the active network's Document, for every panel
        self.estimate = EstimateSettings(self)
        self.view = GraphView()
        self.editor = NetworkTabs(self.doc, self.view)  # the canvas, with a tab per network of a GAN
        self.setCentralWidget(self.editor)

        self.gallery = GalleryPanel()
        self.palette = LayerPalette(self.doc)
        self.inspector = InspectorPanel(self.doc, self.estimate)
        self.summary = SummaryPanel(self.doc, self.estimate)
        self.problems = ProblemsPanel(self.doc)
        self.files = FileController(self, self.doc, self)
        self.tf_loader = TensorFlowLoader(self)
        self.training = TrainingController(self.doc, self, self)
        self.training.open_spec = self.files.open_spec
        self.tools = ToolWindows(self, self.training)
        self.netron = NetronOpener(self, self.doc)
        self._load_tensorflow = load_tensorflow
        self._remember_layout = remember_layout
        self._offer_recovery = offer_recovery
        self._shown = False

        self.docks = self._make_docks()
        self.actions = make_actions(self)
        make_menus(self)
        self._make_status_bar()
        self._connect()
        self.resize(*DEFAULT_SIZE)
        self._default_layout()
        if remember_layout:
            geometry, state = settings.layout()
            if geometry is not None:
                self.restoreGeometry(geometry)
            if state is not None:
                self.restoreState(state, settings.SETTINGS_VERSION)
        self.setAcceptDrops(True)
        self._update_title()

    # -- assembly ---------------------------------------------------------------
    def _dock(self, title: str, name: str, widget, area, tab_with: QDockWidget | None = None) -> QDockWidget:
        """A dock in `area`, or a tab beside `tab_with` (never side by side first: that would widen the window)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState key
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        if tab_with is None:
            self.addDockWidget(area, dock)
        else:
            self.tabifyDockWidget(tab_with, dock)
        return dock

    def _make_docks(self) -> dict[str, QDockWidget]:
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        docks = {
            "gallery": self._dock("Gallery", "gallery", self.gallery, Qt.LeftDockWidgetArea),
            "palette": self._dock("Layers", "palette", self.palette, Qt.LeftDockWidgetArea),
            "inspector": self._dock("Inspector", "inspector", self.inspector, Qt.RightDockWidgetArea),
            "summary": self._dock("Summary", "summary", self.summary, Qt.BottomDockWidgetArea),
            "problems": self._dock("Problems", "problems", self.problems, Qt.BottomDockWidgetArea),
        }
        self.tabifyDockWidget(docks["summary"], docks["problems"])
        training = self.training
        docks["training"] = self._dock("Training", "training", training.panel, Qt.RightDockWidgetArea,
                                       tab_with=docks["inspector"])
        for name, title, widget, beside in (("curves", "Curves", training.curves, "summary"),
                                            ("evaluation", "Evaluation", training.evaluation, "summary"),
                                            ("runs", "Runs", training.runs, "summary"),
                                            ("feature_maps", "Feature Maps", training.feature_maps, "palette"),
                                            ("weights", "Weights", training.weights, "palette"),
                                            ("task_views", "Task View", training.task_views, "palette")):
            docks[name] = self._dock(title, name, widget, Qt.BottomDockWidgetArea, tab_with=docks[beside])
        docks["palette"].raise_()
        for name in ("summary", "inspector"):
            docks[name].raise_()
        docks["training"].hide()  # until asked for (Training menu, or a run): a second tab would widen the window
        return docks

    def _default_layout(self) -> None:
        d = self.docks
        self.resizeDocks([d["gallery"], d["inspector"]], list(SIDE_WIDTHS.values()), Qt.Horizontal)
        self.resizeDocks([d["gallery"], d["palette"]], [560, 400], Qt.Vertical)
        self.resizeDocks([d["summary"]], [260], Qt.Vertical)

    def show_training_views(self) -> None:
        """Bring the training panel, the curves (below) and the feature maps (left, under the gallery) to the
        front, with room for the charts."""
        d = self.docks
        for name in ("training", "curves", "feature_maps"):
            d[name].show()
            d[name].raise_()
        QTimer.singleShot(0, self._size_training_views)  # once the raised docks are laid out

    @Slot()
    def _size_training_views(self) -> None:
        d = self.docks
        self.resizeDocks([d["curves"]], [max(d["curves"].height(), 400)], Qt.Vertical)
        left = d["gallery"].height() + d["feature_maps"].height()
        self.resizeDocks([d["gallery"], d["feature_maps"]], [left * 3 // 10, left * 7 // 10], Qt.Vertical)
        self.fit_docks()  # widths for the window's size: the training panel's buttons all in view

    def _make_status_bar(self) -> None:
        bar = self.statusBar()
        self.problem_status = QToolButton()
        self.problem_status.setAutoRaise(True)
        self.problem_status.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.problem_status.setToolTip("Show the problems panel")
        self.totals_status = QLabel()
        self.compare_status = QToolButton()
        self.compare_status.setAutoRaise(True)
        self.compare_status.setText("Comparison training…")
        self.compare_status.setToolTip("Show the comparison window")
        self.compare_status.setVisible(False)
        bar.addPermanentWidget(self.compare_status)
        self.tf_status = QLabel("TensorFlow not loaded")
        bar.addPermanentWidget(self.problem_status)
        bar.addPermanentWidget(self.totals_status)
        bar.addPermanentWidget(self.tf_status)

    def _connect(self) -> None:
        self.doc.specChanged.connect(self._on_spec_changed)
        self.doc.dirtyChanged.connect(self._on_dirty_changed)
        self.doc.pathChanged.connect(self._on_path_changed)
        self.gallery.presetActivated.connect(self.open_preset)
        self.gallery.compareRequested.connect(self.open_compare)
        self.gallery.model.checkedChanged.connect(self._on_gallery_checked)
        self.tools.comparisonRunning.connect(self._on_comparison_running)
        self.compare_status.clicked.connect(self.open_compare)
        self.summary.layerClicked.connect(self.view.center_on)
        self.problems.layerClicked.connect(self.view.center_on)
        self.problems.countsChanged.connect(self._on_problem_counts)
        self.problem_status.clicked.connect(self.docks["problems"].raise_)
        self.files.status.connect(self._show_message)
        self.view.statusMessage.connect(self._show_message)
        self.files.exportRunning.connect(self._on_export_running)
        self.tf_loader.loaded.connect(self._on_tensorflow_loaded)
        self.tf_loader.failed.connect(self._on_tensorflow_failed)
        self.training.job.runningChanged.connect(self._on_training_running)
        self.training.openModelRequested.connect(self.open_path)
        self.files.modelOpened.connect(self._on_model_opened)
        self.training.closeRequested.connect(self.close)
        self.training.message.connect(self._show_message)
        self.training.task_views.appeared.connect(self.docks["task_views"].raise_)
        self._on_training_running(False)
        self._on_gallery_checked([])
        self._on_spec_changed()
        a = self.doc.analysis
        self._on_problem_counts(len(a.errors), len(a.warnings), len(a.notes))

    # -- actions -----------------------------------------------------------------------
    @Slot(str)
    def open_preset(self, slug: str) -> bool:
        """A preset of the gallery: one network, or a tab per network of a multi-network preset."""
        try:
            model = open_trainable(slug)
        except WorkbenchError as exc:
            QMessageBox.critical(self, "Cannot open preset", problem_text(exc))
            return False
        return self.files.open_spec(model)

    @Slot(str)
    def open_path(self, path: str) -> bool:
        """Open a preset or model file; a workbench .h5 also shows the training curves it carries."""
        return self.files.open_path(path)

    @Slot()
    def open_compare(self):
        """The comparison window, with the presets checked in the gallery (else the canvas' model) checked; one
        network of a GAN is no candidate on its own."""
        return self.tools.open_compare(self.gallery.model.checked_slugs(), None if self.doc.names() else self.doc.spec)

    @Slot()
    def diff_edits(self):
        """The diff of the model as last opened or saved (A) against the canvas (B)."""
        return self.tools.open_diff(self.doc.baseline, self.doc.spec.copy())

    @Slot()
    def diff_checked(self):
        """The diff of the two presets checked in the gallery, in gallery order."""
        slugs = self.gallery.model.checked_slugs()
        if len(slugs) != 2:
            self._show_message("Check exactly two presets in the gallery to diff them")
            return None
        try:
            a, b = (open_trainable(slug) for slug in slugs)
        except WorkbenchError as exc:
            QMessageBox.critical(self, "Cannot open preset", problem_text(exc))
            return None
        return self.tools.open_diff(a, b)

    @Slot(list)
    def _on_gallery_checked(self, slugs: list) -> None:
        self.actions["diff_checked"].setEnabled(len(slugs) == 2)

    @Slot(bool)
    def _on_comparison_running(self, running: bool) -> None:
        self.compare_status.setVisible(running)
        self._on_training_running(self.training.job.running())

    @Slot(str)
    def _on_model_opened(self, path: str) -> None:
        if path.lower().endswith((".h5", ".hdf5")):
            self.training.show_model_curves(path)

    @Slot()
    def toggle_pause(self) -> None:
        if self.training.job.paused():
            self.training.resume()
        else:
            self.training.pause()

    @Slot(bool)
    def _on_training_running(self, running: bool) -> None:
        a = self.actions
        a["train"].setEnabled(not running and not self.tools.comparison_running())
        a["pause"].setEnabled(running)
        a["stop"].setEnabled(running)
        a["resume_run"].setEnabled(not running and not self.tools.comparison_running())
        a["save_trained"].setEnabled(not running and self.training.job.has_model())
        if running:
            self.show_training_views()

    @Slot()
    def select_all(self) -> None:
        self.doc.set_selection(self.doc.spec.names())

    @Slot()
    def about(self) -> None:
        QMessageBox.about(
            self, f"About {APP_TITLE}",
            f"<b>{APP_TITLE}</b><p>Assemble, inspect, train and compare classic Keras networks.</p>"
            f"<p>{self.tf_loader.description or 'TensorFlow is not loaded yet.'}</p>",
        )

    @Slot(QAction)
    def choose_theme(self, action: QAction) -> None:
        settings.set_theme(action.data())
        apply_theme(QApplication.instance(), action.data())  # widgets and the canvas follow the palette

    @Slot()
    def fill_recent_menu(self) -> None:
        menu: QMenu = self.recent_menu
        menu.clear()
        files = settings.recent_files()
        for i, path in enumerate(files, 1):
            action = menu.addAction(f"&{i % 10}  {path}")
            action.setData(path)
            action.triggered.connect(self._on_recent_chosen)
        if files:
            menu.addSeparator()
            menu.addAction("Clear Recent Files").triggered.connect(self._on_clear_recent)
        else:
            menu.addAction("No recent files").setEnabled(False)

    @Slot()
    def _on_recent_chosen(self) -> None:
        self.open_path(self.sender().data())

    @Slot()
    def _on_clear_recent(self) -> None:
        settings.clear_recent_files()

    # -- state shown in the title and the status bar ----------------------------------
    def _update_title(self) -> None:
        self.setWindowTitle(f"{APP_TITLE} — {self.doc.title}{'*' if self.doc.dirty else ''}")

    @Slot()
    def _on_spec_changed(self) -> None:
        a = self.doc.analysis
        each = "".join(f" · {name} {human(params)}" for name, params in self.doc.network_params())
        self.totals_status.setText(f"{human(a.total_params)} params · {human(a.total_macs)} MACs{each}")
        self._update_title()

    @Slot(bool)
    def _on_dirty_changed(self, dirty: bool) -> None:
        self._update_title()

    @Slot(str)
    def _on_path_changed(self, path: str) -> None:
        self.setWindowFilePath(path)
        self._update_title()

    @Slot(int, int, int)
    def _on_problem_counts(self, errors: int, warnings: int, notes: int) -> None:
        counts = ((errors, "error"), (warnings, "warning"), (notes, "note"))
        parts = [f"{n} {word}{'s' * (n != 1)}" for n, word in counts if n]
        severity = "error" if errors else "warning" if warnings else "note" if notes else "ok"
        self.problem_status.setText(", ".join(parts) if errors or warnings else " · ".join(["builds"] + parts))
        self.problem_status.setIcon(severity_icon(severity))
        count = errors + warnings + notes
        self.docks["problems"].setWindowTitle(f"Problems ({count})" if count else "Problems")

    @Slot(str)
    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    @Slot(bool)
    def _on_export_running(self, running: bool) -> None:
        self.actions["export"].setEnabled(not running)

    @Slot(str)
    def _on_tensorflow_loaded(self, description: str) -> None:
        self.tf_status.setText(description)
        self.training.panel.set_device(description.split(" · ", 1)[-1])
        self.tf_status.setToolTip("TensorFlow and Keras are loaded; training and export are ready")

    @Slot(str)
    def _on_tensorflow_failed(self, message: str) -> None:
        self.tf_status.setText("TensorFlow unavailable")
        self.tf_status.setStyleSheet(f"color: {mark_color('error').name()};")
        self.tf_status.setToolTip(message)

    # -- window events -------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        old = event.oldSize()
        if self._shown and old.isValid() and old != event.size():
            self.fit_docks()

    def fit_docks(self) -> None:
        """Share a resized window out again: QMainWindow gives all of a change to the canvas, so docks
        squeezed in a small window stayed narrow once it grew, and panels scrolled sideways hiding their
        buttons. Each side dock gets its width at the default size scaled to the window (not below
        SIDE_SHRINK of it), never less than its content needs; where the window is too narrow for both,
        the right one (the training panel's buttons) is served first. The bottom docks get at most
        BOTTOM_SHARE of the height."""
        scale = max(SIDE_SHRINK, min(1.0, self.width() / DEFAULT_SIZE[0]))
        left, right = self._docked(Qt.LeftDockWidgetArea), self._docked(Qt.RightDockWidgetArea)
        middle = max([self.centralWidget().minimumSizeHint().width()]
                     + [d.minimumSizeHint().width() for d in self._docked(Qt.BottomDockWidgetArea)])
        room = self.width() - middle - 4 * self.style().pixelMetric(QStyle.PM_DockWidgetSeparatorExtent)
        docks, widths = [], []
        if right:
            need = max(content_width(d.widget()) for d in right)
            docks.append(right[0])
            widths.append(max(need, round(SIDE_WIDTHS[Qt.RightDockWidgetArea] * scale)))
        if left:
            need = max(d.minimumSizeHint().width() for d in left)
            docks.append(left[0])
            widths.append(max(need, min(round(SIDE_WIDTHS[Qt.LeftDockWidgetArea] * scale), room - sum(widths))))
        self.resizeDocks(docks, widths, Qt.Horizontal)
        bottom = self._docked(Qt.BottomDockWidgetArea)
        if bottom and bottom[0].height() > self.height() * BOTTOM_SHARE:
            self.resizeDocks(bottom[:1], [int(self.height() * BOTTOM_SHARE)], Qt.Vertical)

    def _docked(self, area) -> list[QDockWidget]:
        return [d for d in self.docks.values() if self.dockWidgetArea(d) == area and d.isVisible() and not d.isFloating()]

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            if self._load_tensorflow:
                self.tf_status.setText("Loading TensorFlow…")
            QTimer.singleShot(0, self._after_first_show)

    @Slot()
    def _after_first_show(self) -> None:
        """Everything that may wait until the window is on screen."""
        self.firstShown.emit()
        if self.width() < DEFAULT_SIZE[0]:  # opened small (--size, a small screen): docks as a resize would set them
            self.fit_docks()
        if self._load_tensorflow:
            self.tf_loader.start()
        self.gallery.start()
        if self._offer_recovery:
            self.files.offer_recovery()

    def dragEnterEvent(self, event) -> None:
        if any(openable(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile() and openable(u.toLocalFile())]
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    def closeEvent(self, event) -> None:
        if not self.training.ready_to_close():  # a run is stopping: the window closes once it has saved
            event.ignore()
            return
        if self.tools.comparison_running() and not self._cancel_comparison_to_close():
            event.ignore()
            return
        if not self.files.maybe_save():
            event.ignore()
            return
        if self._remember_layout:
            settings.save_layout(self.saveGeometry(), self.saveState(settings.SETTINGS_VERSION))
        self.shutdown()
        event.accept()

    def _cancel_comparison_to_close(self) -> bool:
        answer = QMessageBox.question(
            self, "A comparison is training",
            "A comparison is still training. Cancel it and quit? Finished runs and their reports are kept.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def shutdown(self) -> None:
        """Stop timers and wait for worker threads, so none outlives the window."""
        self.tools.shutdown()
        self.training.shutdown()
        self.netron.shutdown()
        self.files.shutdown()
        self.tf_loader.shutdown()
        # Qt objects in reference cycles (pyqtgraph's menus, say) are freed here, in the GUI thread, rather
        # than by a collection some worker thread runs later (a Qt delete from there can deadlock)
        gc.collect()
