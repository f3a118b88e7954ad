"""Multi-network presets in the window: gallery cards, a tab per network, per-network undo, the networks'
fit in the problems, saving the whole set, training it, reopening a GAN run, and the diff per network."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from workbench.spec import load_named
from workbench.spec.networks_io import load_named_networks, load_networks
from workbench.ui import settings
from workbench.ui.gallery import GalleryModel, preset_card
from workbench.ui.main_window import MainWindow

RUN_TIMEOUT_MS = 180_000


@pytest.fixture
def window(qtbot, tmp_path):
    settings.use_directory(tmp_path / "profile")
    w = MainWindow(load_tensorflow=False, remember_layout=False, offer_recovery=False)
    qtbot.addWidget(w, before_close_func=_clean)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.shutdown()


def _clean(w: MainWindow) -> None:
    """Every network's history clean, so closing asks nothing."""
    for name in w.doc.names() or [""]:
        w.doc.document(name).undo_stack.setClean()


def gan_window(window, slug: str = "cdcgan_mnist") -> MainWindow:
    assert window.open_preset(slug)
    return window


# -- 1. gallery --------------------------------------------------------------------------------------------------------------------
def test_gallery_lists_the_multi_network_presets_with_each_networks_parameters(qtbot):
    model = GalleryModel()
    slugs = model.slugs()
    assert {"cdcgan_mnist", "dcgan_mnist", "gan_mlp_mnist"} <= set(slugs) and "lenet5" in slugs
    # ordered with the others by family and year: the 2014 GAN cards sit between 1998's LeNet-5 and 2015's FCN
    assert slugs.index("lenet5") < slugs.index("gan_mlp_mnist") < slugs.index("fcn8s_shapes")
    from workbench.spec.networks_io import network_preset_paths

    card = preset_card("cdcgan_mnist", network_preset_paths()["cdcgan_mnist"])
    assert card.task == "gan" and card.networks == (("generator", 390_913), ("discriminator", 41_633))
    assert card.params == 432_546 and card.input_shape == (28, 28, 1) and not card.errors
    assert card.summary == "GAN · 433K params: G 391K · D 41.6K · 28×28×1"
    assert card.layers == 18 and len(card.profile) == 16  # both networks' strips, Input layers left out


def test_gallery_search_finds_them_and_activating_one_opens_its_networks(qtbot, window):
    gallery = window.gallery
    gallery.search.setText("cdcgan")
    rows = [gallery.proxy.index(r, 0).data(GalleryModel.SlugRole) for r in range(gallery.proxy.rowCount())]
    assert rows == ["cdcgan_mnist"]
    with qtbot.waitSignal(gallery.presetActivated) as activated:
        gallery.list.activated.emit(gallery.index_of("cdcgan_mnist"))
    assert activated.args == ["cdcgan_mnist"]
    assert window.doc.names() == ["generator", "discriminator"] and window.doc.title == "cDCGAN (MNIST)"


# -- 2. tabs, per-network documents, the fit between them ---------------------------------------------------------------------
def test_a_tab_per_network_and_the_panels_follow_the_active_one(qtbot, window):
    gan_window(window)
    tabs = window.editor.tabs
    assert tabs.isVisible() and window.editor.names() == ["generator", "discriminator"]
    assert tabs.tabText(0) == "generator  ·  391K" and tabs.tabText(1) == "discriminator  ·  41.6K"
    assert window.doc.spec.name == "generator" and window.view.document is window.doc.document("generator")
    assert window.summary.model.rowCount() == 11 and window.problems.messages() == []
    assert window.windowTitle() == "Keras Workbench — cDCGAN (MNIST)"
    assert "generator 391K · discriminator 41.6K" in window.totals_status.text()
    qtbot.mouseClick(tabs, Qt.LeftButton, pos=tabs.tabRect(1).center())
    assert window.doc.active_name == "discriminator" and window.doc.spec.input_shape == (28, 28, 1)
    assert window.view.document is window.doc.document("discriminator")
    assert window.summary.model.rowCount() == 9
    assert window.view.graph_scene.node_for_layer("logit") is not None
    window.doc.set_selection(["logit"])
    window.editor.select("generator")
    assert window.doc.selection() == [] and window.doc.document("discriminator").selection() == ["logit"]


