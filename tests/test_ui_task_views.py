"""The task views draw each task's per-epoch samples (built here by hand, in the tasks' formats), without Keras."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from workbench.tasks.perceptron import LESSON
from workbench.ui.theme import apply_theme
from workbench.ui.training.job import TrainingJob
from workbench.ui.training.views import (
    TASK_VIEWS,
    DecisionBoundaryView,
    DeepBeliefView,
    GeneratorView,
    HopfieldView,
    ReconstructionView,
    RecurrentView,
    SampleGridView,
    SegmentationView,
    SequenceView,
    TaskViews,
)
from workbench.ui.training.worker import GENERATED, SAMPLES


def plane(lesson: bool = False) -> dict:
    """The format of `tasks.planes.plane_samples`: a 64×64 grid, 4 points, 3 hidden units (one without a line)."""
    lines = np.array([[[-1, 0], [1, 0]], [[0, -1], [0, 1]], [[np.nan, np.nan], [np.nan, np.nan]]], np.float32)
    out = {"grid": np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64),
           "extent": np.array([-0.2, 1.2, -0.3, 1.3], np.float32),
           "points": np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32), "labels": np.array([0, 1, 1, 0]),
           "unit_lines": lines}
    if lesson:
        out["lesson"] = np.array(LESSON)
    return out


def test_decision_boundary_draws_grid_points_and_unit_lines(qtbot):
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    view.show_samples(3, plane())
    assert view.image.image.shape == (64, 64)
    assert view.image.levels.tolist() == [0.0, 1.0]
    rect = view.image.mapRectToParent(view.image.boundingRect())
    assert (round(rect.left(), 4), round(rect.right(), 4), round(rect.top(), 4), round(rect.bottom(), 4)) == \
        (-0.2, 1.2, -0.3, 1.3)
    assert len(view.scatter.data) == 4
    xs, _ = view.units.getData()
    assert len(xs) == 4  # two units with a line, two end points each; the NaN unit is left out
    assert view.plot.titleLabel.text == "epoch 3"
    assert view.lesson.isHidden()


def test_decision_boundary_of_logits_uses_a_symmetric_range_and_says_the_xor_lesson(qtbot):
    view = DecisionBoundaryView()
    qtbot.addWidget(view)
    samples = plane(lesson=True)
    samples["grid"] = samples["grid"] * 6 - 2  # a logit difference from -2 to 4
    del samples["unit_lines"]
    view.show_samples(1, samples)
    assert view.image.levels.tolist() == [-4.0, 4.0]
    assert view.units.getData()[0] is None or len(view.units.getData()[0]) == 0
    assert not view.lesson.isHidden() and "XOR" in view.lesson.text() and "3 of its 4" in view.lesson.text()


def test_reconstruction_grid_latent_scatter_and_pca_reference(qtbot):
    view = ReconstructionView()
    qtbot.addWidget(view)
    inputs = np.random.default_rng(0).random((8, 784)).astype(np.float32)
    samples = {"inputs": inputs, "reconstructions": inputs * 0.5, "codes": np.zeros((100, 2), np.float32),
               "code_labels": np.arange(100) % 10, "pca_mse": np.float32(0.0333)}
    view.show_samples(2, samples)
    assert view.image.image.shape == (2 * 28 + 1, 8 * 28 + 7)  # two rows of eight 28×28 tiles, 1-pixel gaps
    assert np.allclose(view.image.image[29:, :28], inputs[0].reshape(28, 28) * 0.5)
    assert not view.side.isHidden() and len(view.scatter.data) == 100
    assert "0.0333" in view.caption.text()
    del samples["codes"], samples["pca_mse"]
    view.show_samples(3, samples)
    assert view.side.isHidden() and "PCA" not in view.caption.text()


def test_segmentation_mosaic_paints_labels_and_draws_one_bar_per_present_class(qtbot):
    view = SegmentationView()
    qtbot.addWidget(view)
    truth = np.zeros((4, 32, 32), np.int32)
    truth[:, 8:16, 8:16] = 2
    samples = {"images": np.random.default_rng(1).random((4, 32, 32, 3)).astype(np.float32), "truth": truth,
               "predicted": np.zeros_like(truth), "class_iou": np.array([0.9, np.nan, 0.0, 0.5, np.nan, np.nan],
                                                                        np.float32)}
    view.show_samples(5, samples)
    mosaic = view.image.image
    assert mosaic.shape == (3 * 33 - 1, 4 * 33 - 1, 3)  # images, truths, predictions: a row each, 4 samples
    truth_tile, predicted_tile = mosaic[33:65, :32], mosaic[66:98, :32]
    assert not np.allclose(truth_tile[10, 10], truth_tile[0, 0])  # class 2 painted apart from the background
    assert np.allclose(predicted_tile[10, 10], predicted_tile[0, 0])
    assert view.bars.opts["x"].tolist() == [0, 2, 3]
    assert np.allclose(view.bars.opts["height"], [0.9, 0.0, 0.5])
    assert "mean IoU 0.467 over 3 classes" in view.caption.text()


def test_generator_sliders_only_request_and_draw_the_answer(qtbot):
    view = GeneratorView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.requested) as request:
        view.angle.setValue(18)  # a quarter turn
    kind, angle, size = request.args
    assert kind == 0 and angle == pytest.approx(np.pi / 2) and size == pytest.approx(0.5)
    view.show_samples(4, {"generated": np.full((32, 32, 1), 0.25, np.float32), "drawn": np.ones((32, 32), np.float32)})
    assert view.generated.image.shape == (32, 32) and float(view.generated.image.max()) == 0.25
    assert view.drawn.image.shape == (32, 32)


def test_sample_grid_takes_a_gan_mosaic_or_rbm_chains_with_filters(qtbot):
    view = SampleGridView()
    qtbot.addWidget(view)
    view.show_samples(1, {"samples": np.zeros((280, 280), np.float32)})
    assert view.samples.image.shape == (280, 280) and view.filters_box is None  # the grid keeps the width
    view.show_samples(2, {"samples": np.zeros((100, 28, 28), np.float32), "filters": np.ones((64, 28, 28), np.float32)})
    assert view.samples.image.shape == (10 * 29 - 1, 10 * 29 - 1)
    assert view.filters.image.shape == (8 * 29 - 1, 8 * 29 - 1)


def test_gan_grid_draws_the_discriminator_course_and_label_agreement_beside_it(qtbot):
    view = SampleGridView()
    qtbot.addWidget(view)
    view.show()
    curves = {"d_real": np.array([0.9, 0.7, 0.6]), "d_fake": np.array([0.1, 0.3, 0.4]),
              "label_agreement": np.array([np.nan, 0.2, 0.5])}
    view.show_samples(3, {"samples": np.zeros((280, 280), np.float32), "curves": curves})
    assert view.side.isVisible() and "D(G(z)), generated" in view.caption.text()
    assert list(view.course_curves["d_real"].getData()[1]) == [0.9, 0.7, 0.6]
    assert list(view.course_curves["label_agreement"].getData()[0]) == [2, 3]  # the NaN epoch is left out
    view.show_samples(4, {"samples": np.zeros((100, 28, 28), np.float32)})  # an RBM: no course
    assert not view.side.isVisible()


def test_dbn_view_draws_each_stage_and_says_what_pre_training_bought(qtbot):
    view = DeepBeliefView()
    qtbot.addWidget(view)
    stages = np.array([[0.06, 0.04, 0.03], [0.02, 0.015, np.nan]], np.float32)
    curves = {"val_accuracy": np.array([0.85, 0.90]), "val_accuracy_random_init": np.array([0.80, 0.87])}
    view.show_samples(2, {"stage_reconstruction_mse": stages, "curves": curves})
    assert len(view.stage_curves) == 2 and list(view.stage_curves[1].getData()[0]) == [1, 2]
    assert list(view.tuning_curves["val_accuracy_random_init"].getData()[1]) == [0.80, 0.87]
    assert "0.900 pre-trained, 0.870 from random weights: pre-training is ahead by 3.0 points" in view.caption.text()
    assert "RBM 2" in view.caption.text() and "random init" in view.caption.text()
    view.clear()
    assert view.caption.text() == "" and view.tuning_curves["val_accuracy"].getData()[0] is None


def test_hopfield_replays_the_trace_with_energy_and_overlaps(qtbot):
    view = HopfieldView()
    qtbot.addWidget(view)
    trace = np.where(np.random.default_rng(2).random((201, 100)) < 0.5, -1.0, 1.0).astype(np.float32)
    energies = np.linspace(-10, -40, 201)
    view.show_samples(1, {"trace": trace, "energies": energies, "overlaps": np.array([1.0, 0.1, -0.2])})
    assert view.state.image.shape == (10, 10) and view.state.levels.tolist() == [-1.0, 1.0]
    assert len(view.curve.getData()[0]) == 201
    assert view.bars.opts["height"].tolist() == pytest.approx([1.0, 0.1, -0.2])
    qtbot.waitUntil(lambda: not view.timer.isActive(), timeout=5000)
    assert view.frame == 200 and np.array_equal(view.state.image.ravel(), trace[-1])
    assert "-10.00 → -40.00" in view.caption.text()


def test_seq2seq_table_marks_wrong_rows_and_shows_the_chosen_samples_attention(qtbot):
    view = SequenceView()
    qtbot.addWidget(view)
    attention = np.zeros((2, 10, 12), np.float32)
    attention[1, :, 3] = 1.0
    view.show_samples(2, {"sources": np.array(["3 May 2001", "May 4, 1999"]),
                          "decoded": np.array(["2001-05-03", "1999-05-05"]),
                          "truth": np.array(["2001-05-03", "1999-05-04"]), "attention": attention})
    assert view.table.rowCount() == 2 and view.table.item(1, 1).text() == "1999-05-05"
    assert view.table.item(1, 0).text() == "May 4, 1999" and not view.table.isColumnHidden(0)
    assert "1 of 2" in view.caption.text() and "CTC" not in view.caption.text()
    assert view.heat.image.shape == (10, 12) and float(view.heat.image.sum()) == 0.0  # sample 1's
    assert not view.canvas.isHidden() and view.input_box.isVisible() is False
    view.table.setCurrentCell(1, 1)
    assert float(view.heat.image[:, 3].sum()) == 10.0 and "sample 2" in view.heat_title.text


def test_ctc_rows_show_the_strip_and_its_frame_probabilities_with_the_plateau_note(qtbot):
    view = SequenceView()
    qtbot.addWidget(view)
    probabilities = np.full((3, 16, 11), 1 / 11, np.float32)
    view.show_samples(1, {"inputs": np.zeros((3, 14, 64, 1), np.float32), "decoded": np.array(["", "12", "7"]),
                          "truth": np.array(["4", "12", "71"]), "alignment": probabilities.argmax(-1),
                          "blank": np.int32(10), "frame_probabilities": probabilities})
    assert view.table.isColumnHidden(0)
    assert view.input.image.shape == (14, 64) and view.heat.image.shape == (11, 16)
    assert "1 of 3" in view.caption.text() and "normal for CTC" in view.caption.text()


def test_recurrent_view_draws_input_markers_hidden_states_and_gradient_norms(qtbot):
    view = RecurrentView()
    qtbot.addWidget(view)
    markers = np.zeros(50, np.float32)
    markers[[3, 40]] = 1
    view.show_samples(4, {"values": np.linspace(0, 1, 50, dtype=np.float32), "markers": markers,
                          "target": np.float32(0.86), "predicted": np.float32(0.8),
                          "hidden": np.zeros((50, 32), np.float32), "gradient_norms": np.logspace(-6, -1, 50)})
    assert len(view.values.getData()[0]) == 50 and len(view.marked.data) == 2
    assert view.hidden.image.shape == (32, 50)
    assert len(view.gradient_curve.getData()[0]) == 50
    assert "target 0.860, predicted 0.800" in view.caption.text()


def test_container_chooses_views_by_task_and_clears(qtbot):
    views = TaskViews()
    qtbot.addWidget(views)
    assert [type(v) for v in views.views] == list(TASK_VIEWS["classification"])
    views.show_samples(1, {})  # a classifier of images: nothing to draw
    assert views.stack.currentWidget() is views.message and "two inputs" in views.message.text()
    with qtbot.waitSignal(views.appeared):
        views.show_samples(2, plane())
    assert views.stack.currentWidget() is views.tabs
    views.set_task("segmentation")
    assert [type(v) for v in views.views] == [SegmentationView]
    assert views.stack.currentWidget() is views.message and "after the first epoch" in views.message.text()
    views.set_task("dbn")
    assert [type(v) for v in views.views] == [DeepBeliefView]
    views.set_task("hebbian")
    assert views.views == [] and "no live view" in views.message.text()


def test_theme_switch_recolours_the_canvas_and_label_background(qtbot):
    app = QApplication.instance()
    view = SegmentationView()
    qtbot.addWidget(view)
    view.show()  # a widget takes the application's new palette once it has been polished
    qtbot.waitExposed(view)
    samples = {"images": np.zeros((1, 4, 4), np.float32), "truth": np.zeros((1, 4, 4), np.int32),
               "predicted": np.zeros((1, 4, 4), np.int32), "class_iou": np.array([1.0], np.float32)}
    try:
        apply_theme(app, "light")
        view.show_samples(1, samples)
        light = view.image.image[5, 0].copy()
        apply_theme(app, "dark")
        assert view.canvas.backgroundBrush().color().name() == "#27292d"
        assert not np.allclose(view.image.image[5, 0], light)
        boundary = DecisionBoundaryView()
        qtbot.addWidget(boundary)
        boundary.show()
        qtbot.waitExposed(boundary)
        assert abs(int(boundary.image.lut[128][0]) - 0x27) <= 2  # the boundary is drawn in the canvas colour
    finally:
        apply_theme(app, "light")


def test_job_dispatches_samples_and_generated_events(qtbot):
    job = TrainingJob()
    job.run_id = 7
    with qtbot.waitSignal(job.samples) as got:
        job._on_event(7, SAMPLES, (3, {"grid": 1}))
    assert got.args == [3, {"grid": 1}]
    with qtbot.waitSignal(job.generated) as got:
        job._on_event(7, GENERATED, ({"generated": 2},))
    assert got.args == [{"generated": 2}]
    assert job.generate(0, 0.0, 0.5) is False  # no trained model yet: nothing to ask


def test_label_map_data_sets_preview_and_probe_without_treating_maps_as_classes():
    """A segmentation set (one label map per image) gets thumbnails named by the classes in them."""
    from workbench.data import Dataset
    from workbench.train.live.datasets import make_preview, probe_samples

    maps = np.zeros((6, 8, 8), np.int64)
    maps[1:, 2:4, 2:4] = 1
    maps[3:, 5:7, 5:7] = 2
    x = np.zeros((6, 8, 8, 1), np.uint8)
    dataset = Dataset(name="maps", task="segmentation", x_train=x, y_train=maps, x_val=x[:4], y_val=maps[:4],
                      class_names=["background", "square", "circle"], input_shape=(8, 8, 1))
    preview = make_preview(dataset)
    assert preview.train_counts.tolist() == [6, 5, 3]  # images each class appears in
    assert preview.thumb_labels[:4] == ["background", "square", "square", "square, circle"]
    probe = probe_samples(dataset, (8, 8, 1), count=3)
    assert probe.inputs.shape == (3, 8, 8, 1) and probe.labels == ["background", "square", "square"]


def test_image_targets_are_labelled_by_their_shape():
    from workbench.data import Dataset
    from workbench.train.live.datasets import probe_samples

    codes = np.zeros((5, 8), np.float32)
    dataset = Dataset(name="render", task="regression", x_train=codes, y_train=np.zeros((5, 32, 32, 1), np.float32),
                      class_names=[], input_shape=(8,))
    assert probe_samples(dataset, (8,), count=2).labels == ["32×32×1", "32×32×1"]


def test_slider_requests_are_merged_and_answered_by_the_generation_task_in_the_worker(qtbot):
    """Three slider moves before the worker is free: one answer, for the last parameters, from the task."""
    from types import SimpleNamespace

    from workbench.data.shape_scenes import CODE_SIZE
    from workbench.spec import load_named
    from workbench.ui.training.worker import TrainWorker

    class Model:  # the generator: what `predict_on_batch` gets is the code the task made for the parameters
        def __init__(self):
            self.codes = []

        def predict_on_batch(self, code):
            self.codes.append(np.asarray(code))
            return np.full((len(code), 32, 32, 1), 0.5, np.float32)

    model = Model()
    worker = TrainWorker()
    worker._trainer = SimpleNamespace(model=model, prepared=SimpleNamespace(
        spec=load_named("deconv_chairs"), x_val=np.zeros((4, CODE_SIZE), np.float32), x_train=None))
    events = []
    worker.event.connect(lambda run, kind, payload: events.append((run, kind, payload)))
    submitted = []
    job = TrainingJob()
    job._thread, job._worker, job._has_model, job.run_id = SimpleNamespace(submit=submitted.append), worker, True, 3
    assert job.generate(0, 0.0, 0.2) and job.generate(1, 0.3, 0.4) and job.generate(2, 0.5, 0.9)
    assert len(submitted) == 1
    submitted[0]()
    assert [(run, kind) for run, kind, _ in events] == [(3, GENERATED)]
    samples = events[0][2][0]
    assert samples["generated"].shape == (32, 32, 1) and samples["drawn"].shape[:2] == (32, 32)
    assert len(model.codes) == 1 and model.codes[0].shape == (1, CODE_SIZE)
    assert model.codes[0][0, 2] == 1.0  # the one-hot of shape class 2, the last request's
