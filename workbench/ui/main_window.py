"""The main window: assembles the canvas, the docks, the actions and the status bar.

Each panel is its own module and talks to the shared `Document`; this file
only creates them, places them, and wires menu actions to the Document, the
canvas and the file controller.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QMenu, QMessageBox, QToolButton

from ..keras_bridge.targets import openable
from ..spec import PresetError, load_named
from ..spec.units import human
from . import settings
from .document import Document
from .files import FileController
from .gallery import GalleryPanel
from .graph.view import GraphView
from .inspector import InspectorPanel
from .netron import NetronOpener
from .palette import LayerPalette
from .problems import ProblemsPanel
from .summary_table import EstimateSettings, SummaryPanel
from .tf_loader import TensorFlowLoader
from .tool_windows import ToolWindows
from .wheel_guard import install as install_wheel_guard
from .theme import apply_theme, mark_color, severity_icon
from .training import TrainingController

APP_TITLE = "Keras Workbench"


def redo_keys() -> list[QKeySequence]:
    """Ctrl+Shift+Z and Ctrl+Y, plus the platform's own Redo keys, each once: the same sequence bound
    twice makes Qt report an ambiguous shortcut and do nothing."""
    keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")] + QKeySequence.keyBindings(QKeySequence.Redo)
    return list({key.toString(): key for key in keys}.values())


class MainWindow(QMainWindow):
    """Gallery and palette on the left, canvas in the centre, inspector and training right, summary,
    problems and the training views below."""

    firstShown = Signal()

    def __init__(self, load_tensorflow: bool = True, remember_layout: bool = True, offer_recovery: bool = True):
        super().__init__()
        self.setObjectName("MainWindow")
        install_wheel_guard(QApplication.instance())
        self.doc = Document(parent=self)
        self.estimate = EstimateSettings(self)
        self.view = GraphView()
        self.view.set_document(self.doc)
        self.setCentralWidget(self.view)

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
        self.actions = self._make_actions()
        self._make_menus()
        self._make_status_bar()
        self._connect()
        self.resize(1600, 1000)
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
                                            ("weights", "Weights", training.weights, "palette")):
            docks[name] = self._dock(title, name, widget, Qt.BottomDockWidgetArea, tab_with=docks[beside])
        docks["palette"].raise_()
        for name in ("summary", "inspector"):
            docks[name].raise_()
        docks["training"].hide()  # until asked for (Training menu, or a run): a second tab would widen the window
        return docks

    def _default_layout(self) -> None:
        d = self.docks
        self.resizeDocks([d["gallery"], d["inspector"]], [320, 380], Qt.Horizontal)
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
        self.resizeDocks([d["gallery"], d["training"]], [max(d["gallery"].width(), 340), max(d["training"].width(), 370)],
                         Qt.Horizontal)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> dict[str, QAction]:
        stack = self.doc.undo_stack
        undo = stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        redo = stack.createRedoAction(self, "&Redo")
        redo.setShortcuts(redo_keys())
        actions = {
            "new": self._action("&New", self.files.new, QKeySequence.New, "Start an empty model"),
            "open": self._action("&Open…", self.files.open_dialog, QKeySequence.Open, "Open a preset or a Keras model"),
            "save": self._action("&Save", self.files.save, QKeySequence.Save, "Save as a preset (.json)"),
            "save_as": self._action("Save &As…", self.files.save_as, QKeySequence("Ctrl+Shift+S")),
            "export": self._action("&Export Model…", self.files.export_dialog, QKeySequence("Ctrl+E"),
                                   "Build with Keras and save as .h5, .keras, a Python script, ONNX, LiteRT or a SavedModel"),
            "quit": self._action("&Quit", self.close, QKeySequence.Quit),
            "undo": undo,
            "redo": redo,
            "cut": self._action("Cu&t", self.view.cut_selection, QKeySequence.Cut),
            "copy": self._action("&Copy", self.view.copy_selection, QKeySequence.Copy),
            "paste": self._action("&Paste", self.view.paste, QKeySequence.Paste),
            "delete": self._action("&Delete", self.view.delete_selection, QKeySequence.Delete,
                                   "Remove the selected layers"),
            "select_all": self._action("Select &All", self.select_all, QKeySequence.SelectAll),
            "rename": self._action("&Rename Layer", self.view.rename_selected, QKeySequence("F2")),
            "fit": self._action("&Fit Graph", self.view.fit, QKeySequence("F"), "Zoom to show the whole graph"),
            "zoom_in": self._action("Zoom &In", self.view.zoom_in, QKeySequence.ZoomIn),
            "zoom_out": self._action("Zoom &Out", self.view.zoom_out, QKeySequence.ZoomOut),
            "collapse_blocks": self._action("&Collapse All Blocks", self.view.collapse_all_blocks,
                                            tip="Show each ResNet block, dense layer or Inception module as one node"),
            "collapse_stages": self._action("Collapse All &Stages", self.view.collapse_all_stages,
                                            tip="Show each stage (a run of blocks) as one node"),
            "expand_all": self._action("E&xpand All", self.view.expand_all, tip="Show every layer"),
            "about": self._action("&About Keras Workbench", self.about),
            "train": self._action("&Train", self.training.start, QKeySequence("Ctrl+T"),
                                  "Train the model with the settings of the training panel"),
            "pause": self._action("&Pause / Resume", self._toggle_pause, QKeySequence("Ctrl+P")),
            "stop": self._action("&Stop", self.training.stop, QKeySequence("Ctrl+."),
                                 "Stop after the current batch; the model and the history so far are saved"),
            "resume_run": self._action("&Resume Run…", self.training.resume_run_dialog,
                                       tip="Continue an earlier run from its last checkpoint"),
            "save_trained": self._action("Save Trained &Model…", self.training.export_dialog,
                                         tip="Save the last run's model as .h5 (with its layout and curves) or .keras"),
            "compare": self._action("&Compare Presets…", self.open_compare, QKeySequence("Ctrl+Shift+K"),
                                    "Train the presets checked in the gallery (or the canvas' model) alike and rank them"),
            "diff_edits": self._action("&Diff Edits Since Last Save", self.diff_edits, QKeySequence("Ctrl+Shift+D"),
                                       "The canvas' model against the version last opened or saved, layer by layer"),
            "diff_checked": self._action("Diff the Two &Checked Presets", self.diff_checked,
                                         tip="Check exactly two presets in the gallery"),
            "netron": self.netron.action,
            "training_views": self._action("Training &Panel", self.show_training_views, QKeySequence("Ctrl+Shift+T"),
                                           "Show the training panel, the curves and the feature maps"),
        }
        # Keys that also edit text act on the layers only while the canvas or the table has focus
        # (a line edit keeps Ctrl+C, Del, F for itself); the single-key ones only on the canvas.
        for key, widgets in (
            ("cut", (self.view, self.summary.table)), ("copy", (self.view, self.summary.table)),
            ("paste", (self.view, self.summary.table)), ("delete", (self.view, self.summary.table)),
            ("select_all", (self.view, self.summary.table)), ("rename", (self.view,)), ("fit", (self.view,)),
            ("zoom_in", (self.view,)), ("zoom_out", (self.view,)),
        ):
            actions[key].setShortcutContext(Qt.WidgetWithChildrenShortcut)
            for widget in widgets:
                widget.addAction(actions[key])
        themes = QActionGroup(self)
        for name in settings.THEMES:
            action = QAction(name.capitalize(), self, checkable=True)
            action.setData(name)
            action.setChecked(name == settings.theme())
            themes.addAction(action)
            actions[f"theme_{name}"] = action
        themes.triggered.connect(self._on_theme_chosen)
        return actions

    def _make_menus(self) -> None:
        a = self.actions
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([a["new"], a["open"]])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([a["save"], a["save_as"], a["export"]])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit = bar.addMenu("&Edit")
        edit.addActions([a["undo"], a["redo"]])
        edit.addSeparator()
        edit.addActions([a["cut"], a["copy"], a["paste"], a["delete"]])
        edit.addSeparator()
        edit.addActions([a["select_all"], a["rename"]])
        train = bar.addMenu("T&raining")
        train.addAction(a["training_views"])
        train.addSeparator()
        train.addActions([a["train"], a["pause"], a["stop"]])
        train.addSeparator()
        train.addActions([a["resume_run"], a["save_trained"]])
        compare = bar.addMenu("&Compare")
        compare.addAction(a["compare"])
        compare.addSeparator()
        compare.addActions([a["diff_edits"], a["diff_checked"]])
        view = bar.addMenu("&View")
        view.addActions([a["fit"], a["zoom_in"], a["zoom_out"]])
        view.addSeparator()
        view.addActions([a["collapse_blocks"], a["collapse_stages"], a["expand_all"]])
        view.addSeparator()
        view.addAction(a["netron"])
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        theme_menu.addActions([a[f"theme_{n}"] for n in settings.THEMES])
        bar.addMenu("&Help").addAction(a["about"])

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
        self._on_training_running(False)
        self._on_gallery_checked([])
        self._on_spec_changed()
        a = self.doc.analysis
        self._on_problem_counts(len(a.errors), len(a.warnings), len(a.notes))

    # -- actions -----------------------------------------------------------------------
    @Slot(str)
    def open_preset(self, slug: str) -> bool:
        try:
            spec = load_named(slug)
        except PresetError as exc:
            QMessageBox.critical(self, "Cannot open preset", "\n".join(exc.problems))
            return False
        return self.files.open_spec(spec)

    @Slot(str)
    def open_path(self, path: str) -> bool:
        """Open a preset or model file; a workbench .h5 also shows the training curves it carries."""
        return self.files.open_path(path)

    @Slot()
    def open_compare(self):
        """The comparison window, with the presets checked in the gallery (else the canvas' model) checked."""
        return self.tools.open_compare(self.gallery.model.checked_slugs(), self.doc.spec)

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
            a, b = (load_named(slug) for slug in slugs)
        except PresetError as exc:
            QMessageBox.critical(self, "Cannot open preset", "\n".join(exc.problems))
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
    def _toggle_pause(self) -> None:
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
    def _on_theme_chosen(self, action: QAction) -> None:
        settings.set_theme(action.data())
        apply_theme(QApplication.instance(), action.data())  # widgets and the canvas follow the palette

    @Slot()
    def _fill_recent_menu(self) -> None:
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
        self.setWindowTitle(f"{APP_TITLE} — {self.doc.spec.name}{'*' if self.doc.dirty else ''}")

    @Slot()
    def _on_spec_changed(self) -> None:
        a = self.doc.analysis
        self.totals_status.setText(f"{human(a.total_params)} params · {human(a.total_macs)} MACs")
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