def test_edits_and_undo_stay_in_their_network_and_the_fit_is_checked_after_each(qtbot, window):
    gan_window(window)
    doc = window.doc
    generator, discriminator = doc.document("generator"), doc.document("discriminator")
    doc.set_config("image", "filters", 3)  # the generator now makes RGB images
    assert generator.undo_stack.count() == 1 and discriminator.undo_stack.count() == 0
    mismatch = ("error", "networks", "cDCGAN (MNIST): the generator's output 'image' is [28, 28, 3] but the "
                "discriminator's input 'input' is [28, 28, 1]")
    assert window.problems.messages() == [mismatch]
    assert window.problem_status.text() == "1 error" and window.windowTitle().endswith("*")
    assert window.editor.tabs.tabText(0).startswith("generator*") and not generator.spec is discriminator.spec
    window.editor.select("discriminator")
    assert window.problems.messages() == [mismatch]  # shown whichever tab is in front
    assert not window.actions["undo"].isEnabled()  # the discriminator has nothing to undo
    doc.set_input_shape((28, 28, 3))
    assert window.problems.messages() == [] and discriminator.undo_stack.count() == 1
    assert generator.spec.layer("image").config["filters"] == 3  # untouched by the other tab's edit
    window.actions["undo"].trigger()
    assert discriminator.spec.input_shape == (28, 28, 1) and generator.undo_stack.index() == 1
    assert window.problems.messages() == [mismatch]
    window.editor.select("generator")
    window.actions["undo"].trigger()
    assert generator.spec.layer("image").config["filters"] == 1 and window.problems.messages() == []
    assert not doc.dirty and not window.windowTitle().endswith("*")
    window.actions["redo"].trigger()
    assert generator.spec.layer("image").config["filters"] == 3 and discriminator.spec.input_shape == (28, 28, 1)


def test_a_condition_input_missing_in_one_network_is_named(qtbot, window):
    gan_window(window)
    window.editor.select("discriminator")
    window.doc.rename("label", "digit")
    assert ("error", "networks", "cDCGAN (MNIST): the generator's condition input 'label' is not an input of the "
            "discriminator") in window.problems.messages()


def test_a_single_network_preset_shows_no_tabs_after_a_gan(qtbot, window):
    gan_window(window)
    assert window.open_preset("lenet5")
    assert not window.editor.tabs.isVisible() and window.editor.tabs.count() == 0 and window.doc.names() == []
    assert window.doc.spec.name == "LeNet-5" and window.view.document is window.doc.active
    assert window.doc.analysis is window.doc.active.analysis and window.totals_status.text().endswith("MACs")
    assert len(window.doc.undo_group.stacks()) == 1


# -- 3. save --------------------------------------------------------------------------------------------------------------------
def test_save_writes_every_network_and_reopens_identically(qtbot, window, tmp_path):
    gan_window(window)
    window.doc.set_config("up1", "filters", 16)
    window.editor.select("discriminator")
    window.doc.set_config("conv1", "filters", 16)
    path = tmp_path / "my_gan.json"
    assert window.files.save_to(path)
    assert not window.doc.dirty and not window.windowTitle().endswith("*")
    assert all(window.doc.document(n).path == path for n in ("generator", "discriminator"))
    saved = load_networks(path)
    assert saved.network("generator").layer("up1").config["filters"] == 16
    assert saved.network("discriminator").layer("conv1").config["filters"] == 16
    assert json.loads(path.read_text())["training"] == load_named_networks("cdcgan_mnist").training
    edited = window.doc.network_set().copy()
    assert window.open_path(str(path))
    assert window.doc.network_set() == edited and window.doc.names() == ["generator", "discriminator"]


def test_autosave_keeps_every_network(qtbot, window):
    from workbench.ui.files import Autosave

    gan_window(window)
    window.doc.set_config("image", "filters", 3)
    window.files.autosave_now()
    recovered, _, _ = Autosave.read(window.files.autosave.path)
    assert list(recovered.networks) == ["generator", "discriminator"]
    assert recovered.network("generator").layer("image").config["filters"] == 3


# -- 6. the diff per network ------------------------------------------------------------------------------------------
def test_diff_of_edits_is_the_active_networks(qtbot, window):
    gan_window(window)
    window.editor.select("discriminator")
    window.doc.set_config("conv1", "filters", 16)
    view = window.diff_edits()
    assert view.diff.a.name == "discriminator" and view.diff.b.layer("conv1").config["filters"] == 16
    assert [r.name_b for r in view.diff.rows if r.status == "changed"] == ["conv1"]


