"""The comparison and diff views, offscreen: leaderboard rows, charts, exports, the worker, diff colours."""

from __future__ import annotations

import copy
import csv
import json
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from workbench.compare.diff import ADDED, CHANGED, REMOVED
from workbench.compare.results import CANCELLED, FAILED, FINISHED, RunRecord
from workbench.compare.runner import make_entries
from workbench.errors import WorkbenchError
from workbench.spec import LayerSpec, load_named
from workbench.ui.compare_view import COLUMN_NAMES, PROGRESS_ROLE, CompareView, bubble_diameters
from workbench.ui.diff_view import DIFF_COLORS, DiffView

from specs import mlp

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def record(preset: str, params: int, macs: int, accuracies: list[float], seconds: float = 2.0) -> RunRecord:
    r = RunRecord(preset=preset, params=params, macs=macs, training_memory=params * 16, input_shape=(8, 8, 1),
                  classes=10, train_seconds=seconds, samples_per_second=1000 / seconds, model_bytes=params * 4 + 9000)
    for epoch, acc in enumerate(accuracies, start=1):
        r.add_epoch({"loss": 1.0 / epoch, "accuracy": acc, "val_loss": 1.2 / epoch, "val_accuracy": acc},
                    elapsed=epoch * seconds / len(accuracies))
    return r


@pytest.fixture
def view(qtbot):
    v = CompareView()
    qtbot.addWidget(v)
    yield v
    v.shutdown()


def cell(v: CompareView, row: int, column: str) -> str:
    return v.proxy.index(row, COLUMN_NAMES.index(column)).data()


def test_leaderboard_follows_the_worker_signals(view):
    small, wide = record("small", 1210, 1184, [0.5, 0.8]), record("wide", 2410, 2368, [0.6, 0.9, 0.85])
    view.model.reset_records([RunRecord(preset="small"), RunRecord(preset="wide"), RunRecord(preset="bad")], "queued")
    assert [cell(view, i, "Status") for i in range(3)] == ["queued"] * 3
    assert cell(view, 0, "Params") == ""

    started = copy.deepcopy(small)
    started.curves, started.epochs = {}, 0
    view._on_run_started(0, started)
    view._on_run_progress(0, 3, 10)
    assert cell(view, 0, "Status") == "training 30%" and cell(view, 0, "Params") == "1,210"
    assert view.proxy.index(0, 1).data(PROGRESS_ROLE) == pytest.approx(0.3)
    assert cell(view, 0, "Best val acc") == ""
    partial = copy.deepcopy(small)
    partial.curves = {k: v[:1] for k, v in small.curves.items()}
    partial.summarise_curves()
    partial.epochs = 1
    view._on_run_epoch(0, partial)
    assert cell(view, 0, "Best val acc") == "0.5000" and cell(view, 0, "Status") == "training 30%"
    view._on_run_finished(0, small)
    view._on_run_finished(1, wide)
    failed = RunRecord(preset="bad", status=FAILED, error="bad: conv: kernel 9 is larger than its input 8")
    view._on_run_finished(2, failed)

    assert [cell(view, i, "Status") for i in range(3)] == [FINISHED, FINISHED, f"failed: {failed.error}"]
    assert view.proxy.index(2, 1).data(Qt.ToolTipRole) == failed.error
    assert [cell(view, 1, c) for c in ("Preset", "Params", "Epochs", "Best val acc", "Best epoch", "Final val loss")] == [
        "wide", "2,410", "3", "0.9000", "2", "0.4000"]
    assert cell(view, 1, "Time (s)") == "2.0" and cell(view, 1, "Samples/s") == "500"
    assert cell(view, 2, "Best val acc") == "" and cell(view, 2, "Time (s)") == ""

    view.table.sortByColumn(COLUMN_NAMES.index("Best val acc"), Qt.DescendingOrder)
    assert [cell(view, i, "Preset") for i in range(3)] == ["wide", "small", "bad"]
    view.table.sortByColumn(COLUMN_NAMES.index("Params"), Qt.AscendingOrder)
    assert [cell(view, i, "Preset") for i in range(3)] == ["bad", "small", "wide"]


