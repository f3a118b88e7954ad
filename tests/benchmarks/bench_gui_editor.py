"""Editor speed on the two biggest presets: open, edit one layer, relayout, pan.

Run with `make bench` (or `python tests/benchmarks/bench_gui_editor.py`).
Prints medians and asserts nothing about time (machines here vary by ±40%).
Goals: opening DenseNet-201 (load + analysis + layout + items) ≤ 1 s; one
config change of ResNet-152 (shapes, analysis and canvas updated) ≤ 100 ms.
Runs on Qt's offscreen platform unless a display is set.
"""

from __future__ import annotations

import os
import statistics
import time

if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.spec import analyze, load_preset, preset_paths  # noqa: E402
from workbench.ui.document import Document  # noqa: E402
from workbench.spec import layout  # noqa: E402
from workbench.ui.graph.view import GraphView  # noqa: E402

REPEATS = 5
EDITS = 20


def _app() -> QApplication:
    return QApplication.instance() or QApplication([])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _median(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _shown_view() -> GraphView:
    view = GraphView()
    view.resize(1400, 900)
    view.show()
    _app().processEvents()
    return view


def test_bench_open_densenet201():
    app = _app()
    print(f"\nQt platform: {app.platformName()}")
    path = preset_paths()["densenet201"]
    parts: dict[str, list[float]] = {k: [] for k in ("load", "analysis", "layout + items", "first paint", "total")}
    for _ in range(REPEATS):
        layout.clear_cache()
        view = _shown_view()
        t0 = time.perf_counter()
        spec = load_preset(path)
        t1 = time.perf_counter()
        doc = Document(spec)
        t2 = time.perf_counter()
        view.set_document(doc)
        t3 = time.perf_counter()
        view.viewport().repaint()
        app.processEvents()
        t4 = time.perf_counter()
        for key, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            parts[key].append(value)
        nodes, edges = len(view.graph_scene.nodes), len(view.graph_scene.edges)
        view.close()
        view.deleteLater()
        app.processEvents()
    print(f"\nopen DenseNet-201 ({nodes} nodes, {edges} edges), median of {REPEATS}:")
    for key, values in parts.items():
        print(f"  {key:<36}{_ms(statistics.median(values))}")
    print("  goal: total ≤ 1000 ms")


def test_bench_config_change_resnet152():
    app = _app()
    view = _shown_view()
    doc = Document(load_preset(preset_paths()["resnet152"]))
    view.set_document(doc)
    view.center_on("conv3_block4_2_conv")
    app.processEvents()
    # alternate two layers: consecutive edits of one value would merge into one undo step
    edits = iter([("conv3_block4_2_conv", 96), ("conv3_block5_2_conv", 96),
                  ("conv3_block4_2_conv", 128), ("conv3_block5_2_conv", 128)] * EDITS)

    def edit():
        name, width = next(edits)
        doc.set_config(name, "filters", width)

    def edit_and_paint():
        edit()
        view.viewport().repaint()

    update = _median(edit, EDITS)
    painted = _median(edit_and_paint, EDITS)
    undo = _median(doc.undo_stack.undo, EDITS)
    analysis = _median(lambda: analyze(doc.spec), EDITS)
    print(f"\nResNet-152 ({len(doc.spec.layers)} layers): one config change, median of {EDITS}:")
    for label, value in (("analysis alone", analysis), ("set_config: spec, analysis, canvas", update),
                         ("… and repainting the view", painted), ("undo", undo)):
        print(f"  {label:<36}{_ms(value)}")
    print("  goal: ≤ 100 ms")
    view.close()


def test_bench_structure_and_navigation():
    app = _app()
    for slug in ("resnet152", "densenet201"):
        layout.clear_cache()
        view = _shown_view()
        doc = Document(load_preset(preset_paths()[slug]))
        view.set_document(doc)
        app.processEvents()
        scene = view.graph_scene
        src, dst = next(iter(scene.edges))
        start = time.perf_counter()
        doc.add_layer("Dropout", on_edge=(src, dst))
        insert = time.perf_counter() - start
        start = time.perf_counter()
        doc.undo_stack.undo()
        undo = time.perf_counter() - start
        start = time.perf_counter()
        view.collapse_all_blocks()
        collapse = time.perf_counter() - start
        collapsed_nodes = len(scene.nodes)
        view.expand_all()
        minimap = _median(view.minimap.render_now, 3)
        frames = {}
        for zoom in (1.0, 0.25, 0.05):
            view.set_zoom(zoom)
            view.center_on("input")
            view.viewport().repaint()
            bar = view.verticalScrollBar()

            def pan():
                bar.setValue(bar.value() + 120)
                view.viewport().repaint()

            frames[zoom] = _median(pan, 20)
        print(f"\n{slug} ({len(scene.nodes)} nodes):")
        rows = [("insert a layer (relayout)", insert), ("undo it (cached layout)", undo),
                (f"collapse all blocks -> {collapsed_nodes} nodes", collapse), ("minimap render", minimap)]
        rows += [(f"pan frame at zoom {zoom}", frame) for zoom, frame in frames.items()]
        for label, value in rows:
            print(f"  {label:<36}{_ms(value)}")
        view.close()


if __name__ == "__main__":
    test_bench_open_densenet201()
    test_bench_config_change_resnet152()
    test_bench_structure_and_navigation()