# -- 4, 5. training from the window, reopening the run -------------------------------------------------------------------
def test_train_a_gan_from_the_window_then_reopen_its_run_with_both_networks_and_the_curves(qtbot, window):
    from workbench.data import load_dataset

    gan_window(window, "gan_mlp_mnist")
    panel = window.training.panel
    window.show_training_views()
    assert panel.source().name == "mnist_subset"  # the discriminator's 28×28×1 input picks it
    assert panel.batch_size.value() == 32 and panel.learning_rate.value() == pytest.approx(2e-4)  # the GAN's recipe
    qtbot.waitUntil(lambda: panel.dataset is not None, timeout=60_000)
    panel.dataset = load_dataset("mnist_subset", max_samples=320, seed=0, validation_split=0.2)  # a short run
    panel.epochs.setValue(1)
    assert window.training.start()
    assert window.training.job.running() and window.training._last_request.spec.task == "gan"
    with qtbot.waitSignal(window.training.finished, timeout=RUN_TIMEOUT_MS) as finished:
        pass
    result = finished.args[0]
    assert result.status == "finished", result.message
    run = result.run_dir
    assert (run / "generator.h5").is_file() and (run / "discriminator.h5").is_file()
    assert result.model_path == run / "generator.h5"
    for key in ("d_loss", "g_loss"):
        assert len(result.history[key]) == 1 and result.history[key][0] > 0
    views = window.training.task_views
    assert views.task == "gan" and views.stack.currentWidget() is views.tabs, views.message.text()  # the epoch grid
    assert {"d_loss", "g_loss"} <= set(window.training.curves.record.epoch_logs)
    assert window.training.panel.drift_label.isHidden()  # the canvas is the set just trained
    note = "follow one network; the GAN trains two (generator, discriminator): see the Task View."
    assert window.training.feature_maps.heading.text() == f"Feature maps {note}"
    assert window.training.weights.filters_label.text == f"Weights {note}"
    window.training.feature_maps.set_layer(None)
    window.training._on_selection_changed(["fc1"])  # as a click on the generator's first layer
    qtbot.wait(500)  # a probe of the trained model would have answered by now
    assert window.training.feature_maps.heading.text() == f"Feature maps {note}"  # no probe of the GANTrainer

    _clean(window)
    assert window.open_path(str(run / "generator.h5"))
    assert window.doc.names() == ["generator", "discriminator"] and window.doc.path is None
    assert window.doc.document("discriminator").spec.layer("logit").config["units"] == 1
    assert window.doc.title == "GAN, fully connected (MNIST)"
    curves = window.training.curves
    assert list(curves.record.epoch_logs) and {"d_loss", "g_loss"} <= set(curves.record.epoch_logs)
    assert window.open_path(str(run))  # the run folder itself
    assert window.doc.names() == ["generator", "discriminator"]


def test_diff_of_two_checked_gan_presets_goes_network_by_network(qtbot, window):
    window.gallery.model.set_checked(["cdcgan_mnist", "dcgan_mnist"])
    view = window.diff_checked()
    assert view.network.isVisibleTo(view) and [view.network.itemText(i) for i in range(view.network.count())] == \
        ["generator", "discriminator"]
    assert view.diff.a.name == "generator" and view.diff.b.name == "generator"
    assert "label" in {r.name_a for r in view.diff.rows if r.status == "removed"}  # the condition input
    view.network.setCurrentText("discriminator")
    assert view.diff.a.input_shape == (28, 28, 1) and view.diff.b.layer("logit").type == "Dense"
    assert view.caption_a.text() == "<b>A</b> (before): discriminator"
    view.set_specs(load_named("lenet5"), load_named("lenet5"))
    assert not view.network.isVisibleTo(view) and not [r for r in view.diff.rows if r.status != "same"]


def test_launch_opens_a_multi_network_preset_by_slug():
    from workbench.ui.launch import _load_initial, build_parser

    model, path = _load_initial(build_parser().parse_args(["--preset", "cdcgan_mnist"]))
    assert list(model.networks) == ["generator", "discriminator"] and path is None
