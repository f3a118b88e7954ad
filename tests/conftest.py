"""Shared fixtures: tests never touch the user's folders or settings, nor download anything."""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keras reads its configuration (keras.json: backend, image format) and its download cache from
# KERAS_HOME when it is first imported, so the folder is set for the whole session, here.
_KERAS_HOME = tempfile.mkdtemp(prefix="workbench-tests-keras-")
os.environ["KERAS_HOME"] = _KERAS_HOME
os.environ.pop("WORKBENCH_PRESETS", None)


_frozen = False


@pytest.fixture(autouse=True)
def _freeze_tensorflow_heap():
    """Once a test has imported TensorFlow, exempt what is alive from cyclic GC (as the window's
    training worker does), so that each full collection (one per window closed) walks only what
    later tests make instead of TensorFlow's whole heap again (~0.7 s each on a busy CPU)."""
    global _frozen
    if not _frozen and "tensorflow" in sys.modules:
        gc.freeze()
        _frozen = True


@pytest.fixture(autouse=True)
def _user_folders(tmp_path_factory, monkeypatch):
    """Every user folder (runs, blocks, autosaves, settings) in a fresh folder of each test's own.

    `$WORKBENCH_HOME` moves them all (see `workbench.paths`); a profile an earlier test chose
    with `settings.use_directory` is forgotten.
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    settings = sys.modules.get("workbench.ui.settings")
    if settings is not None:
        monkeypatch.setattr(settings, "_override", None)
    return home


@pytest.fixture
def lenet5_window(qtbot, tmp_path):
    """The main window, shown and focused, with LeNet-5 open and its own settings profile."""
    from workbench.spec import load_named
    from workbench.ui import settings
    from workbench.ui.main_window import MainWindow

    settings.use_directory(tmp_path / "profile")
    window = MainWindow(load_tensorflow=False, remember_layout=False, offer_recovery=False)
    window.doc.load(load_named("lenet5"))
    qtbot.addWidget(window, before_close_func=lambda w: w.doc.undo_stack.setClean())
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    yield window
    window.shutdown()


@pytest.fixture(autouse=True, scope="session")
def _clear_clipboard_at_exit():
    """Qt's offscreen platform crashes at interpreter exit (SIGSEGV) if the clipboard
    still holds QMimeData set from Python; clear it once the session ends."""
    yield
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        QApplication.clipboard().clear()


@pytest.fixture(autouse=True, scope="session")
def _remove_keras_home_at_exit():
    yield
    shutil.rmtree(_KERAS_HOME, ignore_errors=True)
