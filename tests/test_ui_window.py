"""The assembled main window: title, gallery, undo, files, prompts, autosave, drops, layout."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from workbench.spec import ModelSpec, analyze, load_named, load_preset, preset_paths, save_preset
from workbench.ui import settings
from workbench.ui.files import Autosave
from workbench.ui.main_window import MainWindow

LENET_NAMES = ["c1", "s2", "c3", "s4", "flatten", "c5", "f6", "f7"]


@pytest.fixture(autouse=True)
def profile(tmp_path):
    """Settings and autosaves in a temporary folder, never the user's."""
    settings.use_directory(tmp_path / "profile")
    return tmp_path / "profile"


class Answers:
    """Stands in for QMessageBox's modal dialogs: records each one and gives a scripted answer."""

    def __init__(self, monkeypatch, answer=QMessageBox.Discard):
        self.answer = answer
        self.asked: list[str] = []
        self.errors: list[str] = []
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QMessageBox, "critical", self._critical)
        monkeypatch.setattr(QMessageBox, "warning", self._critical)

    def _question(self, parent, title, text, *args):
        self.asked.append(text)
        return self.answer

    def _critical(self, parent, title, text, *args):
        self.errors.append(text)
        return QMessageBox.Ok


#: every window a test made, held until pytest-qt has closed them all: a window only a finished test's frame
#: referenced would otherwise be garbage-collected while another one closes, and torn down half-cleared
_WINDOWS: list[MainWindow] = []


@pytest.fixture(autouse=True)
def _keep_windows():
    yield
    _WINDOWS.clear()


def make_window(qtbot, **options) -> MainWindow:
    options = {"load_tensorflow": False, "offer_recovery": False, **options}
    window = MainWindow(**options)
    _WINDOWS.append(window)
    window.doc.load(load_named("lenet5"))
    qtbot.addWidget(window, before_close_func=lambda w: w.doc.undo_stack.setClean())
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


@pytest.fixture
def answers(monkeypatch):
    return Answers(monkeypatch)


def test_title_names_the_model_and_marks_unsaved_changes(window):
    assert window.windowTitle() == "Keras Workbench — LeNet-5"
    window.doc.set_config("c1", "filters", 8)
    assert window.windowTitle() == "Keras Workbench — LeNet-5*"
    window.actions["undo"].trigger()
    assert window.windowTitle() == "Keras Workbench — LeNet-5"


def test_double_clicking_a_gallery_card_opens_the_preset(qtbot, window, answers):
    slug = "resnet18" if "resnet18" in preset_paths() else next(s for s in preset_paths() if s != "lenet5")
    expected = load_named(slug)
    window.gallery.list.scrollTo(window.gallery.index_of(slug))
    rect = window.gallery.list.visualRect(window.gallery.index_of(slug))
    qtbot.mouseClick(window.gallery.list.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.gallery.list.viewport(), Qt.LeftButton, pos=rect.center())
    assert window.windowTitle() == f"Keras Workbench — {expected.name}"
    assert window.doc.spec.to_dict() == expected.to_dict()
    assert window.doc.path is None  # a bundled preset is never overwritten by Save
    assert window.summary.model.rowCount() == len(expected.layers) + 1


def test_undo_and_redo_actions_restore_the_spec(window):
    original = window.doc.spec.to_dict()
    window.doc.set_selection(["c3"])
    window.inspector.layer_form.editor("filters").box.setValue(20)
    edited = window.doc.spec.to_dict()
    assert window.doc.spec.layer("c3").config["filters"] == 20
    assert window.actions["undo"].shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in window.actions["redo"].shortcuts()]
    window.actions["undo"].trigger()
    assert window.doc.spec.to_dict() == original
    assert window.inspector.layer_form.editor("filters").value() == 16
    assert window.summary.total("Params") == "61.7K  (61,706)"
    window.actions["redo"].trigger()
    assert window.doc.spec.to_dict() == edited


def test_palette_double_click_in_the_window_adds_a_node(window):
    window.doc.set_selection(["f6"])
    window.palette.item("Dropout").treeWidget().itemActivated.emit(window.palette.item("Dropout"), 0)
    assert window.doc.spec.names() == ["c1", "s2", "c3", "s4", "flatten", "c5", "f6", "dropout", "f7"]
    assert window.doc.selection() == ["dropout"]
    assert window.inspector.layer_form.layer_name == "dropout"