def test_charts_overlay_selected_rows_and_size_bubbles_by_parameters(view, qtbot):
    records = [record("small", 1000, 10_000, [0.5, 0.7]), record("big", 4000, 1_000_000, [0.6, 0.9]),
               RunRecord(preset="broken", status=FAILED, error="x")]
    view.show_records(records)
    qtbot.waitUntil(lambda: len(view.charts.curves) == 3, timeout=2000)
    acc_small, loss_small = view.charts.curves[0]
    xs, ys = acc_small.getData()
    assert list(xs) == [1.0, 2.0] and list(ys) == [0.5, 0.7]
    assert list(loss_small.getData()[1]) == pytest.approx([1.2, 0.6])
    spots = view.charts.scatter.points()
    assert len(spots) == 2  # the failed run has no bubble
    sizes = sorted(s.size() for s in spots)
    assert (sizes[1] / sizes[0]) ** 2 == pytest.approx(4.0)  # area ∝ parameters
    assert sorted(s.pos().x() for s in spots) == pytest.approx([4.0, 6.0])  # log10 MACs
    assert bubble_diameters([1, 100]) == [8.0, 70.0]

    view.charts.x_axis.setCurrentIndex(1)  # against wall time
    qtbot.waitUntil(lambda: list(view.charts.curves[1][0].getData()[0]) == [1.0, 2.0], timeout=2000)

    view.table.selectRow(1)
    qtbot.waitUntil(lambda: not view.charts.curves[0][0].isVisible(), timeout=2000)
    assert view.charts.curves[1][0].isVisible() and len(view.charts.scatter.points()) == 1


