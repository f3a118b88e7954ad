"""The main window's actions and menus: one place that names every command, its keys and where it sits.

Kept apart from `main_window` so the window's module holds only the
assembly of panels and the slots the actions call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from . import settings

if TYPE_CHECKING:
    from .main_window import MainWindow


def redo_keys() -> list[QKeySequence]:
    """Ctrl+Shift+Z and Ctrl+Y, plus the platform's own Redo keys, each once: the same sequence bound
    twice makes Qt report an ambiguous shortcut and do nothing."""
    keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")] + QKeySequence.keyBindings(QKeySequence.Redo)
    return list({key.toString(): key for key in keys}.values())


def _action(window: QMainWindow, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action

def make_actions(window: MainWindow) -> dict[str, QAction]:
    """Every action of the window by name, with its shortcut, its status tip and its slot."""
    stack = window.doc.undo_group  # the active network's undo history
    undo = stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.Undo)
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts(redo_keys())
    actions = {
        "new": _action(window, "&New", window.files.new, QKeySequence.New, "Start an empty model"),
        "open": _action(window, "&Open…", window.files.open_dialog, QKeySequence.Open, "Open a preset or a Keras model"),
        "save": _action(window, "&Save", window.files.save, QKeySequence.Save, "Save as a preset (.json)"),
        "save_as": _action(window, "Save &As…", window.files.save_as, QKeySequence("Ctrl+Shift+S")),
        "export": _action(window, "&Export Model…", window.files.export_dialog, QKeySequence("Ctrl+E"),
                               "Build with Keras and save as .h5, .keras, a Python script, ONNX, LiteRT or a SavedModel"),
        "quit": _action(window, "&Quit", window.close, QKeySequence.Quit),
        "undo": undo,
        "redo": redo,
        "cut": _action(window, "Cu&t", window.view.cut_selection, QKeySequence.Cut),
        "copy": _action(window, "&Copy", window.view.copy_selection, QKeySequence.Copy),
        "paste": _action(window, "&Paste", window.view.paste, QKeySequence.Paste),
        "delete": _action(window, "&Delete", window.view.delete_selection, QKeySequence.Delete,
                               "Remove the selected layers"),
        "select_all": _action(window, "Select &All", window.select_all, QKeySequence.SelectAll),
        "rename": _action(window, "&Rename Layer", window.view.rename_selected, QKeySequence("F2")),
        "fit": _action(window, "&Fit Graph", window.view.fit, QKeySequence("F"), "Zoom to show the whole graph"),
        "zoom_in": _action(window, "Zoom &In", window.view.zoom_in, QKeySequence.ZoomIn),
        "zoom_out": _action(window, "Zoom &Out", window.view.zoom_out, QKeySequence.ZoomOut),
        "collapse_blocks": _action(window, "&Collapse All Blocks", window.view.collapse_all_blocks,
                                        tip="Show each ResNet block, dense layer or Inception module as one node"),
        "collapse_stages": _action(window, "Collapse All &Stages", window.view.collapse_all_stages,
                                        tip="Show each stage (a run of blocks) as one node"),
        "expand_all": _action(window, "E&xpand All", window.view.expand_all, tip="Show every layer"),
        "about": _action(window, "&About Keras Workbench", window.about),
        "train": _action(window, "&Train", window.training.start, QKeySequence("Ctrl+T"),
                              "Train the model with the settings of the training panel"),
        "pause": _action(window, "&Pause / Resume", window.toggle_pause, QKeySequence("Ctrl+P")),
        "stop": _action(window, "&Stop", window.training.stop, QKeySequence("Ctrl+."),
                             "Stop after the current batch; the model and the history so far are saved"),
        "resume_run": _action(window, "&Resume Run…", window.training.resume_run_dialog,
                                   tip="Continue an earlier run from its last checkpoint"),
        "save_trained": _action(window, "Save Trained &Model…", window.training.export_dialog,
                                     tip="Save the last run's model as .h5 (with its layout and curves) or .keras"),
        "compare": _action(window, "&Compare Presets…", window.open_compare, QKeySequence("Ctrl+Shift+K"),
                                "Train the presets checked in the gallery (or the canvas' model) alike and rank them"),
        "diff_edits": _action(window, "&Diff Edits Since Last Save", window.diff_edits, QKeySequence("Ctrl+Shift+D"),
                                   "The canvas' model against the version last opened or saved, layer by layer"),
        "diff_checked": _action(window, "Diff the Two &Checked Presets", window.diff_checked,
                                     tip="Check exactly two presets in the gallery"),
        "netron": window.netron.action,
        "training_views": _action(window, "Training &Panel", window.show_training_views, QKeySequence("Ctrl+Shift+T"),
                                       "Show the training panel, the curves and the feature maps"),
    }
    # Keys that also edit text act on the layers only while the canvas or the table has focus
    # (a line edit keeps Ctrl+C, Del, F for itself); the single-key ones only on the canvas.
    for key, widgets in (
        ("cut", (window.view, window.summary.table)), ("copy", (window.view, window.summary.table)),
        ("paste", (window.view, window.summary.table)), ("delete", (window.view, window.summary.table)),
        ("select_all", (window.view, window.summary.table)), ("rename", (window.view,)), ("fit", (window.view,)),
        ("zoom_in", (window.view,)), ("zoom_out", (window.view,)),
    ):
        actions[key].setShortcutContext(Qt.WidgetWithChildrenShortcut)
        for widget in widgets:
            widget.addAction(actions[key])
    themes = QActionGroup(window)
    for name in settings.THEMES:
        action = QAction(name.capitalize(), window, checkable=True)
        action.setData(name)
        action.setChecked(name == settings.theme())
        themes.addAction(action)
        actions[f"theme_{name}"] = action
    themes.triggered.connect(window.choose_theme)
    return actions

def make_menus(window: MainWindow) -> None:
    """The menu bar, from the window's actions and docks."""
    a = window.actions
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["new"], a["open"]])
    window.recent_menu = file_menu.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(window.fill_recent_menu)
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
    for dock in window.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    theme_menu = view.addMenu("&Theme")
    theme_menu.addActions([a[f"theme_{n}"] for n in settings.THEMES])
    bar.addMenu("&Help").addAction(a["about"])