def test_delete_copy_and_paste_actions(window):
    window.doc.set_selection(["f6"])
    window.actions["copy"].trigger()
    window.actions["delete"].trigger()
    assert "f6" not in window.doc.spec.names()
    assert window.doc.spec.edges()["f7"] == ["c5"]
    window.doc.set_selection(["c5"])
    window.actions["paste"].trigger()
    assert window.doc.selection() == ["f6"] and window.doc.spec.edges()["f6"] == ["c5"]
    assert window.doc.analysis.layers["f6"].params == 120 * 84 + 84


def test_save_then_open_round_trips_a_preset(tmp_path, window, answers):
    window.doc.set_config("c1", "filters", 8)
    target = tmp_path / "my_lenet.json"
    assert window.files.save_to(target)
    assert not window.doc.dirty and window.windowTitle() == "Keras Workbench — LeNet-5"
    assert load_preset(target).to_dict() == window.doc.spec.to_dict()
    assert settings.recent_files()[0] == str(target.resolve())

    window.doc.set_config("c1", "filters", 4)
    window.actions["save"].trigger()  # the document has a path now: no dialog
    assert load_preset(target).layer("c1").config["filters"] == 4

    window.files.new()  # clean: no question asked
    assert answers.asked == [] and window.doc.spec.layers == []
    assert window.files.open_path(target)
    assert window.doc.spec.layer("c1").config["filters"] == 4
    assert window.doc.path == target and window.windowTitle() == "Keras Workbench — LeNet-5"


def test_an_invalid_graph_can_still_be_saved_and_reopened(tmp_path, window):
    window.doc.set_config("c3", "kernel_size", 16)
    assert not window.doc.analysis.ok
    target = tmp_path / "work_in_progress.json"
    assert window.files.save_to(target)
    reopened = load_preset(target)
    assert reopened.layer("c3").config["kernel_size"] == 16
    assert [str(p) for p in analyze(reopened).errors] == ["c3: kernel 16 is larger than its input 14 (padding 'valid')"]


def test_save_as_asks_for_a_file_and_adds_the_suffix(tmp_path, window, monkeypatch):
    chosen = tmp_path / "renamed"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    assert window.actions["save"].trigger() is None
    assert (tmp_path / "renamed.json").exists() and window.doc.path == tmp_path / "renamed.json"


def test_a_bad_file_is_reported_and_the_document_is_untouched(tmp_path, window, answers):
    bad = tmp_path / "broken.json"
    bad.write_text('{"workbench_preset": 1, "name": "x", "layers": [', encoding="utf-8")
    before = window.doc.spec.to_dict()
    assert not window.files.open_path(bad)
    assert len(answers.errors) == 1
    assert "broken.json" in answers.errors[0] and "invalid JSON" in answers.errors[0]
    assert window.doc.spec.to_dict() == before

    fake = tmp_path / "fake.h5"
    fake.write_bytes(b"not an hdf5 file at all")
    assert not window.files.open_path(fake)
    assert "fake.h5" in answers.errors[1]
    assert window.doc.spec.to_dict() == before


def test_opening_an_h5_model_shows_its_layers(tmp_path, window):
    import keras  # noqa: F401  (the bridge builds with Keras; imported here, never by the window)

    from workbench.keras_bridge import build

    path = tmp_path / "lenet.h5"
    build(load_named("lenet5")).save(path)
    assert window.files.open_path(path)
    assert window.doc.spec.names() == LENET_NAMES
    assert window.doc.analysis.total_params == 61_706 and window.doc.analysis.ok
    assert window.summary.model.rowCount() == 9
    assert window.summary.total("Params") == "61.7K  (61,706)"
    assert window.doc.path is None  # Save writes a preset, never over the model file
    assert settings.recent_files()[0] == str(path.resolve())


@pytest.mark.parametrize("answer", [QMessageBox.Cancel, QMessageBox.Discard, QMessageBox.Save])
def test_unsaved_changes_prompt(tmp_path, window, monkeypatch, answer):
    answers = Answers(monkeypatch, answer)
    saved_to = tmp_path / "kept.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved_to), ""))
    window.doc.set_config("c1", "filters", 8)
    edited = window.doc.spec.to_dict()
    opened = window.open_preset("resnet18" if "resnet18" in preset_paths() else "alexnet")
    assert answers.asked and "LeNet-5" in answers.asked[0]
    if answer == QMessageBox.Cancel:
        assert not opened and window.doc.spec.to_dict() == edited and window.doc.dirty
    else:
        assert opened and window.doc.spec.name != "LeNet-5"
    assert saved_to.exists() == (answer == QMessageBox.Save)
    if answer == QMessageBox.Save:
        assert load_preset(saved_to).to_dict() == edited