def test_exports_and_reopen(view, tmp_path):
    records = [record("small", 1210, 1184, [0.5, 0.8]), RunRecord(preset="bad", status=FAILED, error="no")]
    view.show_records(records)
    view.export(tmp_path / "board.csv")
    view.export(tmp_path / "board.json")
    view.export(tmp_path / "board.png")
    with open(tmp_path / "board.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["preset"], r["params"], r["best_val_accuracy"]) for r in rows] == [("small", "1210", "0.8")]
    assert (tmp_path / "board.png").read_bytes().startswith(PNG_MAGIC)
    doc = json.loads((tmp_path / "board.json").read_text())
    assert [r["preset"] for r in doc["runs"]] == ["small", "bad"]

    other = CompareView()
    try:
        other.load_comparison(tmp_path / "board.json")
        assert [r.preset for r in other.records()] == ["small", "bad"]
        assert other.records()[0].curves["val_accuracy"] == [0.5, 0.8]
        assert other.proxy.index(1, 1).data() == "failed: no"
    finally:
        other.shutdown()
        other.deleteLater()


def test_an_opened_comparison_puts_its_settings_in_the_form(tmp_path):
    from workbench.compare.report import comparison_document, write_json
    from workbench.train import TrainConfig

    config = TrainConfig(epochs=7, batch_size=16, learning_rate=0.003)
    runs = [record("lenet5", 61706, 420000, [0.5, 0.8]), record("alexnet", 10, 10, [0.4])]
    write_json(comparison_document(runs, dataset="xor", config=config.to_dict(), input_shape=(8, 8, 1)),
               tmp_path / "comparison.json")
    other = CompareView()
    try:
        other.load_comparison(tmp_path / "comparison.json")
        assert other.dataset.currentText() == "xor"
        assert (other.epochs.value(), other.batch_size.value()) == (7, 16)
        assert other.learning_rate.value() == pytest.approx(0.003)
        assert other.input_shape.text() == "8,8,1"
        checked = [other.candidates.item(i).text() for i in range(other.candidates.count())
                   if other.candidates.item(i).checkState() == Qt.Checked]
        assert checked == ["alexnet", "lenet5"]  # candidates in their list order
    finally:
        other.shutdown()
        other.deleteLater()


def test_worker_runs_the_queue_and_shutdown_cancels(view, qtbot, tmp_path):
    from workbench.train import TrainConfig

    bad = mlp("bad", 4)
    bad.layers.insert(0, LayerSpec("conv", "Conv2D", {"filters": 2, "kernel_size": 3}))  # xor rows are not images
    entries = make_entries([("a", mlp("a", 4), "a"), ("bad", bad, "bad"), ("b", mlp("b", 8), "b")])
    config = TrainConfig(epochs=1, batch_size=64, tensorboard=False)
    with qtbot.waitSignal(view.comparisonFinished, timeout=120_000) as finished:
        view.start(entries, "xor", config, tmp_path / "cmp")
        assert view.running() and not view.run_button.isEnabled()
    records = finished.args[0]
    assert [r.status for r in records] == [FINISHED, FAILED, FINISHED]
    assert [r.params for r in records] == [2 * 4 + 4 + 4 * 2 + 2, 0, 2 * 8 + 8 + 8 * 2 + 2]
    qtbot.waitUntil(view.run_button.isEnabled, timeout=10_000)  # after the thread has ended
    assert not view.running()
    assert [cell(view, i, "Status") for i in range(3)][::2] == [FINISHED, FINISHED]
    assert cell(view, 0, "Params") == "22" and cell(view, 0, "Epochs") == "1"
    assert "failed: bad" in view.status.text()
    out = tmp_path / "cmp"
    assert (out / "comparison.csv").is_file() and (out / "a" / "model.h5").is_file()

    # a long run, cancelled by closing: the worker stops after its current batch and the thread ends
    long = TrainConfig(epochs=500, batch_size=8, steps_per_execution=1, tensorboard=False)  # prompt to stop
    view.start(make_entries([("long", mlp("long", 4), "long"), ("next", mlp("next", 4), "next")]),
               "xor", long, tmp_path / "long")
    qtbot.waitUntil(lambda: (view.model.state(0) == "training"
                             and (view.proxy.index(0, 1).data(PROGRESS_ROLE) or 0) > 0), timeout=60_000)
    view.shutdown()
    assert not view.running()
    qtbot.waitUntil(lambda: view.model.state(1) == CANCELLED, timeout=10_000)
    assert view.model.state(0) == CANCELLED and view.model.record(0).epochs <= 1


def diff_rows(v: DiffView) -> list[tuple[str, str, str]]:
    t = v.table
    return [(t.item(i, 0).text(), t.item(i, 4).text(), t.item(i, 0).background().color().name())
            for i in range(t.rowCount())]


def test_a_bad_input_shape_is_named_as_the_form_names_it(view):
    view.add_spec("mine", load_named("lenet5"))
    view.input_shape.setText("a,b")
    with pytest.raises(WorkbenchError) as bad:
        view._gather()
    assert bad.value.problems == ["Input shape: expected integers like 224,224,3, got 'a,b'"]


def test_diff_view_colours_rows(qtbot):
    a = load_named("lenet5")
    b = a.copy()
    b.layer("c3").config["kernel_size"] = 3
    b.layers = [l for l in b.layers if l.name != "f6"]
    b.layers.insert(1, LayerSpec("bn", "BatchNormalization"))
    v = DiffView(a, b)
    qtbot.addWidget(v)
    light = DIFF_COLORS["light"]
    rows = diff_rows(v)
    assert ("", "bn", light[ADDED]) in rows
    assert ("c3", "c3", light[CHANGED]) in rows
    assert ("f6", "", light[REMOVED]) in rows
    assert v.diff.params_delta == (24 + 880 + 576 * 120 + 120 + 120 * 10 + 10) - (2416 + 48120 + 10164 + 850)
    changes = v.table.item(rows.index(("c3", "c3", light[CHANGED])), 9).text()
    assert changes == "kernel_size: 5 → 3"
    shown = v.table.rowCount()
    v.show_all.setChecked(True)
    assert v.table.rowCount() == 9 > shown  # every layer of both, the removed one included

    v.show_all.setChecked(False)
    v.set_specs(load_named("vgg16"), load_named("vgg19"))
    assert v.table.rowCount() == 3 and {r[2] for r in diff_rows(v)} == {light[ADDED]}
    assert "+5,309,696" in v.summary.text()
    assert (v.picker_a.currentText(), v.picker_b.currentText()) == ("VGG-16", "VGG-19")

    v.picker_b.activated.emit(v.picker_b.findText("resnet18"))  # the user picks another B from the list
    assert v.picker_b.currentText() == "ResNet-18" and v.diff.b.name == "ResNet-18"
    v.picker_b.activated.emit(0)  # the shown one again: nothing to load
    assert v.diff.b.name == "ResNet-18"


def test_views_import_without_tensorflow_or_matplotlib():
    """The window shows before TensorFlow loads: the views must not pull it (or matplotlib) in."""
    code = (
        "import sys, workbench.ui.compare_view, workbench.ui.diff_view;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('tensorflow','keras','matplotlib')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def compare_presets(view, qtbot, monkeypatch, tmp_path, slugs, dataset, samples):
    """Compare `slugs` in the view for one epoch on `samples` samples of `dataset`; the finished records."""
    from workbench import data
    from workbench.train import TrainConfig

    from workbench.data.registry import size_options

    load = data.load_dataset
    monkeypatch.setattr(data, "load_dataset", lambda name, **kw: load(name, **size_options(name, samples), **kw))
    entries = make_entries([(slug, load_named(slug), slug) for slug in slugs])
    with qtbot.waitSignal(view.comparisonFinished, timeout=240_000) as finished:
        view.start(entries, dataset, TrainConfig(epochs=1, batch_size=32, tensorboard=False), tmp_path / "cmp")
    qtbot.waitUntil(view.run_button.isEnabled, timeout=10_000)
    return finished.args[0]


def headers(v: CompareView) -> list[str]:
    return [v.proxy.headerData(i, Qt.Horizontal) for i in range(v.proxy.columnCount())]


def test_autoencoders_are_ranked_by_val_mse_lowest_first(view, qtbot, monkeypatch, tmp_path):
    records = compare_presets(view, qtbot, monkeypatch, tmp_path, ["autoencoder_dense", "autoencoder_2d"],
                              "mnist_subset", 200)
    assert [(r.status, r.monitor, r.mode) for r in records] == [(FINISHED, "val_mse", "min")] * 2
    names = headers(view)
    assert "Best val MSE" in names and "Best val acc" not in names
    column = names.index("Best val MSE")
    shown = [float(view.proxy.index(i, column).data()) for i in range(2)]
    assert shown == [round(r.best_value, 4) for r in records]
    view.table.sortByColumn(column, Qt.DescendingOrder)  # best first
    ranked = [view.proxy.index(i, 0).data() for i in range(2)]
    assert ranked == [r.preset for r in sorted(records, key=lambda r: r.best_value)]
    assert [float(view.proxy.index(i, column).data()) for i in range(2)] == sorted(shown)
    view.charts.draw(view.records(), {0, 1})  # the charts score the runs by the same metric
    assert view.charts.accuracy.getPlotItem().titleLabel.text == "val mse"
    assert view.charts.bubbles.getPlotItem().titleLabel.text.startswith("best val mse against multiply-adds")
    bubbles = sorted(spot.pos().y() for spot in view.charts.scatter.points())
    assert bubbles == pytest.approx(sorted(r.best_value for r in records))
    assert list(view.charts.curves[0][0].getData()[1]) == pytest.approx(view.records()[0].series("epoch", "val_mse")[1])


def test_fcn_comparison_shows_mean_iou_and_pixel_accuracy(view, qtbot, monkeypatch, tmp_path):
    records = compare_presets(view, qtbot, monkeypatch, tmp_path, ["fcn32s_shapes", "fcn8s_shapes"],
                              "shapes_masks", 64)
    assert {(r.monitor, r.mode) for r in records} == {("val_mean_iou", "max")}
    names = headers(view)
    assert names[6:8] == ["Best val mean IoU", "val pixel acc"]
    for i in range(2):
        record = next(r for r in records if r.preset == view.proxy.index(i, 0).data())
        assert view.proxy.index(i, 6).data() == f"{record.best_value:.4f}"
        pixel = record.curves["val_pixel_accuracy"][record.best_epoch - 1]
        assert view.proxy.index(i, 7).data() == f"{pixel:.4f}"


def test_mixed_tasks_name_each_entry_s_monitored_metric(view):
    accuracy = record("lenet", 1210, 1184, [0.5, 0.8])
    mse = RunRecord(preset="ae", monitor="val_mse", mode="min", reported=("val_mse",))
    for epoch, value in enumerate([0.05, 0.03], 1):
        mse.add_epoch({"loss": value, "val_loss": value, "mse": value, "val_mse": value}, elapsed=epoch)
    view.show_records([mse, accuracy])
    assert headers(view)[6] == "Best (monitored)"
    assert [view.proxy.index(i, 6).data() for i in range(2)] == ["val MSE 0.0300", "val acc 0.8000"]


def test_a_tiny_gan_comparison_names_its_losses_in_the_leaderboard(view, qtbot, tmp_path):
    import numpy as np

    from workbench.data import load_dataset
    from workbench.spec.networks_io import network_preset_paths
    from workbench.train import TrainConfig

    assert {"gan_mlp_mnist", "dcgan_mnist", "cdcgan_mnist"} <= set(view.candidates.labels())
    view.set_checked(["gan_mlp_mnist"])
    [entry] = view.checked_entries()
    assert list(entry.spec.networks) == ["generator", "discriminator"] and set(network_preset_paths()) >= {entry.label}
    mnist = load_dataset("mnist_subset", max_samples=64)
    np.savez(tmp_path / "tiny.npz", x=mnist.x_train[:64], y=mnist.y_train[:64])
    config = TrainConfig(epochs=1, batch_size=32, tensorboard=False)
    with qtbot.waitSignal(view.comparisonFinished, timeout=120_000) as finished:
        view.start([entry], str(tmp_path / "tiny.npz"), config, tmp_path / "cmp")
    [record] = finished.args[0]
    assert record.status == FINISHED and record.params == 559_632 + 533_505
    names = headers(view)
    assert names[6:9] == ["Best label agreement", "d loss", "g loss"]
    d_loss = view.proxy.index(0, names.index("d loss")).data()
    assert d_loss != "" and float(d_loss) == pytest.approx(record.metrics["d_loss"], abs=1e-4)
    assert view.proxy.index(0, names.index("Best label agreement")).data() == ""  # no score: left empty
