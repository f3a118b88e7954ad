"""Comparison and diff reached from the main window: gallery check boxes, the Compare menu, the windows,
training and comparing never at once, and quitting while a comparison trains."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from workbench.compare.results import CANCELLED, FINISHED
from workbench.errors import WorkbenchError
from workbench.spec import analyze, load_named
from workbench.ui import settings
from workbench.ui.compare_view import COLUMN_NAMES
from workbench.ui.gallery import GalleryPanel
from workbench.ui.main_window import MainWindow
from workbench.ui.tool_windows import COMPARISON_BLOCKS_TRAINING, TRAINING_BLOCKS_COMPARISON, canvas_label

from specs import mlp

RUN_TIMEOUT_MS = 120_000


@pytest.fixture(autouse=True)
def isolated(tmp_path):
    settings.use_directory(tmp_path / "profile")


@pytest.fixture
def window(qtbot):
    window = MainWindow(load_tensorflow=False, remember_layout=False, offer_recovery=False)
    window.doc.load(load_named("lenet5"))
    qtbot.addWidget(window, before_close_func=lambda w: w.doc.undo_stack.setClean())  # no "save changes?"
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.shutdown()


def checked_candidates(view) -> list[str]:
    items = (view.candidates.item(i) for i in range(view.candidates.count()))
    return [item.text() for item in items if item.checkState() == Qt.Checked]


def cell(view, row: int, column: str) -> str:
    return view.proxy.index(row, COLUMN_NAMES.index(column)).data()


# -- gallery check boxes --------------------------------------------------------------------------------------------
def test_gallery_check_boxes_toggle_on_click_and_feed_compare(qtbot):
    panel = GalleryPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 700)
    panel.show()
    qtbot.waitExposed(panel)
    opened, compared = [], []
    panel.presetActivated.connect(opened.append)
    panel.compareRequested.connect(compared.append)
    delegate = panel.list.itemDelegate()

    def box(slug: str) -> QPoint:
        return delegate.check_rect(panel.list.visualRect(panel.index_of(slug))).center()

    slugs = panel.model.slugs()
    first, second = slugs[0], slugs[1]
    qtbot.mouseClick(panel.list.viewport(), Qt.LeftButton, pos=box(first))
    qtbot.mouseClick(panel.list.viewport(), Qt.LeftButton, pos=box(second))
    assert panel.model.checked_slugs() == [first, second]
    assert panel.checked_label.text() == "2 checked" and panel.clear_button.isEnabled()
    qtbot.mouseClick(panel.list.viewport(), Qt.LeftButton, pos=box(first))
    assert panel.model.checked_slugs() == [second]
    qtbot.mouseDClick(panel.list.viewport(), Qt.LeftButton, pos=box(first))  # on the box: no opening
    assert opened == []
    rect = panel.list.visualRect(panel.index_of(first))
    qtbot.mouseDClick(panel.list.viewport(), Qt.LeftButton, pos=rect.center())  # elsewhere on the card: opens
    assert opened == [first]

    panel.compare_button.click()
    assert compared == [[second]]
    panel.clear_button.click()
    assert panel.model.checked_slugs() == [] and not panel.clear_button.isEnabled()


# -- the Compare menu -------------------------------------------------------------------------------------------------
def test_compare_opens_with_the_checked_presets_and_offers_the_canvas(window):
    window.gallery.model.set_checked(["resnet18", "lenet5"])
    window.actions["compare"].trigger()
    view = window.tools.compare_view
    assert window.tools.compare_window.isVisible()
    assert checked_candidates(view) == ["lenet5", "resnet18"]
    label = canvas_label(window.doc.spec)
    assert label == "canvas: LeNet-5" and view.candidates.findItems(label, Qt.MatchExactly)

    # with nothing checked in the gallery, the canvas' model (as edited now) is the candidate
    window.gallery.model.set_checked([])
    window.doc.set_config("c1", "filters", 8)
    window.open_compare()
    assert checked_candidates(view) == [label]
    assert len(view.candidates.findItems(label, Qt.MatchExactly)) == 1  # replaced, not added twice
    [entry] = view.checked_entries()
    assert analyze(entry.spec).total_params == analyze(window.doc.spec).total_params == 61_706 + 852


def test_a_comparison_blocks_training_and_training_blocks_a_comparison(window, qtbot, tmp_path):
    window.doc.load(mlp("xor-mlp", 4))
    view = window.open_compare()
    view.add_spec("wider", mlp("wider", 8))
    assert checked_candidates(view) == ["canvas: xor-mlp", "wider"]
    view.dataset.setEditText("xor")
    view.epochs.setValue(1)
    view.batch_size.setValue(64)
    view.out_dir.setText(str(tmp_path / "cmp"))

    with qtbot.waitSignal(view.comparisonFinished, timeout=RUN_TIMEOUT_MS) as finished:
        view.run_button.click()
        assert view.running() and window.tools.comparison_running()
        assert not window.actions["train"].isEnabled() and window.compare_status.isVisible()
        assert not window.training.start()
        assert window.training.panel.external_blocker == COMPARISON_BLOCKS_TRAINING
    records = finished.args[0]
    assert [r.status for r in records] == [FINISHED, FINISHED]
    assert [r.params for r in records] == [2 * 4 + 4 + 4 * 2 + 2, 2 * 8 + 8 + 8 * 2 + 2]
    assert cell(view, 1, "Params") == "42"
    assert (tmp_path / "cmp" / "comparison.csv").is_file()
    qtbot.waitUntil(lambda: window.actions["train"].isEnabled(), timeout=10_000)
    assert not window.compare_status.isVisible() and window.training.panel.external_blocker is None

    # the other way round: training in the window disables the comparison's Train button
    panel = window.training.panel
    panel.choose_dataset("xor")
    panel.activate()
    qtbot.waitUntil(lambda: panel.dataset is not None, timeout=30_000)
    panel.epochs.setValue(200)
    assert window.training.start()
    qtbot.waitUntil(lambda: not view.run_button.isEnabled(), timeout=5_000)
    assert view.run_button.toolTip() == f"Unavailable: {TRAINING_BLOCKS_COMPARISON}"
    with pytest.raises(WorkbenchError, match="Training runs in the main window"):
        view.start(view.checked_entries(), "xor", None, tmp_path / "other")
    window.training.stop()
    qtbot.waitSignal(window.training.finished, timeout=RUN_TIMEOUT_MS).wait()
    qtbot.waitUntil(view.run_button.isEnabled, timeout=10_000)


def test_quitting_while_a_comparison_trains_asks_then_cancels_it(window, qtbot, tmp_path, monkeypatch):
    from workbench.compare.runner import make_entries
    from workbench.train import TrainConfig

    asked = []
    answer = [QMessageBox.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or answer[0])
    view = window.open_compare()
    entries = make_entries([(label, mlp(label, 4), label) for label in ("long", "next")])
    view.start(entries, "xor",
               TrainConfig(epochs=500, batch_size=8, tensorboard=False), tmp_path / "long")
    qtbot.waitUntil(lambda: view.model.state(0) == "training", timeout=60_000)
    window.doc.undo_stack.setClean()
    assert not window.close()  # "No": the window stays and the comparison goes on
    assert "comparison is still training" in asked[-1] and view.running()
    answer[0] = QMessageBox.Yes
    assert window.close()
    assert not view.running()
    qtbot.waitUntil(lambda: view.model.state(1) == CANCELLED, timeout=10_000)
    assert view.model.state(0) == CANCELLED


# -- diff ------------------------------------------------------------------------------------------------------------
def test_diff_of_the_edits_since_the_last_save(window, tmp_path):
    before = analyze(window.doc.spec).total_params
    window.doc.set_config("c1", "filters", 8)
    view = window.diff_edits()
    assert window.tools.diff_window.isVisible()
    assert [row.name_a for row in view.diff.changed][:1] == ["c1"]
    assert view.diff.params_delta == analyze(window.doc.spec).total_params - before == 852
    assert window.files.save_to(tmp_path / "lenet.json")
    assert window.diff_edits().diff.params_delta == 0  # saved: nothing changed since


def test_diff_of_two_checked_presets(window):
    assert not window.actions["diff_checked"].isEnabled()
    window.gallery.model.set_checked(["vgg16", "vgg19"])
    assert window.actions["diff_checked"].isEnabled()
    window.actions["diff_checked"].trigger()
    diff = window.tools.diff_window.view.diff
    assert diff.params_delta == 5_309_696 and len(diff.added) == 3 and not diff.removed


def test_checked_gan_cards_are_checked_in_the_comparison(window):
    window.gallery.model.set_checked(["gan_mlp_mnist", "dcgan_mnist", "lenet5"])
    assert sorted(window.gallery.model.checked_slugs()) == ["dcgan_mnist", "gan_mlp_mnist", "lenet5"]
    window.actions["compare"].trigger()
    view = window.tools.compare_view
    assert sorted(checked_candidates(view)) == ["dcgan_mnist", "gan_mlp_mnist", "lenet5"]
    entries = {e.label: e.spec for e in view.checked_entries()}
    assert list(entries["dcgan_mnist"].networks) == ["generator", "discriminator"]
    assert "gan_mlp_mnist" not in window.tools.sweep_tab.targets.labels()  # a sweep tunes one network