def test_closing_with_unsaved_changes_can_be_cancelled(qtbot, window, monkeypatch):
    answers = Answers(monkeypatch, QMessageBox.Cancel)
    window.doc.set_config("c1", "filters", 8)
    window.close()
    assert window.isVisible() and len(answers.asked) == 1
    answers.answer = QMessageBox.Discard
    window.close()
    assert not window.isVisible()


def test_autosave_is_offered_back_after_a_crash(qtbot, window, answers):
    window.doc.set_config("c1", "filters", 8)
    window.files.autosave_now()
    own = window.files.autosave.path
    data = json.loads(own.read_text(encoding="utf-8"))
    assert data["preset"]["layers"][0]["config"]["filters"] == 8
    assert Autosave.orphans() == []  # our own file, and its lock is held: not an orphan

    crashed = own.with_name("autosave-999999999.json")  # as left by a process that died
    crashed.write_text(own.read_text(encoding="utf-8"), encoding="utf-8")
    assert Autosave.orphans() == [crashed]
    window.doc.undo_stack.setClean()
    window.files.autosave_now()
    assert not own.exists()  # nothing unsaved, nothing kept

    answers.answer = QMessageBox.Yes
    second = make_window(qtbot)
    assert second.files.offer_recovery()
    assert "did not shut down cleanly" in answers.asked[-1]
    assert second.doc.spec.layer("c1").config["filters"] == 8
    assert second.doc.dirty and second.windowTitle().endswith("*")
    assert not crashed.exists() and second.files.autosave.path.exists()


def test_dropping_a_file_on_the_window_opens_it(tmp_path, window, answers):
    path = tmp_path / "dropped.json"
    spec = load_named("lenet5")
    spec.name = "Dropped LeNet"
    save_preset(spec, path)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(400, 300), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    assert window.windowTitle() == "Keras Workbench — Dropped LeNet"
    assert window.doc.path == path


def test_theme_geometry_and_docks_persist(qtbot, window):
    window.actions["theme_dark"].trigger()
    assert settings.theme() == "dark"
    window.docks["inspector"].hide()
    window.resize(window.width(), 540)
    window.close()
    again = make_window(qtbot)
    assert again.height() == 540  # (the width is clamped to the small offscreen screen)
    assert again.docks["inspector"].isHidden() and not again.docks["gallery"].isHidden()
    assert again.actions["theme_dark"].isChecked()
    again.actions["theme_light"].trigger()


def test_new_model_is_empty_and_editable(window, answers):
    assert window.files.new()
    spec: ModelSpec = window.doc.spec
    assert spec.name == "Untitled" and spec.layers == []
    name = window.palette.add("Conv2D")
    assert window.doc.spec.names() == [name]
    # the palette's starter Conv2D (32 filters, 3×3) on the 28×28×1 input: 3·3·1·32 + 32
    assert window.summary.total("Params") == "320  (320)"
    assert window.doc.analysis.layers[name].output_shape == (26, 26, 32)


def test_export_builds_in_a_worker_thread_and_reports_back(tmp_path, qtbot, window, answers):
    from workbench.keras_bridge import read_spec

    target = tmp_path / "lenet.h5"
    done = window.files.exportRunning  # emits False when the export has finished or failed
    with qtbot.waitSignal(done, check_params_cb=lambda running: not running, timeout=120_000):
        window.files.export_to(target)
        assert not window.actions["export"].isEnabled()
    assert answers.errors == [] and window.actions["export"].isEnabled()
    assert read_spec(target).names() == LENET_NAMES

    with qtbot.waitSignal(done, check_params_cb=lambda running: not running, timeout=120_000):
        window.files.export_to(tmp_path / "missing" / "folder" / "lenet.h5")
    assert len(answers.errors) == 1 and "missing" in answers.errors[0]

    window.doc.set_config("c3", "kernel_size", 16)  # kernel larger than its 14×14 input
    assert not window.files.export_dialog()
    assert "c3" in answers.errors[1] and "kernel 16 is larger than its input 14" in answers.errors[1]
